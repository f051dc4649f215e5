#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian 13 system the distro scenarios install on a LUKS2 root: a
# debootstrap of trixie with systemd, udev, cryptsetup-initramfs and
# systemd-cryptsetup, as an administrator's minimal install would have.
# Nothing of ours is in it: build/distro-image.sh adds the kernel, its
# modules and the configuration. Runs on the host (debootstrap), like
# chroot.sh; the result is cached under $KL_CACHE/work/distro-<key>/root and
# is /cache/distro-<key>/root inside the toolchain chroot.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	systemd-sysv udev dbus systemd-cryptsetup cryptsetup cryptsetup-initramfs
	initramfs-tools kmod e2fsprogs zstd
)

dir=$KL_CACHE/work/$(kl_distro_dir)
if [ -e "$dir/.complete" ]; then
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
log "debootstrap the Debian system for the distro scenarios into $dir"
include=$(IFS=,; echo "${PACKAGES[*]}")
kl_debootstrap "$dir/root.tmp" "$dir/debootstrap.log" --include="$include"
# A smaller image: no package lists, caches, documentation or locales.
rm -rf "$dir/root.tmp"/var/lib/apt/lists/* "$dir/root.tmp"/var/cache/apt/* \
	"$dir/root.tmp"/usr/share/doc/* "$dir/root.tmp"/usr/share/man/* \
	"$dir/root.tmp"/usr/share/locale/* "$dir/root.tmp"/usr/share/info/*
mv "$dir/root.tmp" "$dir/root"
touch "$dir/.complete"
log "Debian system for the distro scenarios ready"
