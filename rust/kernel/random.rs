// SPDX-License-Identifier: GPL-2.0

//! Random numbers from the kernel's cryptographically secure generator.
//!
//! C header: [`include/linux/random.h`](srctree/include/linux/random.h)

use crate::bindings;

/// Fills `buf` with random bytes from the kernel's CRNG.
///
/// Before the CRNG is seeded the bytes are not guaranteed to be
/// unpredictable; callers that need keys should run after boot-time
/// initialisation (any initcall after `random_init` qualifies on x86, where
/// the CPU's RDRAND/RDSEED seed it).
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
