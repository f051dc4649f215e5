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

use crate::mode::Mode;
use kernel::{
    prelude::*,
    x86::keylocker::iwkey, //
};

const REQUEST_ANY: u64 = 1;
const REQUEST_RANDOM: u64 = 2;
const RESPONSE_SUCCESS: u64 = 1 << 0;
const RESPONSE_REFUSED: u64 = 1 << 63;
const SOURCE_HARDWARE_RANDOM: u64 = 1;

/// Asks the host to load a key for `mode`; `EOPNOTSUPP` (logged) if there
/// is no such host or it refuses.
pub(crate) fn request(mode: Mode) -> Result {
    if !iwkey::paravirt_offered() {
        pr_err!("{}: no paravirtual Key Locker host\n", mode.name());
        return Err(EOPNOTSUPP);
    }
    let request = if mode == Mode::ParavirtRandom {
        REQUEST_RANDOM
    } else {
        REQUEST_ANY
    };
    let response = iwkey::paravirt_request(request).map_err(|_| {
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
