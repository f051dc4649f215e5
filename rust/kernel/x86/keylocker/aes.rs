// SPDX-License-Identifier: GPL-2.0

//! The AES instructions that take a handle: one block or eight at a time.
//!
//! Each call loads its blocks into xmm registers, runs one instruction and
//! stores the result only if the instruction succeeded (ZF=0): a rejected
//! handle leaves the caller's buffer exactly as it was.

use super::{
    handle::{Handle128, Handle256},
    HandleRejected,
    Wide, //
};
use crate::x86::fpu::KernelFpu;
use core::{
    arch::asm,
    mem::size_of, //
};

/// One AES block.
pub type Block = [u8; 16];

/// Eight AES blocks, the unit of the wide instructions.
pub type Blocks8 = [Block; 8];

/// Views the whole 16-byte blocks at the start of `data` as [`Block`]s, in
/// place, so that the instructions can work on a caller's buffer without
/// copies; a partial block at the end is left out.
///
/// # Examples
///
/// ```
/// use kernel::x86::keylocker::blocks_mut;
///
/// let mut data = [0u8; 40];
/// let blocks = blocks_mut(&mut data);
/// assert_eq!(blocks.len(), 2);
/// blocks[1][0] = 7;
/// assert_eq!(data[16], 7);
/// ```
pub fn blocks_mut(data: &mut [u8]) -> &mut [Block] {
    let n = data.len() / size_of::<Block>();
    // SAFETY: `Block` is `[u8; 16]`, with the alignment of `u8`, so the
    // first `n * 16` bytes of `data` are `n` valid blocks; the result
    // borrows `data` mutably for its lifetime.
    unsafe { core::slice::from_raw_parts_mut(data.as_mut_ptr().cast::<Block>(), n) }
}

macro_rules! kl_block_op {
    ($(#[$doc:meta])* $name:ident, $insn:literal) => {
        $(#[$doc])*
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

macro_rules! kl_wide_op {
    ($(#[$doc:meta])* $name:ident, $insn:literal) => {
        $(#[$doc])*
        pub fn $name(
            &self,
            _fpu: &KernelFpu,
            _wide: &Wide,
            blocks: &mut Blocks8,
        ) -> Result<(), HandleRejected> {
            let zf: u8;
            // SAFETY: As for the single-block operations, with xmm0-7 as the
            // registers used and cleared, and `blocks` valid for 128 bytes.
            // The wide instructions exist wherever the generation is still
            // active (the `Wide` invariant), under the same caller check.
            unsafe {
                asm!(
                    "movdqu 0({b}), %xmm0",
                    "movdqu 16({b}), %xmm1",
                    "movdqu 32({b}), %xmm2",
                    "movdqu 48({b}), %xmm3",
                    "movdqu 64({b}), %xmm4",
                    "movdqu 80({b}), %xmm5",
                    "movdqu 96({b}), %xmm6",
                    "movdqu 112({b}), %xmm7",
                    concat!($insn, " ({h})"),
                    "setz {zf}",
                    "jz 2f",
                    "movdqu %xmm0, 0({b})",
                    "movdqu %xmm1, 16({b})",
                    "movdqu %xmm2, 32({b})",
                    "movdqu %xmm3, 48({b})",
                    "movdqu %xmm4, 64({b})",
                    "movdqu %xmm5, 80({b})",
                    "movdqu %xmm6, 96({b})",
                    "movdqu %xmm7, 112({b})",
                    "2:",
                    "pxor %xmm0, %xmm0",
                    "pxor %xmm1, %xmm1",
                    "pxor %xmm2, %xmm2",
                    "pxor %xmm3, %xmm3",
                    "pxor %xmm4, %xmm4",
                    "pxor %xmm5, %xmm5",
                    "pxor %xmm6, %xmm6",
                    "pxor %xmm7, %xmm7",
                    b = in(reg) blocks.as_mut_ptr(),
                    h = in(reg) self.bytes.as_ptr(),
                    zf = out(reg_byte) zf,
                    out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _,
                    out("xmm4") _, out("xmm5") _, out("xmm6") _, out("xmm7") _,
                    options(att_syntax, nostack),
                );
            }
            if zf == 0 { Ok(()) } else { Err(HandleRejected) }
        }
    };
}

macro_rules! kl_handle_ops {
    ($handle:ty, $enc:literal, $dec:literal, $encwide:literal, $decwide:literal) => {
        impl $handle {
            kl_block_op!(
                /// Encrypts `block` in place.
                encrypt, $enc
            );
            kl_block_op!(
                /// Decrypts `block` in place.
                decrypt, $dec
            );
            kl_wide_op!(
                /// Encrypts eight blocks in place with one wide instruction.
                encrypt8, $encwide
            );
            kl_wide_op!(
                /// Decrypts eight blocks in place with one wide instruction.
                decrypt8, $decwide
            );
        }
    };
}

kl_handle_ops!(
    Handle128,
    "aesenc128kl",
    "aesdec128kl",
    "aesencwide128kl",
    "aesdecwide128kl"
);
kl_handle_ops!(
    Handle256,
    "aesenc256kl",
    "aesdec256kl",
    "aesencwide256kl",
    "aesdecwide256kl"
);
