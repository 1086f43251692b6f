//! Order statistics of a forecast's samples: nearest-rank percentiles, the
//! fixed bins of the fan chart, radix-sorted values and their ranks, and the
//! centred rank vectors Spearman's rho is computed from.

use super::*;

/// 0-based index of the nearest-rank `pct` percentile among `n` sorted values.
pub(super) fn rank(pct: u64, n: usize) -> usize {
    let r = (pct * n as u64).div_ceil(100).max(1);
    (r - 1) as usize
}

/// The bucket holding the nearest-rank `pct` percentile of a histogram of `n` counts.
pub(super) fn hist_rank(hist: &[u64], pct: u64, n: usize) -> usize {
    let r = (pct * n as u64).div_ceil(100).max(1);
    let mut cum = 0;
    for (j, c) in hist.iter().enumerate() {
        cum += c;
        if cum >= r {
            return j;
        }
    }
    hist.len() - 1
}

pub(super) fn bin_value(j: usize) -> f64 {
    if j >= BINS {
        1.0
    } else {
        j as f64 / BINS as f64
    }
}

pub(super) fn bin_of(x: f64) -> usize {
    if x >= 1.0 - EPS {
        BINS
    } else {
        // `as` truncates towards zero and saturates at 0: the floor for x >= 0.
        ((x * BINS as f64 + 1e-6) as usize).min(BINS - 1)
    }
}

/// Quantiles of binned values; `None` without counts.
pub(super) fn binned(bins: &[u32]) -> Option<Quantiles> {
    let hist: Vec<u64> = bins.iter().map(|&c| c as u64).collect();
    let n: u64 = hist.iter().sum();
    (n > 0).then(|| Quantiles {
        p10: bin_value(hist_rank(&hist, 10, n as usize)),
        p50: bin_value(hist_rank(&hist, 50, n as usize)),
        p90: bin_value(hist_rank(&hist, 90, n as usize)),
    })
}

/// A column sorted ascending in `f64::total_cmp` order, ties in sample order:
/// the values' order-preserving bits ([`order_key`]) and their sample indices,
/// sorted by a stable least-significant-digit radix sort.
pub(super) struct Sorted {
    pub(super) keys: Vec<u64>,
    pub(super) index: Vec<u32>,
}

/// Bits per radix-sort pass.
pub(super) const RADIX_BITS: u32 = 11;

impl Sorted {
    pub(super) fn new(values: &[f64]) -> Sorted {
        assert!(values.len() <= u32::MAX as usize);
        let n = values.len();
        let mut keys: Vec<u64> = values.iter().map(|x| order_key(*x)).collect();
        let mut index: Vec<u32> = (0..n as u32).collect();
        let mut keys2 = vec![0u64; n];
        let mut index2 = vec![0u32; n];
        let mut count = vec![0usize; 1 << RADIX_BITS];
        let mask = (1u64 << RADIX_BITS) - 1;
        let mut shift = 0;
        while shift < 64 && n > 0 {
            count.fill(0);
            for &k in &keys {
                count[((k >> shift) & mask) as usize] += 1;
            }
            // A digit shared by every key orders nothing: skip the pass.
            if count[((keys[0] >> shift) & mask) as usize] < n {
                let mut sum = 0;
                for c in count.iter_mut() {
                    let here = *c;
                    *c = sum;
                    sum += here;
                }
                for (&k, &i) in keys.iter().zip(&index) {
                    let slot = &mut count[((k >> shift) & mask) as usize];
                    keys2[*slot] = k;
                    index2[*slot] = i;
                    *slot += 1;
                }
                std::mem::swap(&mut keys, &mut keys2);
                std::mem::swap(&mut index, &mut index2);
            }
            shift += RADIX_BITS;
        }
        Sorted { keys, index }
    }

    pub(super) fn value(&self, i: usize) -> f64 {
        from_order_key(self.keys[i])
    }

    /// Nearest-rank P10, P50, P90.
    pub(super) fn quantiles(&self) -> Quantiles {
        let n = self.keys.len();
        Quantiles {
            p10: self.value(rank(10, n)),
            p50: self.value(rank(50, n)),
            p90: self.value(rank(90, n)),
        }
    }

    /// Average ranks by sample (1-based; ties share the mean of their ranks).
    pub(super) fn ranks(&self) -> Vec<f64> {
        let k = &self.keys;
        let mut r = vec![0.0; k.len()];
        let mut i = 0;
        while i < k.len() {
            let mut j = i;
            while j + 1 < k.len() && k[j + 1] == k[i] {
                j += 1;
            }
            let avg = (i + j) as f64 / 2.0 + 1.0;
            for &s in &self.index[i..=j] {
                r[s as usize] = avg;
            }
            i = j + 1;
        }
        r
    }
}

/// Bits of `x` whose unsigned order is `f64::total_cmp`'s order.
pub(super) fn order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

pub(super) fn from_order_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Values minus their mean, and the root of their sum of squares: the
/// Pearson correlation of two such is one dot product.
pub(super) struct Centred {
    pub(super) d: Vec<f64>,
    pub(super) norm: f64,
}

impl Centred {
    /// `None` if the values do not vary.
    pub(super) fn new(mut v: Vec<f64>) -> Option<Centred> {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        for x in v.iter_mut() {
            *x -= mean;
        }
        let norm = dot(&v, &v).sqrt();
        (norm > 0.0).then_some(Centred { d: v, norm })
    }

    /// Pearson correlation with `o`, in `[-1, 1]`.
    pub(super) fn correlation(&self, o: &Centred) -> f64 {
        (dot(&self.d, &o.d) / (self.norm * o.norm)).clamp(-1.0, 1.0)
    }
}

/// Dot product in a fixed order (four running sums, then their total):
/// deterministic, and fast without reassociation by the compiler.
pub(super) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..4 {
            s[i] += x[i] * y[i];
        }
    }
    (s[0] + s[1]) + (s[2] + s[3]) + tail
}

/// Pearson correlation; `None` if either side does not vary.
#[cfg(test)]
pub(super) fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    Some(Centred::new(x.to_vec())?.correlation(&Centred::new(y.to_vec())?))
}
