//! Internal cluster-validity scores, as scikit-learn's `silhouette_score`,
//! `calinski_harabasz_score` and `davies_bouldin_score` (Euclidean distance). Only the
//! clusters that actually hold rows count, as scikit-learn's label encoding does.
//!
//! Each returns `None` where scikit-learn raises: fewer than 2 clusters, or (silhouette,
//! Calinski–Harabasz) as many clusters as rows.
//!
//! The exact silhouette needs every pairwise distance; they are computed a row at a time
//! into per-row sums (never `n × n` memory). [`silhouettes`] scores a sweep's labelings together, each pair's distance computed once;
//! the sweep samples the rows when there are many (`k_selection`).

use super::kmeans::{dispatch_dim, squared_distance};

/// Labels renumbered 0..m over the clusters that hold rows, with m.
fn dense_labels(labels: &[usize]) -> (Vec<usize>, usize) {
    let top = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut index = vec![usize::MAX; top];
    let mut m = 0;
    let dense = labels
        .iter()
        .map(|&l| match index.get_mut(l) {
            Some(slot) if *slot == usize::MAX => {
                *slot = m;
                m += 1;
                m - 1
            }
            Some(slot) => *slot,
            None => 0,
        })
        .collect();
    (dense, m)
}

/// Mean silhouette coefficient over all rows, exactly: [`silhouettes`] of one labeling.
pub fn silhouette(data: &[f64], d: usize, labels: &[usize]) -> Option<f64> {
    silhouettes(data, d, &[labels]).into_iter().next().flatten()
}

/// Mean silhouette coefficients of several labelings of the same rows (a sweep's ks),
/// exactly, each pair's distance computed once for all of them. `O(n² d + n·T·L)` time for
/// `L` labelings and `T` cells, `O(n d + T L)` memory, never `n × n`.
///
/// A cell is the rows that every labeling puts together (the same cluster at every k); a
/// sweep's partitions mostly nest, so there are far fewer cells than rows. The rows are put
/// in cell order, so a row's distances to a cell are one run, summed in four lanes; a
/// cluster's sum is then the sum of its cells' in cell order. Each row's score is its own
/// (no sum is shared between rows): the rows are scored in blocks of
/// [`SILHOUETTE_BLOCK_ROWS`] ([`SilhouettePlan`]), which workers may share out, and the
/// blocks' totals are added in block order, so any split gives the same bits.
pub fn silhouettes(data: &[f64], d: usize, labelings: &[&[usize]]) -> Vec<Option<f64>> {
    let plan = SilhouettePlan::new(data, d, labelings);
    let blocks: Vec<Vec<f64>> = (0..plan.n_blocks()).map(|b| plan.block(b)).collect();
    plan.finish(&blocks)
}

/// Rows a block of [`SilhouettePlan`] scores.
pub const SILHOUETTE_BLOCK_ROWS: usize = 500;

/// [`silhouettes`] in steps: the rows in cell order, scored a block at a time
/// ([`SilhouettePlan::block`], on any worker that built the same plan), then the blocks'
/// totals added in order ([`SilhouettePlan::finish`]).
#[derive(Debug, Clone)]
pub struct SilhouettePlan {
    sorted: Vec<f64>,
    /// `sorted` in transposed blocks of four rows ([`four_row_blocks`]), made once for
    /// every block of the plan.
    four_rows: Vec<f64>,
    d: usize,
    n: usize,
    starts: Vec<usize>,
    cell_labels: Vec<usize>,
    sizes: Vec<Vec<usize>>,
}

impl SilhouettePlan {
    /// The plan of `labelings` of the rows of `data` (`n × d`); a labeling of another
    /// number of rows leaves every score undefined.
    pub fn new(data: &[f64], d: usize, labelings: &[&[usize]]) -> Self {
        let n = data.len().checked_div(d).unwrap_or(0);
        if d == 0 || data.len() != n * d || labelings.iter().any(|l| l.len() != n) {
            return Self {
                sorted: Vec::new(),
                four_rows: Vec::new(),
                d,
                n: 0,
                starts: vec![0],
                cell_labels: Vec::new(),
                sizes: vec![Vec::new(); labelings.len()],
            };
        }
        let dense: Vec<(Vec<usize>, usize)> = labelings.iter().map(|l| dense_labels(l)).collect();
        // Cells numbered by first appearance; `cell_labels[t·L + l]`: cell t's cluster in labeling l.
        let mut index: std::collections::HashMap<Vec<usize>, usize> = std::collections::HashMap::new();
        let mut cell_labels: Vec<usize> = Vec::new();
        let mut cell_of = Vec::with_capacity(n);
        let mut cell_sizes: Vec<usize> = Vec::new();
        for i in 0..n {
            let key: Vec<usize> = dense.iter().map(|(l, _)| l.get(i).copied().unwrap_or(0)).collect();
            let next = cell_sizes.len();
            let t = *index.entry(key).or_insert_with_key(|key| {
                cell_labels.extend_from_slice(key);
                next
            });
            if t == cell_sizes.len() {
                cell_sizes.push(0);
            }
            if let Some(size) = cell_sizes.get_mut(t) {
                *size += 1;
            }
            cell_of.push(t);
        }
        // Rows in cell order (a counting sort).
        let mut at = 0;
        let starts: Vec<usize> = std::iter::once(0)
            .chain(cell_sizes.iter().map(|&size| {
                at += size;
                at
            }))
            .collect();
        let mut position = starts.clone();
        let mut order = vec![0usize; n];
        for (i, &t) in cell_of.iter().enumerate() {
            if let Some(p) = position.get_mut(t) {
                if let Some(slot) = order.get_mut(*p) {
                    *slot = i;
                }
                *p += 1;
            }
        }
        let sorted: Vec<f64> = order.iter().flat_map(|&i| data.get(i * d..(i + 1) * d).unwrap_or(&[]).iter().copied()).collect();
        let sizes: Vec<Vec<usize>> = dense
            .iter()
            .map(|(labels, m)| {
                let mut counts = vec![0usize; *m];
                for &l in labels {
                    if let Some(c) = counts.get_mut(l) {
                        *c += 1;
                    }
                }
                counts
            })
            .collect();
        let four_rows = four_row_blocks(&sorted, d);
        Self { sorted, four_rows, d, n, starts, cell_labels, sizes }
    }

    /// Blocks of rows to score.
    pub fn n_blocks(&self) -> usize {
        self.n.div_ceil(SILHOUETTE_BLOCK_ROWS)
    }

    /// The sum of the silhouette coefficients of block `b`'s rows, per labeling.
    pub fn block(&self, b: usize) -> Vec<f64> {
        let mut totals = vec![0.0; self.sizes.len()];
        let rows = (b * SILHOUETTE_BLOCK_ROWS).min(self.n)..((b + 1) * SILHOUETTE_BLOCK_ROWS).min(self.n);
        let cells = Cells { starts: &self.starts, labels: &self.cell_labels, sizes: &self.sizes, four_rows: &self.four_rows };
        dispatch_dim!(self.d, silhouette_totals, (&self.sorted, self.d, &cells, rows, &mut totals));
        totals
    }

    /// The mean silhouette per labeling from every block's totals, in block order (`None`
    /// where it is undefined: fewer than 2 clusters, or as many as rows).
    pub fn finish(&self, blocks: &[Vec<f64>]) -> Vec<Option<f64>> {
        let n = self.n;
        (0..self.sizes.len())
            .map(|l| {
                let m = self.sizes.get(l).map_or(0, Vec::len);
                let total = blocks.iter().fold(0.0, |sum, block| sum + block.get(l).copied().unwrap_or(0.0));
                (m >= 2 && m < n && blocks.len() == self.n_blocks()).then(|| total / n as f64)
            })
            .collect()
    }
}

/// The rows in cell order ([`silhouettes`]): cell t is rows `starts[t]..starts[t + 1]`, in
/// cluster `labels[t·L + l]` of labeling l, whose clusters hold `sizes[l]` rows.
struct Cells<'a> {
    starts: &'a [usize],
    labels: &'a [usize],
    sizes: &'a [Vec<usize>],
    /// The rows in transposed blocks of four ([`four_row_blocks`]).
    four_rows: &'a [f64],
}

/// Adds to `totals[l]` the silhouette coefficient of each row of `rows` (of the cell-ordered
/// `data`) under labeling l. `D` as in the k-means kernels (0: width read at run time).
fn silhouette_totals<const D: usize>(data: &[f64], d: usize, cells: &Cells<'_>, rows: std::ops::Range<usize>, totals: &mut [f64]) {
    let step = if D == 0 { d } else { D };
    let n = data.len() / step.max(1);
    let width = cells.sizes.len();
    let runs: Vec<(usize, usize)> = cells.starts.iter().copied().zip(cells.starts.iter().copied().skip(1)).collect();
    let (mut dist, mut cell_sums, mut cluster_sums) = (Vec::with_capacity(n), vec![0.0; runs.len()], Vec::new());
    for (own_cell, &(first, end)) in runs.iter().enumerate() {
        for i in rows.start.max(first)..rows.end.min(end) {
            let Some(x) = data.get(i * step..(i + 1) * step) else { continue };
            distances_to::<D>(x, data, cells.four_rows, 0..n, &mut dist);
            for (sum, &(from, to)) in cell_sums.iter_mut().zip(&runs) {
                let mut lanes = [0.0f64; 4];
                let run = dist.get(from..to).unwrap_or(&[]);
                let quads = run.chunks_exact(4);
                let rest = quads.remainder();
                for quad in quads {
                    for (lane, &v) in lanes.iter_mut().zip(quad) {
                        *lane += v;
                    }
                }
                for (lane, &v) in lanes.iter_mut().zip(rest) {
                    *lane += v;
                }
                *sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
            }
            for (l, (counts, total)) in cells.sizes.iter().zip(totals.iter_mut()).enumerate() {
                let Some(&own_label) = cells.labels.get(own_cell * width + l) else { continue };
                let own = counts.get(own_label).copied().unwrap_or(0);
                if counts.len() < 2 || own <= 1 {
                    continue; // a row alone in its cluster scores 0
                }
                cluster_sums.clear();
                cluster_sums.resize(counts.len(), 0.0);
                for (t, &sum) in cell_sums.iter().enumerate() {
                    if let Some(s) = cells.labels.get(t * width + l).and_then(|&c| cluster_sums.get_mut(c)) {
                        *s += sum;
                    }
                }
                let a = cluster_sums.get(own_label).copied().unwrap_or(0.0) / (own - 1) as f64;
                let b = cluster_sums
                    .iter()
                    .zip(counts)
                    .enumerate()
                    .filter(|&(c, (_, &size))| c != own_label && size > 0)
                    .map(|(_, (s, &size))| s / size as f64)
                    .fold(f64::INFINITY, f64::min);
                let s = (b - a) / a.max(b);
                if s.is_finite() {
                    *total += s;
                }
            }
        }
    }
}

/// The rows in blocks of four, each block transposed (feature t of row 4b + q at
/// `b·4·step + 4t + q`): four rows' distances to a row are then computed side by side.
fn four_row_blocks(data: &[f64], step: usize) -> Vec<f64> {
    let mut blocks = Vec::with_capacity(data.len());
    for block in data.chunks_exact(4 * step) {
        for t in 0..step {
            blocks.extend(block.chunks_exact(step).map(|row| row.get(t).copied().unwrap_or(0.0)));
        }
    }
    blocks
}

/// The distances from `x` to the rows `rows` into `out`. Rows in whole blocks of four
/// ([`four_row_blocks`]) four at a time, the rest one at a time; the same bits either way
/// (each sums its features' squares in [`squared_distance`]'s even and odd lanes).
fn distances_to<const D: usize>(x: &[f64], data: &[f64], blocks: &[f64], rows: std::ops::Range<usize>, out: &mut Vec<f64>) {
    out.clear();
    let step = x.len().max(1);
    let one = |j: usize| squared_distance(x, data.get(j * step..(j + 1) * step).unwrap_or(&[])).sqrt();
    if D == 0 {
        out.extend(rows.map(one));
        return;
    }
    let body_start = rows.start.next_multiple_of(4).min(rows.end);
    let body_end = body_start.max(rows.end / 4 * 4);
    out.extend((rows.start..body_start).map(one));
    let block_len = 4 * D;
    for block in blocks.get(body_start * D..body_end * D).unwrap_or(&[]).chunks_exact(block_len) {
        let (mut even, mut odd) = ([0.0f64; 4], [0.0f64; 4]);
        let pairs = x.chunks_exact(2);
        let last = pairs.remainder();
        let mut columns = block.chunks_exact(8);
        for (p, columns) in pairs.zip(&mut columns) {
            if let ([p0, p1], (c0, c1)) = (p, columns.split_at(4)) {
                for (((e, o), y0), y1) in even.iter_mut().zip(odd.iter_mut()).zip(c0).zip(c1) {
                    let (d0, d1) = (p0 - y0, p1 - y1);
                    *e += d0 * d0;
                    *o += d1 * d1;
                }
            }
        }
        if let [p0] = last {
            for (e, y0) in even.iter_mut().zip(columns.remainder()) {
                let d0 = p0 - y0;
                *e += d0 * d0;
            }
        }
        out.extend(even.iter().zip(&odd).map(|(e, o)| (e + o).sqrt()));
    }
    out.extend((body_end..rows.end).map(one));
}

/// Per-cluster centroids (`m × d`) and sizes, over dense labels.
fn centroids(data: &[f64], d: usize, labels: &[usize], m: usize) -> (Vec<f64>, Vec<usize>) {
    let mut sums = vec![0.0; m * d];
    let mut counts = vec![0usize; m];
    for (x, &l) in data.chunks_exact(d).zip(labels) {
        if let (Some(s), Some(c)) = (sums.get_mut(l * d..(l + 1) * d), counts.get_mut(l)) {
            s.iter_mut().zip(x).for_each(|(a, v)| *a += v);
            *c += 1;
        }
    }
    for (s, &c) in sums.chunks_exact_mut(d).zip(&counts) {
        s.iter_mut().for_each(|v| *v /= c.max(1) as f64);
    }
    (sums, counts)
}

fn squared(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Between-cluster over within-cluster dispersion, each divided by its degrees of freedom:
/// `[Σ n_c ‖c − x̄‖² / (k − 1)] / [Σ ‖x − c(x)‖² / (n − k)]`; 1 when every row sits on its
/// centroid. Higher is better.
pub fn calinski_harabasz(data: &[f64], d: usize, labels: &[usize]) -> Option<f64> {
    let n = labels.len();
    if d == 0 || data.len() != n * d {
        return None;
    }
    let (labels, k) = dense_labels(labels);
    if k < 2 || k >= n {
        return None;
    }
    let (cents, counts) = centroids(data, d, &labels, k);
    let (mean, _) = centroids(data, d, &vec![0; n], 1);
    let extra: f64 = cents.chunks_exact(d).zip(&counts).map(|(c, &s)| s as f64 * squared(c, &mean)).sum();
    let intra: f64 = data.chunks_exact(d).zip(&labels).map(|(x, &l)| squared(x, cents.get(l * d..(l + 1) * d).unwrap_or(&[]))).sum();
    Some(if intra == 0.0 { 1.0 } else { extra * (n - k) as f64 / (intra * (k - 1) as f64) })
}

/// Mean over clusters of the worst ratio `(s_i + s_j) / ‖c_i − c_j‖`, where `s` is the
/// mean distance of a cluster's rows to its centroid. Lower is better; 0 when all `s` or
/// all centroid distances are 0.
pub fn davies_bouldin(data: &[f64], d: usize, labels: &[usize]) -> Option<f64> {
    let n = labels.len();
    if d == 0 || data.len() != n * d {
        return None;
    }
    let (labels, k) = dense_labels(labels);
    if k < 2 {
        return None;
    }
    let (cents, counts) = centroids(data, d, &labels, k);
    let mut spread = vec![0.0; k];
    for (x, &l) in data.chunks_exact(d).zip(&labels) {
        if let Some(s) = spread.get_mut(l) {
            *s += squared(x, cents.get(l * d..(l + 1) * d).unwrap_or(&[])).sqrt();
        }
    }
    spread.iter_mut().zip(&counts).for_each(|(s, &c)| *s /= c.max(1) as f64);
    let gaps: Vec<f64> = cents.chunks_exact(d).flat_map(|a| cents.chunks_exact(d).map(move |b| squared(a, b).sqrt())).collect();
    // scikit-learn's `np.allclose(x, 0)`: atol 1e-8.
    if spread.iter().all(|s| s.abs() <= 1e-8) || gaps.iter().all(|g| g.abs() <= 1e-8) {
        return Some(0.0);
    }
    let mut total = 0.0;
    for (i, &si) in spread.iter().enumerate() {
        let worst = spread
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(j, &sj)| {
                let gap = gaps.get(i * k + j).copied().unwrap_or(0.0);
                if gap == 0.0 {
                    0.0
                } else {
                    (si + sj) / gap
                }
            })
            .fold(f64::NEG_INFINITY, f64::max);
        total += worst;
    }
    Some(total / k as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::{RngCore, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    // Two clusters on a line: {0, 1} and {4, 6}.
    const X: [f64; 4] = [0.0, 1.0, 4.0, 6.0];
    const L: [usize; 4] = [0, 0, 1, 1];

    #[test]
    fn silhouette_of_two_pairs_on_a_line_is_worked_out_by_hand() {
        // Row 0: a = 1, b = (4 + 6)/2 = 5, s = 4/5. Row 1: a = 1, b = (3 + 5)/2 = 4, s = 3/4.
        // Row 2: a = 2, b = (4 + 3)/2 = 3.5, s = 1.5/3.5. Row 3: a = 2, b = (6 + 5)/2 = 5.5, s = 3.5/5.5.
        let expected = (0.8 + 0.75 + 1.5 / 3.5 + 3.5 / 5.5) / 4.0;
        assert!((silhouette(&X, 1, &L).unwrap() - expected).abs() < 1e-15);
        // Label numbers do not matter, nor do unused ones.
        assert!((silhouette(&X, 1, &[7, 7, 2, 2]).unwrap() - expected).abs() < 1e-15);
    }

    #[test]
    fn calinski_harabasz_and_davies_bouldin_worked_out_by_hand() {
        // Centroids 0.5 and 5, mean 2.75. Between: 2·2.25² + 2·2.25² = 20.25; within:
        // 0.25·2 + 1·2 = 2.5. CH = 20.25·(4 − 2) / (2.5·(2 − 1)) = 16.2.
        assert!((calinski_harabasz(&X, 1, &L).unwrap() - 16.2).abs() < 1e-12);
        // s = 0.5 and 1, gap 4.5: DB = mean(1.5/4.5, 1.5/4.5) = 1/3.
        assert!((davies_bouldin(&X, 1, &L).unwrap() - 1.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn scores_are_undefined_for_one_cluster_or_one_row_per_cluster() {
        assert_eq!(silhouette(&X, 1, &[0; 4]), None);
        assert_eq!(calinski_harabasz(&X, 1, &[0; 4]), None);
        assert_eq!(davies_bouldin(&X, 1, &[3; 4]), None);
        assert_eq!(silhouette(&X, 1, &[0, 1, 2, 3]), None);
        assert_eq!(silhouette(&X, 2, &L), None);
    }

    #[test]
    fn a_singleton_cluster_scores_zero_for_its_row() {
        // {0, 1} and {10}: rows 0, 1 have a = 1, b = 10 and 9: s = 0.9, 8/9; row 2 scores 0.
        let s = silhouette(&[0.0, 1.0, 10.0], 1, &[0, 0, 1]).unwrap();
        assert!((s - (0.9 + 8.0 / 9.0) / 3.0).abs() < 1e-15);
    }

    /// The silhouette by its definition, every pair twice: the reference for the cluster-ordered sums.
    fn silhouette_by_definition(data: &[f64], d: usize, labels: &[usize]) -> f64 {
        let n = labels.len();
        let dist = |i: usize, j: usize| squared_distance(&data[i * d..(i + 1) * d], &data[j * d..(j + 1) * d]).sqrt();
        let clusters: std::collections::BTreeSet<usize> = labels.iter().copied().collect();
        let mut total = 0.0;
        for i in 0..n {
            let mean_to = |c: usize| {
                let others: Vec<usize> = (0..n).filter(|&j| j != i && labels[j] == c).collect();
                others.iter().map(|&j| dist(i, j)).sum::<f64>() / others.len() as f64
            };
            if labels.iter().filter(|&&l| l == labels[i]).count() <= 1 {
                continue;
            }
            let a = mean_to(labels[i]);
            let b = clusters.iter().filter(|&&c| c != labels[i]).map(|&c| mean_to(c)).fold(f64::INFINITY, f64::min);
            total += (b - a) / a.max(b);
        }
        total / n as f64
    }

    #[test]
    fn silhouette_agrees_with_its_definition_whatever_the_widths_sizes_and_label_order() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut next = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        for (n, d, k) in [(5, 1, 2), (9, 2, 3), (37, 3, 4), (101, 8, 6), (64, 17, 5), (50, 5, 9)] {
            let data: Vec<f64> = (0..n * d).map(|_| next() * 10.0).collect();
            // Labels out of order, with gaps (unused cluster numbers) and a singleton.
            let mut labels: Vec<usize> = (0..n).map(|_| 3 * (next() * k as f64) as usize).collect();
            labels[0] = 1000;
            labels[n - 1] = 0;
            let got = silhouette(&data, d, &labels).unwrap();
            let want = silhouette_by_definition(&data, d, &labels);
            assert!((got - want).abs() <= 1e-12 * want.abs().max(1.0), "n {n} d {d} k {k}: {got} vs {want}");
        }
    }

    #[test]
    fn silhouettes_of_a_sweep_agree_with_each_labeling_by_definition() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut next = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        for (n, d) in [(7, 1), (40, 2), (123, 8), (90, 5), (33, 17), (1203, 3)] {
            let data: Vec<f64> = (0..n * d).map(|_| next() * 10.0).collect();
            // Nested labelings (as a sweep's mostly are), one crossing them, one of a single
            // cluster (undefined) and one with a singleton and gaps in its numbers.
            let halves: Vec<usize> = (0..n).map(|i| usize::from(data[i * d] > 5.0)).collect();
            let quarters: Vec<usize> = (0..n).map(|i| (data[i * d] / 2.5) as usize).collect();
            let crossing: Vec<usize> = (0..n).map(|_| (next() * 3.0) as usize).collect();
            let one = vec![4; n];
            let mut gaps: Vec<usize> = (0..n).map(|i| 5 * (i % 4)).collect();
            gaps[n - 1] = 99;
            let labelings: [&[usize]; 5] = [&halves, &quarters, &crossing, &one, &gaps];
            let got = silhouettes(&data, d, &labelings);
            assert_eq!(got, silhouettes(&data, d, &labelings), "deterministic");
            for (labels, got) in labelings.iter().zip(&got) {
                let defined = labels.iter().collect::<std::collections::BTreeSet<_>>().len();
                if defined < 2 || defined >= n {
                    assert_eq!(*got, None);
                    continue;
                }
                let want = silhouette_by_definition(&data, d, labels);
                let got = got.unwrap();
                assert!((got - want).abs() <= 1e-12 * want.abs().max(1.0), "n {n} d {d}: {got} vs {want}");
            }
        }
        assert_eq!(silhouettes(&X, 1, &[&L, &[0, 0, 1]]), [None, None], "a labeling of other rows");
    }
}
