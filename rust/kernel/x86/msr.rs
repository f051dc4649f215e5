// SPDX-License-Identifier: GPL-2.0

//! Reading model-specific registers.
//!
//! Only reads are offered here. Writes change processor state in ways the
//! type system cannot describe, so each subsystem that needs them keeps its
//! own narrowly scoped, reviewed writer.
//!
//! C header: [`arch/x86/include/asm/msr.h`](srctree/arch/x86/include/asm/msr.h)

use crate::{
    bindings,
    error::{code::EIO, Result}, //
};

/// Reads `msr` on the current CPU.
///
/// Returns `EIO` if the read faults (the MSR does not exist on this CPU).
///
/// # Examples
///
/// ```
/// use kernel::x86::msr;
///
/// // IA32_TSC (0x10) exists on every x86-64 CPU and counts up.
/// let a = msr::read_safe(0x10)?;
/// let b = msr::read_safe(0x10)?;
/// assert!(b >= a);
/// # Ok::<(), Error>(())
/// ```
pub fn read_safe(msr: u32) -> Result<u64> {
    let mut val = 0u64;
    // SAFETY: `rdmsrq_safe` catches the #GP of a missing MSR and writes only
    // to `val`, which is valid for writes.
    if unsafe { bindings::rdmsrq_safe(msr, &mut val) } != 0 {
        return Err(EIO);
    }
    Ok(val)
}
