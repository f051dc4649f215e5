// SPDX-License-Identifier: GPL-2.0

//! Known-answer vectors from FIPS-197 Appendix C.
//!
//! Bytes are in the order the standard prints them, which is also memory
//! order: byte 0 of a block or key is the least significant byte of the XMM
//! register it is loaded into, the convention of AES-NI and Key Locker.

/// A 128-bit AES block (or 128-bit key) in memory order.
pub type Block = [u8; 16];

/// The plaintext of every Appendix C example.
pub const PLAINTEXT: Block = [
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
];

/// C.1 (AES-128) key: 000102...0f.
pub const AES128_KEY: [u8; 16] = counting();

/// C.1 (AES-128) ciphertext.
pub const AES128_CIPHERTEXT: Block = [
    0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30, 0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a,
];

/// C.3 (AES-256) key: 000102...1f.
pub const AES256_KEY: [u8; 32] = counting();

/// C.3 (AES-256) ciphertext.
pub const AES256_CIPHERTEXT: Block = [
    0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67, 0x45, 0xbf, 0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49, 0x60, 0x89,
];

/// The bytes 0, 1, 2, ..., N-1 (N <= 256).
const fn counting<const N: usize>() -> [u8; N] {
    let mut key = [0; N];
    let mut i = 0;
    while i < N {
        key[i] = i as u8;
        i += 1;
    }
    key
}

/// Eight distinct blocks for the wide instructions: block `i` is
/// [`PLAINTEXT`] with `i` XORed into byte 0, so block 0 is the FIPS
/// plaintext itself.
pub fn wide_plaintexts() -> [Block; 8] {
    let mut blocks = [PLAINTEXT; 8];
    for (i, block) in (0u8..).zip(blocks.iter_mut()) {
        block[0] ^= i;
    }
    blocks
}

#[cfg(test)]
mod tests {
    //! The vectors and the byte order, checked with AES-NI on the build
    //! host: if these pass, a Key Locker failure on the same vectors is the
    //! model's, not a typo here.

    use super::*;
    use crate::kl::{load, store};
    use core::arch::x86_64::*;

    #[target_feature(enable = "aes")]
    fn expand128(key: __m128i) -> [__m128i; 11] {
        macro_rules! step {
            ($k:expr, $rcon:literal) => {{
                let k = $k;
                let t = _mm_shuffle_epi32::<0xff>(_mm_aeskeygenassist_si128::<$rcon>(k));
                let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
                let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
                let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
                _mm_xor_si128(k, t)
            }};
        }
        let mut rk = [key; 11];
        rk[1] = step!(rk[0], 0x01);
        rk[2] = step!(rk[1], 0x02);
        rk[3] = step!(rk[2], 0x04);
        rk[4] = step!(rk[3], 0x08);
        rk[5] = step!(rk[4], 0x10);
        rk[6] = step!(rk[5], 0x20);
        rk[7] = step!(rk[6], 0x40);
        rk[8] = step!(rk[7], 0x80);
        rk[9] = step!(rk[8], 0x1b);
        rk[10] = step!(rk[9], 0x36);
        rk
    }

    #[target_feature(enable = "aes")]
    fn expand256(lo: __m128i, hi: __m128i) -> [__m128i; 15] {
        #[target_feature(enable = "sse2")]
        fn shift_xor(k: __m128i) -> __m128i {
            let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
            let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
            _mm_xor_si128(k, _mm_slli_si128::<4>(k))
        }
        macro_rules! pair {
            ($a:expr, $b:expr, $rcon:literal) => {{
                let t = _mm_shuffle_epi32::<0xff>(_mm_aeskeygenassist_si128::<$rcon>($b));
                let a = _mm_xor_si128(shift_xor($a), t);
                let u = _mm_shuffle_epi32::<0xaa>(_mm_aeskeygenassist_si128::<0>(a));
                (a, _mm_xor_si128(shift_xor($b), u))
            }};
        }
        let mut rk = [lo; 15];
        rk[1] = hi;
        (rk[2], rk[3]) = pair!(rk[0], rk[1], 0x01);
        (rk[4], rk[5]) = pair!(rk[2], rk[3], 0x02);
        (rk[6], rk[7]) = pair!(rk[4], rk[5], 0x04);
        (rk[8], rk[9]) = pair!(rk[6], rk[7], 0x08);
        (rk[10], rk[11]) = pair!(rk[8], rk[9], 0x10);
        (rk[12], rk[13]) = pair!(rk[10], rk[11], 0x20);
        let t = _mm_shuffle_epi32::<0xff>(_mm_aeskeygenassist_si128::<0x40>(rk[13]));
        rk[14] = _mm_xor_si128(shift_xor(rk[12]), t);
        rk
    }

    #[target_feature(enable = "aes")]
    fn encrypt(rk: &[__m128i], block: &Block) -> Block {
        let last = rk.len() - 1;
        let mut s = _mm_xor_si128(load(block), rk[0]);
        for k in &rk[1..last] {
            s = _mm_aesenc_si128(s, *k);
        }
        store(_mm_aesenclast_si128(s, rk[last]))
    }

    #[test]
    fn vectors_match_aes_ni() {
        if !is_x86_feature_detected!("aes") {
            eprintln!("no AES-NI on this host: vectors not cross-checked");
            return;
        }
        let k128: Block = AES128_KEY;
        let lo: Block = AES256_KEY[..16].try_into().unwrap();
        let hi: Block = AES256_KEY[16..].try_into().unwrap();
        // SAFETY: AES-NI is present (checked above).
        unsafe {
            let rk = expand128(load(&k128));
            assert_eq!(encrypt(&rk, &PLAINTEXT), AES128_CIPHERTEXT);
            let rk = expand256(load(&lo), load(&hi));
            assert_eq!(encrypt(&rk, &PLAINTEXT), AES256_CIPHERTEXT);
        }
    }

    #[test]
    fn wide_blocks_are_distinct() {
        let blocks = wide_plaintexts();
        assert_eq!(blocks[0], PLAINTEXT);
        for (i, a) in blocks.iter().enumerate() {
            assert!(blocks[i + 1..].iter().all(|b| a != b));
        }
    }
}
