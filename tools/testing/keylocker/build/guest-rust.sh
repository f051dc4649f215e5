#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build klring3, the ring-3 Key Locker checks, as a static x86-64 binary for
# the guest's initramfs (which has no shared libraries for it). Runs on the
# host, whose rustup toolchain the chroot does not have, and needs no
# network: the crate has no dependencies and its Cargo.lock is committed.
#
# Usage: build.sh OUTPUT
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTPUT" >&2; exit 2; }
out=$1
src=$(cd "$(dirname "$0")" && pwd)
target=x86_64-unknown-linux-gnu

# Build products stay out of the clone.
export CARGO_TARGET_DIR=${KL_CACHE:-/var/cache/keylocker-rfl}/work/klring3-target

# rustup installs into ~/.cargo/bin, which scripts run from make may lack.
cargo_bin=${CARGO_HOME:-${HOME:-/root}/.cargo}/bin
if ! command -v cargo >/dev/null && [ -x "$cargo_bin/cargo" ]; then
	PATH=$cargo_bin:$PATH
fi
if ! command -v cargo >/dev/null; then
	echo "error: cargo not found: klring3 needs a Rust toolchain" \
		"(>= 1.89) on the host, e.g. from rustup" >&2
	exit 1
fi

# +crt-static links glibc statically. RUSTFLAGS replaces any flags from the
# caller's cargo configuration; CARGO_ENCODED_RUSTFLAGS would win over it.
unset CARGO_ENCODED_RUSTFLAGS
RUSTFLAGS="-C target-feature=+crt-static" \
	cargo build --offline --locked --release --quiet \
	--manifest-path "$src/Cargo.toml" --target "$target"

bin=$CARGO_TARGET_DIR/$target/release/klring3
if readelf -lW "$bin" | grep -q 'Requesting program interpreter'; then
	echo "error: $bin is dynamically linked" >&2
	exit 1
fi
install -m 0755 "$bin" "$out"
