// SPDX-License-Identifier: GPL-2.0

//! Intel Key Locker core: the wrapping key, loaded in the mode the
//! administrator picks.
//!
//! Linux does not initialise Key Locker on its own. Until a mode is written
//! to `/sys/devices/system/cpu/keylocker/mode` (or given as
//! `keylocker.mode=`), CR4.KL stays clear. This built-in code decides
//! everything that changes the processor's Key Locker state: CR4.KL,
//! LOADIWKEY, the IWKey backup MSRs and the published state, through
//! `kernel::x86::keylocker::iwkey`, which modules cannot link against.
//!
//! Reference: Documentation/arch/x86/keylocker.rst

use kernel::{
    cpu::sysfs::RootGroup,
    prelude::*,
    random,
    syscore,
    workqueue,
    x86::keylocker::iwkey, //
};

mod canary;
mod caps;
mod events;
mod mode;
mod paravirt;
mod policy;
mod sysfs;

module! {
    type: KeyLocker,
    name: "keylocker",
    authors: ["Seed 224b9491 maintainers <maintainers@users.noreply.r-seed-224b9491.example>"],
    description: "Intel Key Locker: wrapping key in an administrator-chosen mode",
    license: "GPL",
}

/// What stays registered for the life of the system.
#[pin_data]
struct Registrations {
    #[pin]
    resume: syscore::Registration<events::Resume>,
    #[pin]
    files: RootGroup<3>,
}

struct KeyLocker {
    _registrations: Option<Pin<KBox<Registrations>>>,
}

/// Applies `keylocker.mode=` as if it had been written to `mode`.
///
/// A mode whose key the kernel makes is applied once the CRNG is seeded,
/// from a work item if it is not yet: an initcall may run before that, and
/// a key from an unseeded CRNG could be predictable.
fn apply_boot_request(request: &[u8]) {
    let mode = match mode::Mode::parse(request) {
        Ok(mode) => mode,
        Err(_) => {
            pr_err!("keylocker.mode=: not a mode name\n");
            return;
        }
    };
    if !mode.kernel_makes_key() || random::is_seeded() {
        select_boot_mode(mode);
        return;
    }
    pr_info!(
        "keylocker.mode=: {} waits until the kernel's random generator is seeded\n",
        mode.name()
    );
    if workqueue::system_unbound()
        .try_spawn(GFP_KERNEL, move || select_boot_mode(mode))
        .is_err()
    {
        pr_err!("keylocker.mode=: failed (ENOMEM)\n");
    }
}

fn select_boot_mode(mode: mode::Mode) {
    if let Err(e) = policy::select(mode) {
        pr_err!("keylocker.mode=: failed ({:?})\n", e);
    }
}

impl kernel::Module for KeyLocker {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        if !caps::boot_cpu_has_keylocker() {
            if iwkey::boot_request().is_some() {
                pr_err!("keylocker.mode=: this CPU has no Key Locker\n");
            }
            return Ok(Self {
                _registrations: None,
            });
        }
        policy::init()?;
        let registrations = KBox::pin_init(
            try_pin_init!(Registrations {
                resume <- syscore::Registration::new(),
                files <- RootGroup::new(&sysfs::GROUP),
            }),
            GFP_KERNEL,
        )?;
        if let Some(request) = iwkey::boot_request() {
            apply_boot_request(request);
        }
        Ok(Self {
            _registrations: Some(registrations),
        })
    }
}
