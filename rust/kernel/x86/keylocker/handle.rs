// SPDX-License-Identifier: GPL-2.0

//! Handles: AES keys wrapped by the CPU's internal key (ENCODEKEY128/256).

use super::{
    Enabled,
    Generation,
    Restrictions, //
};
use crate::{
    error::{code::EINVAL, Result},
    x86::fpu::KernelFpu,
};
use core::arch::asm;

/// A handle for an AES key, usable with the Key Locker AES instructions.
///
/// This trait is sealed: handles come only from [`Handle128::encode`] and
/// [`Handle256::encode`], so holding one proves that Key Locker was enabled
/// (see [`Enabled`]): while its generation is active, the AES instructions
/// cannot raise #UD.
pub trait Handle: private::Sealed {
    /// The generation of the wrapping key the handle was made under.
    fn generation(&self) -> Generation;

    /// What ENCODEKEY reported about that wrapping key.
    fn wrapping_key(&self) -> WrappingKeyInfo;
}

/// What ENCODEKEY reports about the wrapping key (IWKey) loaded on the CPU
/// it ran on.
///
/// Software cannot read the wrapping key, but it can learn where it came
/// from. A guest uses this to check a hypervisor's claims about the key it
/// loaded, on every vCPU.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct WrappingKeyInfo {
    /// The key came from the CPU's random source (KeySource=1), so no
    /// software, not even a hypervisor, knows it.
    pub hardware_random: bool,
    /// The key cannot be copied to platform storage (NoBackup).
    pub no_backup: bool,
}

impl WrappingKeyInfo {
    /// Decodes ENCODEKEY's result register: NoBackup in bit 0, KeySource
    /// in bits 4:1.
    fn from_encodekey(result: u32) -> Self {
        Self {
            hardware_random: (result >> 1) & 0xf == 1,
            no_backup: result & 1 != 0,
        }
    }
}

mod private {
    pub trait Sealed {}
}

/// A 384-bit handle for an AES-128 key (AAD, tag, wrapped key).
#[derive(Clone)]
#[repr(C, align(16))]
pub struct Handle128 {
    pub(super) bytes: [u8; 48],
    generation: Generation,
    wrapping_key: WrappingKeyInfo,
}

/// A 512-bit handle for an AES-256 key (AAD, tag, wrapped key).
#[derive(Clone)]
#[repr(C, align(16))]
pub struct Handle256 {
    pub(super) bytes: [u8; 64],
    generation: Generation,
    wrapping_key: WrappingKeyInfo,
}

impl private::Sealed for Handle128 {}
impl private::Sealed for Handle256 {}

impl Handle for Handle128 {
    #[inline]
    fn generation(&self) -> Generation {
        self.generation
    }

    fn wrapping_key(&self) -> WrappingKeyInfo {
        self.wrapping_key
    }
}

impl Handle for Handle256 {
    #[inline]
    fn generation(&self) -> Generation {
        self.generation
    }

    fn wrapping_key(&self) -> WrappingKeyInfo {
        self.wrapping_key
    }
}

impl Handle128 {
    /// Wraps `key` under the current wrapping key with `restrictions`.
    ///
    /// The key travels through xmm0 only, which is cleared before this
    /// returns; the caller remains responsible for wiping `key` itself.
    /// Returns `EINVAL` if the CPU does not support `restrictions`.
    pub fn encode(
        enabled: &Enabled,
        fpu: &KernelFpu,
        key: &[u8; 16],
        restrictions: Restrictions,
    ) -> Result<Self> {
        Self::encode_in(enabled.generation(), fpu, key, restrictions)
    }

    /// [`Handle128::encode`] for a handle of `generation`, which the caller
    /// has CR4.KL for on this CPU: an [`Enabled`] of it, or a
    /// [`KlCpu`](super::iwkey::KlCpu) while the generation is being set up.
    pub(super) fn encode_in(
        generation: Generation,
        _fpu: &KernelFpu,
        key: &[u8; 16],
        restrictions: Restrictions,
    ) -> Result<Self> {
        if !restrictions.is_supported() {
            return Err(EINVAL);
        }
        let mut bytes = [0u8; 48];
        let result: u32;
        // SAFETY:
        // - ENCODEKEY128 touches no memory. CR4.KL is set on this CPU (the
        //   caller's proof for `generation`), so it cannot raise #UD (where
        //   it could, that would be an oops, not a memory access), and
        //   `restrictions` holds only supported bits, so it cannot raise #GP.
        // - An FPU section is open (`_fpu`), so the xmm registers may be used;
        //   every one the instruction reads or writes is declared clobbered.
        // - `key` is readable for 16 bytes and `bytes` writable for 48.
        unsafe {
            asm!(
                "movdqu ({key}), %xmm0",
                "encodekey128 {r:e}, {r:e}",
                "movdqu %xmm0, ({h})",
                "movdqu %xmm1, 16({h})",
                "movdqu %xmm2, 32({h})",
                "pxor %xmm0, %xmm0",
                "pxor %xmm1, %xmm1",
                "pxor %xmm2, %xmm2",
                key = in(reg) key.as_ptr(),
                h = in(reg) bytes.as_mut_ptr(),
                r = inout(reg) restrictions.bits() => result,
                out("xmm0") _, out("xmm1") _, out("xmm2") _,
                out("xmm4") _, out("xmm5") _, out("xmm6") _,
                options(att_syntax, nostack),
            );
        }
        Ok(Self {
            bytes,
            generation,
            wrapping_key: WrappingKeyInfo::from_encodekey(result),
        })
    }
}

impl Handle256 {
    /// Wraps `key` under the current wrapping key with `restrictions`.
    ///
    /// The key travels through xmm0 and xmm1 only, which are cleared before
    /// this returns; the caller remains responsible for wiping `key` itself.
    /// Returns `EINVAL` if the CPU does not support `restrictions`.
    pub fn encode(
        enabled: &Enabled,
        _fpu: &KernelFpu,
        key: &[u8; 32],
        restrictions: Restrictions,
    ) -> Result<Self> {
        if !restrictions.is_supported() {
            return Err(EINVAL);
        }
        let mut bytes = [0u8; 64];
        let result: u32;
        // SAFETY: As for `Handle128::encode_in`, with `enabled` as the proof;
        // ENCODEKEY256 reads xmm0-1,
        // writes xmm0-3 and zeroes xmm4-6, all declared clobbered; `key` is
        // readable for 32 bytes and `bytes` writable for 64.
        unsafe {
            asm!(
                "movdqu ({key}), %xmm0",
                "movdqu 16({key}), %xmm1",
                "encodekey256 {r:e}, {r:e}",
                "movdqu %xmm0, ({h})",
                "movdqu %xmm1, 16({h})",
                "movdqu %xmm2, 32({h})",
                "movdqu %xmm3, 48({h})",
                "pxor %xmm0, %xmm0",
                "pxor %xmm1, %xmm1",
                "pxor %xmm2, %xmm2",
                "pxor %xmm3, %xmm3",
                key = in(reg) key.as_ptr(),
                h = in(reg) bytes.as_mut_ptr(),
                r = inout(reg) restrictions.bits() => result,
                out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _,
                out("xmm4") _, out("xmm5") _, out("xmm6") _,
                options(att_syntax, nostack),
            );
        }
        Ok(Self {
            bytes,
            generation: enabled.generation(),
            wrapping_key: WrappingKeyInfo::from_encodekey(result),
        })
    }
}
