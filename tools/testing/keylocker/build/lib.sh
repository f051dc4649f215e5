# SPDX-License-Identifier: GPL-2.0
#
# Shared settings for the Key Locker build scripts. Sourced, never run.
#
# Everything slow lives under $KL_CACHE, outside the clone, in directories
# whose names carry a hash of what produced them, so a changed input makes a
# fresh directory instead of a stale hit.

KL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)
KL_CACHE=${KL_CACHE:-/var/cache/keylocker-rfl}
KL_BUILD=${KL_BUILD:-$KL_TOP/build}
KL_TOOLS=$KL_TOP/tools/testing/keylocker

# The pinned base and the emulator source.
KL_BASE_PKG=linux-source-7.3
KL_BASE_VERSION=${KL_BASE_VERSION:-7.3.4-1~bpo13+1}
KL_QEMU_VERSION=${KL_QEMU_VERSION:-1:10.0.13+ds-0+deb13u1}

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Short content hash of files and strings, for cache keys.
kl_key() {
	local f
	for f in "$@"; do
		if [ -f "$f" ]; then cat "$f"; else printf '%s\n' "$f"; fi
	done | sha256sum | cut -c1-12
}

# The git repository `make patches` exports the series into, for base $1.
kl_export_dir() {
	echo "/cache/export-$(kl_key "$1" "$(cat "$1/../version" 2>/dev/null || true)")"
}

# Cache key of the kernel objects for base $1: the base and the toolchain.
kl_kernel_key() {
	kl_key "$1" "$(cat "$1/../version" 2>/dev/null || echo "$1")" \
		"$(clang-19 --version | head -n1; rustc --version; bindgen --version)"
}

# make in kernel tree $1 with objects in $2.
kl_kmake() {
	local tree=$1 obj=$2
	shift 2
	make -C "$tree" O="$obj" ARCH=x86_64 LLVM=-19 -j"${KL_JOBS:-$(nproc)}" "$@"
}

# Configure objects $2 of tree $1 as the test kernels are: tinyconfig, then
# the fragment $3 merged on top, then olddefconfig. Prints the fragment's
# CONFIG_ lines that did not take (a missing dependency, or a symbol the
# tree does not have); fails if a step fails.
kl_configure() {
	local tree=$1 obj=$2 fragment=$3 line
	kl_kmake "$tree" "$obj" -s tinyconfig >/dev/null &&
		"$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" \
			"$obj/.config" "$fragment" >/dev/null &&
		kl_kmake "$tree" "$obj" -s olddefconfig >/dev/null || return
	grep -E '^CONFIG_' "$fragment" | while read -r line; do
		grep -qxF "$line" "$obj/.config" || echo "$line"
	done
}

# Configure objects $2 of tree $1 with fragment $3 (kl_configure) unless
# that fragment configured them last; dies if an option does not take.
kl_configure_once() {
	local missing
	if [ -e "$2/.config" ] && cmp -s "$3" "$2/.kl-config-fragment"; then
		return
	fi
	log "configuring $2"
	missing=$(kl_configure "$1" "$2" "$3") || die "configuring $2 failed"
	[ -z "$missing" ] || die "config options did not take (missing dependencies?): $missing"
	cp "$3" "$2/.kl-config-fragment"
}

# What the series wrote in assembled tree $1 on base $2: every line of a
# file it adds (path:*), the lines it adds to a file of the base
# (path:line).
kl_series_lines() {
	local f
	while read -r f; do
		if [ -f "$2/$f" ]; then
			{ diff -U0 "$2/$f" "$1/$f" || [ $? -eq 1 ]; } | awk -v f="$f" '/^@@ / {
				split($3, r, ","); start = substr(r[1], 2)
				n = (r[2] == "") ? 1 : r[2]
				for (i = 0; i < n; i++) print f ":" start + i
			}'
		else
			echo "$f:*"
		fi
	done <"$1/.kl-manifest"
}

# The rustc, clippy or rustdoc diagnostics in log $2 that point at a line
# listed in $1 (kl_series_lines), as path:line: message; paths in the log
# are under tree $3.
kl_rust_warnings() {
	awk -v tree="$3/" '
		NR == FNR { ours[$0] = 1; next }
		/^(warning|error)(\[|:)/ && !/warnings? emitted/ { msg = $0; next }
		msg != "" && /^ *--> / {
			split($2, at, ":"); path = at[1]; sub(tree, "", path)
			if ((path ":*") in ours || (path ":" at[2]) in ours)
				print path ":" at[2] ": " msg
			msg = ""
		}' "$1" "$2"
}

# Hold the lock of the export repository, which every clone on this machine
# shares, until the calling script exits. A caller that already holds it
# (`flock WORK/export.lock in-chroot.sh ...` on the host) passes its
# descriptor down: locking that one again succeeds at once instead of
# waiting for ourselves.
kl_export_lock() {
	local lock=/cache/export.lock fd id
	touch "$lock"
	id=$(stat -c %d:%i "$lock")
	for fd in "/proc/$$/fd/"*; do
		if [ "$(stat -L -c %d:%i "$fd" 2>/dev/null)" = "$id" ]; then
			flock "${fd##*/}"
			return
		fi
	done
	exec {fd}>>"$lock"
	flock "$fd"
}

# The directory under the cache's work area that holds the Debian system of
# the distro scenarios (distro-root.sh), keyed by that script.
kl_distro_dir() {
	echo "distro-$(kl_key "$KL_TOOLS/build/distro-root.sh")"
}

kl_chroot_dir() {
	echo "$KL_CACHE/chroot-$(kl_key "$KL_TOOLS/build/chroot.sh")"
}

# The Debian mirror the host's apt already uses; KL_MIRROR overrides it.
kl_mirror() {
	if [ -n "${KL_MIRROR:-}" ]; then
		echo "$KL_MIRROR"
		return
	fi
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
		/etc/apt/sources.list.d/*.list 2>/dev/null |
		grep -E '^(URIs:|deb )' |
		grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ' || true
}

# kl_debootstrap DEST LOG [OPTION...]: debootstrap a minimal Debian trixie
# into DEST from the host (installing debootstrap first if needed), with
# debootstrap's OPTIONs, its output in LOG. The mirror is kl_mirror's.
kl_debootstrap() {
	local dest=$1 log=$2 mirror
	shift 2
	command -v debootstrap >/dev/null || {
		log "installing debootstrap on the host"
		apt-get update -qq && apt-get install -y -qq debootstrap
	}
	mirror=$(kl_mirror)
	[ -n "$mirror" ] || die "no Debian mirror found in the host's apt sources; set KL_MIRROR"
	debootstrap --variant=minbase "$@" trixie "$dest" "$mirror" >"$log" 2>&1 ||
		die "debootstrap failed, see $log"
}

# Run a command inside the toolchain chroot, in a private mount namespace so
# no bind mount outlives the command. The clone is at /src, the cache's work
# area at /cache, build/ at /build, a KERNEL_SRC tree at /kernel-src: the
# same paths on every machine. A clone that is a linked git worktree finds
# its repository through an absolute path outside the clone: that
# repository appears read-only at the same path inside.
kl_in_chroot() {
	local root common
	root=$(kl_chroot_dir)
	[ -x "$root/usr/bin/clang-19" ] || die "toolchain chroot missing: run make toolchain"
	mkdir -p "$KL_CACHE/work" "$KL_BUILD" "$root/src" "$root/cache" "$root/build"
	common=$(git -C "$KL_TOP" rev-parse --path-format=absolute \
		--git-common-dir 2>/dev/null || true)
	case $common in
	"$KL_TOP"/* | "") common="" ;;
	*) mkdir -p "$root$common" ;;
	esac
	unshare --mount --propagation private -- /bin/sh -ec '
		root=$1 top=$2 work=$3 build=$4 common=$5
		shift 5
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		mount --rbind /sys "$root/sys"
		mount --bind "$top" "$root/src"
		mount --bind "$work" "$root/cache"
		mount --bind "$build" "$root/build"
		if [ -n "$common" ]; then
			mount --bind "$common" "$root$common"
			mount -o remount,bind,ro "$root$common"
		fi
		if [ -n "${KERNEL_SRC:-}" ]; then
			mkdir -p "$root/kernel-src"
			mount --bind "$KERNEL_SRC" "$root/kernel-src"
		fi
		exec chroot "$root" /usr/bin/env -i \
			HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
			PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
			KL_JOBS="${KL_JOBS:-}" KL_TIMEOUT_SCALE="${KL_TIMEOUT_SCALE:-1}" \
			KERNEL_SRC="${KERNEL_SRC:+/kernel-src}" CI="${CI:-}" \
			"$@"' sh "$root" "$KL_TOP" "$KL_CACHE/work" "$KL_BUILD" "$common" "$@"
}
