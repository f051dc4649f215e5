#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Export the project as a git-format-patch series on the pinned base: one
# patch per project commit that changes the kernel tree, with that commit's
# message and author. Project-only files (the top-level README and Makefile,
# .ci/) are left out, and the diffs in upstream/ appear as the changes they
# make. Runs inside the chroot; writes /build/patches/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base=$("$KL_TOOLS/build/base-kernel.sh")
exp=$(kl_export_dir "$base")
kl_export_lock
src=/src
g() { git -C "$exp" -c safe.directory='*' "$@"; }
s() { git -C "$src" -c safe.directory='*' "$@"; }

if ! g rev-parse -q --verify refs/tags/base >/dev/null 2>&1; then
	log "creating the export repository from the base (once)"
	rm -rf "$exp"
	mkdir -p "$exp"
	cp -a "$base/." "$exp/"
	g init -q
	# Debian's linux-source .gitignore ignores the whole top level: force.
	g add -A -f
	version=$(cat "$base/../version" 2>/dev/null || echo "$base")
	g -c user.name=base -c user.email=base@localhost commit -q -m "base: $version"
	g tag base
fi
g checkout -q --detach base
g reset -q --hard base
g clean -q -fdx

manifest=""
for c in $(s rev-list --reverse HEAD); do
	# Undo the previous commit's tree state, in one git command for the
	# files the base has and one rm for the rest: a git command per file
	# cost minutes over the series.
	if [ -n "$manifest" ]; then
		# shellcheck disable=SC2086
		inbase=$(g -c core.quotePath=false ls-tree -r --name-only base -- $manifest)
		# shellcheck disable=SC2086
		[ -z "$inbase" ] || g checkout -q base -- $inbase
		# shellcheck disable=SC2086
		printf '%s\n' $manifest | sort -u |
			comm -23 - <(echo "$inbase" | sort -u) |
			(cd "$exp" && xargs -r rm -f --)
	fi
	files=$(s ls-tree -r --name-only "$c" | grep '/' |
		grep -v -e '^\.ci/' -e '^tools/testing/keylocker/upstream/' || true)
	if [ -n "$files" ]; then
		# shellcheck disable=SC2086
		s archive "$c" -- $files | tar -x -C "$exp"
	fi
	patched=""
	for p in $(s show "$c:tools/testing/keylocker/upstream/series" 2>/dev/null |
		sed -e 's/#.*//' -e '/^[[:space:]]*$/d'); do
		s show "$c:tools/testing/keylocker/upstream/$p" >"$exp/.kl.patch"
		patched="$patched $(g apply --numstat .kl.patch | cut -f3)"
		g apply .kl.patch || die "$c: upstream/$p does not apply"
	done
	rm -f "$exp/.kl.patch"
	manifest="$files $patched"
	g add -A -f
	if ! g diff --cached --quiet; then
		s log -1 --format='%B' "$c" >"$exp/../kl-msg"
		GIT_AUTHOR_NAME=$(s log -1 --format=%an "$c") \
			GIT_AUTHOR_EMAIL=$(s log -1 --format=%ae "$c") \
			GIT_AUTHOR_DATE=$(s log -1 --format=%aD "$c") \
			GIT_COMMITTER_NAME=$(s log -1 --format=%cn "$c") \
			GIT_COMMITTER_EMAIL=$(s log -1 --format=%ce "$c") \
			g commit -q -F "$exp/../kl-msg"
	fi
done
rm -f "$exp/../kl-msg"
rm -rf /build/patches
GIT_COMMITTER_NAME=$(s log -1 --format=%an HEAD) \
	GIT_COMMITTER_EMAIL=$(s log -1 --format=%ae HEAD) \
	g format-patch -q -o /build/patches --cover-letter base..HEAD

# The cover letter's subject and text come from upstream/cover-letter (its
# leading '#' lines dropped: the subject line, a blank line, the text); git
# keeps the shortlog and diffstat it generated below them.
s show HEAD:tools/testing/keylocker/upstream/cover-letter >"$exp/../kl-cover" ||
	die "no tools/testing/keylocker/upstream/cover-letter"
letter=/build/patches/0000-cover-letter.patch
awk -v text="$exp/../kl-cover" '
	BEGIN {
		while ((getline line <text) > 0) {
			if (subject == "" && line ~ /^#/)
				continue
			if (subject == "")
				subject = line
			else if (blank++)
				blurb = blurb line "\n"
		}
	}
	i = index($0, "*** SUBJECT HERE ***") {
		$0 = substr($0, 1, i - 1) subject substr($0, i + 20)
	}
	$0 == "*** BLURB HERE ***" { printf "%s", blurb; next }
	{ print }' "$letter" >"$letter.new"
mv "$letter.new" "$letter"
rm -f "$exp/../kl-cover"
! grep -q '\*\*\* .* HERE \*\*\*' "$letter" || die "cover letter template not filled"
log "$(g rev-list --count base..HEAD) patches and a cover letter in build/patches/"
