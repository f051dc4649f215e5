#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the series in the configurations distributions and the kernel test
# robot use (tools/testing/keylocker/configs/*.config), one KLRESULT line
# each. Runs inside the chroot.
#
# Usage: configs.sh [--assembled] [NAME...]
#
# By default the tree is the one `make patches` exported (the series on the
# base, as a user applies it), copied so that only changed files get a new
# mtime. --assembled builds the tree of the last `make build` instead, as
# make check does for the guard. Configurations that name the same obj
# directory share it, so the later ones build incrementally.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=$("$KL_TOOLS/build/base-kernel.sh")
if [ "${1:-}" = --assembled ]; then
	shift
	. /build/paths.env
	tree=$(readlink -f "${KERNEL%/arch/x86/boot/bzImage}/source")
	objs=$(dirname "$tree")/configs
	added=$(mktemp)
	new=$(mktemp)
	# The assembled tree has no history: every file we add or patch counts.
	sed 's/$/:*/' "$tree/.kl-manifest" >"$added"
	cp "$tree/.kl-manifest" "$new"
else
	exp=$(kl_export_dir "$base")
	[ -d "$exp/.git" ] || die "no exported series: run make patches"
	work=/cache/configs-$(kl_key "$base" "$(cat "$base/../version" 2>/dev/null || true)")
	tree=$work/src
	objs=$work/obj
	mkdir -p "$tree"
	rsync -rlc --delete --exclude=/.git "$exp/" "$tree/"
	added=$(mktemp)
	new=$(mktemp)
	git -C "$exp" -c safe.directory='*' diff --name-only --diff-filter=A base HEAD >"$new"
	# file:line for every line the series adds (the post-image of its diff).
	git -C "$exp" -c safe.directory='*' diff -U0 base HEAD | awk '
		/^\+\+\+ b\// { file = substr($0, 7) }
		/^@@ / {
			split($3, r, ","); start = substr(r[1], 2)
			n = (r[2] == "") ? 1 : r[2]
			for (i = 0; i < n; i++) print file ":" start + i
		}' >"$added"
fi
trap 'rm -f "$added" "$new"' EXIT

logs=/build/configs
mkdir -p "$logs"

header() { sed -n "s/^# $2: //p" "$1"; }
fragment() {
	local inc
	inc=$(header "$1" include)
	[ -z "$inc" ] || cat "$KL_TOOLS/$inc"
	grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$1" || true
}

# Lines that olddefconfig did not keep: every CONFIG_ line, and the
# configuration's own "is not set" lines (an included fragment's are only
# wishes, as kernel.sh treats them).
untaken() {
	local line sym
	while read -r line; do
		case $line in
		CONFIG_*) grep -qxF "$line" "$2" || echo "$line" ;;
		"# CONFIG_"*)
			sym=${line#\# }
			sym=${sym%% *}
			! grep -q "^$sym=" "$2" || echo "$line"
			;;
		esac
	done < <(fragment "$1" | grep -E '^CONFIG_'
		grep -E '^# CONFIG_.* is not set' "$1")
}

# Warnings (C: file:line:col, Rust: --> file:line:col) on lines we add.
new_warnings() {
	python3 - "$1" "$tree" "$added" <<'PY'
import fnmatch, re, sys
log, tree, added = sys.argv[1], sys.argv[2].rstrip("/") + "/", sys.argv[3]
ours = set(open(added).read().split())
globs = [p for p in ours if p.endswith(":*")]
def is_ours(path, line):
    path = path.replace(tree, "").removeprefix("./")
    key = f"{path}:{line}"
    return key in ours or any(fnmatch.fnmatchcase(key, g) for g in globs)
msg = None
for text in open(log, errors="replace"):
    c = re.match(r"(\S+?):(\d+):\d+: warning: (.*)", text)
    if c and is_ours(c[1], c[2]):
        print(f"{c[1]}:{c[2]}: {c[3]}")
    if re.match(r"^warning(\[|:)", text) and "emitted" not in text:
        msg = text.strip()
    r = re.match(r"^\s*--> (\S+?):(\d+):\d+", text)
    if r and msg:
        if is_ours(r[1], r[2]):
            print(f"{r[1]}:{r[2]}: {msg}")
        msg = None
PY
}

# Objects of this build (in vmlinux or a module) made from a file the
# series adds: a C-only kernel must have none.
project_objects() {
	local dir=$objs/$1
	{
		llvm-ar-19 t "$dir/vmlinux.a" | sed "s|^$dir/||"
		sed 's/\.ko$/.o/' "$dir/modules.order"
	} | sort -u | grep -xF -f <(grep -E '\.(c|rs|S)$' "$new" | sed 's/\.[^.]*$/.o/') || true
}

build() {
	local cfg=$1 name obj args log missing out
	name=$(basename "$cfg" .config)
	name=${name#*-}
	obj=$(header "$cfg" obj)
	args=$(header "$cfg" make)
	log=$logs/$name.log
	mkdir -p "$objs/$obj"
	kmake() {
		# shellcheck disable=SC2086
		make -C "$tree" O="$objs/$obj" ARCH=x86_64 LLVM=-19 \
			-j"${KL_JOBS:-$(nproc)}" $args "$@"
	}
	SECONDS=0
	fragment "$cfg" >"$objs/$obj/.kl-fragment"
	if ! { kmake -s "$(header "$cfg" base)" &&
		"$tree/scripts/kconfig/merge_config.sh" -m -O "$objs/$obj" \
			"$objs/$obj/.config" "$objs/$obj/.kl-fragment" &&
		kmake -s olddefconfig; } >"$log" 2>&1; then
		echo "KLRESULT $name fail configuration failed, see build/configs/$name.log"
		return
	fi
	missing=$(untaken "$cfg" "$objs/$obj/.config" | tr '\n' ' ')
	if [ -n "$missing" ]; then
		echo "KLRESULT $name fail options did not take: $missing"
		return
	fi
	if ! kmake vmlinux modules >>"$log" 2>&1; then
		echo "KLRESULT $name fail build failed in ${SECONDS}s: \
$(grep -m2 -E '(^|: )error(\[|:)' "$log" | tr '\n' ' ' | cut -c1-200)"
		return
	fi
	case $(header "$cfg" check) in
	no-new-warnings) out=$(new_warnings "$log") ;;
	no-project-objects) out=$(project_objects "$obj") ;;
	*) out="" ;;
	esac
	if [ -n "$out" ]; then
		echo "KLRESULT $name fail $(echo "$out" | wc -l) found: \
$(echo "$out" | head -n3 | tr '\n' ' ')"
	else
		echo "KLRESULT $name ok built in ${SECONDS}s"
	fi
}

for cfg in "$KL_TOOLS"/configs/*.config; do
	name=$(basename "$cfg" .config)
	if [ $# -eq 0 ] || printf '%s\n' "$@" | grep -qxF "${name#*-}"; then
		build "$cfg"
	fi
done
