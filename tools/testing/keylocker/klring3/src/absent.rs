// SPDX-License-Identifier: GPL-2.0

//! `--expect-absent`: user space must not be able to use Key Locker when
//! the kernel has not enabled it.
//!
//! CPUID must say so, and ENCODEKEY128 must raise #UD, which the kernel
//! delivers as SIGILL. The instruction runs in a child process (this same
//! program with `--try-encodekey`) so the parent survives to report how the
//! child ended.

use crate::cpuid::KlCpuid;
use crate::kl;
use crate::report::{self, Status};
use std::os::unix::process::ExitStatusExt;
use std::process::Command;

/// SIGILL on Linux.
const SIGILL: i32 = 4;

/// Runs the two absent checks.
pub fn run(cpu: &KlCpuid) {
    match cpu.usable() {
        Err(why) => report::result("ring3-keylocker-absent", Status::Ok, why),
        Ok(leaf) => report::result(
            "ring3-keylocker-absent",
            Status::Fail,
            format_args!("CPUID.19H:EBX[0]=1: Key Locker usable at ring 3 ({leaf})"),
        ),
    }
    encodekey_sigill();
}

/// Runs ENCODEKEY128 in a child and checks that SIGILL killed it.
fn encodekey_sigill() {
    const NAME: &str = "ring3-encodekey-sigill";
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            report::result(NAME, Status::Fail, format_args!("no path to self: {e}"));
            return;
        }
    };
    let child = match Command::new(&exe).arg("--try-encodekey").output() {
        Ok(child) => child,
        Err(e) => {
            let exe = exe.display();
            report::result(NAME, Status::Fail, format_args!("cannot run {exe}: {e}"));
            return;
        }
    };
    let status = child.status;
    match status.signal() {
        Some(SIGILL) => report::result(NAME, Status::Ok, "child running encodekey128 got SIGILL"),
        Some(sig) => report::result(
            NAME,
            Status::Fail,
            format_args!("child running encodekey128 killed by signal {sig}, not SIGILL"),
        ),
        None => report::result(
            NAME,
            Status::Fail,
            format_args!(
                "encodekey128 did not fault: child {status}, said: {}",
                String::from_utf8_lossy(&child.stdout).trim()
            ),
        ),
    }
}

/// Body of the `--try-encodekey` child: execute ENCODEKEY128 and, if that
/// does not kill the process, say what it returned and exit 0.
pub fn try_encodekey() -> ! {
    no_core_dump();
    // SAFETY: this process exists only to run the instruction; if Key
    // Locker is off it dies of SIGILL before anything else happens.
    let ret = unsafe { kl::encodekey128_unchecked() };
    println!("encodekey128 returned eax={ret:#x}");
    std::process::exit(0);
}

/// Keeps the expected SIGILL from leaving a core file behind.
fn no_core_dump() {
    #[repr(C)]
    struct Rlimit {
        cur: u64,
        max: u64,
    }
    const RLIMIT_CORE: i32 = 4;
    unsafe extern "C" {
        fn setrlimit(resource: i32, rlim: *const Rlimit) -> i32;
    }
    let zero = Rlimit { cur: 0, max: 0 };
    // SAFETY: glibc's setrlimit with a valid struct rlimit (two 64-bit
    // words on x86-64); a failure only means a core file may be written.
    unsafe { setrlimit(RLIMIT_CORE, &raw const zero) };
}
