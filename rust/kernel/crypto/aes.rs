// SPDX-License-Identifier: GPL-2.0

//! The AES library: expanded keys and the ECB, CBC, CTR and XTS modes.
//!
//! For drivers whose hardware covers only some AES key sizes (Key Locker
//! has no AES-192) and must hand the rest to software. The library picks
//! the best implementation itself (AES-NI where present) and may use the
//! FPU internally, so callers must not be inside a kernel FPU section.
//!
//! The expanded keys are as secret as the key: both types wipe themselves
//! when dropped or re-keyed, and are meant to be prepared where they live
//! (in a tfm context) rather than moved, since a move leaves a copy behind.
//! All operations take a walk step's [`Data`], in place or from a source
//! to a separate destination, as
//! [`skcipher::Chunk`](super::skcipher::Chunk) presents it.
//!
//! C header: [`include/crypto/aes.h`](srctree/include/crypto/aes.h)

use crate::{
    bindings,
    error::{
        code::EINVAL,
        to_result, //
    },
    prelude::*, //
};
use core::mem::size_of;

use super::{
    skcipher::{
        Data,
        TfmFlags, //
    },
    AES_BLOCK_SIZE, //
};

// bindgen must see the C layout (the structures embed a tagged struct as an
// anonymous member, a `-fms-extensions` construct).
const _: () = assert!(size_of::<bindings::aes_key>() == bindings::AES_KEY_STRUCT_SIZE);
const _: () = assert!(size_of::<bindings::aes_xts_key>() == bindings::AES_XTS_KEY_STRUCT_SIZE);

/// Returns whether `len` is a whole number of AES blocks.
fn is_blocks(len: usize) -> bool {
    len % AES_BLOCK_SIZE == 0
}

/// A C expanded-key structure that is wiped whenever it is re-keyed,
/// cleared or dropped.
///
/// # Invariants
///
/// `prepared` is true only if `key` was filled by a successful call of the
/// C function that prepares it.
struct Expanded<T: Zeroable> {
    key: T,
    prepared: bool,
}

impl<T: Zeroable> Expanded<T> {
    fn new() -> Self {
        // INVARIANT: Not prepared.
        Self {
            key: T::zeroed(),
            prepared: false,
        }
    }

    /// Wipes the key, then fills it with `prepare` (a C preparation
    /// function returning 0 or a negative errno). If that fails, whatever
    /// part of a key schedule it wrote is wiped too.
    fn prepare(&mut self, prepare: impl FnOnce(&mut T) -> c_int) -> Result {
        self.clear();
        if let Err(e) = to_result(prepare(&mut self.key)) {
            self.clear();
            return Err(e);
        }
        // INVARIANT: Just prepared.
        self.prepared = true;
        Ok(())
    }

    fn clear(&mut self) {
        // INVARIANT: Not prepared any more.
        self.prepared = false;
        crate::secret::wipe_value(&mut self.key);
    }

    /// Returns the key if it is prepared, `EINVAL` otherwise.
    fn get(&self) -> Result<&T> {
        if self.prepared {
            Ok(&self.key)
        } else {
            Err(EINVAL)
        }
    }
}

impl<T: Zeroable> Drop for Expanded<T> {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The destination, source and length of `data` for the C functions,
/// which take the same buffer twice or two that do not overlap.
fn dst_src_len(data: &mut Data<'_>) -> (*mut u8, *const u8, usize) {
    match data {
        Data::InPlace(buf) => {
            let p = buf.as_mut_ptr();
            (p, p.cast_const(), buf.len())
        }
        Data::Separate { src, dst } => (dst.as_mut_ptr(), src.as_ptr(), src.len().min(dst.len())),
    }
}

/// An AES key expanded for encryption and decryption (`struct aes_key`).
pub struct Key(Expanded<bindings::aes_key>);

impl Key {
    /// Returns an empty key, to be filled in place with [`Key::prepare`].
    pub fn new() -> Self {
        Self(Expanded::new())
    }

    /// Expands `raw` (16, 24 or 32 bytes), replacing and wiping any
    /// previous key. Returns `EINVAL` for other lengths.
    pub fn prepare(&mut self, raw: &[u8]) -> Result {
        self.0.prepare(|key| {
            // SAFETY: `key` is writable and `raw` readable for its length.
            unsafe { bindings::aes_preparekey(key, raw.as_ptr(), raw.len()) }
        })
    }

    fn arg(&self) -> Result<bindings::aes_encrypt_arg> {
        // `aes_encrypt_arg` is a transparent union of two pointers: it is
        // passed exactly like the pointer it holds.
        Ok(bindings::aes_encrypt_arg {
            full_key: self.0.get()?,
        })
    }

    /// Encrypts `data` (whole blocks) in ECB mode.
    pub fn ecb_encrypt(&self, mut data: Data<'_>) -> Result {
        let arg = self.arg()?;
        let (dst, src, len) = dst_src_len(&mut data);
        if !is_blocks(len) {
            return Err(EINVAL);
        }
        // SAFETY: `src` is readable and `dst` writable for `len` bytes, the
        // same buffer or disjoint (both allowed); the key is prepared.
        unsafe { bindings::aes_ecb_encrypt(dst, src, len, arg) };
        Ok(())
    }

    /// Decrypts `data` (whole blocks) in ECB mode.
    pub fn ecb_decrypt(&self, mut data: Data<'_>) -> Result {
        let key = self.0.get()?;
        let (dst, src, len) = dst_src_len(&mut data);
        if !is_blocks(len) {
            return Err(EINVAL);
        }
        // SAFETY: As for `ecb_encrypt`.
        unsafe { bindings::aes_ecb_decrypt(dst, src, len, key) };
        Ok(())
    }

    /// Encrypts `data` (whole blocks) in CBC mode, updating `iv` to the
    /// last ciphertext block.
    pub fn cbc_encrypt(&self, mut data: Data<'_>, iv: &mut [u8; AES_BLOCK_SIZE]) -> Result {
        let arg = self.arg()?;
        let (dst, src, len) = dst_src_len(&mut data);
        if !is_blocks(len) {
            return Err(EINVAL);
        }
        // SAFETY: As for `ecb_encrypt`; `iv` is 16 writable bytes.
        unsafe { bindings::aes_cbc_encrypt(dst, src, len, iv.as_mut_ptr(), arg) };
        Ok(())
    }

    /// Decrypts `data` (whole blocks) in CBC mode, updating `iv` to the
    /// last ciphertext block.
    pub fn cbc_decrypt(&self, mut data: Data<'_>, iv: &mut [u8; AES_BLOCK_SIZE]) -> Result {
        let key = self.0.get()?;
        let (dst, src, len) = dst_src_len(&mut data);
        if !is_blocks(len) {
            return Err(EINVAL);
        }
        // SAFETY: As for `cbc_encrypt`.
        unsafe { bindings::aes_cbc_decrypt(dst, src, len, iv.as_mut_ptr(), key) };
        Ok(())
    }

    /// XORs `data` with the CTR keystream from the big-endian counter
    /// `ctr`, which advances by one per (started) block.
    ///
    /// Only the last piece of a message may end in a partial block.
    pub fn ctr(&self, mut data: Data<'_>, ctr: &mut [u8; AES_BLOCK_SIZE]) -> Result {
        let arg = self.arg()?;
        let (dst, src, len) = dst_src_len(&mut data);
        // SAFETY: As for `cbc_encrypt`; CTR takes any length.
        unsafe { bindings::aes_ctr(dst, src, len, ctr.as_mut_ptr(), arg) };
        Ok(())
    }
}

impl Default for Key {
    fn default() -> Self {
        Self::new()
    }
}

/// The tweak of an XTS message, carried from one piece to the next.
pub type XtsTweak = [u8; AES_BLOCK_SIZE];

/// `aes_xts_encrypt()` or `aes_xts_decrypt()`.
type XtsOp =
    unsafe extern "C" fn(*mut u8, *const u8, usize, *mut u8, *const bindings::aes_xts_key, bool);

/// A pair of AES keys expanded for XTS (`struct aes_xts_key`).
pub struct XtsKey(Expanded<bindings::aes_xts_key>);

impl XtsKey {
    /// Returns an empty key, to be filled in place with [`XtsKey::prepare`].
    pub fn new() -> Self {
        Self(Expanded::new())
    }

    /// Expands the XTS key `raw` (32, 48 or 64 bytes), replacing and wiping
    /// any previous key; checks it like
    /// [`xts_verify_key`](super::skcipher::xts_verify_key).
    pub fn prepare(&mut self, raw: &[u8], flags: TfmFlags) -> Result {
        let xts_flags = flags.xts_flags();
        self.0.prepare(|key| {
            // SAFETY: `key` is writable and `raw` readable for its length.
            unsafe { bindings::aes_xts_preparekey(key, raw.as_ptr(), raw.len(), xts_flags) }
        })
    }

    /// Encrypts `data` in XTS mode with `tweak`.
    ///
    /// `cont` is false for the first piece of a message (the IV is then
    /// encrypted into the tweak) and true for the following ones; every
    /// piece but the last must be whole blocks, and the last at least one
    /// block (ciphertext stealing covers a partial final block).
    pub fn encrypt(&self, data: Data<'_>, tweak: &mut XtsTweak, cont: bool) -> Result {
        self.crypt(data, tweak, cont, bindings::aes_xts_encrypt)
    }

    /// Decrypts `data` in XTS mode; see [`XtsKey::encrypt`].
    pub fn decrypt(&self, data: Data<'_>, tweak: &mut XtsTweak, cont: bool) -> Result {
        self.crypt(data, tweak, cont, bindings::aes_xts_decrypt)
    }

    /// Runs `op`, `aes_xts_encrypt()` or `aes_xts_decrypt()`, on `data`.
    fn crypt(&self, mut data: Data<'_>, tweak: &mut XtsTweak, cont: bool, op: XtsOp) -> Result {
        let (dst, src, len) = dst_src_len(&mut data);
        let key = self.checked(len)?;
        // SAFETY: As for `Key::ecb_encrypt`; `tweak` is 16 writable bytes.
        unsafe { op(dst, src, len, tweak.as_mut_ptr(), key, cont) };
        Ok(())
    }

    /// Returns the key if it is prepared and `len` is at least a block.
    fn checked(&self, len: usize) -> Result<&bindings::aes_xts_key> {
        if len < AES_BLOCK_SIZE {
            return Err(EINVAL);
        }
        self.0.get()
    }
}

impl Default for XtsKey {
    fn default() -> Self {
        Self::new()
    }
}
