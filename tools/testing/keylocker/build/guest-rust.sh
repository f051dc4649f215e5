#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build one of the guest's Rust tools (klring3, klcrypt) as a static x86-64
# binary for the initramfs (which has no shared libraries for it). Runs on
# the host, whose rustup toolchain the chroot does not have, and needs no
# network: the crates have no dependencies and their Cargo.lock is committed.
#
# Usage: guest-rust.sh CRATE OUTPUT   (CRATE: a directory under
# tools/testing/keylocker/)
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 CRATE OUTPUT" >&2; exit 2; }
crate=$1
out=$2
src=$(cd "$(dirname "$0")/../$crate" && pwd)
target=x86_64-unknown-linux-gnu

# Build products stay out of the clone.
export CARGO_TARGET_DIR=${KL_CACHE:-/var/cache/keylocker-rfl}/work/$crate-target

# rustup installs into ~/.cargo/bin, which scripts run from make may lack.
cargo_bin=${CARGO_HOME:-${HOME:-/root}/.cargo}/bin
if ! command -v cargo >/dev/null && [ -x "$cargo_bin/cargo" ]; then
	PATH=$cargo_bin:$PATH
fi
if ! command -v cargo >/dev/null; then
	echo "error: cargo not found: $crate needs a Rust toolchain" \
		"(>= 1.89) on the host, e.g. from rustup" >&2
	exit 1
fi

# +crt-static links glibc statically. RUSTFLAGS replaces any flags from the
# caller's cargo configuration; CARGO_ENCODED_RUSTFLAGS would win over it.
unset CARGO_ENCODED_RUSTFLAGS
RUSTFLAGS="-C target-feature=+crt-static" \
	cargo build --offline --locked --release --quiet \
	--manifest-path "$src/Cargo.toml" --target "$target"

bin=$CARGO_TARGET_DIR/$target/release/$crate
if readelf -lW "$bin" | grep -q 'Requesting program interpreter'; then
	echo "error: $bin is dynamically linked" >&2
	exit 1
fi
install -m 0755 "$bin" "$out"
