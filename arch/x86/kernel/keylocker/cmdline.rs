// SPDX-License-Identifier: GPL-2.0

//! `keylocker.mode=`: the request kept by cmdline.c.

use kernel::{bindings, prelude::*};

/// The value of `keylocker.mode=`, if it was given.
///
/// A value longer than cmdline.c could keep comes back as a string that is
/// no mode name, so it is rejected like any malformed name.
pub(crate) fn boot_request() -> Option<&'static [u8]> {
    let mut len = 0usize;
    // SAFETY: `keylocker_boot_mode_get` writes `len` and returns either NULL
    // or a NUL-terminated string that lives for the whole boot.
    let ptr = unsafe { bindings::keylocker_boot_mode_get(&mut len) };
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` is a valid NUL-terminated string, as above.
    let kept = unsafe { CStr::from_char_ptr(ptr) }.to_bytes();
    Some(if kept.len() == len { kept } else { b"\0" })
}
