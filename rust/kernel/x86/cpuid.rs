// SPDX-License-Identifier: GPL-2.0

//! CPUID: what the processor enumerates.
//!
//! C header: [`arch/x86/include/asm/cpufeature.h`](srctree/arch/x86/include/asm/cpufeature.h)

use crate::bindings;

/// The four registers a CPUID leaf returns.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    /// EAX.
    pub eax: u32,
    /// EBX.
    pub ebx: u32,
    /// ECX.
    pub ecx: u32,
    /// EDX.
    pub edx: u32,
}

impl Leaf {
    /// Reads `leaf`, sub-leaf `subleaf`, on the CPU this runs on.
    ///
    /// Leaves that change with control registers (such as Key Locker's
    /// AESKLE bit, which follows CR4.KL) describe the current CPU only.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::x86::cpuid::Leaf;
    ///
    /// // Leaf 0 returns the vendor string in EBX, EDX, ECX.
    /// let l = Leaf::read(0, 0);
    /// assert!(l.eax >= 1);
    /// assert!(l.ebx != 0);
    /// ```
    pub fn read(leaf: u32, subleaf: u32) -> Self {
        // SAFETY: CPUID is available on every x86-64 CPU and has no side
        // effects besides writing the four registers, which the intrinsic
        // (including its save of RBX) handles.
        let r = unsafe { core::arch::x86_64::__cpuid_count(leaf, subleaf) };
        Self {
            eax: r.eax,
            ebx: r.ebx,
            ecx: r.ecx,
            edx: r.edx,
        }
    }

    /// Returns the highest basic leaf the CPU implements.
    pub fn max_basic() -> u32 {
        Self::read(0, 0).eax
    }
}

/// A CPU feature in the kernel's capability words (`X86_FEATURE_*`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Feature(u16);

impl Feature {
    /// Key Locker (`CPUID.(7,0):ECX[23]`).
    pub const KEYLOCKER: Self = Self(bindings::X86_FEATURE_KEYLOCKER as u16);
    /// AVX (`CPUID.1:ECX[28]`).
    pub const AVX: Self = Self(bindings::X86_FEATURE_AVX as u16);
    /// A hypervisor is present (`CPUID.1:ECX[31]`).
    pub const HYPERVISOR: Self = Self(bindings::X86_FEATURE_HYPERVISOR as u16);

    /// Returns whether the boot CPU has this feature after the kernel's own
    /// filtering (`clearcpuid=`, dependencies, errata).
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::x86::cpuid::Feature;
    ///
    /// // A feature the kernel reports must also be enumerated by CPUID.
    /// if Feature::KEYLOCKER.boot_cpu_has() {
    ///     let l = kernel::x86::cpuid::Leaf::read(7, 0);
    ///     assert!(l.ecx & (1 << 23) != 0);
    /// }
    /// ```
    pub fn boot_cpu_has(self) -> bool {
        // SAFETY: `boot_cpu_has` only reads `boot_cpu_data`, which is set up
        // before any Rust code runs; `self.0` is a valid feature number.
        unsafe { bindings::boot_cpu_has(self.0) }
    }
}
