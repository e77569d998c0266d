//! Lloyd's iterations, as scikit-learn's `_kmeans_single_lloyd`: assign, update, relocate
//! empty clusters to the farthest points, stop when labels repeat or the total squared
//! centre shift falls to the tolerance, then assign once more so labels match the centres.

use super::squared_distance;

/// One run from one initialisation.
pub(crate) struct Run {
    pub centers: Vec<f64>,
    pub labels: Vec<usize>,
    pub inertia: f64,
    pub n_iterations: usize,
}

pub(crate) fn run(data: &[f64], d: usize, mut centers: Vec<f64>, max_iterations: usize, tolerance: f64) -> Run {
    let n = data.len() / d;
    let k = centers.len() / d;
    let mut labels = vec![0usize; n];
    let mut labels_old = vec![usize::MAX; n];
    let mut new_centers = vec![0.0; k * d];
    let mut n_iterations = 0;
    let mut strict_convergence = false;

    for i in 0..max_iterations {
        assign(data, d, &centers, &mut labels);
        update(data, d, &labels, &centers, &mut new_centers);
        let shift: f64 = centers
            .chunks_exact(d)
            .zip(new_centers.chunks_exact(d))
            .map(|(a, b)| squared_distance(a, b))
            .sum();
        std::mem::swap(&mut centers, &mut new_centers);
        n_iterations = i + 1;
        if labels == labels_old {
            strict_convergence = true;
            break;
        }
        if shift <= tolerance {
            break;
        }
        labels_old.copy_from_slice(&labels);
    }
    if !strict_convergence {
        assign(data, d, &centers, &mut labels);
    }
    let inertia = data
        .chunks_exact(d)
        .zip(&labels)
        .map(|(x, &l)| squared_distance(x, centers.get(l * d..(l + 1) * d).unwrap_or(&[])))
        .sum();
    Run { centers, labels, inertia, n_iterations }
}

/// Nearest centre of every row (the first one on a tie, as `argmin`).
fn assign(data: &[f64], d: usize, centers: &[f64], labels: &mut [usize]) {
    for (x, label) in data.chunks_exact(d).zip(labels.iter_mut()) {
        let mut best = 0;
        let mut best_distance = f64::INFINITY;
        for (j, c) in centers.chunks_exact(d).enumerate() {
            let dist = squared_distance(x, c);
            if dist < best_distance {
                best_distance = dist;
                best = j;
            }
        }
        *label = best;
    }
}

/// New centres as the means of their rows. A cluster left empty takes the row farthest
/// from its current centre (the farthest for the first empty cluster, and so on), which
/// leaves the cluster it came from.
fn update(data: &[f64], d: usize, labels: &[usize], old_centers: &[f64], new_centers: &mut [f64]) {
    let k = new_centers.len() / d;
    let mut counts = vec![0usize; k];
    new_centers.iter_mut().for_each(|v| *v = 0.0);
    for (x, &l) in data.chunks_exact(d).zip(labels) {
        if let (Some(sum), Some(count)) = (new_centers.get_mut(l * d..(l + 1) * d), counts.get_mut(l)) {
            sum.iter_mut().zip(x).for_each(|(s, v)| *s += v);
            *count += 1;
        }
    }
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
    for (c, &count) in new_centers.chunks_exact_mut(d).zip(&counts) {
        if count > 0 {
            c.iter_mut().for_each(|v| *v /= count as f64);
        }
    }
}
