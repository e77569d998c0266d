//! Greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's 2 + ⌊ln k⌋ local
//! trials per centre): each new centre is the best of several candidates drawn with
//! probability proportional to the squared distance to the nearest centre so far.

use rand_chacha::rand_core::RngCore;

use super::lloyd::BLOCK_ROWS;
use super::{dispatch_dim, least, squared_distance};

/// A uniform draw in [0, 1) from 53 random bits: the same on every platform.
pub(crate) fn uniform(rng: &mut impl RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform index below `n` (n ≥ 1), portable across 32- and 64-bit targets.
pub(crate) fn uniform_index(rng: &mut impl RngCore, n: usize) -> usize {
    ((uniform(rng) * n as f64) as usize).min(n.saturating_sub(1))
}

/// Candidates tried for each centre after the first: 2 + ⌊ln k⌋, as scikit-learn.
pub(crate) fn local_trials(k: usize) -> usize {
    2 + (k as f64).ln().floor() as usize
}

/// Picks `k` initial centres (row-major `k × d`) from the rows of `data`.
/// The caller guarantees at least `k` distinct rows.
///
/// The draw in one process: a [`PlusPlus`] and one [`PlusPlusShard`] of every row, the
/// same messages a pool carries when its helpers hold the rows.
pub(crate) fn kmeans_plusplus(data: &[f64], d: usize, k: usize, rng: &mut impl RngCore) -> Vec<f64> {
    let mut shard = PlusPlusShard::new(d);
    let (mut draw, first) = PlusPlus::new(data, d, k, rng);
    let sums = shard.start(data, &first);
    let mut next = draw.started(data, sums, Some(shard.closest()));
    while let Some(trial) = next {
        let sums = shard.trial(data, trial.chosen, &trial.candidates);
        next = draw.tried(data, &sums, Some(shard.closest()));
    }
    draw.centers()
}

/// Greedy k-means++ over rows held in shards of whole blocks ([`BLOCK_ROWS`]), the side
/// that draws: it holds the random stream, every row (to read a candidate's values and
/// to find a drawn row inside its block) and each block's potential (the sum of its rows'
/// squared distances to the nearest centre so far).
///
/// - Every sum over the rows is a sum of block sums in block order, and a draw finds its
///   block from those sums, then its row inside the block. The bits are the same however
///   the blocks are shared out, and on one block they are those of the plain algorithm.
/// - Each centre after the first takes one message to the shards and back: the
///   candidates ([`Trial`]) out, each block's potential under each candidate
///   ([`PlusPlusShard::trial`]) back.
pub struct PlusPlus<R> {
    d: usize,
    k: usize,
    n: usize,
    trials: usize,
    rng: R,
    centers: Vec<f64>,
    /// Each block's potential under the centres so far.
    block_sums: Vec<f64>,
    /// The rows drawn as the last trial's candidates.
    candidate_rows: Vec<usize>,
}

/// The candidates for the next centre, sent to every shard.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// Which candidate of the previous trial became a centre (none at the first trial).
    pub chosen: Option<usize>,
    /// `t × d`: the candidates' values.
    pub candidates: Vec<f64>,
}

impl<R: RngCore> PlusPlus<R> {
    /// Draws the first centre (a uniform row of `data`, `n × d`): the shards
    /// [`PlusPlusShard::start`] from it.
    pub fn new(data: &[f64], d: usize, k: usize, mut rng: R) -> (Self, Vec<f64>) {
        let d = d.max(1);
        let n = data.len() / d;
        let first = row(data, d, uniform_index(&mut rng, n)).to_vec();
        let draw =
            Self { d, k, n, trials: local_trials(k), rng, centers: first.clone(), block_sums: Vec::new(), candidate_rows: Vec::new() };
        (draw, first)
    }

    /// Every block's potential from the first centre (the shards' answers to
    /// [`PlusPlusShard::start`], in block order): the first trial, or `None` when `k` is 1.
    ///
    /// `known`: every row's distance to the nearest centre but the newest, when the rows'
    /// shard is at hand ([`PlusPlusShard::closest`]); else a drawn row's block is measured
    /// again against every centre. The same values either way: a least distance is exact.
    pub fn started(&mut self, data: &[f64], block_sums: Vec<f64>, known: Option<&[f64]>) -> Option<Trial> {
        self.block_sums = block_sums;
        self.next_trial(data, None, known)
    }

    /// Every block's potential under each candidate (`blocks × t`, the shards' answers to
    /// [`PlusPlusShard::trial`] in block order): the candidate that leaves the least
    /// becomes a centre (the first on a tie). The next trial, or `None` when the `k`
    /// centres are drawn.
    pub fn tried(&mut self, data: &[f64], sums: &[f64], known: Option<&[f64]>) -> Option<Trial> {
        let t = self.candidate_rows.len().max(1);
        let mut potentials = vec![0.0; t];
        for block in sums.chunks_exact(t) {
            for (p, s) in potentials.iter_mut().zip(block) {
                *p += s;
            }
        }
        let mut best = 0;
        for (i, &p) in potentials.iter().enumerate() {
            if p < potentials.get(best).copied().unwrap_or(f64::INFINITY) {
                best = i;
            }
        }
        self.block_sums = sums.chunks_exact(t).map(|block| block.get(best).copied().unwrap_or(0.0)).collect();
        let chosen = self.candidate_rows.get(best).copied().unwrap_or(0);
        self.centers.extend_from_slice(row(data, self.d, chosen));
        self.next_trial(data, Some(best), known)
    }

    /// The centres drawn, `k × d`.
    pub fn centers(self) -> Vec<f64> {
        self.centers
    }

    /// Draws the next centre's candidates with probability proportional to each row's
    /// potential (numpy's `searchsorted(cumsum(closest), u · potential)`, by blocks).
    fn next_trial(&mut self, data: &[f64], chosen: Option<usize>, known: Option<&[f64]>) -> Option<Trial> {
        if self.centers.len() >= self.k * self.d {
            return None;
        }
        // The running sum over blocks, in block order.
        let mut running = 0.0;
        let cumulative: Vec<f64> = self
            .block_sums
            .iter()
            .map(|s| {
                running += s;
                running
            })
            .collect();
        let potential = running;
        self.candidate_rows.clear();
        for _ in 0..self.trials {
            let target = uniform(&mut self.rng) * potential;
            let id = if potential > 0.0 { self.locate(data, &cumulative, target, known) } else { uniform_index(&mut self.rng, self.n) };
            self.candidate_rows.push(id);
        }
        let candidates = self.candidate_rows.iter().flat_map(|&id| row(data, self.d, id).iter().copied()).collect();
        Some(Trial { chosen, candidates })
    }

    /// The row where the running potential first reaches `target` (0 < target <
    /// potential): its block by the blocks' running sums, then its row by the running sum
    /// inside the block, from what the blocks before it hold. Rounding may leave no row
    /// of the block reaching it: then its last row with a potential.
    fn locate(&self, data: &[f64], cumulative: &[f64], target: f64, known: Option<&[f64]>) -> usize {
        let last_block = self.block_sums.iter().rposition(|&s| s > 0.0).unwrap_or(0);
        let block = cumulative.partition_point(|&c| c < target).min(last_block);
        let before = if block == 0 { 0.0 } else { cumulative.get(block - 1).copied().unwrap_or(0.0) };
        let local = target - before;
        let first_row = block * BLOCK_ROWS;
        let rows = data.get(first_row * self.d..((first_row + BLOCK_ROWS).min(self.n)) * self.d).unwrap_or(&[]);
        let (mut running, mut last_positive) = (0.0, 0);
        let newest = self.centers.chunks_exact(self.d).last().unwrap_or(&[]);
        let known = known.and_then(|k| k.get(first_row..first_row + rows.len() / self.d));
        for (i, x) in rows.chunks_exact(self.d).enumerate() {
            // The shards' value for this row: the least distance to a centre, exact.
            let closest = match known.and_then(|k| k.get(i)) {
                Some(&before) => least(before, squared_distance(x, newest)),
                None => self.centers.chunks_exact(self.d).map(|c| squared_distance(x, c)).fold(f64::INFINITY, least),
            };
            running += closest;
            if closest > 0.0 {
                last_positive = i;
            }
            if running >= local {
                return first_row + i;
            }
        }
        first_row + last_positive
    }
}

/// The rows of one shard (whole blocks), the side that measures: each row's squared
/// distance to the nearest centre drawn so far.
#[derive(Debug, Clone, Default)]
pub struct PlusPlusShard {
    d: usize,
    closest: Vec<f64>,
    candidates: Vec<f64>,
}

impl PlusPlusShard {
    pub fn new(d: usize) -> Self {
        Self { d: d.max(1), closest: Vec::new(), candidates: Vec::new() }
    }

    /// Each row's distance to the nearest centre so far (but the last trial's chosen
    /// candidate, taken at the next trial).
    pub fn closest(&self) -> &[f64] {
        &self.closest
    }

    /// A run's first centre: each row's distance to it. Answers each block's potential.
    pub fn start(&mut self, rows: &[f64], first: &[f64]) -> Vec<f64> {
        self.closest.clear();
        self.closest.extend(rows.chunks_exact(self.d).map(|x| squared_distance(x, first)));
        self.candidates.clear();
        self.closest.chunks(BLOCK_ROWS).map(|block| block.iter().sum()).collect()
    }

    /// Takes candidate `chosen` of the last trial as a centre, then answers each block's
    /// potential under each of `candidates` (`t × d`): `blocks × t`, one pass over the rows.
    pub fn trial(&mut self, rows: &[f64], chosen: Option<usize>, candidates: &[f64]) -> Vec<f64> {
        let d = self.d;
        let chosen = chosen.and_then(|c| self.candidates.get(c * d..(c + 1) * d)).map(<[f64]>::to_vec);
        let t = candidates.len() / d;
        let mut sums = Vec::with_capacity(self.closest.len().div_ceil(BLOCK_ROWS) * t);
        dispatch_dim!(d, trial_rows, (rows, d, &mut self.closest, chosen.as_deref(), candidates, &mut sums));
        self.candidates = candidates.to_vec();
        sums
    }
}

/// [`PlusPlusShard::trial`]'s pass; `D` as in the iteration kernels.
fn trial_rows<const D: usize>(
    rows: &[f64],
    d: usize,
    closest: &mut [f64],
    chosen: Option<&[f64]>,
    candidates: &[f64],
    sums: &mut Vec<f64>,
) {
    let d = if D == 0 { d } else { D };
    let t = candidates.len() / d;
    let mut block_sums = vec![0.0; t];
    for (block_rows, block_closest) in rows.chunks(BLOCK_ROWS * d).zip(closest.chunks_mut(BLOCK_ROWS)) {
        block_sums.iter_mut().for_each(|s| *s = 0.0);
        for (x, best_so_far) in block_rows.chunks_exact(d).zip(block_closest.iter_mut()) {
            if let Some(c) = chosen {
                *best_so_far = least(*best_so_far, squared_distance(x, c));
            }
            for (s, candidate) in block_sums.iter_mut().zip(candidates.chunks_exact(d)) {
                *s += least(squared_distance(x, candidate), *best_so_far);
            }
        }
        sums.extend_from_slice(&block_sums);
    }
}

fn row(data: &[f64], d: usize, i: usize) -> &[f64] {
    data.get(i * d..(i + 1) * d).unwrap_or(&[])
}

/// `k` distinct rows drawn uniformly (a partial Fisher–Yates shuffle of the row indices),
/// as scikit-learn's `init="random"`. Rows may repeat in value; an empty cluster is then
/// relocated by the first update.
pub(crate) fn random_rows(data: &[f64], d: usize, k: usize, rng: &mut impl RngCore) -> Vec<f64> {
    let n = data.len() / d;
    let mut order: Vec<usize> = (0..n).collect();
    let mut centers = Vec::with_capacity(k * d);
    for i in 0..k.min(n) {
        let j = i + uniform_index(rng, n - i);
        order.swap(i, j);
        let id = order.get(i).copied().unwrap_or(0);
        centers.extend_from_slice(data.get(id * d..(id + 1) * d).unwrap_or(&[]));
    }
    centers
}

#[cfg(test)]
mod tests {
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// Greedy k-means++ as written plainly (every distance computed, sums in row order):
    /// on one block the draw by blocks must give its bits.
    fn plain(data: &[f64], d: usize, k: usize, rng: &mut impl RngCore) -> Vec<f64> {
        let n = data.len() / d;
        let mut centers = row(data, d, uniform_index(rng, n)).to_vec();
        let mut closest: Vec<f64> = data.chunks_exact(d).map(|x| squared_distance(x, &centers)).collect();
        let mut potential: f64 = closest.iter().sum();
        while centers.len() < k * d {
            let cumulative: Vec<f64> = closest
                .iter()
                .scan(0.0, |running, v| {
                    *running += v;
                    Some(*running)
                })
                .collect();
            let candidates: Vec<usize> = (0..local_trials(k))
                .map(|_| {
                    let target = uniform(rng) * potential;
                    if potential > 0.0 {
                        cumulative.partition_point(|&c| c < target).min(n - 1)
                    } else {
                        uniform_index(rng, n)
                    }
                })
                .collect();
            let potentials: Vec<f64> = candidates
                .iter()
                .map(|&id| data.chunks_exact(d).zip(&closest).map(|(x, &b)| squared_distance(x, row(data, d, id)).min(b)).sum())
                .collect();
            let best = (0..potentials.len()).fold(0, |b, i| if potentials[i] < potentials[b] { i } else { b });
            potential = potentials[best];
            let chosen = row(data, d, candidates[best]).to_vec();
            for (x, c) in data.chunks_exact(d).zip(closest.iter_mut()) {
                *c = c.min(squared_distance(x, &chosen));
            }
            centers.extend_from_slice(&chosen);
        }
        centers
    }

    #[test]
    fn on_one_block_the_draw_is_plain_k_means_plus_plus_bit_for_bit() {
        let mut noise = ChaCha8Rng::seed_from_u64(99);
        let mut next = move || uniform(&mut noise);
        for (d, n) in [(1, 500), (2, 3_000), (3, 8_192), (8, 5_000), (17, 700)] {
            // Groups of rows around a few points, with repeated rows.
            let data: Vec<f64> = (0..n * d).map(|i| ((i / d) % 7) as f64 * 3.0 + if i % 11 == 0 { 0.0 } else { next() }).collect();
            for (k, seed) in [(2, 1), (5, 2), (9, 3), (16, 4)] {
                let ours = kmeans_plusplus(&data, d, k, &mut ChaCha8Rng::seed_from_u64(seed));
                let theirs = plain(&data, d, k, &mut ChaCha8Rng::seed_from_u64(seed));
                assert_eq!(ours, theirs, "d = {d}, n = {n}, k = {k}");
            }
        }
    }

    /// The draw finds the one row with a potential wherever it lies among the blocks.
    #[test]
    fn a_lone_far_row_in_a_later_block_is_drawn() {
        for far in [0, BLOCK_ROWS - 1, BLOCK_ROWS, 2 * BLOCK_ROWS + 17, 3 * BLOCK_ROWS - 1] {
            let mut data = vec![0.0; 3 * BLOCK_ROWS];
            data[far] = 5.0;
            for seed in 0..4 {
                let centers = kmeans_plusplus(&data, 1, 2, &mut ChaCha8Rng::seed_from_u64(seed));
                let mut sorted = centers.clone();
                sorted.sort_by(f64::total_cmp);
                assert_eq!(sorted, [0.0, 5.0], "far row {far}, seed {seed}");
            }
        }
    }
}
