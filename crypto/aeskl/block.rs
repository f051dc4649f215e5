// SPDX-License-Identifier: GPL-2.0

//! AES-ECB, AES-CBC and AES-CTR.
//!
//! The three share a context: one handle (AES-128/256) or, for AES-192,
//! the AES library's key. Data is processed in place in each walk chunk;
//! eight blocks at a time where the mode allows it (ECB both ways, CBC
//! decryption, CTR keystream), one at a time for CBC encryption, which is
//! sequential. Blocks are copied into locals for the instructions (the
//! handle API takes whole blocks); the locals are wiped afterwards.

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
        Block,
        Blocks8, //
    },
};

use crate::key::{
    self,
    load,
    load8,
    store,
    store8,
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
    const PRIORITY: u32 = 100;
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

fn ecb_kl(c: &Cipher<'_>, data: &mut [u8], dir: Direction) -> Result {
    let blocks = data.len() / AES_BLOCK_SIZE;
    with_scratch(|x: &mut Blocks8| {
        let mut i = 0;
        while i + 8 <= blocks {
            *x = load8(data, i);
            match dir {
                Direction::Encrypt => c.encrypt8(x)?,
                Direction::Decrypt => c.decrypt8(x)?,
            }
            store8(data, i, x);
            i += 8;
        }
        while i < blocks {
            x[0] = load(data, i);
            match dir {
                Direction::Encrypt => c.encrypt(&mut x[0])?,
                Direction::Decrypt => c.decrypt(&mut x[0])?,
            }
            store(data, i, &x[0]);
            i += 1;
        }
        Ok(())
    })
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
    with_scratch(|x: &mut [Block; 1]| {
        x[0] = *iv;
        for i in 0..data.len() / AES_BLOCK_SIZE {
            xor(&mut x[0], &load(data, i));
            c.encrypt(&mut x[0])?;
            store(data, i, &x[0]);
            *iv = x[0];
        }
        Ok(())
    })
}

/// CBC decryption, eight blocks per instruction. `iv` becomes the last
/// ciphertext block.
fn cbc_decrypt_kl(c: &Cipher<'_>, data: &mut [u8], iv: &mut Block) -> Result {
    let blocks = data.len() / AES_BLOCK_SIZE;
    with_scratch(|pt: &mut Blocks8| {
        let mut i = 0;
        while i + 8 <= blocks {
            let ct = load8(data, i);
            *pt = ct;
            c.decrypt8(pt)?;
            xor(&mut pt[0], iv);
            for j in 1..8 {
                xor(&mut pt[j], &ct[j - 1]);
            }
            store8(data, i, pt);
            *iv = ct[7];
            i += 8;
        }
        while i < blocks {
            let ct = load(data, i);
            pt[0] = ct;
            c.decrypt(&mut pt[0])?;
            xor(&mut pt[0], iv);
            store(data, i, &pt[0]);
            *iv = ct;
            i += 1;
        }
        Ok(())
    })
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
/// `iv` at the counter after the last (partial or whole) block used.
fn ctr_kl(c: &Cipher<'_>, data: &mut [u8], iv: &mut Block) -> Result {
    let blocks = data.len() / AES_BLOCK_SIZE;
    let mut ctr = u128::from_be_bytes(*iv);
    let res = with_scratch(|ks: &mut Blocks8| {
        let mut i = 0;
        while i + 8 <= blocks {
            *ks = core::array::from_fn(|j| counter(ctr.wrapping_add(j as u128)));
            c.encrypt8(ks)?;
            for (j, k) in ks.iter().enumerate() {
                let mut b = load(data, i + j);
                xor(&mut b, k);
                store(data, i + j, &b);
            }
            ctr = ctr.wrapping_add(8);
            i += 8;
        }
        while i < blocks {
            ks[0] = counter(ctr);
            c.encrypt(&mut ks[0])?;
            let mut b = load(data, i);
            xor(&mut b, &ks[0]);
            store(data, i, &b);
            ctr = ctr.wrapping_add(1);
            i += 1;
        }
        if partial(data) != 0 {
            ks[0] = counter(ctr);
            c.encrypt(&mut ks[0])?;
            for (x, k) in data[blocks * AES_BLOCK_SIZE..].iter_mut().zip(&ks[0]) {
                *x ^= k;
            }
            ctr = ctr.wrapping_add(1);
        }
        Ok(())
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
