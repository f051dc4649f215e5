// SPDX-License-Identifier: GPL-2.0

//! The ring-3 checks, run once CPUID said Key Locker is usable.
//!
//! Each check prints one `KLRESULT` line. An operation that should fail must
//! return ZF=1 and leave its destination unchanged, which through the
//! intrinsics means the output equals the input (see [`crate::kl`]).

use crate::fips::{self, Block, PLAINTEXT};
use crate::kl::{Dir, Handle, KeySize, Kl, Outcome, WideKl};
use crate::report::{self, hex, Status};

/// ENCODEKEY restriction bits (the `ctl` operand, and AAD bits 2:0).
const RESTRICT_CPL0: u32 = 1 << 0;
const RESTRICT_NO_ENCRYPT: u32 = 1 << 1;
const RESTRICT_NO_DECRYPT: u32 = 1 << 2;

/// The instructions under test, with whatever CPUID enables.
struct Ctx<'a> {
    kl: &'a Kl,
    wide: Option<&'a WideKl>,
}

/// Runs every check for both key sizes.
pub fn run(kl: &Kl) {
    let wide = kl.wide();
    let ctx = Ctx {
        kl,
        wide: wide.as_ref(),
    };
    for size in [KeySize::Aes128, KeySize::Aes256] {
        let handle = encodekey_return(&ctx, size);
        known_answer(&ctx, &handle);
        wide_blocks(&ctx, &handle);
        restrictions(&ctx, size);
        tampering(&ctx, &handle);
        wrong_size(&ctx, &handle);
    }
}

/// The FIPS-197 key, plaintext and ciphertext for `size`.
fn vector(size: KeySize) -> (&'static [u8], Block) {
    match size {
        KeySize::Aes128 => (&fips::AES128_KEY, fips::AES128_CIPHERTEXT),
        KeySize::Aes256 => (&fips::AES256_KEY, fips::AES256_CIPHERTEXT),
    }
}

/// The FIPS-197 section of `size`'s vector, for details.
fn section(size: KeySize) -> &'static str {
    match size {
        KeySize::Aes128 => "FIPS-197 C.1",
        KeySize::Aes256 => "FIPS-197 C.3",
    }
}

/// ENCODEKEY128/256 of the FIPS key with restrictions `ctl`.
fn encode(ctx: &Ctx, size: KeySize, ctl: u32) -> (u32, Handle) {
    match (size, vector(size).0) {
        (KeySize::Aes128, key) => ctx.kl.encodekey128(ctl, key.try_into().expect("16 bytes")),
        (KeySize::Aes256, key) => ctx.kl.encodekey256(ctl, key.try_into().expect("32 bytes")),
    }
}

/// The 32-bit little-endian word at `at` of a handle.
fn handle_word(handle: &Handle, at: usize) -> u32 {
    u32::from_le_bytes(handle.bytes[at..at + 4].try_into().expect("4 bytes"))
}

/// ENCODEKEY's EAX: bit 0 NoBackup and bits 4:1 KeySource of the IWKey the
/// kernel loaded. Their values depend on the kernel's mode, so they are
/// reported, not judged; only the reserved bits 31:5 must be zero. Returns
/// the unrestricted handle of the FIPS key for the other checks.
fn encodekey_return(ctx: &Ctx, size: KeySize) -> Handle {
    let (ret, handle) = encode(ctx, size, 0);
    let len = size.handle_len();
    report::judge(
        &format!("ring3-encodekey{}-return", size.bits()),
        ret >> 5 == 0,
        format_args!(
            "eax={ret:#x} nobackup={} keysource={} aad[31:0]={:#010x} handle-tail-zero={}",
            ret & 1,
            (ret >> 1) & 0xf,
            handle_word(&handle, 0),
            handle.bytes[len..].iter().all(|&b| b == 0),
        ),
    );
    handle
}

/// Describes `o` against what the operation named `what` should have done
/// on `input`: succeed with `want`, or (`None`) fail with ZF=1 and the
/// output unchanged. Returns whether it did, and a short description.
fn verdict(what: &str, zf: u8, out: &[u8], input: &[u8], want: Option<&[u8]>) -> (bool, String) {
    match want {
        Some(want) if zf == 0 && out == want => (true, format!("{what}:ok")),
        Some(want) => (
            false,
            format!(
                "{what}:zf={zf},out={},want-zf=0,out={}",
                hex(out),
                hex(want)
            ),
        ),
        None if zf == 1 && out == input => (true, format!("{what}:refused")),
        None => (
            false,
            format!(
                "{what}:zf={zf},out={},want-zf=1,out-unchanged={}",
                hex(out),
                hex(input)
            ),
        ),
    }
}

/// Single-block form of [`verdict`].
fn verdict1(what: &str, o: &Outcome<Block>, input: &Block, want: Option<&Block>) -> (bool, String) {
    verdict(what, o.zf, &o.out, input, want.map(|w| &w[..]))
}

/// Eight-block form of [`verdict`].
fn verdict8(
    what: &str,
    o: &Outcome<[Block; 8]>,
    input: &[Block; 8],
    want: Option<&[Block; 8]>,
) -> (bool, String) {
    verdict(
        what,
        o.zf,
        o.out.as_flattened(),
        input.as_flattened(),
        want.map(|w| w.as_flattened()),
    )
}

/// Reports a check made of several verdicts: ok if all passed.
fn report_all(name: &str, prefix: &str, verdicts: &[(bool, String)]) {
    let passed = verdicts.iter().all(|(ok, _)| *ok);
    let parts: Vec<&str> = verdicts.iter().map(|(_, s)| s.as_str()).collect();
    report::judge(name, passed, format_args!("{prefix}{}", parts.join(" ")));
}

/// FIPS-197 known answers: AESENC*KL of the plaintext gives the published
/// ciphertext, AESDEC*KL of that gives the plaintext back.
fn known_answer(ctx: &Ctx, handle: &Handle) {
    let size = handle.size;
    let ct = vector(size).1;
    let enc = ctx.kl.crypt(size, Dir::Encrypt, handle, &PLAINTEXT);
    let (ok, detail) = verdict1("enc", &enc, &PLAINTEXT, Some(&ct));
    report::judge(
        &format!("ring3-aes{}-encrypt", size.bits()),
        ok,
        format_args!("{}: {detail}", section(size)),
    );
    let dec = ctx.kl.crypt(size, Dir::Decrypt, handle, &ct);
    let (ok, detail) = verdict1("dec", &dec, &ct, Some(&PLAINTEXT));
    report::judge(
        &format!("ring3-aes{}-decrypt", size.bits()),
        ok,
        format_args!("{}: {detail}", section(size)),
    );
}

/// The wide instructions on eight distinct blocks must agree with the
/// single-block ones, block by block, in both directions.
fn wide_blocks(ctx: &Ctx, handle: &Handle) {
    let size = handle.size;
    let enc_name = format!("ring3-aes{}-wide-encrypt", size.bits());
    let dec_name = format!("ring3-aes{}-wide-decrypt", size.bits());
    let Some(wide) = ctx.wide else {
        for name in [enc_name, dec_name] {
            report::result(
                &name,
                Status::Skip,
                "CPUID.19H:EBX[2]=0: no wide instructions",
            );
        }
        return;
    };
    let plain = fips::wide_plaintexts();
    let single: Vec<Outcome<Block>> = plain
        .iter()
        .map(|p| ctx.kl.crypt(size, Dir::Encrypt, handle, p))
        .collect();
    if let Some(bad) = single.iter().position(|o| o.zf != 0) {
        for name in [enc_name, dec_name] {
            report::result(
                &name,
                Status::Fail,
                format_args!("no reference: single-block encryption of block {bad} failed"),
            );
        }
        return;
    }
    let cipher: [Block; 8] = std::array::from_fn(|i| single[i].out);

    let enc = wide.crypt(size, Dir::Encrypt, handle, &plain);
    let (ok, detail) = verdict8("encwide", &enc, &plain, Some(&cipher));
    report::judge(
        &enc_name,
        ok,
        format_args!("8 blocks vs single-block: {detail}"),
    );
    let dec = wide.crypt(size, Dir::Decrypt, handle, &cipher);
    let (ok, detail) = verdict8("decwide", &dec, &cipher, Some(&plain));
    report::judge(
        &dec_name,
        ok,
        format_args!("8 blocks vs single-block: {detail}"),
    );
}

/// A handle restriction: name, ENCODEKEY bit, whether CPUID.19H:EAX
/// enumerates it, and whether encryption and decryption stay allowed at
/// ring 3.
struct Restriction {
    name: &'static str,
    ctl: u32,
    eax_bit: u32,
    supported: bool,
    encrypts: bool,
    decrypts: bool,
}

/// Handles made with each restriction CPUID enumerates: a CPL0-only handle
/// is refused at ring 3 in both directions, a no-encrypt one refuses only
/// encryption, a no-decrypt one only decryption. The wide forms (if
/// present) must obey the same restrictions.
fn restrictions(ctx: &Ctx, size: KeySize) {
    let leaf = ctx.kl.leaf19();
    let all = [
        Restriction {
            name: "cpl0-only",
            ctl: RESTRICT_CPL0,
            eax_bit: 0,
            supported: leaf.restrict_cpl0(),
            encrypts: false,
            decrypts: false,
        },
        Restriction {
            name: "no-encrypt",
            ctl: RESTRICT_NO_ENCRYPT,
            eax_bit: 1,
            supported: leaf.restrict_no_encrypt(),
            encrypts: false,
            decrypts: true,
        },
        Restriction {
            name: "no-decrypt",
            ctl: RESTRICT_NO_DECRYPT,
            eax_bit: 2,
            supported: leaf.restrict_no_decrypt(),
            encrypts: true,
            decrypts: false,
        },
    ];
    let ct = vector(size).1;
    for r in all {
        let name = format!("ring3-aes{}-{}", size.bits(), r.name);
        if !r.supported {
            report::result(
                &name,
                Status::Skip,
                format_args!("CPUID.19H:EAX[{}]=0: restriction not enumerated", r.eax_bit),
            );
            continue;
        }
        let (_, handle) = encode(ctx, size, r.ctl);
        let mut verdicts = Vec::new();
        let enc = ctx.kl.crypt(size, Dir::Encrypt, &handle, &PLAINTEXT);
        verdicts.push(verdict1("enc", &enc, &PLAINTEXT, r.encrypts.then_some(&ct)));
        let dec = ctx.kl.crypt(size, Dir::Decrypt, &handle, &ct);
        verdicts.push(verdict1("dec", &dec, &ct, r.decrypts.then_some(&PLAINTEXT)));
        if let Some(wide) = ctx.wide {
            let (plain8, ct8) = ([PLAINTEXT; 8], [ct; 8]);
            let enc = wide.crypt(size, Dir::Encrypt, &handle, &plain8);
            verdicts.push(verdict8(
                "encwide",
                &enc,
                &plain8,
                r.encrypts.then_some(&ct8),
            ));
            let dec = wide.crypt(size, Dir::Decrypt, &handle, &ct8);
            verdicts.push(verdict8(
                "decwide",
                &dec,
                &ct8,
                r.decrypts.then_some(&plain8),
            ));
        }
        report_all(
            &name,
            &format!(
                "ctl={:#x} aad[31:0]={:#010x}: ",
                r.ctl,
                handle_word(&handle, 0)
            ),
            &verdicts,
        );
    }
}

/// Handles with one bit flipped in each authenticated field must be refused.
///
/// The AAD flip sets the no-decrypt bit (bit 2 of byte 0) and then
/// encrypts: encryption does not look at that bit, so only the integrity
/// check can refuse it. (If the CPU treats the bit as reserved because
/// no-decrypt is not enumerated, refusing is still right.) The tag and key
/// flips are tried in both directions. A 256-bit handle's key is also
/// flipped in its upper half (bytes 48-63).
fn tampering(ctx: &Ctx, handle: &Handle) {
    let size = handle.size;
    let ct = vector(size).1;
    let mut flips: Vec<(&str, usize, u8, bool)> = vec![
        ("aad", 0, 1 << 2, false),
        ("tag", 21, 1 << 0, true),
        ("key", 41, 1 << 7, true),
    ];
    if size == KeySize::Aes256 {
        flips.push(("key-hi", 56, 1 << 3, true));
    }
    for (field, byte, mask, both_ways) in flips {
        let mut bad = *handle;
        bad.bytes[byte] ^= mask;
        let mut verdicts = Vec::new();
        let enc = ctx.kl.crypt(size, Dir::Encrypt, &bad, &PLAINTEXT);
        verdicts.push(verdict1("enc", &enc, &PLAINTEXT, None));
        if both_ways {
            let dec = ctx.kl.crypt(size, Dir::Decrypt, &bad, &ct);
            verdicts.push(verdict1("dec", &dec, &ct, None));
        }
        report_all(
            &format!("ring3-aes{}-tamper-{field}", size.bits()),
            &format!("byte {byte} ^= {mask:#04x}: "),
            &verdicts,
        );
    }
}

/// A handle used with the instruction of the other key size must be
/// refused (key type in the AAD does not match).
fn wrong_size(ctx: &Ctx, handle: &Handle) {
    let (insn, ct) = match handle.size {
        KeySize::Aes128 => (KeySize::Aes256, fips::AES256_CIPHERTEXT),
        KeySize::Aes256 => (KeySize::Aes128, fips::AES128_CIPHERTEXT),
    };
    let enc = ctx.kl.crypt(insn, Dir::Encrypt, handle, &PLAINTEXT);
    let dec = ctx.kl.crypt(insn, Dir::Decrypt, handle, &ct);
    report_all(
        &format!(
            "ring3-aes{}-handle-with-{}-insn",
            handle.size.bits(),
            insn.bits()
        ),
        &format!("aes{{enc,dec}}{}kl: ", insn.bits()),
        &[
            verdict1("enc", &enc, &PLAINTEXT, None),
            verdict1("dec", &dec, &ct, None),
        ],
    );
}
