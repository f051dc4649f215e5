// SPDX-License-Identifier: GPL-2.0

//! Blocks, and the single-block AES instructions that take a handle.
//!
//! Each call loads its block into xmm0, runs one instruction and stores the
//! result only if the instruction succeeded (ZF=0): a rejected handle
//! leaves the caller's block exactly as it was. The block-cipher modes over
//! many blocks are in [`Modes`](super::Modes).

use super::{
    handle::{Handle128, Handle256},
    HandleRejected, //
};
use crate::x86::fpu::KernelFpu;
use core::{
    arch::asm,
    marker::PhantomData,
    mem::size_of, //
};

/// One AES block.
pub type Block = [u8; 16];

/// The whole blocks an operation reads and writes: in place, or from a
/// source to a separate destination.
///
/// The mode loops ([`Modes`](super::Modes)) read each block of the source
/// and write the result straight to the destination, so an out-of-place
/// request costs no copy of its data.
///
/// # Invariants
///
/// For `'a`, `src` is valid for reads and `dst` for writes of `len` blocks,
/// and the two are either the same address (in place) or do not overlap.
///
/// # Examples
///
/// ```
/// use kernel::x86::keylocker::BlockIo;
///
/// let mut data = [0u8; 40];
/// assert_eq!(BlockIo::in_place(&mut data).len(), 2);
/// let (src, mut dst) = ([1u8; 64], [0u8; 48]);
/// let (head, tail) = BlockIo::separate(&src, &mut dst).split_at(1);
/// assert_eq!((head.len(), tail.len()), (1, 2));
/// ```
pub struct BlockIo<'a> {
    src: *const Block,
    dst: *mut Block,
    len: usize,
    _data: PhantomData<(&'a [Block], &'a mut [Block])>,
}

impl<'a> BlockIo<'a> {
    /// The whole blocks at the start of `data`, transformed in place; a
    /// partial block at the end is left out.
    #[inline]
    pub fn in_place(data: &'a mut [u8]) -> Self {
        let dst = data.as_mut_ptr().cast::<Block>();
        // INVARIANT: `data` is borrowed mutably for `'a` and holds `len`
        // whole blocks (`Block` has the alignment of `u8`).
        Self {
            src: dst,
            dst,
            len: data.len() / size_of::<Block>(),
            _data: PhantomData,
        }
    }

    /// The whole blocks at the start of `src`, written to `dst`; as many as
    /// both hold.
    #[inline]
    pub fn separate(src: &'a [u8], dst: &'a mut [u8]) -> Self {
        // INVARIANT: Both are borrowed for `'a`, `dst` mutably, so they do
        // not overlap; both hold `len` whole blocks.
        Self {
            src: src.as_ptr().cast(),
            dst: dst.as_mut_ptr().cast(),
            len: src.len().min(dst.len()) / size_of::<Block>(),
            _data: PhantomData,
        }
    }

    /// Returns the number of blocks.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Returns whether there are no blocks.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Splits into the first `mid` blocks (all, if there are fewer) and the
    /// rest.
    #[inline]
    pub fn split_at(self, mid: usize) -> (Self, Self) {
        let mid = mid.min(self.len);
        let rest = Self {
            src: self.src.wrapping_add(mid),
            dst: self.dst.wrapping_add(mid),
            len: self.len - mid,
            _data: PhantomData,
        };
        // INVARIANT: The two parts are disjoint ranges of `self`'s blocks.
        (Self { len: mid, ..self }, rest)
    }

    /// The source and destination addresses, for the `asm!` loops.
    #[inline]
    pub(super) fn ptrs(&self) -> (*const Block, *mut Block) {
        (self.src, self.dst)
    }
}

macro_rules! kl_block_op {
    ($(#[$doc:meta])* $name:ident, $insn:literal) => {
        $(#[$doc])*
        #[inline]
        pub fn $name(&self, _fpu: &KernelFpu, block: &mut Block) -> Result<(), HandleRejected> {
            let zf: u8;
            // SAFETY:
            // - The instruction touches no memory but that named below. It
            //   raises #UD only where CR4.KL is clear, on a CPU without Key
            //   Locker that came online after the handle's generation
            //   ended (see `Enabled`); that is an oops, not a memory
            //   access, and callers that check the generation in this FPU
            //   section never get there.
            // - An FPU section is open (`_fpu`); xmm0 is declared clobbered
            //   and cleared before the block ends.
            // - `block` is valid for reads and writes of 16 bytes and the
            //   handle for reads of its size; neither needs alignment.
            unsafe {
                asm!(
                    "movdqu ({b}), %xmm0",
                    concat!($insn, " ({h}), %xmm0"),
                    "setz {zf}",
                    "jz 2f",
                    "movdqu %xmm0, ({b})",
                    "2:",
                    "pxor %xmm0, %xmm0",
                    b = in(reg) block.as_mut_ptr(),
                    h = in(reg) self.bytes.as_ptr(),
                    zf = out(reg_byte) zf,
                    out("xmm0") _,
                    options(att_syntax, nostack),
                );
            }
            if zf == 0 { Ok(()) } else { Err(HandleRejected) }
        }
    };
}

macro_rules! kl_handle_ops {
    ($handle:ty, $enc:literal, $dec:literal) => {
        impl $handle {
            kl_block_op!(
                /// Encrypts `block` in place.
                encrypt, $enc
            );
            kl_block_op!(
                /// Decrypts `block` in place.
                decrypt, $dec
            );
        }
    };
}

kl_handle_ops!(Handle128, "aesenc128kl", "aesdec128kl");
kl_handle_ops!(Handle256, "aesenc256kl", "aesdec256kl");
