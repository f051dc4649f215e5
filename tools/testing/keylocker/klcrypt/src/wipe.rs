// SPDX-License-Identifier: GPL-2.0

//! Wiping secrets from this process.
//!
//! The key residue checks look for key bytes in guest memory after a
//! driver took a key; copies left behind by this program would be false
//! positives. So a key lives in one fixed buffer ([`Secret`]), is zeroed
//! with volatile stores the compiler cannot drop, and the vector registers,
//! which the kernel saves to memory on a context switch, are zeroed too.

use core::arch::asm;
use std::sync::atomic::{compiler_fence, Ordering};

/// Zeroes `buf` with volatile stores.
pub fn wipe(buf: &mut [u8]) {
    for byte in buf.iter_mut() {
        // SAFETY: `byte` is a valid, aligned, exclusive reference.
        unsafe { std::ptr::write_volatile(byte, 0) };
    }
    compiler_fence(Ordering::SeqCst);
}

/// Zeroes the bytes of `text` (hex of a key, say); it stays valid UTF-8.
pub fn wipe_string(text: &mut String) {
    // SAFETY: zero bytes are valid UTF-8, so the string stays well formed.
    wipe(unsafe { text.as_mut_vec() });
}

/// Zeroes XMM0-15, so no key bytes a computation left in them reach the
/// FPU state the kernel saves when it switches away from this process.
pub fn clobber_xmm() {
    // SAFETY: the asm only zeroes the XMM registers, all declared clobbered
    // outputs, so the compiler keeps no live value in them across it; it
    // touches no memory, stack or flags. XORPS is SSE, baseline on x86-64.
    unsafe {
        asm!(
            "xorps xmm0, xmm0",
            "xorps xmm1, xmm1",
            "xorps xmm2, xmm2",
            "xorps xmm3, xmm3",
            "xorps xmm4, xmm4",
            "xorps xmm5, xmm5",
            "xorps xmm6, xmm6",
            "xorps xmm7, xmm7",
            "xorps xmm8, xmm8",
            "xorps xmm9, xmm9",
            "xorps xmm10, xmm10",
            "xorps xmm11, xmm11",
            "xorps xmm12, xmm12",
            "xorps xmm13, xmm13",
            "xorps xmm14, xmm14",
            "xorps xmm15, xmm15",
            out("xmm0") _,
            out("xmm1") _,
            out("xmm2") _,
            out("xmm3") _,
            out("xmm4") _,
            out("xmm5") _,
            out("xmm6") _,
            out("xmm7") _,
            out("xmm8") _,
            out("xmm9") _,
            out("xmm10") _,
            out("xmm11") _,
            out("xmm12") _,
            out("xmm13") _,
            out("xmm14") _,
            out("xmm15") _,
            options(nomem, nostack, preserves_flags),
        );
    }
}

/// A fixed buffer for up to `N` secret bytes, wiped on [`Secret::wipe`] and
/// on drop. It never reallocates, so no stale copy is left on the heap.
pub struct Secret<const N: usize> {
    bytes: [u8; N],
}

impl<const N: usize> Secret<N> {
    /// An all-zero buffer.
    pub fn new() -> Self {
        Secret { bytes: [0; N] }
    }

    /// The whole buffer, to decode into.
    pub fn buf_mut(&mut self) -> &mut [u8; N] {
        &mut self.bytes
    }

    /// The first `len` bytes.
    pub fn prefix(&self, len: usize) -> &[u8] {
        &self.bytes[..len]
    }

    /// Zeroes the buffer.
    pub fn wipe(&mut self) {
        wipe(&mut self.bytes);
    }
}

impl<const N: usize> Default for Secret<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Drop for Secret<N> {
    fn drop(&mut self) {
        self.wipe();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipes() {
        let mut secret = Secret::<4>::new();
        secret.buf_mut().copy_from_slice(&[1, 2, 3, 4]);
        assert_eq!(secret.prefix(2), [1, 2]);
        secret.wipe();
        assert_eq!(secret.prefix(4), [0; 4]);
        let mut text = String::from("00ff");
        wipe_string(&mut text);
        assert_eq!(text.as_bytes(), [0; 4]);
        clobber_xmm();
    }
}
