// SPDX-License-Identifier: GPL-2.0

//! AES-ECB, AES-CBC and AES-CTR.
//!
//! The three share a context: one handle (AES-128/256) or, for AES-192,
//! the AES library's key. Each walk step is one call into the mode loops of
//! [`Modes`](kernel::x86::keylocker::Modes), which read the source and
//! write the destination directly, eight blocks per instruction where the
//! mode allows it (ECB, CBC decryption, CTR; CBC encryption is
//! sequential). The partial block that may end a CTR request is XORed with
//! one keystream block made in a scratch block, wiped afterwards. A request
//! that fails (`ENOKEY`) has its destination zeroed by the skcipher layer.

use kernel::{
    crypto::{
        aes,
        skcipher::{
            self,
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
    with_handle,
    with_scratch,
    Cipher,
    KlKey,
    TfmKey, //
};

/// The key of an ECB, CBC or CTR tfm.
pub(crate) type BlockCtx = TfmKey<KlKey, aes::Key>;

/// Sets the key of an ECB, CBC or CTR tfm (16, 24 or 32 bytes).
fn setkey(ctx: Pin<&mut BlockCtx>, key: &[u8]) -> Result {
    let ctx = ctx.get_mut();
    if key.len() == 24 {
        ctx.set_lib(aes::Key::new(), |lib| lib.prepare(key))
    } else {
        ctx.set_kl(|| KlKey::encode(key))
    }
}

/// The number of bytes at the end of `len` bytes that are not a whole
/// block.
fn partial_len(len: usize) -> usize {
    len % AES_BLOCK_SIZE
}

fn iv_block(iv: &mut [u8]) -> Result<&mut Block> {
    iv.try_into().map_err(|_| EINVAL)
}

/// AES-ECB.
pub(crate) struct Ecb;

/// Splits a walk step's data into its whole blocks and the number of
/// bytes after them.
fn whole(data: Data<'_>) -> (Data<'_>, usize) {
    let left = partial_len(data.len());
    let whole = data.len() - left;
    (data.split_at(whole).0, left)
}

/// ECB over the request's whole blocks.
fn ecb(ctx: &BlockCtx, req: &mut Request, dir: Direction) -> Result {
    req.walk(|chunk: &mut Chunk<'_>| {
        let (data, left) = whole(chunk.data());
        match (ctx, dir) {
            (TfmKey::Kl(kl), _) => with_handle(kl, |c| c.ecb(whole_blocks(data), dir))?,
            (TfmKey::Lib(lib), Direction::Encrypt) => lib.ecb_encrypt(data)?,
            (TfmKey::Lib(lib), Direction::Decrypt) => lib.ecb_decrypt(data)?,
            (TfmKey::Empty, _) => return Err(ENOKEY),
        }
        Ok(left)
    })
}

#[vtable]
impl skcipher::Algorithm for Ecb {
    type Context = BlockCtx;

    const NAME: &'static CStr = c"ecb(aes)";
    const DRIVER_NAME: &'static CStr = c"ecb-aes-aeskl";
    const BLOCK_SIZE: u32 = AES_BLOCK_SIZE as u32;
    const MIN_KEY_SIZE: u32 = 16;
    const MAX_KEY_SIZE: u32 = 32;

    fn init() -> impl PinInit<BlockCtx, Error> {
        Ok(TfmKey::Empty)
    }

    fn setkey(ctx: Pin<&mut BlockCtx>, key: &[u8], _flags: TfmFlags) -> Result {
        setkey(ctx, key)
    }

    fn encrypt(ctx: &BlockCtx, req: &mut Request) -> Result {
        ecb(ctx, req, Direction::Encrypt)
    }

    fn decrypt(ctx: &BlockCtx, req: &mut Request) -> Result {
        ecb(ctx, req, Direction::Decrypt)
    }
}

/// AES-CBC.
pub(crate) struct Cbc;

/// CBC over the request's whole blocks.
fn cbc(ctx: &BlockCtx, req: &mut Request, dir: Direction) -> Result {
    req.walk(|chunk: &mut Chunk<'_>| {
        let (data, iv) = chunk.data_and_iv();
        let iv = iv_block(iv)?;
        let (data, left) = whole(data);
        match (ctx, dir) {
            (TfmKey::Kl(kl), _) => with_handle(kl, |c| c.cbc(whole_blocks(data), dir, iv))?,
            (TfmKey::Lib(lib), Direction::Encrypt) => lib.cbc_encrypt(data, iv)?,
            (TfmKey::Lib(lib), Direction::Decrypt) => lib.cbc_decrypt(data, iv)?,
            (TfmKey::Empty, _) => return Err(ENOKEY),
        }
        Ok(left)
    })
}

#[vtable]
impl skcipher::Algorithm for Cbc {
    type Context = BlockCtx;

    const NAME: &'static CStr = c"cbc(aes)";
    const DRIVER_NAME: &'static CStr = c"cbc-aes-aeskl";
    const BLOCK_SIZE: u32 = AES_BLOCK_SIZE as u32;
    const MIN_KEY_SIZE: u32 = 16;
    const MAX_KEY_SIZE: u32 = 32;
    const IV_SIZE: u32 = AES_BLOCK_SIZE as u32;

    fn init() -> impl PinInit<BlockCtx, Error> {
        Ok(TfmKey::Empty)
    }

    fn setkey(ctx: Pin<&mut BlockCtx>, key: &[u8], _flags: TfmFlags) -> Result {
        setkey(ctx, key)
    }

    fn encrypt(ctx: &BlockCtx, req: &mut Request) -> Result {
        cbc(ctx, req, Direction::Encrypt)
    }

    fn decrypt(ctx: &BlockCtx, req: &mut Request) -> Result {
        cbc(ctx, req, Direction::Decrypt)
    }
}

/// AES-CTR with a 128-bit big-endian counter.
pub(crate) struct Ctr;

/// XORs the keystream into `data`, starting at counter `iv`, and leaves
/// `iv` at the counter after the last (partial or whole) block used. The
/// keystream of a partial last block is made in a scratch block, wiped
/// afterwards. Inlined into both of its callers: a call would cost about
/// forty instructions per request.
#[inline(always)]
fn ctr_kl(c: &Cipher<'_>, data: Data<'_>, iv: &mut Block) -> Result {
    let whole = data.len() - partial_len(data.len());
    let (blocks, tail) = data.split_at(whole);
    c.ctr(whole_blocks(blocks), iv)?;
    if tail.is_empty() {
        return Ok(());
    }
    with_scratch(|ks: &mut [Block; 1]| {
        ks[0] = *iv;
        c.encrypt(&mut ks[0])?;
        match tail {
            Data::InPlace(data) => data.iter_mut().zip(&ks[0]).for_each(|(x, k)| *x ^= k),
            Data::Separate { src, dst } => {
                for ((d, s), k) in dst.iter_mut().zip(src).zip(&ks[0]) {
                    *d = s ^ k;
                }
            }
        }
        *iv = u128::from_be_bytes(*iv).wrapping_add(1).to_be_bytes();
        Ok(())
    })
}

/// CTR over the whole request; it is its own inverse, so both directions
/// run this.
fn ctr(ctx: &BlockCtx, req: &mut Request) -> Result {
    // A request in one piece needs no walk.
    if let TfmKey::Kl(kl) = ctx {
        if let Some((data, iv)) = req.contiguous() {
            let iv = iv_block(iv)?;
            let fpu = fpu()?;
            return ctr_kl(&kl.cipher(&fpu)?, data, iv);
        }
    }
    req.walk(|chunk: &mut Chunk<'_>| {
        // Only the last step may end in a partial block.
        let is_last = chunk.is_last();
        let (data, iv) = chunk.data_and_iv();
        let iv = iv_block(iv)?;
        let left = if is_last { 0 } else { partial_len(data.len()) };
        let len = data.len() - left;
        let (data, _) = data.split_at(len);
        match ctx {
            TfmKey::Kl(kl) => with_handle(kl, |c| ctr_kl(c, data, iv))?,
            TfmKey::Lib(lib) => lib.ctr(data, iv)?,
            TfmKey::Empty => return Err(ENOKEY),
        }
        Ok(left)
    })
}

#[vtable]
impl skcipher::Algorithm for Ctr {
    type Context = BlockCtx;

    const NAME: &'static CStr = c"ctr(aes)";
    const DRIVER_NAME: &'static CStr = c"ctr-aes-aeskl";
    const BLOCK_SIZE: u32 = 1;
    const MIN_KEY_SIZE: u32 = 16;
    const MAX_KEY_SIZE: u32 = 32;
    const IV_SIZE: u32 = AES_BLOCK_SIZE as u32;
    const CHUNK_SIZE: u32 = AES_BLOCK_SIZE as u32;

    fn init() -> impl PinInit<BlockCtx, Error> {
        Ok(TfmKey::Empty)
    }

    fn setkey(ctx: Pin<&mut BlockCtx>, key: &[u8], _flags: TfmFlags) -> Result {
        setkey(ctx, key)
    }

    fn encrypt(ctx: &BlockCtx, req: &mut Request) -> Result {
        ctr(ctx, req)
    }

    fn decrypt(ctx: &BlockCtx, req: &mut Request) -> Result {
        ctr(ctx, req)
    }
}

#[kunit_tests(aeskl_block)]
mod tests {
    use super::*;

    /// When the low 64 bits of the counter wrap inside a request, the
    /// carry reaches the high half, as in the AES library: the keystream,
    /// written out of place, and the counter left behind both match it.
    #[test]
    fn ctr_carries_into_the_high_half() {
        let key = [0x2b; 16];
        let kl = KlKey::encode(&key).expect("Key Locker active while aeskl is loaded");
        let mut lib = aes::Key::new();
        lib.prepare(&key).expect("an AES-128 key");
        let iv = (u128::from(7u64) << 64 | u128::from(u64::MAX - 2)).to_be_bytes();
        let src = [0x5a; 20 * AES_BLOCK_SIZE + 5];
        let (mut kl_out, mut lib_out) = ([0; 20 * AES_BLOCK_SIZE + 5], src);
        let (mut kl_iv, mut lib_iv) = (iv, iv);
        let data = Data::Separate {
            src: &src,
            dst: &mut kl_out,
        };
        assert!(with_handle(&kl, |c| ctr_kl(c, data, &mut kl_iv)).is_ok());
        assert!(lib.ctr(Data::InPlace(&mut lib_out), &mut lib_iv).is_ok());
        assert!(kl_out == lib_out);
        assert_eq!(kl_iv, lib_iv);
        assert_eq!(u128::from_be_bytes(kl_iv), u128::from_be_bytes(iv) + 21);
    }
}
