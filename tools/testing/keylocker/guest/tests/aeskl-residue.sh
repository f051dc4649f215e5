# SPDX-License-Identifier: GPL-2.0
# No AES key in RAM while AES-KL holds it: the host dumps all guest RAM and
# looks for every 16-byte piece of the key. The machine boots with
# init_on_free=1, so what user space and the kernel freed is gone, and what
# is found is a copy someone still holds. Each "none found" check has a
# control that proves the scan finds a key that is there. Keys only ever
# pass through the shell in hex; their bytes exist in child processes.
kl_check aeskl-loaded "" kl_aeskl
kl_check afalg-drivers-by-name "" kl_afalg_drivers

# AF_ALG: the tfm holds handles.
key=$(kl_hex 64)
kl_check afalg-aeskl-keyed "" kl_hold_start xts-aes-aeskl "$key"
found=$(kl_scan_key "$key")
kl_hold_finish
rc=$?
kl_check afalg-aeskl-still-works "$hold_out" [ "$rc" = 0 ]
kl_check afalg-aeskl-no-key-in-ram "found $found" [ "$found" = 0 ]
# Control: AES-NI keeps the key schedule in the tfm.
key=$(kl_hex 64)
kl_check afalg-aesni-keyed "" kl_hold_start xts-aes-aesni "$key"
found=$(kl_scan_key "$key")
kl_hold_finish
kl_check afalg-aesni-key-found "found $found" [ "${found:-0}" -ge 1 ]
# The documented exception: AES-192 goes to the AES library.
key=$(kl_hex 48)
kl_check afalg-aeskl-aes192-keyed "" kl_hold_start xts-aes-aeskl "$key"
found=$(kl_scan_key "$key")
kl_hold_finish
kl_check afalg-aeskl-aes192-key-in-ram-as-documented "found $found" [ "${found:-0}" -ge 1 ]

# dm-crypt: LUKS2 opened with AES-KL and the key in the table (not in the
# keyring). Without wipe_key_copy dm-crypt keeps its copy.
vk=$(kl_hex 64)
(printf "$(echo "$vk" | sed 's/../\\x&/g')" >/tmp/vk)
dd if=/dev/zero of=/tmp/vol bs=1M count=40 2>/dev/null
losetup /dev/loop0 /tmp/vol
kl_check luks-format "" kl_luks_format /dev/loop0 capi:xts-aes-aeskl-plain64 \
	--volume-key-file /tmp/vk
rm -f /tmp/vk
kl_check luks-open "" kl_luks_open /dev/loop0 vol --disable-keyring
found=$(kl_scan_key "$vk")
kl_check dm-crypt-copy-found-without-wipe_key_copy "found $found" [ "${found:-0}" -ge 1 ]

# Reload the same table with wipe_key_copy: no copy left, volume usable.
table=$(dmsetup table --showkeys vol)
dmsetup reload vol --table "$(kl_dm_option "$table" wipe_key_copy)" && dmsetup resume vol
shown=$(dmsetup table --showkeys vol)
kl_check showkeys-marker "$shown" sh -c "echo '$shown' | grep -q ' :wiped: .* wipe_key_copy'"
found=$(kl_scan_key "$vk")
kl_check dm-crypt-no-key-in-ram-with-wipe_key_copy "found $found" [ "$found" = 0 ]
head -c 262144 /dev/urandom >/tmp/data
dd if=/tmp/data of=/dev/mapper/vol bs=4096 oflag=direct 2>/dev/null
got=$(dd if=/dev/mapper/vol bs=4096 count=64 iflag=direct 2>/dev/null | sha256sum)
kl_check volume-usable-after-wipe "" [ "$got" = "$(sha256sum </tmp/data)" ]

# What would need the key again is refused, clearly.
kl_check reload-of-wiped-table-refused "" sh -c "! dmsetup reload vol --table '$shown' 2>/dev/null"
kl_check reload-refusal-logged "$(dmesg | grep 'wipe_key_copy' | tail -n1)" \
	kl_logged "Key was wiped by wipe_key_copy, pass the key itself"
dmsetup clear vol
dmsetup suspend vol
kl_check key-set-wiped-refused "" sh -c "! dmsetup message vol 0 key set :wiped: 2>/dev/null"
kl_check key-set-refusal-logged "" \
	kl_logged "key set: key wiped by wipe_key_copy, pass the key itself"
dmsetup resume vol
kl_check iv-mode-lmk-refused "" sh -c "! dmsetup create lmk --table \
	'0 8 crypt aes-cbc-lmk $(kl_hex 48) 0 /dev/loop0 0 1 wipe_key_copy' 2>/dev/null"
kl_check lmk-refusal-logged "" kl_logged "wipe_key_copy cannot be used with IV modes lmk"
cryptsetup close vol
losetup -d /dev/loop0
rm -f /tmp/vol
