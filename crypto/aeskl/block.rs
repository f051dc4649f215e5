// SPDX-License-Identifier: GPL-2.0

//! AES-ECB, AES-CBC and AES-CTR.
//!
//! The three share a context: one handle (AES-128/256) or, for AES-192,
//! the AES library's key. Data is processed in place in each walk chunk;
//! eight blocks at a time where the mode allows it (ECB both ways, CBC
//! decryption, CTR keystream), one at a time for CBC encryption, which is
//! sequential. ECB and CBC run the instructions on the chunk itself (CBC
//! decryption copies aside the ciphertext it still needs, which is not
//! secret); CTR makes its keystream in scratch blocks that are wiped
//! afterwards. In a request that fails (`ENOKEY`), the blocks before the
//! failing instruction are done and the rest are as they were.

use core::marker::PhantomData;
use kernel::{
    crypto::{
        aes,
        skcipher::{
            self,
            Chunk,
            Request,
            TfmFlags, //
        },
        AES_BLOCK_SIZE,
    },
    prelude::*,
    x86::keylocker::{
        blocks_mut,
        Block,
        Blocks8, //
    },
};

use crate::key::{
    self,
    for_each_8_then_1,
    with_handle,
    with_scratch,
    xor,
    Cipher,
    KlKey, //
};

/// The key of an ECB, CBC or CTR tfm.
///
/// # Invariants
///
/// At most one of `kl` and `lib` holds a key.
#[pin_data]
pub(crate) struct BlockCtx {
    kl: Option<KlKey>,
    lib: aes::Key,
}

impl BlockCtx {
    fn init() -> impl PinInit<Self, Error> {
        // INVARIANT: No key at all.
        try_pin_init!(Self {
            kl: None,
            lib: aes::Key::new(),
        })
    }

    fn setkey(ctx: Pin<&mut Self>, key: &[u8]) -> Result {
        let ctx = ctx.get_mut();
        // INVARIANT: Both are emptied before either is set.
        ctx.kl = None;
        ctx.lib.clear();
        if key.len() == 24 {
            key::warn_unprotected_aes192();
            return ctx.lib.prepare(key);
        }
        ctx.kl = Some(KlKey::encode(key)?);
        Ok(())
    }
}

/// Whether a request encrypts or decrypts.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) enum Direction {
    Encrypt,
    Decrypt,
}

/// The number of bytes at the end of `data` that are not a whole block.
fn partial(data: &[u8]) -> usize {
    data.len() % AES_BLOCK_SIZE
}

fn iv_block(iv: &mut [u8]) -> Result<&mut Block> {
    iv.try_into().map_err(|_| EINVAL)
}

/// What sets ECB, CBC and CTR apart: their names, sizes and walk. The three
/// share everything else, in [`BlockAlg`].
pub(crate) trait BlockMode: Send + Sync {
    /// See [`skcipher::Algorithm::NAME`].
    const NAME: &'static CStr;
    /// See [`skcipher::Algorithm::DRIVER_NAME`].
    const DRIVER_NAME: &'static CStr;
    /// See [`skcipher::Algorithm::BLOCK_SIZE`].
    const BLOCK_SIZE: u32 = AES_BLOCK_SIZE as u32;
    /// See [`skcipher::Algorithm::IV_SIZE`].
    const IV_SIZE: u32 = 0;
    /// See [`skcipher::Algorithm::CHUNK_SIZE`].
    const CHUNK_SIZE: u32 = 0;

    /// En- or decrypts the request's data.
    fn crypt(ctx: &BlockCtx, req: &mut Request, dir: Direction) -> Result;
}

/// The AES-KL algorithm of block mode `M`: `ecb-`, `cbc-` or
/// `ctr-aes-aeskl`.
pub(crate) struct BlockAlg<M>(PhantomData<M>);

#[vtable]
impl<M: BlockMode> skcipher::Algorithm for BlockAlg<M> {
    type Context = BlockCtx;

    const NAME: &'static CStr = M::NAME;
    const DRIVER_NAME: &'static CStr = M::DRIVER_NAME;
    const BLOCK_SIZE: u32 = M::BLOCK_SIZE;
    const MIN_KEY_SIZE: u32 = 16;
    const MAX_KEY_SIZE: u32 = 32;
    const IV_SIZE: u32 = M::IV_SIZE;
    const CHUNK_SIZE: u32 = M::CHUNK_SIZE;

    fn init() -> impl PinInit<BlockCtx, Error> {
        BlockCtx::init()
    }

    fn setkey(ctx: Pin<&mut BlockCtx>, key: &[u8], _flags: TfmFlags) -> Result {
        BlockCtx::setkey(ctx, key)
    }

    fn encrypt(ctx: &BlockCtx, req: &mut Request) -> Result {
        M::crypt(ctx, req, Direction::Encrypt)
    }

    fn decrypt(ctx: &BlockCtx, req: &mut Request) -> Result {
        M::crypt(ctx, req, Direction::Decrypt)
    }
}

/// AES-ECB.
pub(crate) struct Ecb;

/// ECB in place: each run of eight blocks is one instruction.
fn ecb_kl(c: &Cipher<'_>, data: &mut [u8], dir: Direction) -> Result {
    match dir {
        Direction::Encrypt => for_each_8_then_1(
            blocks_mut(data),
            &mut (),
            |(), x| c.encrypt8(x),
            |(), b| c.encrypt(b),
        ),
        Direction::Decrypt => for_each_8_then_1(
            blocks_mut(data),
            &mut (),
            |(), x| c.decrypt8(x),
            |(), b| c.decrypt(b),
        ),
    }
}

impl BlockMode for Ecb {
    const NAME: &'static CStr = c"ecb(aes)";
    const DRIVER_NAME: &'static CStr = c"ecb-aes-aeskl";

    fn crypt(ctx: &BlockCtx, req: &mut Request, dir: Direction) -> Result {
        req.walk(|chunk: &mut Chunk<'_>| {
            let data = chunk.data();
            let left = partial(data);
            let whole = data.len() - left;
            let data = &mut data[..whole];
            match (&ctx.kl, dir) {
                (Some(kl), _) => with_handle(kl, |c| ecb_kl(c, data, dir))?,
                (None, Direction::Encrypt) => ctx.lib.ecb_encrypt(data)?,
                (None, Direction::Decrypt) => ctx.lib.ecb_decrypt(data)?,
            }
            Ok(left)
        })
    }
}

/// AES-CBC.
pub(crate) struct Cbc;

/// CBC encryption is sequential: one instruction per block. `iv` becomes
/// the last ciphertext block.
fn cbc_encrypt_kl(c: &Cipher<'_>, data: &mut [u8], iv: &mut Block) -> Result {
    for b in blocks_mut(data) {
        xor(b, iv);
        if let Err(e) = c.encrypt(b) {
            // The block is unchanged by the failure: give back the input.
            xor(b, iv);
            return Err(e);
        }
        *iv = *b;
    }
    Ok(())
}

/// CBC decryption, eight blocks per instruction. `iv` becomes the last
/// ciphertext block. Only ciphertext is copied aside, so nothing needs
/// wiping.
fn cbc_decrypt_kl(c: &Cipher<'_>, data: &mut [u8], iv: &mut Block) -> Result {
    for_each_8_then_1(
        blocks_mut(data),
        iv,
        |iv, run| {
            let ct = *run;
            c.decrypt8(run)?;
            xor(&mut run[0], iv);
            for j in 1..8 {
                xor(&mut run[j], &ct[j - 1]);
            }
            *iv = ct[7];
            Ok(())
        },
        |iv, b| {
            let ct = *b;
            c.decrypt(b)?;
            xor(b, iv);
            *iv = ct;
            Ok(())
        },
    )
}

impl BlockMode for Cbc {
    const NAME: &'static CStr = c"cbc(aes)";
    const DRIVER_NAME: &'static CStr = c"cbc-aes-aeskl";
    const IV_SIZE: u32 = AES_BLOCK_SIZE as u32;

    fn crypt(ctx: &BlockCtx, req: &mut Request, dir: Direction) -> Result {
        req.walk(|chunk: &mut Chunk<'_>| {
            let (data, iv) = chunk.data_and_iv();
            let iv = iv_block(iv)?;
            let left = partial(data);
            let whole = data.len() - left;
            let data = &mut data[..whole];
            match (&ctx.kl, dir) {
                (Some(kl), Direction::Encrypt) => with_handle(kl, |c| cbc_encrypt_kl(c, data, iv))?,
                (Some(kl), Direction::Decrypt) => with_handle(kl, |c| cbc_decrypt_kl(c, data, iv))?,
                (None, Direction::Encrypt) => ctx.lib.cbc_encrypt(data, iv)?,
                (None, Direction::Decrypt) => ctx.lib.cbc_decrypt(data, iv)?,
            }
            Ok(left)
        })
    }
}

/// AES-CTR with a 128-bit big-endian counter.
pub(crate) struct Ctr;

/// Returns counter block `ctr` as bytes.
fn counter(ctr: u128) -> Block {
    ctr.to_be_bytes()
}

/// XORs the keystream into `data`, starting at counter `iv`, and leaves
/// `iv` at the counter after the last (partial or whole) block used. The
/// keystream is made in scratch blocks, wiped afterwards.
fn ctr_kl(c: &Cipher<'_>, data: &mut [u8], iv: &mut Block) -> Result {
    let whole = data.len() - partial(data);
    let (res, ctr) = with_scratch(|ks: &mut Blocks8| {
        let mut state = (u128::from_be_bytes(*iv), ks);
        let mut res = for_each_8_then_1(
            blocks_mut(data),
            &mut state,
            |(ctr, ks), run| {
                **ks = core::array::from_fn(|j| counter(ctr.wrapping_add(j as u128)));
                c.encrypt8(ks)?;
                run.iter_mut().zip(ks.iter()).for_each(|(b, k)| xor(b, k));
                *ctr = ctr.wrapping_add(8);
                Ok(())
            },
            |(ctr, ks), b| {
                ks[0] = counter(*ctr);
                c.encrypt(&mut ks[0])?;
                xor(b, &ks[0]);
                *ctr = ctr.wrapping_add(1);
                Ok(())
            },
        );
        let (ctr, ks) = &mut state;
        if res.is_ok() && whole < data.len() {
            ks[0] = counter(*ctr);
            res = c.encrypt(&mut ks[0]);
            if res.is_ok() {
                for (x, k) in data[whole..].iter_mut().zip(&ks[0]) {
                    *x ^= k;
                }
                *ctr = ctr.wrapping_add(1);
            }
        }
        (res, state.0)
    });
    *iv = counter(ctr);
    res
}

/// CTR is its own inverse: both directions run the same keystream.
impl BlockMode for Ctr {
    const NAME: &'static CStr = c"ctr(aes)";
    const DRIVER_NAME: &'static CStr = c"ctr-aes-aeskl";
    const BLOCK_SIZE: u32 = 1;
    const IV_SIZE: u32 = AES_BLOCK_SIZE as u32;
    const CHUNK_SIZE: u32 = AES_BLOCK_SIZE as u32;

    fn crypt(ctx: &BlockCtx, req: &mut Request, _dir: Direction) -> Result {
        req.walk(|chunk: &mut Chunk<'_>| {
            // Only the last step may end in a partial block.
            let is_last = chunk.is_last();
            let (data, iv) = chunk.data_and_iv();
            let iv = iv_block(iv)?;
            let left = if is_last { 0 } else { partial(data) };
            let len = data.len() - left;
            let data = &mut data[..len];
            match &ctx.kl {
                Some(kl) => with_handle(kl, |c| ctr_kl(c, data, iv))?,
                None => ctx.lib.ctr(data, iv)?,
            }
            Ok(left)
        })
    }
}
