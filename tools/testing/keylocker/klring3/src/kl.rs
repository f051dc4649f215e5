// SPDX-License-Identifier: GPL-2.0

//! The Key Locker instructions, reached only through Rust's intrinsics.
//!
//! Every Key Locker instruction this program executes comes from an
//! intrinsic of `core::arch::x86_64`, so LLVM chooses its encoding. The
//! wrappers here only move bytes in and out of `__m128i` and hand back the
//! ZF result unjudged; the checks decide what is right.
//!
//! How the intrinsics behave (core_arch/src/x86/kl.rs):
//!
//! - `_mm_encodekey128_u32(ctl, key, handle)` runs ENCODEKEY128 with `ctl`
//!   as the handle restrictions, stores the 48-byte handle (XMM0-2) to
//!   `handle` and returns what the instruction left in EAX: bit 0 NoBackup,
//!   bits 4:1 KeySource of the current IWKey. `_mm_encodekey256_u32` is the
//!   same with a 64-byte handle (XMM0-3) and the key in two halves, `key_lo`
//!   being key bytes 0-15.
//! - `_mm_aes{enc,dec}{128,256}kl_u8(out, input, handle)` runs the
//!   instruction on a register holding `input`, stores that register to
//!   `*out` whatever happened and returns ZF: 0 on success, 1 on a handle
//!   violation. On a violation the instruction leaves the register alone,
//!   so `*out` then equals `input`: that is what "output unchanged" means
//!   at this level.
//! - The wide forms do the same with XMM0-7 loaded from `input[0..8]` and
//!   stored to `out[0..8]`; both pointers must be 16-byte aligned.
//!
//! Executing these instructions when CPUID does not enable them would be
//! undefined behaviour, so the wrappers are methods of proof tokens ([`Kl`],
//! [`WideKl`]) that exist only once CPUID said yes. The one exception,
//! [`encodekey128_unchecked`], is for the `--try-encodekey` child, whose job
//! is to be killed by #UD.

use crate::cpuid::{KlCpuid, Leaf19};
use crate::fips::Block;
use core::arch::x86_64::{
    __m128i, _mm_aesdec128kl_u8, _mm_aesdec256kl_u8, _mm_aesdecwide128kl_u8,
    _mm_aesdecwide256kl_u8, _mm_aesenc128kl_u8, _mm_aesenc256kl_u8, _mm_aesencwide128kl_u8,
    _mm_aesencwide256kl_u8, _mm_encodekey128_u32, _mm_encodekey256_u32, _mm_loadu_si128,
    _mm_setzero_si128, _mm_storeu_si128,
};

/// Which AES key size: of a handle, or of the instruction it is used with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySize {
    Aes128,
    Aes256,
}

impl KeySize {
    /// "128" or "256", for check names.
    pub fn bits(self) -> &'static str {
        match self {
            KeySize::Aes128 => "128",
            KeySize::Aes256 => "256",
        }
    }

    /// Bytes of handle ENCODEKEY writes and the AES*KL instructions read.
    pub fn handle_len(self) -> usize {
        match self {
            KeySize::Aes128 => 48,
            KeySize::Aes256 => 64,
        }
    }
}

/// Encrypt or decrypt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Encrypt,
    Decrypt,
}

/// A key handle as ENCODEKEY wrote it: bytes 0-15 AAD (restrictions and key
/// type), 16-31 integrity tag, 32-47 (or 32-63) the wrapped key.
///
/// Always 64 bytes, the tail of a 128-bit handle zero, so that any AES*KL
/// instruction stays inside the buffer, even the 256-bit ones given a
/// 128-bit handle on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle {
    pub size: KeySize,
    pub bytes: [u8; 64],
}

/// What one AES*KL instruction did.
#[derive(Clone, Copy, Debug)]
pub struct Outcome<T> {
    /// ZF: 0 = success, 1 = handle violation.
    pub zf: u8,
    /// The destination register(s) after the instruction.
    pub out: T,
}

/// Loads a block into an XMM value, byte 0 least significant.
pub fn load(block: &Block) -> __m128i {
    // SAFETY: `block` is 16 readable bytes; the load is unaligned (SSE2,
    // baseline on x86-64).
    unsafe { _mm_loadu_si128(block.as_ptr().cast()) }
}

/// Stores an XMM value as a block, least significant byte first.
pub fn store(value: __m128i) -> Block {
    let mut block = [0; 16];
    // SAFETY: `block` is 16 writable bytes; the store is unaligned.
    unsafe { _mm_storeu_si128(block.as_mut_ptr().cast(), value) };
    block
}

/// Proof that the AES Key Locker instructions are enabled (CPUID.7.0:ECX[23]
/// and CPUID.19H:EBX[0] both set).
pub struct Kl {
    leaf19: Leaf19,
}

/// Proof that, on top of [`Kl`], the wide instructions exist
/// (CPUID.19H:EBX[2]).
pub struct WideKl(());

impl Kl {
    /// The token if CPUID says Key Locker is usable, or why it is not.
    pub fn new(cpu: &KlCpuid) -> Result<Self, String> {
        cpu.usable().map(|leaf19| Kl { leaf19 })
    }

    /// CPUID.19H, read when the token was made.
    pub fn leaf19(&self) -> &Leaf19 {
        &self.leaf19
    }

    /// The wide-instruction token, if CPUID.19H:EBX[2] is set.
    pub fn wide(&self) -> Option<WideKl> {
        self.leaf19.wide().then_some(WideKl(()))
    }

    /// ENCODEKEY128 with restrictions `ctl`: its EAX result and the handle.
    ///
    /// `ctl` must only have bits CPUID.19H:EAX enumerates, or the
    /// instruction raises #GP.
    pub fn encodekey128(&self, ctl: u32, key: &[u8; 16]) -> (u32, Handle) {
        let mut bytes = [0; 64];
        // SAFETY: this token exists, so ENCODEKEY128 is enabled.
        let ret = unsafe { encodekey128(ctl, key, &mut bytes) };
        let handle = Handle {
            size: KeySize::Aes128,
            bytes,
        };
        (ret, handle)
    }

    /// ENCODEKEY256 with restrictions `ctl`: its EAX result and the handle.
    pub fn encodekey256(&self, ctl: u32, key: &[u8; 32]) -> (u32, Handle) {
        let mut bytes = [0; 64];
        // SAFETY: this token exists, so ENCODEKEY256 is enabled.
        let ret = unsafe { encodekey256(ctl, key, &mut bytes) };
        let handle = Handle {
            size: KeySize::Aes256,
            bytes,
        };
        (ret, handle)
    }

    /// Runs AES{ENC,DEC}{128,256}KL (chosen by `insn` and `dir`, whatever
    /// the handle's own size) on one block.
    pub fn crypt(&self, insn: KeySize, dir: Dir, handle: &Handle, input: &Block) -> Outcome<Block> {
        // SAFETY: this token exists, so the AES Key Locker instructions are
        // enabled.
        unsafe { crypt(insn, dir, &handle.bytes, input) }
    }
}

impl WideKl {
    /// Runs AES{ENC,DEC}WIDE{128,256}KL (chosen by `insn` and `dir`) on
    /// eight blocks.
    pub fn crypt(
        &self,
        insn: KeySize,
        dir: Dir,
        handle: &Handle,
        input: &[Block; 8],
    ) -> Outcome<[Block; 8]> {
        // SAFETY: this token exists, so the wide instructions are enabled.
        unsafe { crypt_wide(insn, dir, &handle.bytes, input) }
    }
}

#[target_feature(enable = "kl")]
fn encodekey128(ctl: u32, key: &[u8; 16], handle: &mut [u8; 64]) -> u32 {
    // SAFETY: `handle` has room for the 48 bytes the intrinsic writes.
    unsafe { _mm_encodekey128_u32(ctl, load(key), handle.as_mut_ptr()) }
}

#[target_feature(enable = "kl")]
fn encodekey256(ctl: u32, key: &[u8; 32], handle: &mut [u8; 64]) -> u32 {
    let (lo, hi) = key.split_at(16);
    let lo = load(lo.try_into().expect("16 bytes"));
    let hi = load(hi.try_into().expect("16 bytes"));
    // SAFETY: `handle` has room for the 64 bytes the intrinsic writes.
    unsafe { _mm_encodekey256_u32(ctl, lo, hi, handle.as_mut_ptr()) }
}

#[target_feature(enable = "kl")]
fn crypt(insn: KeySize, dir: Dir, handle: &[u8; 64], input: &Block) -> Outcome<Block> {
    let data = load(input);
    let h = handle.as_ptr();
    let mut out = _mm_setzero_si128();
    // SAFETY: `out` is an aligned, writable __m128i and `h` points to 64
    // readable bytes, as many as either handle size needs.
    let zf = unsafe {
        match (insn, dir) {
            (KeySize::Aes128, Dir::Encrypt) => _mm_aesenc128kl_u8(&raw mut out, data, h),
            (KeySize::Aes128, Dir::Decrypt) => _mm_aesdec128kl_u8(&raw mut out, data, h),
            (KeySize::Aes256, Dir::Encrypt) => _mm_aesenc256kl_u8(&raw mut out, data, h),
            (KeySize::Aes256, Dir::Decrypt) => _mm_aesdec256kl_u8(&raw mut out, data, h),
        }
    };
    Outcome {
        zf,
        out: store(out),
    }
}

#[target_feature(enable = "kl,widekl")]
fn crypt_wide(
    insn: KeySize,
    dir: Dir,
    handle: &[u8; 64],
    input: &[Block; 8],
) -> Outcome<[Block; 8]> {
    let data: [__m128i; 8] = std::array::from_fn(|i| load(&input[i]));
    let h = handle.as_ptr();
    let mut out = [_mm_setzero_si128(); 8];
    let (o, d) = (out.as_mut_ptr(), data.as_ptr());
    // SAFETY: `o` and `d` each point to eight aligned __m128i (writable and
    // readable), `h` to 64 readable bytes.
    let zf = unsafe {
        match (insn, dir) {
            (KeySize::Aes128, Dir::Encrypt) => _mm_aesencwide128kl_u8(o, d, h),
            (KeySize::Aes128, Dir::Decrypt) => _mm_aesdecwide128kl_u8(o, d, h),
            (KeySize::Aes256, Dir::Encrypt) => _mm_aesencwide256kl_u8(o, d, h),
            (KeySize::Aes256, Dir::Decrypt) => _mm_aesdecwide256kl_u8(o, d, h),
        }
    };
    Outcome {
        zf,
        out: out.map(store),
    }
}

/// Executes ENCODEKEY128 whatever CPUID says and returns its EAX result.
///
/// Only for the `--try-encodekey` child, which runs it to be killed by
/// SIGILL: with CR4.KL clear ENCODEKEY128 raises #UD.
///
/// # Safety
///
/// Undefined behaviour in Rust's terms unless Key Locker is enabled; the
/// caller must be a throwaway process that expects the instruction to fault.
#[target_feature(enable = "kl")]
#[inline(never)]
pub unsafe fn encodekey128_unchecked() -> u32 {
    let mut handle = [0u8; 64];
    // SAFETY: `handle` has room for the 48 bytes the intrinsic writes; the
    // instruction itself may fault, which is the point.
    let ret = unsafe { _mm_encodekey128_u32(0, _mm_setzero_si128(), handle.as_mut_ptr()) };
    std::hint::black_box(&handle);
    ret
}
