# SPDX-License-Identifier: GPL-2.0
# After aeskl-keyloss and a reboot, the volume written before the key was
# lost opens and reads back intact.
kl_check aeskl-loaded "" kl_aeskl
kl_check open "" kl_luks_open /dev/vda vol
kl_check fsck-clean "" /usr/sbin/e2fsck -fn /dev/mapper/vol
mount -t ext4 -o ro /dev/mapper/vol /mnt
kl_check data-intact "" kl_same_sum /mnt/data /mnt/data.sum
dd if=/dev/mapper/vol of=/tmp/raw bs=4096 count=16 skip=6144 iflag=direct 2>/dev/null
kl_check raw-intact "" kl_same_sum /tmp/raw /mnt/raw.sum
umount /mnt
cryptsetup close vol
