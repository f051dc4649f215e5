// SPDX-License-Identifier: GPL-2.0

//! CPU vulnerabilities that defeat a feature, and whether they are mitigated.
//!
//! Built in only: the C functions that say whether a mitigation is in effect
//! are not exported to modules (`rfds_mitigated()` not at all,
//! `gds_ucode_mitigated()` only to KVM), and these are `#[inline]`, so the
//! kernel crate exports nothing that calls them: a module that uses this
//! fails to link.
//!
//! C header: [`arch/x86/include/asm/processor.h`](srctree/arch/x86/include/asm/processor.h)

use crate::bindings;

#[inline]
fn has_bug(bug: u16) -> bool {
    // SAFETY: `boot_cpu_has_bug` only reads `boot_cpu_data`, set up before
    // any Rust code runs; `bug` is a valid bug number.
    unsafe { bindings::boot_cpu_has_bug(bug) }
}

/// Whether the CPU is affected by Gather Data Sampling and the microcode
/// mitigation is not in effect: vector register contents, AES keys among
/// them, can then leak to other contexts.
#[inline]
pub fn gds_unmitigated() -> bool {
    // SAFETY: `gds_ucode_mitigated` reads a value fixed at boot.
    has_bug(bindings::X86_BUG_GDS) && !unsafe { bindings::gds_ucode_mitigated() }
}

/// Whether the CPU is affected by Register File Data Sampling and the VERW
/// mitigation is not in effect.
#[inline]
pub fn rfds_unmitigated() -> bool {
    // SAFETY: `rfds_mitigated` reads a value fixed at boot.
    has_bug(bindings::X86_BUG_RFDS) && !unsafe { bindings::rfds_mitigated() }
}
