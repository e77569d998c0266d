//! Is each segment real? Bootstrap stability per segment, as fpc's `clusterboot` measures
//! it (Hennig 2007).
//!
//! The clustering to judge gives every row a segment. A seeded sample `S` of at most
//! [`StabilityOptions::max_rows`] rows stands for the data (all rows when there are fewer).
//! For each of `B` resamples, `m = |S|` rows are drawn from `S` with replacement and K-Means
//! (same k, k-means++, [`StabilityOptions::n_runs`] runs) is fitted to them; the distinct
//! rows drawn get the new fit's segments (their nearest new centre). Each original segment,
//! restricted to those rows, is matched to the new segment with the largest Jaccard
//! similarity `|A ∩ B| / |A ∪ B|`. A segment's stability is the mean of its B best
//! Jaccards; a resample in which it has no row is left out of its mean.
//!
//! Words, after Hennig's reading of `clusterboot` ([`StabilityLevel`]): ≥ 0.85 highly
//! stable, 0.75–0.85 stable, 0.6–0.75 a pattern rather than a group, < 0.6 do not rely
//! on it.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::kmeans::init::uniform_index;
use super::kmeans::{fit, nearest, KMeansError, KMeansParams};
use super::resample::sample_row_indices;

/// How many resamples, of how many rows, fitted how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StabilityOptions {
    /// Bootstrap resamples, B.
    pub resamples: usize,
    /// Rows of the seeded sample the resamples are drawn from, at most.
    pub max_rows: usize,
    /// K-Means runs per resample (the best kept).
    pub n_runs: usize,
    pub seed: u64,
}

/// Resamples by default: a mean Jaccard to about ±0.03 on a segment whose matches vary by
/// 0.15 (sd / √B), few enough for the page to run it on every fit (the sweep, which runs it
/// for every k, uses [`crate::core::k_selection::SWEEP_RESAMPLES`]).
pub const DEFAULT_RESAMPLES: usize = 20;

/// Rows resampled by default (see [`StabilityOptions::max_rows`]): a segment of 2% is 100
/// rows of it, enough for its Jaccard to mean something.
pub const DEFAULT_MAX_ROWS: usize = 5_000;

/// The fewest rows resampled for wide rows ([`StabilityOptions::for_width`]).
const WIDE_MIN_ROWS: usize = 1_000;
// `for_width` clamps between the two: `clamp` panics if they are ever reversed.
const _: () = assert!(WIDE_MIN_ROWS <= DEFAULT_MAX_ROWS);

/// K-Means runs per resample by default: one run can land in a poor local minimum, and
/// that would be charged to the segments as instability.
pub const DEFAULT_RUNS: usize = 3;

impl Default for StabilityOptions {
    fn default() -> Self {
        Self { resamples: DEFAULT_RESAMPLES, max_rows: DEFAULT_MAX_ROWS, n_runs: DEFAULT_RUNS, seed: 0 }
    }
}

impl StabilityOptions {
    /// The defaults with their work bounded for wide rows (a fit costs rows × features):
    /// beyond 16 features the rows shrink as 16 / features, down to 1,000.
    pub fn for_width(d: usize, seed: u64) -> Self {
        let rows = (DEFAULT_MAX_ROWS.saturating_mul(16) / d.max(16)).clamp(WIDE_MIN_ROWS, DEFAULT_MAX_ROWS);
        Self { max_rows: rows, seed, ..Self::default() }
    }
}

/// Each segment's stability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stability {
    /// Mean best Jaccard per segment, 0..=1 (`None` for a segment with no row in the sample).
    pub jaccard: Vec<Option<f64>>,
    /// Resamples in which each segment's best Jaccard was at most 0.5 ("dissolved", as
    /// `clusterboot` counts them).
    pub dissolved: Vec<usize>,
    /// Resamples fitted (one that drew fewer distinct rows than k is skipped).
    pub resamples: usize,
    /// Rows of the sample the resamples were drawn from.
    pub sample_rows: usize,
    /// Rows of the data.
    pub total_rows: usize,
    pub n_runs: usize,
}

impl Stability {
    /// The mean of the segments' stabilities (each segment counts once, as in the k table).
    pub fn mean(&self) -> Option<f64> {
        let values: Vec<f64> = self.jaccard.iter().flatten().copied().collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    }

    /// The least stable segment's stability.
    pub fn min(&self) -> Option<f64> {
        self.jaccard.iter().flatten().copied().reduce(f64::min)
    }

    /// What was run, in one sentence: "10 bootstrap resamples of 5,000 rows (3 runs each)".
    pub fn basis(&self) -> String {
        let rows = if self.sample_rows < self.total_rows {
            format!("a seeded sample of {} of the {} rows", grouped(self.sample_rows), grouped(self.total_rows))
        } else {
            format!("all {} rows", grouped(self.total_rows))
        };
        let runs = if self.n_runs == 1 { "1 run".to_owned() } else { format!("{} runs", self.n_runs) };
        format!("{} bootstrap resamples of {rows}, K-Means refitted on each ({runs})", self.resamples)
    }
}

/// `1234567` → `"1,234,567"`.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The words for a stability, in four bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StabilityLevel {
    /// ≥ 0.85.
    HighlyStable,
    /// 0.75 to 0.85.
    Stable,
    /// 0.6 to 0.75.
    Pattern,
    /// Below 0.6.
    Unreliable,
}

impl StabilityLevel {
    pub fn of(jaccard: f64) -> Self {
        if jaccard >= 0.85 {
            Self::HighlyStable
        } else if jaccard >= 0.75 {
            Self::Stable
        } else if jaccard >= 0.6 {
            Self::Pattern
        } else {
            Self::Unreliable
        }
    }

    /// "highly stable", "stable", "a pattern rather than a group", "do not rely on it".
    pub fn words(self) -> &'static str {
        match self {
            Self::HighlyStable => "highly stable",
            Self::Stable => "stable",
            Self::Pattern => "a pattern rather than a group",
            Self::Unreliable => "do not rely on it",
        }
    }

    /// What it means, for a segment card's tooltip.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::HighlyStable => "re-fitted on resampled customers, this segment comes back almost unchanged",
            Self::Stable => "re-fitted on resampled customers, this segment mostly comes back",
            Self::Pattern => "re-fitted on resampled customers, this segment's edges move: treat it as a tendency, not a group",
            Self::Unreliable => "re-fitted on resampled customers, this segment often splits or merges: do not build a campaign on it",
        }
    }
}

#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum StabilityError {
    #[error("the stability check was cancelled")]
    Cancelled,
    #[error("the stability check: {0}")]
    Fit(KMeansError),
    #[error("the stability check needs one segment per row ({labels} segments for {rows} rows)")]
    Mismatch { labels: usize, rows: usize },
}

/// Each segment's bootstrap stability (module docs). `data` is row-major `n × d`, `labels`
/// the segment of each row (`0..k`). `progress` gets the fraction done after each resample
/// and returns `false` to cancel.
pub fn segment_stability(
    data: &[f64],
    d: usize,
    labels: &[usize],
    k: usize,
    options: &StabilityOptions,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<Stability, StabilityError> {
    let resampling = Resampling::new(data, d, labels, k, options)?;
    let n = resampling.n_resamples();
    let mut outcomes = Vec::with_capacity(n);
    for b in 0..n {
        outcomes.push(resampling.resample(b)?);
        if !progress((b + 1) as f64 / n as f64) {
            return Err(StabilityError::Cancelled);
        }
    }
    Ok(resampling.finish(&outcomes))
}

/// The check of [`segment_stability`] in three parts, so its resamples can be fitted
/// anywhere (the page's pool shares them out): [`Resampling::new`] draws the sample and
/// every resample's rows from the one seeded stream (the sequential part, a few
/// milliseconds); [`Resampling::resample`] fits one resample (seeded by its index) and
/// matches its segments; [`Resampling::finish`] adds the outcomes up in resample order.
/// Whoever fits them, the figures are the same bits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resampling {
    d: usize,
    k: usize,
    /// The sample's rows, row-major `m × d` (as bytes in a message: one copy, not an
    /// array built value by value).
    #[serde(with = "crate::core::packed::f64s")]
    rows: Vec<f64>,
    /// Each sample row's segment.
    #[serde(with = "crate::core::packed::indices")]
    original: Vec<usize>,
    /// Every resample's `m` draws one after the other: indices into the sample, with
    /// replacement.
    #[serde(with = "crate::core::packed::indices")]
    draws: Vec<usize>,
    resamples: usize,
    options: StabilityOptions,
    total_rows: usize,
}

/// One resample's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Resampled {
    /// It drew fewer distinct rows than k: it says nothing of the segments and is not
    /// counted.
    Skipped,
    /// Each original segment's best Jaccard with a segment of the refit (`None`: none of
    /// its rows was drawn).
    Matched(Vec<Option<f64>>),
}

impl Resampling {
    /// The sample of at most `options.max_rows` rows and every resample's draws.
    pub fn new(data: &[f64], d: usize, labels: &[usize], k: usize, options: &StabilityOptions) -> Result<Self, StabilityError> {
        let d = d.max(1);
        let n = data.len() / d;
        if labels.len() != n {
            return Err(StabilityError::Mismatch { labels: labels.len(), rows: n });
        }
        let sample = sample_row_indices(n, options.max_rows.max(2), options.seed);
        let m = sample.len();
        let rows: Vec<f64> = sample.iter().flat_map(|&r| data.get(r * d..(r + 1) * d).unwrap_or(&[]).iter().copied()).collect();
        let original: Vec<usize> = sample.iter().map(|&r| labels.get(r).copied().unwrap_or(0)).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        rng.set_stream(BOOTSTRAP_STREAM);
        let resamples = options.resamples.max(1);
        let draws = (0..resamples * m).map(|_| uniform_index(&mut rng, m)).collect();
        Ok(Self { d, k, rows, original, draws, resamples, options: options.clone(), total_rows: n })
    }

    /// How many resamples.
    pub fn n_resamples(&self) -> usize {
        self.resamples
    }

    /// Fits resample `b` (K-Means, the same k, seeded by `b`) and matches each original
    /// segment, over the distinct rows drawn, to the refit's segment of largest Jaccard.
    pub fn resample(&self, b: usize) -> Result<Resampled, StabilityError> {
        let (d, k) = (self.d, self.k);
        let m = self.original.len();
        let Some(draws) = self.draws.get(b * m..(b + 1) * m) else { return Ok(Resampled::Skipped) };
        let row = |i: usize| self.rows.get(i * d..(i + 1) * d).unwrap_or(&[]);
        let mut drawn = vec![false; m];
        let mut matrix = Vec::with_capacity(m * d);
        for &i in draws {
            if let Some(x) = drawn.get_mut(i) {
                *x = true;
            }
            matrix.extend_from_slice(row(i));
        }
        let params = KMeansParams::new(k).seed(self.options.seed.wrapping_add(1 + b as u64)).n_runs(self.options.n_runs.max(1));
        let refit = match fit(&matrix, d, &params) {
            Ok(f) => f,
            // A resample of a small file can draw fewer distinct rows than k.
            Err(KMeansError::TooFewDistinctRows { .. } | KMeansError::TooFewRows { .. }) => return Ok(Resampled::Skipped),
            Err(e) => return Err(StabilityError::Fit(e)),
        };
        let k_new = refit.n_clusters;
        // Contingency of original × new segments over the distinct rows drawn.
        let mut joint = vec![0usize; k * k_new];
        let mut size_old = vec![0usize; k];
        let mut size_new = vec![0usize; k_new];
        for (i, (&old, _)) in self.original.iter().zip(&drawn).enumerate().filter(|(_, (_, &x))| x) {
            let (new, _, _) = nearest(row(i), &refit.centers, d);
            if let (Some(j), Some(a), Some(c)) = (joint.get_mut(old * k_new + new), size_old.get_mut(old), size_new.get_mut(new)) {
                *j += 1;
                *a += 1;
                *c += 1;
            }
        }
        let best = size_old
            .iter()
            .enumerate()
            .map(|(i, &a)| {
                (a > 0).then(|| {
                    (0..k_new)
                        .map(|j| {
                            let both = joint.get(i * k_new + j).copied().unwrap_or(0);
                            let union = a + size_new.get(j).copied().unwrap_or(0) - both;
                            if union == 0 {
                                0.0
                            } else {
                                both as f64 / union as f64
                            }
                        })
                        .fold(0.0, f64::max)
                })
            })
            .collect();
        Ok(Resampled::Matched(best))
    }

    /// The stability from every resample's outcome, in resample order.
    pub fn finish(&self, outcomes: &[Resampled]) -> Stability {
        let k = self.k;
        let mut sums = vec![0.0; k];
        let mut counts = vec![0usize; k];
        let mut dissolved = vec![0usize; k];
        let mut fitted = 0;
        for outcome in outcomes {
            let Resampled::Matched(best) = outcome else { continue };
            fitted += 1;
            for (i, best) in best.iter().enumerate() {
                let Some(best) = *best else { continue };
                if let (Some(s), Some(c), Some(x)) = (sums.get_mut(i), counts.get_mut(i), dissolved.get_mut(i)) {
                    *s += best;
                    *c += 1;
                    if best <= 0.5 {
                        *x += 1;
                    }
                }
            }
        }
        let jaccard = sums.iter().zip(&counts).map(|(&s, &c)| (c > 0).then(|| s / c as f64)).collect();
        Stability {
            jaccard,
            dissolved,
            resamples: fitted,
            sample_rows: self.original.len(),
            total_rows: self.total_rows,
            n_runs: self.options.n_runs.max(1),
        }
    }
}

/// The ChaCha8 stream of the bootstrap draws (K-Means draws from stream 0, the sample from
/// [`super::resample`]'s own).
const BOOTSTRAP_STREAM: u64 = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::k_bench::{generate, SetSpec};

    #[test]
    fn wide_rows_resample_between_the_floor_and_the_default_for_any_width() {
        for d in [0, 1, 16, 17, 80, 1_000, usize::MAX] {
            let rows = StabilityOptions::for_width(d, 0).max_rows;
            assert!((WIDE_MIN_ROWS..=DEFAULT_MAX_ROWS).contains(&rows), "{d}: {rows}");
        }
        assert_eq!(StabilityOptions::for_width(usize::MAX, 0).max_rows, WIDE_MIN_ROWS);
    }

    #[test]
    fn separated_groups_are_highly_stable_and_a_split_group_is_not() {
        let set = generate(SetSpec { n: 3_000, d: 3, k: 4, separation: 3.0, seed: 5 });
        let truth = fit(&set.data, 3, &KMeansParams::new(4).n_runs(5)).unwrap();
        let s = segment_stability(&set.data, 3, &truth.labels, 4, &StabilityOptions::default(), &mut |_| true).unwrap();
        assert_eq!(s.jaccard.len(), 4);
        assert!(s.jaccard.iter().all(|j| j.unwrap() > 0.95), "{s:?}");
        assert_eq!(s.resamples, DEFAULT_RESAMPLES);
        assert_eq!((s.sample_rows, s.total_rows), (3_000, 3_000));
        assert_eq!(StabilityLevel::of(s.min().unwrap()), StabilityLevel::HighlyStable);

        // k = 7 on 4 groups: some group is cut in pieces that move from resample to resample.
        let over = fit(&set.data, 3, &KMeansParams::new(7).n_runs(5)).unwrap();
        let s = segment_stability(&set.data, 3, &over.labels, 7, &StabilityOptions::default(), &mut |_| true).unwrap();
        assert!(s.min().unwrap() < 0.75, "{s:?}");
    }

    #[test]
    fn same_seed_same_figures_and_cancel_stops() {
        let set = generate(SetSpec { n: 8_000, d: 2, k: 3, separation: 2.5, seed: 1 });
        let f = fit(&set.data, 2, &KMeansParams::new(3)).unwrap();
        let options = StabilityOptions { resamples: 4, max_rows: 1_000, ..StabilityOptions::default() };
        let a = segment_stability(&set.data, 2, &f.labels, 3, &options, &mut |_| true).unwrap();
        let b = segment_stability(&set.data, 2, &f.labels, 3, &options, &mut |_| true).unwrap();
        assert_eq!(a, b);
        assert_eq!((a.sample_rows, a.total_rows), (1_000, 8_000));
        let mut calls = 0;
        let stopped = segment_stability(&set.data, 2, &f.labels, 3, &options, &mut |_| {
            calls += 1;
            calls < 2
        });
        assert_eq!(stopped, Err(StabilityError::Cancelled));
        assert_eq!(calls, 2);
        assert!(matches!(segment_stability(&set.data, 2, &[0, 1], 3, &options, &mut |_| true), Err(StabilityError::Mismatch { .. })));
    }

    #[test]
    fn resamples_fitted_in_any_order_elsewhere_give_the_same_figures() {
        // As the page's helpers fit them: the plan sent as a message, the resamples fitted
        // in whatever order, the outcomes put back in resample order.
        let set = generate(SetSpec { n: 6_000, d: 3, k: 5, separation: 1.5, seed: 8 });
        let f = fit(&set.data, 3, &KMeansParams::new(5)).unwrap();
        let options = StabilityOptions { resamples: 6, max_rows: 2_000, seed: 4, ..StabilityOptions::default() };
        let here = segment_stability(&set.data, 3, &f.labels, 5, &options, &mut |_| true).unwrap();
        let plan = Resampling::new(&set.data, 3, &f.labels, 5, &options).unwrap();
        let sent: Resampling = serde_json::from_str(&serde_json::to_string(&plan).unwrap()).unwrap();
        assert_eq!(sent, plan);
        let mut outcomes: Vec<(usize, Resampled)> = (0..sent.n_resamples()).rev().map(|b| (b, sent.resample(b).unwrap())).collect();
        outcomes.sort_by_key(|(b, _)| *b);
        let elsewhere = plan.finish(&outcomes.into_iter().map(|(_, o)| o).collect::<Vec<_>>());
        assert_eq!(elsewhere, here);
        assert_eq!(here.resamples, 6);
    }

    #[test]
    fn words_follow_clusterboot_bands() {
        assert_eq!(StabilityLevel::of(0.9).words(), "highly stable");
        assert_eq!(StabilityLevel::of(0.85), StabilityLevel::HighlyStable);
        assert_eq!(StabilityLevel::of(0.8), StabilityLevel::Stable);
        assert_eq!(StabilityLevel::of(0.6), StabilityLevel::Pattern);
        assert_eq!(StabilityLevel::of(0.59).words(), "do not rely on it");
    }
}
