// SPDX-License-Identifier: GPL-2.0

//! Guest side of the paravirtual Key Locker protocol
//! (Documentation/virt/kvm/x86/keylocker.rst).
//!
//! The hypervisor advertises the protocol with a feature bit in its KVM
//! CPUID leaves and takes requests through one MSR. On success it has
//! loaded the same IWKey into every vCPU, and keeps doing so for vCPUs that
//! are hot-added or resume from S3. The guest cannot verify what the host
//! says about the key: `paravirt_random` protects against disclosure of
//! guest memory, not against a malicious host.

use crate::{iwkey, mode::Mode};
use kernel::{
    bindings,
    prelude::*,
    x86::{
        cpuid::{
            Feature,
            Leaf, //
        },
        msr,
    },
};

const REQUEST_ANY: u64 = 1;
const REQUEST_RANDOM: u64 = 2;
const RESPONSE_SUCCESS: u64 = 1 << 0;
const RESPONSE_REFUSED: u64 = 1 << 63;
const SOURCE_HARDWARE_RANDOM: u64 = 1;

/// Finds the KVM CPUID leaves and checks for the Key Locker feature bit.
fn host_offers() -> bool {
    if !Feature::HYPERVISOR.boot_cpu_has() {
        return false;
    }
    (0x4000_0000u32..0x4001_0000).step_by(0x100).any(|base| {
        let l = Leaf::read(base, 0);
        let mut sig = [0u8; 12];
        sig[0..4].copy_from_slice(&l.ebx.to_le_bytes());
        sig[4..8].copy_from_slice(&l.ecx.to_le_bytes());
        sig[8..12].copy_from_slice(&l.edx.to_le_bytes());
        &sig == b"KVMKVMKVM\0\0\0"
            && l.eax > base
            && Leaf::read(base + 1, 0).eax & (1 << bindings::KVM_FEATURE_KEYLOCKER) != 0
    })
}

/// Asks the host to load a key for `mode`; `EOPNOTSUPP` (logged) if there
/// is no such host or it refuses.
pub(crate) fn request(mode: Mode) -> Result {
    if !host_offers() {
        pr_err!("{}: no paravirtual Key Locker host\n", mode.name());
        return Err(EOPNOTSUPP);
    }
    let request = if mode == Mode::ParavirtRandom {
        REQUEST_RANDOM
    } else {
        REQUEST_ANY
    };
    let response = iwkey::write_msr(bindings::MSR_KVM_KEYLOCKER, request)
        .and_then(|()| msr::read_safe(bindings::MSR_KVM_KEYLOCKER))
        .map_err(|_| {
            pr_err!(
                "{}: the host advertises the protocol but its MSR faults\n",
                mode.name()
            );
            EOPNOTSUPP
        })?;
    let source = (response >> 1) & 0xf;
    if response & RESPONSE_REFUSED != 0 || response & RESPONSE_SUCCESS == 0 {
        pr_err!(
            "{}: the host refused (response {:#x})\n",
            mode.name(),
            response
        );
        return Err(EOPNOTSUPP);
    }
    if mode == Mode::ParavirtRandom && source != SOURCE_HARDWARE_RANDOM {
        pr_err!("{}: the host's key is not hardware-random\n", mode.name());
        return Err(EOPNOTSUPP);
    }
    Ok(())
}
