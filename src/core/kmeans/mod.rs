//! Our K-Means: greedy k-means++ initialisation, Lloyd iterations, several seeded runs
//! keeping the best inertia. Follows scikit-learn's `KMeans` step for step (centred data,
//! tolerance relative to the mean feature variance, empty clusters relocated to the
//! farthest points, a final assignment so labels match the centres), so the two agree on
//! the same data; the random stream is our own (ChaCha8), identical natively and in wasm.
//!
//! Layout: [`params`] validates parameters once, `init` seeds centres, `lloyd` owns the
//! iteration loop and Lloyd's assignment step, `hamerly` the accelerated (and exact)
//! assignment step. Distance loops are compiled once per row width 1..=16 so they unroll.

mod hamerly;
pub mod init;
mod lloyd;
pub mod params;
pub mod shard;

use std::collections::HashSet;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub(crate) use lloyd::nearest;
pub use lloyd::BLOCK_ROWS;
pub use params::{Algorithm, Init, KMeansError, KMeansParams, ValidParams};

/// Calls `$f::<D>(args)` with `D` the row width when it is 1..=16 (so distance loops unroll
/// and vectorise), else `$f::<0>(args)`, which reads the width at run time.
macro_rules! dispatch_dim {
    ($d:expr, $f:ident, ($($arg:expr),* $(,)?)) => {
        match $d {
            1 => $f::<1>($($arg),*),
            2 => $f::<2>($($arg),*),
            3 => $f::<3>($($arg),*),
            4 => $f::<4>($($arg),*),
            5 => $f::<5>($($arg),*),
            6 => $f::<6>($($arg),*),
            7 => $f::<7>($($arg),*),
            8 => $f::<8>($($arg),*),
            9 => $f::<9>($($arg),*),
            10 => $f::<10>($($arg),*),
            11 => $f::<11>($($arg),*),
            12 => $f::<12>($($arg),*),
            13 => $f::<13>($($arg),*),
            14 => $f::<14>($($arg),*),
            15 => $f::<15>($($arg),*),
            16 => $f::<16>($($arg),*),
            _ => $f::<0>($($arg),*),
        }
    };
}
pub(crate) use dispatch_dim;

/// Where a fit is, told to the progress hook after every iteration of every run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitProgress {
    /// The run under way, 0-based, of `n_runs`.
    pub run: usize,
    pub n_runs: usize,
    /// Iterations done in this run (0 right after the initial centres are chosen).
    pub iteration: usize,
    pub max_iterations: usize,
    /// Total squared centre shift of the last iteration (0 at iteration 0), in the units
    /// of the centred data.
    pub center_shift: f64,
}

/// The outcome of a fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeansFit {
    /// `n_clusters × n_features` centres, row-major, in the units of the data given to `fit`.
    pub centers: Vec<f64>,
    /// Cluster of each row, `0..n_clusters`.
    pub labels: Vec<usize>,
    /// Sum of squared distances of rows to their centre.
    pub inertia: f64,
    /// Iterations of the best run.
    pub n_iterations: usize,
    /// The iteration step that ended the best run (never [`Algorithm::Auto`]).
    pub algorithm: Algorithm,
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
    fit_with_progress(data, n_features, params, &mut |_| true)
}

/// [`fit`], telling `progress` where it is after the initial centres and every iteration
/// of every run; when `progress` returns `false` the fit stops with
/// [`KMeansError::Cancelled`].
pub fn fit_with_progress(
    data: &[f64],
    n_features: usize,
    params: &KMeansParams,
    progress: &mut dyn FnMut(FitProgress) -> bool,
) -> Result<KMeansFit, KMeansError> {
    let prepared = Prepared::new(data, n_features, params)?;
    let best = prepared.best_run(progress)?;
    Ok(prepared.finish(best))
}

/// One run of a fit ([`Prepared::run`]): its centres in the centred units, labels, inertia.
/// Runs are independent: any worker can compute any of them, and [`better_run`] keeps the
/// same one whatever the order they come back in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    /// Which run, `0..n_runs`.
    pub run: usize,
    /// `k × d`, in the units of the centred data.
    #[serde(with = "crate::core::packed::f64s")]
    pub centers: Vec<f64>,
    #[serde(with = "crate::core::packed::indices")]
    pub labels: Vec<usize>,
    pub inertia: f64,
    pub n_iterations: usize,
    /// The step that ended the run (never [`Algorithm::Auto`]).
    pub algorithm: Algorithm,
}

/// Keeps in `best` the better of it and `run` ([`better_run`]).
pub fn keep_better(best: &mut Option<RunOutcome>, run: RunOutcome) {
    *best = Some(match best.take() {
        Some(b) => better_run(b, run),
        None => run,
    });
}

/// The better of two runs: the lower inertia, the lower run index on a tie (as the
/// sequential loop keeps the first of equal runs).
pub fn better_run(a: RunOutcome, b: RunOutcome) -> RunOutcome {
    match a.inertia.total_cmp(&b.inertia) {
        std::cmp::Ordering::Less => a,
        std::cmp::Ordering::Greater => b,
        std::cmp::Ordering::Equal if a.run <= b.run => a,
        std::cmp::Ordering::Equal => b,
    }
}

/// A fit's shared part: checked parameters and data, centred as scikit-learn does, the
/// tolerance. Each run starts from its own place in the seeded random stream
/// ([`Prepared::run`]), so run `r` is the same whether runs `0..r` were computed here,
/// elsewhere, or not at all.
#[derive(Debug, Clone)]
pub struct Prepared {
    valid: ValidParams,
    centred: Vec<f64>,
    means: Vec<f64>,
    n_features: usize,
    n_rows: usize,
    tolerance: f64,
}

/// What one worker reuses across its runs: every row as one shard.
pub struct Workspace {
    shard: shard::Shard,
}

impl Prepared {
    /// Checks the parameters and the data (shape, finite values, enough distinct rows)
    /// and centres it.
    pub fn new(data: &[f64], n_features: usize, params: &KMeansParams) -> Result<Self, KMeansError> {
        Ok(Self::checked(data, n_features, params)?.with_data(data))
    }

    /// [`Prepared::new`] of a matrix it may keep: centred in place, no copy (a helper
    /// worker's fit holds the matrix once).
    pub fn new_owned(mut data: Vec<f64>, n_features: usize, params: &KMeansParams) -> Result<Self, KMeansError> {
        let mut prepared = Self::checked(&data, n_features, params)?;
        centre_in_place(&mut data, &prepared.means);
        prepared.centred = data;
        Ok(prepared)
    }

    /// The column means the rows are centred by.
    pub fn means(&self) -> &[f64] {
        &self.means
    }

    /// The checks and the means of [`Prepared::new`] without the centred copy: enough to
    /// [`Prepared::finish`] runs made elsewhere (the engine worker, whose helpers fit), not
    /// to make one ([`Prepared::run`] then says the data is missing).
    pub fn without_data(data: &[f64], n_features: usize, params: &KMeansParams) -> Result<Self, KMeansError> {
        Self::checked(data, n_features, params)
    }

    /// The checks, the means and the tolerance; `centred` left empty.
    fn checked(data: &[f64], n_features: usize, params: &KMeansParams) -> Result<Self, KMeansError> {
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
        let tolerance = valid.tolerance * mean_variance(data, &means, n_features);
        Ok(Self { valid, centred: Vec::new(), means, n_features, n_rows, tolerance })
    }

    pub fn n_runs(&self) -> usize {
        self.valid.n_runs
    }

    /// Features per row.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// [`Prepared::without_data`] given the same `data` back, centred: ready to make runs
    /// (a copy; the checks are not made again).
    pub fn with_data(mut self, data: &[f64]) -> Self {
        self.centred = self.centre(data);
        self
    }

    pub fn workspace(&self) -> Workspace {
        let (n, d, k) = (self.n_rows, self.n_features, self.valid.n_clusters);
        Workspace { shard: shard::Shard::new(0, n, d, k, self.valid.algorithm) }
    }

    /// Random draws one run's initial centres take: k-means++ draws once for the first
    /// centre, then once per local trial for each other centre (whatever the data); random
    /// rows draw once per centre.
    fn draws_per_run(&self) -> u128 {
        let k = self.valid.n_clusters;
        match self.valid.init {
            Init::KMeansPlusPlus => 1 + (k as u128 - 1) * init::local_trials(k) as u128,
            Init::Random => k.min(self.n_rows) as u128,
        }
    }

    /// Run `run_index`: initial centres from the run's own place in the seed's stream
    /// ([`Prepared::initial_centers`]), then the iterations to convergence.
    pub fn run(
        &self,
        run_index: usize,
        workspace: &mut Workspace,
        progress: &mut dyn FnMut(FitProgress) -> bool,
    ) -> Result<RunOutcome, KMeansError> {
        let initial = self.initial_centers(run_index)?;
        self.run_from(run_index, initial, workspace, progress)
    }

    /// Run `run_index` from the centres `initial` (`k × d`, in the centred units; see
    /// [`Prepared::centre`]) to convergence.
    pub fn run_from(
        &self,
        run_index: usize,
        initial: Vec<f64>,
        workspace: &mut Workspace,
        progress: &mut dyn FnMut(FitProgress) -> bool,
    ) -> Result<RunOutcome, KMeansError> {
        let (d, k) = (self.n_features, self.valid.n_clusters);
        if self.centred.len() != self.n_rows * d || initial.len() != k * d {
            return Err(KMeansError::BadShape { len: initial.len(), n_features: d });
        }
        let (n_runs, max_iterations) = (self.valid.n_runs, self.valid.max_iterations);
        let at = |iteration, center_shift| FitProgress { run: run_index, n_runs, iteration, max_iterations, center_shift };
        if !progress(at(0, 0.0)) {
            return Err(KMeansError::Cancelled);
        }
        workspace.shard.reset();
        let mut on_iteration = |iteration, shift| progress(at(iteration, shift));
        let run = shard::drive(self.iterations(initial), &mut [(&self.centred, &mut workspace.shard)], &mut on_iteration)
            .ok_or(KMeansError::Cancelled)?;
        Ok(self.outcome(run_index, run))
    }

    /// Run `run_index`'s initial centres: from the run's own place in the seed's stream
    /// (each draw takes two 32-bit words of ChaCha8), in the centred units.
    pub fn initial_centers(&self, run_index: usize) -> Result<Vec<f64>, KMeansError> {
        let (d, k) = (self.n_features, self.valid.n_clusters);
        if self.centred.len() != self.n_rows * d {
            return Err(KMeansError::BadShape { len: self.centred.len(), n_features: d });
        }
        let mut rng = self.run_stream(run_index);
        Ok(match self.valid.init {
            Init::KMeansPlusPlus => init::kmeans_plusplus(&self.centred, d, k, &mut rng),
            Init::Random => init::random_rows(&self.centred, d, k, &mut rng),
        })
    }

    /// Run `run_index`'s k-means++ draw, for rows held in shards: the drawing side and
    /// the first centre ([`init::PlusPlus`]). `None` when the fit starts from random rows
    /// (then [`Prepared::initial_centers`], a cheap draw).
    pub fn plus_plus(&self, run_index: usize) -> Option<(init::PlusPlus<ChaCha8Rng>, Vec<f64>)> {
        match self.valid.init {
            Init::KMeansPlusPlus if self.centred.len() == self.n_rows * self.n_features => {
                Some(init::PlusPlus::new(&self.centred, self.n_features, self.valid.n_clusters, self.run_stream(run_index)))
            }
            _ => None,
        }
    }

    /// The seed's stream at run `run_index`'s place (each draw takes two 32-bit words).
    fn run_stream(&self, run_index: usize) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.valid.seed);
        rng.set_word_pos(2 * self.draws_per_run() * run_index as u128);
        rng
    }

    /// Rows or centres in the data's units (row-major) in this fit's centred units, as
    /// every fit's rows are centred ([`centre_in_place`]); a partial last row is dropped.
    pub fn centre(&self, rows: &[f64]) -> Vec<f64> {
        let d = self.n_features.max(1);
        let mut centred = rows.get(..rows.len() - rows.len() % d).unwrap_or(&[]).to_vec();
        centre_in_place(&mut centred, &self.means);
        centred
    }

    /// Centres in this fit's centred units (`k × d`) back in the data's units.
    pub fn uncentre(&self, centers: &[f64]) -> Vec<f64> {
        let d = self.n_features.max(1);
        centers.chunks_exact(d).flat_map(|c| c.iter().zip(&self.means).map(|(v, m)| v + m)).collect()
    }

    /// Every row, centred (empty when made [`Prepared::without_data`]).
    pub fn centred(&self) -> &[f64] {
        &self.centred
    }

    /// The iterations of a run from `initial` centres, for shards of this fit's rows.
    pub fn iterations(&self, initial: Vec<f64>) -> shard::Iterations {
        let v = &self.valid;
        shard::Iterations::new(initial, self.n_features, self.n_rows, v.max_iterations, self.tolerance, v.algorithm)
    }

    /// A shard of rows `rows` of this fit (whole blocks, [`shard::shard_ranges`]).
    pub fn shard(&self, rows: std::ops::Range<usize>) -> shard::Shard {
        shard::Shard::new(rows.start, rows.len(), self.n_features, self.valid.n_clusters, self.valid.algorithm)
    }

    /// Rows in the fit.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// The centred rows `rows` (a shard's data), row-major.
    pub fn centred_rows(&self, rows: std::ops::Range<usize>) -> &[f64] {
        let d = self.n_features;
        self.centred.get(rows.start * d..rows.end * d).unwrap_or(&[])
    }

    /// Run `run_index` as it ended ([`shard::drive`], or the pool's shards).
    pub fn outcome(&self, run_index: usize, run: shard::Run) -> RunOutcome {
        let algorithm = match self.valid.algorithm {
            Algorithm::Auto if run.gave_up => Algorithm::Lloyd,
            Algorithm::Auto => Algorithm::Hamerly,
            other => other,
        };
        RunOutcome {
            algorithm,
            run: run_index,
            centers: run.centers,
            labels: run.labels,
            inertia: run.inertia,
            n_iterations: run.n_iterations,
        }
    }

    /// Every run here, in order; the best ([`better_run`]).
    pub fn best_run(&self, progress: &mut dyn FnMut(FitProgress) -> bool) -> Result<RunOutcome, KMeansError> {
        let mut workspace = self.workspace();
        let mut best = None;
        for run in 0..self.n_runs() {
            keep_better(&mut best, self.run(run, &mut workspace, progress)?);
        }
        best.ok_or(KMeansError::InvalidRuns(0))
    }

    /// The fit made of the best run (centres back in the data's units).
    pub fn finish(&self, best: RunOutcome) -> KMeansFit {
        let (d, k) = (self.n_features, self.valid.n_clusters);
        let centers = self.uncentre(&best.centers);
        let mut fit = KMeansFit {
            centers,
            labels: best.labels,
            inertia: best.inertia,
            n_iterations: best.n_iterations,
            algorithm: best.algorithm,
            n_clusters: k,
            n_features: d,
            warnings: Vec::new(),
        };
        let found = fit.cluster_sizes().iter().filter(|&&s| s > 0).count();
        if found < k {
            fit.warnings.push(format!(
                "only {found} distinct clusters were found though {k} were asked for: the data may have fewer natural groups"
            ));
        }
        fit
    }
}

/// Each row's nearest centre (the first on a tie) and the sum of squared distances to it:
/// a fit's centres applied to rows it did not see (`centers` is `k × d`, row-major).
pub fn predict(data: &[f64], d: usize, centers: &[f64]) -> (Vec<usize>, f64) {
    let d = d.max(1);
    let mut inertia = 0.0;
    let labels = data
        .chunks_exact(d)
        .map(|x| {
            let (best, distance, _) = nearest(x, centers, d);
            inertia += distance;
            best
        })
        .collect();
    (labels, inertia)
}

/// Squared Euclidean distance, summed in two interleaved lanes (even and odd coordinates)
/// added at the end. The order is fixed, so results are the same natively and in wasm,
/// and it maps onto one `f64x2` register (SSE2, wasm simd128) once the width is known.
/// Rows wider than [`WIDE_ROW`] sum in eight lanes instead ([`squared_distance_wide`]):
/// one dependent chain of adds would leave most of the machine idle on long rows.
#[inline(always)]
pub fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    if a.len() > WIDE_ROW {
        return squared_distance_wide(a, b);
    }
    let (mut even, mut odd) = (0.0, 0.0);
    let (pairs_a, pairs_b) = (a.chunks_exact(2), b.chunks_exact(2));
    let (rest_a, rest_b) = (pairs_a.remainder(), pairs_b.remainder());
    for (p, q) in pairs_a.zip(pairs_b) {
        if let ([p0, p1], [q0, q1]) = (p, q) {
            let (d0, d1) = (p0 - q0, p1 - q1);
            even += d0 * d0;
            odd += d1 * d1;
        }
    }
    if let ([p0], [q0]) = (rest_a, rest_b) {
        let d0 = p0 - q0;
        even += d0 * d0;
    }
    even + odd
}

/// The lesser of two squared distances. `f64::min` has a NaN rule that wasm's `f64.min`
/// does not share, so in wasm it is a call to `fmin` for each pair: in the hot loops
/// (k-means++ trials, the nearest centre) that call took a tenth of the helpers' time. A
/// comparison compiles to a select. Equal to `a.min(b)` whenever `b` is not NaN; the
/// distances here never are (the features are finite).
#[inline(always)]
pub fn least(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}

/// The greater of two distances, as [`least`] (equal to `a.max(b)` whenever `b` is not NaN).
#[inline(always)]
pub fn greatest(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

/// Rows up to this width use the two-lane sum (the widths `dispatch_dim!` compiles).
pub const WIDE_ROW: usize = 16;

/// Squared Euclidean distance in eight lanes (coordinate i into lane i mod 8, the tail
/// into the first lanes), added pairwise at the end: a fixed order, four independent
/// `f64x2` chains.
#[inline(never)]
pub fn squared_distance_wide(a: &[f64], b: &[f64]) -> f64 {
    let mut lanes = [0.0f64; 8];
    let (blocks_a, blocks_b) = (a.chunks_exact(8), b.chunks_exact(8));
    let (rest_a, rest_b) = (blocks_a.remainder(), blocks_b.remainder());
    for (p, q) in blocks_a.zip(blocks_b) {
        for ((l, x), y) in lanes.iter_mut().zip(p).zip(q) {
            let t = x - y;
            *l += t * t;
        }
    }
    for ((l, x), y) in lanes.iter_mut().zip(rest_a).zip(rest_b) {
        let t = x - y;
        *l += t * t;
    }
    let [l0, l1, l2, l3, l4, l5, l6, l7] = lanes;
    ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))
}

/// Rows (row-major, `means.len()` features) centred in place: each value less its column's
/// mean, the one centring every fit's rows get (a helper centring its shard makes the same
/// bits as the engine would).
pub fn centre_in_place(rows: &mut [f64], means: &[f64]) {
    if means.is_empty() {
        return;
    }
    for row in rows.chunks_exact_mut(means.len()) {
        for (v, m) in row.iter_mut().zip(means) {
            *v -= m;
        }
    }
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

/// Mean over features of each feature's (population) variance, from the rows and their
/// column `means` (summed in the order the centred values would be: the same bits).
fn mean_variance(data: &[f64], means: &[f64], d: usize) -> f64 {
    let n = (data.len() / d).max(1) as f64;
    let total: f64 = data.chunks_exact(d).flat_map(|row| row.iter().zip(means).map(|(v, m)| (v - m) * (v - m))).sum();
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
