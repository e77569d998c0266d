//! Internal cluster-validity scores, as scikit-learn's `silhouette_score`,
//! `calinski_harabasz_score` and `davies_bouldin_score` (Euclidean distance). Only the
//! clusters that actually hold rows count, as scikit-learn's label encoding does.
//!
//! Each returns `None` where scikit-learn raises: fewer than 2 clusters, or (silhouette,
//! Calinski–Harabasz) as many clusters as rows.
//!
//! The exact silhouette needs every pairwise distance; it is computed one pair at a time
//! into per-row, per-cluster sums (`n × k` memory, never `n × n`). Above a size threshold
//! [`silhouette_sampled`] scores a sample stratified by cluster instead.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::kmeans::init::uniform_index;
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

/// Mean silhouette coefficient over all rows, exactly. `O(n² d)` time, `O(n k)` memory.
pub fn silhouette(data: &[f64], d: usize, labels: &[usize]) -> Option<f64> {
    let n = labels.len();
    if d == 0 || data.len() != n * d {
        return None;
    }
    let (labels, k) = dense_labels(labels);
    if k < 2 || k >= n {
        return None;
    }
    let mut counts = vec![0usize; k];
    for &l in &labels {
        if let Some(c) = counts.get_mut(l) {
            *c += 1;
        }
    }
    // Rows in cluster order (a counting sort): a row's distances to a cluster are then one
    // contiguous run, summed in registers instead of one stored sum per distance.
    let mut at = 0;
    let starts: Vec<usize> = std::iter::once(0)
        .chain(counts.iter().map(|&count| {
            at += count;
            at
        }))
        .collect();
    let mut position = starts.clone();
    let mut order = vec![0usize; n];
    for (i, &l) in labels.iter().enumerate() {
        if let Some(p) = position.get_mut(l) {
            if let Some(slot) = order.get_mut(*p) {
                *slot = i;
            }
            *p += 1;
        }
    }
    let sorted: Vec<f64> = order.iter().flat_map(|&i| data.get(i * d..(i + 1) * d).unwrap_or(&[]).iter().copied()).collect();
    let mut sums = vec![0.0; n * k];
    dispatch_dim!(d, distance_sums, (&sorted, d, &starts, &mut sums));
    let mut total = 0.0;
    for (l, (&from, &to)) in starts.iter().zip(starts.iter().skip(1)).enumerate() {
        let own = counts.get(l).copied().unwrap_or(0);
        if own <= 1 {
            continue; // a row alone in its cluster scores 0
        }
        for row in sums.get(from * k..to * k).unwrap_or(&[]).chunks_exact(k) {
            let a = row.get(l).copied().unwrap_or(0.0) / (own - 1) as f64;
            let b = row
                .iter()
                .zip(&counts)
                .enumerate()
                .filter(|&(c, (_, &size))| c != l && size > 0)
                .map(|(_, (s, &size))| s / size as f64)
                .fold(f64::INFINITY, f64::min);
            let s = (b - a) / a.max(b);
            if s.is_finite() {
                total += s;
            }
        }
    }
    Some(total / n as f64)
}

/// `sums[i·k + c]`: the sum of distances from row i to the rows of cluster c, each pair
/// computed once. The rows come in cluster order, cluster c being rows
/// `starts[c]..starts[c + 1]`: row i's distances to each later run of rows are computed
/// together ([`distances_to`]), summed in four lanes, and each added to that row's sum for
/// i's cluster. `D` as in the k-means kernels (0: width read at run time).
fn distance_sums<const D: usize>(data: &[f64], d: usize, starts: &[usize], sums: &mut [f64]) {
    let step = if D == 0 { d } else { D };
    let k = starts.len().saturating_sub(1);
    let blocks = if D == 0 { Vec::new() } else { four_row_blocks(data, step) };
    let mut dist = Vec::new();
    let runs = || starts.iter().zip(starts.iter().skip(1));
    for (ci, (&first, &end)) in runs().enumerate() {
        for i in first..end {
            let Some(x) = data.get(i * step..(i + 1) * step) else { continue };
            let (head, tail) = sums.split_at_mut(((i + 1) * k).min(sums.len()));
            let Some(own) = head.get_mut(i * k..) else { continue };
            for (c, (&run_first, &to)) in runs().enumerate().skip(ci) {
                // Rows after i in the run: i's own cluster from i + 1, later clusters whole.
                let from = if c == ci { i + 1 } else { run_first };
                if from >= to {
                    continue;
                }
                distances_to::<D>(x, data, &blocks, from..to, &mut dist);
                let theirs = tail.get_mut((from - i - 1) * k..(to - i - 1) * k).unwrap_or(&mut []);
                let mut lanes = [0.0f64; 4];
                let quads = dist.chunks_exact(4);
                let rest = quads.remainder();
                let mut their_quads = theirs.chunks_exact_mut(4 * k);
                for (quad, their) in quads.zip(&mut their_quads) {
                    for ((lane, &dist), their) in lanes.iter_mut().zip(quad).zip(their.chunks_exact_mut(k)) {
                        *lane += dist;
                        if let Some(s) = their.get_mut(ci) {
                            *s += dist;
                        }
                    }
                }
                for (&dist, their) in rest.iter().zip(their_quads.into_remainder().chunks_exact_mut(k)) {
                    lanes[0] += dist;
                    if let Some(s) = their.get_mut(ci) {
                        *s += dist;
                    }
                }
                if let Some(s) = own.get_mut(c) {
                    *s += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
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

/// The silhouette of a deterministic sample of `sample_size` rows stratified by cluster
/// (each cluster contributes in proportion to its size, largest remainders first, at least
/// one row each), drawn with ChaCha8 from `seed`. Returns the score and the sample size
/// used; all rows when `n ≤ sample_size`.
pub fn silhouette_sampled(data: &[f64], d: usize, labels: &[usize], sample_size: usize, seed: u64) -> (Option<f64>, usize) {
    let n = labels.len();
    if n <= sample_size || d == 0 {
        return (silhouette(data, d, labels), n);
    }
    let (dense, k) = dense_labels(labels);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &l) in dense.iter().enumerate() {
        if let Some(m) = members.get_mut(l) {
            m.push(i);
        }
    }
    let quotas = proportional_quotas(&members.iter().map(Vec::len).collect::<Vec<_>>(), sample_size);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut chosen = Vec::with_capacity(sample_size);
    for (rows, &quota) in members.iter_mut().zip(&quotas) {
        let len = rows.len();
        for i in 0..quota.min(len) {
            let j = i + uniform_index(&mut rng, len - i);
            rows.swap(i, j);
        }
        chosen.extend_from_slice(rows.get(..quota.min(len)).unwrap_or(&[]));
    }
    chosen.sort_unstable();
    let sub_data: Vec<f64> = chosen.iter().flat_map(|&i| data.get(i * d..(i + 1) * d).unwrap_or(&[]).iter().copied()).collect();
    let sub_labels: Vec<usize> = chosen.iter().map(|&i| dense.get(i).copied().unwrap_or(0)).collect();
    (silhouette(&sub_data, d, &sub_labels), chosen.len())
}

/// Splits `total` among groups in proportion to `sizes` (largest remainder; every
/// non-empty group gets at least one when `total` allows).
fn proportional_quotas(sizes: &[usize], total: usize) -> Vec<usize> {
    let n: usize = sizes.iter().sum();
    if n == 0 {
        return vec![0; sizes.len()];
    }
    let mut quotas: Vec<usize> = sizes.iter().map(|&s| (s * total / n).max(usize::from(s > 0)).min(s)).collect();
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    // Largest remainder first; ties to the lower index.
    order.sort_by_key(|&c| std::cmp::Reverse(sizes.get(c).map_or(0, |&s| s * total % n)));
    let mut given: usize = quotas.iter().sum();
    for &c in order.iter().cycle().take(sizes.len() * 2) {
        if given >= total {
            break;
        }
        if let (Some(q), Some(&s)) = (quotas.get_mut(c), sizes.get(c)) {
            if *q < s {
                *q += 1;
                given += 1;
            }
        }
    }
    quotas
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
    use rand_chacha::rand_core::RngCore;

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
    fn sampled_silhouette_is_stratified_deterministic_and_exact_when_small() {
        let data: Vec<f64> = (0..1000).map(|i| if i < 900 { (i % 10) as f64 } else { 100.0 + (i % 7) as f64 }).collect();
        let labels: Vec<usize> = (0..1000).map(|i| usize::from(i >= 900)).collect();
        let (all, used) = silhouette_sampled(&data, 1, &labels, 5000, 1);
        assert_eq!((all, used), (silhouette(&data, 1, &labels), 1000));
        let (a, used) = silhouette_sampled(&data, 1, &labels, 100, 1);
        assert_eq!(used, 100);
        assert_eq!(a, silhouette_sampled(&data, 1, &labels, 100, 1).0);
        assert!((a.unwrap() - all.unwrap()).abs() < 0.02);
        // 90 / 10 rows from the two clusters.
        assert_eq!(proportional_quotas(&[900, 100], 100), [90, 10]);
        assert_eq!(proportional_quotas(&[5, 5, 1], 4), [2, 1, 1]);
    }
}
