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
