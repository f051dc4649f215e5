// SPDX-License-Identifier: GPL-2.0

//! A small deterministic PRNG (SplitMix64), so that a failing cross-check
//! is reproduced by running it again with the same seed.
//!
//! Not for keys that must be secret: the keys here only have to differ.

use std::ffi::c_void;

unsafe extern "C" {
    /// glibc's getrandom(2) wrapper.
    fn getrandom(buf: *mut c_void, len: usize, flags: u32) -> isize;
}

/// SplitMix64 (Steele, Lea, Flood 2014), the generator that seeds
/// xoshiro: 64 bits of state, every output a bijective mix of it.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// The generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// An independent stream for `tag` under `seed`: the same (seed, tag)
    /// always gives the same stream, whatever else ran before.
    pub fn stream(seed: u64, tag: u64) -> Rng {
        let mixed = Rng::new(seed).next_u64();
        Rng::new(mixed ^ Rng::new(tag).next_u64())
    }

    /// A generator seeded from getrandom(2), or from the clock and pid if
    /// that fails.
    pub fn from_entropy() -> Rng {
        let mut seed = [0u8; 8];
        // SAFETY: `seed` is 8 writable bytes; getrandom writes at most that.
        let got = unsafe { getrandom(seed.as_mut_ptr().cast(), seed.len(), 0) };
        if got == seed.len() as isize {
            return Rng::new(u64::from_ne_bytes(seed));
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rng::new(nanos ^ u64::from(std::process::id()) << 32)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0), by multiply-shift.
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        debug_assert!(lo <= hi);
        lo + self.below(hi - lo + 1)
    }

    /// True once in `n` times on average.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_values() {
        // The first outputs of the reference splitmix64.c seeded with 0.
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(rng.next_u64(), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn ranges_and_streams() {
        let mut rng = Rng::new(7);
        for _ in 0..10_000 {
            let v = rng.range(3, 9);
            assert!((3..=9).contains(&v));
        }
        let a: Vec<u64> = (0..4).map(|_| Rng::stream(1, 32).next_u64()).collect();
        assert!(a.iter().all(|&v| v == a[0]));
        assert_ne!(Rng::stream(1, 32).next_u64(), Rng::stream(1, 48).next_u64());
        let mut buf = [0u8; 13];
        rng.fill(&mut buf);
        assert!(buf.iter().any(|&b| b != 0));
        assert_ne!(
            Rng::from_entropy().next_u64(),
            Rng::from_entropy().next_u64()
        );
    }
}
