# SPDX-License-Identifier: GPL-2.0
# Losing the wrapping key (norestore across S3) makes AES-KL fail, never
# return wrong data: dm-crypt reads and writes fail with I/O errors, an
# AF_ALG tfm with ENOKEY, also after the mode is re-initialised (its handle
# is of the old generation) until it is keyed again. The volume's data
# stays intact: aeskl-keyloss-reboot reads it back after a reboot. A failed
# AF_ALG encryption leaves zeros in the receive buffer, in every mode, never
# the plaintext the kernel copied there.
kl_check aeskl-loaded "" kl_aeskl
kl_check afalg-drivers-by-name "" kl_afalg_drivers
kl_check mode-is-norestore "$(cat $KL_SYSFS/mode)" grep -q '\[norestore\]' $KL_SYSFS/mode

kl_check format "" kl_luks_format /dev/vda capi:xts-aes-aeskl-plain64
kl_check open "" kl_luks_open /dev/vda vol --disable-keyring
table=$(dmsetup table --showkeys vol)
kl_check volume-written "" kl_volume_write

key=$(kl_hex 32)
kl_check afalg-keyed-before-loss "" kl_hold_start xts-aes-aeskl "$key" --rekey
slot=1
for m in ecb cbc ctr; do
	hold_slot=$slot
	kl_check afalg-$m-keyed-before-loss "" kl_hold_start $m-aes-aeskl "$key" --len 4096
	slot=$((slot + 1))
done
hold_slot=0

echo deep >/sys/power/mem_sleep
echo mem >/sys/power/state
kl_check key-lost "$(cat $KL_SYSFS/status)" [ "$(cat $KL_SYSFS/status)" = lost ]

slot=1
for m in ecb cbc ctr; do
	hold_slot=$slot
	kl_hold_finish
	kl_check afalg-$m-fails-with-zeros-in-dst "$hold_out" \
		sh -c "echo '$hold_out' | grep -q 'KLHOLD dst zero .*error ENOKEY'"
	slot=$((slot + 1))
done
hold_slot=0

# rw_fails: a direct read and a direct write of the raw sectors both fail
# with an I/O error, and the read returns nothing.
rw_fails() {
	r=$(dd if=/dev/mapper/vol of=/tmp/got bs=4096 count=16 skip=6144 iflag=direct 2>&1)
	echo "$r" | grep -q 'Input/output error' || { echo "read: $r"; return 1; }
	[ ! -s /tmp/got ] || { echo "read returned data"; return 1; }
	w=$(dd if=/dev/zero of=/dev/mapper/vol bs=4096 count=1 seek=6200 oflag=direct 2>&1)
	echo "$w" | grep -q 'Input/output error' || { echo "write: $w"; return 1; }
}
out=$(rw_fails)
kl_check dm-crypt-io-fails-after-loss "$out" [ -z "$out" ]

res=$(kl_write $KL_SYSFS/mode norestore)
kl_check reinit "$res" [ "$res" = OK ]
out=$(rw_fails)
kl_check dm-crypt-io-fails-with-old-handles "$out" [ -z "$out" ]
kl_hold_finish
rc=$?
kl_check afalg-old-handle-enokey "$hold_out" sh -c "echo '$hold_out' | grep -q 'error ENOKEY'"
kl_check afalg-xts-fails-with-zeros-in-dst "$hold_out" \
	sh -c "echo '$hold_out' | grep -q 'KLHOLD dst zero'"
kl_check afalg-works-after-setkey "$hold_out (exit $rc)" \
	sh -c "[ $rc = 0 ] && echo '$hold_out' | grep -q 'rekeyed'"

# Keying the mapping again brings it back, with the data intact.
dmsetup suspend vol
kl_check dm-crypt-key-set "" dmsetup message vol 0 key set "$(echo "$table" | cut -d' ' -f5)"
dmsetup resume vol
got=$(dd if=/dev/mapper/vol bs=4096 count=16 skip=6144 iflag=direct 2>/dev/null | sha256sum)
kl_check dm-crypt-works-after-key-set "" [ "$got" = "$(sha256sum </tmp/raw)" ]
cryptsetup close vol
