// SPDX-License-Identifier: GPL-2.0

//! x86 processor facilities: CPUID, vulnerabilities, MSRs, the kernel FPU
//! section, the KVM paravirtual interface and Key Locker.

#[cfg(CONFIG_X86_KEYLOCKER)]
pub mod bugs;
pub mod cpuid;
pub mod fpu;
#[cfg(CONFIG_X86_KEYLOCKER)]
pub mod keylocker;
pub mod kvm_para;
pub mod msr;
