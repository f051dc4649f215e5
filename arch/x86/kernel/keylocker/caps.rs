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
        keylocker::{
            Enumeration,
            Features, //
        },
    },
};

/// Whether the boot CPU has Key Locker and it is not hidden with
/// `clearcpuid=keylocker`; the core exists only if so.
pub(crate) fn boot_cpu_has_keylocker() -> bool {
    Feature::KEYLOCKER.boot_cpu_has() && Leaf::max_basic() >= 0x19
}

/// What a CPU enumerating `cpu` lacks to be brought into `mode`.
pub(crate) fn lacks_for(cpu: &Enumeration, mode: Mode) -> Option<&'static str> {
    if !cpu.keylocker {
        Some("no Key Locker")
    } else if mode == Mode::NativeRandomKey && !cpu.random {
        Some("no hardware key source (KeySource=1)")
    } else if mode.restores_from_backup() && !cpu.backup {
        Some("no IWKey backup MSRs")
    } else {
        None
    }
}

/// What a CPU enumerating `cpu` lacks to run `mode` while the AES-KL users
/// rely on `features`.
pub(crate) fn lacks_to_run(
    cpu: &Enumeration,
    mode: Mode,
    features: Features,
) -> Option<&'static str> {
    if !cpu.keylocker {
        Some("no Key Locker")
    } else if mode.restores_from_backup() && !cpu.backup {
        Some("no IWKey backup MSRs")
    } else if features.wide && !cpu.features.wide {
        Some("no wide Key Locker instructions")
    } else if features.cpl0_only && !cpu.features.cpl0_only {
        Some("no CPL0-only handle restriction")
    } else {
        None
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
