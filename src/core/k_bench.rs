//! The k-selection benchmark: labelled data sets whose number of groups is known, the
//! adjusted Rand index to check a clustering finds them, and each way of picking k scored
//! on them ([`draw_sets`], [`picks`]). `examples/k_accuracy.rs` prints the table over many
//! sets; `tests/k_accuracy.rs` runs a fast subset as a regression test.
//!
//! **Which sets** ([`draw_sets`]): k = 2..9 in turn; features 2..8, rows log-uniform in
//! a range, separation uniform in a range, all drawn from one seed; a set is kept only when
//! K-Means at the true k (k-means++, 10 runs, standardised columns, as the page scales
//! them) finds its groups with an adjusted Rand index ≥ [`MIN_ARI`], else another is drawn
//! for the same k: only sets whose k is recoverable by K-Means count.
//!
//! **The sets** ([`generate`]): `k` Gaussian groups in `d` features with unequal sizes
//! (weights 0.25..1.25, so up to 5 : 1) and spreads (standard deviation 0.5..1.5); a third of
//! the groups, drawn at random, are stretched 1.5..3 times along a random direction (a
//! random linear map `I + (s − 1)·u·uᵀ`). Centres are drawn in a box that starts small and
//! grows until each new centre is at least `separation × (r_i + r_j)` from every other,
//! `r` being a group's largest standard deviation (spread × stretch): the groups are packed
//! as tightly as that separation allows, so they are recoverable but not trivially so.
//! Noise is [`super::bench::gaussian`] (no `ln`/`cos`): the same bits on every platform.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::bench::gaussian;
use super::clean::{Scaler, Scaling};
use super::k_selection::gap::{gap_choice, GapScore};
use super::k_selection::{KScore, Sweep, SweepChecks};
use super::kmeans::init::uniform;
use super::kmeans::params::DEFAULT_SEED;
use super::kmeans::{fit, KMeansError, KMeansParams};
use super::pipeline::{sweep_matrix, PipelineError, SweepPlan, SWEEP_SAMPLE_MAX_ROWS};

/// K-Means at the true k must find the groups at least this well (adjusted Rand index).
pub const MIN_ARI: f64 = 0.95;

/// Largest k of the benchmark's sweep (k = 2..=K_MAX, as the page).
pub const K_MAX: usize = 10;

/// How to draw a benchmark's sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrawOptions {
    pub count: usize,
    pub min_rows: usize,
    pub max_rows: usize,
    pub min_separation: f64,
    pub max_separation: f64,
    pub seed: u64,
}

/// A kept set: its spec, its columns standardised, and how well K-Means at the true k finds it.
#[derive(Debug, Clone)]
pub struct BenchSet {
    pub spec: SetSpec,
    pub set: LabelledSet,
    pub scaled: Vec<f64>,
    pub ari: f64,
}

/// The sets kept, and those drawn and rejected with their ARI.
#[derive(Debug, Clone)]
pub struct DrawnSets {
    pub kept: Vec<BenchSet>,
    pub rejected: Vec<(SetSpec, f64)>,
}

/// Sets as the module docs say. A k with no recoverable set in 50 draws (separation too
/// small) is left out.
pub fn draw_sets(options: &DrawOptions) -> Result<DrawnSets, KMeansError> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let (lo, hi) = (options.min_rows.max(20) as f64, options.max_rows.max(options.min_rows.max(20)) as f64);
    let mut kept = Vec::with_capacity(options.count);
    let mut rejected = Vec::new();
    for i in 0..options.count {
        let k = 2 + i % 8;
        for _ in 0..50 {
            let d = 2 + (rng.next_u64() % 7) as usize;
            let n = (lo * (hi / lo).powf(uniform(&mut rng))).round() as usize;
            let separation = options.min_separation + (options.max_separation - options.min_separation) * uniform(&mut rng);
            let spec = SetSpec { n, d, k, separation, seed: rng.next_u64() };
            let set = generate(spec);
            let scaled = Scaler::fit(Scaling::Standard, &set.data, d).transform(&set.data);
            let truth = fit(&scaled, d, &KMeansParams::new(k))?;
            let ari = adjusted_rand_index(&truth.labels, &set.labels).unwrap_or(0.0);
            if ari >= MIN_ARI {
                kept.push(BenchSet { spec, set, scaled, ari });
                break;
            }
            rejected.push((spec, ari));
        }
    }
    Ok(DrawnSets { kept, rejected })
}

/// The ways of picking k the benchmark compares, in its table's order.
pub const METHODS: [&str; 6] =
    ["ours", "best silhouette", "best Calinski–Harabasz", "lowest Davies–Bouldin", "kneedle knee", "gap statistic"];

/// The page's sweep of a set (k = 2..=[`K_MAX`], its seed, sample, runs per k and checks)
/// and each method's pick, in [`METHODS`]' order.
pub fn picks(set: &BenchSet) -> Result<(Sweep, [Option<usize>; 6]), PipelineError> {
    let d = set.spec.d;
    let plan = SweepPlan { k_max: K_MAX, seed: DEFAULT_SEED, max_rows: SWEEP_SAMPLE_MAX_ROWS, checks: SweepChecks::for_width(d) };
    let sw = sweep_matrix("benchmark set", &set.scaled, d, &plan, &mut |_, _| true)?;
    let best_by = |score: &dyn Fn(&KScore) -> Option<f64>, higher: bool| {
        sw.scores
            .iter()
            .filter_map(|s| score(s).map(|v| (s.k, if higher { v } else { -v })))
            .fold(None, |acc: Option<(usize, f64)>, (k, v)| match acc {
                Some((_, b)) if b >= v => acc,
                _ => Some((k, v)),
            })
            .map(|(k, _)| k)
    };
    let gaps: Vec<GapScore> =
        sw.gap_one.iter().cloned().chain(sw.scores.iter().filter_map(|s| Some(GapScore { k: s.k, gap: s.gap?, s: s.gap_se? }))).collect();
    let picks = [
        sw.recommendation.as_ref().map(|r| r.k),
        best_by(&|s| s.silhouette, true),
        best_by(&|s| s.calinski_harabasz, true),
        best_by(&|s| s.davies_bouldin, false),
        sw.knee,
        gap_choice(&gaps),
    ];
    Ok((sw, picks))
}

/// What to generate: `n` rows, `d` features, `k` groups.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SetSpec {
    pub n: usize,
    pub d: usize,
    pub k: usize,
    /// Minimum distance between two centres, in units of the two groups' largest standard
    /// deviations summed (see the module docs). 2.5 keeps groups apart at about 2.5 sd each.
    pub separation: f64,
    pub seed: u64,
}

/// A generated set: row-major `n × d` data and each row's group.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledSet {
    pub data: Vec<f64>,
    pub labels: Vec<usize>,
    pub d: usize,
    pub k: usize,
    /// Rows in each group.
    pub sizes: Vec<usize>,
    /// How many groups are stretched.
    pub stretched: usize,
}

/// One group's shape: spread, and a stretch factor along a unit axis (1 = round).
struct Shape {
    spread: f64,
    stretch: f64,
    axis: Vec<f64>,
}

impl Shape {
    fn radius(&self) -> f64 {
        self.spread * self.stretch
    }
}

/// A set as described in the module docs; the same spec gives the same set.
pub fn generate(spec: SetSpec) -> LabelledSet {
    let d = spec.d.max(1);
    let n = spec.n;
    let k = spec.k.max(1);
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);

    let weights: Vec<f64> = (0..k).map(|_| 0.25 + uniform(&mut rng)).collect();
    let total: f64 = weights.iter().sum();
    let mut sizes: Vec<usize> = weights.iter().map(|w| (w / total * n as f64).floor() as usize).collect();
    let assigned: usize = sizes.iter().sum();
    for i in 0..n.saturating_sub(assigned) {
        if let Some(s) = sizes.get_mut(i % k) {
            *s += 1;
        }
    }

    let shapes: Vec<Shape> = (0..k)
        .map(|_| {
            let spread = 0.5 + uniform(&mut rng);
            let stretched = uniform(&mut rng) < 1.0 / 3.0;
            let stretch = if stretched { 1.5 + 1.5 * uniform(&mut rng) } else { 1.0 };
            let mut axis: Vec<f64> = (0..d).map(|_| gaussian(&mut rng)).collect();
            let norm = axis.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                axis.iter_mut().for_each(|v| *v /= norm);
            }
            Shape { spread, stretch, axis }
        })
        .collect();

    let separation = if spec.separation.is_finite() { spec.separation.max(0.0) } else { 0.0 };
    let mut centres: Vec<Vec<f64>> = Vec::with_capacity(k);
    let mut half_width = 1.0;
    let mut failures = 0usize;
    for shape in &shapes {
        loop {
            let candidate: Vec<f64> = (0..d).map(|_| half_width * (2.0 * uniform(&mut rng) - 1.0)).collect();
            let apart = centres.iter().zip(&shapes).all(|(c, other)| {
                let dist = c.iter().zip(&candidate).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
                dist >= separation * (shape.radius() + other.radius())
            });
            if apart {
                centres.push(candidate);
                break;
            }
            failures += 1;
            if failures % 100 == 0 {
                half_width *= 1.1;
            }
        }
    }

    let mut data = Vec::with_capacity(n * d);
    let mut labels = Vec::with_capacity(n);
    let mut z = vec![0.0; d];
    for (g, ((shape, centre), &size)) in shapes.iter().zip(&centres).zip(&sizes).enumerate() {
        for _ in 0..size {
            z.iter_mut().for_each(|v| *v = shape.spread * gaussian(&mut rng));
            if shape.stretch != 1.0 {
                let along = z.iter().zip(&shape.axis).map(|(a, b)| a * b).sum::<f64>() * (shape.stretch - 1.0);
                z.iter_mut().zip(&shape.axis).for_each(|(v, u)| *v += along * u);
            }
            data.extend(centre.iter().zip(&z).map(|(c, v)| c + v));
            labels.push(g);
        }
    }
    let stretched = shapes.iter().filter(|s| s.stretch != 1.0).count();
    LabelledSet { data, labels, d, k, sizes, stretched }
}

/// The adjusted Rand index of two partitions of the same rows (Hubert & Arabie 1985, as
/// scikit-learn's `adjusted_rand_score`): 1 for the same partition whatever the label
/// names, about 0 for unrelated ones. `None` when the lengths differ or there are no rows.
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let pairs = |m: u64| (m * m.saturating_sub(1) / 2) as f64;
    let mut joint: FxHashMap<(usize, usize), u64> = FxHashMap::default();
    let mut rows_a: FxHashMap<usize, u64> = FxHashMap::default();
    let mut rows_b: FxHashMap<usize, u64> = FxHashMap::default();
    for (&x, &y) in a.iter().zip(b) {
        *joint.entry((x, y)).or_insert(0) += 1;
        *rows_a.entry(x).or_insert(0) += 1;
        *rows_b.entry(y).or_insert(0) += 1;
    }
    let index: f64 = joint.values().map(|&m| pairs(m)).sum();
    let sum_a: f64 = rows_a.values().map(|&m| pairs(m)).sum();
    let sum_b: f64 = rows_b.values().map(|&m| pairs(m)).sum();
    let expected = sum_a * sum_b / pairs(a.len() as u64);
    let max = (sum_a + sum_b) / 2.0;
    if max == expected {
        // Both one cluster, or both all singletons: the same partition.
        return Some(1.0);
    }
    Some((index - expected) / (max - expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ari_known_values() {
        assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 1, 1]), Some(1.0));
        // Permuted label names: the same partition.
        assert_eq!(adjusted_rand_index(&[0, 0, 1, 1, 2, 2], &[5, 5, 0, 0, 3, 3]), Some(1.0));
        // scikit-learn's documented values.
        let v = adjusted_rand_index(&[0, 0, 1, 2], &[0, 0, 1, 1]).unwrap();
        assert!((v - 0.571_428_571_428_571_5).abs() < 1e-12, "{v}");
        let v = adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap();
        assert!((v + 0.5).abs() < 1e-12, "{v}");
        assert_eq!(adjusted_rand_index(&[0, 0, 0], &[1, 1, 1]), Some(1.0));
        assert_eq!(adjusted_rand_index(&[0, 1], &[0]), None);
        assert_eq!(adjusted_rand_index(&[], &[]), None);
    }

    #[test]
    fn generated_sets_are_deterministic_unequal_and_recoverable() {
        let spec = SetSpec { n: 3_000, d: 4, k: 5, separation: 2.5, seed: 9 };
        let set = generate(spec);
        assert_eq!(set, generate(spec));
        assert_eq!(set.labels.len(), 3_000);
        assert_eq!(set.data.len(), 3_000 * 4);
        assert_eq!(set.sizes.iter().sum::<usize>(), 3_000);
        let (lo, hi) = (set.sizes.iter().min().unwrap(), set.sizes.iter().max().unwrap());
        assert!(hi > lo, "{:?}", set.sizes);
        let fit = fit(&set.data, 4, &KMeansParams::new(5)).unwrap();
        assert!(adjusted_rand_index(&fit.labels, &set.labels).unwrap() > 0.95);
    }
}
