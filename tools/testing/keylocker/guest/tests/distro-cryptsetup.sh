# SPDX-License-Identifier: GPL-2.0
# The cryptsetup commands an administrator uses on open volumes, on the
# Debian system's AES-KL mappings: status on both, refresh of the root,
# resize and close of the data volume, which systemd-cryptsetup opens again
# (luksSuspend and luksResume are in distro-ramscan).
#
# refresh and resize load a new table that cryptsetup 2.7 builds from the
# active one, and it cannot rebuild a cipher that names a driver
# (capi:xts-aes-aeskl-plain64, as capi:xts-aes-aesni-plain64): it turns it
# into "xts-aes-aeskl-plain64", which dm-crypt cannot allocate (ENOENT).
# On such volumes both are refused as documented and leave the mapping as
# it was; with aes-xts-plain64 and AES-KL chosen by priority they work.
cipher=$(kl_param klcipher)
for v in root data; do
	out=$(cryptsetup status "$v")
	kl_check "status-$v" "$(echo "$out" | grep -E 'type|cipher|keysize' | tr -s ' \n' ' ')" \
		sh -c "echo '$out' | grep -q 'cipher: *$cipher\$'"
done

# reload NAME COMMAND...: COMMAND loads a new table for mapping NAME.
reload() {
	map=$1
	shift
	case $cipher in
	capi:*)
		table=$(dmsetup table "$map")
		out=$("$@" 2>&1)
		kl_check "$map-$2-refused-for-capi-as-documented" "$(echo "$out" | tail -n1)" \
			sh -c "echo '$out' | grep -q 'reload ioctl on $map .*failed'"
		kl_check "$map-unchanged-after-refused-$2" "" \
			sh -c "[ '$(dmsetup table "$map")' = '$table' ] &&
				dd if=/dev/mapper/$map of=/dev/null bs=64k count=1 \
					iflag=direct status=none"
		return 1 ;;
	*) kl_try "$map-$2" "$@" ;;
	esac
}
for a in "refresh root --key-file /etc/keys/root.key" \
	"refresh data --key-file /etc/keys/data.key"; do
	set -- $a
	reload "$2" cryptsetup "$@" &&
		kl_check "$2-key-from-keyring-after-refresh" "" \
			sh -c "dmsetup table --showkeys $2 | grep -q ' :64:logon:cryptsetup:'"
done

size=$(blockdev --getsz /dev/mapper/data)
kl_check umount-data "" umount /srv/data
if reload data cryptsetup resize data --size $((size - 2048)) --key-file /etc/keys/data.key; then
	kl_check resized-smaller "$(blockdev --getsz /dev/mapper/data) of $size sectors" \
		[ "$(blockdev --getsz /dev/mapper/data)" = $((size - 2048)) ]
	kl_try resize-data-whole cryptsetup resize data --key-file /etc/keys/data.key
	kl_check resized-whole "" [ "$(blockdev --getsz /dev/mapper/data)" = "$size" ]
fi
kl_check close-data "" cryptsetup close data
kl_check closed "" sh -c "! dmsetup info data >/dev/null 2>&1"
kl_check reopen-by-systemd "" systemctl restart systemd-cryptsetup@data.service
kl_check remount-data "" mount /srv/data
kl_check data-fs-intact "" [ -s /srv/data/resume ]
