// SPDX-License-Identifier: GPL-2.0

//! AF_ALG skcipher sockets: bind a driver, key it, run requests.
//!
//! The kernel side is crypto/af_alg.c and crypto/algif_skcipher.c:
//!
//! - A socket bound to `("skcipher", driver)` is one transform (tfm).
//!   ALG_SET_KEY on it keys the tfm, but only while no operation socket
//!   accepted from it is open (EBUSY otherwise), so [`Tfm::set_key`] comes
//!   before [`Tfm::accept`].
//! - On an operation socket, sendmsg() appends data to the request's TX
//!   scatterlist. The first sendmsg of a request carries the control
//!   messages ALG_SET_OP and ALG_SET_IV (a `struct af_alg_iv`, whose ivlen
//!   must equal the cipher's ivsize, else EINVAL); every send but the last
//!   has MSG_MORE. The kernel copies the data into pages, merging
//!   consecutive sends, so the TX list splits at page boundaries only.
//! - recvmsg() or readv() turns the caller's iovecs into the RX
//!   scatterlist, one entry per piece of user page, so the RX list splits
//!   wherever the iovecs and their page crossings do, at any byte offset.
//!   Once the last piece went without MSG_MORE, one readv() covering the
//!   whole message runs it as a single request; afterwards the socket is
//!   ready for the next request.

use crate::errno::SysError;
use std::ffi::c_void;
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// `AF_ALG` from <linux/socket.h>.
const AF_ALG: i32 = 38;
/// `SOL_ALG` from <linux/socket.h>.
const SOL_ALG: i32 = 279;
/// Socket options and control message types of <linux/if_alg.h>.
const ALG_SET_KEY: i32 = 1;
const ALG_SET_IV: i32 = 2;
const ALG_SET_OP: i32 = 3;
/// Operations of <linux/if_alg.h>.
const ALG_OP_DECRYPT: u32 = 0;
const ALG_OP_ENCRYPT: u32 = 1;
/// From <bits/socket_type.h> and <bits/socket.h> (x86-64).
const SOCK_SEQPACKET: i32 = 5;
const SOCK_CLOEXEC: i32 = 0o2_000_000;
const MSG_MORE: i32 = 0x8000;

/// The longest IV a [`Control`] carries (AES modes use 16 bytes).
pub const MAX_IV: usize = 32;

/// `struct sockaddr_alg` of <linux/if_alg.h>.
#[repr(C)]
struct SockaddrAlg {
    salg_family: u16,
    salg_type: [u8; 14],
    salg_feat: u32,
    salg_mask: u32,
    salg_name: [u8; 64],
}

/// `struct msghdr` of <bits/socket.h> (x86-64). The iovec array is an
/// array of [`IoSlice`], which std guarantees is ABI-compatible with
/// `struct iovec`.
#[repr(C)]
struct Msghdr {
    msg_name: *mut c_void,
    msg_namelen: u32,
    msg_iov: *const IoSlice<'static>,
    msg_iovlen: usize,
    msg_control: *const c_void,
    msg_controllen: usize,
    msg_flags: i32,
}

/// `struct cmsghdr` of <bits/socket.h> (x86-64); only its size is used,
/// the headers are written as bytes.
#[repr(C)]
struct Cmsghdr {
    cmsg_len: usize,
    cmsg_level: i32,
    cmsg_type: i32,
}

unsafe extern "C" {
    fn socket(domain: i32, ty: i32, protocol: i32) -> i32;
    fn bind(fd: i32, addr: *const SockaddrAlg, len: u32) -> i32;
    fn accept(fd: i32, addr: *mut c_void, len: *mut u32) -> i32;
    fn setsockopt(fd: i32, level: i32, name: i32, value: *const c_void, len: u32) -> i32;
    fn sendmsg(fd: i32, msg: *const Msghdr, flags: i32) -> isize;
    fn readv(fd: i32, iov: *const IoSliceMut<'static>, count: i32) -> isize;
}

/// `CMSG_ALIGN`: control messages are aligned to `size_t`.
const fn cmsg_align(len: usize) -> usize {
    (len + size_of::<usize>() - 1) & !(size_of::<usize>() - 1)
}

/// `CMSG_LEN`: header plus `data` bytes, the value of `cmsg_len`.
const fn cmsg_len(data: usize) -> usize {
    cmsg_align(size_of::<Cmsghdr>()) + data
}

/// `CMSG_SPACE`: the room one control message with `data` bytes takes.
const fn cmsg_space(data: usize) -> usize {
    cmsg_align(size_of::<Cmsghdr>()) + cmsg_align(data)
}

/// Room for ALG_SET_OP (a u32) and ALG_SET_IV (u32 ivlen + the IV).
const CONTROL_MAX: usize = cmsg_space(4) + cmsg_space(4 + MAX_IV);

/// Encrypt or decrypt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Encrypt,
    Decrypt,
}

impl Op {
    /// The ALG_OP_* value.
    fn code(self) -> u32 {
        match self {
            Op::Encrypt => ALG_OP_ENCRYPT,
            Op::Decrypt => ALG_OP_DECRYPT,
        }
    }

    /// "encrypt" or "decrypt".
    pub fn name(self) -> &'static str {
        match self {
            Op::Encrypt => "encrypt",
            Op::Decrypt => "decrypt",
        }
    }
}

/// The control messages that start a request: ALG_SET_OP and, for a
/// cipher with an IV, ALG_SET_IV. Aligned like `struct cmsghdr`.
#[repr(C, align(8))]
pub struct Control {
    buf: [u8; CONTROL_MAX],
    len: usize,
}

impl Control {
    /// The messages for `op` with `iv` (empty: no ALG_SET_IV).
    pub fn new(op: Op, iv: &[u8]) -> Control {
        assert!(iv.len() <= MAX_IV, "IV of {} bytes", iv.len());
        let mut control = Control {
            buf: [0; CONTROL_MAX],
            len: 0,
        };
        control.push(ALG_SET_OP, &op.code().to_ne_bytes(), &[]);
        if !iv.is_empty() {
            // struct af_alg_iv: u32 ivlen, then the IV.
            control.push(ALG_SET_IV, &(iv.len() as u32).to_ne_bytes(), iv);
        }
        control
    }

    /// Appends one SOL_ALG control message whose data is `head` + `tail`.
    fn push(&mut self, ty: i32, head: &[u8], tail: &[u8]) {
        let data = head.len() + tail.len();
        let msg = &mut self.buf[self.len..self.len + cmsg_space(data)];
        let (hdr, body) = msg.split_at_mut(size_of::<Cmsghdr>());
        hdr[..8].copy_from_slice(&cmsg_len(data).to_ne_bytes());
        hdr[8..12].copy_from_slice(&SOL_ALG.to_ne_bytes());
        hdr[12..16].copy_from_slice(&ty.to_ne_bytes());
        body[..head.len()].copy_from_slice(head);
        body[head.len()..data].copy_from_slice(tail);
        self.len += cmsg_space(data);
    }

    /// The messages, as `msg_control` points to them.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// A bound AF_ALG skcipher socket: one tfm of one driver.
pub struct Tfm {
    fd: OwnedFd,
}

impl Tfm {
    /// Binds a new tfm of `driver` (a driver or algorithm name, at most 63
    /// bytes). An unknown driver fails with ENOENT in "bind".
    pub fn bind(driver: &str) -> Result<Tfm, SysError> {
        let mut addr = SockaddrAlg {
            salg_family: AF_ALG as u16,
            salg_type: [0; 14],
            salg_feat: 0,
            salg_mask: 0,
            salg_name: [0; 64],
        };
        addr.salg_type[..8].copy_from_slice(b"skcipher");
        let name = driver.as_bytes();
        if name.is_empty() || name.len() >= addr.salg_name.len() || name.contains(&0) {
            let why = format!("driver name {driver:?} is not 1-63 bytes without NUL");
            return Err(SysError::other("bind", why));
        }
        addr.salg_name[..name.len()].copy_from_slice(name);

        // SAFETY: plain socket(2) call; the result is checked.
        let fd = unsafe { socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(SysError::last("socket(AF_ALG)"));
        }
        // SAFETY: `fd` is a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let len = size_of::<SockaddrAlg>() as u32;
        // SAFETY: `addr` is a complete struct sockaddr_alg of `len` bytes.
        if unsafe { bind(fd.as_raw_fd(), &raw const addr, len) } < 0 {
            return Err(SysError::last("bind"));
        }
        Ok(Tfm { fd })
    }

    /// Sets the tfm's key (ALG_SET_KEY). The kernel copies it.
    pub fn set_key(&self, key: &[u8]) -> Result<(), SysError> {
        // SAFETY: `key` is `key.len()` readable bytes for the whole call.
        let ret = unsafe {
            setsockopt(
                self.fd.as_raw_fd(),
                SOL_ALG,
                ALG_SET_KEY,
                key.as_ptr().cast(),
                key.len() as u32,
            )
        };
        if ret < 0 {
            return Err(SysError::last("setsockopt(ALG_SET_KEY)"));
        }
        Ok(())
    }

    /// Opens an operation socket on the tfm.
    pub fn accept(&self) -> Result<OpSocket, SysError> {
        // SAFETY: null address and length: the peer address is not wanted.
        let fd = unsafe {
            accept(
                self.fd.as_raw_fd(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if fd < 0 {
            return Err(SysError::last("accept"));
        }
        // SAFETY: `fd` is a new descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(OpSocket { fd })
    }
}

/// An operation socket: runs requests with the key of its tfm.
pub struct OpSocket {
    fd: OwnedFd,
}

impl OpSocket {
    /// Runs one request: `tx` is sent in that many sendmsg() calls, the
    /// first one with the control messages for `op` and `iv`; the result
    /// is read with one readv() into the buffers of `rx`. Returns the bytes
    /// read, which the caller compares with the bytes sent.
    pub fn request(
        &self,
        op: Op,
        iv: &[u8],
        tx: &[&[u8]],
        rx: &mut [&mut [u8]],
    ) -> Result<usize, SysError> {
        let control = Control::new(op, iv);
        if tx.is_empty() {
            send_piece(self.fd.as_fd(), Some(&control), &[], false)?;
        }
        for (i, piece) in tx.iter().enumerate() {
            let control = (i == 0).then_some(&control);
            send_piece(self.fd.as_fd(), control, piece, i + 1 < tx.len())?;
        }
        recv_scattered(self.fd.as_fd(), rx)
    }
}

/// Sends `data` in one sendmsg(), with `control` if given and MSG_MORE if
/// `more`; all of it must go.
fn send_piece(
    fd: BorrowedFd<'_>,
    control: Option<&Control>,
    data: &[u8],
    more: bool,
) -> Result<(), SysError> {
    let iov = [IoSlice::new(data)];
    let (control_ptr, control_len) = match control {
        Some(control) => (control.bytes().as_ptr().cast(), control.bytes().len()),
        None => (std::ptr::null(), 0),
    };
    let msg = Msghdr {
        msg_name: std::ptr::null_mut(),
        msg_namelen: 0,
        msg_iov: iov.as_ptr().cast(),
        msg_iovlen: iov.len(),
        msg_control: control_ptr,
        msg_controllen: control_len,
        msg_flags: 0,
    };
    let flags = if more { MSG_MORE } else { 0 };
    // SAFETY: `msg` points to `iov` and the control bytes, all alive and
    // of the lengths given, for the duration of the call.
    let sent = unsafe { sendmsg(fd.as_raw_fd(), &raw const msg, flags) };
    if sent < 0 {
        return Err(SysError::last("sendmsg"));
    }
    if sent as usize != data.len() {
        let what = format!("sent {sent} of {} bytes", data.len());
        return Err(SysError::other("sendmsg", what));
    }
    Ok(())
}

/// Reads with one readv() into the buffers of `rx`; returns the count.
fn recv_scattered(fd: BorrowedFd<'_>, rx: &mut [&mut [u8]]) -> Result<usize, SysError> {
    let iov: Vec<IoSliceMut<'_>> = rx.iter_mut().map(|buf| IoSliceMut::new(buf)).collect();
    // SAFETY: `iov` describes the writable buffers of `rx`, borrowed
    // mutably for the duration of the call.
    let got = unsafe { readv(fd.as_raw_fd(), iov.as_ptr().cast(), iov.len() as i32) };
    if got < 0 {
        return Err(SysError::last("readv"));
    }
    Ok(got as usize)
}

/// The IV length of `driver`: its `ivsize` in /proc/crypto (where a
/// template instance appears once bound), else 0 for a name starting with
/// "ecb" and 16 for anything else.
pub fn iv_len(driver: &str) -> usize {
    std::fs::read_to_string("/proc/crypto")
        .ok()
        .and_then(|text| ivsize_in(&text, driver))
        .unwrap_or(if driver.starts_with("ecb") { 0 } else { 16 })
}

/// The `ivsize` of the first /proc/crypto entry whose driver is `driver`.
fn ivsize_in(proc_crypto: &str, driver: &str) -> Option<usize> {
    proc_crypto.split("\n\n").find_map(|entry| {
        let mut this = false;
        let mut ivsize = None;
        for (key, value) in entry.lines().filter_map(|line| line.split_once(':')) {
            match key.trim() {
                "driver" => this = value.trim() == driver,
                "ivsize" => ivsize = value.trim().parse().ok(),
                _ => {}
            }
        }
        if this {
            ivsize
        } else {
            None
        }
    })
}

/// Whether AF_ALG sockets can be created at all.
pub fn probe() -> Result<(), SysError> {
    // SAFETY: plain socket(2) call; the result is checked and closed.
    let fd = unsafe { socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(SysError::last("socket(AF_ALG)"));
    }
    // SAFETY: `fd` is a new descriptor that nothing else owns.
    drop(unsafe { OwnedFd::from_raw_fd(fd) });
    Ok(())
}

/// The error of a transfer that moved `got` bytes instead of `want`.
pub fn short(call: &'static str, got: usize, want: usize) -> SysError {
    SysError::other(call, format!("{got} of {want} bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;
    use std::os::unix::net::UnixStream;

    #[test]
    fn layouts_match_the_c_headers() {
        // Values printed by a C program built against <linux/if_alg.h>
        // and <sys/socket.h> on x86-64.
        assert_eq!(size_of::<SockaddrAlg>(), 88);
        assert_eq!(offset_of!(SockaddrAlg, salg_feat), 16);
        assert_eq!(offset_of!(SockaddrAlg, salg_name), 24);
        assert_eq!(size_of::<Msghdr>(), 56);
        assert_eq!(offset_of!(Msghdr, msg_iov), 16);
        assert_eq!(offset_of!(Msghdr, msg_control), 32);
        assert_eq!(offset_of!(Msghdr, msg_controllen), 40);
        assert_eq!(offset_of!(Msghdr, msg_flags), 48);
        assert_eq!(size_of::<Cmsghdr>(), 16);
        assert_eq!((cmsg_len(4), cmsg_space(4)), (20, 24));
        assert_eq!((cmsg_len(20), cmsg_space(20)), (36, 40));
        assert_eq!(size_of::<IoSlice>(), 16);
    }

    #[test]
    fn control_messages() {
        let iv: Vec<u8> = (1..=16).collect();
        let control = Control::new(Op::Encrypt, &iv);
        let b = control.bytes();
        assert_eq!(b.len(), 64);
        assert_eq!(b.as_ptr() as usize % 8, 0);
        let word = |at: usize| u32::from_ne_bytes(b[at..at + 4].try_into().unwrap());
        let len = |at: usize| u64::from_ne_bytes(b[at..at + 8].try_into().unwrap());
        // ALG_SET_OP: cmsg_len 20, SOL_ALG, type 3, ALG_OP_ENCRYPT.
        assert_eq!((len(0), word(8), word(12), word(16)), (20, 279, 3, 1));
        // ALG_SET_IV at CMSG_SPACE(4): cmsg_len 36, SOL_ALG, type 2, ivlen.
        assert_eq!((len(24), word(32), word(36), word(40)), (36, 279, 2, 16));
        assert_eq!(b[44..60], iv[..]);
        let control = Control::new(Op::Decrypt, &[]);
        assert_eq!(control.bytes().len(), 24);
        assert_eq!(control.bytes()[16..20], 0u32.to_ne_bytes());
    }

    #[test]
    fn pieces_and_scattered_reads() {
        // The same sendmsg and readv paths on a Unix socket pair: data sent
        // in pieces arrives whole in the scattered buffers, nothing else
        // written.
        let (a, b) = UnixStream::pair().unwrap();
        let data: Vec<u8> = (0..100).collect();
        send_piece(a.as_fd(), None, &data[..3], true).unwrap();
        send_piece(a.as_fd(), None, &data[3..], false).unwrap();
        let mut buf = [0xa5u8; 120];
        let (_head, rest) = buf.split_at_mut(5);
        let (first, rest) = rest.split_at_mut(7);
        let (_gap, rest) = rest.split_at_mut(2);
        let (second, _tail) = rest.split_at_mut(93);
        let got = recv_scattered(b.as_fd(), &mut [first, second]).unwrap();
        assert_eq!(got, 100);
        assert_eq!(buf[5..12], data[..7]);
        assert_eq!(buf[14..107], data[7..]);
        assert!(buf[..5]
            .iter()
            .chain(&buf[12..14])
            .chain(&buf[107..])
            .all(|&x| x == 0xa5));
    }

    #[test]
    fn control_framing_passes_the_kernels_cmsg_check() {
        // Unix sockets skip control messages of other levels, but only
        // after the kernel's CMSG_OK() check of each header against
        // msg_controllen, the same check af_alg_cmsg_send() makes first.
        let (a, _b) = UnixStream::pair().unwrap();
        let mut control = Control::new(Op::Decrypt, &[7; 16]);
        send_piece(a.as_fd(), Some(&control), b"data", false).unwrap();
        // A cmsg_len beyond msg_controllen must be refused, so the check
        // above was real.
        control.buf[24..32].copy_from_slice(&200usize.to_ne_bytes());
        let err = send_piece(a.as_fd(), Some(&control), b"data", false).unwrap_err();
        assert_eq!(err.err.raw_os_error(), Some(22));
    }

    #[test]
    fn proc_crypto_ivsize() {
        let text = "name         : xts(aes)\ndriver       : xts-aes-aesni\n\
                    type         : skcipher\nivsize       : 16\n\n\
                    name         : ecb(aes)\ndriver       : ecb-aes-aesni\n\
                    ivsize       : 0\n";
        assert_eq!(ivsize_in(text, "xts-aes-aesni"), Some(16));
        assert_eq!(ivsize_in(text, "ecb-aes-aesni"), Some(0));
        assert_eq!(ivsize_in(text, "ctr-aes-aesni"), None);
    }
}
