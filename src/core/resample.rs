//! Seeded row samples shared by the sweep and the stability check.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::kmeans::init::uniform_index;

/// `m` distinct row indices out of `n` (all of them when `m ≥ n`), drawn uniformly without
/// replacement from `seed` (a partial Fisher–Yates shuffle with the engine's portable index
/// draw on its own ChaCha8 stream: the same rows natively and in wasm), in file order.
pub fn sample_row_indices(n: usize, m: usize, seed: u64) -> Vec<usize> {
    sample_row_indices_on(n, m, seed, SAMPLE_STREAM)
}

/// [`sample_row_indices`] drawn from ChaCha8 stream `stream` of `seed`.
pub fn sample_row_indices_on(n: usize, m: usize, seed: u64, stream: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    let mut order: Vec<usize> = (0..n).collect();
    let m = m.min(n);
    for i in 0..m {
        let j = i + uniform_index(&mut rng, n - i);
        order.swap(i, j);
    }
    order.truncate(m);
    order.sort_unstable();
    order
}

/// The ChaCha8 stream of the sample (K-Means draws from stream 0 of the same seed).
const SAMPLE_STREAM: u64 = 1;
