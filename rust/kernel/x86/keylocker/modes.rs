// SPDX-License-Identifier: GPL-2.0

//! The block-cipher modes (ECB, CBC, CTR, XTS) over a handle.
//!
//! On hardware the Key Locker instructions are slow, so the work around
//! them has to be cheap. Each mode is one `asm!` loop per walk step, as in
//! the kernel's AES-NI assembly: blocks go from the source into xmm
//! registers, the chaining value, counter or tweak arithmetic is done there,
//! and the result goes straight to the destination. Eight blocks at a time
//! use the wide instructions where every CPU has them ([`Wide`]); the rest
//! of a step, or every block on a CPU without them, use the single-block
//! ones. Besides Key Locker's, the loops need only SSE2, the baseline of
//! x86-64; where the kernel has AVX ([`Avx`]), the XTS and CTR loops use
//! its three-operand forms for their per-block arithmetic, as the AES-NI
//! glue's `-avx` drivers do, which saves a register copy or a load per
//! block.
//!
//! Every loop stops at the first instruction that rejects the handle and
//! reports it; the blocks from there on are not written.
//!
//! The loops leave request data in the xmm registers, as the AES-NI code
//! does: plaintext, ciphertext, tweaks and keystream, never a key, which
//! stays wrapped in the handle. What a kernel FPU section leaves there is
//! not saved to memory: the next return to user space loads the task's
//! own state over it.
//!
//! The methods and loops are `#[inline(always)]`: a request's path then
//! compiles into one function around its loops, where each call level
//! would cost a dozen instructions per request (`make bench` counts them).

use super::{
    aes::{
        Block,
        BlockIo, //
    },
    handle::{
        Handle128,
        Handle256, //
    },
    HandleRejected,
    Wide, //
};
use crate::x86::fpu::{
    Avx,
    KernelFpu, //
};
use core::{
    arch::asm,
    mem::size_of, //
};

/// A 16-byte constant, aligned so that SSE instructions can take it as a
/// memory operand.
#[repr(C, align(16))]
struct Xmm([u64; 2]);

/// The XTS reduction for the tweak update, as two little-endian 64-bit
/// words: `0x87` into the low word for the bit shifted out at the top, `1`
/// into the high word for the carry between the words.
static XTS_MASK: Xmm = Xmm([0x87, 1]);

/// One in the last byte of a CTR counter block, as two little-endian
/// 64-bit words: the byte is the top one of the second word.
static CTR_STEP: Xmm = Xmm([0, 1 << 56]);

/// The instructions a mode may use besides SSE2 and the single-block Key
/// Locker ones: proofs that every CPU has them.
#[derive(Copy, Clone, Debug, Default)]
pub struct Simd {
    /// The wide instructions, for runs of eight blocks.
    pub wide: Option<Wide>,
    /// AVX, for the per-block arithmetic of XTS and CTR.
    pub avx: Option<Avx>,
}

/// Whether a mode encrypts or decrypts.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Encryption.
    Encrypt,
    /// Decryption.
    Decrypt,
}

/// Runs `$eight` on the runs of eight blocks at the start of `$io` (as
/// `$runs`, an [`Eights`]) if the wide instructions may be used, then
/// `$one` on the blocks left (as `$rest`); neither runs with no blocks.
/// Both return whether every instruction accepted the handle. A macro, not
/// a function taking closures, so that the loops are inlined into the
/// mode.
macro_rules! by_eight {
    ($wide:expr, $io:expr; |$runs:ident| $eight:expr; |$rest:ident| $one:expr) => {{
        let (eights, $rest) = split_eight($wide, $io);
        let ran = match eights {
            Some($runs) => $eight,
            None => true,
        };
        ok(ran && ($rest.is_empty() || $one))
    }};
}

/// Block-cipher modes over the blocks of a [`BlockIo`], in one FPU section.
///
/// Each method fails with [`HandleRejected`] when an instruction rejects
/// the handle: the wrapping key changed since it was made. Blocks processed
/// before then are written; the rest of the destination is not, and the
/// chaining value, counter or tweak is then unspecified.
///
/// This trait is sealed: it is implemented for [`Handle128`] and
/// [`Handle256`] only.
pub trait Modes: private::Loops {
    /// ECB.
    #[inline(always)]
    fn ecb(&self, fpu: &KernelFpu, simd: Simd, io: BlockIo<'_>, d: Direction) -> Ran {
        by_eight!(
            simd.wide, io;
            |runs| self.ecb8(fpu, runs, d);
            |rest| self.ecb1(fpu, rest, d)
        )
    }

    /// CBC: `iv` becomes the last ciphertext block. Encryption is
    /// sequential, one block per instruction, so it does not use the wide
    /// instructions.
    #[inline(always)]
    fn cbc(
        &self,
        fpu: &KernelFpu,
        simd: Simd,
        io: BlockIo<'_>,
        d: Direction,
        iv: &mut Block,
    ) -> Ran {
        match d {
            Direction::Encrypt => ok(io.is_empty() || self.cbc_encrypt1(fpu, io, iv)),
            Direction::Decrypt => by_eight!(
                simd.wide, io;
                |runs| self.cbc_decrypt8(fpu, runs, iv);
                |rest| self.cbc_decrypt1(fpu, rest, iv)
            ),
        }
    }

    /// CTR with a 128-bit big-endian counter: XORs the keystream into the
    /// blocks and leaves `ctr` at the counter after the last one.
    #[inline(always)]
    fn ctr(&self, fpu: &KernelFpu, simd: Simd, io: BlockIo<'_>, ctr: &mut Block) -> Ran {
        let counter = u128::from_be_bytes(*ctr);
        let (mut hi, mut lo) = ((counter >> 64) as u64, counter as u64);
        let mut io = io;
        let mut res = Ok(());
        // The loops count in the low half only: split where it wraps.
        while !io.is_empty() && res.is_ok() {
            let room = match lo {
                0 => usize::MAX,
                lo => usize::try_from(lo.wrapping_neg()).unwrap_or(usize::MAX),
            };
            let (now, rest) = io.split_at(room);
            let hi_bytes = u64::from_ne_bytes(hi.to_be_bytes());
            res = by_eight!(
                simd.wide, now;
                |runs| self.ctr8(fpu, runs, simd.avx, hi_bytes, &mut lo);
                |rest| self.ctr1(fpu, simd.avx, rest, hi_bytes, &mut lo)
            );
            if res.is_ok() && lo == 0 {
                hi = hi.wrapping_add(1);
            }
            io = rest;
        }
        *ctr = (u128::from(hi) << 64 | u128::from(lo)).to_be_bytes();
        res
    }

    /// XTS of whole blocks. `tweak` is the tweak of the first block, or,
    /// if `iv_key` (the tweak key) is given, the IV, which is encrypted
    /// with it first; it becomes the tweak of the block after the last.
    #[inline(always)]
    fn xts(
        &self,
        fpu: &KernelFpu,
        simd: Simd,
        io: BlockIo<'_>,
        d: Direction,
        tweak: &mut Block,
        iv_key: Option<&Self>,
    ) -> Ran {
        if io.is_empty() {
            return iv_key.map_or(Ok(()), |k| k.encrypt_block(fpu, tweak));
        }
        let mut iv_key = iv_key;
        by_eight!(
            simd.wide, io;
            |runs| {
                let ran = self.xts8(fpu, runs, simd.avx, d, tweak, iv_key);
                iv_key = None;
                ran
            };
            |rest| self.xts1(fpu, simd.avx, rest, d, tweak, iv_key)
        )
    }
}

impl Modes for Handle128 {}
impl Modes for Handle256 {}

/// What a mode returns: whether every instruction accepted the handle.
pub type Ran = Result<(), HandleRejected>;

fn ok(ran: bool) -> Ran {
    if ran {
        Ok(())
    } else {
        Err(HandleRejected)
    }
}

/// Splits `io` into its runs of eight blocks, if the wide instructions may
/// be used (`wide`) and there is at least one run, and the blocks left.
#[inline(always)]
fn split_eight(wide: Option<Wide>, io: BlockIo<'_>) -> (Option<private::Eights<'_>>, BlockIo<'_>) {
    match wide {
        Some(wide) if io.len() >= 8 => {
            let runs = io.len() - io.len() % 8;
            let (io, rest) = io.split_at(runs);
            (Some(private::Eights { _wide: wide, io }), rest)
        }
        _ => (None, io),
    }
}

mod private {
    use super::*;

    /// Runs of eight blocks, and the proof that the wide instructions may
    /// run on them.
    pub struct Eights<'a> {
        pub _wide: Wide,
        pub io: BlockIo<'a>,
    }

    /// The `asm!` loops behind [`Modes`], one per mode and width.
    ///
    /// Each runs in the open FPU section `fpu` over the blocks of `io`, or
    /// for the eight-block loops over the runs of eight in `runs` (an empty
    /// `io` does nothing), and returns whether every
    /// instruction accepted the handle. The CTR loops count in the low half
    /// `lo` of the counter only: the caller splits where it wraps. The XTS
    /// loops first encrypt the tweak with `iv_key` if it is given. The XTS
    /// and CTR loops use AVX's forms if `avx` is given.
    /// `encrypt_block` is the handle's single-block encryption.
    pub trait Loops {
        fn encrypt_block(&self, fpu: &KernelFpu, block: &mut Block) -> Ran;
        fn ecb8(&self, fpu: &KernelFpu, runs: Eights<'_>, d: Direction) -> bool;
        fn ecb1(&self, fpu: &KernelFpu, io: BlockIo<'_>, d: Direction) -> bool;
        fn cbc_encrypt1(&self, fpu: &KernelFpu, io: BlockIo<'_>, iv: &mut Block) -> bool;
        fn cbc_decrypt8(&self, fpu: &KernelFpu, runs: Eights<'_>, iv: &mut Block) -> bool;
        fn cbc_decrypt1(&self, fpu: &KernelFpu, io: BlockIo<'_>, iv: &mut Block) -> bool;
        fn ctr8(
            &self,
            fpu: &KernelFpu,
            runs: Eights<'_>,
            avx: Option<Avx>,
            hi: u64,
            lo: &mut u64,
        ) -> bool;
        fn ctr1(
            &self,
            fpu: &KernelFpu,
            avx: Option<Avx>,
            io: BlockIo<'_>,
            hi: u64,
            lo: &mut u64,
        ) -> bool;
        fn xts8(
            &self,
            fpu: &KernelFpu,
            runs: Eights<'_>,
            avx: Option<Avx>,
            d: Direction,
            tweak: &mut Block,
            iv_key: Option<&Self>,
        ) -> bool;
        fn xts1(
            &self,
            fpu: &KernelFpu,
            avx: Option<Avx>,
            io: BlockIo<'_>,
            d: Direction,
            tweak: &mut Block,
            iv_key: Option<&Self>,
        ) -> bool;
    }
}

// The loops below share a shape: `{src}` and `{dst}` point just past the
// blocks, and `{n}` counts from minus their length in bytes up to zero,
// which ends the loop at `2:`; an instruction that rejects the handle
// (ZF=1) jumps to `8:`, which sets `{failed}`. Each function returns
// before its loop when there is nothing to do.

/// Loads eight blocks from `{src}` into xmm0-7.
macro_rules! load8 {
    () => {
        concat!(
            "movdqu 0({src},{n}), %xmm0\n",
            "movdqu 16({src},{n}), %xmm1\n",
            "movdqu 32({src},{n}), %xmm2\n",
            "movdqu 48({src},{n}), %xmm3\n",
            "movdqu 64({src},{n}), %xmm4\n",
            "movdqu 80({src},{n}), %xmm5\n",
            "movdqu 96({src},{n}), %xmm6\n",
            "movdqu 112({src},{n}), %xmm7\n",
        )
    };
}

/// Stores xmm0-7 as eight blocks at `{dst}`.
macro_rules! store8 {
    () => {
        concat!(
            "movdqu %xmm0, 0({dst},{n})\n",
            "movdqu %xmm1, 16({dst},{n})\n",
            "movdqu %xmm2, 32({dst},{n})\n",
            "movdqu %xmm3, 48({dst},{n})\n",
            "movdqu %xmm4, 64({dst},{n})\n",
            "movdqu %xmm5, 80({dst},{n})\n",
            "movdqu %xmm6, 96({dst},{n})\n",
            "movdqu %xmm7, 112({dst},{n})\n",
        )
    };
}

/// XORs xmm8-15 into xmm0-7, pairwise.
macro_rules! xor8_high {
    () => {
        concat!(
            "pxor %xmm8, %xmm0\n",
            "pxor %xmm9, %xmm1\n",
            "pxor %xmm10, %xmm2\n",
            "pxor %xmm11, %xmm3\n",
            "pxor %xmm12, %xmm4\n",
            "pxor %xmm13, %xmm5\n",
            "pxor %xmm14, %xmm6\n",
            "pxor %xmm15, %xmm7\n",
        )
    };
}

/// Moves on by `$bytes` and loops to `2:` unless that was the last step.
macro_rules! next {
    ($bytes:literal) => {
        concat!(concat!("add $", $bytes, ", {n}\n"), "jnz 2b\n")
    };
}

/// The end of every loop: `8:` records a rejected handle.
macro_rules! fail {
    () => {
        concat!("jmp 9f\n", "8:\n", "mov $1, {failed:e}\n", "9:\n")
    };
}

/// Multiplies the XTS tweak in xmm`$t` by x in GF(2^128), in place, with
/// xmm`$tmp` as scratch and [`XTS_MASK`] at `{mask}`: both 64-bit words
/// shift left by one, and the bits shifted out of each come back through
/// the mask (as `_aesni_gf128mul_x_ble` does).
macro_rules! xts_double {
    ($t:literal, $tmp:literal) => {
        concat!(
            concat!("pshufd $0x13, %xmm", $t, ", %xmm", $tmp, "\n"),
            concat!("paddq %xmm", $t, ", %xmm", $t, "\n"),
            concat!("psrad $31, %xmm", $tmp, "\n"),
            concat!("pand ({mask}), %xmm", $tmp, "\n"),
            concat!("pxor %xmm", $tmp, ", %xmm", $t, "\n"),
        )
    };
}

/// xmm`$to` = xmm`$from` times x, with xmm0 as scratch: as
/// [`xts_double`] after a copy, or in AVX's forms from xmm`$from` directly.
macro_rules! xts_next {
    (sse, $from:literal, $to:literal) => {
        concat!(
            concat!("movdqa %xmm", $from, ", %xmm", $to, "\n"),
            xts_double!($to, "0"),
        )
    };
    (avx, $from:literal, $to:literal) => {
        concat!(
            concat!("vpshufd $0x13, %xmm", $from, ", %xmm0\n"),
            concat!("vpaddq %xmm", $from, ", %xmm", $from, ", %xmm", $to, "\n"),
            "vpsrad $31, %xmm0, %xmm0\n",
            "vpand ({mask}), %xmm0, %xmm0\n",
            concat!("vpxor %xmm0, %xmm", $to, ", %xmm", $to, "\n"),
        )
    };
}

/// Loads eight blocks from `{src}` into xmm0-7, XORing xmm8-15 into them.
macro_rules! load_xor8 {
    (sse) => {
        concat!(load8!(), xor8_high!())
    };
    (avx) => {
        concat!(
            "vpxor 0({src},{n}), %xmm8, %xmm0\n",
            "vpxor 16({src},{n}), %xmm9, %xmm1\n",
            "vpxor 32({src},{n}), %xmm10, %xmm2\n",
            "vpxor 48({src},{n}), %xmm11, %xmm3\n",
            "vpxor 64({src},{n}), %xmm12, %xmm4\n",
            "vpxor 80({src},{n}), %xmm13, %xmm5\n",
            "vpxor 96({src},{n}), %xmm14, %xmm6\n",
            "vpxor 112({src},{n}), %xmm15, %xmm7\n",
        )
    };
}

/// Loads the block at `{src}` into xmm0, XORing xmm8 into it.
macro_rules! load_xor1 {
    (sse) => {
        concat!("movdqu ({src},{n}), %xmm0\n", "pxor %xmm8, %xmm0\n")
    };
    (avx) => {
        "vpxor ({src},{n}), %xmm8, %xmm0\n"
    };
}

/// Builds counter block `{lo}` + `$j` in xmm`$j`: the high half is in
/// xmm8, already in memory order; the low half is byte-swapped through
/// `{t}` and xmm9.
macro_rules! ctr_block {
    ($j:literal) => {
        concat!(
            concat!("lea ", $j, "({lo}), {t}\n"),
            "bswap {t}\n",
            "movq {t}, %xmm9\n",
            concat!("movdqa %xmm8, %xmm", $j, "\n"),
            concat!("punpcklqdq %xmm9, %xmm", $j, "\n"),
        )
    };
}

/// Counter block xmm`$to` = xmm`$from` + 1, by adding [`CTR_STEP`] (at
/// `{step}`) to the last byte: only where that byte does not overflow.
macro_rules! ctr_step {
    (sse, $from:literal, $to:literal) => {
        concat!(
            concat!("movdqa %xmm", $from, ", %xmm", $to, "\n"),
            concat!("paddq ({step}), %xmm", $to, "\n"),
        )
    };
    (avx, $from:literal, $to:literal) => {
        concat!("vpaddq ({step}), %xmm", $from, ", %xmm", $to, "\n")
    };
}

/// XORs the block at `$off` into xmm`$j` (through xmm9 without AVX) and
/// stores it.
macro_rules! ctr_xor_store {
    (sse, $j:literal, $off:literal) => {
        concat!(
            concat!("movdqu ", $off, "({src},{n}), %xmm9\n"),
            concat!("pxor %xmm9, %xmm", $j, "\n"),
            concat!("movdqu %xmm", $j, ", ", $off, "({dst},{n})\n"),
        )
    };
    (avx, $j:literal, $off:literal) => {
        concat!(
            concat!("vpxor ", $off, "({src},{n}), %xmm", $j, ", %xmm", $j, "\n"),
            concat!("movdqu %xmm", $j, ", ", $off, "({dst},{n})\n"),
        )
    };
}

/// The operands `{src}`, `{dst}` and `{n}` of a loop over `$blocks` blocks
/// of `$io`.
macro_rules! io_operands {
    ($io:expr, $blocks:expr) => {{
        let (src, dst) = $io.ptrs();
        // The blocks are in memory, so their size cannot overflow.
        let bytes = $blocks.wrapping_mul(size_of::<Block>());
        (
            src.cast::<u8>().wrapping_add(bytes),
            dst.cast::<u8>().wrapping_add(bytes),
            bytes.wrapping_neg(),
        )
    }};
}

/// One loop's `asm!`: the templates `[...]`, then the common end (see
/// [`fail_and_clear`]), the operands every loop has (`{src}`, `{dst}`,
/// `{n}`, the handle as `{h}`, `{failed}`), the loop's own operands, and
/// xmm0-`$last` as clobbers.
macro_rules! loop_asm {
    (7, $common:tt; [$($t:expr),* $(,)?], $($ops:tt)*) => {
        loop_asm!(@asm $common; [$($t),*], $($ops)*)
    };
    (15, $common:tt; [$($t:expr),* $(,)?], $($ops:tt)*) => {
        loop_asm!(
            @asm $common; [$($t),*], $($ops)*
            out("xmm8") _, out("xmm9") _, out("xmm10") _, out("xmm11") _,
            out("xmm12") _, out("xmm13") _, out("xmm14") _, out("xmm15") _,
        )
    };
    (@asm ($src:ident, $dst:ident, $n:ident, $h:expr, $failed:ident);
     [$($t:expr),*], $($ops:tt)*) => {
        asm!(
            $($t,)*
            fail!(),
            src = in(reg) $src,
            dst = in(reg) $dst,
            n = inout(reg) $n => _,
            h = in(reg) $h,
            failed = inout(reg) 0u32 => $failed,
            $($ops)*
            out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _,
            out("xmm4") _, out("xmm5") _, out("xmm6") _, out("xmm7") _,
            options(att_syntax, nostack),
        )
    };
}

/// The body of a loop function: runs the `asm!` loop (see [`loop_asm`])
/// over the blocks of `$io`, in runs of eight if `$per` is 8, and returns
/// whether every instruction accepted the handle; does nothing, and
/// returns true, if there is not one run.
macro_rules! run_loop {
    ($self:ident, $io:ident, 8, $($rest:tt)*) => {
        run_loop!(@blocks $self, $io.len() - $io.len() % 8, $io, $($rest)*)
    };
    ($self:ident, $io:ident, 1, $($rest:tt)*) => {
        run_loop!(@blocks $self, $io.len(), $io, $($rest)*)
    };
    (@blocks $self:ident, $blocks:expr, $io:ident, $last:tt;
     [$($t:expr),* $(,)?], $($ops:tt)*) => {{
        let blocks = $blocks;
        if blocks == 0 {
            return true;
        }
        let (src, dst, n) = io_operands!($io, blocks);
        let failed: u32;
        // SAFETY: See above `impl_loops`; what a loop keeps in which
        // register is said where it is written.
        unsafe {
            loop_asm!($last, (src, dst, n, $self.bytes.as_ptr(), failed); [$($t),*], $($ops)*)
        };
        failed == 0
    }};
}

/// The loop `$mac!($insn, ...)` with `$insn` the instruction for direction
/// `$d`: `$enc` or `$dec`.
macro_rules! directed {
    ($d:expr, $enc:literal, $dec:literal, $mac:ident!($($args:tt)*)) => {
        match $d {
            Direction::Encrypt => $mac!($enc, $($args)*),
            Direction::Decrypt => $mac!($dec, $($args)*),
        }
    };
}

/// ECB over the runs of eight blocks of `$io` with the wide instruction
/// `$insn`.
macro_rules! ecb8 {
    ($insn:literal, $self:ident, $io:ident) => {
        run_loop!(
            $self, $io, 8, 7;
            [
                "2:",
                load8!(),
                concat!($insn, " ({h})"),
                "jz 8f",
                store8!(),
                next!("128"),
            ],
        )
    };
}

/// ECB over the blocks of `$io` with the single-block instruction `$insn`.
macro_rules! ecb1 {
    ($insn:literal, $self:ident, $io:ident) => {
        run_loop!(
            $self, $io, 1, 7;
            [
                "2:",
                "movdqu ({src},{n}), %xmm0",
                concat!($insn, " ({h}), %xmm0"),
                "jz 8f",
                "movdqu %xmm0, ({dst},{n})",
                next!("16"),
            ],
        )
    };
}

/// Loads the first tweak from `{tweak}` into xmm8 and, if `{k}` is not
/// null, encrypts it with the handle there using `$enc`; then jumps to
/// `$start:` (the loop's first step).
macro_rules! xts_first {
    ($enc:literal, $start:literal) => {
        concat!(
            "movdqu ({tweak}), %xmm8\n",
            "test {k}, {k}\n",
            concat!("jz ", $start, "f\n"),
            concat!($enc, " ({k}), %xmm8\n"),
            "jz 8f\n",
        )
    };
}

/// XTS over the runs of eight blocks of `$io` with the wide instruction
/// `$insn`, in flavour `$f` (`sse` or `avx`), from and to the tweak `$t`;
/// if `$k` holds the tweak key's handle, `$t` holds the IV, encrypted with
/// `$enc` first. The tweaks of a run are in xmm8-15. A run after the first
/// starts at `2:`, with its first tweak from the last one of the run
/// before; the first starts at `3:`.
macro_rules! xts8 {
    ($insn:literal, $f:ident, $self:ident, $io:ident, $t:ident, $k:ident, $enc:literal) => {
        run_loop!(
            $self, $io, 8, 15;
            [
                xts_first!($enc, "3"),
                "jmp 3f",
                "2:",
                xts_next!($f, "15", "8"),
                "3:",
                xts_next!($f, "8", "9"),
                xts_next!($f, "9", "10"),
                xts_next!($f, "10", "11"),
                xts_next!($f, "11", "12"),
                xts_next!($f, "12", "13"),
                xts_next!($f, "13", "14"),
                xts_next!($f, "14", "15"),
                load_xor8!($f),
                concat!($insn, " ({h})"),
                "jz 8f",
                xor8_high!(),
                store8!(),
                next!("128"),
                xts_next!($f, "15", "8"),
                "movdqu %xmm8, ({tweak})",
            ],
            tweak = in(reg) $t.as_mut_ptr(),
            k = in(reg) $k.map_or(core::ptr::null(), |k| k.bytes.as_ptr()),
            mask = in(reg) &XTS_MASK,
        )
    };
}

/// XTS over the blocks of `$io` with the single-block instruction `$insn`,
/// in flavour `$f`, from and to the tweak `$t`, which is in xmm8 (the IV
/// first, as in [`xts8`], if `$k` holds the tweak key's handle); xmm2 is
/// scratch.
macro_rules! xts1 {
    ($insn:literal, $f:ident, $self:ident, $io:ident, $t:ident, $k:ident, $enc:literal) => {
        run_loop!(
            $self, $io, 1, 15;
            [
                xts_first!($enc, "2"),
                "2:",
                load_xor1!($f),
                concat!($insn, " ({h}), %xmm0"),
                "jz 8f",
                "pxor %xmm8, %xmm0",
                "movdqu %xmm0, ({dst},{n})",
                xts_double!("8", "2"),
                next!("16"),
                "movdqu %xmm8, ({tweak})",
            ],
            tweak = in(reg) $t.as_mut_ptr(),
            k = in(reg) $k.map_or(core::ptr::null(), |k| k.bytes.as_ptr()),
            mask = in(reg) &XTS_MASK,
        )
    };
}

/// CTR over the runs of eight blocks of `$io` with the wide instruction
/// `$insn`, in flavour `$f`, from the counter `$hi`:`$lo`. The caller
/// keeps `$lo` from wrapping inside the loop; the keystream exists only in
/// xmm0-7. Counter block 0 of a run is built from `{lo}`; the others add
/// one to the block before in its last byte (`4:`), unless that byte
/// overflows in the run, when they are built from `{lo}` as well.
macro_rules! ctr8 {
    ($insn:literal, $f:ident, $self:ident, $io:ident, $hi:ident, $lo:ident) => {
        run_loop!(
            $self, $io, 8, 15;
            [
                "movq {hi}, %xmm8",
                "2:",
                ctr_block!("0"),
                "cmpb $0xf8, {lo:l}",
                "jbe 4f",
                ctr_block!("1"),
                ctr_block!("2"),
                ctr_block!("3"),
                ctr_block!("4"),
                ctr_block!("5"),
                ctr_block!("6"),
                ctr_block!("7"),
                "jmp 5f",
                "4:",
                ctr_step!($f, "0", "1"),
                ctr_step!($f, "1", "2"),
                ctr_step!($f, "2", "3"),
                ctr_step!($f, "3", "4"),
                ctr_step!($f, "4", "5"),
                ctr_step!($f, "5", "6"),
                ctr_step!($f, "6", "7"),
                "5:",
                concat!($insn, " ({h})"),
                "jz 8f",
                ctr_xor_store!($f, "0", "0"),
                ctr_xor_store!($f, "1", "16"),
                ctr_xor_store!($f, "2", "32"),
                ctr_xor_store!($f, "3", "48"),
                ctr_xor_store!($f, "4", "64"),
                ctr_xor_store!($f, "5", "80"),
                ctr_xor_store!($f, "6", "96"),
                ctr_xor_store!($f, "7", "112"),
                "add $8, {lo}",
                next!("128"),
            ],
            hi = in(reg) $hi,
            lo = inout(reg) *$lo,
            step = in(reg) &CTR_STEP,
            t = out(reg) _,
        )
    };
}

/// As [`ctr8`], one block at a time with the single-block instruction
/// `$insn`.
macro_rules! ctr1 {
    ($insn:literal, $f:ident, $self:ident, $io:ident, $hi:ident, $lo:ident) => {
        run_loop!(
            $self, $io, 1, 15;
            [
                "movq {hi}, %xmm8",
                "2:",
                ctr_block!("0"),
                concat!($insn, " ({h}), %xmm0"),
                "jz 8f",
                ctr_xor_store!($f, "0", "0"),
                "inc {lo}",
                next!("16"),
            ],
            hi = in(reg) $hi,
            lo = inout(reg) *$lo,
            t = out(reg) _,
        )
    };
}

// SAFETY (shared by every `asm!` below):
// - The Key Locker instructions raise #UD only where CR4.KL is clear, on a
//   CPU without Key Locker that came online after the handle's generation
//   ended (see `Enabled`); the wide ones also where the CPU lacks them,
//   which the `Wide` proof excludes while the generation is active. That is
//   an oops, not a memory access, and callers that check the generation in
//   this FPU section never get there.
// - An FPU section is open (`_fpu`); every xmm register used is declared
//   clobbered. Only SSE2 instructions are used besides Key Locker's, and
//   VEX-encoded ones on xmm registers in the `avx` flavour, which runs only
//   with the `Avx` proof.
// - By the `BlockIo` invariant, the source is readable and the
//   destination writable for the `io.len()` blocks; a loop touches the
//   first `{n}` bytes' worth below `{src}` and `{dst}`, at least one block,
//   and the two are equal or disjoint: a loop reads every source block it
//   needs before it writes the destination block at the same address. The
//   handle (`{h}`, and for XTS the tweak key's at `{k}` unless it is null)
//   is readable for its size, and the IV, tweak and constants are
//   separate 16-byte objects. Only the constants, `Xmm`, are aligned: the
//   others are loaded and stored with `movdqu`, or read as memory operands
//   of VEX-encoded instructions, which need no alignment.
macro_rules! impl_loops {
    ($handle:ty, $enc:literal, $dec:literal, $encwide:literal, $decwide:literal) => {
        impl private::Loops for $handle {
            #[inline(always)]
            fn encrypt_block(&self, fpu: &KernelFpu, block: &mut Block) -> Ran {
                self.encrypt(fpu, block)
            }

            #[inline(always)]
            fn ecb8(&self, _fpu: &KernelFpu, runs: private::Eights<'_>, d: Direction) -> bool {
                let io = runs.io;
                directed!(d, $encwide, $decwide, ecb8!(self, io))
            }

            #[inline(always)]
            fn ecb1(&self, _fpu: &KernelFpu, io: BlockIo<'_>, d: Direction) -> bool {
                directed!(d, $enc, $dec, ecb1!(self, io))
            }

            #[inline(always)]
            fn cbc_encrypt1(&self, _fpu: &KernelFpu, io: BlockIo<'_>, iv: &mut Block) -> bool {
                // The chaining value stays in xmm1; `iv` is written only if every block
                // succeeded.
                run_loop!(
                    self, io, 1, 7;
                    [
                        "movdqu ({iv}), %xmm1",
                        "2:",
                        "movdqu ({src},{n}), %xmm0",
                        "pxor %xmm0, %xmm1",
                        concat!($enc, " ({h}), %xmm1"),
                        "jz 8f",
                        "movdqu %xmm1, ({dst},{n})",
                        next!("16"),
                        "movdqu %xmm1, ({iv})",
                    ],
                    iv = in(reg) iv.as_mut_ptr(),
                )
            }

            #[inline(always)]
            fn cbc_decrypt8(
                &self,
                _fpu: &KernelFpu,
                runs: private::Eights<'_>,
                iv: &mut Block,
            ) -> bool {
                let io = runs.io;
                // xmm8 holds the chaining value and xmm9-15 the ciphertext blocks 0-6; block 7,
                // the next chaining value, is read again from the source before the destination
                // (possibly the same memory) is written.
                run_loop!(
                    self, io, 8, 15;
                    [
                        "movdqu ({iv}), %xmm8",
                        "2:",
                        load8!(),
                        "movdqa %xmm0, %xmm9",
                        "movdqa %xmm1, %xmm10",
                        "movdqa %xmm2, %xmm11",
                        "movdqa %xmm3, %xmm12",
                        "movdqa %xmm4, %xmm13",
                        "movdqa %xmm5, %xmm14",
                        "movdqa %xmm6, %xmm15",
                        concat!($decwide, " ({h})"),
                        "jz 8f",
                        xor8_high!(),
                        "movdqu 112({src},{n}), %xmm8",
                        store8!(),
                        next!("128"),
                        "movdqu %xmm8, ({iv})",
                    ],
                    iv = in(reg) iv.as_mut_ptr(),
                )
            }

            #[inline(always)]
            fn cbc_decrypt1(&self, _fpu: &KernelFpu, io: BlockIo<'_>, iv: &mut Block) -> bool {
                // xmm1 holds the chaining value, xmm2 the ciphertext block that becomes the
                // next.
                run_loop!(
                    self, io, 1, 7;
                    [
                        "movdqu ({iv}), %xmm1",
                        "2:",
                        "movdqu ({src},{n}), %xmm0",
                        "movdqa %xmm0, %xmm2",
                        concat!($dec, " ({h}), %xmm0"),
                        "jz 8f",
                        "pxor %xmm1, %xmm0",
                        "movdqa %xmm2, %xmm1",
                        "movdqu %xmm0, ({dst},{n})",
                        next!("16"),
                        "movdqu %xmm1, ({iv})",
                    ],
                    iv = in(reg) iv.as_mut_ptr(),
                )
            }

            #[inline(always)]
            fn ctr8(
                &self,
                _fpu: &KernelFpu,
                runs: private::Eights<'_>,
                avx: Option<Avx>,
                hi: u64,
                lo: &mut u64,
            ) -> bool {
                let io = runs.io;
                match avx {
                    Some(_) => ctr8!($encwide, avx, self, io, hi, lo),
                    None => ctr8!($encwide, sse, self, io, hi, lo),
                }
            }

            #[inline(always)]
            fn ctr1(
                &self,
                _fpu: &KernelFpu,
                avx: Option<Avx>,
                io: BlockIo<'_>,
                hi: u64,
                lo: &mut u64,
            ) -> bool {
                match avx {
                    Some(_) => ctr1!($enc, avx, self, io, hi, lo),
                    None => ctr1!($enc, sse, self, io, hi, lo),
                }
            }

            #[inline(always)]
            fn xts8(
                &self,
                _fpu: &KernelFpu,
                runs: private::Eights<'_>,
                avx: Option<Avx>,
                d: Direction,
                t: &mut Block,
                k: Option<&Self>,
            ) -> bool {
                let io = runs.io;
                match avx {
                    Some(_) => directed!(d, $encwide, $decwide, xts8!(avx, self, io, t, k, $enc)),
                    None => directed!(d, $encwide, $decwide, xts8!(sse, self, io, t, k, $enc)),
                }
            }

            #[inline(always)]
            fn xts1(
                &self,
                _fpu: &KernelFpu,
                avx: Option<Avx>,
                io: BlockIo<'_>,
                d: Direction,
                t: &mut Block,
                k: Option<&Self>,
            ) -> bool {
                match avx {
                    Some(_) => directed!(d, $enc, $dec, xts1!(avx, self, io, t, k, $enc)),
                    None => directed!(d, $enc, $dec, xts1!(sse, self, io, t, k, $enc)),
                }
            }
        }
    };
}

impl_loops!(
    Handle128,
    "aesenc128kl",
    "aesdec128kl",
    "aesencwide128kl",
    "aesdecwide128kl"
);
impl_loops!(
    Handle256,
    "aesenc256kl",
    "aesdec256kl",
    "aesencwide256kl",
    "aesdecwide256kl"
);
