# SPDX-License-Identifier: GPL-2.0
# Install the Debian system of a distro scenario as an installer would, from
# the test initramfs: LUKS2 on /dev/vda (root) and /dev/vdb (data) with the
# cipher klcipher=, the UUIDs and key files of the image's /etc/crypttab and
# the volume keys klvk= and kldatavk=, then the root file system copied
# from /dev/vdc (build/distro-image.sh) onto the root volume.
kl_check aeskl-loaded "" kl_aeskl
mkdir -p /image
mount -t ext4 -o ro /dev/vdc /image
cipher=$(kl_param klcipher)

# luks_format DEVICE NAME VOLUME_KEY_HEX: format DEVICE for crypttab entry
# NAME (its UUID and key file), with the given volume key.
luks_format() {
	uuid=$(awk -v t="$2" '$1 == t { sub("UUID=", "", $2); print $2 }' /image/etc/crypttab)
	kl_unhex "$3" >/tmp/vk
	cryptsetup luksFormat -q --type luks2 --cipher "$cipher" --key-size 512 \
		--sector-size 4096 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
		--uuid "$uuid" --key-file "/image/etc/keys/$2.key" \
		--volume-key-file /tmp/vk "$1"
	rc=$?
	rm -f /tmp/vk
	return $rc
}

kl_check format-root "$cipher" luks_format /dev/vda root "$(kl_param klvk)"
kl_check open-root "" cryptsetup open --key-file /image/etc/keys/root.key /dev/vda root
kl_check copy-root "" dd if=/dev/vdc of=/dev/mapper/root bs=1M iflag=direct oflag=direct status=none
kl_check root-fs-clean "" /usr/sbin/e2fsck -fn /dev/mapper/root
kl_check format-data "$cipher" luks_format /dev/vdb data "$(kl_param kldatavk)"
kl_check open-data "" cryptsetup open --key-file /image/etc/keys/data.key /dev/vdb data
kl_check mkfs-data "" /usr/sbin/mke2fs -q -t ext4 -b 4096 -L data /dev/mapper/data
umount /image
cryptsetup close data
cryptsetup close root
