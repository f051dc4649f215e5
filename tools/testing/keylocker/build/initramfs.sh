#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack the guest's initramfs: busybox, the user-space tools the tests drive
# (with their shared libraries, taken from the chroot's Debian packages), the
# kernel's modules and our in-guest scripts. Runs inside the chroot.
#
# Usage: initramfs.sh KERNEL_OBJ_DIR OUTPUT
set -euo pipefail
. "$(dirname "$0")/lib.sh"

obj=$1
out=$2
TOOLS=(cryptsetup dmsetup mke2fs e2fsck kcapi-enc keyctl)

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,mnt,etc,lib,lib64,usr/bin,kl}
cp /bin/busybox "$root/bin/busybox"

add_file() {
	[ -e "$root$1" ] || cp -L --parents "$1" "$root"
}
for t in "${TOOLS[@]}"; do
	path=$(command -v "$t") || die "$t is not installed in the chroot"
	add_file "$path"
	ldd "$path" | grep -oE '/[^ ]+' | while read -r lib; do add_file "$lib"; done
done

cp -a "$obj/modroot/lib/modules" "$root/lib/"
# The ring-3 Key Locker checks and the crypto API driver, built on the host
# by guest-rust.sh.
mkdir -p "$root/kl/bin"
for tool in klring3 klcrypt; do
	[ -x "/build/$tool" ] ||
		die "/build/$tool missing: build it with build/guest-rust.sh $tool /build/$tool"
	cp "/build/$tool" "$root/kl/bin/$tool"
done
cp "$KL_TOOLS/bench-hw" "$root/kl/bin/bench-hw"
cp "$KL_TOOLS/guest/init" "$root/init"
cp "$KL_TOOLS/guest/lib.sh" "$root/kl/lib.sh"
cp -r "$KL_TOOLS/guest/tests" "$root/kl/tests"
chmod 0755 "$root/init"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
