#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the klinsn QEMU TCG plugin. Runs inside the toolchain chroot.
# QEMU_SRC_DIR is the QEMU source tree (its include/qemu holds
# qemu-plugin.h); both paths are as seen inside the chroot, e.g.
# /cache/qemu-<key>/src and /build/klinsn.so.
#
# Usage: build.sh QEMU_SRC_DIR OUTPUT_SO
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 QEMU_SRC_DIR OUTPUT_SO" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)


qemu_src=$1
out=$2
[ -f "$qemu_src/include/qemu/qemu-plugin.h" ] ||
	{ echo "error: no include/qemu/qemu-plugin.h under $qemu_src" >&2; exit 1; }

tmp=$(mktemp "$(dirname "$out")/.klinsn.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# shellcheck disable=SC2046 # pkg-config output is a list of flags
gcc -Wall -Wextra -Werror -O2 -shared -fPIC $(pkg-config --cflags glib-2.0) \
	-I"$qemu_src/include/qemu" "$here/klinsn.c" -o "$tmp"
chmod 0755 "$tmp"
mv "$tmp" "$out"
