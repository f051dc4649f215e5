#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Assemble the kernel tree: the base, the diffs in upstream/series, and every
# project file at its in-tree path. Runs inside the chroot.
#
# The tree is updated in place and only files whose content changed are
# rewritten, so kbuild's mtime checks rebuild just what a change touched.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=$1
tree=$2
manifest=$tree/.kl-manifest

if [ ! -e "$tree/.kl-complete" ]; then
	log "copying the base tree to $tree"
	rm -rf "$tree"
	mkdir -p "$tree"
	cp -a "$base/." "$tree/"
	: >"$manifest"
	touch "$tree/.kl-complete"
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# Project files: tracked and untracked-but-not-ignored, minus the files that
# only make sense at the top of this repository.
git -C "$KL_TOP" -c safe.directory='*' ls-files -co --exclude-standard |
	grep '/' | grep -v -e '^\.ci/' -e '^tools/testing/keylocker/upstream/' |
	while read -r f; do [ -f "$KL_TOP/$f" ] && echo "$f"; done |
	sort >"$stage/overlay.list"

# Diffs against the base: apply them to pristine copies of the touched files.
mkdir -p "$stage/tree"
series=$KL_TOOLS/upstream/series
: >"$stage/patched.list"
while read -r p; do
	git apply --numstat "$KL_TOOLS/upstream/$p" | cut -f3 >>"$stage/patched.list"
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series")
sort -u -o "$stage/patched.list" "$stage/patched.list"
if [ -s "$stage/patched.list" ]; then
	(cd "$base" && cpio -pdm --quiet "$stage/tree") <"$stage/patched.list"
	while read -r p; do
		git -C "$stage/tree" apply "$KL_TOOLS/upstream/$p" ||
			die "upstream/$p does not apply to the base"
	done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$series")
fi
clash=$(comm -12 "$stage/overlay.list" "$stage/patched.list")
[ -z "$clash" ] || die "files both added and patched: $clash"
(cd "$KL_TOP" && cpio -pdm --quiet "$stage/tree") <"$stage/overlay.list"

# Files we touched last time but no longer do go back to the base.
sort -u "$stage/overlay.list" "$stage/patched.list" >"$stage/manifest"
comm -23 "$manifest" "$stage/manifest" | while read -r f; do
	if [ -f "$base/$f" ]; then
		cp "$base/$f" "$tree/$f"
	else
		rm -f "$tree/$f"
	fi
done
rsync -rlc "$stage/tree/" "$tree/"
cp "$stage/manifest" "$manifest"
