// SPDX-License-Identifier: GPL-2.0

//! `cross`: an skcipher implementation checked against a reference, both
//! reached through AF_ALG.
//!
//! For each key length, `count` times: a random key (set on both tfms),
//! IV, message length and plaintext. The reference encrypts the message
//! sent and read in one piece each. The implementation under test encrypts
//! it sent in 1 to 6 sendmsg() pieces and read into 1 to 6 readv() buffers
//! at odd offsets with canary bytes around them, then decrypts the
//! reference's ciphertext the same way. Each result must equal the other
//! side byte for byte, and no byte outside the readv() buffers may change.
//!
//! Everything random comes from one [`Rng`] stream per (mode, key length)
//! under the seed, so a run with the same arguments (or with only the one
//! key length) repeats the same requests.

use crate::alg::{self, Op, OpSocket, Tfm};
use crate::args::{self, Usage};
use crate::errno::SysError;
use crate::plan::{self, Layout, Mode};
use crate::report;
use crate::rng::Rng;

/// The usage line of `cross`.
pub const USAGE: &str = "klcrypt cross --mode ecb|cbc|ctr|xts --test DRIVER --ref DRIVER \
     --keylen N[,N...] --count C --seed S [--maxlen L]";

/// The value of the bytes around the readv() buffers.
const CANARY: u8 = 0xa5;

/// One side of the comparison: something that takes a key and runs
/// requests cut into pieces.
pub trait Cipher {
    /// Sets a new key; earlier requests are finished.
    fn set_key(&mut self, key: &[u8]) -> Result<(), SysError>;

    /// Runs one request on the data of the `tx` pieces, writing the result
    /// into the `rx` buffers; returns how many bytes it wrote.
    fn crypt(
        &mut self,
        op: Op,
        iv: &[u8],
        tx: &[&[u8]],
        rx: &mut [&mut [u8]],
    ) -> Result<usize, SysError>;
}

/// A [`Cipher`] on AF_ALG: one tfm, and one operation socket per key.
struct AlgCipher {
    tfm: Tfm,
    op: Option<OpSocket>,
}

impl AlgCipher {
    /// A tfm of `driver`, not keyed yet.
    fn bind(driver: &str) -> Result<AlgCipher, SysError> {
        Ok(AlgCipher {
            tfm: Tfm::bind(driver)?,
            op: None,
        })
    }
}

impl Cipher for AlgCipher {
    fn set_key(&mut self, key: &[u8]) -> Result<(), SysError> {
        // The kernel refuses a new key while an operation socket is open.
        self.op = None;
        self.tfm.set_key(key)?;
        self.op = Some(self.tfm.accept()?);
        Ok(())
    }

    fn crypt(
        &mut self,
        op: Op,
        iv: &[u8],
        tx: &[&[u8]],
        rx: &mut [&mut [u8]],
    ) -> Result<usize, SysError> {
        let socket = self.op.as_ref().expect("set_key comes first");
        socket.request(op, iv, tx, rx)
    }
}

/// What one check runs.
#[derive(Clone, Debug)]
pub struct Params {
    pub mode: Mode,
    pub keylen: usize,
    pub count: u64,
    pub seed: u64,
    pub max_len: usize,
}

/// One request through the implementation under test, cut up.
struct Scattered {
    /// The bytes of the readv() buffers, concatenated.
    out: Vec<u8>,
    /// What the request returned.
    got: usize,
    /// The first byte outside the buffers that changed.
    stray: Option<usize>,
    /// The sendmsg() pieces.
    tx: Vec<usize>,
    /// The readv() buffers.
    rx: Layout,
}

/// Runs `input` through `cipher` in random pieces (see [`plan::split`] and
/// [`plan::layout`]).
fn scattered(
    cipher: &mut dyn Cipher,
    rng: &mut Rng,
    op: Op,
    iv: &[u8],
    input: &[u8],
) -> Result<Scattered, SysError> {
    let tx_lens = plan::split(rng, input.len());
    let rx = plan::layout(rng, input.len());
    let mut tx = Vec::new();
    let mut rest = input;
    for &len in &tx_lens {
        let (piece, tail) = rest.split_at(len);
        tx.push(piece);
        rest = tail;
    }
    let mut buf = vec![CANARY; rx.size];
    let got = cipher.crypt(op, iv, &tx, &mut carve(&mut buf, &rx))?;
    let out = rx
        .pieces
        .iter()
        .flat_map(|&(at, len)| &buf[at..at + len])
        .copied()
        .collect();
    Ok(Scattered {
        out,
        got,
        stray: stray(&buf, &rx),
        tx: tx_lens,
        rx,
    })
}

/// The buffers of `layout`, cut out of `buf`.
fn carve<'a>(buf: &'a mut [u8], layout: &Layout) -> Vec<&'a mut [u8]> {
    let mut bufs = Vec::new();
    let mut rest = buf;
    let mut start = 0;
    for &(at, len) in &layout.pieces {
        let (_, tail) = std::mem::take(&mut rest).split_at_mut(at - start);
        let (piece, tail) = tail.split_at_mut(len);
        bufs.push(piece);
        rest = tail;
        start = at + len;
    }
    bufs
}

/// The first byte of `buf` outside the buffers of `layout` that is no
/// longer [`CANARY`].
fn stray(buf: &[u8], layout: &Layout) -> Option<usize> {
    let inside = |i: usize| {
        layout
            .pieces
            .iter()
            .any(|&(at, len)| (at..at + len).contains(&i))
    };
    (0..buf.len()).find(|&i| buf[i] != CANARY && !inside(i))
}

/// What is wrong with `s`, which should have produced `want`.
fn judge(s: &Scattered, want: &[u8]) -> Option<String> {
    if s.got != want.len() {
        return Some(format!("returned {} bytes", s.got));
    }
    if let Some(at) = s.out.iter().zip(want).position(|(a, b)| a != b) {
        return Some(format!("first wrong byte at {at}"));
    }
    s.stray
        .map(|at| format!("wrote byte {at} of the scratch buffer, outside the readv() buffers"))
}

/// One iteration: returns the mismatches found, or the failure that stops
/// the check.
fn iteration(
    test: &mut dyn Cipher,
    reference: &mut dyn Cipher,
    p: &Params,
    rng: &mut Rng,
    i: u64,
) -> Result<Vec<String>, String> {
    let key = plan::random_key(rng, p.keylen, p.mode == Mode::Xts);
    let mut iv = vec![0; p.mode.iv_len()];
    rng.fill(&mut iv);
    let len = plan::message_len(rng, p.mode, p.max_len);
    let mut plain = vec![0; len];
    rng.fill(&mut plain);

    test.set_key(&key).map_err(|e| format!("test {e}"))?;
    reference
        .set_key(&key)
        .map_err(|e| format!("reference {e}"))?;
    let mut cipher = vec![0; len];
    match reference.crypt(Op::Encrypt, &iv, &[&plain], &mut [&mut cipher]) {
        Ok(got) if got == len => {}
        Ok(got) => return Err(format!("reference encrypt len {len}: returned {got} bytes")),
        Err(e) => return Err(format!("reference encrypt len {len}: {e}")),
    }

    let mut problems = Vec::new();
    for (op, input, want) in [
        (Op::Encrypt, &plain, &cipher),
        (Op::Decrypt, &cipher, &plain),
    ] {
        let s = scattered(test, rng, op, &iv, input)
            .map_err(|e| format!("test {} len {len}: {e}", op.name()))?;
        if let Some(problem) = judge(&s, want) {
            problems.push(format!(
                "iteration {i} {} len {len} sent as {:?} read into (offset, len) {:?}: {problem}",
                op.name(),
                s.tx,
                s.rx.pieces
            ));
        }
    }
    Ok(problems)
}

/// Runs one check of `test` against `reference`: whether it passed and the
/// detail of its result line.
pub fn check(test: &mut dyn Cipher, reference: &mut dyn Cipher, p: &Params) -> (bool, String) {
    let mut rng = Rng::stream(p.seed, p.mode.tag() << 32 | p.keylen as u64);
    let mut mismatches = 0u64;
    let mut first = None;
    for i in 0..p.count {
        match iteration(test, reference, p, &mut rng, i) {
            Ok(problems) => {
                mismatches += problems.len() as u64;
                if first.is_none() {
                    first = problems.into_iter().next();
                }
            }
            Err(e) => {
                let detail = format!(
                    "iteration {i} of {}: {e}; {mismatches} mismatches before; seed {}",
                    p.count, p.seed
                );
                return (false, detail);
            }
        }
    }
    let summary = format!(
        "{} requests, {mismatches} mismatches, seed {}, maxlen {}",
        p.count, p.seed, p.max_len
    );
    match first {
        None => (true, summary),
        Some(first) => (false, format!("{summary}; first: {first}")),
    }
}

/// Parses `32,48,64`.
fn key_lengths(text: &str) -> Result<Vec<usize>, Usage> {
    text.split(',')
        .map(|n| match n.parse() {
            Ok(len @ 1..=64) => Ok(len),
            _ => Err(Usage(format!(
                "--keylen: {n:?} is not a length of 1-64 bytes"
            ))),
        })
        .collect()
}

/// The `cross` subcommand. Exit status 0 when all checks ran, 1 when
/// AF_ALG is missing altogether.
pub fn run(args: Vec<String>) -> Result<i32, Usage> {
    let valued = ["mode", "test", "ref", "keylen", "count", "seed", "maxlen"];
    let mut opts = args::parse(args, &valued, &[])?;
    let mode = opts.required("mode")?;
    let mode = Mode::parse(&mode)
        .ok_or_else(|| Usage(format!("--mode: {mode:?} is not ecb, cbc, ctr or xts")))?;
    let test = opts.required("test")?;
    let reference = opts.required("ref")?;
    let keylens = key_lengths(&opts.required("keylen")?)?;
    let count = opts
        .number::<u64>("count")?
        .ok_or_else(|| Usage("--count is required".into()))?;
    let seed = opts.required("seed")?;
    let seed = args::parse_u64(&seed).ok_or_else(|| Usage(format!("--seed: {seed:?}")))?;
    let max_len = opts.number("maxlen")?.unwrap_or(plan::DEFAULT_MAX_LEN);
    if !(mode.min_len()..=plan::MAX_LEN).contains(&max_len) {
        let (min, max) = (mode.min_len(), plan::MAX_LEN);
        return Err(Usage(format!(
            "--maxlen must be {min}-{max} for {}",
            mode.name()
        )));
    }
    opts.positionals(0)?;

    let names: Vec<String> = keylens
        .iter()
        .map(|len| format!("cross-{}-{}", mode.name(), 8 * len))
        .collect();
    if let Err(e) = alg::probe() {
        for name in &names {
            report::result(name, false, format_args!("AF_ALG unavailable: {e}"));
        }
        return Ok(1);
    }
    for (&keylen, name) in keylens.iter().zip(&names) {
        let params = Params {
            mode,
            keylen,
            count,
            seed,
            max_len,
        };
        let (status, detail) = match (AlgCipher::bind(&test), AlgCipher::bind(&reference)) {
            (Err(e), _) => (false, format!("cannot bind test driver {test}: {e}")),
            (_, Err(e)) => (false, format!("cannot bind reference {reference}: {e}")),
            (Ok(mut t), Ok(mut r)) => check(&mut t, &mut r, &params),
        };
        report::result(name, status, detail);
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    /// How a [`Toy`] goes wrong.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Flaw {
        None,
        /// Restarts its keystream at every sendmsg() piece.
        PerPiece,
        /// Fails the nth setkey with EINVAL.
        SetKey(usize),
    }

    /// An involution standing in for a cipher: byte i of the message is
    /// XORed with key, IV and position, so encrypt and decrypt are equal.
    struct Toy {
        key: Vec<u8>,
        flaw: Flaw,
        set_keys: usize,
    }

    impl Toy {
        fn new(flaw: Flaw) -> Toy {
            Toy {
                key: Vec::new(),
                flaw,
                set_keys: 0,
            }
        }

        fn mix(&self, iv: &[u8], data: &[u8]) -> Vec<u8> {
            let ivb = |i: usize| if iv.is_empty() { 0 } else { iv[i % iv.len()] };
            let keyb = |i: usize| self.key[i % self.key.len()];
            (0..data.len())
                .map(|i| data[i] ^ keyb(i) ^ ivb(i) ^ i as u8)
                .collect()
        }
    }

    impl Cipher for Toy {
        fn set_key(&mut self, key: &[u8]) -> Result<(), SysError> {
            self.set_keys += 1;
            if self.flaw == Flaw::SetKey(self.set_keys) {
                let err = io::Error::from_raw_os_error(22);
                return Err(SysError {
                    call: "setsockopt(ALG_SET_KEY)",
                    err,
                });
            }
            self.key = key.to_vec();
            Ok(())
        }

        fn crypt(
            &mut self,
            _op: Op,
            iv: &[u8],
            tx: &[&[u8]],
            rx: &mut [&mut [u8]],
        ) -> Result<usize, SysError> {
            let out = match self.flaw {
                Flaw::PerPiece => tx.iter().flat_map(|piece| self.mix(iv, piece)).collect(),
                _ => self.mix(iv, &tx.concat()),
            };
            let mut rest = &out[..];
            for buf in rx.iter_mut() {
                let n = buf.len().min(rest.len());
                buf[..n].copy_from_slice(&rest[..n]);
                rest = &rest[n..];
            }
            Ok(out.len() - rest.len())
        }
    }

    fn params(mode: Mode) -> Params {
        Params {
            mode,
            keylen: 32,
            count: 200,
            seed: 1,
            max_len: plan::DEFAULT_MAX_LEN,
        }
    }

    #[test]
    fn agreeing_ciphers_pass() {
        for mode in [Mode::Ecb, Mode::Cbc, Mode::Ctr, Mode::Xts] {
            let (status, detail) = check(
                &mut Toy::new(Flaw::None),
                &mut Toy::new(Flaw::None),
                &params(mode),
            );
            assert!(status, "{detail}");
            assert_eq!(detail, "200 requests, 0 mismatches, seed 1, maxlen 4200");
        }
    }

    #[test]
    fn a_split_bug_fails_reproducibly() {
        let run = || {
            check(
                &mut Toy::new(Flaw::PerPiece),
                &mut Toy::new(Flaw::None),
                &params(Mode::Ctr),
            )
        };
        let (status, detail) = run();
        assert!(!status);
        assert!(detail.starts_with("200 requests, "), "{detail}");
        assert!(!detail.contains(" 0 mismatches"), "{detail}");
        assert!(detail.contains("; first: iteration "), "{detail}");
        assert!(detail.contains("first wrong byte at"), "{detail}");
        assert_eq!(run().1, detail);
    }

    #[test]
    fn a_syscall_error_fails() {
        let (status, detail) = check(
            &mut Toy::new(Flaw::SetKey(3)),
            &mut Toy::new(Flaw::None),
            &params(Mode::Xts),
        );
        assert!(!status);
        assert_eq!(
            detail,
            "iteration 2 of 200: test setsockopt(ALG_SET_KEY): EINVAL; \
             0 mismatches before; seed 1"
        );
    }

    #[test]
    fn stray_writes_are_caught() {
        let layout = Layout {
            pieces: vec![(3, 4), (7, 2), (12, 5)],
            size: 20,
        };
        let mut buf = vec![CANARY; layout.size];
        {
            let bufs = carve(&mut buf, &layout);
            assert_eq!(bufs.iter().map(|b| b.len()).collect::<Vec<_>>(), [4, 2, 5]);
            for b in bufs {
                b.fill(0);
            }
        }
        assert_eq!(stray(&buf, &layout), None);
        buf[10] = 0;
        assert_eq!(stray(&buf, &layout), Some(10));
        let s = Scattered {
            out: vec![0; 11],
            got: 11,
            stray: Some(10),
            tx: vec![11],
            rx: layout,
        };
        assert!(judge(&s, &[0; 11]).unwrap().contains("outside"));
        assert!(judge(&s, &[1; 11])
            .unwrap()
            .contains("first wrong byte at 0"));
        assert!(judge(&s, &[0; 12]).unwrap().contains("returned 11 bytes"));
    }

    #[test]
    fn key_length_lists() {
        assert_eq!(key_lengths("32,48,64").unwrap(), [32, 48, 64]);
        assert!(key_lengths("32,").is_err());
        assert!(key_lengths("65").is_err());
    }
}
