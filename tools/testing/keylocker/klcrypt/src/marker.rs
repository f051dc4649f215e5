// SPDX-License-Identifier: GPL-2.0

//! Markers for the klinsn QEMU plugin (tools/testing/keylocker/plugin/).
//!
//! A marker is a CPUID with EAX = 0x4b4c5054 ("KLPT"); ECX is the command,
//! EDX a tag, RSI and RDI an address range. Under the plugin it snapshots
//! instruction counters or sets the code ranges counted separately; on any
//! other machine it is an ordinary CPUID of a leaf nobody uses.
//!
//! `klcrypt mark snap|snap-all|clear|range ARG`: issue one marker from the
//! shell (on whatever CPU the process runs; pin it with `taskset` where that
//! matters).

use crate::args::Usage;
use core::arch::asm;

/// EAX of a marker.
const MAGIC: u32 = 0x4b4c_5054;

/// A plugin command (ECX).
#[derive(Clone, Copy)]
pub enum Command {
    /// Snapshot this vCPU's counters with a tag.
    Snap = 1,
    /// Count instructions in an address range separately too.
    AddRange = 2,
    /// Forget all ranges.
    ClearRanges = 3,
    /// Snapshot every vCPU's counters with a tag.
    SnapAll = 4,
}

/// Issues one marker.
pub fn mark(cmd: Command, tag: u32, start: u64, end: u64) {
    // SAFETY: CPUID only writes EAX-EDX, all declared; RBX is saved and
    // restored by hand because LLVM reserves it. RSI and RDI are inputs the
    // plugin reads; no memory or flags are touched.
    unsafe {
        asm!(
            "mov {saved}, rbx",
            "cpuid",
            "mov rbx, {saved}",
            saved = out(reg) _,
            inout("eax") MAGIC => _,
            inout("ecx") cmd as u32 => _,
            inout("edx") tag => _,
            in("rsi") start,
            in("rdi") end,
            options(nostack, preserves_flags),
        );
    }
}

/// Parses `START-END` (hex, with or without 0x) into two addresses.
pub fn parse_range(text: &str) -> Result<(u64, u64), Usage> {
    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok();
    text.split_once('-')
        .and_then(|(a, b)| Some((hex(a)?, hex(b)?)))
        .filter(|(a, b)| a < b)
        .ok_or_else(|| Usage(format!("bad range {text:?}: want START-END in hex")))
}

/// The usage line of `mark`.
pub const USAGE: &str = "klcrypt mark snap TAG | snap-all TAG | clear | range START-END";

/// The `mark` subcommand.
pub fn run(args: Vec<String>) -> Result<i32, Usage> {
    let tag = |s: &String| {
        s.parse::<u32>()
            .map_err(|_| Usage(format!("bad tag {s:?}")))
    };
    match args.as_slice() {
        [cmd, t] if cmd == "snap" => mark(Command::Snap, tag(t)?, 0, 0),
        [cmd, t] if cmd == "snap-all" => mark(Command::SnapAll, tag(t)?, 0, 0),
        [cmd] if cmd == "clear" => mark(Command::ClearRanges, 0, 0, 0),
        [cmd, r] if cmd == "range" => {
            let (start, end) = parse_range(r)?;
            mark(Command::AddRange, 0, start, end);
        }
        _ => {
            return Err(Usage(
                "want snap TAG, snap-all TAG, clear or range START-END".into(),
            ))
        }
    }
    Ok(0)
}
