# SPDX-License-Identifier: GPL-2.0
# The end-to-end row of `make bench`, under the klinsn plugin: 1 MiB
# written and then read with O_DIRECT through a plain dm-crypt mapping
# (AES-256-XTS, 512-byte sectors, a fixed key) of a loop device, once with
# AES-KL by name and once with aes-xts-plain64, which gets whatever
# xts(aes) has the highest priority: AES-NI's, since aeskl is loaded at its
# default priority (100, below AES-NI's 400-500; the harness raises it only
# for the fscrypt tests). The driver a mapping got is read from /proc/crypto
# (the one whose refcnt rose) and reported. klcrypt dio snapshots every
# vCPU right before and after its one transfer (dm-crypt encrypts in its
# workqueues, on any CPU), and each measurement prints one KLBENCH line;
# klbench.py sums every kernel-mode instruction between the two snapshots.
# Tags start at 10000, clear of bench-ciphers.sh's.
kl_check aeskl-loaded "" kl_aeskl

img=/tmp/dmcrypt.img
sectors=$((16 * 2048))
bytes=1048576
# A fixed 64-byte key, bytes 00 to 3f: the XTS halves differ.
key=$(printf '%02x' $(seq 0 63))

# xts_refs: "driver refcnt" of every xts(aes) driver in /proc/crypto.
xts_refs() {
	awk '$1 == "name" { name = $3 } $1 == "driver" { drv = $3 }
		$1 == "refcnt" && name == "xts(aes)" { print drv, $3 }' /proc/crypto
}
# refs_rose BEFORE AFTER: the drivers of AFTER whose refcnt is above
# BEFORE's (or that BEFORE lacks).
refs_rose() {
	printf '%s\n--\n%s\n' "$1" "$2" | awk '$1 == "--" { after = 1; next }
		!after { ref[$1] = $2; next }
		!($1 in ref) || $2 > ref[$1] { print $1 }' | tr '\n' ' ' | sed 's/ $//'
}
# priority DRIVER: its priority in /proc/crypto.
priority() {
	awk -v d="$1" '$1 == "driver" { drv = $3 }
		$1 == "priority" && drv == d { print $3; exit }' /proc/crypto
}

# measure LABEL CIPHER: map the loop device with CIPHER as kl-e2e-LABEL,
# report the driver it got, write and read through it, unmap it. (Not
# $name or $detail: kl_check sets those.)
measure() {
	label=$1 cipher=$2 map=kl-e2e-$1
	before=$(xts_refs)
	if ! dmsetup create $map --table "0 $sectors crypt $cipher $key 0 $loop 0"; then
		kl_result "dmcrypt-create-$label" fail "dmsetup create $map, cipher $cipher"
		return
	fi
	drv=$(refs_rose "$before" "$(xts_refs)")
	about="$cipher: driver ${drv:-unknown}, priority $(priority "$drv"),"
	about="$about table cipher $(dmsetup table $map | awk '{ print $4 }')"
	case $label in
	aeskl) kl_check dmcrypt-driver-$label "$about" [ "$drv" = xts-aes-aeskl ] ;;
	# Else the comparison would be AES-KL against itself.
	*) kl_check dmcrypt-driver-$label "$about" [ -n "$drv" -a "$drv" != xts-aes-aeskl ] ;;
	esac
	for op in write read; do
		out=$(/kl/bin/klcrypt dio $op /dev/mapper/$map $bytes $tag 2>&1)
		rc=$?
		echo "KLBENCH tag=$tag e2e=dmcrypt cipher=$cipher op=$op bytes=$bytes rc=$rc"
		kl_check dmcrypt-$op-$label "$out" [ $rc = 0 ]
		tag=$((tag + 2))
	done
	kl_check dmcrypt-remove-$label $map dmsetup remove $map
}

head -c $((sectors * 512)) /dev/zero >$img
loop=$(losetup -f)
tag=10000
if losetup "$loop" $img; then
	kl_result dmcrypt-losetup ok "$loop"
	measure aeskl capi:xts-aes-aeskl-plain64
	measure aes-xts aes-xts-plain64
	kl_check dmcrypt-loop-detach "$loop" losetup -d "$loop"
else
	kl_result dmcrypt-losetup fail "losetup $loop $img"
fi
rm -f $img
