// SPDX-License-Identifier: GPL-2.0

//! fscrypt helpers for v2 policies: add a key to a filesystem, set a
//! policy on an empty directory, remove the key, ask for its status.
//!
//! The structs and ioctl numbers follow include/uapi/linux/fscrypt.h. Note
//! that FS_IOC_SET_ENCRYPTION_POLICY is numbered with the size of the v1
//! policy whatever the version: the kernel reads the version byte first
//! and then as much of the struct as that version has.

use crate::args::{self, Usage};
use crate::errno::{self, SysError};
use crate::hex;
use crate::wipe;
use std::fs::File;
use std::os::fd::AsRawFd;

/// The usage lines of the fscrypt subcommands.
pub const USAGE: &str = "klcrypt fscrypt-add-key MOUNTPOINT HEXKEY\n\
     klcrypt fscrypt-set-policy DIR IDENTIFIER_HEX\n\
     klcrypt fscrypt-remove-key MOUNTPOINT IDENTIFIER_HEX\n\
     klcrypt fscrypt-key-status MOUNTPOINT IDENTIFIER_HEX";

unsafe extern "C" {
    fn ioctl(fd: i32, request: u64, ...) -> i32;
}

/// `_IOC_WRITE` and `_IOC_READ` of <asm-generic/ioctl.h>.
const IOC_WRITE: u64 = 1;
const IOC_READ: u64 = 2;

/// `_IOC(dir, type, nr, size)`: dir in bits 31:30, size in 29:16, type in
/// 15:8, number in 7:0.
const fn ioc(dir: u64, ty: u8, nr: u8, size: usize) -> u64 {
    assert!(size < 1 << 14, "ioctl size field is 14 bits");
    dir << 30 | (size as u64) << 16 | (ty as u64) << 8 | nr as u64
}

/// `_IOR(type, nr, T)`: the kernel writes to user space.
const fn ior(ty: u8, nr: u8, size: usize) -> u64 {
    ioc(IOC_READ, ty, nr, size)
}

/// `_IOWR(type, nr, T)`.
const fn iowr(ty: u8, nr: u8, size: usize) -> u64 {
    ioc(IOC_READ | IOC_WRITE, ty, nr, size)
}

const FS_IOC_SET_ENCRYPTION_POLICY: u64 = ior(b'f', 19, size_of::<PolicyV1>());
const FS_IOC_ADD_ENCRYPTION_KEY: u64 = iowr(b'f', 23, size_of::<AddKeyArgHeader>());
const FS_IOC_REMOVE_ENCRYPTION_KEY: u64 = iowr(b'f', 24, size_of::<RemoveKeyArg>());
const FS_IOC_GET_ENCRYPTION_KEY_STATUS: u64 = iowr(b'f', 26, size_of::<GetKeyStatusArg>());

const FSCRYPT_POLICY_V2: u8 = 2;
const FSCRYPT_MODE_AES_256_XTS: u8 = 1;
const FSCRYPT_MODE_AES_256_CTS: u8 = 4;
const FSCRYPT_POLICY_FLAGS_PAD_32: u8 = 0x03;
const FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER: u32 = 2;
const FSCRYPT_KEY_IDENTIFIER_SIZE: usize = 16;
const FSCRYPT_MAX_KEY_SIZE: usize = 64;
const FSCRYPT_KEY_STATUS_ABSENT: u32 = 1;
const FSCRYPT_KEY_STATUS_PRESENT: u32 = 2;
const FSCRYPT_KEY_STATUS_INCOMPLETELY_REMOVED: u32 = 3;
const FSCRYPT_KEY_REMOVAL_STATUS_FLAG_FILES_BUSY: u32 = 0x1;
const FSCRYPT_KEY_REMOVAL_STATUS_FLAG_OTHER_USERS: u32 = 0x2;

/// A v2 master key identifier.
type Identifier = [u8; FSCRYPT_KEY_IDENTIFIER_SIZE];

/// `struct fscrypt_policy_v1`: only its size matters, for the ioctl number.
#[repr(C)]
struct PolicyV1 {
    version: u8,
    contents_encryption_mode: u8,
    filenames_encryption_mode: u8,
    flags: u8,
    master_key_descriptor: [u8; 8],
}

/// `struct fscrypt_policy_v2`.
#[repr(C)]
#[derive(Default)]
struct PolicyV2 {
    version: u8,
    contents_encryption_mode: u8,
    filenames_encryption_mode: u8,
    flags: u8,
    log2_data_unit_size: u8,
    reserved: [u8; 3],
    master_key_identifier: Identifier,
}

/// `struct fscrypt_key_specifier`, the union as its 32 reserved bytes.
#[repr(C)]
#[derive(Default)]
struct KeySpecifier {
    ty: u32,
    reserved: u32,
    u: [u8; 32],
}

impl KeySpecifier {
    /// The specifier of v2 key `id`.
    fn identifier(id: &Identifier) -> KeySpecifier {
        let mut spec = KeySpecifier {
            ty: FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER,
            ..Default::default()
        };
        spec.u[..id.len()].copy_from_slice(id);
        spec
    }
}

/// `struct fscrypt_add_key_arg` without its flexible `raw[]`.
#[repr(C)]
#[derive(Default)]
struct AddKeyArgHeader {
    key_spec: KeySpecifier,
    raw_size: u32,
    key_id: u32,
    flags: u32,
    reserved: [u32; 7],
}

/// `struct fscrypt_add_key_arg` with room for the longest raw key.
#[repr(C)]
struct AddKeyArg {
    head: AddKeyArgHeader,
    raw: [u8; FSCRYPT_MAX_KEY_SIZE],
}

/// `struct fscrypt_remove_key_arg`.
#[repr(C)]
#[derive(Default)]
struct RemoveKeyArg {
    key_spec: KeySpecifier,
    removal_status_flags: u32,
    reserved: [u32; 5],
}

/// `struct fscrypt_get_key_status_arg`.
#[repr(C)]
#[derive(Default)]
struct GetKeyStatusArg {
    key_spec: KeySpecifier,
    reserved: [u32; 6],
    status: u32,
    status_flags: u32,
    user_count: u32,
    out_reserved: [u32; 13],
}

/// Runs ioctl `request` named `name` on `file` with argument `arg`.
///
/// # Safety
///
/// `arg` must be the struct, of at least the size encoded in `request`,
/// that this ioctl reads and writes.
unsafe fn ioctl_on<T>(
    file: &File,
    name: &'static str,
    request: u64,
    arg: *mut T,
) -> Result<(), SysError> {
    // SAFETY: the caller vouches for `arg`; `file` is an open descriptor.
    if unsafe { ioctl(file.as_raw_fd(), request, arg) } < 0 {
        return Err(SysError::last(name));
    }
    Ok(())
}

/// Opens `path` (a mount point or directory) for an ioctl.
fn open(path: &str) -> Result<File, String> {
    File::open(path).map_err(|e| format!("{path}: open: {}", errno::describe(&e)))
}

/// Decodes a 32-digit key identifier.
fn identifier(text: &str) -> Result<Identifier, Usage> {
    hex::decode_exact(text).map_err(|e| Usage(format!("identifier {text:?}: {e}")))
}

/// FS_IOC_ADD_ENCRYPTION_KEY of the raw key in `hex_key`; returns the
/// key's identifier. The key is decoded straight into the ioctl argument,
/// which is wiped afterwards, as is the hex text.
fn add_key(mountpoint: &str, hex_key: &mut String) -> Result<Result<Identifier, String>, Usage> {
    let mut arg = AddKeyArg {
        head: AddKeyArgHeader::default(),
        raw: [0; FSCRYPT_MAX_KEY_SIZE],
    };
    let decoded = hex::decode_into(hex_key, &mut arg.raw);
    wipe::wipe_string(hex_key);
    let len = match decoded {
        Ok(len) => len,
        Err(e) => {
            wipe::wipe(&mut arg.raw);
            return Err(Usage(format!("key: {e}")));
        }
    };
    arg.head.key_spec.ty = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
    arg.head.raw_size = len as u32;
    let result = open(mountpoint).and_then(|file| {
        // SAFETY: `arg` is a struct fscrypt_add_key_arg followed by its
        // raw_size bytes of raw[]; the kernel fills in key_spec.
        unsafe {
            ioctl_on(
                &file,
                "FS_IOC_ADD_ENCRYPTION_KEY",
                FS_IOC_ADD_ENCRYPTION_KEY,
                &raw mut arg,
            )
        }
        .map_err(|e| format!("{mountpoint}: {e}"))
    });
    wipe::wipe(&mut arg.raw);
    wipe::clobber_xmm();
    Ok(result.map(|()| {
        let mut id = Identifier::default();
        id.copy_from_slice(&arg.head.key_spec.u[..FSCRYPT_KEY_IDENTIFIER_SIZE]);
        id
    }))
}

/// FS_IOC_SET_ENCRYPTION_POLICY: a v2 policy with key `id`, AES-256-XTS
/// contents, AES-256-CTS file names and 32-byte name padding on `dir`.
fn set_policy(dir: &str, id: &Identifier) -> Result<(), String> {
    let mut policy = PolicyV2 {
        version: FSCRYPT_POLICY_V2,
        contents_encryption_mode: FSCRYPT_MODE_AES_256_XTS,
        filenames_encryption_mode: FSCRYPT_MODE_AES_256_CTS,
        flags: FSCRYPT_POLICY_FLAGS_PAD_32,
        master_key_identifier: *id,
        ..Default::default()
    };
    let file = open(dir)?;
    let name = "FS_IOC_SET_ENCRYPTION_POLICY";
    // SAFETY: the kernel reads the version byte, then the whole v2 policy.
    unsafe { ioctl_on(&file, name, FS_IOC_SET_ENCRYPTION_POLICY, &raw mut policy) }
        .map_err(|e| format!("{dir}: {e}"))
}

/// FS_IOC_REMOVE_ENCRYPTION_KEY of key `id`; returns the removal status
/// flags.
fn remove_key(mountpoint: &str, id: &Identifier) -> Result<u32, String> {
    let mut arg = RemoveKeyArg {
        key_spec: KeySpecifier::identifier(id),
        ..Default::default()
    };
    let file = open(mountpoint)?;
    let name = "FS_IOC_REMOVE_ENCRYPTION_KEY";
    // SAFETY: `arg` is a complete struct fscrypt_remove_key_arg.
    unsafe { ioctl_on(&file, name, FS_IOC_REMOVE_ENCRYPTION_KEY, &raw mut arg) }
        .map_err(|e| format!("{mountpoint}: {e}"))?;
    Ok(arg.removal_status_flags)
}

/// FS_IOC_GET_ENCRYPTION_KEY_STATUS of key `id`, as a word.
fn key_status(mountpoint: &str, id: &Identifier) -> Result<String, String> {
    let mut arg = GetKeyStatusArg {
        key_spec: KeySpecifier::identifier(id),
        ..Default::default()
    };
    let file = open(mountpoint)?;
    let name = "FS_IOC_GET_ENCRYPTION_KEY_STATUS";
    // SAFETY: `arg` is a complete struct fscrypt_get_key_status_arg.
    unsafe { ioctl_on(&file, name, FS_IOC_GET_ENCRYPTION_KEY_STATUS, &raw mut arg) }
        .map_err(|e| format!("{mountpoint}: {e}"))?;
    Ok(match arg.status {
        FSCRYPT_KEY_STATUS_ABSENT => "absent".into(),
        FSCRYPT_KEY_STATUS_PRESENT => "present".into(),
        FSCRYPT_KEY_STATUS_INCOMPLETELY_REMOVED => "incompletely_removed".into(),
        other => format!("unknown_status_{other}"),
    })
}

/// Prints the outcome of subcommand `cmd`: its output, if any, on stdout, or
/// the error on stderr with exit status 1.
fn finish(cmd: &str, outcome: Result<Option<String>, String>) -> i32 {
    match outcome {
        Ok(out) => {
            if let Some(out) = out {
                println!("{out}");
            }
            0
        }
        Err(e) => {
            eprintln!("klcrypt {cmd}: {e}");
            1
        }
    }
}

/// Runs fscrypt subcommand `cmd` (`fscrypt-add-key` and so on).
pub fn run(cmd: &str, args: Vec<String>) -> Result<i32, Usage> {
    let mut opts = args::parse(args, &[], &[])?;
    let [path, mut value] = <[String; 2]>::try_from(opts.positionals(2)?).expect("2 arguments");
    let outcome = match cmd {
        "fscrypt-add-key" => add_key(&path, &mut value)?.map(|id| Some(hex::encode(&id))),
        "fscrypt-set-policy" => set_policy(&path, &identifier(&value)?).map(|()| None),
        "fscrypt-remove-key" => remove_key(&path, &identifier(&value)?).map(|flags| {
            if flags & FSCRYPT_KEY_REMOVAL_STATUS_FLAG_FILES_BUSY != 0 {
                eprintln!("klcrypt {cmd}: files busy: key only incompletely removed");
            }
            if flags & FSCRYPT_KEY_REMOVAL_STATUS_FLAG_OTHER_USERS != 0 {
                eprintln!("klcrypt {cmd}: other users still hold the key");
            }
            None
        }),
        "fscrypt-key-status" => key_status(&path, &identifier(&value)?).map(Some),
        _ => unreachable!("not an fscrypt subcommand: {cmd}"),
    };
    Ok(finish(cmd, outcome))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    fn layouts_match_the_uapi_header() {
        // Values printed by a C program built against <linux/fscrypt.h>,
        // whose layouts equal include/uapi/linux/fscrypt.h of the base
        // kernel.
        assert_eq!(size_of::<PolicyV1>(), 12);
        assert_eq!(size_of::<PolicyV2>(), 24);
        assert_eq!(offset_of!(PolicyV2, master_key_identifier), 8);
        assert_eq!(size_of::<KeySpecifier>(), 40);
        assert_eq!(size_of::<AddKeyArgHeader>(), 80);
        assert_eq!(offset_of!(AddKeyArgHeader, raw_size), 40);
        assert_eq!(offset_of!(AddKeyArg, raw), 80);
        assert_eq!(size_of::<RemoveKeyArg>(), 64);
        assert_eq!(offset_of!(RemoveKeyArg, removal_status_flags), 40);
        assert_eq!(size_of::<GetKeyStatusArg>(), 128);
        assert_eq!(offset_of!(GetKeyStatusArg, status), 64);
    }

    #[test]
    fn ioctl_numbers() {
        // The same C program's values of the FS_IOC_* macros.
        assert_eq!(FS_IOC_SET_ENCRYPTION_POLICY, 0x800c_6613);
        assert_eq!(FS_IOC_ADD_ENCRYPTION_KEY, 0xc050_6617);
        assert_eq!(FS_IOC_REMOVE_ENCRYPTION_KEY, 0xc040_6618);
        assert_eq!(FS_IOC_GET_ENCRYPTION_KEY_STATUS, 0xc080_661a);
    }

    #[test]
    fn identifiers() {
        let id = identifier("000102030405060708090a0b0c0d0e0f").unwrap();
        assert_eq!(id[15], 15);
        assert!(identifier("0001").is_err());
        let spec = KeySpecifier::identifier(&id);
        assert_eq!(spec.ty, 2);
        assert_eq!(spec.u[..16], id);
        assert_eq!(spec.u[16..], [0; 16]);
    }
}
