#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Create the Debian 13 (trixie) toolchain chroot: kernel 7.3 needs LLVM >= 17
# and bindgen >= 0.71, which the Debian 12 host lacks. The package list below
# is part of the cache key (this file is hashed), so editing it builds a new
# chroot next to the old one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PACKAGES=(

	clang-19 lld-19 llvm-19 libclang-19-dev rustc rust-src rustfmt
	rust-clippy bindgen
	make bc bison flex libelf-dev libssl-dev cpio kmod rsync xz-utils
	zstd python3 git patch perl ca-certificates

	dpkg-dev build-essential ninja-build meson pkgconf python3-venv
	libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev
	seabios qemu-system-data

	busybox-static cryptsetup-bin dmsetup e2fsprogs
	kcapi-tools keyutils

	python3-sphinx python3-yaml
)

root=$(kl_chroot_dir)
if [ -e "$root/.complete" ]; then
	exit 0
fi
mkdir -p "$KL_CACHE"
rm -rf "$root.tmp"
log "debootstrap trixie into $root"
kl_debootstrap "$root.tmp" "$KL_CACHE/debootstrap.log"
mirror=$(kl_mirror)
cat >"$root.tmp/etc/apt/sources.list" <<SRC
deb $mirror trixie main
deb-src $mirror trixie main
deb $mirror trixie-backports main
SRC
echo 'APT::Install-Recommends "false";' >"$root.tmp/etc/apt/apt.conf.d/90norecommends"
cp /etc/resolv.conf "$root.tmp/etc/resolv.conf" 2>/dev/null || true
unshare --mount --propagation private -- /bin/sh -ec '
	mount -t proc proc "$1/proc"
	mount --rbind /dev "$1/dev"
	shift
	exec chroot "$@"' sh "$root.tmp" "$root.tmp" /usr/bin/env -i \
	PATH=/usr/bin:/bin:/usr/sbin:/sbin DEBIAN_FRONTEND=noninteractive \
	/bin/sh -ec "apt-get update -qq && apt-get install -y -qq ${PACKAGES[*]} >/dev/null" ||
	die "package install in the chroot failed"
touch "$root.tmp/.complete"
mv "$root.tmp" "$root"
log "toolchain chroot ready"
