// SPDX-License-Identifier: GPL-2.0

//! klcrypt: drives the kernel's skcipher drivers, the aeskl Key Locker
//! driver among them, from user space in the emulated machine.
//!
//! Subcommands:
//!
//! - `cross`: checks a driver against a reference driver through AF_ALG,
//!   with random keys, IVs and lengths and with requests cut into pieces
//!   ([`cross`]). One `KLRESULT cross-<mode>-<bits> ok|fail <detail>` line
//!   per key length.
//! - `once`: one setkey and a fixed number of requests, for instruction
//!   counting ([`once`]).
//! - `hold-key`: keeps a key in a tfm, and nowhere in this process, while
//!   the harness scans memory ([`hold`]).
//! - `mark`: a counter snapshot or range marker for the klinsn QEMU
//!   plugin ([`marker`]).
//! - `dio`: one `O_DIRECT` write or read of a block device between two
//!   snapshot markers, for the benchmark's end-to-end row ([`dio`]).
//! - `fscrypt-add-key`, `fscrypt-set-policy`, `fscrypt-remove-key`,
//!   `fscrypt-key-status`: v2 fscrypt policies on AES-256-XTS ([`fscrypt`]).
//!
//! Exit status: 0 when the program ran to the end, whatever the results;
//! 2 on a usage error; 1 on a setup error (for `cross`, with `fail` lines)
//! or a failed operation of the other subcommands.
//!
//! Why Rust and no C: the guest's initramfs has busybox and no libc for
//! dynamically linked programs, and this crate builds as one static binary
//! with nothing but std, next to klring3.

mod alg;
mod args;
mod cross;
mod dio;
mod errno;
mod fscrypt;
mod hex;
mod hold;
mod marker;
mod once;
mod plan;
mod report;
mod rng;
mod wipe;

use args::Usage;

/// Prints the usage of every subcommand.
fn usage() -> String {
    format!(
        "usage:\n  {}\n  {}\n  {}\n  {}\n  {}\n  {}\n  klcrypt --help\n",
        cross::USAGE,
        once::USAGE,
        hold::USAGE,
        marker::USAGE,
        dio::USAGE,
        fscrypt::USAGE.replace('\n', "\n  ")
    )
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprint!("klcrypt: no subcommand\n{}", usage());
        std::process::exit(2);
    }
    let cmd = args.remove(0);
    let status = match cmd.as_str() {
        "cross" => cross::run(args),
        "once" => once::run(args),
        "hold-key" => hold::run(args),
        "mark" => marker::run(args),
        "dio" => dio::run(args),
        "fscrypt-add-key" | "fscrypt-set-policy" | "fscrypt-remove-key" | "fscrypt-key-status" => {
            fscrypt::run(&cmd, args)
        }
        "-h" | "--help" | "help" => {
            print!("{}", usage());
            Ok(0)
        }
        _ => Err(Usage(format!("unknown subcommand {cmd:?}"))),
    };
    match status {
        Ok(status) => std::process::exit(status),
        Err(Usage(why)) => {
            eprint!("klcrypt {cmd}: {why}\n{}", usage());
            std::process::exit(2);
        }
    }
}
