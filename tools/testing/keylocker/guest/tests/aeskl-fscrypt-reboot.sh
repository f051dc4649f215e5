# SPDX-License-Identifier: GPL-2.0
# The directory aeskl-fscrypt wrote with AES-KL reads back with Key Locker
# never enabled on this boot.
kl_check keylocker-off "" [ "$(cat $KL_SYSFS/status)" = disabled ]
kl_check aeskl-not-loaded "" sh -c "! grep -q '^aeskl ' /proc/modules"
mount -t ext4 /dev/vda /mnt
id=$(/kl/bin/klcrypt fscrypt-add-key /mnt "$(cat /mnt/key)")
kl_check add-key "$id" [ -n "$id" ]
kl_check reads-back "" kl_same_sum /mnt/enc/data /mnt/data.sum
kl_check no-aeskl-driver "" sh -c "! grep -q 'aes-aeskl' /proc/crypto"
umount /mnt
