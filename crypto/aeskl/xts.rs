// SPDX-License-Identifier: GPL-2.0

//! AES-XTS with ciphertext stealing: `xts-aes-aeskl`.
//!
//! XTS is what disks use (dm-crypt, fscrypt), so its shape is tuned for
//! sectors: a sector in one scatterlist entry on each side is transformed
//! in one piece ([`Request::contiguous`]), without a walk, in one FPU
//! section that also encrypts the IV into the tweak; 4096 bytes are 32
//! wide instructions plus the one for the tweak. Other requests are
//! walked, and the IV is encrypted in the first step's FPU section.
//!
//! A message that does not end on a block boundary needs its last full
//! block and the partial one together (ciphertext stealing). They are cut
//! off the walk and processed in a 32-byte buffer read from and written to
//! the scatterlists, in one more FPU section, as the C AES library glue
//! does.
//!
//! The blocks of each walk step go through one XTS loop of
//! [`Modes`](kernel::x86::keylocker::Modes), which keeps the tweak
//! sequence in xmm registers and reads the source and writes the
//! destination directly.

use kernel::{
    crypto::{
        aes,
        skcipher::{
            self,
            xts_verify_key,
            Chunk,
            Data,
            Request,
            TfmFlags, //
        },
        AES_BLOCK_SIZE,
    },
    prelude::*,
    x86::keylocker::{
        Block,
        Direction, //
    },
};

use crate::key::{
    fpu,
    whole_blocks,
    with_handles,
    with_scratch,
    Cipher,
    KlKey,
    TfmKey, //
};

/// The handles for the data and tweak keys of an XTS tfm.
pub(crate) struct KlKeys {
    data: KlKey,
    tweak: KlKey,
}

/// The key of an XTS tfm.
pub(crate) type XtsCtx = TfmKey<KlKeys, aes::XtsKey>;

/// Multiplies the tweak by x in GF(2^128) (the XTS "next tweak").
fn next_tweak(t: u128) -> u128 {
    (t << 1) ^ if t >> 127 != 0 { 0x87 } else { 0 }
}

/// Returns the running tweak `t` (little-endian) and advances it.
fn take(t: &mut Block) -> Block {
    let now = *t;
    *t = next_tweak(u128::from_le_bytes(now)).to_le_bytes();
    now
}

/// XORs `b` into `a`.
fn xor(a: &mut Block, b: &Block) {
    *a = (u128::from_ne_bytes(*a) ^ u128::from_ne_bytes(*b)).to_ne_bytes();
}

/// En/decrypts one block with tweak `t`.
fn xts_one(c: &Cipher<'_>, b: &mut Block, t: &Block, dir: Direction) -> Result {
    xor(b, t);
    match dir {
        Direction::Encrypt => c.encrypt(b)?,
        Direction::Decrypt => c.decrypt(b)?,
    }
    xor(b, t);
    Ok(())
}

/// Ciphertext stealing over the last full block and the partial one after
/// it, both in `buf` (IEEE 1619, section 5.3.2 and 5.4.2).
fn xts_steal(c: &Cipher<'_>, buf: &mut [u8], tweak: &mut Block, dir: Direction) -> Result {
    let t1 = take(tweak);
    let t2 = take(tweak);
    // Decryption undoes the last step first, so it uses the tweaks in the
    // opposite order.
    let (first, second) = match dir {
        Direction::Encrypt => (t1, t2),
        Direction::Decrypt => (t2, t1),
    };
    let (head, partial) = buf.split_at_mut(AES_BLOCK_SIZE);
    let head: &mut Block = head.try_into().map_err(|_| EINVAL)?;
    xts_one(c, head, &first, dir)?;
    // The partial block takes the head of the result; the result's tail
    // completes the partial block, which becomes the full one.
    for (h, p) in head.iter_mut().zip(partial.iter_mut()) {
        core::mem::swap(h, p);
    }
    xts_one(c, head, &second, dir)
}

/// Returns the length of the part of a request that is walked: everything
/// but the last full block and a partial one after it, if there is one.
fn walked_len(len: usize) -> usize {
    match len % AES_BLOCK_SIZE {
        0 => len,
        tail => len - AES_BLOCK_SIZE - tail,
    }
}

/// XTS over the whole request, with ciphertext stealing for a partial
/// last block.
fn crypt(ctx: &XtsCtx, req: &mut Request, dir: Direction) -> Result {
    let len = req.len();
    if len < AES_BLOCK_SIZE {
        return Err(EINVAL);
    }
    let main = walked_len(len);
    match ctx {
        TfmKey::Kl(keys) => {
            if main == len {
                if let Some((data, iv)) = req.contiguous() {
                    return crypt_kl_whole(keys, data, iv, dir);
                }
            }
            crypt_kl(keys, req, main, dir)
        }
        TfmKey::Lib(lib) => crypt_lib(lib, req, main, dir),
        TfmKey::Empty => Err(ENOKEY),
    }
}

/// The IV of a request, one block.
fn iv_block(iv: &[u8]) -> Result<Block> {
    iv.try_into().map_err(|_| EINVAL)
}

/// XTS over a request of whole blocks in one piece (a disk sector), in
/// one FPU section: no walk, no closure. As in the AES-NI glue, the IV
/// buffer is left holding the tweak after the last block.
#[inline(always)]
fn crypt_kl_whole(keys: &KlKeys, data: Data<'_>, iv: &mut [u8], dir: Direction) -> Result {
    let tweak: &mut Block = iv.try_into().map_err(|_| EINVAL)?;
    let fpu = fpu()?;
    let (c, tweak_key) = keys.data.ciphers(&keys.tweak, &fpu)?;
    c.xts(whole_blocks(data), dir, tweak, Some(&tweak_key))
}

fn crypt_kl(keys: &KlKeys, req: &mut Request, main: usize, dir: Direction) -> Result {
    // The tweak after the blocks so far; before the first step, which
    // encrypts the IV into it, unset.
    let mut tweak = None;
    walk_and_steal(req, main, |piece, iv| {
        with_handles(&keys.data, &keys.tweak, |c, tweak_key| {
            let (t, iv_key) = match tweak.as_mut() {
                Some(t) => (t, None),
                None => (tweak.insert(iv_block(iv)?), Some(tweak_key)),
            };
            match piece {
                Piece::Blocks(data) => c.xts(whole_blocks(data), dir, t, iv_key),
                Piece::Tail(buf) => {
                    if let Some(k) = iv_key {
                        k.encrypt(t)?;
                    }
                    xts_steal(c, buf, t, dir)
                }
            }
        })
    })
}

fn crypt_lib(lib: &aes::XtsKey, req: &mut Request, main: usize, dir: Direction) -> Result {
    let mut tweak = None;
    // The library steals the ciphertext itself, in the last piece.
    walk_and_steal(req, main, |piece, iv| {
        let data = match piece {
            Piece::Blocks(data) => data,
            Piece::Tail(buf) => Data::InPlace(buf),
        };
        let (t, cont) = match tweak.as_mut() {
            Some(t) => (t, true),
            None => (tweak.insert(iv_block(iv)?), false),
        };
        match dir {
            Direction::Encrypt => lib.encrypt(data, t, cont),
            Direction::Decrypt => lib.decrypt(data, t, cont),
        }
    })
}

/// What [`walk_and_steal`] hands its step.
enum Piece<'a> {
    /// The whole blocks of a walk step.
    Blocks(Data<'a>),
    /// The last full block and the partial one after it, in a buffer that
    /// is written back to the destination.
    Tail(&'a mut [u8]),
}

/// Runs `step` on the whole blocks of each walk step over the first `main`
/// bytes of `req`, then, if a tail is left (the last full block and a
/// partial one), once more on the tail in a scratch buffer, which it writes
/// back. Each call also gets the request's IV, which only the first uses.
fn walk_and_steal(
    req: &mut Request,
    main: usize,
    mut step: impl FnMut(Piece<'_>, &[u8]) -> Result,
) -> Result {
    let blocks = |chunk: &mut Chunk<'_>| {
        let (data, iv) = chunk.data_and_iv();
        let left = data.len() % AES_BLOCK_SIZE;
        let whole = data.len() - left;
        step(Piece::Blocks(data.split_at(whole).0), iv)?;
        Ok(left)
    };
    if main == req.len() {
        return req.walk(blocks);
    }
    if main > 0 {
        req.walk_prefix(main, blocks)?;
    }
    with_scratch(|buf: &mut [Block; 2]| {
        let buf = &mut buf.as_flattened_mut()[..req.len() - main];
        req.read_at(main, buf)?;
        step(Piece::Tail(buf), req.iv())?;
        req.write_at(main, buf)
    })
}

/// AES-XTS: `xts-aes-aeskl`.
pub(crate) struct Xts;

#[vtable]
impl skcipher::Algorithm for Xts {
    type Context = XtsCtx;

    const NAME: &'static CStr = c"xts(aes)";
    const DRIVER_NAME: &'static CStr = c"xts-aes-aeskl";
    const BLOCK_SIZE: u32 = AES_BLOCK_SIZE as u32;
    const MIN_KEY_SIZE: u32 = 32;
    const MAX_KEY_SIZE: u32 = 64;
    const IV_SIZE: u32 = AES_BLOCK_SIZE as u32;
    const WALK_SIZE: u32 = 2 * AES_BLOCK_SIZE as u32;

    fn init() -> impl PinInit<XtsCtx, Error> {
        Ok(TfmKey::Empty)
    }

    fn setkey(ctx: Pin<&mut XtsCtx>, key: &[u8], flags: TfmFlags) -> Result {
        let ctx = ctx.get_mut();
        if let Err(e) = xts_verify_key(key, flags) {
            *ctx = TfmKey::Empty;
            return Err(e);
        }
        let (data, tweak) = key.split_at(key.len() / 2);
        if data.len() == 24 {
            ctx.set_lib(aes::XtsKey::new(), |lib| lib.prepare(key, flags))
        } else {
            ctx.set_kl(|| {
                Ok(KlKeys {
                    data: KlKey::encode(data)?,
                    tweak: KlKey::encode(tweak)?,
                })
            })
        }
    }

    fn encrypt(ctx: &XtsCtx, req: &mut Request) -> Result {
        crypt(ctx, req, Direction::Encrypt)
    }

    fn decrypt(ctx: &XtsCtx, req: &mut Request) -> Result {
        crypt(ctx, req, Direction::Decrypt)
    }
}
