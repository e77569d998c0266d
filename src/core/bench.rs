//! Benchmark workloads as plain library functions, so the native `benches/kmeans.rs` and a
//! browser (wasm) test run the very same code: generated data, one fit, figures back.
//!
//! The core has no clock (there is none in `wasm32-unknown-unknown` without web-sys), so
//! callers pass one: `Instant` natively, `performance.now()` in the browser.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::kmeans::init::uniform;
use super::kmeans::{fit_with_progress, Algorithm, KMeansError, KMeansParams};

/// Figures of one benchmarked fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    pub n: usize,
    pub d: usize,
    pub k: usize,
    pub algorithm: Algorithm,
    pub n_runs: usize,
    pub n_iterations: usize,
    /// Centring, checks and the initial centres (k-means++).
    pub init_ms: f64,
    /// Iterations only (including the final assignment), divided by their number.
    pub ms_per_iteration: f64,
    pub total_ms: f64,
    pub inertia: f64,
    /// Bytes the fit holds at its peak, input included, from the sizes of its buffers.
    pub peak_bytes_estimate: usize,
}

/// `n` rows of `d` features around `n_centers` centres drawn uniformly in [-10, 10]^d,
/// with unit-variance, nearly Gaussian noise ([`gaussian`]):
/// the same numbers on every platform for a given seed.
pub fn blobs(n: usize, d: usize, n_centers: usize, seed: u64) -> Vec<f64> {
    blobs_with_spread(n, d, n_centers, 1.0, seed)
}

/// [`blobs`] with noise of standard deviation `spread`.
pub fn blobs_with_spread(n: usize, d: usize, n_centers: usize, spread: f64, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centers: Vec<f64> = (0..n_centers.max(1) * d).map(|_| 20.0 * uniform(&mut rng) - 10.0).collect();
    let mut data = Vec::with_capacity(n * d);
    for i in 0..n {
        let c = i % n_centers.max(1);
        for j in 0..d {
            let mean = centers.get(c * d + j).copied().unwrap_or(0.0);
            data.push(mean + spread * gaussian(&mut rng));
        }
    }
    data
}

/// An approximately standard normal draw: the sum of 12 uniforms minus 6 (Irwin–Hall;
/// mean 0, variance 1, tails cut at ±6). Only additions, no `ln` or `cos`, whose last bit
/// differs between the platform's libm natively and Rust's libm in wasm: the same seed
/// gives the same bits everywhere.
pub fn gaussian(rng: &mut impl RngCore) -> f64 {
    (0..12).map(|_| uniform(rng)).sum::<f64>() - 6.0
}

/// Estimated peak bytes of `fit` on `n × d` data: the input, its centred copy, the labels
/// (current, previous, best run's), the k-means++ running minima and cumulative sums, and
/// Hamerly's two bounds per row.
pub fn peak_bytes_estimate(n: usize, d: usize, algorithm: Algorithm) -> usize {
    let per_row = 2 * d + 3 + 2 + if algorithm.keeps_bounds() { 2 } else { 0 };
    8 * n * per_row
}

/// One fit of `data` (`n × d`) with k-means++ and a single run, timed with `clock`
/// (milliseconds from any origin).
pub fn run_kmeans_bench_on(
    data: &[f64],
    d: usize,
    k: usize,
    seed: u64,
    algorithm: Algorithm,
    clock: &mut dyn FnMut() -> f64,
) -> Result<BenchReport, KMeansError> {
    let params = KMeansParams::new(k).seed(seed).n_runs(1).algorithm(algorithm);
    let start = clock();
    let mut iterations_start = start;
    let fit = fit_with_progress(data, d, &params, &mut |p| {
        if p.iteration == 0 {
            iterations_start = clock();
        }
        true
    })?;
    let end = clock();
    let n = data.len() / d.max(1);
    Ok(BenchReport {
        n,
        d,
        k,
        algorithm: fit.algorithm,
        n_runs: 1,
        n_iterations: fit.n_iterations,
        init_ms: iterations_start - start,
        ms_per_iteration: (end - iterations_start) / fit.n_iterations.max(1) as f64,
        total_ms: end - start,
        inertia: fit.inertia,
        peak_bytes_estimate: peak_bytes_estimate(n, d, fit.algorithm),
    })
}

/// The benchmark data: [`blobs_with_spread`]`(n, d, 3k, 4.0, seed)`, three times as many
/// true groups as clusters with wide noise, so groups overlap and a fit takes tens of
/// iterations, as on real customer data.
pub fn bench_data(n: usize, d: usize, k: usize, seed: u64) -> Vec<f64> {
    blobs_with_spread(n, d, 3 * k, 4.0, seed)
}

/// [`run_kmeans_bench_on`] on [`bench_data`].
pub fn run_kmeans_bench(
    n: usize,
    d: usize,
    k: usize,
    seed: u64,
    algorithm: Algorithm,
    clock: &mut dyn FnMut() -> f64,
) -> Result<BenchReport, KMeansError> {
    let data = bench_data(n, d, k, seed);
    run_kmeans_bench_on(&data, d, k, seed, algorithm, clock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_reproducible_and_centred_on_their_centres() {
        let a = blobs(3000, 2, 3, 5);
        assert_eq!(a, blobs(3000, 2, 3, 5));
        assert_ne!(a, blobs(3000, 2, 3, 6));
        // Rows i, i + 3, i + 6, ... share a centre; their mean is within 4σ/√1000 of it,
        // and their variance near 1.
        let xs: Vec<f64> = a.chunks_exact(2).step_by(3).map(|r| r[0]).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!((var - 1.0).abs() < 0.15, "variance {var}");
    }

    #[test]
    fn bench_report_counts_what_the_fit_did() {
        let mut t = 0.0;
        let mut clock = || {
            t += 1.0;
            t
        };
        let r = run_kmeans_bench(2000, 3, 4, 1, Algorithm::Lloyd, &mut clock).unwrap();
        assert_eq!((r.n, r.d, r.k, r.algorithm), (2000, 3, 4, Algorithm::Lloyd));
        // The clock ticks once at start, once after init, once at the end.
        assert_eq!((r.init_ms, r.total_ms), (1.0, 2.0));
        assert!(r.n_iterations >= 1 && r.inertia > 0.0);
        assert_eq!(r.peak_bytes_estimate, 8 * 2000 * (6 + 5));
    }
}
