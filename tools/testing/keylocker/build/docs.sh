#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's documentation builds on our code, reported like tests:
# make rustdoc and make htmldocs, each failing on a warning in what the
# series wrote (kl_series_lines), not on upstream's own. Runs inside the
# chroot after a build, on the tree make build assembled; prints KLRESULT
# lines, which klrun.py --results counts.
#
# rustdoc documents the kernel crate as the test configuration builds it
# (tinyconfig + tools/testing/keylocker/config, so our cfg-gated modules are
# in), in objects of its own under /cache/docs-<key>/.
#
# Sphinx runs on our documents' directories only, through the kernel's own
# make htmldocs SPHINXDIRS="arch/x86 virt/kvm/x86": the kernel's conf.py
# and extensions (kernel-doc, automarkup, ...) with their checks, a few
# dozen pages instead of the whole tree's thousands, and incremental on a
# rerun. A single-file sphinx-build would not see the toctrees that must
# list our pages.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

. /build/paths.env
tree=$(cd "${KERNEL%/arch/x86/boot/bzImage}" && readlink -f source)
base=$("$KL_TOOLS/build/base-kernel.sh")
obj=/cache/docs-$(kl_kernel_key "$base")/obj
mkdir -p "$obj"
result() { echo "KLRESULT $1 $2 ${3:-}"; }
kmake() { kl_kmake "$tree" "$obj" "$@"; }

added=$(mktemp)
trap 'rm -f "$added"' EXIT
kl_series_lines "$tree" "$base" >"$added"

log=$obj/rustdoc.log
SECONDS=0
if ! (kl_configure_once "$tree" "$obj" "$KL_TOOLS/config" && kmake rustdoc) >"$log" 2>&1; then
	result rustdoc fail "make rustdoc failed: \
$(grep -m2 -E '(^|: )error(\[|:)' "$log" | tr '\n' ' ' | cut -c1-200)"
else
	ours=$(kl_rust_warnings "$added" "$log" "$tree")
	if [ -z "$ours" ]; then
		result rustdoc ok "in ${SECONDS}s"
	else
		result rustdoc fail "$(echo "$ours" | wc -l) in our files (${SECONDS}s): \
$(echo "$ours" | head -n3 | tr '\n' ' ')"
	fi
fi

# Sphinx reports path:line: WARNING: text (or ERROR, CRITICAL), and
# path: WARNING: text for a whole document.
log=$obj/htmldocs.log
SECONDS=0
if ! kmake htmldocs SPHINXDIRS="arch/x86 virt/kvm/x86" >"$log" 2>&1; then
	result htmldocs fail "make htmldocs failed: \
$(grep -m2 -iE 'error' "$log" | tr '\n' ' ' | cut -c1-200)"
else
	ours=$(awk -v tree="$tree/" '
		NR == FNR { ours[$0] = 1; next }
		match($0, /^[^ :]+:([0-9]+:)? (WARNING|ERROR|CRITICAL|SEVERE): /) {
			split(substr($0, 1, RLENGTH), at, ":")
			path = at[1]; sub(tree, "", path); line = at[2] + 0
			if ((path ":*") in ours || (line && (path ":" line) in ours))
				print path ":" line ": " substr($0, RLENGTH + 1)
		}' "$added" "$log")
	if [ -z "$ours" ]; then
		result htmldocs ok "in ${SECONDS}s"
	else
		result htmldocs fail "$(echo "$ours" | wc -l) in our files (${SECONDS}s): \
$(echo "$ours" | head -n3 | tr '\n' ' ')"
	fi
fi
