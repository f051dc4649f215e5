// SPDX-License-Identifier: GPL-2.0

//! The core's hooks into CPU hotplug and system suspend.

use crate::policy;
use kernel::{
    cpu::CpuId,
    cpuhp,
    prelude::*,
    syscore, //
};

/// A CPU coming online gets the key before it runs anything.
pub(crate) struct Hotplug;

#[vtable]
impl cpuhp::Callbacks for Hotplug {
    fn startup(_cpu: CpuId) -> Result {
        policy::reenter("coming online");
        Ok(())
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
