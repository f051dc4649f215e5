# SPDX-License-Identifier: GPL-2.0
# S3 suspend to RAM, woken by the host through QMP system_wakeup.
before=$(kl_host suspends)
online_before=$(cat /sys/devices/system/cpu/online)
echo deep >/sys/power/mem_sleep
if echo mem >/sys/power/state; then
	after=$(kl_host suspends)
	kl_check s3-suspend-and-wake "host saw $before -> $after suspends" \
		[ "$after" -gt "$before" ]
else
	kl_result s3-suspend-and-wake fail "writing mem to /sys/power/state failed"
fi
online=$(cat /sys/devices/system/cpu/online)
kl_check s3-cpus-back "online $online_before -> $online" [ "$online" = "$online_before" ]
