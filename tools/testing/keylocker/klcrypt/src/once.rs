// SPDX-License-Identifier: GPL-2.0

//! `once`: a fixed amount of crypto work and nothing else.
//!
//! The harness reads hardware instruction counters around this process,
//! so it does exactly one setkey and `requests` requests of `len` bytes,
//! each sent in one sendmsg() and read in one readv(), then prints one
//! `KLONCE` line. With `--cpu N` it first pins itself to CPU N.
//!
//! For the benchmark, under the klinsn plugin: `--seed S` makes key, IV and
//! data the same on every run, `--ranges A-B,...` sets the code ranges the
//! plugin counts separately (before the setkey), and `--mark TAG` puts a
//! snapshot marker with TAG right before the first request and one with
//! TAG + 1 right after the last.

use crate::alg::{self, Op, Tfm};
use crate::args::{self, Usage};
use crate::errno::SysError;
use crate::marker::{self, Command};
use crate::plan;
use crate::rng::Rng;

/// The usage line of `once`.
pub const USAGE: &str = "klcrypt once --driver DRIVER --keylen N --len L [--decrypt] \
     [--requests R] [--cpu N] [--seed S] [--ranges A-B,...] [--mark TAG]";

unsafe extern "C" {
    fn sched_setaffinity(pid: i32, size: usize, mask: *const u64) -> i32;
}

/// The page size of x86-64.
const PAGE_SIZE: usize = 4096;

/// CPUs in glibc's `cpu_set_t`.
const MAX_CPUS: usize = 1024;

/// Pins this process to `cpu`.
fn pin(cpu: usize) -> Result<(), SysError> {
    let mut mask = [0u64; MAX_CPUS / 64];
    mask[cpu / 64] |= 1 << (cpu % 64);
    // SAFETY: `mask` is a cpu_set_t-sized bitmap of the size given.
    if unsafe { sched_setaffinity(0, size_of_val(&mask), mask.as_ptr()) } < 0 {
        return Err(SysError::last("sched_setaffinity"));
    }
    Ok(())
}

/// What to run.
struct Work {
    driver: String,
    keylen: usize,
    len: usize,
    op: Op,
    requests: u64,
    seed: Option<u64>,
    ranges: Vec<(u64, u64)>,
    mark: Option<u32>,
}

/// One setkey, then the requests.
fn work(w: &Work) -> Result<(), SysError> {
    let mut rng = w.seed.map_or_else(Rng::from_entropy, Rng::new);
    marker::mark(Command::ClearRanges, 0, 0, 0);
    for &(start, end) in &w.ranges {
        marker::mark(Command::AddRange, 0, start, end);
    }
    let key = plan::random_key(&mut rng, w.keylen, w.driver.contains("xts"));
    let mut data = vec![0; w.len];
    rng.fill(&mut data);
    // The kernel maps the output buffer page by page; one that starts on a
    // page boundary makes a request of up to a page one walk step.
    let mut storage = vec![0; w.len + PAGE_SIZE];
    let start = storage.as_ptr().align_offset(PAGE_SIZE);
    let out = &mut storage[start..start + w.len];

    let tfm = Tfm::bind(&w.driver)?;
    let mut iv = vec![0; alg::iv_len(&w.driver)];
    tfm.set_key(&key)?;
    let socket = tfm.accept()?;
    if let Some(tag) = w.mark {
        marker::mark(Command::Snap, tag, 0, 0);
    }
    for _ in 0..w.requests {
        rng.fill(&mut iv);
        let got = socket.request(w.op, &iv, &[&data], &mut [&mut *out])?;
        if got != w.len {
            return Err(alg::short("readv", got, w.len));
        }
    }
    if let Some(tag) = w.mark {
        marker::mark(Command::Snap, tag.wrapping_add(1), 0, 0);
    }
    Ok(())
}

/// The `once` subcommand.
pub fn run(args: Vec<String>) -> Result<i32, Usage> {
    let valued = [
        "driver", "keylen", "len", "requests", "cpu", "seed", "ranges", "mark",
    ];
    let mut opts = args::parse(args, &valued, &["decrypt"])?;
    let missing = |name: &str| Usage(format!("--{name} is required"));
    let w = Work {
        driver: opts.required("driver")?,
        keylen: opts.number("keylen")?.ok_or_else(|| missing("keylen"))?,
        len: opts.number("len")?.ok_or_else(|| missing("len"))?,
        op: if opts.flag("decrypt") {
            Op::Decrypt
        } else {
            Op::Encrypt
        },
        requests: opts.number("requests")?.unwrap_or(1),
        seed: opts.number("seed")?,
        ranges: match opts.value("ranges") {
            Some(list) => list
                .split(',')
                .map(marker::parse_range)
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        },
        mark: opts.number("mark")?,
    };
    let cpu: Option<usize> = opts.number("cpu")?;
    opts.positionals(0)?;
    if !(1..=64).contains(&w.keylen) {
        return Err(Usage("--keylen must be 1-64".into()));
    }
    if !(1..=plan::MAX_LEN).contains(&w.len) {
        return Err(Usage(format!("--len must be 1-{}", plan::MAX_LEN)));
    }
    if w.requests == 0 {
        return Err(Usage("--requests must be at least 1".into()));
    }
    if cpu.is_some_and(|cpu| cpu >= MAX_CPUS) {
        return Err(Usage(format!("--cpu must be below {MAX_CPUS}")));
    }

    if let Some(cpu) = cpu {
        if let Err(e) = pin(cpu) {
            eprintln!("klcrypt once: pinning to CPU {cpu}: {e}");
            return Ok(1);
        }
    }
    match work(&w) {
        Ok(()) => {
            println!(
                "KLONCE driver={} keylen={} len={} requests={} op={}",
                w.driver,
                w.keylen,
                w.len,
                w.requests,
                w.op.name()
            );
            Ok(0)
        }
        Err(e) => {
            eprintln!("klcrypt once: {}: {e}", w.driver);
            Ok(1)
        }
    }
}
