#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build our kernel (bzImage and modules) out of tree, with LLVM, from the
# assembled tree. Runs inside the chroot. The objects are kept per base and
# toolchain, so a rebuild after a change is incremental.
#
# Usage: kernel.sh test|debug [extra make arguments, e.g. CLIPPY=1]
#
# test is tools/testing/keylocker/config on tinyconfig; debug adds
# config-debug to it, in objects of its own.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=$1
shift
case $kernel in
test) suffix="" ;;
debug) suffix=-$kernel ;;
*) die "unknown kernel '$kernel' (test or debug)" ;;
esac

base=$("$KL_TOOLS/build/base-kernel.sh")
work=/cache/kernel-$(kl_kernel_key "$base")
tree=$work/src
obj=$work/obj$suffix
mkdir -p "$obj"

"$KL_TOOLS/build/assemble.sh" "$base" "$tree"

kmake() { kl_kmake "$tree" "$obj" "$@"; }

fragment=$obj/.kl-fragment.new
cat "$KL_TOOLS/config" >"$fragment"
[ -z "$suffix" ] || cat "$KL_TOOLS/config$suffix" >>"$fragment"
kl_configure_once "$tree" "$obj" "$fragment"
rm -f "$fragment"

log "building the $kernel kernel in $obj"
kmake "$@" bzImage modules >"$obj/build.log" 2>&1 || {
	grep -E -B2 -A8 'error|Error' "$obj/build.log" | head -n 60 >&2
	die "kernel build failed, see $obj/build.log"
}
rm -rf "$obj/modroot"
kmake -s INSTALL_MOD_PATH="$obj/modroot" modules_install >/dev/null
echo "$obj"
