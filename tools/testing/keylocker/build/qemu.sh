#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build qemu-system-x86_64 (TCG, plugins) from Debian trixie's qemu source
# with the patches listed in tools/testing/keylocker/qemu/series. Runs inside
# the chroot; prints the binary's path on stdout. The build directory is keyed
# by the source version, this script and every patch in the series.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=$KL_TOOLS/qemu/series
patches=()
while read -r p; do
	patches+=("$KL_TOOLS/qemu/$p")
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series")

key=$(kl_key "$KL_QEMU_VERSION" "$0" "$series" "${patches[@]}")
dir=/cache/qemu-$key
if [ -x "$dir/build/qemu-system-x86_64" ]; then
	echo "$dir/build/qemu-system-x86_64"
	exit 0
fi

dl=/cache/dl/qemu-$KL_QEMU_VERSION
if [ ! -e "$dl/.complete" ]; then
	log "downloading qemu $KL_QEMU_VERSION source"
	apt-cache showsrc "qemu=$KL_QEMU_VERSION" >/dev/null 2>&1 || apt-get update -qq
	rm -rf "$dl"
	mkdir -p "$dl"
	(cd "$dl" && apt-get source -qq --download-only "qemu=$KL_QEMU_VERSION")
	touch "$dl/.complete"
fi

log "building qemu in $dir"
rm -rf "$dir"
mkdir -p "$dir"
# The +ds orig tarball carries no firmware; the firmware comes from the
# chroot's seabios and qemu-system-data packages instead.
dpkg-source -x "$dl"/qemu_*.dsc "$dir/src" >"$dir/unpack.log" 2>&1 ||
	die "unpacking qemu failed, see $dir/unpack.log"
for p in "${patches[@]}"; do
	log "applying $(basename "$p")"
	patch -d "$dir/src" -p1 --no-backup-if-mismatch -s <"$p"
done
mkdir -p "$dir/build"
cd "$dir/build"
../src/configure --target-list=x86_64-softmmu --without-default-features \
	--enable-tcg --enable-plugins --enable-fdt=system --disable-docs --disable-install-blobs \
	--disable-werror >"$dir/configure.log" 2>&1 ||
	die "qemu configure failed, see $dir/configure.log"
make -j"${KL_JOBS:-$(nproc)}" qemu-system-x86_64 >"$dir/make.log" 2>&1 ||
	die "qemu build failed, see $dir/make.log"
echo "$dir/build/qemu-system-x86_64"
