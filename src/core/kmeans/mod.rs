//! Our K-Means: greedy k-means++ initialisation, Lloyd iterations, several seeded runs
//! keeping the best inertia. Follows scikit-learn's `KMeans` step for step (centred data,
//! tolerance relative to the mean feature variance, empty clusters relocated to the
//! farthest points, a final assignment so labels match the centres), so the two agree on
//! the same data; the random stream is our own (ChaCha8), identical natively and in wasm.
//!
//! Layout: [`params`] validates parameters once, [`init`] seeds centres, [`lloyd`] iterates.

mod init;
mod lloyd;
pub mod params;

use std::collections::HashSet;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use params::{KMeansError, KMeansParams, ValidParams};

/// The outcome of a fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeansFit {
    /// `n_clusters × n_features` centres, row-major, in the units of the data given to `fit`.
    pub centers: Vec<f64>,
    /// Cluster of each row, `0..n_clusters`.
    pub labels: Vec<usize>,
    /// Sum of squared distances of rows to their centre.
    pub inertia: f64,
    /// Lloyd iterations of the best run.
    pub n_iterations: usize,
    pub n_clusters: usize,
    pub n_features: usize,
    /// Problems that did not stop the fit (fewer distinct clusters than asked, ...).
    pub warnings: Vec<String>,
}

impl KMeansFit {
    /// Rows in each cluster.
    pub fn cluster_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.n_clusters];
        for &l in &self.labels {
            if let Some(s) = sizes.get_mut(l) {
                *s += 1;
            }
        }
        sizes
    }
}

/// Fits K-Means to a row-major `n × n_features` matrix.
pub fn fit(data: &[f64], n_features: usize, params: &KMeansParams) -> Result<KMeansFit, KMeansError> {
    let valid = params.check()?;
    if n_features == 0 || data.is_empty() || data.len() % n_features != 0 {
        return Err(KMeansError::BadShape { len: data.len(), n_features });
    }
    if data.iter().any(|v| !v.is_finite()) {
        return Err(KMeansError::NonFinite);
    }
    let n_rows = data.len() / n_features;
    let k = valid.n_clusters;
    if k > n_rows {
        return Err(KMeansError::TooFewRows { n_clusters: k, n_rows });
    }
    let distinct = count_distinct_rows(data, n_features, k);
    if distinct < k {
        return Err(KMeansError::TooFewDistinctRows { n_clusters: k, distinct });
    }

    // Centre the data as scikit-learn does: distances are computed on smaller numbers.
    let means = column_means(data, n_features);
    let centred: Vec<f64> = data
        .chunks_exact(n_features)
        .flat_map(|row| row.iter().zip(&means).map(|(v, m)| v - m))
        .collect();
    let tolerance = valid.tolerance * mean_variance(&centred, n_features);

    let mut rng = ChaCha8Rng::seed_from_u64(valid.seed);
    let mut best: Option<lloyd::Run> = None;
    for _ in 0..valid.n_runs {
        let initial = init::kmeans_plusplus(&centred, n_features, k, &mut rng);
        let run = lloyd::run(&centred, n_features, initial, valid.max_iterations, tolerance);
        if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
            best = Some(run);
        }
    }
    let Some(best) = best else {
        return Err(KMeansError::InvalidRuns(0));
    };

    let centers: Vec<f64> = best
        .centers
        .chunks_exact(n_features)
        .flat_map(|c| c.iter().zip(&means).map(|(v, m)| v + m))
        .collect();
    let mut fit = KMeansFit {
        centers,
        labels: best.labels,
        inertia: best.inertia,
        n_iterations: best.n_iterations,
        n_clusters: k,
        n_features,
        warnings: Vec::new(),
    };
    let found = fit.cluster_sizes().iter().filter(|&&s| s > 0).count();
    if found < k {
        fit.warnings.push(format!(
            "only {found} distinct clusters were found though {k} were asked for: the data may have fewer natural groups"
        ));
    }
    Ok(fit)
}

/// Squared Euclidean distance.
#[inline]
pub fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn column_means(data: &[f64], d: usize) -> Vec<f64> {
    let mut means = vec![0.0; d];
    let n = (data.len() / d).max(1) as f64;
    for row in data.chunks_exact(d) {
        for (m, v) in means.iter_mut().zip(row) {
            *m += v;
        }
    }
    means.iter_mut().for_each(|m| *m /= n);
    means
}

/// Mean over features of each feature's (population) variance, for centred data.
fn mean_variance(centred: &[f64], d: usize) -> f64 {
    let n = (centred.len() / d).max(1) as f64;
    let total: f64 = centred.iter().map(|v| v * v).sum();
    total / n / d as f64
}

/// Distinct rows, counting no further than `limit` (enough to know whether k fits).
fn count_distinct_rows(data: &[f64], d: usize, limit: usize) -> usize {
    let mut seen: HashSet<Vec<u64>> = HashSet::new();
    for row in data.chunks_exact(d) {
        // `+ 0.0` turns -0.0 into 0.0 so the two compare equal.
        seen.insert(row.iter().map(|v| (v + 0.0).to_bits()).collect());
        if seen.len() >= limit {
            break;
        }
    }
    seen.len()
}

#[cfg(test)]
mod tests;
