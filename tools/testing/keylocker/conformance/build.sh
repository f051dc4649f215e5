#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the Key Locker conformance payload, a 32-bit multiboot ELF that QEMU
# boots with -kernel. Runs inside the chroot (clang-19, ld.lld-19).
#
# Usage: build.sh OUTPUT
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTPUT" >&2; exit 2; }
out=$1
src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# No SSE from the compiler: the tests toggle CR0.TS/EM and CR4.OSFXSR.
cflags=(--target=i686-unknown-none-elf -m32 -march=i686 -ffreestanding -nostdlib
	-fno-pic -fno-stack-protector -fno-builtin -mno-sse -mno-mmx -mno-80387
	-O2 -std=gnu11 -Wall -Wextra -Werror)

clang-19 "${cflags[@]}" -c "$src/boot.S" -o "$tmp/boot.o"
clang-19 "${cflags[@]}" -c "$src/klconf.c" -o "$tmp/klconf.o"
ld.lld-19 -m elf_i386 -nostdlib -static -T "$src/klconf.ld" \
	"$tmp/boot.o" "$tmp/klconf.o" -o "$tmp/klconf.elf"
mv "$tmp/klconf.elf" "$out"
