#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build every prefix of the exported series (make patches) with the test
# configuration, as git bisect would meet them: one KLRESULT line per patch,
# then a summary; exits 1 if a prefix does not build. Runs inside the chroot.
#
# Usage: bisect.sh [--from N]   (start at patch N; prefix N-1 is built first)
#
# The prefixes are checked out one after the other in a git worktree of the
# export repository, so only the files a patch changes get a new mtime, and
# built in one persistent obj directory: each step is incremental. The
# configuration is tinyconfig + tools/testing/keylocker/config (kl_configure,
# as kernel.sh does), made again only when a patch changes a Kconfig file or
# a config fragment; fragment options that an early prefix does not have yet
# are listed, not failed. A patch that changes only tools/testing/keylocker/
# or Documentation/ files is skipped when the previous build succeeded and
# none of its files is in kbuild's dependency records of that build (every
# .cmd file, which covers sources, headers, Rust dep-info and, in
# include/config/auto.conf.cmd, the Kconfig files): the compiled tree is
# then unchanged.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

from=1
case ${1:-} in
"") ;;
--from) from=${2:?--from needs a patch number} ;;
*) die "usage: bisect.sh [--from N]" ;;
esac
[[ $from =~ ^[0-9]+$ ]] || die "--from takes a patch number"
from=$((10#$from))
[ "$from" -ge 1 ] || die "--from takes a patch number, from 1"

base=$("$KL_TOOLS/build/base-kernel.sh")
exp=$(kl_export_dir "$base")
work=/cache/bisect-$(kl_kernel_key "$base")
tree=$work/src
obj=$work/obj
logs=/build/bisect
mkdir -p "$work" "$obj" "$logs"
exec {own}>"$work/lock"
flock -n "$own" || die "another bisect.sh is running in $work"
g() { git -C "$exp" -c safe.directory='*' "$@"; }
w() { git -C "$tree" -c safe.directory='*' "$@"; }

# Pin the series under the export lock: make patches rewrites the export
# repository's history, and the branch keeps these commits alive after it.
(
	kl_export_lock
	g rev-parse -q --verify refs/tags/base >/dev/null ||
		die "no exported series: run make patches"
	g branch -f kl-bisect HEAD
	if ! w rev-parse -q --verify HEAD >/dev/null 2>&1; then
		log "creating the bisect worktree $tree (once)"
		rm -rf "$tree"
		g worktree prune
		g worktree add -q --detach "$tree" base
	fi
)
mapfile -t commits < <(g rev-list --reverse base..kl-bisect)
total=${#commits[@]}
[ "$from" -le "$total" ] || die "--from $from: the series has $total patches"

# Configure the checked-out prefix; sets $missing. .config keeps its mtime
# when the result is the same, so kbuild sees no change.
missing=""
configure() {
	[ ! -e "$obj/.config" ] || cp -p "$obj/.config" "$work/config.old"
	missing=$(kl_configure "$tree" "$obj" "$KL_TOOLS/config" | tr '\n' ' ') || return
	if [ -e "$work/config.old" ] && cmp -s "$obj/.config" "$work/config.old"; then
		cp -p "$work/config.old" "$obj/.config"
	fi
	rm -f "$work/config.old"
}

# Build the checked-out prefix, log in $1.log; sets $took.
build() {
	local t0 rc=0
	t0=$(date +%s)
	kl_kmake "$tree" "$obj" bzImage modules >"$logs/$1.log" 2>&1 || rc=$?
	took=$(($(date +%s) - t0))
	return "$rc"
}

# Whether kbuild may read a file that commit $1 changes: a file outside
# tools/testing/keylocker/ and Documentation/, or one that a dependency
# record of the last build names, by its absolute path (sources, Rust
# dep-info) or relative to the tree (Kconfig files, such as
# Documentation/Kconfig, in include/config/auto.conf.cmd).
kernel_change() {
	local files
	files=$(g diff --name-only "$1^" "$1")
	if echo "$files" | grep -qv -e '^tools/testing/keylocker/' -e '^Documentation/'; then
		return 0
	fi
	grep -rqsF --include='*.cmd' -f <(echo "$files" |
		awk -v t="$tree/" '{ print t $0; print "\t" $0 " " }') "$obj"
}

# Whether commit $1 changes what kl_configure reads.
config_change() {
	g diff --name-only "$1^" "$1" | grep -qE '(^|/)Kconfig[^/]*$|\.config$'
}

reason() {
	grep -m3 -E '(^|: )(error|Error)(\[|:| )' "$logs/$1.log" | tr '\n' ' ' | cut -c1-240
}

start=$(date +%s)
configured=0 last_ok=0
if [ "$from" -gt 1 ]; then
	prev=$(printf '%04d' $((from - 1)))
	log "building the prefix up to patch $prev first"
	w checkout -q --detach "${commits[from - 2]}"
	configure || die "configuring the prefix up to $prev failed"
	build "$prev" || die "the prefix up to $prev does not build: $(reason "$prev")"
	log "prefix $prev built in ${took}s"
	configured=1 last_ok=1
fi

ok=0 failed=0 skipped=0
for ((i = from; i <= total; i++)); do
	c=${commits[i - 1]}
	n=$(printf '%04d' "$i")
	subject=$(g log -1 --format=%s "$c")
	w checkout -q --detach "$c"
	if [ "$last_ok" = 1 ] && ! kernel_change "$c"; then
		echo "KLRESULT bisect-$n skip (no kernel change): $subject"
		skipped=$((skipped + 1))
		continue
	fi
	if [ "$configured" = 0 ] || config_change "$c"; then
		if ! configure >"$logs/$n.log" 2>&1; then
			echo "KLRESULT bisect-$n fail configuration failed: $subject"
			failed=$((failed + 1)) last_ok=0
			continue
		fi
		configured=1
	fi
	if build "$n"; then
		note=${missing:+ (not in this prefix: $missing)}
		echo "KLRESULT bisect-$n ok built in ${took}s$note: $subject"
		ok=$((ok + 1)) last_ok=1
	else
		echo "KLRESULT bisect-$n fail build failed in ${took}s: $(reason "$n"): $subject"
		failed=$((failed + 1)) last_ok=0
	fi
done
echo "bisect: patches $from-$total: $ok built, $failed failed, $skipped skipped \
(no kernel change) in $(($(date +%s) - start))s; logs in build/bisect/"
[ "$failed" -eq 0 ]
