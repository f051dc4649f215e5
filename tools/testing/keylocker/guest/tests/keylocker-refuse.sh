# SPDX-License-Identifier: GPL-2.0
# A mode whose prerequisites are missing: the specified errno, a log line
# that says why, and the system left disabled with CR4.KL clear everywhere.
mode=$(kl_param klmode)
want=$(kl_param klexpect)
dmesg -c >/dev/null
res=$(kl_write $KL_SYSFS/mode "$mode")
kl_check refused "$mode: want $want, got $res" [ "$res" = "$want" ]
kl_check logged-why "$(dmesg | grep keylocker | tail -n1)" kl_logged "keylocker: $mode: "
kl_check stays-disabled "" [ "$(cat $KL_SYSFS/status)" = disabled ]
kl_check mode-shows-disabled "" grep -q '^\[disabled\] ' $KL_SYSFS/mode
kl_check cr4-clear-everywhere "$(kl_host cr4kl)" kl_cr4_all 0
