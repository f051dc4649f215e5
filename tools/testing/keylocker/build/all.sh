#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build everything the emulated machine needs, inside the chroot, and record
# where it is in /build/paths.env for the runner.
#
# Usage: all.sh [extra kernel make arguments]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

qemu=$("$KL_TOOLS/build/qemu.sh")
"$KL_TOOLS/conformance/build.sh" /build/klconf.elf
obj=$("$KL_TOOLS/build/kernel.sh" "$@")
"$KL_TOOLS/build/initramfs.sh" "$obj" /build/initramfs.cpio.gz
"$KL_TOOLS/plugin/build.sh" "$(dirname "$(dirname "$qemu")")/src" /build/klinsn.so
cat >/build/paths.env <<PATHS
QEMU=$qemu
KERNEL=$obj/arch/x86/boot/bzImage
SYSTEM_MAP=$obj/System.map
INITRD=/build/initramfs.cpio.gz
KLINSN=/build/klinsn.so
PATHS
log "build complete"
