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
    let m = m.min(n);
    let mut order =
        if m.saturating_mul(SPARSE_RATIO) < n { shuffled_prefix_sparse(n, m, &mut rng) } else { shuffled_prefix(n, m, &mut rng) };
    order.sort_unstable();
    order
}

/// The ChaCha8 stream of the sample (K-Means draws from stream 0 of the same seed).
const SAMPLE_STREAM: u64 = 1;

/// A few rows of many drawn with [`shuffled_prefix_sparse`]: below one in this many.
const SPARSE_RATIO: usize = 16;

/// The first `m` places of `0..n` after a partial Fisher–Yates shuffle drawn from `rng`.
fn shuffled_prefix(n: usize, m: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in 0..m {
        let j = i + uniform_index(rng, n - i);
        order.swap(i, j);
    }
    order.truncate(m);
    order
}

/// [`shuffled_prefix`] without the array of all `n` places (8 bytes a row of the file, for
/// a sample of a few thousand): only the places a swap has moved are kept, in a map. Place
/// `i` is final once step `i` has swapped it (later steps swap places after it), so it is
/// read off then. The same draws, the same rows (tested).
fn shuffled_prefix_sparse(n: usize, m: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut moved: rustc_hash::FxHashMap<usize, usize> = rustc_hash::FxHashMap::default();
    moved.reserve(m);
    let mut prefix = Vec::with_capacity(m);
    for i in 0..m {
        let j = i + uniform_index(rng, n - i);
        let at_i = moved.remove(&i).unwrap_or(i);
        let at_j = if j == i { at_i } else { moved.get(&j).copied().unwrap_or(j) };
        prefix.push(at_j);
        if j != i {
            moved.insert(j, at_i);
        }
    }
    prefix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sparse_shuffle_draws_the_rows_the_whole_one_draws() {
        for (n, m) in [(1, 1), (2, 1), (10, 3), (100, 6), (1_000, 1), (1_000, 61), (1_000, 1_000), (50_000, 2_000), (77_777, 4_321)] {
            for seed in 0..5u64 {
                let draw = |sparse: bool| {
                    let mut rng = ChaCha8Rng::seed_from_u64(seed);
                    rng.set_stream(SAMPLE_STREAM);
                    if sparse {
                        shuffled_prefix_sparse(n, m, &mut rng)
                    } else {
                        shuffled_prefix(n, m, &mut rng)
                    }
                };
                assert_eq!(draw(true), draw(false), "{m} of {n}, seed {seed}");
            }
        }
        // Both sides of the switch between them sample as before.
        let whole = |n: usize, m: usize| {
            let mut rng = ChaCha8Rng::seed_from_u64(3);
            rng.set_stream(SAMPLE_STREAM);
            let mut rows = shuffled_prefix(n, m, &mut rng);
            rows.sort_unstable();
            rows
        };
        for (n, m) in [(16_000, 999), (16_000, 1_000), (16_000, 1_001), (1_000_000, 50_000)] {
            assert_eq!(sample_row_indices(n, m, 3), whole(n, m), "{m} of {n}");
        }
    }
}
