// SPDX-License-Identifier: GPL-2.0

//! What each CPU offers for Key Locker, and what a mode needs of every CPU.
//!
//! The CPUs of one machine need not be alike: a hot-added CPU, or a vCPU
//! the hypervisor configured differently, may lack Key Locker or part of
//! it. So everything here is read on the CPU it describes, never taken
//! from the boot CPU for another: a mode is chosen only when every online
//! CPU offers what it needs, the optional features in use are those every
//! CPU offers, and a CPU that comes online without them loses the key.

use crate::mode::Mode;
use kernel::{
    prelude::*,
    x86::{
        bugs,
        cpuid::{
            Feature,
            Leaf, //
        },
        keylocker::Features,
    },
};

/// CPUID bits (Documentation/arch/x86/keylocker.rst lists them).
const LEAF7_ECX_KL: u32 = 1 << 23;
const EAX_CPL0_ONLY: u32 = 1 << 0;
const EBX_AESKLE: u32 = 1 << 0;
const EBX_WIDE: u32 = 1 << 2;
const EBX_BACKUP: u32 = 1 << 4;
const ECX_NOBACKUP: u32 = 1 << 0;
const ECX_RANDOM: u32 = 1 << 1;

/// What one CPU enumerates for Key Locker.
#[derive(Copy, Clone, Debug, Default)]
pub(crate) struct Caps {
    /// Key Locker itself (CPUID.(7,0):ECX[23] and leaf 0x19).
    pub(crate) keylocker: bool,
    /// The IWKey backup MSRs exist.
    pub(crate) backup: bool,
    /// LOADIWKEY accepts NoBackup.
    pub(crate) nobackup: bool,
    /// LOADIWKEY accepts KeySource=1 (hardware randomisation).
    pub(crate) random: bool,
    /// The optional features the AES-KL users may rely on.
    pub(crate) features: Features,
}

impl Caps {
    /// Whether the boot CPUs have Key Locker and it is not hidden with
    /// `clearcpuid=keylocker`; the core exists only if so.
    pub(crate) fn boot_cpu_has_keylocker() -> bool {
        Feature::KEYLOCKER.boot_cpu_has() && Leaf::max_basic() >= 0x19
    }

    /// Reads what the CPU this runs on enumerates.
    ///
    /// This is the CPU's own CPUID, not the kernel's feature flags: those of
    /// the boot CPU become what all CPUs share as CPUs come online, so they
    /// cannot tell which CPU lacks a feature.
    pub(crate) fn this_cpu() -> Self {
        if Leaf::max_basic() < 0x19 || Leaf::read(7, 0).ecx & LEAF7_ECX_KL == 0 {
            return Self::default();
        }
        let l = Leaf::read(0x19, 0);
        Self {
            keylocker: true,
            backup: l.ebx & EBX_BACKUP != 0,
            nobackup: l.ecx & ECX_NOBACKUP != 0,
            random: l.ecx & ECX_RANDOM != 0,
            features: Features {
                wide: l.ebx & EBX_WIDE != 0,
                cpl0_only: l.eax & EAX_CPL0_ONLY != 0,
            },
        }
    }

    /// What both `self` and `other` offer.
    pub(crate) fn both(self, other: Self) -> Self {
        Self {
            keylocker: self.keylocker && other.keylocker,
            backup: self.backup && other.backup,
            nobackup: self.nobackup && other.nobackup,
            random: self.random && other.random,
            features: Features {
                wide: self.features.wide && other.features.wide,
                cpl0_only: self.features.cpl0_only && other.features.cpl0_only,
            },
        }
    }

    /// What a CPU with these capabilities lacks to be brought into `mode`.
    pub(crate) fn lacks_for(&self, mode: Mode) -> Option<&'static str> {
        if !self.keylocker {
            Some("no Key Locker")
        } else if mode == Mode::NativeRandomKey && !self.random {
            Some("no hardware key source (KeySource=1)")
        } else if mode.restores_from_backup() && !self.backup {
            Some("no IWKey backup MSRs")
        } else {
            None
        }
    }

    /// What a CPU with these capabilities lacks to run `mode` while the
    /// AES-KL users rely on `features`.
    pub(crate) fn lacks_to_run(&self, mode: Mode, features: Features) -> Option<&'static str> {
        if !self.keylocker {
            Some("no Key Locker")
        } else if mode.restores_from_backup() && !self.backup {
            Some("no IWKey backup MSRs")
        } else if features.wide && !self.features.wide {
            Some("no wide Key Locker instructions")
        } else if features.cpl0_only && !self.features.cpl0_only {
            Some("no CPL0-only handle restriction")
        } else {
            None
        }
    }
}

/// Refuses every mode on a CPU whose vulnerabilities defeat Key Locker;
/// logs and returns `EOPNOTSUPP`.
pub(crate) fn check_vulnerabilities(mode: Mode) -> Result {
    let why = if bugs::gds_unmitigated() {
        "vulnerable to GDS without the microcode mitigation"
    } else if bugs::rfds_unmitigated() {
        "vulnerable to RFDS without mitigation"
    } else {
        return Ok(());
    };
    pr_err!("{}: not supported on this machine: {}\n", mode.name(), why);
    Err(EOPNOTSUPP)
}

/// The LOADIWKEY control bits (NoBackup, KeySource=1) the current CPU
/// offers, as they sit in EAX.
pub(crate) fn loadiwkey_controls() -> u32 {
    if Leaf::max_basic() < 0x19 {
        return 0;
    }
    let ecx = Leaf::read(0x19, 0).ecx;
    u32::from(ecx & ECX_NOBACKUP != 0) | (u32::from(ecx & ECX_RANDOM != 0) << 1)
}

/// Whether the current CPU's AES Key Locker instructions are enabled by
/// firmware; meaningful only with CR4.KL set on this CPU.
pub(crate) fn aeskle() -> bool {
    Leaf::read(0x19, 0).ebx & EBX_AESKLE != 0
}
