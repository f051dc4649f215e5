// SPDX-License-Identifier: GPL-2.0

//! Handles, the FPU section around them, and the block primitives.
//!
//! Every Key Locker instruction runs through a [`Cipher`], which borrows an
//! open FPU section ([`fpu`]) and which [`KlKey::cipher`] hands out only
//! after checking, inside that section, that the handle's generation is
//! the one the CPUs hold: checking before the section would leave a window
//! in which a re-initialisation goes unnoticed. (A change after the check
//! is still caught, by the instruction's ZF.) [`with_handle`] does all of
//! that around a closure.
//!
//! AES-KL has no path without the FPU: there is no key to give a software
//! fallback. Where the kernel may not use the FPU (a hard interrupt that
//! arrived inside a kernel FPU section, CPU bring-up) a request fails with
//! [`NO_FPU`], an error with no asynchronous meaning: `EBUSY` would tell
//! `crypto_wait_req()` and dm-crypt that the request was queued, and they
//! would wait for a completion that never comes.
//!
//! The key passes from the caller's buffer straight into the instruction's
//! xmm registers (`Handle*::encode` clears them); no copy of it is made
//! here, so there is nothing to wipe.
//!
//! The helpers on a request's path are `#[inline(always)]`, as the
//! loops of `kernel::x86::keylocker::Modes` are: each call level would
//! cost a dozen instructions per request.

use kernel::{
    crypto::skcipher::Data,
    pr_warn_once,
    prelude::*,
    secret::wipe,
    x86::{
        fpu::{
            Avx,
            KernelFpu, //
        },
        keylocker::{
            self,
            Block,
            BlockIo,
            Direction,
            Generation,
            Handle as _,
            Handle128,
            Handle256,
            HandleRejected,
            Modes as _,
            Simd,
            State, //
        },
    },
};

/// The error of a request made where the FPU is not usable.
pub(crate) const NO_FPU: Error = EOPNOTSUPP;

/// Opens an FPU section, or fails with [`NO_FPU`].
#[inline(always)]
pub(crate) fn fpu() -> Result<KernelFpu> {
    KernelFpu::begin().ok_or(NO_FPU)
}

/// A handle for an AES-128 or AES-256 key, and whether the CPUs have the
/// wide instructions and the kernel AVX.
pub(crate) struct KlKey {
    handle: KlHandle,
    simd: Simd,
}

enum KlHandle {
    Aes128(Handle128),
    Aes256(Handle256),
}

/// Evaluates `$body` with `$h` bound to the handle inside a [`KlHandle`],
/// whichever its key size: the two handle types have the same methods.
macro_rules! with_kl_handle {
    ($handle:expr, |$h:ident| $body:expr) => {
        match $handle {
            KlHandle::Aes128($h) => $body,
            KlHandle::Aes256($h) => $body,
        }
    };
}

impl KlKey {
    /// Wraps `key` (16 or 32 bytes) under the current wrapping key.
    ///
    /// The handle works at CPL 0 only when every CPU supports that
    /// restriction, so user space could not use a leaked handle; the wide
    /// instructions are used when every CPU has them.
    pub(crate) fn encode(key: &[u8]) -> Result<Self> {
        let fpu = fpu()?;
        let State::Active(enabled) = keylocker::state() else {
            return Err(ENOKEY);
        };
        let restrictions = enabled.restrictions();
        let handle = match key.len() {
            16 => KlHandle::Aes128(Handle128::encode(
                &enabled,
                &fpu,
                key.try_into().map_err(|_| EINVAL)?,
                restrictions,
            )?),
            32 => KlHandle::Aes256(Handle256::encode(
                &enabled,
                &fpu,
                key.try_into().map_err(|_| EINVAL)?,
                restrictions,
            )?),
            _ => return Err(EINVAL),
        };
        drop(fpu);
        Ok(Self {
            handle,
            simd: Simd {
                wide: enabled.wide(),
                avx: Avx::get(),
            },
        })
    }
}

/// Runs `f` in an FPU section with the handle, if the handle still works.
///
/// Fails with `ENOKEY` if the key was lost or re-initialised since the
/// handle was made, and [`NO_FPU`] if the FPU is not usable here.
#[inline(always)]
pub(crate) fn with_handle<R>(key: &KlKey, f: impl FnOnce(&Cipher<'_>) -> Result<R>) -> Result<R> {
    let fpu = fpu()?;
    f(&key.cipher(&fpu)?)
}

/// Runs `f` with two handles in one FPU section; see [`with_handle`].
#[inline(always)]
pub(crate) fn with_handles<R>(
    a: &KlKey,
    b: &KlKey,
    f: impl FnOnce(&Cipher<'_>, &Cipher<'_>) -> Result<R>,
) -> Result<R> {
    let fpu = fpu()?;
    let (a, b) = a.ciphers(b, &fpu)?;
    f(&a, &b)
}

impl KlKey {
    /// Returns the handle for use in the open section `fpu`, if the
    /// wrapping key it was made under is the one loaded now.
    #[inline(always)]
    pub(crate) fn cipher<'a>(&'a self, fpu: &'a KernelFpu) -> Result<Cipher<'a>> {
        if !self.generation().is_active() {
            return Err(ENOKEY);
        }
        Ok(self.unchecked(fpu))
    }

    /// Returns this handle and `other`'s for use in the open section
    /// `fpu`, as [`KlKey::cipher`] does. `other` works if it was made
    /// under the same wrapping key as `self` (the two keys of an XTS tfm
    /// are), so the key loaded is checked once.
    #[inline(always)]
    pub(crate) fn ciphers<'a>(
        &'a self,
        other: &'a KlKey,
        fpu: &'a KernelFpu,
    ) -> Result<(Cipher<'a>, Cipher<'a>)> {
        let this = self.cipher(fpu)?;
        if other.generation() != self.generation() {
            return Err(ENOKEY);
        }
        Ok((this, other.unchecked(fpu)))
    }

    /// The wrapping key the handle was made under.
    #[inline(always)]
    fn generation(&self) -> Generation {
        with_kl_handle!(&self.handle, |h| h.generation())
    }

    /// Returns the handle for use in the open section `fpu`, where the
    /// caller checked that the wrapping key it was made under is loaded.
    #[inline(always)]
    fn unchecked<'a>(&'a self, fpu: &'a KernelFpu) -> Cipher<'a> {
        Cipher {
            handle: &self.handle,
            fpu,
            simd: self.simd,
        }
    }
}

/// A usable handle inside an FPU section.
pub(crate) struct Cipher<'a> {
    handle: &'a KlHandle,
    fpu: &'a KernelFpu,
    simd: Simd,
}

/// A rejected handle means the wrapping key changed under the request.
fn rejected(_: HandleRejected) -> Error {
    ENOKEY
}

/// The whole blocks of a walk step's data; a partial block at the end is
/// left out.
pub(crate) fn whole_blocks(data: Data<'_>) -> BlockIo<'_> {
    match data {
        Data::InPlace(data) => BlockIo::in_place(data),
        Data::Separate { src, dst } => BlockIo::separate(src, dst),
    }
}

impl Cipher<'_> {
    /// Encrypts one block in place; on failure the block is unchanged.
    #[inline(always)]
    pub(crate) fn encrypt(&self, block: &mut Block) -> Result {
        with_kl_handle!(self.handle, |h| h.encrypt(self.fpu, block)).map_err(rejected)
    }

    /// Decrypts one block in place; on failure the block is unchanged.
    #[inline(always)]
    pub(crate) fn decrypt(&self, block: &mut Block) -> Result {
        with_kl_handle!(self.handle, |h| h.decrypt(self.fpu, block)).map_err(rejected)
    }

    /// ECB over `io`.
    #[inline(always)]
    pub(crate) fn ecb(&self, io: BlockIo<'_>, dir: Direction) -> Result {
        let (fpu, simd) = (self.fpu, self.simd);
        with_kl_handle!(self.handle, |h| h.ecb(fpu, simd, io, dir)).map_err(rejected)
    }

    /// CBC over `io`; `iv` becomes the last ciphertext block.
    #[inline(always)]
    pub(crate) fn cbc(&self, io: BlockIo<'_>, dir: Direction, iv: &mut Block) -> Result {
        let (fpu, simd) = (self.fpu, self.simd);
        with_kl_handle!(self.handle, |h| h.cbc(fpu, simd, io, dir, iv)).map_err(rejected)
    }

    /// CTR over `io`, from the big-endian counter `ctr`, which advances.
    #[inline(always)]
    pub(crate) fn ctr(&self, io: BlockIo<'_>, ctr: &mut Block) -> Result {
        with_kl_handle!(self.handle, |h| h.ctr(self.fpu, self.simd, io, ctr)).map_err(rejected)
    }

    /// XTS over `io` from `tweak`, which advances. If `iv_key` (the tweak
    /// key, of the same size) is given, `tweak` holds the IV, encrypted
    /// with it first.
    #[inline(always)]
    pub(crate) fn xts(
        &self,
        io: BlockIo<'_>,
        dir: Direction,
        tweak: &mut Block,
        iv_key: Option<&Cipher<'_>>,
    ) -> Result {
        let (fpu, simd) = (self.fpu, self.simd);
        match (self.handle, iv_key.map(|k| k.handle)) {
            (KlHandle::Aes128(h), None) => h.xts(fpu, simd, io, dir, tweak, None),
            (KlHandle::Aes128(h), Some(KlHandle::Aes128(k))) => {
                h.xts(fpu, simd, io, dir, tweak, Some(k))
            }
            (KlHandle::Aes256(h), None) => h.xts(fpu, simd, io, dir, tweak, None),
            (KlHandle::Aes256(h), Some(KlHandle::Aes256(k))) => {
                h.xts(fpu, simd, io, dir, tweak, Some(k))
            }
            _ => return Err(EINVAL),
        }
        .map_err(rejected)
    }
}

/// The key of a tfm: handles `K`, or the AES library's key `L` for
/// AES-192, which Key Locker lacks; never both.
pub(crate) enum TfmKey<K, L> {
    /// No key: none was set, or the last setkey failed.
    Empty,
    /// Handles for an AES-128 or AES-256 key.
    Kl(K),
    /// The AES library's key, for AES-192.
    Lib(L),
}

impl<K, L> TfmKey<K, L> {
    /// Sets the handles `make` returns. The old key is dropped (and so
    /// wiped) first: a failed setkey leaves no key.
    pub(crate) fn set_kl(&mut self, make: impl FnOnce() -> Result<K>) -> Result {
        *self = Self::Empty;
        *self = Self::Kl(make()?);
        Ok(())
    }

    /// Sets a library key: `empty`, filled by `prepare` where it lies, so
    /// no copy of the key schedule is left behind. Warns, once, that the
    /// key is not protected by Key Locker.
    pub(crate) fn set_lib(&mut self, empty: L, prepare: impl FnOnce(&mut L) -> Result) -> Result {
        pr_warn_once!(
            "AES-192 keys are not supported by Key Locker; {}\n",
            "using the AES library, the key stays in memory"
        );
        *self = Self::Lib(empty);
        let Self::Lib(lib) = self else {
            return Err(EINVAL);
        };
        let prepared = prepare(lib);
        if prepared.is_err() {
            *self = Self::Empty;
        }
        prepared
    }
}

/// Runs `f` with scratch blocks, which are wiped afterwards whatever `f`
/// returns.
pub(crate) fn with_scratch<const N: usize, R>(f: impl FnOnce(&mut [Block; N]) -> R) -> R {
    let mut scratch = [[0u8; 16]; N];
    let r = f(&mut scratch);
    wipe(scratch.as_flattened_mut());
    r
}

#[kunit_tests(aeskl_key)]
mod tests {
    use super::*;

    /// Inside an open FPU section the FPU is not usable again, as in a hard
    /// interrupt that arrived in one: setkey and requests fail with
    /// `NO_FPU`, never with `EBUSY`.
    #[test]
    fn no_fpu_is_an_error_not_a_backlog() {
        let key = KlKey::encode(&[0x5a; 32]).expect("Key Locker active while aeskl is loaded");
        let outer = KernelFpu::begin().expect("FPU usable in task context");
        let encode = KlKey::encode(&[0x5a; 16]).err();
        let request = with_handle(&key, |_| Ok(())).err();
        drop(outer);
        for e in [encode, request] {
            assert_eq!(e, Some(NO_FPU));
            assert!(e != Some(EBUSY) && e != Some(EINPROGRESS));
        }
        assert!(with_handle(&key, |_| Ok(())).is_ok());
    }
}
