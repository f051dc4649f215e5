// SPDX-License-Identifier: GPL-2.0

//! The core's hooks into CPU hotplug and system suspend.

use crate::policy;
use kernel::{
    cpu::CpuId,
    prelude::*,
    syscore,
    x86::keylocker::iwkey, //
};

/// A CPU coming online gets the key before it runs anything.
pub(crate) struct Hotplug;

impl iwkey::Starting for Hotplug {
    fn starting(_cpu: CpuId) {
        policy::reenter("coming online");
    }
}

/// The boot CPU gets the key back first thing on resume (S3 and S4); the
/// other CPUs come back through [`Hotplug`].
pub(crate) struct Resume;

#[vtable]
impl syscore::Operations for Resume {
    fn resume() {
        policy::reenter("resume");
    }
}
