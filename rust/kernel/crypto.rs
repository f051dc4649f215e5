// SPDX-License-Identifier: GPL-2.0

//! The kernel crypto API, seen from a provider's side.
//!
//! Rust code can implement algorithms for the crypto API here; it cannot use
//! them (allocate tfms) yet. Only what a symmetric-cipher driver needs
//! exists: [`skcipher`] (algorithm trait, typed tfm context, request walk,
//! registration) and [`aes`] (the AES library, for key sizes a driver's
//! hardware does not handle).
//!
//! C header: [`include/crypto/internal/skcipher.h`](srctree/include/crypto/internal/skcipher.h)
//!
//! Reference: <https://docs.kernel.org/crypto/index.html>

use crate::bindings;

pub mod aes;
pub mod skcipher;

/// The size of an AES block, which is also the unit of the AES-based modes.
pub const AES_BLOCK_SIZE: usize = bindings::AES_BLOCK_SIZE as usize;
