// SPDX-License-Identifier: GPL-2.0

//! `dio`: one direct write or read of a block device, between two markers.
//!
//! For the end-to-end row of the benchmark (a dm-crypt mapping, say):
//! `klcrypt dio write|read DEV BYTES TAG` opens DEV with `O_DIRECT`, fills
//! a page-aligned buffer of BYTES with a fixed pattern, issues a
//! snapshot-all-vCPUs marker with TAG ([`marker`]), writes the buffer to
//! DEV at offset 0 with pwrite() (or reads BYTES from there into it with
//! pread()), repeating the call for what a short transfer left, and then
//! issues a marker with TAG + 1. The markers are in this process, right
//! around the transfer, so neither exec nor the setup is counted; with
//! `O_DIRECT` the transfer is done, through the whole stack, when the call
//! returns. Prints one `KLDIO op=write|read bytes=N` line on success.
//!
//! Exit status 1, with a message, if a call fails or transfers nothing.

use crate::args::{self, Usage};
use crate::errno::SysError;
use crate::marker::{self, Command};
use std::alloc::{self, Layout};
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{FileExt, OpenOptionsExt};

/// The usage line of `dio`.
pub const USAGE: &str = "klcrypt dio write|read DEV BYTES TAG";

/// `O_DIRECT` of <asm-generic/fcntl.h> as x86-64 defines it.
const O_DIRECT: i32 = 0o40_000;

/// The buffer's alignment: a page, which suits any logical block size.
const ALIGN: usize = 4096;

/// `O_DIRECT` moves whole sectors: BYTES must be a multiple of this.
const SECTOR: usize = 512;

/// The largest transfer: 1 GiB, far more than the benchmark needs.
const MAX_BYTES: usize = 1 << 30;

/// Which way the data goes.
#[derive(Clone, Copy)]
enum Dir {
    Write,
    Read,
}

impl Dir {
    /// The name in the usage and the output.
    fn name(self) -> &'static str {
        match self {
            Dir::Write => "write",
            Dir::Read => "read",
        }
    }
}

/// A heap buffer aligned to [`ALIGN`], freed on drop.
struct Aligned {
    ptr: *mut u8,
    layout: Layout,
}

impl Aligned {
    /// A buffer of `len` bytes (at least one), byte `i` of it `pattern(i)`.
    fn new(len: usize) -> Aligned {
        let layout = Layout::from_size_align(len, ALIGN).expect("checked length");
        // SAFETY: `layout` has a non-zero size (the caller checked `len`).
        // Zeroed, so that every byte is initialised before any slice of
        // them exists.
        let ptr = unsafe { alloc::alloc_zeroed(layout) };
        if ptr.is_null() {
            alloc::handle_alloc_error(layout);
        }
        let mut buf = Aligned { ptr, layout };
        for (i, b) in buf.as_mut_slice().iter_mut().enumerate() {
            *b = pattern(i);
        }
        buf
    }

    /// The whole buffer.
    fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: `ptr` points to `layout.size()` initialised bytes
        // allocated by `new`, owned by `self` and borrowed mutably here
        // only.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.layout.size()) }
    }
}

impl Drop for Aligned {
    fn drop(&mut self) {
        // SAFETY: `ptr` was allocated by `alloc` with `layout` and is freed
        // only here.
        unsafe { alloc::dealloc(self.ptr, self.layout) }
    }
}

/// Byte `i` of the data written: the same on every run, and no sector of
/// it is all zero.
fn pattern(i: usize) -> u8 {
    (i % 251) as u8 | 0x40
}

/// Moves all of `buf` to or from `file` at offset 0, one call after the
/// other until nothing is left; a call that moves nothing is an error.
fn transfer(file: &File, dir: Dir, buf: &mut [u8]) -> Result<(), SysError> {
    let call = match dir {
        Dir::Write => "pwrite",
        Dir::Read => "pread",
    };
    let len = buf.len();
    let mut done = 0;
    while done < len {
        let rest = &mut buf[done..];
        let got = match dir {
            Dir::Write => file.write_at(rest, done as u64),
            Dir::Read => file.read_at(rest, done as u64),
        };
        match got {
            Ok(0) => {
                return Err(SysError::other(
                    call,
                    format!("{done} of {len} bytes, then nothing (end of device?)"),
                ))
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(err) => return Err(SysError { call, err }),
        }
    }
    Ok(())
}

/// Opens `dev`, then transfers `bytes` between the markers `tag` and
/// `tag + 1`.
fn work(dir: Dir, dev: &str, bytes: usize, tag: u32) -> Result<(), SysError> {
    let file = OpenOptions::new()
        .read(matches!(dir, Dir::Read))
        .write(matches!(dir, Dir::Write))
        .custom_flags(O_DIRECT)
        .open(dev)
        .map_err(|err| SysError { call: "open", err })?;
    let mut buf = Aligned::new(bytes);
    marker::mark(Command::SnapAll, tag, 0, 0);
    let done = transfer(&file, dir, buf.as_mut_slice());
    // Also after a failure, so that every snapshot has its pair.
    marker::mark(Command::SnapAll, tag.wrapping_add(1), 0, 0);
    done
}

/// The `dio` subcommand.
pub fn run(args: Vec<String>) -> Result<i32, Usage> {
    let [op, dev, bytes, tag] = args.as_slice() else {
        return Err(Usage("want write|read DEV BYTES TAG".into()));
    };
    let dir = match op.as_str() {
        "write" => Dir::Write,
        "read" => Dir::Read,
        _ => return Err(Usage(format!("bad direction {op:?}: want write or read"))),
    };
    let bytes = args::parse_u64(bytes)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n > 0 && n <= MAX_BYTES && n % SECTOR == 0)
        .ok_or_else(|| {
            Usage(format!(
                "bad BYTES {bytes:?}: want a multiple of {SECTOR} up to {MAX_BYTES}"
            ))
        })?;
    let tag = tag
        .parse::<u32>()
        .map_err(|_| Usage(format!("bad tag {tag:?}")))?;

    match work(dir, dev, bytes, tag) {
        Ok(()) => {
            println!("KLDIO op={} bytes={bytes}", dir.name());
            Ok(0)
        }
        Err(e) => {
            eprintln!("klcrypt dio: {} {dev}: {e}", dir.name());
            Ok(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_and_round_trip() {
        let mut buf = Aligned::new(3 * SECTOR);
        assert_eq!(buf.as_mut_slice().as_ptr() as usize % ALIGN, 0);
        assert!(buf
            .as_mut_slice()
            .chunks(SECTOR)
            .all(|s| s.iter().any(|&b| b != 0)));
        // A plain file (no O_DIRECT: tmpfs may refuse it) for the loop.
        let path = std::env::temp_dir().join(format!("klcrypt-dio-{}", std::process::id()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        transfer(&file, Dir::Write, buf.as_mut_slice()).unwrap();
        let mut back = Aligned::new(3 * SECTOR);
        back.as_mut_slice().fill(0);
        transfer(&file, Dir::Read, back.as_mut_slice()).unwrap();
        assert_eq!(back.as_mut_slice(), buf.as_mut_slice());
        // Past the end, a read gets nothing: an error, not a loop.
        let mut more = Aligned::new(4 * SECTOR);
        assert!(transfer(&file, Dir::Read, more.as_mut_slice()).is_err());
        std::fs::remove_file(&path).unwrap();
    }
}
