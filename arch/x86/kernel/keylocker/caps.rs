// SPDX-License-Identifier: GPL-2.0

//! What this machine offers for Key Locker, and which mode it can run.

use crate::mode::Mode;
use kernel::{
    prelude::*,
    x86::{
        bugs,
        cpuid::{
            Feature,
            Leaf, //
        },
    },
};

/// CPUID.19H bits (Documentation/arch/x86/keylocker.rst lists them).
const EBX_AESKLE: u32 = 1 << 0;
const EBX_BACKUP: u32 = 1 << 4;
const ECX_NOBACKUP: u32 = 1 << 0;
const ECX_RANDOM: u32 = 1 << 1;

/// The Key Locker sub-features the boot CPU enumerates.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Caps {
    /// The IWKey backup MSRs exist.
    pub(crate) backup: bool,
    /// LOADIWKEY accepts NoBackup.
    pub(crate) nobackup: bool,
    /// LOADIWKEY accepts KeySource=1 (hardware randomisation).
    pub(crate) random: bool,
}

impl Caps {
    /// Reads the enumeration, or `None` if there is no Key Locker at all
    /// (including `clearcpuid=keylocker`).
    pub(crate) fn probe() -> Option<Self> {
        if !Feature::KEYLOCKER.boot_cpu_has() || Leaf::max_basic() < 0x19 {
            return None;
        }
        let l = Leaf::read(0x19, 0);
        Some(Self {
            backup: l.ebx & EBX_BACKUP != 0,
            nobackup: l.ecx & ECX_NOBACKUP != 0,
            random: l.ecx & ECX_RANDOM != 0,
        })
    }

    /// Checks the prerequisites of `mode` that the CPU answers (features
    /// and unmitigated vulnerabilities); logs and returns `EOPNOTSUPP` if
    /// one is missing.
    pub(crate) fn check(&self, mode: Mode) -> Result {
        let missing = match mode {
            _ if bugs::gds_unmitigated() => {
                Some("vulnerable to GDS without the microcode mitigation")
            }
            _ if bugs::rfds_unmitigated() => Some("vulnerable to RFDS without mitigation"),
            Mode::NativeRandomKey if !self.random => Some("no hardware key source (KeySource=1)"),
            Mode::NativeRandomKey | Mode::KernelKeyBackup if !self.backup => {
                Some("no IWKey backup MSRs")
            }
            _ => None,
        };
        match missing {
            Some(why) => {
                pr_err!("{}: not supported on this machine: {}\n", mode.name(), why);
                Err(EOPNOTSUPP)
            }
            None => Ok(()),
        }
    }
}

/// Whether the current CPU's AES Key Locker instructions are enabled by
/// firmware; meaningful only with CR4.KL set on this CPU.
pub(crate) fn aeskle() -> bool {
    Leaf::read(0x19, 0).ebx & EBX_AESKLE != 0
}
