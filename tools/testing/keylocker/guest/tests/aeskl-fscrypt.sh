# SPDX-License-Identifier: GPL-2.0
# fscrypt uses AES-KL for AES-256-XTS when its priority is raised: an
# encrypted ext4 directory written with it; aeskl-fscrypt-reboot reads it
# back after a reboot without AES-KL. The raw key is kept on the disk's
# unencrypted part for the second boot: this tests the cipher, not key
# management.
kl_check aeskl-loaded "" kl_aeskl priority=1000
kl_check format "" /usr/sbin/mke2fs -q -t ext4 -O encrypt /dev/vda
mount -t ext4 /dev/vda /mnt
key=$(kl_hex 64)
echo "$key" >/mnt/key
id=$(/kl/bin/klcrypt fscrypt-add-key /mnt "$key")
kl_check add-key "$id" [ -n "$id" ]
mkdir /mnt/enc
kl_check set-policy "" /kl/bin/klcrypt fscrypt-set-policy /mnt/enc "$id"
head -c 300000 /dev/urandom >/tmp/data
before=$(kl_count)
cp /tmp/data /mnt/enc/data && sync
after=$(kl_count)
sha256sum </tmp/data >/mnt/data.sum
# File contents go through blk-crypto-fallback, which asks the crypto API
# for xts(aes): the model's counters show who answered.
kl_check contents-through-blk-crypto-fallback "$(dmesg | grep 'fscrypt: AES-256-XTS')" \
	kl_logged 'fscrypt: AES-256-XTS using blk-crypto-fallback'
delta=$(kl_count_delta "$before" "$after")
kl_check contents-encrypted-with-keylocker "$delta" \
	sh -c "echo '$delta' | grep -q 'aesencwide256kl='"
# File names use cts(cbc(aes)), where AES-NI's own CTS driver outranks a
# CTS template over AES-KL; documented.
kl_check names-by-aes-ni-as-documented "$(dmesg | grep 'fscrypt: AES-256-CBC-CTS')" \
	kl_logged 'fscrypt: AES-256-CBC-CTS using implementation "cts-cbc-aes-aesni"'
echo 3 >/proc/sys/vm/drop_caches
kl_check reads-back "" kl_same_sum /mnt/enc/data /mnt/data.sum
# What AES-KL does and does not change for fscrypt's keys. For a v2
# policy fscrypt zeroes the raw master key once it has keyed its HKDF
# (HMAC-SHA512 state, kept while the key is added, from which every file
# key is derived), so the raw key is not in RAM; the file contents keys
# are, in struct blk_crypto_key, whatever the cipher (no scan can name
# them: they are derived per file). init_on_free=1: a copy found is held.
found=$(kl_scan_key "$key")
kl_check raw-master-key-not-in-ram-as-documented "found $found" [ "$found" = 0 ]
umount /mnt
