//! Latin hypercube sampling (`forecast --sampling lhs`): each input's N
//! draws fall one in each of N equal-probability strata. Sample `i` takes
//! stratum `pi_j(i)` of input `j`, where `pi_j` is a keyed pseudo-random
//! permutation of `0..N`, and a point within it from its own random stream:
//! `u = (pi_j(i) + v) / N`, mapped through the input's inverse CDF
//! ([`crate::distribution::Distribution::quantile_within`]). The permutation
//! is computed, not stored (a Feistel network with cycle walking), so memory
//! does not grow with N, and each draw still depends only on `(seed, i)`:
//! results stay the same for any thread count.

/// SplitMix64's finaliser: a bijective mix of 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A keyed permutation of `0..n`.
#[derive(Debug, Clone)]
pub(super) struct Permutation {
    n: u64,
    half: u32,
    mask: u64,
    keys: [u64; 4],
}

impl Permutation {
    /// The permutation of `0..n` that `key` picks.
    pub(super) fn new(n: u64, key: u64) -> Self {
        let bits = 64 - n.saturating_sub(1).leading_zeros();
        let half = bits.div_ceil(2).max(1);
        let mut keys = [0; 4];
        for (r, k) in keys.iter_mut().enumerate() {
            *k = mix(key ^ mix(r as u64 + 1));
        }
        Permutation {
            n,
            half,
            mask: (1u64 << half) - 1,
            keys,
        }
    }

    /// A bijection of `0..2^(2 half)`: four Feistel rounds.
    fn feistel(&self, x: u64) -> u64 {
        let (mut l, mut r) = (x >> self.half, x & self.mask);
        for k in self.keys {
            let t = l ^ (mix(r ^ k) & self.mask);
            l = r;
            r = t;
        }
        (l << self.half) | r
    }

    /// Where `i` (below `n`) goes: cycle walking keeps the image below `n`,
    /// and as `2^(2 half) < 4 n` it takes fewer than four rounds on average.
    pub(super) fn at(&self, i: u64) -> u64 {
        debug_assert!(i < self.n);
        let mut x = self.feistel(i);
        while x >= self.n {
            x = self.feistel(x);
        }
        x
    }
}

/// The permutations of a forecast's inputs, one per input, keyed by the seed.
pub(super) fn permutations(n: u64, seed: u64, inputs: usize) -> Vec<Permutation> {
    (0..inputs)
        .map(|j| Permutation::new(n, mix(seed ^ mix(0x4c48_5300 + j as u64))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permutation_hits_every_stratum_once() {
        for n in [1u64, 2, 3, 7, 64, 100, 1000, 4097] {
            for key in [0u64, 1, 99] {
                let p = Permutation::new(n, key);
                let mut seen = vec![false; n as usize];
                for i in 0..n {
                    let x = p.at(i);
                    assert!(x < n, "{n} {key}: {i} -> {x}");
                    assert!(!seen[x as usize], "{n} {key}: {x} twice");
                    seen[x as usize] = true;
                }
            }
        }
        // Different keys, different orders.
        let (a, b) = (Permutation::new(100, 1), Permutation::new(100, 2));
        assert!((0..100).any(|i| a.at(i) != b.at(i)));
    }
}
