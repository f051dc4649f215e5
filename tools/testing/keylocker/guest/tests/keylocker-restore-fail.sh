# SPDX-License-Identifier: GPL-2.0
# The platform backup cannot be restored any more (forced through the
# model): the next CPU to need it marks the key lost, and still comes online.
mode=$(kl_param klmode)
res=$(kl_write $KL_SYSFS/mode "$mode")
kl_check select "$mode: $res" [ "$res" = OK ]
kl_host qmp '{"execute":"x-kl-set","arguments":{"restore-fail":true}}' >/dev/null
echo 0 >/sys/devices/system/cpu/cpu1/online
echo 1 >/sys/devices/system/cpu/cpu1/online
kl_check cpu-online-anyway "" [ "$(cat /sys/devices/system/cpu/cpu1/online)" = 1 ]
kl_check lost "" [ "$(cat $KL_SYSFS/status)" = lost ]
kl_check lost-logged "" \
	kl_logged 'keylocker: wrapping key lost: CPU 1 after coming online: IWKey restore failed'

# Choosing the mode again while lost fails on CPU 1 (its restore fails),
# after CPU 0 loaded and backed up a new key: the state stays lost, CR4.KL
# stays set everywhere (handles must fail cleanly, not fault), and the new
# key stays nowhere, not on CPU 0 and not in the platform backup.
mark=$(kl_host iwkey-mark)
res=$(kl_write $KL_SYSFS/mode "$mode")
kl_check reselect-fails "$mode: $res" [ "$res" = EIO ]
kl_check still-lost "" [ "$(cat $KL_SYSFS/status)" = lost ]
kl_check cr4-still-set "$(kl_host cr4kl)" kl_cr4_all 1
out=$(kl_host iwkey-undone "$mark")
kl_check failed-key-nowhere "$out" [ "$out" = ok ]
