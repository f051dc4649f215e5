// SPDX-License-Identifier: GPL-2.0

//! The verification canary: proof that a CPU holds the system's IWKey.
//!
//! There is no way to read an IWKey back, so the core checks a CPU by using
//! it: at initialisation it wraps a throwaway AES key into a handle and
//! records the ciphertext of a fixed block. A CPU that encrypts the block
//! with that handle and gets the same ciphertext holds the same IWKey; any
//! other IWKey makes the instruction fail (ZF=1). ENCODEKEY also reports
//! the loaded key's KeySource and NoBackup; a CPU must report what the
//! first one did, so a hypervisor cannot reload a key it claimed to be
//! hardware-random as one it knows.

use kernel::{
    prelude::*,
    random,
    secret::Secret,
    x86::keylocker::{
        iwkey::KlCpu,
        Block,
        Generation,
        Handle as _,
        Handle128,
        Restrictions,
        WrappingKeyInfo, //
    },
};

/// A handle and the ciphertext it must produce.
pub(crate) struct Canary {
    /// The restrictions of every handle the kernel makes in this generation.
    restrictions: Restrictions,
    handle: Handle128,
    expected: Block,
}

/// The block the canary encrypts.
const PLAINTEXT: Block = *b"Key Locker canar";

/// The throwaway AES key of a canary, drawn before the FPU section that
/// wraps it: the kernel's random generator may sleep on PREEMPT_RT, and an
/// FPU section does not.
pub(crate) struct CanaryKey(Secret<16>);

impl CanaryKey {
    /// Draws a key from the kernel's CRNG.
    pub(crate) fn random() -> Self {
        let mut key = Secret::<16>::zeroed();
        random::fill_bytes(key.as_mut());
        Self(key)
    }
}

impl Canary {
    /// Makes a canary from `key` under the IWKey of `cpu`, for
    /// `generation`, with `restrictions`, those of every handle the kernel
    /// makes in it. The key is wiped when dropped.
    pub(crate) fn new(
        cpu: &KlCpu<'_>,
        key: CanaryKey,
        generation: Generation,
        restrictions: Restrictions,
    ) -> Result<Self> {
        let handle = cpu.encode128(generation, key.0.as_ref(), restrictions)?;
        let mut expected = PLAINTEXT;
        handle.encrypt(cpu.fpu(), &mut expected).map_err(|_| EIO)?;
        Ok(Self {
            restrictions,
            handle,
            expected,
        })
    }

    /// The wrapping key the canary was made under, as ENCODEKEY reported it.
    pub(crate) fn wrapping_key(&self) -> WrappingKeyInfo {
        self.handle.wrapping_key()
    }

    /// Checks that `cpu` holds the IWKey the canary was made under, with
    /// the same KeySource and NoBackup; says why not.
    pub(crate) fn check(&self, cpu: &KlCpu<'_>) -> Result<(), &'static str> {
        let mut block = PLAINTEXT;
        if self.handle.encrypt(cpu.fpu(), &mut block).is_err() || block != self.expected {
            return Err("the CPU does not hold the key (canary)");
        }
        // A throwaway key: only what ENCODEKEY reports matters.
        let here = cpu
            .encode128(self.handle.generation(), &[0; 16], self.restrictions)
            .map_err(|_| "ENCODEKEY failed")?
            .wrapping_key();
        let first = self.wrapping_key();
        if here.hardware_random != first.hardware_random {
            Err(if first.hardware_random {
                "its key is not hardware-random (KeySource=0), unlike the first CPU's"
            } else {
                "its key's KeySource differs from the first CPU's"
            })
        } else if here.no_backup != first.no_backup {
            Err("its key's NoBackup differs from the first CPU's")
        } else {
            Ok(())
        }
    }
}
