#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build everything the emulated machine needs, inside the chroot, and record
# where it is in /build/paths.env for the runner.
# The debug kernel (kernel.sh) is recorded in /build/paths-debug.env.
#
# Usage: all.sh [test|debug...]   (default: test)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

qemu=$("$KL_TOOLS/build/qemu.sh")
kernels=("${@:-test}")
"$KL_TOOLS/conformance/build.sh" /build/klconf.elf
"$KL_TOOLS/plugin/build.sh" "$(dirname "$(dirname "$qemu")")/src" /build/klinsn.so
for kernel in "${kernels[@]}"; do
	# The debug kernel's Rust is compiled by clippy-driver: lint.sh reads
	# clippy's warnings from its build log (a separate CLIPPY=1 build of
	# the test kernel would compile every Rust object a second time).
	clippy=""
	[ "$kernel" != debug ] || clippy=CLIPPY=1
	obj=$("$KL_TOOLS/build/kernel.sh" "$kernel" $clippy)
	suffix=-$kernel
	[ "$kernel" != test ] || suffix=""
	"$KL_TOOLS/build/initramfs.sh" "$obj" "/build/initramfs$suffix.cpio.gz"
	cat >"/build/paths$suffix.env.tmp" <<PATHS
QEMU=$qemu
KERNEL=$obj/arch/x86/boot/bzImage
SYSTEM_MAP=$obj/System.map
INITRD=/build/initramfs$suffix.cpio.gz
KLINSN=/build/klinsn.so
PATHS
	mv "/build/paths$suffix.env.tmp" "/build/paths$suffix.env"
	log "built the $kernel kernel"
done
