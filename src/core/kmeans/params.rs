//! K-Means parameters with documented defaults, checked once into [`ValidParams`].

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The seed used when the user gives none: results are reproducible by default.
pub const DEFAULT_SEED: u64 = 42;

/// How the iterations find each row's nearest centre. All give the same labels, centres
/// and iteration count from the same initial centres; they differ only in speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Algorithm {
    /// Hamerly's bounds while they pay, Lloyd's step once they do not, chosen by the data
    /// in each run: an iteration that must still scan more than a third of the rows in
    /// full (overlapping groups, where Lloyd's branch-free loop is faster) hands the rest
    /// of the run to Lloyd's step. Well-separated groups keep the bounds, which skip most
    /// distances once the centres settle. The choice reads counts, not clocks, so it is
    /// the same on every machine, and either step gives the same labels.
    #[default]
    Auto,
    /// Every row against every centre, every iteration (scikit-learn's `"lloyd"`).
    Lloyd,
    /// Hamerly (2010): an upper bound to the own centre and one lower bound to all others
    /// per row skip most distance computations once centres settle. Exact: ties and
    /// rounding are resolved as Lloyd's.
    Hamerly,
}

impl Algorithm {
    /// Whether Hamerly's bounds are kept per row (for the memory estimate).
    pub fn keeps_bounds(self) -> bool {
        matches!(self, Algorithm::Auto | Algorithm::Hamerly)
    }
}

/// How each run picks its initial centres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Init {
    /// Greedy k-means++ with 2 + ⌊ln k⌋ candidates per centre (scikit-learn's default).
    #[default]
    KMeansPlusPlus,
    /// k distinct rows drawn uniformly (scikit-learn's `init="random"`).
    Random,
}

/// What the user (or the page) asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeansParams {
    /// Number of clusters, k ≥ 1.
    pub n_clusters: usize,
    /// Independent k-means++ runs; the one with the lowest inertia is kept. Default 10.
    pub n_runs: usize,
    /// Lloyd iterations per run at most. Default 300 (scikit-learn's).
    pub max_iterations: usize,
    /// Convergence threshold on the squared centre shift, relative to the mean feature
    /// variance (scikit-learn's `tol`). Default 1e-4.
    pub tolerance: f64,
    /// Seed of the random stream (ChaCha8). Default [`DEFAULT_SEED`].
    pub seed: u64,
    /// Iteration kernel. Default [`Algorithm::Auto`].
    #[serde(default)]
    pub algorithm: Algorithm,
    /// Initial centres. Default [`Init::KMeansPlusPlus`].
    #[serde(default)]
    pub init: Init,
}

impl KMeansParams {
    /// Defaults for `n_clusters` clusters.
    pub fn new(n_clusters: usize) -> Self {
        Self {
            n_clusters,
            n_runs: 10,
            max_iterations: 300,
            tolerance: 1e-4,
            seed: DEFAULT_SEED,
            algorithm: Algorithm::Auto,
            init: Init::KMeansPlusPlus,
        }
    }

    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    pub fn n_runs(mut self, n_runs: usize) -> Self {
        self.n_runs = n_runs;
        self
    }

    pub fn max_iterations(mut self, max_iterations: usize) -> Self {
        self.max_iterations = max_iterations;
        self
    }

    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Turns raw parameters into valid ones, or says which field is wrong.
    pub fn check(&self) -> Result<ValidParams, KMeansError> {
        if self.n_clusters == 0 {
            return Err(KMeansError::InvalidClusters(self.n_clusters));
        }
        if self.n_runs == 0 {
            return Err(KMeansError::InvalidRuns(self.n_runs));
        }
        if self.max_iterations == 0 {
            return Err(KMeansError::InvalidIterations(self.max_iterations));
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            return Err(KMeansError::InvalidTolerance(self.tolerance));
        }
        Ok(ValidParams {
            n_clusters: self.n_clusters,
            n_runs: self.n_runs,
            max_iterations: self.max_iterations,
            tolerance: self.tolerance,
            seed: self.seed,
            algorithm: self.algorithm,
            init: self.init,
        })
    }
}

/// Parameters that passed [`KMeansParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidParams {
    pub n_clusters: usize,
    pub n_runs: usize,
    pub max_iterations: usize,
    pub tolerance: f64,
    pub seed: u64,
    pub algorithm: Algorithm,
    pub init: Init,
}

/// Why a fit could not be made. One variant per invalid field, then the data checks.
#[derive(Debug, Error, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum KMeansError {
    #[error("the number of segments must be at least 1 (got {0})")]
    InvalidClusters(usize),
    #[error("the number of runs must be at least 1 (got {0})")]
    InvalidRuns(usize),
    #[error("the number of iterations must be at least 1 (got {0})")]
    InvalidIterations(usize),
    #[error("the tolerance must be a non-negative number (got {0})")]
    InvalidTolerance(f64),
    #[error("k = {n_clusters} is more than the {n_rows} rows that can be clustered: choose k ≤ {n_rows}")]
    TooFewRows { n_clusters: usize, n_rows: usize },
    #[error("k = {n_clusters} but the rows hold only {distinct} different points: choose k ≤ {distinct}")]
    TooFewDistinctRows { n_clusters: usize, distinct: usize },
    #[error("the matrix has {len} values, not a whole number of rows of {n_features} features")]
    BadShape { len: usize, n_features: usize },
    #[error("the matrix holds a value that is not a finite number")]
    NonFinite,
    #[error("the fit was cancelled")]
    Cancelled,
}
