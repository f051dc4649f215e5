// SPDX-License-Identifier: GPL-2.0

//! What one CPU enumerates for Key Locker: `CPUID.(7,0):ECX[23]` and leaf 0x19.

use super::{
    Features,
    Restrictions, //
};
use crate::x86::cpuid::Leaf;

const LEAF7_ECX_KL: u32 = 1 << 23;
const EAX_RESTRICTIONS: u32 = 0x7;
const EAX_CPL0_ONLY: u32 = 1 << 0;
const EBX_AESKLE: u32 = 1 << 0;
const EBX_WIDE: u32 = 1 << 2;
const EBX_BACKUP: u32 = 1 << 4;
const ECX_NOBACKUP: u32 = 1 << 0;
const ECX_RANDOM: u32 = 1 << 1;

/// Key Locker as the CPU this is read on enumerates it.
///
/// The CPUs of one machine need not be alike (a hot-added CPU, a vCPU the
/// hypervisor configured differently), so this is always read on the CPU it
/// describes, never taken from the boot CPU for another. All fields are
/// `false` on a CPU without Key Locker.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Enumeration {
    /// Key Locker itself (`CPUID.(7,0):ECX[23]`, with leaf 0x19 present).
    pub keylocker: bool,
    /// The AES Key Locker instructions are enabled (`CPUID.19H:EBX[0]`,
    /// AESKLE): CR4.KL is set on this CPU and firmware did not disable them.
    pub aeskle: bool,
    /// The IWKey backup MSRs exist (`CPUID.19H:EBX[4]`).
    pub backup: bool,
    /// LOADIWKEY accepts NoBackup (`CPUID.19H:ECX[0]`).
    pub nobackup: bool,
    /// LOADIWKEY accepts KeySource=1, hardware randomisation (`CPUID.19H:ECX[1]`).
    pub random: bool,
    /// The optional features AES-KL users may rely on.
    pub features: Features,
    restrictions: Restrictions,
}

impl Enumeration {
    /// Reads what the CPU this runs on enumerates.
    ///
    /// AESKLE follows CR4.KL, so the result describes this CPU at this
    /// moment only.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::x86::keylocker::Enumeration;
    ///
    /// let e = Enumeration::this_cpu();
    /// // Nothing of leaf 0x19 counts on a CPU without Key Locker.
    /// if !e.keylocker {
    ///     assert_eq!(e, Enumeration::default());
    /// }
    /// ```
    pub fn this_cpu() -> Self {
        if Leaf::max_basic() < 0x19 || Leaf::read(7, 0).ecx & LEAF7_ECX_KL == 0 {
            return Self::default();
        }
        let l = Leaf::read(0x19, 0);
        Self {
            keylocker: true,
            aeskle: l.ebx & EBX_AESKLE != 0,
            backup: l.ebx & EBX_BACKUP != 0,
            nobackup: l.ecx & ECX_NOBACKUP != 0,
            random: l.ecx & ECX_RANDOM != 0,
            features: Features {
                wide: l.ebx & EBX_WIDE != 0,
                cpl0_only: l.eax & EAX_CPL0_ONLY != 0,
            },
            restrictions: Restrictions::from_bits(l.eax & EAX_RESTRICTIONS),
        }
    }

    /// What both `self` and `other` offer.
    pub fn both(self, other: Self) -> Self {
        Self {
            keylocker: self.keylocker && other.keylocker,
            aeskle: self.aeskle && other.aeskle,
            backup: self.backup && other.backup,
            nobackup: self.nobackup && other.nobackup,
            random: self.random && other.random,
            features: Features {
                wide: self.features.wide && other.features.wide,
                cpl0_only: self.features.cpl0_only && other.features.cpl0_only,
            },
            restrictions: Restrictions::from_bits(
                self.restrictions.bits() & other.restrictions.bits(),
            ),
        }
    }

    /// Whether the CPU runs the Key Locker instructions that users relying
    /// on `features` run: AESKLE is set, and so is every feature in use.
    pub fn runs(&self, features: Features) -> bool {
        self.aeskle
            && (!features.wide || self.features.wide)
            && (!features.cpl0_only || self.features.cpl0_only)
    }

    /// The handle restrictions the CPU supports (`CPUID.19H:EAX[2:0]`).
    pub fn restrictions(&self) -> Restrictions {
        self.restrictions
    }

    /// The LOADIWKEY control bits (NoBackup, KeySource=1) the CPU accepts,
    /// as they sit in EAX.
    pub(super) fn loadiwkey_controls(&self) -> u32 {
        u32::from(self.nobackup) | (u32::from(self.random) << 1)
    }
}
