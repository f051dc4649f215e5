// SPDX-License-Identifier: GPL-2.0

//! The KVM paravirtual interface as a guest sees it.
//!
//! C header: [`include/linux/kvm_para.h`](srctree/include/linux/kvm_para.h)

#[cfg(CONFIG_KVM_GUEST)]
use crate::bindings;

/// Whether a KVM-compatible host offers paravirtual feature `feature` (one of
/// the `KVM_FEATURE_*` bit numbers of `uapi/asm/kvm_para.h`).
///
/// Like `kvm_para_has_feature()`: always `false` in a kernel built without
/// `CONFIG_KVM_GUEST`. Built in only, as `kvm_arch_para_features()` is not
/// exported; this is inlined into its callers.
///
/// # Examples
///
/// ```
/// use kernel::{bindings, x86::kvm_para};
///
/// // Without a KVM host there are no KVM features.
/// if !kernel::x86::cpuid::Feature::HYPERVISOR.boot_cpu_has() {
///     assert!(!kvm_para::has_feature(bindings::KVM_FEATURE_CLOCKSOURCE2));
/// }
/// ```
#[inline]
pub fn has_feature(feature: u32) -> bool {
    #[cfg(CONFIG_KVM_GUEST)]
    {
        // SAFETY: `kvm_arch_para_features` reads the host's feature leaf, or
        // returns 0 without a KVM host; it has no preconditions.
        let features = unsafe { bindings::kvm_arch_para_features() };
        feature < u32::BITS && features & (1 << feature) != 0
    }
    #[cfg(not(CONFIG_KVM_GUEST))]
    {
        let _ = feature;
        false
    }
}
