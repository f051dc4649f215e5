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
kl_check aeskl-loaded "" kl_aeskl
kl_check afalg-drivers-by-name "" kl_afalg_drivers
kl_check format "" kl_luks_format /dev/vda capi:xts-aes-aeskl-plain64
kl_check open "" kl_luks_open /dev/vda vol
# As aeskl-keyloss: a filesystem in the first 16 MiB, raw sectors at 24 MiB.
head -c 1048576 /dev/urandom >/tmp/data
head -c 65536 /dev/urandom >/tmp/raw
write_fs() {
	/usr/sbin/mke2fs -q -t ext4 /dev/mapper/vol 16M && mount -t ext4 /dev/mapper/vol /mnt &&
		cp /tmp/data /mnt/data && sha256sum </tmp/data >/mnt/data.sum &&
		sha256sum </tmp/raw >/mnt/raw.sum && umount /mnt
}
kl_check filesystem-written "" write_fs
kl_check raw-written "" dd if=/tmp/raw of=/dev/mapper/vol bs=4096 seek=6144 oflag=direct
key=$(kl_hex 32)
hold_slot=0
kl_check afalg-xts-keyed "" kl_hold_start xts-aes-aeskl "$key" --len 4096
hold_slot=1
kl_check afalg-cbc-keyed "" kl_hold_start cbc-aes-aeskl "$key" --len 4096
hold_slot=0

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

got=$(dd if=/dev/mapper/vol bs=4096 count=16 skip=6144 iflag=direct 2>/tmp/dd.err | sha256sum)
read_err=$(tr '\n' ' ' </tmp/dd.err)
# kl_hold_finish's output without the first ciphertext, which is long.
for s in 0 1; do
	hold_slot=$s
	kl_hold_finish
	eval "rc$s=$?"
	eval "out$s=\$(echo \"\$hold_out\" | sed 's/KLHOLD before [0-9a-f]* //')"
done
hold_slot=0
if [ "$want" = active ]; then
	kl_check dm-crypt-reads-back "$read_err" [ "$got" = "$(sha256sum </tmp/raw)" ]
	kl_check afalg-xts-same "$out0" [ "$rc0" = 0 ]
	kl_check afalg-cbc-same "$out1" [ "$rc1" = 0 ]
else
	kl_check dm-crypt-read-fails "$read_err" \
		sh -c 'echo "$1" | grep -q "Input/output error"' _ "$read_err"
	kl_check dm-crypt-read-returns-nothing "" \
		[ "$got" = "$(sha256sum </dev/null)" ]
	for s in 0 1; do
		eval "out=\$out$s"
		kl_check afalg-slot$s-enokey-zeros "$out" \
			sh -c 'echo "$1" | grep -q "KLHOLD dst zero .*error ENOKEY"' _ "$out"
	done
	kl_check lost-logged-once "" [ "$(dmesg | grep -c 'keylocker: wrapping key lost')" = 1 ]
	res=$(kl_write $KL_SYSFS/mode "$mode")
	kl_check reinit-after-lost "$res" [ "$res" = OK ]
	kl_check active-after-reinit "" [ "$(cat $KL_SYSFS/status)" = active ]
fi
cryptsetup close vol
swapoff /dev/vdb
