// SPDX-License-Identifier: GPL-2.0

//! The verification canary: proof that a CPU holds the system's IWKey.
//!
//! There is no way to read an IWKey back, so the core checks a CPU by using
//! it: at initialisation it wraps a throwaway AES key into a handle and
//! records the ciphertext of a fixed block. A CPU that encrypts the block
//! with that handle and gets the same ciphertext holds the same IWKey; any
//! other IWKey makes the instruction fail (ZF=1).

use crate::iwkey::KlCpu;
use kernel::{
    prelude::*,
    random,
    secret::Secret,
    x86::keylocker::{
        Block,
        Enabled,
        Generation,
        Handle128,
        Restrictions, //
    },
};

/// A handle and the ciphertext it must produce.
pub(crate) struct Canary {
    handle: Handle128,
    expected: Block,
}

/// The block the canary encrypts.
const PLAINTEXT: Block = *b"Key Locker canar";

impl Canary {
    /// Makes a canary under the IWKey of `cpu`, for `generation`, with the
    /// restrictions of every handle the kernel makes.
    pub(crate) fn new(cpu: &KlCpu<'_>, generation: Generation) -> Result<Self> {
        let mut key = Secret::<16>::zeroed();
        random::fill_bytes(key.as_mut());
        // SAFETY: The canary is used only on CPUs where the core has just
        // set CR4.KL (`KlCpu`), and CR4.KL stays set on CPUs that have it
        // while the canary exists: the core clears it only after dropping
        // a canary of a failed initialisation.
        let enabled = unsafe { Enabled::new_unchecked(generation) };
        let handle = Handle128::encode(&enabled, cpu.fpu(), key.as_ref(), Restrictions::kernel())?;
        let mut expected = PLAINTEXT;
        handle.encrypt(cpu.fpu(), &mut expected).map_err(|_| EIO)?;
        Ok(Self { handle, expected })
    }

    /// Whether `cpu` holds the IWKey the canary was made under.
    pub(crate) fn check(&self, cpu: &KlCpu<'_>) -> bool {
        let mut block = PLAINTEXT;
        self.handle.encrypt(cpu.fpu(), &mut block).is_ok() && block == self.expected
    }
}
