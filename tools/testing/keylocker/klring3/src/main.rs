// SPDX-License-Identifier: GPL-2.0

//! klring3: the ring-3 part of the Key Locker conformance suite.
//!
//! The emulated machine runs this program from its initramfs to check the
//! Key Locker instructions as user space sees them: FIPS-197 known answers
//! through ENCODEKEY128/256 and AES{ENC,DEC}{128,256}KL, the wide forms
//! against the single-block ones, handle restrictions, tampered handles and
//! handles of the wrong key size.
//!
//! Why a separate program in Rust: every Key Locker instruction here comes
//! from a stable intrinsic of `core::arch::x86_64`, so its encoding is
//! LLVM's, not ours. The QEMU model and the kernel patches are written by
//! the same team; an encoding or operand-order mistake shared between them
//! would go unnoticed by tests that also come from us. This program shares
//! no code with either and needs nothing from our kernel beyond CR4.KL and
//! a loaded IWKey.
//!
//! Usage:
//!
//! - `klring3`: if CPUID says Key Locker is usable, run all checks;
//!   otherwise print one `ring3-keylocker-usable fail` line.
//! - `klring3 --expect-absent`: check that Key Locker is *not* usable:
//!   CPUID says so and ENCODEKEY128 raises SIGILL (in a child process).
//! - `klring3 --try-encodekey`: internal, the child of `--expect-absent`.
//!
//! Output is one `KLRESULT <name> ok|fail|skip <detail>` line per check;
//! the exit status is 0 whatever the results (2 on a usage error).

mod absent;
mod checks;
mod cpuid;
mod fips;
mod kl;
mod report;

use cpuid::KlCpuid;
use kl::Kl;
use report::Status;

const USAGE: &str = "usage: klring3 [--expect-absent]";

fn main() {
    let mut expect_absent = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--expect-absent" => expect_absent = true,
            "--try-encodekey" => absent::try_encodekey(),
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            _ => {
                eprintln!("klring3: unknown argument {arg:?}\n{USAGE}");
                std::process::exit(2);
            }
        }
    }

    let cpu = KlCpuid::read();
    if expect_absent {
        absent::run(&cpu);
        return;
    }
    match Kl::new(&cpu) {
        Ok(kl) => {
            report::result("ring3-keylocker-usable", Status::Ok, kl.leaf19());
            checks::run(&kl);
        }
        Err(why) => report::result("ring3-keylocker-usable", Status::Fail, why),
    }
}
