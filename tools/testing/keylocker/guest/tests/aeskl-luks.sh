# SPDX-License-Identifier: GPL-2.0
# LUKS2 with AES-KL is plain AES-XTS on disk: a volume written through
# capi:xts-aes-aeskl-plain64 reads back through aes-xts-plain64 with AES-KL
# unloaded, and a volume written without AES-KL reads back through it. The
# second mapping takes the first one's table (--disable-keyring puts the
# key there) with only the cipher changed.
kl_check aeskl-loaded "" kl_aeskl
head -c 1048576 /dev/urandom >/tmp/data
sum=$(sha256sum </tmp/data)

# put_data MAPPING: a new ext4 with /data on it.
put_data() {
	/usr/sbin/mke2fs -q -t ext4 "/dev/mapper/$1" && mount -t ext4 "/dev/mapper/$1" /mnt &&
		cp /tmp/data /mnt/data && umount /mnt
}
# data_sum MAPPING: the checksum of /data, after a filesystem check.
data_sum() {
	/usr/sbin/e2fsck -fn "/dev/mapper/$1" >/dev/null 2>&1 || { echo "e2fsck failed"; return; }
	mount -t ext4 -o ro "/dev/mapper/$1" /mnt && sha256sum </mnt/data
	umount /mnt
}
# kl_wide_used BEFORE AFTER: true if wide Key Locker instructions ran.
kl_wide_used() {
	kl_count_delta "$1" "$2" | grep -q 'wide256kl='
}

# AES-KL writes, AES-NI reads.
dd if=/dev/zero of=/tmp/vol1 bs=1M count=40 2>/dev/null
losetup /dev/loop0 /tmp/vol1
kl_check format-aeskl "" kl_luks_format /dev/loop0 capi:xts-aes-aeskl-plain64
kl_check open-aeskl "" kl_luks_open /dev/loop0 kl1 --disable-keyring
table=$(dmsetup table --showkeys kl1)
kl_check open-aeskl-uses-aeskl "$(dmsetup table kl1)" \
	sh -c "dmsetup table kl1 | grep -q ' capi:xts-aes-aeskl-plain64 '"
before=$(kl_count)
kl_check write-aeskl "" put_data kl1
after=$(kl_count)
kl_check write-aeskl-ran-keylocker "$(kl_count_delta "$before" "$after")" \
	kl_wide_used "$before" "$after"
cryptsetup close kl1
kl_check rmmod-aeskl "" rmmod aeskl
dmsetup create plain1 --table "$(kl_dm_cipher "$table" aes-xts-plain64)"
got=$(data_sum plain1)
kl_check aeskl-written-reads-as-aes-xts "want $sum, got $got" [ "$got" = "$sum" ]
dmsetup remove plain1

# AES-NI writes, AES-KL reads.
dd if=/dev/zero of=/tmp/vol2 bs=1M count=40 2>/dev/null
losetup /dev/loop1 /tmp/vol2
kl_check format-aes-xts "" kl_luks_format /dev/loop1 aes-xts-plain64
kl_check open-aes-xts "" kl_luks_open /dev/loop1 plain2 --disable-keyring
table=$(dmsetup table --showkeys plain2)
kl_check write-aes-xts "" put_data plain2
cryptsetup close plain2
kl_check modprobe-aeskl "" kl_aeskl
dmsetup create kl2 --table "$(kl_dm_cipher "$table" capi:xts-aes-aeskl-plain64)"
before=$(kl_count)
got=$(data_sum kl2)
kl_check aes-xts-written-reads-with-aeskl "want $sum, got $got" [ "$got" = "$sum" ]
after=$(kl_count)
kl_check read-aeskl-ran-keylocker "$(kl_count_delta "$before" "$after")" \
	kl_wide_used "$before" "$after"
dmsetup remove kl2
losetup -d /dev/loop0
losetup -d /dev/loop1
rm -f /tmp/vol1 /tmp/vol2
