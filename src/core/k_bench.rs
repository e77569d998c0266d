//! The k-selection benchmark's parts: labelled data sets whose number of groups is known,
//! the adjusted Rand index to check a clustering finds them, and the gap statistic as one
//! more way to pick k. `examples/k_accuracy.rs` puts them together and prints how often
//! each way of choosing k (ours, [`super::k_selection::recommend`], among them) is right.
//!
//! **The sets** ([`generate`]): `k` Gaussian groups in `d` features with unequal sizes
//! (weights 0.25..1.25, so up to 5 : 1) and spreads (standard deviation 0.5..1.5); a third of
//! the groups, drawn at random, are stretched 1.5..3 times along a random direction (a
//! random linear map `I + (s − 1)·u·uᵀ`). Centres are drawn in a box that starts small and
//! grows until each new centre is at least `separation × (r_i + r_j)` from every other,
//! `r` being a group's largest standard deviation (spread × stretch): the groups are packed
//! as tightly as that separation allows, so they are recoverable but not trivially so.
//! Noise is [`super::bench::gaussian`] (no `ln`/`cos`): the same bits on every platform.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::bench::gaussian;
use super::kmeans::init::uniform;
#[cfg(test)]
use super::kmeans::{fit, KMeansParams};

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
