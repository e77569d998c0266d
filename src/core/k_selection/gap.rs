//! The gap statistic (Tibshirani, Walther & Hastie 2001): how much tighter the data's
//! clusters are than those of data with no clusters at all.
//!
//! `W_k` is the fit's inertia (`W_1` the total sum of squares). `B` reference sets, uniform
//! over the box of the data's principal components, are fitted at the same k: `gap(k) = mean_b log W*_kb −
//! log W_k`, `s_k = sd_b(log W*_kb) · √(1 + 1/B)` (sd with 1/B, as in the paper). The
//! paper's choice is the smallest k with `gap(k) ≥ gap(k+1) − s_{k+1}` ([`gap_choice`]).
//! For speed a reference set has at most [`GapOptions::max_reference_rows`] rows and its
//! `W*` is scaled by `n / rows` (the within-cluster sum of squares of uniform data grows in
//! proportion to its rows).

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::core::kmeans::init::uniform;
use crate::core::kmeans::{fit, KMeansError, KMeansParams};
use crate::core::projection::{pca, JACOBI_MAX_FEATURES};

/// Settings of the gap statistic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapOptions {
    /// Reference sets, B.
    pub n_references: usize,
    /// Rows of a reference set at most (its `W*` is scaled to the data's rows).
    pub max_reference_rows: usize,
    /// K-Means runs per reference fit.
    pub n_runs: usize,
    pub seed: u64,
}

impl Default for GapOptions {
    fn default() -> Self {
        Self { n_references: 10, max_reference_rows: 2_000, n_runs: 2, seed: 42 }
    }
}

/// The gap statistic at one k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapScore {
    pub k: usize,
    pub gap: f64,
    /// Its standard error, sd · √(1 + 1/B).
    pub s: f64,
}

/// `B` uniform reference sets over the data's bounding box, fitted one k at a time.
#[derive(Debug, Clone)]
pub struct GapReference {
    sets: Vec<Vec<f64>>,
    d: usize,
    /// `n / rows of a reference set`.
    scale: f64,
    options: GapOptions,
}

impl GapReference {
    /// Draws the reference sets for `data` (row-major, `d` features): uniform over the box
    /// of the data's principal components (Tibshirani's "PCA" reference; K-Means does not
    /// care about the rotation, so the sets stay in the rotated frame), so that a long
    /// cloud of correlated columns is compared with a long box, not a square one. Beyond
    /// [`JACOBI_MAX_FEATURES`] features, the box of the columns.
    pub fn new(data: &[f64], d: usize, options: &GapOptions) -> Self {
        let d = d.max(1);
        let n = data.len() / d;
        let rotated = (d <= JACOBI_MAX_FEATURES).then(|| pca(data, d, d).ok()).flatten().filter(|p| p.n_components == d);
        let frame = rotated.as_ref().map_or(data, |p| p.points.as_slice());
        let mut low = vec![f64::INFINITY; d];
        let mut high = vec![f64::NEG_INFINITY; d];
        for row in frame.chunks_exact(d) {
            for ((v, lo), hi) in row.iter().zip(low.iter_mut()).zip(high.iter_mut()) {
                *lo = lo.min(*v);
                *hi = hi.max(*v);
            }
        }
        let m = n.min(options.max_reference_rows.max(2));
        let sets = (0..options.n_references.max(1))
            .map(|b| {
                let mut rng = ChaCha8Rng::seed_from_u64(options.seed.wrapping_add(b as u64));
                let mut set = Vec::with_capacity(m * d);
                for _ in 0..m {
                    set.extend(low.iter().zip(&high).map(|(lo, hi)| lo + (hi - lo) * uniform(&mut rng)));
                }
                set
            })
            .collect();
        Self { sets, d, scale: n as f64 / m.max(1) as f64, options: options.clone() }
    }

    /// The gap and its standard error at `k`, given the data's `W_k`.
    pub fn score(&self, k: usize, w: f64) -> Result<GapScore, KMeansError> {
        let mut logs = Vec::with_capacity(self.sets.len());
        for (b, set) in self.sets.iter().enumerate() {
            let w_ref = if k <= 1 {
                total_sum_of_squares(set, self.d)
            } else {
                let params = KMeansParams::new(k).seed(self.options.seed.wrapping_add(b as u64)).n_runs(self.options.n_runs.max(1));
                fit(set, self.d, &params)?.inertia
            };
            logs.push((w_ref * self.scale).max(f64::MIN_POSITIVE).ln());
        }
        let b = logs.len().max(1) as f64;
        let mean = logs.iter().sum::<f64>() / b;
        let sd = (logs.iter().map(|l| (l - mean) * (l - mean)).sum::<f64>() / b).sqrt();
        Ok(GapScore { k, gap: mean - w.max(f64::MIN_POSITIVE).ln(), s: sd * (1.0 + 1.0 / b).sqrt() })
    }
}

/// The sum of squared distances of the rows to their mean: `W_1`.
pub fn total_sum_of_squares(data: &[f64], d: usize) -> f64 {
    let d = d.max(1);
    let n = data.len() / d;
    if n == 0 {
        return 0.0;
    }
    let mut mean = vec![0.0; d];
    for row in data.chunks_exact(d) {
        mean.iter_mut().zip(row).for_each(|(m, v)| *m += v);
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    data.chunks_exact(d).map(|row| row.iter().zip(&mean).map(|(v, m)| (v - m) * (v - m)).sum::<f64>()).sum()
}

/// The smallest k with `gap(k) ≥ gap(k+1) − s_{k+1}` (scores in increasing k); the largest
/// k when none qualifies, `None` without scores.
pub fn gap_choice(scores: &[GapScore]) -> Option<usize> {
    scores
        .windows(2)
        .find_map(|w| match w {
            [a, b] if a.gap >= b.gap - b.s => Some(a.k),
            _ => None,
        })
        .or_else(|| scores.last().map(|s| s.k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::bench::gaussian;

    #[test]
    fn gap_statistic_finds_three_obvious_groups_and_none_in_uniform_noise() {
        // Three round groups of 300 rows, sd 1, centres 10 apart.
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut data = Vec::new();
        for (x, y) in [(0.0, 0.0), (10.0, 0.0), (5.0, 8.66)] {
            for _ in 0..300 {
                data.push(x + gaussian(&mut rng));
                data.push(y + gaussian(&mut rng));
            }
        }
        let reference = GapReference::new(&data, 2, &GapOptions::default());
        let scores: Vec<GapScore> = (1..=6)
            .map(|k| {
                let w = if k == 1 { total_sum_of_squares(&data, 2) } else { fit(&data, 2, &KMeansParams::new(k)).unwrap().inertia };
                reference.score(k, w).unwrap()
            })
            .collect();
        assert!(scores.iter().all(|s| s.s >= 0.0 && s.gap.is_finite()));
        assert_eq!(gap_choice(&scores), Some(3), "{scores:?}");
        assert_eq!(gap_choice(&[]), None);

        let noise: Vec<f64> = (0..1_800).map(|_| uniform(&mut rng)).collect();
        let reference = GapReference::new(&noise, 2, &GapOptions { seed: 7, ..GapOptions::default() });
        let scores: Vec<GapScore> = (1..=4)
            .map(|k| {
                let w = if k == 1 { total_sum_of_squares(&noise, 2) } else { fit(&noise, 2, &KMeansParams::new(k)).unwrap().inertia };
                reference.score(k, w).unwrap()
            })
            .collect();
        // No structure: no gap at any k (uniform data are the reference's own kind).
        assert!(scores.iter().all(|s| s.gap.abs() < 0.1), "{scores:?}");
    }
}
