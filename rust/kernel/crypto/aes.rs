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
    prelude::*, //
};
use core::mem::size_of;

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
        let key = self.0.get()?;
        if !is_blocks(data.len()) {
            return Err(EINVAL);
        }
        let p = data.as_mut_ptr();
        // SAFETY: As for `ecb_encrypt`.
        unsafe { bindings::aes_ecb_decrypt(p, p, data.len(), key) };
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
        let key = self.0.get()?;
        if !is_blocks(data.len()) {
            return Err(EINVAL);
        }
        let p = data.as_mut_ptr();
        // SAFETY: As for `cbc_encrypt`.
        unsafe { bindings::aes_cbc_decrypt(p, p, data.len(), iv.as_mut_ptr(), key) };
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
    pub fn encrypt(&self, data: &mut [u8], tweak: &mut [u8; AES_BLOCK_SIZE], cont: bool) -> Result {
        let key = self.checked(data)?;
        let p = data.as_mut_ptr();
        // SAFETY: `p` is valid for `data.len()` bytes; in place is allowed;
        // the key is prepared; `tweak` is 16 writable bytes.
        unsafe { bindings::aes_xts_encrypt(p, p, data.len(), tweak.as_mut_ptr(), key, cont) };
        Ok(())
    }

    /// Decrypts `data` in XTS mode; see [`XtsKey::encrypt`].
    pub fn decrypt(&self, data: &mut [u8], tweak: &mut [u8; AES_BLOCK_SIZE], cont: bool) -> Result {
        let key = self.checked(data)?;
        let p = data.as_mut_ptr();
        // SAFETY: As for `encrypt`.
        unsafe { bindings::aes_xts_decrypt(p, p, data.len(), tweak.as_mut_ptr(), key, cont) };
        Ok(())
    }

    /// Returns the key if it is prepared and `data` is at least a block.
    fn checked(&self, data: &[u8]) -> Result<&bindings::aes_xts_key> {
        if data.len() < AES_BLOCK_SIZE {
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
