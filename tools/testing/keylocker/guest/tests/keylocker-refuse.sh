# SPDX-License-Identifier: GPL-2.0
# A mode whose prerequisites are missing: the specified errno, a log line
# that says why, and the system left disabled with CR4.KL clear everywhere.
# In the paravirt modes the guest never runs LOADIWKEY, not even to undo.
mode=$(kl_param klmode)
want=$(kl_param klexpect)
dmesg -c >/dev/null
before=$(kl_count)
res=$(kl_write $KL_SYSFS/mode "$mode")
ran=$(kl_count_delta "$before" "$(kl_count)")
kl_check refused "$mode: want $want, got $res" [ "$res" = "$want" ]
kl_check logged-why "$(dmesg | grep keylocker | tail -n1)" kl_logged "keylocker: $mode: "
kl_check stays-disabled "" [ "$(cat $KL_SYSFS/status)" = disabled ]
kl_check mode-shows-disabled "" grep -q '^\[disabled\] ' $KL_SYSFS/mode
kl_check cr4-clear-everywhere "$(kl_host cr4kl)" kl_cr4_all 0
case $mode in
paravirt_*)
	kl_check no-loadiwkey "ran: $ran" eval '! echo "$ran" | grep -q loadiwkey'
	;;
esac
