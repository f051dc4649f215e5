# SPDX-License-Identifier: GPL-2.0
# A mode whose prerequisites the machine has: nothing happens at boot, the
# write succeeds, every CPU gets CR4.KL and the key, and the files say so.
mode=$(kl_param klmode)
kl_check sysfs-present "$KL_SYSFS" [ -d "$KL_SYSFS" ]
kl_check disabled-at-boot "$(cat $KL_SYSFS/mode)" grep -q '^\[disabled\] ' $KL_SYSFS/mode
kl_check status-disabled-at-boot "" [ "$(cat $KL_SYSFS/status)" = disabled ]
kl_check cr4-clear-at-boot "$(kl_host cr4kl)" kl_cr4_all 0

res=$(kl_write $KL_SYSFS/mode "$mode")
kl_check select "$mode: $res" [ "$res" = OK ]
kl_check mode-bracketed "$(cat $KL_SYSFS/mode)" grep -q "\[$mode\]" $KL_SYSFS/mode
kl_check mode-no-disabled "" sh -c "! grep -q disabled $KL_SYSFS/mode"
kl_check status-active "" [ "$(cat $KL_SYSFS/status)" = active ]
kl_check cr4-set-everywhere "$(kl_host cr4kl)" kl_cr4_all 1
kl_check logged-active "" sh -c "dmesg | grep -q 'keylocker: $mode: active on all CPUs'"

res=$(kl_write $KL_SYSFS/mode "$mode
")
kl_check same-mode-again-is-noop "$res" [ "$res" = OK ]
other=norestore
[ "$mode" = norestore ] && other=kernel_key_remember
res=$(kl_write $KL_SYSFS/mode "$other")
kl_check other-mode-busy "$other: $res" [ "$res" = EBUSY ]
kl_check still-active "" [ "$(cat $KL_SYSFS/status)" = active ]
