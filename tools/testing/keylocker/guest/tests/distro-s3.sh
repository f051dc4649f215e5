# SPDX-License-Identifier: GPL-2.0
# Suspend to RAM with systemd on the Debian system: the data on both AES-KL
# volumes reads back after the wake-up (the mode restores the wrapping key),
# and the files written here are checked again after a power-off by
# distro-persist.
head -c 1048576 /dev/urandom >/root/kl-s3
cp /root/kl-s3 /srv/data/kl-s3
sha256sum </root/kl-s3 >/root/kl-s3.sum
sync
echo deep >/sys/power/mem_sleep
before=$(kl_host suspends)
exits=$(dmesg | grep -c 'PM: suspend exit')
kl_try systemctl-suspend systemctl suspend
# systemctl returns once logind has queued the suspend: wait for the
# kernel to be back (up to a minute).
i=0
while [ "$(dmesg | grep -c 'PM: suspend exit')" = "$exits" ] && [ "$i" -lt 60 ]; do
	sleep 1
	i=$((i + 1))
done
after=$(kl_host suspends)
kl_check s3-suspend-and-wake "host saw $before -> $after suspends" [ "$after" -gt "$before" ]
kl_check status-active-after-s3 "$(cat $KL_SYSFS/status)" [ "$(cat $KL_SYSFS/status)" = active ]
echo 3 >/proc/sys/vm/drop_caches
kl_check root-reads-back-after-s3 "" kl_same_sum /root/kl-s3 /root/kl-s3.sum
kl_check data-reads-back-after-s3 "" kl_same_sum /srv/data/kl-s3 /root/kl-s3.sum
