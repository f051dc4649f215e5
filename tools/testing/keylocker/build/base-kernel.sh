#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unpack the pinned base kernel (Debian's linux-source-7.3) into the cache,
# or take KERNEL_SRC, a user's own 7.3 tree. Runs inside the chroot; prints
# the unpacked tree's path on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ -n "${KERNEL_SRC:-}" ]; then
	grep -qs '^PATCHLEVEL = 3' "$KERNEL_SRC/Makefile" ||
		die "KERNEL_SRC=$KERNEL_SRC is not a 7.3 tree"
	echo "$KERNEL_SRC"
	exit 0
fi

dir=/cache/base-$KL_BASE_VERSION
if [ ! -e "$dir/.complete" ]; then
	version=$KL_BASE_VERSION
	if ! apt-cache show "$KL_BASE_PKG=$version" >/dev/null 2>&1; then
		apt-get update -qq
	fi
	if ! apt-cache show "$KL_BASE_PKG=$version" >/dev/null 2>&1; then
		version=$(apt-cache madison "$KL_BASE_PKG" | awk '{ print $3; exit }')
		[ -n "$version" ] || die "no $KL_BASE_PKG in the archive"
		log "WARNING: $KL_BASE_PKG $KL_BASE_VERSION is gone, using $version"
	fi
	log "unpacking $KL_BASE_PKG $version"
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	(cd "$dir.tmp" && apt-get download -qq "$KL_BASE_PKG=$version")
	dpkg-deb --fsys-tarfile "$dir.tmp"/*.deb |
		tar -x -C "$dir.tmp" --wildcards './usr/src/*.tar.xz'
	tar -xJf "$dir.tmp"/usr/src/*.tar.xz -C "$dir.tmp"
	mv "$dir.tmp"/linux-source-7.3 "$dir.tmp/linux"
	rm -rf "$dir.tmp/usr" "$dir.tmp"/*.deb
	echo "$version" >"$dir.tmp/version"
	touch "$dir.tmp/.complete"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi
echo "$dir/linux"
