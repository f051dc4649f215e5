// SPDX-License-Identifier: GPL-2.0

//! The result protocol shared with the host runner.
//!
//! Every check prints exactly one line, `KLRESULT <name> ok|fail|skip
//! <detail>`, on standard output. The runner counts these lines; the exit
//! status of the program says nothing about the checks.

use std::fmt::{Display, Write};

/// The verdict of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    Fail,
    Skip,
}

impl Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Ok => "ok",
            Status::Fail => "fail",
            Status::Skip => "skip",
        })
    }
}

/// Prints the result line of check `name`.
pub fn result(name: &str, status: Status, detail: impl Display) {
    debug_assert!(
        name.starts_with("ring3-")
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "bad check name {name}"
    );
    // A detail on several lines would break the one-line-per-check protocol.
    let detail = detail.to_string().replace('\n', " ");
    println!("KLRESULT {name} {status} {detail}");
}

/// Prints `ok` if `passed`, `fail` otherwise.
pub fn judge(name: &str, passed: bool, detail: impl Display) {
    let status = if passed { Status::Ok } else { Status::Fail };
    result(name, status, detail);
}

/// Lower-case hex of `bytes`, no separators (the FIPS-197 notation).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
