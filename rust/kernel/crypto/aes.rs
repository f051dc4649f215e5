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
//! All operations work in place on a `&mut [u8]`, which is how
//! [`skcipher::Chunk`](super::skcipher::Chunk) presents data.
//!
//! C header: [`include/crypto/aes.h`](srctree/include/crypto/aes.h)

use crate::{
    bindings,
    error::{
        code::EINVAL,
        to_result, //
    },
    prelude::*,
    secret::wipe, //
};
use core::mem::{
    size_of,
    MaybeUninit, //
};

use super::{
    skcipher::TfmFlags,
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

/// An AES key expanded for encryption and decryption (`struct aes_key`).
///
/// # Invariants
///
/// `prepared` is true only if `key` was filled by `aes_preparekey()`.
pub struct Key {
    key: bindings::aes_key,
    prepared: bool,
}

impl Key {
    /// Returns an empty key, to be filled in place with [`Key::prepare`].
    pub fn new() -> Self {
        // INVARIANT: Not prepared.
        Self {
            // SAFETY: All-zero is a valid (empty) `aes_key`.
            key: unsafe { MaybeUninit::zeroed().assume_init() },
            prepared: false,
        }
    }

    /// Expands `raw` (16, 24 or 32 bytes), replacing and wiping any
    /// previous key. Returns `EINVAL` for other lengths.
    pub fn prepare(&mut self, raw: &[u8]) -> Result {
        self.clear();
        // SAFETY: `self.key` is writable and `raw` readable for its length.
        to_result(unsafe { bindings::aes_preparekey(&mut self.key, raw.as_ptr(), raw.len()) })?;
        // INVARIANT: Just prepared.
        self.prepared = true;
        Ok(())
    }

    /// Wipes the key.
    pub fn clear(&mut self) {
        // INVARIANT: Not prepared any more.
        self.prepared = false;
        // SAFETY: `aes_key` is plain data; viewing it as bytes is valid.
        wipe(unsafe {
            core::slice::from_raw_parts_mut(
                (&raw mut self.key).cast::<u8>(),
                size_of::<bindings::aes_key>(),
            )
        });
    }

    /// Returns whether a key is set.
    pub fn is_prepared(&self) -> bool {
        self.prepared
    }

    fn arg(&self) -> Result<bindings::aes_encrypt_arg> {
        if !self.prepared {
            return Err(EINVAL);
        }
        // `aes_encrypt_arg` is a transparent union of two pointers: it is
        // passed exactly like the pointer it holds.
        Ok(bindings::aes_encrypt_arg {
            full_key: &self.key,
        })
    }

    /// Encrypts `data` (whole blocks) in ECB mode.
    pub fn ecb_encrypt(&self, data: &mut [u8]) -> Result {
        let arg = self.arg()?;
        if !is_blocks(data.len()) {
            return Err(EINVAL);
        }
        let p = data.as_mut_ptr();
        // SAFETY: `p` is valid for `data.len()` bytes; in place is allowed;
        // the key is prepared.
        unsafe { bindings::aes_ecb_encrypt(p, p, data.len(), arg) };
        Ok(())
    }

    /// Decrypts `data` (whole blocks) in ECB mode.
    pub fn ecb_decrypt(&self, data: &mut [u8]) -> Result {
        self.arg()?;
        if !is_blocks(data.len()) {
            return Err(EINVAL);
        }
        let p = data.as_mut_ptr();
        // SAFETY: As for `ecb_encrypt`.
        unsafe { bindings::aes_ecb_decrypt(p, p, data.len(), &self.key) };
        Ok(())
    }

    /// Encrypts `data` (whole blocks) in CBC mode, updating `iv` to the
    /// last ciphertext block.
    pub fn cbc_encrypt(&self, data: &mut [u8], iv: &mut [u8; AES_BLOCK_SIZE]) -> Result {
        let arg = self.arg()?;
        if !is_blocks(data.len()) {
            return Err(EINVAL);
        }
        let p = data.as_mut_ptr();
        // SAFETY: As for `ecb_encrypt`; `iv` is 16 writable bytes.
        unsafe { bindings::aes_cbc_encrypt(p, p, data.len(), iv.as_mut_ptr(), arg) };
        Ok(())
    }

    /// Decrypts `data` (whole blocks) in CBC mode, updating `iv` to the
    /// last ciphertext block.
    pub fn cbc_decrypt(&self, data: &mut [u8], iv: &mut [u8; AES_BLOCK_SIZE]) -> Result {
        self.arg()?;
        if !is_blocks(data.len()) {
            return Err(EINVAL);
        }
        let p = data.as_mut_ptr();
        // SAFETY: As for `cbc_encrypt`.
        unsafe { bindings::aes_cbc_decrypt(p, p, data.len(), iv.as_mut_ptr(), &self.key) };
        Ok(())
    }

    /// XORs `data` with the CTR keystream from the big-endian counter
    /// `ctr`, which advances by one per (started) block.
    ///
    /// Only the last piece of a message may end in a partial block.
    pub fn ctr(&self, data: &mut [u8], ctr: &mut [u8; AES_BLOCK_SIZE]) -> Result {
        let arg = self.arg()?;
        let p = data.as_mut_ptr();
        // SAFETY: As for `cbc_encrypt`; CTR takes any length.
        unsafe { bindings::aes_ctr(p, p, data.len(), ctr.as_mut_ptr(), arg) };
        Ok(())
    }
}

impl Default for Key {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.clear();
    }
}

/// A pair of AES keys expanded for XTS (`struct aes_xts_key`).
///
/// # Invariants
///
/// `prepared` is true only if `key` was filled by `aes_xts_preparekey()`.
pub struct XtsKey {
    key: bindings::aes_xts_key,
    prepared: bool,
}

impl XtsKey {
    /// Returns an empty key, to be filled in place with [`XtsKey::prepare`].
    pub fn new() -> Self {
        // INVARIANT: Not prepared.
        Self {
            // SAFETY: All-zero is a valid (empty) `aes_xts_key`.
            key: unsafe { MaybeUninit::zeroed().assume_init() },
            prepared: false,
        }
    }

    /// Expands the XTS key `raw` (32, 48 or 64 bytes), replacing and wiping
    /// any previous key; checks it like
    /// [`xts_verify_key`](super::skcipher::xts_verify_key).
    pub fn prepare(&mut self, raw: &[u8], flags: TfmFlags) -> Result {
        self.clear();
        let xts_flags = if flags.forbid_weak_keys() {
            bindings::XTS_FORBID_WEAK_KEYS as c_int
        } else {
            0
        };
        // SAFETY: `self.key` is writable and `raw` readable for its length.
        to_result(unsafe {
            bindings::aes_xts_preparekey(&mut self.key, raw.as_ptr(), raw.len(), xts_flags)
        })?;
        // INVARIANT: Just prepared.
        self.prepared = true;
        Ok(())
    }

    /// Wipes the key.
    pub fn clear(&mut self) {
        // INVARIANT: Not prepared any more.
        self.prepared = false;
        // SAFETY: `aes_xts_key` is plain data; viewing it as bytes is valid.
        wipe(unsafe {
            core::slice::from_raw_parts_mut(
                (&raw mut self.key).cast::<u8>(),
                size_of::<bindings::aes_xts_key>(),
            )
        });
    }

    /// Returns whether a key is set.
    pub fn is_prepared(&self) -> bool {
        self.prepared
    }

    /// Encrypts `data` in XTS mode with `tweak`.
    ///
    /// `cont` is false for the first piece of a message (the IV is then
    /// encrypted into the tweak) and true for the following ones; every
    /// piece but the last must be whole blocks, and the last at least one
    /// block (ciphertext stealing covers a partial final block).
    pub fn encrypt(&self, data: &mut [u8], tweak: &mut [u8; AES_BLOCK_SIZE], cont: bool) -> Result {
        self.check(data)?;
        let p = data.as_mut_ptr();
        // SAFETY: `p` is valid for `data.len()` bytes; in place is allowed;
        // the key is prepared; `tweak` is 16 writable bytes.
        unsafe { bindings::aes_xts_encrypt(p, p, data.len(), tweak.as_mut_ptr(), &self.key, cont) };
        Ok(())
    }

    /// Decrypts `data` in XTS mode; see [`XtsKey::encrypt`].
    pub fn decrypt(&self, data: &mut [u8], tweak: &mut [u8; AES_BLOCK_SIZE], cont: bool) -> Result {
        self.check(data)?;
        let p = data.as_mut_ptr();
        // SAFETY: As for `encrypt`.
        unsafe { bindings::aes_xts_decrypt(p, p, data.len(), tweak.as_mut_ptr(), &self.key, cont) };
        Ok(())
    }

    fn check(&self, data: &[u8]) -> Result {
        if !self.prepared || data.len() < AES_BLOCK_SIZE {
            return Err(EINVAL);
        }
        Ok(())
    }
}

impl Default for XtsKey {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for XtsKey {
    fn drop(&mut self) {
        self.clear();
    }
}

// SAFETY: The keys are plain data, read-only in every `&self` method.
unsafe impl Sync for Key {}
// SAFETY: As above; nothing ties them to a thread.
unsafe impl Send for Key {}
// SAFETY: As for `Key`.
unsafe impl Sync for XtsKey {}
// SAFETY: As for `Key`.
unsafe impl Send for XtsKey {}
