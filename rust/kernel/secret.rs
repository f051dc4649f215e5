// SPDX-License-Identifier: GPL-2.0

//! Buffers for key material that are wiped when they go away.
//!
//! A plain `[u8; N]` on the stack is left behind when the function returns,
//! and an ordinary zeroing store may be removed by the compiler because the
//! value is dead afterwards. [`wipe`] uses the kernel's `memzero_explicit()`,
//! which the compiler cannot elide, and [`Secret`] calls it on drop.
//!
//! C header: [`include/linux/string.h`](srctree/include/linux/string.h)

use crate::{
    bindings,
    prelude::Zeroable, //
};
use core::mem::size_of;

/// Overwrites `buf` with zeroes in a way the compiler cannot optimise away.
///
/// # Examples
///
/// ```
/// let mut key = [0x5au8; 16];
/// kernel::secret::wipe(&mut key);
/// assert_eq!(key, [0u8; 16]);
/// ```
pub fn wipe(buf: &mut [u8]) {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
    unsafe { bindings::memzero_explicit(buf.as_mut_ptr().cast(), buf.len()) };
}

/// Overwrites `value` with zero bytes, like [`wipe`]; for a C structure
/// that holds secret material (an expanded key, say).
///
/// # Examples
///
/// ```
/// let mut schedule = [0x5au32; 60];
/// kernel::secret::wipe_value(&mut schedule);
/// assert_eq!(schedule, [0u32; 60]);
/// ```
pub fn wipe_value<T: Zeroable>(value: &mut T) {
    // SAFETY: `value` is valid for writes of `size_of::<T>()` bytes, and
    // all-zero bytes are a valid `T` (`T: Zeroable`).
    unsafe { bindings::memzero_explicit(core::ptr::from_mut(value).cast(), size_of::<T>()) };
}

/// A byte array holding secret material, wiped with [`wipe`] when dropped.
///
/// It is neither `Clone` nor `Copy`, so the secret is never duplicated
/// implicitly, and its `Debug` output does not show the bytes. A Rust move is
/// a copy that leaves the old bytes behind, so create a `Secret` where it
/// will live (e.g. as a local that is filled in place) rather than moving it.
///
/// # Examples
///
/// ```
/// use kernel::secret::Secret;
///
/// let mut key = Secret::<32>::zeroed();
/// kernel::random::fill_bytes(key.as_mut());
/// assert_eq!(key.as_ref().len(), 32);
/// ```
pub struct Secret<const N: usize>([u8; N]);

impl<const N: usize> Secret<N> {
    /// Returns a secret of `N` zero bytes, to be filled in place.
    pub const fn zeroed() -> Self {
        Self([0; N])
    }
}

impl<const N: usize> AsRef<[u8; N]> for Secret<N> {
    fn as_ref(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> AsMut<[u8; N]> for Secret<N> {
    fn as_mut(&mut self) -> &mut [u8; N] {
        &mut self.0
    }
}

impl<const N: usize> core::fmt::Debug for Secret<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Secret<{N}>(..)")
    }
}

impl<const N: usize> Drop for Secret<N> {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}
