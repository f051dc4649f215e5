// SPDX-License-Identifier: GPL-2.0

//! Random numbers from the kernel's cryptographically secure generator.
//!
//! C header: [`include/linux/random.h`](srctree/include/linux/random.h)

use crate::{
    bindings,
    error::{
        to_result,
        Result, //
    },
};

/// Fills `buf` with random bytes from the kernel's CRNG.
///
/// Before the CRNG is seeded the bytes are not guaranteed to be
/// unpredictable. Callers that make keys call [`wait_until_seeded`] first:
/// early in boot, without a trusted CPU or bootloader seed (no RDRAND,
/// `random.trust_cpu=off`), an initcall can run before the CRNG is seeded.
///
/// # Examples
///
/// ```
/// let mut a = [0u8; 32];
/// let mut b = [0u8; 32];
/// kernel::random::fill_bytes(&mut a);
/// kernel::random::fill_bytes(&mut b);
/// assert_ne!(a, b);
/// ```
pub fn fill_bytes(buf: &mut [u8]) {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
    unsafe { bindings::get_random_bytes(buf.as_mut_ptr().cast(), buf.len()) };
}

/// Whether the CRNG has been seeded, so that [`fill_bytes`] is unpredictable.
pub fn is_seeded() -> bool {
    // SAFETY: `rng_is_initialized` only reads the CRNG's state.
    unsafe { bindings::rng_is_initialized() }
}

/// Waits until the CRNG is seeded, generating entropy meanwhile; returns at
/// once if it is. May sleep.
///
/// Fails with `ERESTARTSYS` if a signal interrupts the wait.
pub fn wait_until_seeded() -> Result {
    // SAFETY: `wait_for_random_bytes` has no preconditions beyond a context
    // that may sleep, which every caller of a function that may sleep has.
    to_result(unsafe { bindings::wait_for_random_bytes() })
}
