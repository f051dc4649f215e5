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
    for_each_8_then_1,
    with_handle,
    with_scratch,
    xor,
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

/// ECB over the request's whole blocks.
fn ecb(ctx: &BlockCtx, req: &mut Request, dir: Direction) -> Result {
    req.walk(|chunk: &mut Chunk<'_>| {
        let data = chunk.data();
        let left = partial(data);
        let whole = data.len() - left;
        let data = &mut data[..whole];
        match (ctx, dir) {
            (TfmKey::Kl(kl), _) => with_handle(kl, |c| ecb_kl(c, data, dir))?,
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

/// CBC over the request's whole blocks.
fn cbc(ctx: &BlockCtx, req: &mut Request, dir: Direction) -> Result {
    req.walk(|chunk: &mut Chunk<'_>| {
        let (data, iv) = chunk.data_and_iv();
        let iv = iv_block(iv)?;
        let left = partial(data);
        let whole = data.len() - left;
        let data = &mut data[..whole];
        match (ctx, dir) {
            (TfmKey::Kl(kl), Direction::Encrypt) => {
                with_handle(kl, |c| cbc_encrypt_kl(c, data, iv))?
            }
            (TfmKey::Kl(kl), Direction::Decrypt) => {
                with_handle(kl, |c| cbc_decrypt_kl(c, data, iv))?
            }
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

/// CTR over the whole request; it is its own inverse, so both directions
/// run this.
fn ctr(ctx: &BlockCtx, req: &mut Request) -> Result {
    req.walk(|chunk: &mut Chunk<'_>| {
        // Only the last step may end in a partial block.
        let is_last = chunk.is_last();
        let (data, iv) = chunk.data_and_iv();
        let iv = iv_block(iv)?;
        let left = if is_last { 0 } else { partial(data) };
        let len = data.len() - left;
        let data = &mut data[..len];
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
