// SPDX-License-Identifier: GPL-2.0

//! The result protocol shared with the host runner.
//!
//! Every check prints exactly one line, `KLRESULT <name> ok|fail <detail>`,
//! on standard output. The runner counts these lines; the exit status of
//! the program says nothing about the checks.

use std::fmt::Display;

/// Prints the result line of check `name`: `ok` if `passed`, else `fail`.
pub fn result(name: &str, passed: bool, detail: impl Display) {
    // A detail on several lines would break the one-line-per-check protocol.
    let detail = detail.to_string().replace('\n', " ");
    let status = if passed { "ok" } else { "fail" };
    println!("KLRESULT {name} {status} {detail}");
}
