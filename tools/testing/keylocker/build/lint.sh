#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own gates on our code, reported like tests: rustfmtcheck, a
# CLIPPY=1 build of every Rust object with no warnings in our files, and
# checkpatch on the exported patch series. Runs inside the chroot after a
# build; prints KLRESULT lines, which klrun.py --results counts.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# The kernel objects the last build made (build/paths.env names the image).
. /build/paths.env
obj=${KERNEL%/arch/x86/boot/bzImage}
tree=$(cd "$obj" && readlink -f source)
kmake() {
	make -C "$tree" O="$obj" ARCH=x86_64 LLVM=-19 -j"${KL_JOBS:-$(nproc)}" "$@"
}
result() { echo "KLRESULT $1 $2 ${3:-}"; }

if out=$(kmake -s rustfmtcheck 2>&1); then
	result rustfmtcheck ok
else
	result rustfmtcheck fail "$(echo "$out" | grep -m3 -E '^Diff in|\.rs' | tr '\n' ' ')"
fi

# all.sh builds the debug kernel with CLIPPY=1: its build log holds
# clippy's warnings on every Rust object it compiled. If that build did not
# compile the kernel crate, and with it everything that uses it (the cache
# was warm), compile those again so that none of our objects is missed.
# Upstream files have warnings of their own; count those in the project's
# files only.
debug_obj=$(sed -n 's|^SYSTEM_MAP=\(.*\)/System.map$|\1|p' /build/paths-debug.env 2>/dev/null)
log=$debug_obj/build.log
clippy_built=yes
if [ -z "$debug_obj" ] || [ ! -s "$log" ]; then
	clippy_built="no debug kernel build log: run all.sh debug first"
elif ! grep -q ' L rust/kernel\.o$' "$log"; then
	rm -f "$debug_obj/rust/kernel.o"
	"$KL_TOOLS/build/kernel.sh" debug CLIPPY=1 >/dev/null ||
		clippy_built="the CLIPPY=1 build of the debug kernel failed, see $log"
fi
# Only warnings on what the series wrote count.
base=$("$KL_TOOLS/build/base-kernel.sh")
added=$(mktemp)
trap 'rm -f "$added"' EXIT
kl_series_lines "$tree" "$base" >"$added"
ours=$(kl_rust_warnings "$added" "$log" "$tree")
if [ "$clippy_built" != yes ]; then
	result clippy fail "$clippy_built"
elif [ -z "$ours" ]; then
	result clippy ok
else
	result clippy fail "$(echo "$ours" | wc -l) in our files: \
$(echo "$ours" | head -n3 | tr '\n' ' ')"
fi

# What only built-in code may do stays unexported: no C function that
# asm/keylocker.h marks built in only, and no kernel-crate code
# of kernel::x86::keylocker::iwkey or kernel::x86::bugs, may be in the
# symbols modules can link against (v0 mangling names each path segment
# with its length: 5iwkey, 4bugs).
builtin_only='keylocker_(state_publish|cr4_set|cr4_clear|wrmsr|boot_mode_get)'
builtin_only+='|rfds_mitigated|9keylocker5iwkey|3x864bugs'
leaked=$(grep -E "^0x[0-9a-f]+[[:space:]]+[^[:space:]]*($builtin_only)" "$obj/Module.symvers" |
	cut -f2 | head -n3 | tr '\n' ' ')
if [ ! -s "$obj/Module.symvers" ]; then
	result builtin-only fail "no Module.symvers in $obj"
elif [ -n "$leaked" ]; then
	result builtin-only fail "exported to modules: $leaked"
else
	result builtin-only ok
fi

# checkpatch on the exported series (build/patches/, from make patches),
# not on its cover letter, which has no diff and no sign-off to check.
# Ignored: MAINTAINERS reminders on every new file, "proc proc" in mount
# commands, "outb" in asm strings read as a function name, and volatile
# and extern in the freestanding payload, whose exception handler writes
# variables behind the compiler's back.
CHECKPATCH_IGNORE=FILE_PATH_CHANGES,REPEATED_WORD,EMBEDDED_FUNCTION_NAME,VOLATILE,AVOID_EXTERNS
for p in /build/patches/*.patch; do
	[ -e "$p" ] || { result checkpatch skip "no exported patches"; break; }
	[ "${p##*/}" != 0000-cover-letter.patch ] || continue
	out=$("$tree/scripts/checkpatch.pl" --no-tree -q --ignore "$CHECKPATCH_IGNORE" "$p" 2>&1)
	if [ $? -eq 0 ]; then
		result "checkpatch-$(basename "$p" .patch | cut -c1-40)" ok
	else
		result "checkpatch-$(basename "$p" .patch | cut -c1-40)" fail \
			"$(echo "$out" | grep -m2 -E '^(ERROR|WARNING)' | tr '\n' ' ')"
	fi
done
