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

# dm-crypt keeps no copy of a volume key that reaches it through the
# kernel keyring: cryptsetup's default for LUKS2. It keeps the key it is
# given in the table for as long as the mapping exists: LUKS2 with
# --disable-keyring, LUKS1 and plain mode (libcryptsetup passes only LUKS2
# keys through the keyring). Each path is measured on the same volume key
# with AES-KL as the cipher, so any copy found is dm-crypt's or
# cryptsetup's.
vk=$(kl_hex 64)
dd if=/dev/zero of=/tmp/vol bs=1M count=40 2>/dev/null
losetup /dev/loop0 /tmp/vol

# put_vk: the volume key in /tmp/vk, for cryptsetup to read; removed again
# (and wiped, init_on_free) before every scan.
put_vk() {
	kl_unhex "$vk" >/tmp/vk
}
# path TYPE [ARGS...]: open the volume through format TYPE (luks2, luks1 or
# plain) with open ARGS and print "FOUND KEY": how often the volume key
# is in RAM with it open, and the table's key field (a keyring reference,
# or the length of the hex key); nothing if it did not open.
path() {
	type=$1
	shift
	put_vk
	case $type in
	plain) dd if=/dev/zero of=/dev/loop0 bs=1M count=4 conv=fsync 2>/dev/null &&
		cryptsetup open --type plain --cipher capi:xts-aes-aeskl-plain64 \
		--key-size 512 --key-file /tmp/vk "$@" /dev/loop0 vol ;;
	*) kl_luks_format /dev/loop0 capi:xts-aes-aeskl-plain64 --type "$type" \
		--volume-key-file /tmp/vk $sectors && kl_luks_open /dev/loop0 vol "$@" ;;
	esac || { rm -f /tmp/vk; return; }
	rm -f /tmp/vk
	key=$(dmsetup table --showkeys vol |
		awk '{ print ($5 ~ /^:/) ? $5 : length($5) "-hex-digits" }')
	echo "$(kl_scan_key "$vk") $key"
	cryptsetup close vol
}
# settled: how often the volume key is in RAM right after the open, and
# after the unlinked keyring key had time to be collected: the key
# garbage collector frees (and zeroes) it moments after the open. Prints
# "AT_OPEN FOUND SECONDS", waiting up to 5 seconds for FOUND to be 0.
settled() {
	at_open=$(kl_scan_key "$vk")
	found=$at_open
	i=0
	while [ "$found" != 0 ] && [ "$i" -lt 5 ]; do
		sleep 1
		i=$((i + 1))
		found=$(kl_scan_key "$vk")
	done
	echo "$at_open $found $i"
}
sectors=""
put_vk
kl_luks_format /dev/loop0 capi:xts-aes-aeskl-plain64 --volume-key-file /tmp/vk
rm -f /tmp/vk
kl_luks_open /dev/loop0 vol
key=$(dmsetup table --showkeys vol | cut -d' ' -f5)
kl_check dm-crypt-luks2-keyring-reference "$key" \
	sh -c "echo '$key' | grep -q '^:64:logon:cryptsetup:'"
set -- $(settled)
kl_check dm-crypt-luks2-keyring-no-key-in-ram \
	"found $1 at the open (the keyring key until collected), $2 after ${3}s" [ "$2" = 0 ]
cryptsetup close vol
set -- $(path luks2 --disable-keyring)
kl_check dm-crypt-luks2-disable-keyring-copy-found-as-documented "found $1, key $2" \
	[ "${1:-0}" -ge 1 ]
# LUKS1 has 512-byte sectors only.
sectors="--sector-size 512"
set -- $(path luks1)
kl_check dm-crypt-luks1-copy-found-as-documented "found $1, key $2" [ "${1:-0}" -ge 1 ]
set -- $(path plain)
kl_check dm-crypt-plain-copy-found-as-documented "found $1, key $2" [ "${1:-0}" -ge 1 ]
# The way out for a LUKS1 volume: convert it to LUKS2 (while closed). A
# LUKS1 header holds a standard cipher (cryptsetup cannot convert one that
# names a driver), so AES-KL is chosen by priority here.
kl_check aeskl-priority-raised "" sh -c "rmmod aeskl && modprobe aeskl priority=1000"
put_vk
kl_luks_format /dev/loop0 aes-xts-plain64 --type luks1 --volume-key-file /tmp/vk \
	--sector-size 512
rm -f /tmp/vk
kl_try luks1-converts-to-luks2 cryptsetup convert -q --type luks2 /dev/loop0
kl_luks_open /dev/loop0 vol
set -- $(settled)
kl_check dm-crypt-converted-luks2-no-key-in-ram "found $1 at the open, $2 after ${3}s" \
	[ "$2" = 0 ]
cryptsetup close vol
kl_check aeskl-priority-back "" sh -c "rmmod aeskl && modprobe aeskl"
losetup -d /dev/loop0
rm -f /tmp/vol
