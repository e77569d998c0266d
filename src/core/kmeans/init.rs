//! Greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's 2 + ⌊ln k⌋ local
//! trials per centre): each new centre is the best of several candidates drawn with
//! probability proportional to the squared distance to the nearest centre so far.

use rand_chacha::rand_core::RngCore;

use super::{dispatch_dim, squared_distance};

/// A uniform draw in [0, 1) from 53 random bits: the same on every platform.
pub(crate) fn uniform(rng: &mut impl RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform index below `n` (n ≥ 1), portable across 32- and 64-bit targets.
pub(crate) fn uniform_index(rng: &mut impl RngCore, n: usize) -> usize {
    ((uniform(rng) * n as f64) as usize).min(n.saturating_sub(1))
}

/// Candidates tried for each centre after the first: 2 + ⌊ln k⌋, as scikit-learn.
pub(crate) fn local_trials(k: usize) -> usize {
    2 + (k as f64).ln().floor() as usize
}

/// Picks `k` initial centres (row-major `k × d`) from the rows of `data`.
/// The caller guarantees at least `k` distinct rows.
pub(crate) fn kmeans_plusplus(data: &[f64], d: usize, k: usize, rng: &mut impl RngCore) -> Vec<f64> {
    dispatch_dim!(d, kmeans_plusplus_rows, (data, d, k, rng))
}

/// `D` as in the iteration kernels: the row width when 1..=16, else 0 and `d` is read.
fn kmeans_plusplus_rows<const D: usize>(data: &[f64], d: usize, k: usize, rng: &mut impl RngCore) -> Vec<f64> {
    let d = if D == 0 { d } else { D };
    let n = data.len() / d;
    let n_local_trials = local_trials(k);
    let row = |i: usize| data.get(i * d..(i + 1) * d).unwrap_or(&[]);

    let mut centers = Vec::with_capacity(k * d);
    centers.extend_from_slice(row(uniform_index(rng, n)));
    let mut closest: Vec<f64> = data.chunks_exact(d).map(|x| squared_distance(x, &centers)).collect();
    let mut potential: f64 = closest.iter().sum();
    let mut cumulative = vec![0.0; n];
    let mut candidates = Vec::with_capacity(n_local_trials);
    let mut candidate_potentials = vec![0.0; n_local_trials];

    for _ in 1..k {
        // Draw candidates: np.searchsorted(cumsum(closest), u · potential), clipped to n − 1.
        let mut running = 0.0;
        for (c, &v) in cumulative.iter_mut().zip(&closest) {
            running += v;
            *c = running;
        }
        candidates.clear();
        for _ in 0..n_local_trials {
            let target = uniform(rng) * potential;
            let id = if potential > 0.0 { cumulative.partition_point(|&c| c < target).min(n - 1) } else { uniform_index(rng, n) };
            candidates.push(id);
        }
        // The potential each candidate would leave, in one pass over the data.
        candidate_potentials.iter_mut().for_each(|p| *p = 0.0);
        for (x, &best_so_far) in data.chunks_exact(d).zip(&closest) {
            for (p, &id) in candidate_potentials.iter_mut().zip(&candidates) {
                *p += squared_distance(x, row(id)).min(best_so_far);
            }
        }
        let mut best = 0;
        for (t, &p) in candidate_potentials.iter().enumerate() {
            if p < candidate_potentials.get(best).copied().unwrap_or(f64::INFINITY) {
                best = t;
            }
        }
        let chosen = candidates.get(best).copied().unwrap_or(0);
        potential = candidate_potentials.get(best).copied().unwrap_or(potential);
        let chosen_row = row(chosen);
        for (x, c) in data.chunks_exact(d).zip(closest.iter_mut()) {
            *c = c.min(squared_distance(x, chosen_row));
        }
        centers.extend_from_slice(chosen_row);
    }
    centers
}

/// `k` distinct rows drawn uniformly (a partial Fisher–Yates shuffle of the row indices),
/// as scikit-learn's `init="random"`. Rows may repeat in value; an empty cluster is then
/// relocated by the first update.
pub(crate) fn random_rows(data: &[f64], d: usize, k: usize, rng: &mut impl RngCore) -> Vec<f64> {
    let n = data.len() / d;
    let mut order: Vec<usize> = (0..n).collect();
    let mut centers = Vec::with_capacity(k * d);
    for i in 0..k.min(n) {
        let j = i + uniform_index(rng, n - i);
        order.swap(i, j);
        let id = order.get(i).copied().unwrap_or(0);
        centers.extend_from_slice(data.get(id * d..(id + 1) * d).unwrap_or(&[]));
    }
    centers
}
