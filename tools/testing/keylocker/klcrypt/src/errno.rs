// SPDX-License-Identifier: GPL-2.0

//! Errno names, so that details say `ENOKEY` rather than "os error 126",
//! and [`SysError`], a failed system call with its name.

use std::fmt::{self, Display};
use std::io;

/// The errno values a crypto or fscrypt test is likely to see (x86-64).
const NAMES: &[(i32, &str)] = &[
    (1, "EPERM"),
    (2, "ENOENT"),
    (4, "EINTR"),
    (5, "EIO"),
    (9, "EBADF"),
    (11, "EAGAIN"),
    (12, "ENOMEM"),
    (13, "EACCES"),
    (14, "EFAULT"),
    (16, "EBUSY"),
    (17, "EEXIST"),
    (19, "ENODEV"),
    (20, "ENOTDIR"),
    (21, "EISDIR"),
    (22, "EINVAL"),
    (25, "ENOTTY"),
    (28, "ENOSPC"),
    (30, "EROFS"),
    (38, "ENOSYS"),
    (39, "ENOTEMPTY"),
    (61, "ENODATA"),
    (65, "ENOPKG"),
    (74, "EBADMSG"),
    (90, "EMSGSIZE"),
    (92, "ENOPROTOOPT"),
    (95, "EOPNOTSUPP"),
    (97, "EAFNOSUPPORT"),
    (117, "EUCLEAN"),
    (126, "ENOKEY"),
    (127, "EKEYEXPIRED"),
    (128, "EKEYREVOKED"),
    (129, "EKEYREJECTED"),
];

/// The symbolic name of `errno`, if it is one of [`NAMES`].
pub fn name(errno: i32) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(n, _)| *n == errno)
        .map(|(_, name)| *name)
}

/// `ENOKEY` for a known errno, `errno 200` for another, the message for an
/// error that is not an errno.
pub fn describe(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(errno) => match name(errno) {
            Some(name) => name.to_string(),
            None => format!("errno {errno}"),
        },
        None => err.to_string(),
    }
}

/// A failed system call: which one, and the error.
#[derive(Debug)]
pub struct SysError {
    pub call: &'static str,
    pub err: io::Error,
}

impl SysError {
    /// The error of `call` that just returned -1.
    pub fn last(call: &'static str) -> SysError {
        SysError {
            call,
            err: io::Error::last_os_error(),
        }
    }

    /// A failure of `call` that is not an errno (a short transfer, say).
    pub fn other(call: &'static str, what: String) -> SysError {
        SysError {
            call,
            err: io::Error::other(what),
        }
    }

    /// The errno name alone, or the message for a non-errno failure.
    pub fn errno_name(&self) -> String {
        describe(&self.err)
    }
}

impl Display for SysError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.call, describe(&self.err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        // The values of <asm-generic/errno*.h>, as x86-64 uses them.
        assert_eq!(describe(&io::Error::from_raw_os_error(126)), "ENOKEY");
        assert_eq!(describe(&io::Error::from_raw_os_error(129)), "EKEYREJECTED");
        assert_eq!(describe(&io::Error::from_raw_os_error(22)), "EINVAL");
        assert_eq!(describe(&io::Error::from_raw_os_error(2)), "ENOENT");
        assert_eq!(describe(&io::Error::from_raw_os_error(16)), "EBUSY");
        assert_eq!(describe(&io::Error::from_raw_os_error(5)), "EIO");
        assert_eq!(describe(&io::Error::from_raw_os_error(200)), "errno 200");
        let call = SysError::other("sendmsg", "sent 1 of 2 bytes".into());
        assert_eq!(call.to_string(), "sendmsg: sent 1 of 2 bytes");
    }
}
