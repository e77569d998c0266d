//! Lloyd's assignment step, and what every assignment step shares: the nearest centre
//! with its tie rule, and the per-block sums of the update.
//!
//! **Blocks.** Rows are summed into their cluster within fixed blocks of [`BLOCK_ROWS`]
//! rows (in row order), and the blocks' sums are added in block order
//! ([`super::shard::Iterations`]). A shard of the rows is a run of whole blocks, so
//! however the rows are shared out (one worker or eight) every sum is made of the same
//! additions in the same order: the same bits.

use super::{dispatch_dim, least, squared_distance};

/// Rows per block of the update's partial sums (a shard is a whole number of blocks).
pub const BLOCK_ROWS: usize = 8192;

/// Per-block sums (`blocks × k × d`) and counts (`blocks × k`) to fill, or none.
pub(crate) type BlockSums<'a> = Option<(&'a mut [f64], &'a mut [usize])>;

/// The step that gives every row its nearest centre (the first one on a tie, as `argmin`).
pub(crate) trait Assigner {
    /// Labels every row of `data` and, with `sums`, adds each row into its block's sum and
    /// count for its cluster (`sums` is `blocks × k × d`, `counts` `blocks × k`, block `b`
    /// being rows `b·BLOCK_ROWS..` of `data`; both set here, not added to). Returns how
    /// many rows a bounded step scanned in full (`None` when it scanned every row).
    fn assign_and_sum(&mut self, data: &[f64], d: usize, centers: &[f64], labels: &mut [usize], sums: BlockSums<'_>) -> Option<usize>;
    /// Told after every update how the centres moved (for bounds kept between iterations).
    fn centers_moved(&mut self, _d: usize, _old: &[f64], _new: &[f64], _labels: &[usize]) {}
}

/// Every row against every centre.
pub(crate) struct Lloyd;

impl Assigner for Lloyd {
    fn assign_and_sum(&mut self, data: &[f64], d: usize, centers: &[f64], labels: &mut [usize], sums: BlockSums<'_>) -> Option<usize> {
        dispatch_dim!(d, assign_all, (data, d, centers, labels, sums));
        None
    }
}

/// `D` is the row width when known at compile time (so the distance loop unrolls), 0 for
/// any other width `d`.
/// With `sums`, also adds every row to its block's sum for its cluster (one pass over the
/// data: at 1M rows the data no longer fit in cache and the pass is what costs).
fn assign_all<const D: usize>(data: &[f64], d: usize, centers: &[f64], labels: &mut [usize], sums: BlockSums<'_>) {
    let step = if D == 0 { d } else { D };
    let k = centers.len() / step.max(1);
    for_each_block(data, step, k, labels, sums, |_, block, labels, sums| assign_block::<D>(block, d, centers, labels, sums));
}

/// [`assign_all`] of one block. Its own function, so the row width is the constant `D`
/// here (a width captured by a closure was read from memory, and the distance loop no
/// longer unrolled: a third slower).
#[inline(always)]
fn assign_block<const D: usize>(block: &[f64], d: usize, centers: &[f64], labels: &mut [usize], mut sums: BlockSums<'_>) {
    let step = if D == 0 { d } else { D };
    for (x, label) in block.chunks_exact(step).zip(labels.iter_mut()) {
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

/// Calls `f(start, rows, labels, sums)` for each block of [`BLOCK_ROWS`] rows of `data`
/// (its first row `start`) with its labels and its own zeroed sums and counts (`k`
/// clusters of width `step`); without sums, once for all the rows.
pub(crate) fn for_each_block(
    data: &[f64],
    step: usize,
    k: usize,
    labels: &mut [usize],
    sums: BlockSums<'_>,
    mut f: impl FnMut(usize, &[f64], &mut [usize], BlockSums<'_>),
) {
    match sums {
        Some((s, c)) => {
            s.iter_mut().for_each(|v| *v = 0.0);
            c.iter_mut().for_each(|v| *v = 0);
            let blocks = data.chunks(BLOCK_ROWS * step.max(1)).zip(labels.chunks_mut(BLOCK_ROWS));
            let block_sums = s.chunks_mut((k * step).max(1)).zip(c.chunks_mut(k.max(1)));
            for (b, ((rows, labels), (s, c))) in blocks.zip(block_sums).enumerate() {
                f(b * BLOCK_ROWS, rows, labels, Some((s, c)));
            }
        }
        None => f(0, data, labels, None),
    }
}

/// Blocks of [`BLOCK_ROWS`] in `n` rows.
pub fn blocks_in(n: usize) -> usize {
    n.div_ceil(BLOCK_ROWS)
}

/// Adds row `x` to cluster `l`'s sum and count.
#[inline(always)]
pub(crate) fn add_row(sums: &mut [f64], counts: &mut [usize], x: &[f64], l: usize, step: usize) {
    if let (Some(sum), Some(count)) = (sums.get_mut(l * step..(l + 1) * step), counts.get_mut(l)) {
        sum.iter_mut().zip(x).for_each(|(s, v)| *s += v);
        *count += 1;
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
        second = if closer { best_distance } else { least(second, dist) };
        best = if closer { j } else { best };
        best_distance = if closer { dist } else { best_distance };
    }
    (best, best_distance, second)
}
