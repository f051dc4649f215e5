// SPDX-License-Identifier: GPL-2.0

//! What the cross-check sends: modes, keys, message lengths, and how a
//! message is cut into sendmsg() pieces and readv() buffers.

use crate::rng::Rng;

/// The AES block size.
pub const BLOCK: usize = 16;
/// The default longest message.
pub const DEFAULT_MAX_LEN: usize = 4200;
/// The longest message allowed: well below the socket's send buffer, so a
/// whole request always fits before it is read back.
pub const MAX_LEN: usize = 65536;

/// A block cipher mode under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Ecb,
    Cbc,
    Ctr,
    Xts,
}

impl Mode {
    /// The mode named `name` (as in the check names).
    pub fn parse(name: &str) -> Option<Mode> {
        match name {
            "ecb" => Some(Mode::Ecb),
            "cbc" => Some(Mode::Cbc),
            "ctr" => Some(Mode::Ctr),
            "xts" => Some(Mode::Xts),
            _ => None,
        }
    }

    /// The name, lower case.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Ecb => "ecb",
            Mode::Cbc => "cbc",
            Mode::Ctr => "ctr",
            Mode::Xts => "xts",
        }
    }

    /// A small number that tells the modes' random streams apart.
    pub fn tag(self) -> u64 {
        self as u64 + 1
    }

    /// Bytes of IV: none for ECB, one block otherwise.
    pub fn iv_len(self) -> usize {
        match self {
            Mode::Ecb => 0,
            _ => BLOCK,
        }
    }

    /// The shortest message the mode takes: CTR is a stream cipher, XTS
    /// needs one whole block before it can steal ciphertext.
    pub fn min_len(self) -> usize {
        match self {
            Mode::Ctr => 1,
            _ => BLOCK,
        }
    }

    /// Whether messages must be whole blocks (no padding, no stealing).
    pub fn whole_blocks(self) -> bool {
        matches!(self, Mode::Ecb | Mode::Cbc)
    }

    /// `len` made acceptable: at most `max_len`, whole blocks if needed,
    /// at least [`Mode::min_len`]. `max_len` must be at least that.
    pub fn fit(self, len: usize, max_len: usize) -> usize {
        let mut len = len.min(max_len);
        if self.whole_blocks() {
            len -= len % BLOCK;
        }
        len.max(self.min_len())
    }
}

/// A random key of `len` bytes. For XTS (`xts`), whose key is two AES
/// keys, the halves are made to differ: with equal halves the kernel's
/// xts_verify_key() refuses the key in FIPS mode.
pub fn random_key(rng: &mut Rng, len: usize, xts: bool) -> Vec<u8> {
    let mut key = vec![0; len];
    rng.fill(&mut key);
    let half = len / 2;
    if xts && half > 0 && key[..half] == key[half..2 * half] {
        key[half] ^= 1;
    }
    key
}

/// A random message length for `mode`, at most `max_len`. A quarter of
/// the lengths are ones where implementations tend to break: one block,
/// 512, one page, multiples of 8 blocks (the wide Key Locker instructions
/// take 8 at a time) and a partial block either side of them.
pub fn message_len(rng: &mut Rng, mode: Mode, max_len: usize) -> usize {
    let len = if rng.one_in(4) {
        let eights = rng.range(1, (max_len / (8 * BLOCK)).max(1));
        match rng.below(7) {
            0 => BLOCK,
            1 => 512,
            2 => 4096,
            3 => 8 * BLOCK * eights,
            4 => 8 * BLOCK * eights + rng.range(1, BLOCK - 1),
            5 => 8 * BLOCK * eights - rng.range(1, BLOCK - 1),
            _ => BLOCK + rng.range(1, BLOCK - 1),
        }
    } else if mode.whole_blocks() {
        BLOCK * rng.range(1, max_len / BLOCK)
    } else {
        rng.range(mode.min_len(), max_len)
    };
    mode.fit(len, max_len)
}

/// Cuts `len` bytes into 1 to 6 non-empty pieces at random offsets.
pub fn split(rng: &mut Rng, len: usize) -> Vec<usize> {
    let pieces = rng.range(1, 6).min(len.max(1));
    let mut cuts: Vec<usize> = (1..pieces).map(|_| rng.range(1, len - 1)).collect();
    cuts.push(0);
    cuts.push(len);
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Where the readv() buffers of one message lie in a scratch buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// (offset, length) of each buffer, in order, not overlapping.
    pub pieces: Vec<(usize, usize)>,
    /// The scratch buffer's size, with room after the last piece.
    pub size: usize,
}

/// Bytes after the last buffer, where a stray write would show.
const TAIL: usize = 64;

/// Buffers for `len` bytes: [`split`] pieces starting at a random offset
/// within a page, some adjacent, some with a gap in between, so the RX
/// scatterlist splits at iovec ends and page crossings at odd offsets.
pub fn layout(rng: &mut Rng, len: usize) -> Layout {
    let mut at = rng.below(4096);
    let mut pieces = Vec::new();
    for piece in split(rng, len) {
        pieces.push((at, piece));
        at += piece;
        if rng.one_in(2) {
            at += rng.range(1, 64);
        }
    }
    Layout {
        pieces,
        size: at + TAIL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_fit_the_modes() {
        for mode in [Mode::Ecb, Mode::Cbc, Mode::Ctr, Mode::Xts] {
            let mut rng = Rng::new(1);
            let mut partial = false;
            let mut page = false;
            for _ in 0..20_000 {
                let len = message_len(&mut rng, mode, DEFAULT_MAX_LEN);
                assert!(
                    (mode.min_len()..=DEFAULT_MAX_LEN).contains(&len),
                    "{mode:?} {len}"
                );
                assert!(
                    !mode.whole_blocks() || len.is_multiple_of(BLOCK),
                    "{mode:?} {len}"
                );
                partial |= !len.is_multiple_of(BLOCK);
                page |= len == 4096;
            }
            assert_eq!(partial, !mode.whole_blocks(), "{mode:?}");
            assert!(page, "{mode:?}: never one page");
            // A short maximum still gives legal lengths.
            for _ in 0..1000 {
                let len = message_len(&mut rng, mode, 16);
                assert!((mode.min_len()..=16).contains(&len));
            }
        }
    }

    #[test]
    fn splits_and_layouts() {
        let mut rng = Rng::new(2);
        let mut counts = [0; 7];
        for _ in 0..10_000 {
            let len = rng.range(1, 5000);
            let pieces = split(&mut rng, len);
            assert_eq!(pieces.iter().sum::<usize>(), len);
            assert!(pieces.iter().all(|&p| p > 0));
            counts[pieces.len()] += 1;
            let l = layout(&mut rng, len);
            assert_eq!(l.pieces.iter().map(|p| p.1).sum::<usize>(), len);
            assert!(l.pieces.windows(2).all(|w| w[0].0 + w[0].1 <= w[1].0));
            let last = l.pieces.last().unwrap();
            assert!(last.0 + last.1 < l.size);
        }
        assert!(counts[1..].iter().all(|&c| c > 0), "{counts:?}");
        assert_eq!(split(&mut rng, 1), [1]);
    }

    #[test]
    fn xts_key_halves_differ() {
        let mut rng = Rng::new(3);
        for len in [32, 48, 64] {
            let key = random_key(&mut rng, len, true);
            assert_eq!(key.len(), len);
            assert_ne!(key[..len / 2], key[len / 2..]);
        }
    }
}
