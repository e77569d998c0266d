//! The iteration loop, as scikit-learn's `_kmeans_single_lloyd`: assign, update, relocate
//! empty clusters to the farthest points, stop when labels repeat or the total squared
//! centre shift falls to the tolerance, then assign once more so labels match the centres.
//!
//! The loop is shared by every algorithm; only the assignment step differs ([`Assigner`]).
//! The centre update is the same full pass for all of them, so equal labels give bit-equal
//! centres and the algorithms cannot drift apart.

use super::{dispatch_dim, squared_distance};

/// One run from one initialisation.
pub(crate) struct Run {
    pub centers: Vec<f64>,
    pub labels: Vec<usize>,
    pub inertia: f64,
    pub n_iterations: usize,
}

/// The step that gives every row its nearest centre (the first one on a tie, as `argmin`).
pub(crate) trait Assigner {
    fn assign(&mut self, data: &[f64], d: usize, centers: &[f64], labels: &mut [usize]);
    /// [`Assigner::assign`], and the per-cluster sums of rows (in row order) and counts for
    /// the update, in the same pass over the data where the algorithm can.
    fn assign_and_sum(&mut self, data: &[f64], d: usize, centers: &[f64], labels: &mut [usize], sums: &mut [f64], counts: &mut [usize]) {
        self.assign(data, d, centers, labels);
        accumulate(data, d, labels, sums, counts);
    }
    /// Told after every update how the centres moved (for bounds kept between iterations).
    fn centers_moved(&mut self, _d: usize, _old: &[f64], _new: &[f64], _labels: &[usize]) {}
}

/// Every row against every centre.
pub(crate) struct Lloyd;

impl Assigner for Lloyd {
    fn assign(&mut self, data: &[f64], d: usize, centers: &[f64], labels: &mut [usize]) {
        dispatch_dim!(d, assign_all, (data, d, centers, labels, None));
    }

    fn assign_and_sum(&mut self, data: &[f64], d: usize, centers: &[f64], labels: &mut [usize], sums: &mut [f64], counts: &mut [usize]) {
        dispatch_dim!(d, assign_all, (data, d, centers, labels, Some((sums, counts))));
    }
}

/// `D` is the row width when known at compile time (so the distance loop unrolls), 0 for
/// any other width `d`.
/// With `sums`, also adds every row to its cluster's sum (one pass over the data: at 1M rows
/// the data no longer fit in cache and the pass is what costs).
fn assign_all<const D: usize>(data: &[f64], d: usize, centers: &[f64], labels: &mut [usize], mut sums: Option<(&mut [f64], &mut [usize])>) {
    let step = if D == 0 { d } else { D };
    if let Some((s, c)) = sums.as_mut() {
        s.iter_mut().for_each(|v| *v = 0.0);
        c.iter_mut().for_each(|v| *v = 0);
    }
    for (x, label) in data.chunks_exact(step).zip(labels.iter_mut()) {
        // Selects rather than branches: which centre wins is unpredictable on real data.
        let mut best = 0;
        let mut best_distance = f64::INFINITY;
        for (j, c) in centers.chunks_exact(step).enumerate() {
            let dist = squared_distance(x, c);
            let closer = dist < best_distance;
            best = if closer { j } else { best };
            best_distance = if closer { dist } else { best_distance };
        }
        *label = best;
        if let Some((s, c)) = sums.as_mut() {
            add_row(s, c, x, best, step);
        }
    }
}

/// Adds row `x` to cluster `l`'s sum and count.
#[inline(always)]
pub(crate) fn add_row(sums: &mut [f64], counts: &mut [usize], x: &[f64], l: usize, step: usize) {
    if let (Some(sum), Some(count)) = (sums.get_mut(l * step..(l + 1) * step), counts.get_mut(l)) {
        sum.iter_mut().zip(x).for_each(|(s, v)| *s += v);
        *count += 1;
    }
}

/// Per-cluster sums of rows, in row order, and counts.
fn accumulate(data: &[f64], d: usize, labels: &[usize], sums: &mut [f64], counts: &mut [usize]) {
    counts.iter_mut().for_each(|c| *c = 0);
    sums.iter_mut().for_each(|v| *v = 0.0);
    for (x, &l) in data.chunks_exact(d).zip(labels) {
        add_row(sums, counts, x, l, d);
    }
}

/// Index and squared distance of the nearest centre, and the squared distance of the
/// second nearest (infinite when k = 1). Ties go to the lower index.
#[inline(always)]
pub(crate) fn nearest(x: &[f64], centers: &[f64], step: usize) -> (usize, f64, f64) {
    let mut best = 0;
    let mut best_distance = f64::INFINITY;
    let mut second = f64::INFINITY;
    // Selects rather than branches: which centre wins is unpredictable on real data.
    for (j, c) in centers.chunks_exact(step).enumerate() {
        let dist = squared_distance(x, c);
        let closer = dist < best_distance;
        second = if closer { best_distance } else { second.min(dist) };
        best = if closer { j } else { best };
        best_distance = if closer { dist } else { best_distance };
    }
    (best, best_distance, second)
}

/// Reused between iterations and runs: no allocation per iteration.
pub(crate) struct Buffers {
    labels_old: Vec<usize>,
    new_centers: Vec<f64>,
    counts: Vec<usize>,
}

impl Buffers {
    pub(crate) fn new(n: usize, d: usize, k: usize) -> Self {
        Self { labels_old: vec![usize::MAX; n], new_centers: vec![0.0; k * d], counts: vec![0; k] }
    }
}

/// Iterates from `centers` until convergence. `progress(iteration, shift)` is called after
/// every iteration; `false` stops the run and gives `None`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run(
    data: &[f64],
    d: usize,
    mut centers: Vec<f64>,
    max_iterations: usize,
    tolerance: f64,
    assigner: &mut dyn Assigner,
    buffers: &mut Buffers,
    progress: &mut dyn FnMut(usize, f64) -> bool,
) -> Option<Run> {
    let n = data.len() / d;
    let mut labels = vec![0usize; n];
    buffers.labels_old.iter_mut().for_each(|l| *l = usize::MAX);
    let mut n_iterations = 0;
    let mut strict_convergence = false;

    for i in 0..max_iterations {
        assigner.assign_and_sum(data, d, &centers, &mut labels, &mut buffers.new_centers, &mut buffers.counts);
        update(data, d, &labels, &centers, &mut buffers.new_centers, &mut buffers.counts);
        let shift: f64 = centers.chunks_exact(d).zip(buffers.new_centers.chunks_exact(d)).map(|(a, b)| squared_distance(a, b)).sum();
        assigner.centers_moved(d, &centers, &buffers.new_centers, &labels);
        std::mem::swap(&mut centers, &mut buffers.new_centers);
        n_iterations = i + 1;
        if !progress(n_iterations, shift) {
            return None;
        }
        if labels == buffers.labels_old {
            strict_convergence = true;
            break;
        }
        if shift <= tolerance {
            break;
        }
        buffers.labels_old.copy_from_slice(&labels);
    }
    if !strict_convergence {
        assigner.assign(data, d, &centers, &mut labels);
    }
    let inertia = inertia(data, d, &centers, &labels);
    Some(Run { centers, labels, inertia, n_iterations })
}

/// Sum of squared distances of rows to their centre.
pub(crate) fn inertia(data: &[f64], d: usize, centers: &[f64], labels: &[usize]) -> f64 {
    data.chunks_exact(d).zip(labels).map(|(x, &l)| squared_distance(x, centers.get(l * d..(l + 1) * d).unwrap_or(&[]))).sum()
}

/// New centres as the means of their rows, from the sums and counts of
/// [`Assigner::assign_and_sum`]. A cluster left empty takes the row farthest from its
/// current centre (the farthest for the first empty cluster, and so on), which leaves the
/// cluster it came from.
fn update(data: &[f64], d: usize, labels: &[usize], old_centers: &[f64], new_centers: &mut [f64], counts: &mut [usize]) {
    let k = new_centers.len() / d;
    let empty: Vec<usize> = (0..k).filter(|&j| counts.get(j) == Some(&0)).collect();
    if !empty.is_empty() {
        let mut by_distance: Vec<(f64, usize)> = data
            .chunks_exact(d)
            .zip(labels)
            .enumerate()
            .map(|(i, (x, &l))| (squared_distance(x, old_centers.get(l * d..(l + 1) * d).unwrap_or(&[])), i))
            .collect();
        by_distance.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (&j, &(_, far)) in empty.iter().zip(&by_distance) {
            let Some(x) = data.get(far * d..(far + 1) * d) else { continue };
            let Some(&from) = labels.get(far) else { continue };
            if let Some(sum) = new_centers.get_mut(from * d..(from + 1) * d) {
                sum.iter_mut().zip(x).for_each(|(s, v)| *s -= v);
            }
            if let Some(c) = counts.get_mut(from) {
                *c -= 1;
            }
            if let Some(sum) = new_centers.get_mut(j * d..(j + 1) * d) {
                sum.copy_from_slice(x);
            }
            if let Some(c) = counts.get_mut(j) {
                *c = 1;
            }
        }
    }
    for (c, &count) in new_centers.chunks_exact_mut(d).zip(counts.iter()) {
        if count > 0 {
            c.iter_mut().for_each(|v| *v /= count as f64);
        }
    }
}
