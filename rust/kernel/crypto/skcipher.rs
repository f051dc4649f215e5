// SPDX-License-Identifier: GPL-2.0

//! Symmetric key ciphers (skcipher): implementing an algorithm.
//!
//! A driver describes each algorithm with a type implementing [`Algorithm`]
//! and registers an array of them with [`Registration`]. The crypto API then
//! calls the algorithm through a `struct skcipher_alg` built here, so driver
//! code never sees a raw pointer:
//!
//! - The per-tfm state is the algorithm's [`Algorithm::Context`], stored in
//!   the tfm's context area (`cra_ctxsize`), initialised in place when the
//!   tfm is allocated and dropped when it is freed. `setkey` gets it pinned
//!   and mutable; `encrypt`/`decrypt` get it shared, because requests on
//!   one tfm may run concurrently.
//! - `setkey` having the context to itself is a rule on the crypto API's
//!   users, which the API does not enforce: a user must not call
//!   `crypto_skcipher_setkey()` on a tfm while a request on it is in flight
//!   or another `setkey` runs (AF_ALG serialises both under the socket
//!   lock; dm-crypt sets keys only while the device is suspended). C
//!   drivers rely on it as well, since they rewrite their key schedule in
//!   place; a user that breaks it races with every driver, and here it is
//!   a data race on the context.
//! - The data of a request is reached through [`Request::walk`], a safe form
//!   of the `skcipher_walk_virt()`/`skcipher_walk_done()` loop. Each step
//!   hands the driver one virtually contiguous [`Chunk`], whose [`Data`] is
//!   either one buffer to transform in place or a source to read and a
//!   separate destination to write, so an out-of-place request costs no
//!   copy. On x86-64 a request of up to a page whose source and
//!   destination each lie in one scatterlist entry (a dm-crypt sector, most
//!   AF_ALG requests) is a single step without the `skcipher_walk`
//!   machinery, as in the AES-NI glue. A step whose source and destination
//!   overlap without being the same (which the crypto API does not allow)
//!   fails with `EINVAL` rather than hand out overlapping references. When
//!   a request fails, its destination is zeroed over the request's length,
//!   so a partial result never stays there.
//! - Ciphertext stealing and similar tails need the last bytes of a request
//!   together; [`Request::walk_prefix`] walks everything before them and
//!   [`Request::read_at`]/[`Request::write_at`] move the tail through a small
//!   buffer, as the C AES-NI and AES library glue do.
//!
//! C header: [`include/crypto/internal/skcipher.h`](srctree/include/crypto/internal/skcipher.h)
//!
//! Reference: <https://docs.kernel.org/crypto/api-skcipher.html>

use crate::{
    bindings,
    error::{
        code::EINVAL,
        from_result,
        to_result,
        VTABLE_DEFAULT_ERROR, //
    },
    prelude::*,
    types::Opaque, //
};
use core::{
    marker::PhantomData,
    mem::{
        align_of,
        size_of,
        MaybeUninit, //
    },
    pin::Pin,
    ptr::{
        self,
        NonNull, //
    },
};

/// Flags of a tfm that matter to `setkey`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TfmFlags(u32);

impl TfmFlags {
    /// No flag set.
    pub const NONE: Self = Self(0);
    /// Refuse weak keys (`CRYPTO_TFM_REQ_FORBID_WEAK_KEYS`).
    pub const FORBID_WEAK_KEYS: Self = Self(bindings::CRYPTO_TFM_REQ_FORBID_WEAK_KEYS);

    /// Whether the user asked for weak keys to be refused (for XTS: the
    /// two halves of the key must differ).
    pub fn forbid_weak_keys(self) -> bool {
        self.0 & bindings::CRYPTO_TFM_REQ_FORBID_WEAK_KEYS != 0
    }

    /// The flags argument of the C XTS key checks (`XTS_FORBID_WEAK_KEYS`
    /// or none) for these tfm flags.
    pub(crate) fn xts_flags(self) -> c_int {
        if self.forbid_weak_keys() {
            bindings::XTS_FORBID_WEAK_KEYS as c_int
        } else {
            0
        }
    }
}

/// Checks an XTS key the way every XTS implementation must: an even length
/// and, in FIPS mode or when `flags` forbid weak keys, two different halves
/// (FIPS mode also limits the length to 32 or 64 bytes).
///
/// # Examples
///
/// ```
/// use kernel::crypto::skcipher::{xts_verify_key, TfmFlags};
///
/// let mut key = [0u8; 32];
/// assert!(xts_verify_key(&key[..31], TfmFlags::NONE).is_err());
/// assert!(xts_verify_key(&key, TfmFlags::NONE).is_ok());
/// assert!(xts_verify_key(&key, TfmFlags::FORBID_WEAK_KEYS).is_err());
/// key[16] = 1;
/// assert!(xts_verify_key(&key, TfmFlags::FORBID_WEAK_KEYS).is_ok());
/// ```
pub fn xts_verify_key(key: &[u8], flags: TfmFlags) -> Result {
    // SAFETY: `key` is valid for reads of `key.len()` bytes.
    to_result(unsafe { bindings::__xts_verify_key(key.as_ptr(), key.len(), flags.xts_flags()) })
}

/// An skcipher algorithm implemented in Rust.
///
/// The constants become the fields of the C `struct skcipher_alg`; see
/// that structure's documentation in `include/crypto/skcipher.h` for their
/// meaning. Sizes are in bytes.
#[vtable]
pub trait Algorithm {
    /// The per-tfm state (typically the expanded key or a handle for it).
    ///
    /// `Sync` because requests on one tfm run concurrently; `Send` because
    /// the tfm may be freed on another CPU.
    type Context: Send + Sync;

    /// The algorithm name users ask for, e.g. `c"xts(aes)"`.
    const NAME: &'static CStr;
    /// The unique name of this implementation, e.g. `c"xts-aes-aesni"`.
    const DRIVER_NAME: &'static CStr;
    /// The block size: requests must be a multiple of it (1 for stream
    /// ciphers such as CTR).
    const BLOCK_SIZE: u32;
    /// The smallest key length `setkey` accepts.
    const MIN_KEY_SIZE: u32;
    /// The largest key length `setkey` accepts.
    const MAX_KEY_SIZE: u32;
    /// The IV length; zero if the algorithm takes no IV.
    const IV_SIZE: u32 = 0;
    /// The unit the algorithm processes at once, when larger than
    /// [`Self::BLOCK_SIZE`] (e.g. 16 for CTR); zero means the block size.
    const CHUNK_SIZE: u32 = 0;
    /// The smallest walk step the algorithm wants, if larger than the
    /// chunk size; zero means the chunk size.
    const WALK_SIZE: u32 = 0;

    /// Returns an initialiser for the context of a new tfm.
    fn init() -> impl PinInit<Self::Context, Error>;

    /// Sets the key.
    ///
    /// The length is already checked against the key-size constants.
    /// Implementations wipe every copy of `key` they make. No request on the
    /// tfm runs meanwhile (a rule on the crypto API's users, see the module
    /// documentation), so the context is unique here.
    fn setkey(ctx: Pin<&mut Self::Context>, key: &[u8], flags: TfmFlags) -> Result;

    /// Encrypts the request's data.
    ///
    /// If it fails, the destination is zeroed over the request's length
    /// (in place, that is the data itself): whatever a failed step left
    /// there, a copy of the source or a partial result, never reaches the
    /// caller.
    fn encrypt(ctx: &Self::Context, req: &mut Request) -> Result;

    /// Decrypts the request's data; if not implemented, [`Self::encrypt`]
    /// is used for both directions (as for CTR). A failure zeroes the
    /// destination, as for [`Self::encrypt`].
    fn decrypt(_ctx: &Self::Context, _req: &mut Request) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The definition of one algorithm, ready to be registered.
///
/// # Invariants
///
/// The wrapped `skcipher_alg` was made by [`AlgorithmDesc::new`] for some
/// [`Algorithm`] `T`: its callbacks are the trampolines for `T` and its
/// `cra_ctxsize` leaves room for an aligned `T::Context`.
pub struct AlgorithmDesc(bindings::skcipher_alg);

impl AlgorithmDesc {
    /// Describes the algorithm `T`, with `priority` among the
    /// implementations of [`Algorithm::NAME`] (a priority above `i32::MAX`
    /// fails registration with `EINVAL`).
    pub const fn new<T: Algorithm>(priority: u32) -> Self {
        let base = bindings::crypto_alg {
            cra_name: crate::str::to_char_array(T::NAME),
            cra_driver_name: crate::str::to_char_array(T::DRIVER_NAME),
            cra_priority: priority as c_int,
            cra_blocksize: T::BLOCK_SIZE,
            cra_ctxsize: ctx_size::<T::Context>() as c_uint,
            cra_module: crate::module::this_module::<T::OwnerModule>().as_ptr(),
            // The rest zero, as the C designated initialisers of every
            // driver leave it.
            ..pin_init::zeroed()
        };
        let common = bindings::skcipher_alg_common {
            min_keysize: T::MIN_KEY_SIZE,
            max_keysize: T::MAX_KEY_SIZE,
            ivsize: T::IV_SIZE,
            chunksize: T::CHUNK_SIZE,
            statesize: 0,
            base,
        };
        let mut alg: bindings::skcipher_alg = pin_init::zeroed();
        alg.setkey = Some(setkey_callback::<T>);
        alg.encrypt = Some(encrypt_callback::<T>);
        alg.decrypt = if T::HAS_DECRYPT {
            Some(decrypt_callback::<T>)
        } else {
            Some(encrypt_callback::<T>)
        };
        alg.init = Some(init_callback::<T>);
        alg.exit = Some(exit_callback::<T>);
        alg.walksize = T::WALK_SIZE;
        alg.__bindgen_anon_1.co = common;
        // INVARIANT: Built above from `T`.
        Self(alg)
    }
}

/// The context area needed for a `C` at its alignment.
///
/// The crypto API aligns the context only to `CRYPTO_MINALIGN`; the extra
/// `align_of::<C>() - 1` bytes let [`ctx_ptr`] align it further, as the
/// AES-NI glue does for its 16-byte-aligned key schedules.
const fn ctx_size<C>() -> usize {
    size_of::<C>() + align_of::<C>() - 1
}

/// Returns where the `T::Context` of `tfm` lives.
///
/// # Safety
///
/// `tfm` must be a live tfm of an algorithm registered from
/// [`AlgorithmDesc::new::<T>`].
unsafe fn ctx_ptr<T: Algorithm>(tfm: *mut bindings::crypto_skcipher) -> *mut T::Context {
    // SAFETY: `tfm` is live, so its context area exists.
    let base = unsafe { bindings::crypto_skcipher_ctx(tfm) }.cast::<u8>();
    let pad = base.addr().wrapping_neg() & (align_of::<T::Context>() - 1);
    // SAFETY: By the `AlgorithmDesc` invariant the area is `ctx_size()`
    // bytes long, so `pad` bytes in there is still inside it, with room for
    // a `T::Context` after it.
    unsafe { base.add(pad) }.cast()
}

/// # Safety
///
/// Called by the crypto API only, for a new tfm of an algorithm registered
/// from [`AlgorithmDesc::new::<T>`].
unsafe extern "C" fn init_callback<T: Algorithm>(tfm: *mut bindings::crypto_skcipher) -> c_int {
    // SAFETY: `tfm` is a new tfm of `T`; its context area is uninitialised,
    // writable and does not move until `exit_callback` runs.
    let slot = unsafe { ctx_ptr::<T>(tfm) };
    // SAFETY: `slot` is valid for writes, aligned and pinned (see above). If
    // this fails, the crypto API frees the tfm without calling `exit`, and
    // the initialiser has left nothing to drop.
    match unsafe { pin_init::raw_try_init(slot, T::init()) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the crypto API only, once, for a tfm whose `init` succeeded.
unsafe extern "C" fn exit_callback<T: Algorithm>(tfm: *mut bindings::crypto_skcipher) {
    // SAFETY: `init_callback` initialised the context and nothing uses the
    // tfm any more, so it can be dropped in place.
    unsafe { ptr::drop_in_place(ctx_ptr::<T>(tfm)) };
}

/// # Safety
///
/// Called by the crypto API only, with a live tfm of `T` and a key of
/// `keylen` readable bytes, never concurrently with a request on the tfm.
unsafe extern "C" fn setkey_callback<T: Algorithm>(
    tfm: *mut bindings::crypto_skcipher,
    key: *const u8,
    keylen: c_uint,
) -> c_int {
    from_result(|| {
        let key = if keylen == 0 {
            &[]
        } else {
            // SAFETY: The crypto API passes `keylen` readable bytes.
            unsafe { core::slice::from_raw_parts(key, keylen as usize) }
        };
        // SAFETY: `tfm` is live; `crt_flags` is a plain field.
        let flags = TfmFlags(unsafe { (*tfm).base.crt_flags });
        // SAFETY: The context was initialised by `init_callback`, stays at
        // its place until `exit_callback`, and nothing else uses it during
        // `setkey` (crypto API rule), so a pinned unique reference is valid.
        let ctx = unsafe { Pin::new_unchecked(&mut *ctx_ptr::<T>(tfm)) };
        T::setkey(ctx, key, flags)?;
        Ok(0)
    })
}

/// # Safety
///
/// Called by the crypto API only, with a live request on a tfm of `T`.
unsafe extern "C" fn encrypt_callback<T: Algorithm>(req: *mut bindings::skcipher_request) -> c_int {
    // SAFETY: As guaranteed by the caller.
    unsafe { run_request::<T>(req, T::encrypt) }
}

/// # Safety
///
/// Called by the crypto API only, with a live request on a tfm of `T`.
unsafe extern "C" fn decrypt_callback<T: Algorithm>(req: *mut bindings::skcipher_request) -> c_int {
    // SAFETY: As guaranteed by the caller.
    unsafe { run_request::<T>(req, T::decrypt) }
}

/// Runs `op` on the request; if it fails, zeroes the destination.
///
/// A failed step may have left the destination holding a copy of the source
/// or a partial result: out of place, that is plaintext where the caller
/// expects ciphertext (a dm-crypt bounce page, an AF_ALG receive buffer).
///
/// # Safety
///
/// `req` must be a live request on a tfm of `T`, used by nothing else
/// during the call.
#[inline]
unsafe fn run_request<T: Algorithm>(
    req: *mut bindings::skcipher_request,
    op: impl FnOnce(&T::Context, &mut Request) -> Result,
) -> c_int {
    from_result(|| {
        // SAFETY: The request is live and belongs to a tfm of `T`.
        let (ctx, request) = unsafe { request_parts::<T>(req) };
        op(ctx, request).inspect_err(|_| request.zero_dst())?;
        Ok(0)
    })
}

/// Returns the context of the request's tfm and the request.
///
/// # Safety
///
/// `req` must be a live request on a tfm of `T`, used by nothing else
/// during `'a`.
unsafe fn request_parts<'a, T: Algorithm>(
    req: *mut bindings::skcipher_request,
) -> (&'a T::Context, &'a mut Request) {
    // SAFETY: `req` is live, so it names its tfm.
    let tfm = unsafe { bindings::crypto_skcipher_reqtfm(req) };
    // SAFETY: The context was initialised by `init_callback` and is only
    // shared while requests run (no `setkey` concurrently: crypto API rule).
    let ctx = unsafe { &*ctx_ptr::<T>(tfm) };
    // SAFETY: The request is live and only the caller uses it.
    (ctx, unsafe { Request::from_raw(req) })
}

/// An skcipher request: a length, source and destination scatterlists and
/// an IV.
///
/// # Invariants
///
/// Wraps a live `skcipher_request` whose tfm is one of ours, that only the
/// holder of `&mut Request` uses.
#[repr(transparent)]
pub struct Request(Opaque<bindings::skcipher_request>);

impl Request {
    /// # Safety
    ///
    /// `ptr` must be a live request used only through the returned
    /// reference during `'a`.
    #[inline]
    unsafe fn from_raw<'a>(ptr: *mut bindings::skcipher_request) -> &'a mut Self {
        // SAFETY: `Request` is a transparent wrapper; the caller guarantees
        // the rest.
        // INVARIANT: As guaranteed by the caller.
        unsafe { &mut *ptr.cast() }
    }

    #[inline]
    fn as_raw(&self) -> *mut bindings::skcipher_request {
        // `Request` and `Opaque` are transparent wrappers of the C request.
        // (`Opaque::get` is not inlined across crates, and this is on every
        // request's path.)
        ptr::from_ref(self).cast_mut().cast()
    }

    /// Returns the number of bytes to transform.
    #[inline]
    pub fn len(&self) -> usize {
        // SAFETY: The request is live (type invariant).
        unsafe { (*self.as_raw()).cryptlen as usize }
    }

    /// Returns whether the request has no data.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the IV (empty if the algorithm has none).
    #[inline]
    pub fn iv(&self) -> &[u8] {
        let req = self.as_raw();
        // SAFETY: The request is live (type invariant).
        let ivsize = unsafe { iv_size(req) };
        if ivsize == 0 {
            return &[];
        }
        // SAFETY: The crypto API requires `iv` to point to `ivsize` bytes
        // for the lifetime of the request, separate from the data.
        unsafe { core::slice::from_raw_parts((*req).iv, ivsize) }
    }

    /// Returns all of the request's data and its IV in one piece, if the
    /// request is one: it has data but no more than a page, and its source
    /// and destination each lie in the first entry of their scatterlist (on
    /// x86-64 only; see the module documentation). Otherwise returns
    /// `None`, and the caller walks the request.
    ///
    /// A disk sector from dm-crypt is such a request: an algorithm that
    /// handles it here, in one piece, runs no walk at all, as the AES-NI
    /// XTS glue does. The IV is the caller's, to update as a walk would.
    #[inline]
    pub fn contiguous(&mut self) -> Option<(Data<'_>, &mut [u8])> {
        // SAFETY: The request is live and ours (type invariant), and the
        // result borrows `self` mutably, so nothing else uses it meanwhile.
        let chunk = unsafe { Chunk::whole(self.as_raw()) }?;
        Some(chunk.into_data_and_iv())
    }

    /// Walks the whole request; see [`Request::walk_prefix`].
    #[inline]
    pub fn walk(&mut self, f: impl FnMut(&mut Chunk<'_>) -> Result<usize>) -> Result {
        // SAFETY: The request is live and ours (type invariant).
        unsafe { walk_raw(self.as_raw(), f) }
    }

    /// Walks the first `len` bytes of the request, calling `f` on each
    /// virtually contiguous chunk.
    ///
    /// `f` transforms some whole number of units at the start of the chunk
    /// and returns the number of bytes it left (less than the chunk's
    /// length, so every step makes progress); they come again at the start
    /// of the next chunk. An error from `f` ends the walk and is returned.
    /// Units and chunks follow the algorithm's block, chunk and walk sizes:
    /// every chunk but the last holds at least one of them.
    ///
    /// Returns `EINVAL` if `len` is larger than the request.
    pub fn walk_prefix(
        &mut self,
        len: usize,
        f: impl FnMut(&mut Chunk<'_>) -> Result<usize>,
    ) -> Result {
        if len > self.len() {
            return Err(EINVAL);
        }
        let req = self.as_raw();
        // SAFETY: All-zero is a valid `skcipher_request` (no completion, no
        // context; the type is not `Zeroable` only because of its trailing
        // flexible array); the fields a walk reads are set below.
        let mut sub: bindings::skcipher_request = unsafe { MaybeUninit::zeroed().assume_init() };
        // SAFETY: The request is live (type invariant). The subrequest names
        // the same tfm, flags, scatterlists and IV, with a shorter length,
        // just as `skcipher_request_set_tfm()`, `_set_callback()` and
        // `_set_crypt()` would make it. Our algorithms use no request
        // context, so the subrequest needs none.
        unsafe {
            sub.base.tfm = (*req).base.tfm;
            sub.base.flags = (*req).base.flags;
            sub.src = (*req).src;
            sub.dst = (*req).dst;
            sub.iv = (*req).iv;
        }
        sub.cryptlen = len as c_uint;
        // SAFETY: `sub` describes a prefix of a live request of ours and
        // lives until the walk ends.
        unsafe { walk_raw(&mut sub, f) }
    }

    /// Copies `buf.len()` bytes of the source, starting `offset` bytes into
    /// the request, into `buf`.
    pub fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result {
        self.check_range(offset, buf.len())?;
        // SAFETY: The range lies within the request's source scatterlist
        // and `buf` is valid for writes of its length.
        unsafe {
            bindings::memcpy_from_sglist(
                buf.as_mut_ptr().cast(),
                (*self.as_raw()).src,
                offset as c_uint,
                buf.len() as c_uint,
            )
        };
        Ok(())
    }

    /// Copies `buf` into the destination, starting `offset` bytes into the
    /// request.
    pub fn write_at(&mut self, offset: usize, buf: &[u8]) -> Result {
        self.check_range(offset, buf.len())?;
        // SAFETY: The range lies within the request's destination
        // scatterlist and `buf` is valid for reads of its length.
        unsafe {
            bindings::memcpy_to_sglist(
                (*self.as_raw()).dst,
                offset as c_uint,
                buf.as_ptr().cast(),
                buf.len() as c_uint,
            )
        };
        Ok(())
    }

    /// Zeroes the destination over the request's length.
    fn zero_dst(&mut self) {
        let req = self.as_raw();
        // SAFETY: The request is live (type invariant) and its destination
        // scatterlist covers `cryptlen` bytes; no walk or chunk is open,
        // since they borrow `self`.
        unsafe {
            let dst = (*req).dst;
            bindings::sg_zero_buffer(dst, bindings::sg_nents(dst) as c_uint, self.len(), 0);
        }
    }

    fn check_range(&self, offset: usize, len: usize) -> Result {
        match offset.checked_add(len) {
            Some(end) if end <= self.len() => Ok(()),
            _ => Err(EINVAL),
        }
    }
}

/// Returns the IV size of the algorithm of `req`.
///
/// # Safety
///
/// `req` must be a live request.
#[inline]
unsafe fn iv_size(req: *mut bindings::skcipher_request) -> usize {
    // SAFETY: `req` is live (caller), so it names its tfm.
    unsafe { bindings::crypto_skcipher_ivsize(bindings::crypto_skcipher_reqtfm(req)) as usize }
}

/// Returns whether `len` bytes at `src` and at `dst` overlap without being
/// the same bytes, which no step may hand out.
#[inline]
fn overlap(src: *const u8, dst: *const u8, len: usize) -> bool {
    !ptr::eq(src, dst) && (src as usize).abs_diff(dst as usize) < len
}

/// Runs `f` on each step of a walk over `req`; see [`Request::walk_prefix`].
///
/// A request of up to a page whose source and destination each lie in the
/// first entry of their scatterlist is one step (see [`Chunk::whole`]), as in the AES-NI
/// glue's fast path: the `skcipher_walk` machinery would cost more than a
/// disk sector's transform. Any other request is walked by
/// `skcipher_walk_virt()` and `skcipher_walk_done()`.
///
/// # Safety
///
/// `req` must be a live request on one of our tfms, with scatterlists
/// covering `cryptlen` bytes, used by nothing else during the call.
#[inline]
unsafe fn walk_raw(
    req: *mut bindings::skcipher_request,
    f: impl FnMut(&mut Chunk<'_>) -> Result<usize>,
) -> Result {
    // SAFETY: As guaranteed by the caller.
    match unsafe { Chunk::whole(req) } {
        // SAFETY: As guaranteed by the caller; `chunk` is all of `req`.
        Some(chunk) => unsafe { walk_whole(req, chunk, f) },
        // SAFETY: As guaranteed by the caller.
        None => unsafe { walk_steps(req, f) },
    }
}

/// Runs `f` on `chunk`, all of `req`, then on the bytes it leaves, as
/// `skcipher_walk_done()` would: fewer than a block left is `EINVAL`.
///
/// # Safety
///
/// `req` must be a live request, used by nothing else during the call.
#[inline]
unsafe fn walk_whole(
    req: *mut bindings::skcipher_request,
    mut chunk: Chunk<'_>,
    mut f: impl FnMut(&mut Chunk<'_>) -> Result<usize>,
) -> Result {
    loop {
        let len = chunk.len;
        let left = f(&mut chunk)?;
        if left == 0 {
            return Ok(());
        }
        // SAFETY: `req` is live, so it names its tfm.
        let block =
            unsafe { bindings::crypto_skcipher_blocksize(bindings::crypto_skcipher_reqtfm(req)) };
        if left >= len || left < block as usize {
            return Err(EINVAL);
        }
        chunk = chunk.tail(left);
    }
}

/// Runs the `skcipher_walk` loop over `req`, calling `f` on each step.
///
/// # Safety
///
/// `req` must be a live request on one of our tfms, with scatterlists
/// covering `cryptlen` bytes, used by nothing else during the call.
unsafe fn walk_steps(
    req: *mut bindings::skcipher_request,
    mut f: impl FnMut(&mut Chunk<'_>) -> Result<usize>,
) -> Result {
    let mut walk: bindings::skcipher_walk = pin_init::zeroed();
    // SAFETY: `walk` is writable; `req` is live (caller). `atomic = false`
    // lets the walk sleep between steps if the request allows it.
    let mut err = unsafe { bindings::skcipher_walk_virt(&mut walk, req, false) };
    let walk = &mut walk;
    while walk.nbytes != 0 {
        let len = walk.nbytes as usize;
        // SAFETY: A walk step is in progress (`nbytes != 0`).
        let res = match unsafe { Chunk::step(walk) } {
            Ok(mut chunk) => f(&mut chunk),
            Err(e) => Err(e),
        };
        let res = match res {
            Ok(left) if left < len => Ok(left),
            Ok(_) => Err(EINVAL),
            Err(e) => Err(e),
        };
        match res {
            // SAFETY: The step is done; `left` bytes were not processed.
            Ok(left) => err = unsafe { bindings::skcipher_walk_done(walk, left as c_int) },
            Err(e) => {
                // SAFETY: The step is over and `chunk`, the only reference
                // into it, is gone. Ending the walk with an error closes the
                // step as if all of it were processed (a bounce buffer is
                // copied to the destination, the IV back to the caller's)
                // and frees what the walk holds; `run_request` then zeroes
                // the destination, so whatever was copied does not stay.
                unsafe { bindings::skcipher_walk_done(walk, e.to_errno()) };
                return Err(e);
            }
        }
    }
    to_result(err)
}

/// The data of a walk step.
///
/// # Examples
///
/// ```
/// use kernel::crypto::skcipher::Data;
///
/// let (src, mut dst) = ([1u8, 2, 3, 4], [0u8; 4]);
/// let (head, tail) = Data::Separate { src: &src, dst: &mut dst }.split_at(3);
/// assert_eq!((head.len(), tail.len()), (3, 1));
/// ```
pub enum Data<'a> {
    /// The request is in place: these bytes are read and overwritten.
    InPlace(&'a mut [u8]),
    /// Out of place: `src` is read and `dst` written. A walk gives both the
    /// same length; users that split them use the shorter.
    Separate {
        /// The bytes to read.
        src: &'a [u8],
        /// Where the result goes.
        dst: &'a mut [u8],
    },
}

impl<'a> Data<'a> {
    /// Returns the number of bytes to write.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Data::InPlace(data) => data.len(),
            Data::Separate { dst, .. } => dst.len(),
        }
    }

    /// Returns whether there is nothing to write.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Splits into the first `mid` bytes (all, if there are fewer) and the
    /// rest.
    #[inline]
    pub fn split_at(self, mid: usize) -> (Data<'a>, Data<'a>) {
        match self {
            Data::InPlace(data) => {
                let (a, b) = data.split_at_mut(mid.min(data.len()));
                (Data::InPlace(a), Data::InPlace(b))
            }
            Data::Separate { src, dst } => {
                let mid = mid.min(src.len()).min(dst.len());
                let (s0, s1) = src.split_at(mid);
                let (d0, d1) = dst.split_at_mut(mid);
                (
                    Data::Separate { src: s0, dst: d0 },
                    Data::Separate { src: s1, dst: d1 },
                )
            }
        }
    }
}

/// One step of a walk: a virtually contiguous part of the request.
///
/// # Invariants
///
/// For `'a`, `len` bytes at `src` are mapped and readable and `len` bytes
/// at `dst` mapped and writable, the two are the same address or do not
/// overlap, and `iv_len` bytes at `iv` are the request's IV (or the walk's
/// copy of it), separate from both. `last` says whether no data follows.
pub struct Chunk<'a> {
    src: *const u8,
    dst: *mut u8,
    len: usize,
    last: bool,
    iv: *mut u8,
    iv_len: usize,
    _step: PhantomData<&'a mut bindings::skcipher_walk>,
}

impl<'a> Chunk<'a> {
    /// The current step of `walk`, or `EINVAL` if its source and
    /// destination overlap without being the same.
    ///
    /// # Safety
    ///
    /// `walk` must be in the middle of a step (`nbytes != 0`).
    #[inline]
    unsafe fn step(walk: &'a mut bindings::skcipher_walk) -> Result<Self> {
        // SAFETY: The walk is in a step, so both addresses are set.
        let (src, dst) = unsafe {
            (
                walk.__bindgen_anon_1.src.virt.addr.cast::<u8>(),
                walk.__bindgen_anon_2.dst.virt.addr.cast::<u8>(),
            )
        };
        let len = walk.nbytes as usize;
        if overlap(src, dst, len) {
            return Err(EINVAL);
        }
        // INVARIANT: The walk is in a step: `nbytes` bytes are mapped at
        // both addresses, which are equal or, as just checked, disjoint,
        // until the step ends, which cannot happen while `walk` is
        // borrowed; `iv` is the walk's IV, never part of the data (crypto
        // API rule).
        Ok(Self {
            src,
            dst,
            len,
            last: walk.nbytes == walk.total,
            iv: walk.iv.cast(),
            iv_len: walk.ivsize as usize,
            _step: PhantomData,
        })
    }

    /// All of `req` as one step, if it has data but no more than a page
    /// (no more than a step of `skcipher_walk`, so that work per step,
    /// such as a kernel FPU section, stays as short), its source and its
    /// destination each lie in the first entry of their scatterlist, and
    /// the two are the same memory or do not overlap.
    ///
    /// Only on x86-64, as in the AES-NI glue: there every page is in the
    /// kernel's direct map, so an entry's address covers all of its bytes,
    /// and a write needs no cache flushing. Elsewhere, and for any other
    /// request, returns `None`.
    ///
    /// # Safety
    ///
    /// `req` must be a live request with scatterlists covering `cryptlen`
    /// bytes, used by nothing else during `'a`.
    #[inline]
    unsafe fn whole(req: *mut bindings::skcipher_request) -> Option<Self> {
        if !cfg!(CONFIG_X86_64) {
            return None;
        }
        // SAFETY: `req` is live, and so are the first entries of its
        // scatterlists (caller).
        let (len, src_sg, dst_sg) = unsafe { ((*req).cryptlen, (*req).src, (*req).dst) };
        if len == 0
            || len as usize > crate::page::PAGE_SIZE
            // SAFETY: As above.
            || unsafe { (*src_sg).length < len || (*dst_sg).length < len }
        {
            return None;
        }
        // SAFETY: Each is a live entry, a page and an offset in it.
        let src = unsafe { bindings::sg_virt(src_sg) }.cast::<u8>();
        let dst = if ptr::eq(src_sg, dst_sg) {
            src
        } else {
            // SAFETY: As above.
            unsafe { bindings::sg_virt(dst_sg) }.cast::<u8>()
        };
        let len = len as usize;
        if overlap(src, dst, len) {
            return None;
        }
        // INVARIANT: The entries hold `len` bytes each, physically
        // contiguous, so in the direct map at the addresses taken; they are
        // the caller's buffers, mapped for the request's life; the two are
        // equal or, as just checked, disjoint. The crypto API requires `iv`
        // to hold `ivsize` bytes for the request's life, separate from the
        // data.
        Some(Self {
            src: src.cast_const(),
            dst,
            len,
            last: true,
            // SAFETY: `req` is live.
            iv: unsafe { (*req).iv },
            // SAFETY: `req` is live.
            iv_len: unsafe { iv_size(req) },
            _step: PhantomData,
        })
    }

    /// The last `left` bytes of this chunk, a step of their own.
    #[inline]
    fn tail(self, left: usize) -> Self {
        let skip = self.len - left.min(self.len);
        // INVARIANT: The same memory as `self`, shortened at the front.
        Self {
            src: self.src.wrapping_add(skip),
            dst: self.dst.wrapping_add(skip),
            len: self.len - skip,
            ..self
        }
    }

    /// Returns the number of bytes in this chunk.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Returns whether the chunk is empty (never true in a walk).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns whether this is the last step, with no data after it.
    #[inline]
    pub fn is_last(&self) -> bool {
        self.last
    }

    /// Returns the data.
    #[inline]
    pub fn data(&mut self) -> Data<'_> {
        self.data_and_iv().0
    }

    /// Returns the data and the IV, to update for the next chunk (and,
    /// after the last one, for the caller).
    #[inline]
    pub fn data_and_iv(&mut self) -> (Data<'_>, &mut [u8]) {
        // SAFETY: The result borrows `self` mutably.
        unsafe { self.parts() }
    }

    /// Returns the data and the IV for the rest of `'a`.
    #[inline]
    fn into_data_and_iv(self) -> (Data<'a>, &'a mut [u8]) {
        // SAFETY: `self` is gone, so the result is the only way to the
        // chunk's memory during `'a`.
        unsafe { self.parts() }
    }

    /// # Safety
    ///
    /// Nothing else may reach the chunk's data or IV during `'b`, which
    /// must not outlast `'a`.
    #[inline]
    unsafe fn parts<'b>(&self) -> (Data<'b>, &'b mut [u8]) {
        let len = self.len;
        // SAFETY: By the type invariant `len` bytes at the source are
        // mapped and readable, and at the destination mapped and writable,
        // during `'a`, which `'b` does not outlast; the two are the same
        // memory (one mutable reference is made) or disjoint, and nothing
        // else reaches them (caller).
        let data = unsafe {
            let dst = core::slice::from_raw_parts_mut(self.dst, len);
            if ptr::eq(self.src, self.dst) {
                Data::InPlace(dst)
            } else {
                Data::Separate {
                    src: core::slice::from_raw_parts(self.src, len),
                    dst,
                }
            }
        };
        let iv = if self.iv_len == 0 {
            &mut []
        } else {
            // SAFETY: By the type invariant `iv` holds `iv_len` bytes, never
            // part of the data, which nothing else reaches (caller).
            unsafe { core::slice::from_raw_parts_mut(self.iv, self.iv_len) }
        };
        (data, iv)
    }
}

/// Registered algorithms; dropping it unregisters them.
///
/// Each algorithm lives in an allocation of its own that the crypto API
/// frees (`cra_destroy`) when it drops its last reference, not when the
/// registration is dropped: a tfm made before the drop keeps its algorithm
/// until it is freed, and a self-test still running keeps it too. Dropping
/// a registration is therefore safe at any time, from module exit or
/// earlier, in a module or in built-in code. The algorithm's code is in the
/// module named by its `cra_module`, which every tfm holds a reference to.
///
/// # Invariants
///
/// Each pointer in `algs` is a leaked `KBox<bindings::skcipher_alg>` made
/// by [`AlgorithmDesc::new`], registered with `crypto_register_skcipher()`
/// and with `cra_destroy` set to `destroy_alg()`; it stays registered until
/// [`Drop`] unregisters it.
///
/// # Examples
///
/// ```
/// use kernel::crypto::skcipher::{self, AlgorithmDesc, Chunk, Data, Request, TfmFlags};
///
/// /// A toy stream cipher: XOR with a one-byte key. Never use it.
/// struct XorCipher;
///
/// #[vtable]
/// impl skcipher::Algorithm for XorCipher {
///     type Context = u8;
///     const NAME: &'static CStr = c"xor-doctest";
///     const DRIVER_NAME: &'static CStr = c"xor-doctest-rust";
///     const BLOCK_SIZE: u32 = 1;
///     const MIN_KEY_SIZE: u32 = 1;
///     const MAX_KEY_SIZE: u32 = 1;
///
///     fn init() -> impl PinInit<u8, Error> {
///         Ok(0)
///     }
///
///     fn setkey(ctx: Pin<&mut u8>, key: &[u8], _flags: TfmFlags) -> Result {
///         *ctx.get_mut() = key[0];
///         Ok(())
///     }
///
///     fn encrypt(key: &u8, req: &mut Request) -> Result {
///         req.walk(|chunk: &mut Chunk<'_>| {
///             match chunk.data() {
///                 Data::InPlace(data) => data.iter_mut().for_each(|b| *b ^= *key),
///                 Data::Separate { src, dst } => {
///                     dst.iter_mut().zip(src).for_each(|(d, s)| *d = *s ^ *key)
///                 }
///             }
///             Ok(0)
///         })
///     }
/// }
///
/// let reg = skcipher::Registration::new([AlgorithmDesc::new::<XorCipher>(1)])?;
/// // A driver keeps `reg` in its module; dropping it unregisters the cipher.
/// drop(reg);
/// # Ok::<(), Error>(())
/// ```
pub struct Registration<const N: usize> {
    algs: [NonNull<bindings::skcipher_alg>; N],
}

// SAFETY: Unregistering may happen on any thread.
unsafe impl<const N: usize> Send for Registration<N> {}

// SAFETY: `&Registration` offers nothing to call.
unsafe impl<const N: usize> Sync for Registration<N> {}

impl<const N: usize> Registration<N> {
    /// Registers `algs`; all of them or none.
    ///
    /// Each algorithm is tested (crypto self-tests) before it can be used.
    pub fn new(algs: [AlgorithmDesc; N]) -> Result<Self> {
        let mut boxes = KVec::with_capacity(N, GFP_KERNEL)?;
        for desc in algs {
            boxes.push(KBox::new(desc.0, GFP_KERNEL)?, GFP_KERNEL)?;
        }
        let mut registered = [NonNull::dangling(); N];
        for (i, alg) in boxes.drain_all().enumerate() {
            let alg = NonNull::from(KBox::leak(alg));
            // SAFETY: `alg` is a valid algorithm made by `AlgorithmDesc::new`.
            // The crypto API does not free it, whether this succeeds or
            // fails: `cra_destroy` is not set yet.
            let res = to_result(unsafe { bindings::crypto_register_skcipher(alg.as_ptr()) });
            if let Err(e) = res {
                // SAFETY: `alg` came from `KBox::leak` above, and it is not
                // registered.
                drop(unsafe { KBox::from_raw(alg.as_ptr()) });
                for done in registered[..i].iter().rev() {
                    // SAFETY: `done` is registered with `cra_destroy` set
                    // (below); the crypto API frees it after its last user.
                    unsafe { bindings::crypto_unregister_skcipher(done.as_ptr()) };
                }
                return Err(e);
            }
            // SAFETY: `alg` is registered, so the crypto API holds a
            // reference to it until it is unregistered and reads
            // `cra_destroy` only once the last reference is gone; nothing
            // else writes the field. From here on the crypto API owns the
            // allocation and frees it through `destroy_alg`.
            unsafe { (*alg.as_ptr()).__bindgen_anon_1.co.base.cra_destroy = Some(destroy_alg) };
            registered[i] = alg;
        }
        // INVARIANT: All `N` are registered, each with `destroy_alg`.
        Ok(Self { algs: registered })
    }
}

impl<const N: usize> Drop for Registration<N> {
    fn drop(&mut self) {
        for alg in self.algs.iter().rev() {
            // SAFETY: By the type invariant `alg` is registered; with
            // `cra_destroy` set the crypto API frees it once no tfm or
            // self-test uses it any more, so users that remain are fine.
            unsafe { bindings::crypto_unregister_skcipher(alg.as_ptr()) };
        }
    }
}

/// Frees an algorithm of a [`Registration`] after its last user.
///
/// # Safety
///
/// Called by the crypto API, once, with the `base` of an `skcipher_alg`
/// that [`Registration::new`] registered, when no reference to it remains.
unsafe extern "C" fn destroy_alg(base: *mut bindings::crypto_alg) {
    // SAFETY: `base` is the `co.base` member of an `skcipher_alg` that
    // `Registration::new` made from a `KBox`, and nothing refers to it any
    // more.
    unsafe {
        let alg = crate::container_of!(base, bindings::skcipher_alg, __bindgen_anon_1.co.base);
        drop(KBox::from_raw(alg));
    }
}

#[macros::kunit_tests(rust_kernel_crypto_skcipher)]
mod tests {
    use super::*;
    use crate::error::from_err_ptr;
    use core::sync::atomic::{
        AtomicUsize,
        Ordering, //
    };

    /// Transforms half of the first step and then fails, as a request does
    /// when its key stops working in the middle.
    struct HalfThenFail;

    #[vtable]
    impl Algorithm for HalfThenFail {
        type Context = u8;
        const NAME: &'static CStr = c"kunit-half-then-fail";
        const DRIVER_NAME: &'static CStr = c"kunit-half-then-fail-rust";
        const BLOCK_SIZE: u32 = 1;
        const MIN_KEY_SIZE: u32 = 1;
        const MAX_KEY_SIZE: u32 = 1;

        fn init() -> impl PinInit<u8, Error> {
            Ok(0)
        }

        fn setkey(_ctx: Pin<&mut u8>, _key: &[u8], _flags: TfmFlags) -> Result {
            Ok(())
        }

        fn encrypt(_ctx: &u8, req: &mut Request) -> Result {
            req.walk(|chunk: &mut Chunk<'_>| {
                let half = chunk.len() / 2;
                match chunk.data().split_at(half).0 {
                    Data::InPlace(data) => data.iter_mut().for_each(|b| *b ^= 0xff),
                    Data::Separate { src, dst } => {
                        dst.iter_mut().zip(src).for_each(|(d, s)| *d = *s ^ 0xff)
                    }
                }
                Err(EIO)
            })
        }
    }

    /// Inverts at most `4 * key` bytes of each step (all of it if the key
    /// is 0) and leaves the rest for the next; counts the steps in
    /// [`STEPS`] and keeps the longest in [`LONGEST`].
    struct Steps;

    static STEPS: AtomicUsize = AtomicUsize::new(0);
    static LONGEST: AtomicUsize = AtomicUsize::new(0);

    #[vtable]
    impl Algorithm for Steps {
        type Context = u8;
        const NAME: &'static CStr = c"kunit-steps";
        const DRIVER_NAME: &'static CStr = c"kunit-steps-rust";
        const BLOCK_SIZE: u32 = 4;
        const MIN_KEY_SIZE: u32 = 1;
        const MAX_KEY_SIZE: u32 = 1;

        fn init() -> impl PinInit<u8, Error> {
            Ok(0)
        }

        fn setkey(ctx: Pin<&mut u8>, key: &[u8], _flags: TfmFlags) -> Result {
            *ctx.get_mut() = key[0];
            Ok(())
        }

        fn encrypt(ctx: &u8, req: &mut Request) -> Result {
            req.walk(|chunk: &mut Chunk<'_>| {
                let len = chunk.len();
                STEPS.fetch_add(1, Ordering::Relaxed);
                LONGEST.fetch_max(len, Ordering::Relaxed);
                let most = match *ctx {
                    0 => len,
                    units => 4 * usize::from(units),
                };
                let done = most.min(len - len % 4);
                match chunk.data().split_at(done).0 {
                    Data::InPlace(data) => data.iter_mut().for_each(|b| *b ^= 0xff),
                    Data::Separate { src, dst } => {
                        dst.iter_mut().zip(src).for_each(|(d, s)| *d = *s ^ 0xff)
                    }
                }
                Ok(len - done)
            })
        }
    }

    /// A tfm of one of the algorithms above, used as a kernel user uses
    /// one.
    struct Tfm(*mut bindings::crypto_skcipher);

    impl Tfm {
        fn new(driver: &CStr) -> Result<Self> {
            // SAFETY: The name is a NUL-terminated string.
            let tfm = from_err_ptr(unsafe {
                bindings::crypto_alloc_skcipher(driver.as_char_ptr(), 0, 0)
            })?;
            Ok(Self(tfm))
        }

        /// Sets the one-byte key `key` and encrypts `src` into `dst`, or in
        /// place without `dst`, as one scatterlist entry each.
        fn encrypt(&self, key: u8, src: &mut [u8], dst: Option<&mut [u8]>) -> Result {
            // The fields used are set below.
            let mut sg_src: bindings::scatterlist = pin_init::zeroed();
            let mut sg_dst: bindings::scatterlist = pin_init::zeroed();
            // SAFETY: As in `Request::walk_prefix`: all-zero is a valid
            // request.
            let mut req: bindings::skcipher_request =
                unsafe { MaybeUninit::zeroed().assume_init() };
            let len = src.len();
            // SAFETY: `self.0` is a live tfm; the buffers are kmalloc'ed (in
            // the linear map, as a scatterlist needs) and outlive the
            // request, which runs synchronously (no completion); the
            // algorithms have no request context and no IV, so a bare
            // request suffices.
            to_result(unsafe {
                let err = bindings::crypto_skcipher_setkey(self.0, [key].as_ptr(), 1);
                if err != 0 {
                    return to_result(err);
                }
                bindings::sg_init_one(
                    &mut sg_src,
                    src.as_mut_ptr().cast::<c_void>(),
                    len as c_uint,
                );
                req.dst = match dst {
                    Some(d) => {
                        bindings::sg_init_one(
                            &mut sg_dst,
                            d.as_mut_ptr().cast::<c_void>(),
                            len as c_uint,
                        );
                        &raw mut sg_dst
                    }
                    None => &raw mut sg_src,
                };
                req.base.tfm = &raw mut (*self.0).base;
                req.src = &raw mut sg_src;
                req.cryptlen = len as c_uint;
                bindings::crypto_skcipher_encrypt(&mut req)
            })
        }
    }

    impl Drop for Tfm {
        fn drop(&mut self) {
            // SAFETY: `self.0` is a live tfm, freed only here.
            unsafe { bindings::crypto_destroy_tfm(self.0.cast(), &raw mut (*self.0).base) };
        }
    }

    /// Encrypts through a registration of [`HalfThenFail`] made for it.
    fn encrypt(src: &mut [u8], dst: Option<&mut [u8]>) -> Result {
        let _reg = Registration::new([AlgorithmDesc::new::<HalfThenFail>(0)])?;
        Tfm::new(HalfThenFail::DRIVER_NAME)?.encrypt(0, src, dst)
    }

    /// Encrypts with [`Steps`] and key `key` through a registration made
    /// for it; returns the result, the number of steps and the longest.
    fn steps(key: u8, src: &mut [u8], dst: Option<&mut [u8]>) -> (Result, usize, usize) {
        STEPS.store(0, Ordering::Relaxed);
        LONGEST.store(0, Ordering::Relaxed);
        let res = Registration::new([AlgorithmDesc::new::<Steps>(0)])
            .and_then(|_reg| Tfm::new(Steps::DRIVER_NAME)?.encrypt(key, src, dst));
        (
            res,
            STEPS.load(Ordering::Relaxed),
            LONGEST.load(Ordering::Relaxed),
        )
    }

    /// A request of a page in one scatterlist entry on each side is one
    /// step, even across a page boundary, where `skcipher_walk` would take
    /// a step per page; in place and out of place. A longer one is walked,
    /// in steps of at most a page.
    #[cfg(CONFIG_X86_64)]
    #[test]
    fn one_entry_is_one_step() -> Result {
        let page = crate::page::PAGE_SIZE;
        let mut src_buf = KVec::from_elem(0x11u8, 3 * page, GFP_KERNEL)?;
        let mut dst_buf = KVec::from_elem(0x22u8, 3 * page, GFP_KERNEL)?;
        let (src, dst) = (&mut src_buf[48..48 + page], &mut dst_buf[48..48 + page]);
        let (res, n, longest) = steps(0, src, Some(&mut *dst));
        assert_eq!((res, n, longest), (Ok(()), 1, page));
        assert!(dst.iter().all(|&b| b == 0xee) && src.iter().all(|&b| b == 0x11));
        let (res, n, longest) = steps(0, src, None);
        assert_eq!((res, n, longest), (Ok(()), 1, page));
        assert!(src.iter().all(|&b| b == 0xee));
        let (res, n, longest) = steps(0, &mut src_buf[..2 * page + 48], None);
        assert_eq!(res, Ok(()));
        assert!(n > 1 && longest <= page);
        Ok(())
    }

    /// Bytes a step leaves come again in the next, until none are left.
    #[test]
    fn left_bytes_come_again() -> Result {
        let mut src = KVec::from_elem(0x11u8, 20, GFP_KERNEL)?;
        let mut dst = KVec::from_elem(0x22u8, 20, GFP_KERNEL)?;
        let (res, n, longest) = steps(2, &mut src, Some(&mut dst));
        assert_eq!((res, n, longest), (Ok(()), 3, 20));
        assert!(dst.iter().all(|&b| b == 0xee));
        Ok(())
    }

    /// Fewer bytes than a block left at the end fail the request with
    /// `EINVAL`, and the destination is zeroed.
    #[test]
    fn a_partial_block_left_is_einval() -> Result {
        let mut src = KVec::from_elem(0x11u8, 10, GFP_KERNEL)?;
        let mut dst = KVec::from_elem(0x22u8, 10, GFP_KERNEL)?;
        let (res, _, _) = steps(0, &mut src, Some(&mut dst));
        assert_eq!(res, Err(EINVAL));
        assert!(dst.iter().all(|&b| b == 0));
        Ok(())
    }

    #[test]
    fn tfm_outlives_its_registration() -> Result {
        let reg = Registration::new([AlgorithmDesc::new::<HalfThenFail>(0)])?;
        let tfm = Tfm::new(HalfThenFail::DRIVER_NAME)?;
        drop(reg);
        // The tfm still works and, when freed, frees the algorithm.
        let mut buf = KVec::from_elem(0x11u8, 64, GFP_KERNEL)?;
        assert_eq!(tfm.encrypt(0, &mut buf, None), Err(EIO));
        assert!(buf.iter().all(|&b| b == 0));
        drop(tfm);
        Ok(())
    }

    #[test]
    fn failed_request_leaves_zeros_out_of_place() -> Result {
        let mut src = KVec::from_elem(0x11u8, 64, GFP_KERNEL)?;
        let mut dst = KVec::from_elem(0x22u8, 64, GFP_KERNEL)?;
        assert_eq!(encrypt(&mut src, Some(&mut dst)), Err(EIO));
        assert!(dst.iter().all(|&b| b == 0));
        assert!(src.iter().all(|&b| b == 0x11));
        Ok(())
    }

    #[test]
    fn failed_request_leaves_zeros_in_place() -> Result {
        let mut buf = KVec::from_elem(0x11u8, 64, GFP_KERNEL)?;
        assert_eq!(encrypt(&mut buf, None), Err(EIO));
        assert!(buf.iter().all(|&b| b == 0));
        Ok(())
    }
}
