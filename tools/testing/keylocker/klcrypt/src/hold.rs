// SPDX-License-Identifier: GPL-2.0

//! `hold-key`: keeps a keyed tfm alive while the harness looks for the key
//! in guest memory.
//!
//! The key, given as hex, is decoded straight into one fixed buffer, set on
//! the tfm, and then wiped from this process: the buffer, the hex text and
//! the XMM registers. What remains is the kernel's copy, if the driver
//! keeps one. The program encrypts a fixed message (64 bytes, or `--len`
//! bytes, of a pattern, zero IV if the cipher has one), prints
//! `KLHOLD before <hex>`, waits for a line
//! (or EOF) on stdin, encrypts the message again with the same tfm and
//! prints `KLHOLD after <hex>`. Exit status 0 if both ciphertexts are
//! equal; on an error, `KLHOLD error <errno name>` and exit status 1, and
//! if the encryption itself failed, first `KLHOLD dst <what>`: what the
//! receive buffer holds (`unchanged`, `zero`, `plaintext` or `other`).
//!
//! With `--rekey` the key is kept instead (there is then no residue to
//! check): if the second encryption fails with ENOKEY (the wrapping key
//! changed under the tfm), the same tfm is keyed again and the message
//! encrypted once more, printed as `KLHOLD rekeyed <hex>`; exit status 0
//! if that matches the first ciphertext.

use crate::alg::{self, Op, OpSocket, Tfm};
use crate::args::{self, Usage};
use crate::errno::SysError;
use crate::hex;
use crate::wipe::{self, Secret};
use std::io::Write;

/// The usage line of `hold-key`.
pub const USAGE: &str = "klcrypt hold-key --driver DRIVER --key HEX [--len BYTES] [--rekey]";

/// The longest key: AES-256-XTS.
const MAX_KEY: usize = 64;

/// Bytes of the fixed message unless `--len` says otherwise.
const MESSAGE: usize = 64;

/// What the receive buffer of a failed encryption is filled with first.
const FILL: u8 = 0xa5;

/// Byte `i` of the fixed message: no block of it is all zero or all
/// [`FILL`], so a copy of it in the receive buffer is told apart.
fn message_byte(i: usize) -> u8 {
    (i % 251) as u8 | 0x40
}

/// Encrypts the fixed message of `len` bytes on `socket`.
///
/// On failure the receive buffer, filled with [`FILL`] first, is described
/// in a `KLHOLD dst` line: `unchanged`, `zero`, `plaintext` (some block
/// holds the message's block) or `other`.
fn encrypt_message(socket: &OpSocket, iv_len: usize, len: usize) -> Result<Vec<u8>, SysError> {
    let message: Vec<u8> = (0..len).map(message_byte).collect();
    let iv = [0u8; alg::MAX_IV];
    let mut out = vec![FILL; len];
    let got = socket
        .request(Op::Encrypt, &iv[..iv_len], &[&message], &mut [&mut out])
        .inspect_err(|_| println!("KLHOLD dst {}", describe_dst(&out, &message)))?;
    if got != len {
        return Err(alg::short("readv", got, len));
    }
    Ok(out)
}

/// Names what a failed request left in `out`; see [`encrypt_message`].
fn describe_dst(out: &[u8], message: &[u8]) -> &'static str {
    if out.iter().all(|&b| b == FILL) {
        "unchanged"
    } else if out.iter().all(|&b| b == 0) {
        "zero"
    } else if out.chunks(16).zip(message.chunks(16)).any(|(o, m)| o == m) {
        "plaintext"
    } else {
        "other"
    }
}

/// Reports `e` in the protocol and on stderr; returns exit status 1.
fn error(what: &str, e: &SysError) -> i32 {
    println!("KLHOLD error {}", e.errno_name());
    eprintln!("klcrypt hold-key: {what}: {e}");
    1
}

/// The `hold-key` subcommand.
pub fn run(args: Vec<String>) -> Result<i32, Usage> {
    let mut opts = args::parse(args, &["driver", "key", "len"], &["rekey"])?;
    let driver = opts.required("driver")?;
    let mut hex_key = opts.required("key")?;
    let message = opts.number::<usize>("len")?.unwrap_or(MESSAGE);
    let rekey = opts.flag("rekey");
    opts.positionals(0)?;

    // The one binary copy of the key; wiped on every way out.
    let mut key = Secret::<MAX_KEY>::new();
    let decoded = hex::decode_into(&hex_key, key.buf_mut());
    wipe::wipe_string(&mut hex_key);
    let len = match decoded {
        Ok(0) => return Err(Usage("--key: empty".into())),
        Ok(len) => len,
        Err(e) => return Err(Usage(format!("--key: {e}"))),
    };
    let keyed = Tfm::bind(&driver).and_then(|tfm| tfm.set_key(key.prefix(len)).map(|()| tfm));
    if !rekey {
        key.wipe();
        wipe::clobber_xmm();
    }
    let tfm = match keyed {
        Ok(tfm) => tfm,
        Err(e) => return Ok(error(&format!("keying {driver}"), &e)),
    };
    let socket = match tfm.accept() {
        Ok(socket) => socket,
        Err(e) => return Ok(error("accept", &e)),
    };
    let iv_len = alg::iv_len(&driver);
    let before = match encrypt_message(&socket, iv_len, message) {
        Ok(out) => out,
        Err(e) => return Ok(error("first encryption", &e)),
    };
    println!("KLHOLD before {}", hex::encode(&before));
    let _ = std::io::stdout().flush();

    // Whatever arrives, a line, EOF or a read error, ends the wait.
    let _ = std::io::stdin().read_line(&mut String::new());

    let after = match encrypt_message(&socket, iv_len, message) {
        Ok(out) => out,
        Err(e) if rekey && e.errno_name() == "ENOKEY" => {
            error("second encryption", &e);
            // AF_ALG takes a new key only while no operation socket is open.
            drop(socket);
            let again = tfm
                .set_key(key.prefix(len))
                .and_then(|()| tfm.accept())
                .and_then(|socket| encrypt_message(&socket, iv_len, message));
            return Ok(match again {
                Ok(out) => {
                    println!("KLHOLD rekeyed {}", hex::encode(&out));
                    i32::from(out != before)
                }
                Err(e) => error("encryption after setkey", &e),
            });
        }
        Err(e) => return Ok(error("second encryption", &e)),
    };
    println!("KLHOLD after {}", hex::encode(&after));
    let _ = std::io::stdout().flush();
    Ok(if !before.is_empty() && before == after {
        0
    } else {
        1
    })
}
