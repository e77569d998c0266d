//! Hamerly's assignment step (G. Hamerly, "Making k-means even faster", SDM 2010).
//!
//! Each row keeps an upper bound `u` on the distance to its own centre and one lower bound
//! `l` on the distance to every other centre. After the centres move by `p(j)`, `u += p(own)`
//! and `l -= max p(other)` keep the bounds valid. A row whose `u` is below both `l` and half
//! the distance from its centre to the nearest other centre `s(own)` cannot change cluster,
//! and is skipped; otherwise `u` is recomputed and, if the test still fails, the row is
//! compared with every centre exactly as Lloyd's step does.
//!
//! **Exactness.** A row is skipped only when its own centre wins by a margin far above the
//! rounding of the bounds (relative [`MARGIN`]), so it is then also the strict winner of
//! Lloyd's computed squared distances; every other row goes through the same `nearest` as
//! Lloyd, with the same tie rule. The labels therefore equal Lloyd's, and since the update
//! step is shared, so do the centres and the iteration count.

use super::lloyd::{add_row, for_each_block, nearest, Assigner, BlockSums, Lloyd};
use super::{dispatch_dim, greatest, least, squared_distance};

/// Relative safety margin of the skip test. Rounding in the bounds is ~1e-14 relative
/// after hundreds of iterations; a margin this size costs almost no extra recomputations.
const MARGIN: f64 = 1e-9;

/// [`Algorithm::Auto`](super::Algorithm::Auto)'s limit: a row scanned in full costs
/// k + 1 distances and the bound upkeep against Lloyd's k, so once an iteration scans more
/// than this share of the rows in full the run goes on with Lloyd's step (the same labels
/// either way). Measured: `benches/kmeans.rs` on overlapping groups, where a third to a
/// half of the rows are still scanned in full and Lloyd's branch-free loop is faster. It
/// is judged on every row of the fit ([`super::shard::Iterations`]), not per shard, so
/// every way of sharing the rows out goes over at the same iteration.
pub(crate) const GIVE_UP_ABOVE: f64 = 0.35;

pub(crate) struct Hamerly {
    upper: Vec<f64>,
    lower: Vec<f64>,
    /// Half the distance from each centre to its nearest other centre.
    half_gap: Vec<f64>,
    /// How far each centre moved in the last update.
    moved: Vec<f64>,
    initialised: bool,
    /// This run has gone over to Lloyd's step ([`GIVE_UP_ABOVE`]).
    lloyd: bool,
}

impl Hamerly {
    pub(crate) fn new(n: usize, k: usize) -> Self {
        Self { upper: vec![0.0; n], lower: vec![0.0; n], half_gap: vec![0.0; k], moved: vec![0.0; k], initialised: false, lloyd: false }
    }

    /// Forgets the bounds, for a new run on the same data.
    pub(crate) fn reset(&mut self) {
        self.initialised = false;
        self.lloyd = false;
    }

    /// Lloyd's step from now on in this run.
    pub(crate) fn switch_to_lloyd(&mut self) {
        self.lloyd = true;
    }
}

impl Hamerly {
    fn compute_half_gaps(&mut self, d: usize, centers: &[f64]) {
        for (j, (gap, c)) in self.half_gap.iter_mut().zip(centers.chunks_exact(d)).enumerate() {
            let closest = centers
                .chunks_exact(d)
                .enumerate()
                .filter(|&(i, _)| i != j)
                .map(|(_, o)| squared_distance(c, o))
                .fold(f64::INFINITY, least);
            *gap = 0.5 * closest.sqrt();
        }
    }
}

impl Assigner for Hamerly {
    fn assign_and_sum(&mut self, data: &[f64], d: usize, centers: &[f64], labels: &mut [usize], sums: BlockSums<'_>) -> Option<usize> {
        if self.lloyd {
            return Lloyd.assign_and_sum(data, d, centers, labels, sums);
        }
        let k = centers.len() / d.max(1);
        if !self.initialised {
            let (upper, lower) = (&mut self.upper, &mut self.lower);
            for_each_block(data, d, k, labels, sums, |start, rows, labels, sums| {
                let n = labels.len();
                let upper = upper.get_mut(start..start + n).unwrap_or_default();
                let lower = lower.get_mut(start..start + n).unwrap_or_default();
                dispatch_dim!(d, full_scan, (rows, d, centers, labels, upper, lower, sums));
            });
            self.initialised = true;
            return None;
        }
        self.compute_half_gaps(d, centers);
        let (upper, lower, half_gap) = (&mut self.upper, &mut self.lower, &self.half_gap);
        let mut full = 0;
        for_each_block(data, d, k, labels, sums, |start, rows, labels, sums| {
            let n = labels.len();
            let upper = upper.get_mut(start..start + n).unwrap_or_default();
            let lower = lower.get_mut(start..start + n).unwrap_or_default();
            full += dispatch_dim!(d, bounded_scan, (rows, d, centers, labels, upper, lower, half_gap, sums));
        });
        Some(full)
    }

    fn centers_moved(&mut self, d: usize, old: &[f64], new: &[f64], labels: &[usize]) {
        if self.lloyd {
            return;
        }
        for (p, (a, b)) in self.moved.iter_mut().zip(old.chunks_exact(d).zip(new.chunks_exact(d))) {
            *p = squared_distance(a, b).sqrt();
        }
        // The largest move, and the largest among the other centres for the centre that made it.
        let (mut first, mut first_at, mut second) = (0.0f64, usize::MAX, 0.0f64);
        for (j, &p) in self.moved.iter().enumerate() {
            if p > first {
                second = first;
                first = p;
                first_at = j;
            } else if p > second {
                second = p;
            }
        }
        for ((u, l), &a) in self.upper.iter_mut().zip(self.lower.iter_mut()).zip(labels) {
            *u += self.moved.get(a).copied().unwrap_or(f64::INFINITY);
            *l -= if a == first_at { second } else { first };
        }
    }
}

/// Every row against every centre; sets the bounds exactly (and, with `sums`, adds each
/// row to its cluster's sum).
fn full_scan<const D: usize>(
    data: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [usize],
    upper: &mut [f64],
    lower: &mut [f64],
    mut sums: BlockSums<'_>,
) {
    let step = if D == 0 { d } else { D };
    let rows = data.chunks_exact(step).zip(labels.iter_mut());
    for ((x, label), (u, l)) in rows.zip(upper.iter_mut().zip(lower.iter_mut())) {
        let (best, best_distance, second) = nearest(x, centers, step);
        *label = best;
        *u = best_distance.sqrt();
        *l = second.sqrt();
        if let Some((s, c)) = sums.as_mut() {
            add_row(s, c, x, best, step);
        }
    }
}

#[allow(clippy::too_many_arguments)] // the state of the scan, passed apart so each is borrowed once
fn bounded_scan<const D: usize>(
    data: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [usize],
    upper: &mut [f64],
    lower: &mut [f64],
    half_gap: &[f64],
    mut sums: BlockSums<'_>,
) -> usize {
    let step = if D == 0 { d } else { D };
    let mut full = 0;
    let rows = data.chunks_exact(step).zip(labels.iter_mut());
    for ((x, label), (u, l)) in rows.zip(upper.iter_mut().zip(lower.iter_mut())) {
        let own = *label;
        let bound = greatest(half_gap.get(own).copied().unwrap_or(0.0), *l) * (1.0 - MARGIN);
        if *u * (1.0 + MARGIN) >= bound {
            if let Some(c) = centers.get(own * step..(own + 1) * step) {
                *u = squared_distance(x, c).sqrt();
            }
            if *u * (1.0 + MARGIN) >= bound {
                full += 1;
                let (best, best_distance, second) = nearest(x, centers, step);
                *label = best;
                *u = best_distance.sqrt();
                *l = second.sqrt();
            }
        }
        if let Some((s, c)) = sums.as_mut() {
            add_row(s, c, x, *label, step);
        }
    }
    full
}
