// SPDX-License-Identifier: GPL-2.0

//! Kernel-mode FPU/SIMD sections.
//!
//! Kernel code may touch the xmm registers only between
//! `kernel_fpu_begin()` and `kernel_fpu_end()`, which save the user's
//! registers and disable preemption. [`KernelFpu`] is that section as a
//! guard: code that needs SIMD takes a `&KernelFpu`, so it cannot run
//! outside one.
//!
//! C header: [`arch/x86/include/asm/fpu/api.h`](srctree/arch/x86/include/asm/fpu/api.h)

use crate::{
    bindings,
    types::NotThreadSafe,
    x86::cpuid::Feature, //
};
use core::ptr;

/// An open kernel FPU section; it ends when the guard is dropped.
///
/// Preemption is disabled while the guard lives, so the holder must not
/// sleep and should keep the section short (the kernel's AES glue bounds it
/// to one walk step). The guard cannot move to another thread.
///
/// Interrupts must be enabled or disabled when the guard is dropped as they
/// were when it was made: `kernel_fpu_begin()` disables softirqs (on
/// PREEMPT_RT, preemption) only if interrupts are on, and
/// `kernel_fpu_end()` undoes that according to the state it finds. A
/// holder that drops the guard inside an interrupt-disabling section it
/// opened after the guard (or the reverse) unbalances that count; the drop
/// warns when it sees the state changed.
///
/// # Invariants
///
/// `kernel_fpu_begin_mask()` has been called on this CPU, with interrupts
/// disabled exactly if `irqs_disabled`, and `kernel_fpu_end()` has not been
/// called since.
///
/// # Examples
///
/// ```
/// use kernel::x86::fpu::KernelFpu;
///
/// // Task context, no other section open: SIMD is usable.
/// let fpu = KernelFpu::begin().expect("FPU usable in task context");
/// drop(fpu);
/// ```
#[must_use = "the FPU section ends when the guard is dropped"]
pub struct KernelFpu {
    irqs_disabled: bool,
    _not_send: NotThreadSafe,
}

impl KernelFpu {
    /// Opens a section if SIMD may be used in the current context.
    ///
    /// Returns `None` where it may not (for instance in an interrupt that
    /// arrived while another kernel FPU section was open); callers then take
    /// a non-SIMD path or defer the work.
    #[inline]
    pub fn begin() -> Option<Self> {
        // SAFETY: `irq_fpu_usable` only inspects the current context.
        if !unsafe { bindings::irq_fpu_usable() } {
            return None;
        }
        let irqs_disabled = irqs_disabled();
        // SAFETY: SIMD is usable here, as just checked; the matching
        // `kernel_fpu_end()` is in `Drop`.
        unsafe { bindings::kernel_fpu_begin_mask(bindings::KFPU_MXCSR) };
        // INVARIANT: The section was opened above, with interrupts as read
        // just before (nothing in between changes them).
        Some(Self {
            irqs_disabled,
            _not_send: NotThreadSafe,
        })
    }
}

impl Drop for KernelFpu {
    #[inline]
    fn drop(&mut self) {
        crate::warn_on!(irqs_disabled() != self.irqs_disabled);
        // SAFETY: By the type invariant a section is open on this CPU (the
        // guard is not `Send`, and preemption is off, so it is still the
        // same CPU).
        unsafe { bindings::kernel_fpu_end() };
    }
}

#[inline]
fn irqs_disabled() -> bool {
    // SAFETY: Reads the current CPU's interrupt flag, nothing else.
    unsafe { bindings::irqs_disabled() }
}

/// Proof that kernel FPU sections may use AVX: the VEX-encoded forms of the
/// SSE instructions on xmm registers, which take three operands and
/// unaligned memory operands.
///
/// Only [`Avx::get`] makes one.
///
/// # Invariants
///
/// The kernel reports AVX on the boot CPU and enabled the SSE and YMM
/// register state in XCR0 on every CPU, so VEX-encoded instructions on xmm
/// registers do not raise #UD (the kernel requires every CPU to have the
/// boot CPU's features).
///
/// # Examples
///
/// ```
/// use kernel::x86::{cpuid::Feature, fpu::Avx};
///
/// if Avx::get().is_some() {
///     assert!(Feature::AVX.boot_cpu_has());
/// }
/// ```
#[derive(Copy, Clone, Debug)]
pub struct Avx(());

impl Avx {
    /// Returns the proof if the kernel has AVX, checked as the AES-NI glue
    /// checks it and, as its VAES glue does, in XCR0 too: a hypervisor may
    /// report AVX without the register state that XSAVE enumerates.
    pub fn get() -> Option<Self> {
        let state =
            (1u64 << bindings::xfeature_XFEATURE_SSE) | (1u64 << bindings::xfeature_XFEATURE_YMM);
        // SAFETY: `cpu_has_xfeatures` reads the kernel's XSAVE configuration,
        // set up at boot, and takes a null name pointer.
        let enabled = unsafe { bindings::cpu_has_xfeatures(state, ptr::null_mut()) } != 0;
        // INVARIANT: Both checked just above.
        (Feature::AVX.boot_cpu_has() && enabled).then_some(Self(()))
    }
}
