# SPDX-License-Identifier: GPL-2.0
# The main job's second half: AES-KL registered, and a LUKS2 volume whose
# key the kernel holds only as Key Locker handles.
echo "KLSHOW # modprobe aeskl"
kl_check demo-aeskl-loaded "" kl_aeskl
echo "KLSHOW # grep -B1 -A2 '^driver *: .*-aes-aeskl$' /proc/crypto"
grep -B1 -A2 '^driver *: .*-aes-aeskl$' /proc/crypto | grep -v '^--' | sed 's/^/KLSHOW /'
dd if=/dev/zero of=/tmp/vol bs=1M count=40 2>/dev/null
losetup /dev/loop0 /tmp/vol
echo "KLSHOW # cryptsetup luksFormat --type luks2 --cipher capi:xts-aes-aeskl-plain64" \
	"--key-size 512 --sector-size 4096 /dev/loop0"
kl_check demo-luks-format "" kl_luks_format /dev/loop0 capi:xts-aes-aeskl-plain64
echo "KLSHOW # cryptsetup open /dev/loop0 secret"
kl_check demo-luks-open "" kl_luks_open /dev/loop0 secret
echo "KLSHOW # cryptsetup status secret"
cryptsetup status secret | grep -E 'type|cipher|keysize|sector size' | sed 's/^/KLSHOW /'
head -c 1048576 /dev/urandom >/tmp/data
/usr/sbin/mke2fs -q -t ext4 /dev/mapper/secret && mount -t ext4 /dev/mapper/secret /mnt &&
	cp /tmp/data /mnt/data && umount /mnt && echo 3 >/proc/sys/vm/drop_caches &&
	mount -t ext4 /dev/mapper/secret /mnt
kl_check demo-luks-data "" [ "$(sha256sum </mnt/data)" = "$(sha256sum </tmp/data)" ]
echo "KLSHOW # ls -l /mnt   (ext4 on AES-KL)"
ls -l /mnt | grep data | sed 's/^/KLSHOW /'
umount /mnt
cryptsetup close secret
echo "KLSHOW Key Locker mode in use: $(cat $KL_SYSFS/mode), status $(cat $KL_SYSFS/status)"
