# SPDX-License-Identifier: GPL-2.0
# Hibernation (S4), the lifecycle table's row for one mode. The machine
# writes its image to swap on /dev/vdb and powers off; QEMU exits, so every
# IWKey and the platform backup are gone, as on real power-off. The next
# boot resumes the image (resume=/dev/vdb) and this script goes on after
# "echo disk": the status is then klafter_s4= (active or lost). A LUKS2
# volume on AES-KL (/dev/vda) and AF_ALG tfms keyed before hibernating are
# used after it: they read back what they wrote where the key came back,
# and fail (I/O errors, ENOKEY, zeros in the destination) where it did
# not, never with wrong data. A fresh boot (aeskl-keyloss-reboot) then
# reads the volume back.
mode=$(kl_param klmode)
want=$(kl_param klafter_s4)
kl_users_start

kl_try swapon sh -c 'mkswap /dev/vdb && swapon /dev/vdb'
echo shutdown >/sys/power/disk
echo disk >/sys/power/state
rc=$?
# From here on this runs in the resumed kernel, in the next QEMU process.
kl_check resumed "echo disk exited $rc" [ "$rc" = 0 ]
kl_check resumed-status "want $want, got $(cat $KL_SYSFS/status)" \
	[ "$(cat $KL_SYSFS/status)" = "$want" ]
kl_check cpus-back "$(cat /sys/devices/system/cpu/online)" \
	[ "$(cat /sys/devices/system/cpu/online)" = 0-1 ]

if [ "$want" = active ]; then
	kl_users_check works
else
	kl_users_check fails
	kl_check lost-logged-once "" [ "$(dmesg | grep -c 'keylocker: wrapping key lost')" = 1 ]
	res=$(kl_write $KL_SYSFS/mode "$mode")
	kl_check reinit-after-lost "$res" [ "$res" = OK ]
	kl_check active-after-reinit "" [ "$(cat $KL_SYSFS/status)" = active ]
fi
cryptsetup close vol
swapoff /dev/vdb
