// SPDX-License-Identifier: GPL-2.0

//! `/sys/devices/system/cpu/keylocker/`: `mode` and `status`.

use crate::{
    mode::{self, Mode},
    policy,
};
use kernel::{
    cpu::sysfs::{
        Attribute,
        AttributeOperations, //
    },
    cpu_root_group,
    page::PAGE_SIZE,
    prelude::*,
    x86::keylocker::{self, State},
};

/// The type carrying the attribute operations.
pub(crate) struct Files;

const MODE: u64 = 0;
const STATUS: u64 = 1;

#[vtable]
impl AttributeOperations<MODE> for Files {
    fn show(page: &mut [u8; PAGE_SIZE]) -> Result<usize> {
        Ok(mode::render(page, policy::current_mode()))
    }

    fn store(page: &[u8]) -> Result {
        let mode = Mode::parse(page).inspect_err(|_| {
            pr_err!("mode: not a mode name ({} bytes written)\n", page.len());
        })?;
        policy::select(mode)
    }
}

#[vtable]
impl AttributeOperations<STATUS> for Files {
    fn show(page: &mut [u8; PAGE_SIZE]) -> Result<usize> {
        let text: &[u8] = match keylocker::state() {
            State::Disabled => b"disabled\n",
            State::Active(_) => b"active\n",
            State::Lost(_) => b"lost\n",
        };
        page[..text.len()].copy_from_slice(text);
        Ok(text.len())
    }
}

static MODE_FILE: Attribute<MODE, Files> = Attribute::new(c"mode", 0o644);
static STATUS_FILE: Attribute<STATUS, Files> = Attribute::new(c"status", 0o444);

cpu_root_group!(
    /// The `keylocker` directory and its files.
    pub(crate) static GROUP = c"keylocker",
    [MODE_FILE, STATUS_FILE]
);
