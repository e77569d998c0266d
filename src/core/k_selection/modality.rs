//! Does a clustering cut groups, or cut through them? Each cluster and the cluster whose
//! centre is nearest to its own are projected together on the line through their centres:
//! two real groups show two modes with a valley between them; one group cut in two shows
//! one mode. The idea of dip-means (Kalogeratos & Likas 2012), with a kernel density in
//! place of the dip test.
//!
//! The valley is read off a binned Gaussian kernel density (Silverman's bandwidth, which
//! over-smooths rather than invents modes): [`valley_ratio`] is the density at the deepest
//! valley that leaves at least half the smaller cluster's rows on each side, over the
//! lower of the two sides' peaks; 1 when there is no such valley (one mode, or a bump of a
//! few stray rows in a tail). A cluster of fewer than [`MIN_ROWS`] rows cannot show a
//! density: it counts as apart (0) only when it lies wholly beyond its neighbour by more
//! than one standard deviation of the neighbour (an outlier), else as not apart (1).

use crate::core::kmeans::squared_distance;

/// The fewest rows each side of a pair needs for the density to be read.
pub const MIN_ROWS: usize = 20;

/// Rows read per cluster at most (an even sample of them beyond).
pub const MAX_ROWS: usize = 2_000;

/// Bins of the density.
const BINS: usize = 128;

/// The shallowest valley between any cluster and its nearest neighbour (highest ratio; 1
/// when some neighbours look like one mode cut in two, or a small cluster is no more than
/// a sliver of its neighbour's edge), for the
/// clustering `labels` (`k` clusters, `centers` row-major `k × d`) of `data` (row-major
/// `n × d`). `None` for fewer than two clusters.
pub fn valley_between(data: &[f64], d: usize, labels: &[usize], centers: &[f64], k: usize) -> Option<f64> {
    if k < 2 {
        return None;
    }
    let d = d.max(1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &l) in labels.iter().enumerate() {
        if let Some(m) = members.get_mut(l) {
            m.push(i);
        }
    }
    let members: Vec<Vec<usize>> = members.iter().map(|m| thin(m)).collect();
    let row = |i: usize| data.get(i * d..(i + 1) * d).unwrap_or(&[]);
    let centre = |j: usize| centers.get(j * d..(j + 1) * d).unwrap_or(&[]);
    let mut worst = 0.0_f64;
    for j in 0..k {
        let nearest = (0..k)
            .filter(|&o| o != j)
            .min_by(|&x, &y| squared_distance(centre(j), centre(x)).total_cmp(&squared_distance(centre(j), centre(y))));
        let Some(o) = nearest else { continue };
        let (mine, theirs) = (members.get(j).map_or(&[][..], Vec::as_slice), members.get(o).map_or(&[][..], Vec::as_slice));
        if mine.len() < MIN_ROWS || theirs.len() < MIN_ROWS {
            worst = worst.max(small_pair_gap(data, d, (mine, centre(j)), (theirs, centre(o))));
            continue;
        }
        let mut pair = Vec::with_capacity((mine.len() + theirs.len()) * d);
        mine.iter().chain(theirs).for_each(|&i| pair.extend_from_slice(row(i)));
        let min_side = (mine.len().min(theirs.len()) / 2).max(MIN_ROWS / 2);
        worst = worst.max(valley_ratio(&project(&pair, d, centre(j), centre(o)), min_side));
    }
    Some(worst)
}

/// A pair in which a cluster has too few rows for a density (an outlier, a handful of
/// extreme customers): 0 when the small cluster lies wholly beyond the big one along the
/// line through their centres, by more than one standard deviation of the big one's
/// projections (a gap, as an outlier has), else 1 (a sliver cut off a group's edge, or two
/// clusters both too small to tell).
fn small_pair_gap(data: &[f64], d: usize, a: (&[usize], &[f64]), b: (&[usize], &[f64])) -> f64 {
    let ((small, small_centre), (big, big_centre)) = if a.0.len() <= b.0.len() { (a, b) } else { (b, a) };
    if big.len() < MIN_ROWS || small.is_empty() {
        return 1.0;
    }
    let rows =
        |ix: &[usize]| -> Vec<f64> { ix.iter().flat_map(|&i| data.get(i * d..(i + 1) * d).unwrap_or(&[]).iter().copied()).collect() };
    // 0 at the big cluster's centre, 1 at the small one's.
    let big_at = project(&rows(big), d, big_centre, small_centre);
    let small_at = project(&rows(small), d, big_centre, small_centre);
    let n = big_at.len().max(1) as f64;
    let mean = big_at.iter().sum::<f64>() / n;
    let sd = (big_at.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
    let big_edge = big_at.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let small_edge = small_at.iter().copied().fold(f64::INFINITY, f64::min);
    if small_edge - big_edge > sd {
        0.0
    } else {
        1.0
    }
}

/// Up to [`MAX_ROWS`] of `rows`, evenly spaced.
fn thin(rows: &[usize]) -> Vec<usize> {
    if rows.len() <= MAX_ROWS {
        return rows.to_vec();
    }
    let step = rows.len() as f64 / MAX_ROWS as f64;
    (0..MAX_ROWS).filter_map(|i| rows.get((i as f64 * step) as usize).copied()).collect()
}

/// Each row of `data` projected on the line from `a` to `b` (0 at `a`, 1 at `b`).
fn project(data: &[f64], d: usize, a: &[f64], b: &[f64]) -> Vec<f64> {
    let dir: Vec<f64> = b.iter().zip(a).map(|(x, y)| x - y).collect();
    let len2: f64 = dir.iter().map(|v| v * v).sum();
    if len2 <= 0.0 {
        return Vec::new();
    }
    data.chunks_exact(d).map(|r| r.iter().zip(a).zip(&dir).map(|((x, y), u)| (x - y) * u).sum::<f64>() / len2).collect()
}

/// The deepest valley of `values`' density that splits them into two sides of at least
/// `min_side` values each: the density at the valley over the lower of the two sides'
/// highest densities (0 for a gap with nothing in it, 1 when no such valley exists: one
/// mode, or only bumps of a few stray values in a tail). A binned Gaussian kernel density
/// with Silverman's bandwidth `0.9 · min(sd, IQR / 1.34) · n^(−1/5)`.
pub fn valley_ratio(values: &[f64], min_side: usize) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.len() < 4 {
        return 1.0;
    }
    sorted.sort_by(f64::total_cmp);
    let (Some(&lo), Some(&hi)) = (sorted.first(), sorted.last()) else { return 1.0 };
    if hi <= lo {
        return 1.0;
    }
    let m = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / m;
    let sd = (sorted.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / m).sqrt();
    let q = |p: f64| sorted.get(((m - 1.0) * p).round() as usize).copied().unwrap_or(mean);
    let iqr = q(0.75) - q(0.25);
    let spread = if iqr > 0.0 { sd.min(iqr / 1.34) } else { sd };
    let h = 0.9 * spread * m.powf(-0.2);
    if h <= 0.0 {
        return 1.0;
    }
    let width = (hi - lo) / (BINS - 1) as f64;
    let mut counts = [0usize; BINS];
    for v in &sorted {
        let b = (((v - lo) / width).round() as usize).min(BINS - 1);
        if let Some(c) = counts.get_mut(b) {
            *c += 1;
        }
    }
    let reach = ((4.0 * h / width).ceil() as usize).min(BINS);
    let kernel: Vec<f64> = (0..=reach).map(|i| (-0.5 * (i as f64 * width / h).powi(2)).exp()).collect();
    let density: Vec<f64> = (0..BINS)
        .map(|b| {
            let from = b.saturating_sub(reach);
            let to = (b + reach).min(BINS - 1);
            (from..=to).map(|o| counts.get(o).copied().unwrap_or(0) as f64 * kernel.get(o.abs_diff(b)).copied().unwrap_or(0.0)).sum()
        })
        .collect();
    // Highest density at or left of each bin, and at or right of it; values left of it.
    let mut left_peak = vec![0.0_f64; BINS];
    let mut right_peak = vec![0.0_f64; BINS];
    let mut running = 0.0_f64;
    for (b, &v) in density.iter().enumerate() {
        running = running.max(v);
        if let Some(x) = left_peak.get_mut(b) {
            *x = running;
        }
    }
    running = 0.0;
    for (b, &v) in density.iter().enumerate().rev() {
        running = running.max(v);
        if let Some(x) = right_peak.get_mut(b) {
            *x = running;
        }
    }
    let total = sorted.len();
    let min_side = min_side.max(1);
    let mut below = 0usize;
    let mut deepest = 1.0_f64;
    for b in 0..BINS {
        let here = density.get(b).copied().unwrap_or(0.0);
        let side_low = left_peak.get(b).copied().unwrap_or(0.0).min(right_peak.get(b).copied().unwrap_or(0.0));
        // The valley bin's own values count on neither side.
        let above = total - below - counts.get(b).copied().unwrap_or(0);
        if below >= min_side && above >= min_side && side_low > 0.0 {
            deepest = deepest.min(here / side_low);
        }
        below += counts.get(b).copied().unwrap_or(0);
    }
    deepest.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::bench::gaussian;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn one_bump_has_no_valley_two_apart_have_a_deep_one() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let one: Vec<f64> = (0..2_000).map(|_| gaussian(&mut rng)).collect();
        assert!(valley_ratio(&one, 500) > 0.95, "{}", valley_ratio(&one, 500));
        let two: Vec<f64> = (0..2_000).map(|i| gaussian(&mut rng) + if i % 3 == 0 { 6.0 } else { 0.0 }).collect();
        assert!(valley_ratio(&two, 500) < 0.1, "{}", valley_ratio(&two, 500));
        // No split leaves more than half the values on each side.
        assert_eq!(valley_ratio(&two, 1_001), 1.0);
        // A few stray values far out in a tail are no second group.
        let mut tail = one.clone();
        tail.extend([9.0, 9.1, 9.3]);
        assert!(valley_ratio(&tail, 500) > 0.95, "{}", valley_ratio(&tail, 500));
        assert_eq!(valley_ratio(&[1.0, 1.0, 1.0, 1.0], 1), 1.0);
        assert_eq!(valley_ratio(&[], 1), 1.0);
    }
}

#[cfg(test)]
mod small_tests {
    use super::*;
    use crate::core::bench::gaussian;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn an_outlier_of_its_own_stands_apart_a_sliver_of_an_edge_does_not() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut data: Vec<f64> = (0..1_000).map(|_| gaussian(&mut rng)).collect();
        // 500 rows in 2-D, plus one customer far away.
        data.extend([40.0, 40.0]);
        let labels: Vec<usize> = (0..501).map(|i| usize::from(i == 500)).collect();
        let centres = [0.0, 0.0, 40.0, 40.0];
        assert_eq!(valley_between(&data, 2, &labels, &centres, 2), Some(0.0));
        // The 5 rows of largest x cut off as a cluster of their own: a sliver, not a group.
        let mut order: Vec<usize> = (0..500).collect();
        order.sort_by(|&a, &b| data[2 * b].total_cmp(&data[2 * a]));
        let mut labels = vec![0; 500];
        order.iter().take(5).for_each(|&i| labels[i] = 1);
        let rest = &data[..1_000];
        let sliver_centre: Vec<f64> = (0..2).map(|c| order.iter().take(5).map(|&i| rest[2 * i + c]).sum::<f64>() / 5.0).collect();
        let centres = [0.0, 0.0, sliver_centre[0], sliver_centre[1]];
        assert_eq!(valley_between(rest, 2, &labels, &centres, 2), Some(1.0));
    }
}
