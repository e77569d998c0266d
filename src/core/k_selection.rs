//! Choosing k: fit every k of a range, score each fit, recommend one k, or say there are
//! no clear segments.
//!
//! For each k, [`sweep`] records the inertia, the silhouette, the Calinski–Harabasz and
//! Davies–Bouldin scores ([`super::metrics`]), the iterations and, with [`SweepChecks`], the
//! gap statistic ([`gap`]), the bootstrap stability of its clusters
//! ([`crate::core::stability`]) and the valley of density between each cluster and its
//! nearest neighbour ([`modality`]). The silhouette is exact up to [`silhouette_max_rows`]
//! rows, else computed on one uniform sample of that many rows drawn from the sweep's seed,
//! the same rows at every k; the sample size is reported. Every k's silhouette is computed
//! in one pass once all ks are fitted ([`SweepSetup::combine`], [`super::metrics::silhouettes`]): each
//! pair's distance serves every k. Its cost is rows² × features, so the limit
//! is [`EXACT_SILHOUETTE_MAX_ROWS`] up to [`SILHOUETTE_REFERENCE_WIDTH`] features and shrinks
//! as 1/√features beyond (the same work: about 1,600 rows at 300 features, 900 at 1,000).
//!
//! **The knee** ([`knee`]) is found with Kneedle (Satopää et al. 2011) for a convex
//! decreasing curve: k and inertia are scaled to [0, 1], the difference curve is
//! `D = (1 − inertia) − k`, and its maximum is the knee if it exceeds the mean spacing of
//! the scaled k (Kneedle's threshold with sensitivity S = 1); otherwise there is no knee.
//! It is drawn on the elbow chart; it no longer decides.
//!
//! **The rule** ([`recommend`]): the largest k whose segments each stand apart from their
//! nearest neighbour (valley at most [`VALLEY_MAX`]) and hold up in the bootstrap (least
//! stable segment at least [`STABILITY_FLOOR`]). A k under the number of groups lumps
//! groups together, which leaves the valleys between segments; a k over it cuts a group in
//! two, and two halves of one group have no valley between them: so the largest k without
//! such a cut is the number of groups. No such k: no clear segments, and the best
//! silhouette is offered to cut the continuum anyway. A sweep without valleys falls back to
//! [`recommend_elbow`] (the knee, unless its silhouette is under [`SILHOUETTE_SHARE`] of the
//! best). ARCHITECTURE.md has the benchmark behind the rule.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::kmeans::{fit_with_progress, FitProgress, KMeansError, KMeansParams};
use super::metrics::{calinski_harabasz, davies_bouldin, SilhouettePlan};
use super::resample::sample_row_indices_on;
use super::stability::{grouped, segment_stability, Stability, StabilityError, StabilityOptions};

pub mod gap;
pub mod modality;
use gap::{total_sum_of_squares, GapOptions, GapReference, GapScore};

/// Above this many rows the silhouette is computed on a uniform sample of this size
/// (up to [`SILHOUETTE_REFERENCE_WIDTH`] features; see [`silhouette_max_rows`]).
pub const EXACT_SILHOUETTE_MAX_ROWS: usize = 10_000;

/// The ChaCha8 stream of the silhouette's sample (the sweep's own sample of a big file is
/// stream 1 of the same seed).
const SILHOUETTE_STREAM: u64 = 3;

/// Up to this many features the silhouette's row limit is [`EXACT_SILHOUETTE_MAX_ROWS`].
pub const SILHOUETTE_REFERENCE_WIDTH: usize = 8;

/// Rows the silhouette is computed on for `d` features: the largest r with
/// `r² · max(d, 8) ≤ 10,000² · 8`, so its pairwise work never exceeds that of 10,000 rows
/// of 8 features.
pub fn silhouette_max_rows(d: usize) -> usize {
    let width = d.max(SILHOUETTE_REFERENCE_WIDTH) as u64;
    let budget = (EXACT_SILHOUETTE_MAX_ROWS as u64).pow(2) * SILHOUETTE_REFERENCE_WIDTH as u64 / width;
    let mut r = (budget as f64).sqrt() as u64;
    while r * r > budget {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= budget {
        r += 1;
    }
    usize::try_from(r).unwrap_or(EXACT_SILHOUETTE_MAX_ROWS).max(2)
}

/// The knee is kept when its silhouette is at least this share of the best.
pub const SILHOUETTE_SHARE: f64 = 0.9;

/// The scores of one k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KScore {
    pub k: usize,
    pub inertia: f64,
    /// `None` where undefined (k = 1, or one row per cluster).
    pub silhouette: Option<f64>,
    pub calinski_harabasz: Option<f64>,
    pub davies_bouldin: Option<f64>,
    pub n_iterations: usize,
    /// The gap statistic and its standard error ([`gap`]), where computed.
    #[serde(default)]
    pub gap: Option<f64>,
    #[serde(default)]
    pub gap_se: Option<f64>,
    /// Bootstrap stability of this k's clusters ([`crate::core::stability`]): their mean
    /// and the least stable one's, where computed.
    #[serde(default)]
    pub stability: Option<f64>,
    #[serde(default)]
    pub stability_min: Option<f64>,
    /// The shallowest valley of density between a cluster and its nearest neighbour
    /// ([`modality`]), 0..=1: near 0 every cluster is apart from its neighbours, 1 some
    /// cluster runs into its neighbour.
    #[serde(default)]
    pub valley: Option<f64>,
}

/// Why this k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub k: usize,
    /// One plain-English sentence.
    pub reason: String,
    /// Which rule picked it.
    #[serde(default)]
    pub rule: KRule,
}

/// The rule behind a recommendation (module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KRule {
    /// The most segments that are each apart from their nearest neighbour and hold up in
    /// the bootstrap.
    Separated,
    /// No k gives separated segments: the data are a continuum, and the best silhouette is
    /// offered as a way to cut it.
    NoClearSegments,
    /// Without the separation check (a sweep that did not measure it): the knee, or the
    /// best silhouette where the knee's is clearly lower.
    #[default]
    ElbowSilhouette,
}

impl KRule {
    /// A few words for the elbow chart's legend.
    pub fn label(self) -> &'static str {
        match self {
            Self::Separated => "the most segments that stand apart and hold up",
            Self::NoClearSegments => "no clear segments: best silhouette",
            Self::ElbowSilhouette => "elbow checked by silhouette",
        }
    }
}

/// A k's segments count as apart when the density between each and its nearest neighbour
/// dips to at most this share of the lower peak ([`modality::valley_between`]).
pub const VALLEY_MAX: f64 = 0.7;

/// ... and when its least stable segment's bootstrap Jaccard is at least this (below it
/// `clusterboot`'s reading is "do not rely on it").
pub const STABILITY_FLOOR: f64 = 0.6;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    pub scores: Vec<KScore>,
    /// Rows the silhouette was computed on (all rows, or the uniform sample).
    pub silhouette_rows: usize,
    pub silhouette_exact: bool,
    pub knee: Option<usize>,
    pub recommendation: Option<Recommendation>,
    /// Problems that did not stop the sweep (k beyond the distinct rows, ...).
    pub warnings: Vec<String>,
    /// Rows of the seeded sample the fits ran on, or `None` when they ran on all rows
    /// (`pipeline::sweep_k` samples big files; the final fit always uses every row).
    #[serde(default)]
    pub sample_rows: Option<usize>,
    /// Rows of the whole matrix (the sample's population).
    #[serde(default)]
    pub total_rows: usize,
    /// K-Means runs per k (the best kept).
    #[serde(default)]
    pub n_runs: usize,
    /// The gap statistic at k = 1 (all rows one cluster), for the no-structure check.
    #[serde(default)]
    pub gap_one: Option<GapScore>,
    /// How the stability column was measured, in one sentence, where it was.
    #[serde(default)]
    pub stability_basis: Option<String>,
}

impl Sweep {
    /// What the sweep ran on, in one sentence for the page: "k = 2..10 tried on a seeded
    /// sample of 100,000 of 1,000,000 rows (3 runs each); the segments are fitted on all
    /// rows." `None` for a sweep that does not say (no k fitted, or saved before it did).
    pub fn basis(&self) -> Option<String> {
        let (first, last) = (self.scores.first()?.k, self.scores.last()?.k);
        if self.total_rows == 0 {
            return None;
        }
        let runs = match self.n_runs {
            0 => String::new(),
            1 => " (1 run each)".to_owned(),
            r => format!(" ({r} runs each)"),
        };
        let range = if first == last { format!("k = {first}") } else { format!("k = {first}..{last}") };
        Some(match self.sample_rows {
            Some(m) => format!(
                "{range} tried on a seeded sample of {} of {} rows{runs}; the segments are fitted on all rows.",
                grouped(m),
                grouped(self.total_rows)
            ),
            None => format!("{range} tried on all {} rows{runs}.", grouped(self.total_rows)),
        })
    }
}

/// Where a sweep is: the k being fitted (the `index`-th of `n_k`), that fit's progress,
/// and then how far its checks (gap statistic, stability) are, 0..=1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SweepProgress {
    pub k: usize,
    pub index: usize,
    pub n_k: usize,
    pub fit: FitProgress,
    /// `None` while the fit runs, then the fraction of the k's checks done.
    pub checks: Option<f64>,
}

impl SweepProgress {
    /// The fraction of the whole sweep done: each k's fit counts for half its share, its
    /// checks for the other half.
    pub fn fraction(&self) -> f64 {
        let within = match self.checks {
            None => {
                let runs = self.fit.n_runs.max(1) as f64;
                let fit = (self.fit.run as f64 + self.fit.iteration as f64 / self.fit.max_iterations.max(1) as f64) / runs;
                0.5 * fit.min(1.0)
            }
            Some(c) => 0.5 + 0.5 * c.clamp(0.0, 1.0),
        };
        (self.index as f64 + within) / self.n_k.max(1) as f64
    }
}

/// The checks a sweep runs besides the fits: each off with `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepChecks {
    pub gap: Option<GapOptions>,
    pub stability: Option<StabilityOptions>,
}

/// Bootstrap resamples per k in the sweep: half the segments' own (it runs for every k).
pub const SWEEP_RESAMPLES: usize = 10;

impl Default for SweepChecks {
    /// Both on: the gap statistic's defaults, [`SWEEP_RESAMPLES`] resamples per k (the
    /// seeds are the sweep's).
    fn default() -> Self {
        Self {
            gap: Some(GapOptions::default()),
            stability: Some(StabilityOptions { resamples: SWEEP_RESAMPLES, ..StabilityOptions::default() }),
        }
    }
}

impl SweepChecks {
    /// Neither check: the fits and their scores only.
    pub fn none() -> Self {
        Self { gap: None, stability: None }
    }

    /// The defaults with their work bounded for wide rows, as the sweep's own runs are
    /// ([`crate::core::pipeline::sweep_runs`]): a fit costs rows × features, so beyond 8
    /// features the checks' rows shrink as 8 / features (down to 500 resampled rows and 300
    /// reference rows), and beyond 16 features each of their fits is one run.
    pub fn for_width(d: usize) -> Self {
        let mut checks = Self::default();
        let shrink = |rows: usize, floor: usize| (rows.saturating_mul(8) / d.max(8)).clamp(floor.min(rows), rows);
        let wide = d > 16;
        if let Some(g) = checks.gap.as_mut() {
            g.max_reference_rows = shrink(g.max_reference_rows, 300);
            if wide {
                g.n_runs = 1;
            }
        }
        if let Some(st) = checks.stability.as_mut() {
            st.max_rows = shrink(st.max_rows, 500);
            if wide {
                st.n_runs = 1;
            }
        }
        checks
    }
}

#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum KSelectionError {
    #[error("the range of k is empty or starts at 0 ({start}..={end}): give k from 1 up")]
    EmptyRange { start: usize, end: usize },
    #[error("k = {k}: {source}")]
    Fit { k: usize, source: KMeansError },
    #[error("the search for k was cancelled")]
    Cancelled,
}

/// Fits every k in `k_range` with `base`'s other parameters and scores it.
/// `progress` returning `false` cancels.
pub fn sweep(
    data: &[f64],
    d: usize,
    k_range: RangeInclusive<usize>,
    base: &KMeansParams,
    progress: &mut dyn FnMut(SweepProgress) -> bool,
) -> Result<Sweep, KSelectionError> {
    sweep_with_checks(data, d, k_range, base, &SweepChecks::for_width(d), progress)
}

/// [`sweep`] with the checks chosen (the benchmarks time the sweep without them).
pub fn sweep_with_checks(
    data: &[f64],
    d: usize,
    k_range: RangeInclusive<usize>,
    base: &KMeansParams,
    checks: &SweepChecks,
    progress: &mut dyn FnMut(SweepProgress) -> bool,
) -> Result<Sweep, KSelectionError> {
    sweep_with_limit(data, d, k_range, base, progress, silhouette_max_rows(d), checks)
}

/// [`sweep`] with the exact-silhouette threshold as a parameter.
pub(crate) fn sweep_with_limit(
    data: &[f64],
    d: usize,
    k_range: RangeInclusive<usize>,
    base: &KMeansParams,
    progress: &mut dyn FnMut(SweepProgress) -> bool,
    exact_max_rows: usize,
    checks: &SweepChecks,
) -> Result<Sweep, KSelectionError> {
    let setup = SweepSetup::new(data, d, k_range, base, checks, exact_max_rows)?;
    let outcomes = setup.outcomes(progress);
    setup.combine(outcomes)
}

/// What every k of a sweep shares, built the same way by every worker from the same
/// inputs (the gap statistic's reference sets are seeded): [`SweepSetup::one_k`] then gives
/// the same [`KOutcome`] wherever it runs, and [`SweepSetup::combine`] reads the outcomes
/// in k order, so a sweep split across any number of workers is the sequential one bit for
/// bit.
pub struct SweepSetup<'a> {
    data: &'a [f64],
    d: usize,
    start: usize,
    end: usize,
    base: KMeansParams,
    checks: SweepChecks,
    /// The silhouette's rows when it is computed on a sample ([`SweepSetup::silhouette_rows`]).
    silhouette_sample: Option<Vec<usize>>,
    reference: Option<std::borrow::Cow<'a, GapReference>>,
}

/// One k of a sweep: its scores, or why it could not be fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KOutcome {
    pub k: usize,
    pub result: Result<KResult, KFailure>,
}

/// A fitted k's scores, and what the sweep reports of how they were made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KResult {
    /// Its scores, the silhouette still `None` ([`SweepSetup::combine`] scores all ks' at once).
    pub score: KScore,
    /// The fit's labels of the silhouette's rows ([`SweepSetup::silhouette_rows`]).
    pub silhouette_labels: Vec<u32>,
    pub stability_basis: Option<String>,
    pub warnings: Vec<String>,
}

/// Why a k has no scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum KFailure {
    Cancelled,
    /// The fit failed.
    Fit(KMeansError),
    /// A fit of the gap statistic's reference sets failed.
    Gap(KMeansError),
}

impl<'a> SweepSetup<'a> {
    /// Checks the range and draws the gap statistic's reference sets (when checked).
    pub fn new(
        data: &'a [f64],
        d: usize,
        k_range: RangeInclusive<usize>,
        base: &KMeansParams,
        checks: &SweepChecks,
        exact_max_rows: usize,
    ) -> Result<Self, KSelectionError> {
        let reference = Self::gap_reference(data, d, base, checks).map(std::borrow::Cow::Owned);
        Self::from_parts(data, d, k_range, base, checks, exact_max_rows, reference)
    }

    fn from_parts(
        data: &'a [f64],
        d: usize,
        k_range: RangeInclusive<usize>,
        base: &KMeansParams,
        checks: &SweepChecks,
        exact_max_rows: usize,
        reference: Option<std::borrow::Cow<'a, GapReference>>,
    ) -> Result<Self, KSelectionError> {
        let (start, end) = (*k_range.start(), *k_range.end());
        if start == 0 || start > end {
            return Err(KSelectionError::EmptyRange { start, end });
        }
        let n = data.len().checked_div(d).unwrap_or(0);
        let silhouette_sample = (n > exact_max_rows).then(|| sample_row_indices_on(n, exact_max_rows, base.seed, SILHOUETTE_STREAM));
        Ok(Self { data, d, start, end, base: base.clone(), checks: checks.clone(), silhouette_sample, reference })
    }

    /// The rows every k's silhouette is computed on: all rows up to the limit, else one
    /// seeded uniform sample of that many (the same rows at every k, so each pair's distance
    /// serves every k).
    pub fn silhouette_rows(&self) -> Option<&[usize]> {
        self.silhouette_sample.as_deref()
    }

    /// The gap statistic's reference sets a setup of these inputs draws (`None` when the
    /// gap is not checked): a worker scoring many ks draws them once
    /// ([`SweepSetup::with_reference`]).
    pub fn gap_reference(data: &[f64], d: usize, base: &KMeansParams, checks: &SweepChecks) -> Option<GapReference> {
        checks.gap.as_ref().map(|o| GapReference::new(data, d, &GapOptions { seed: base.seed, ..o.clone() }))
    }

    /// [`SweepSetup::new`] with the reference sets drawn before by
    /// [`SweepSetup::gap_reference`] from the same inputs.
    pub fn with_reference(
        data: &'a [f64],
        d: usize,
        k_range: RangeInclusive<usize>,
        base: &KMeansParams,
        checks: &SweepChecks,
        exact_max_rows: usize,
        reference: Option<&'a GapReference>,
    ) -> Result<Self, KSelectionError> {
        Self::from_parts(data, d, k_range, base, checks, exact_max_rows, reference.map(std::borrow::Cow::Borrowed))
    }

    /// The ks swept, in order.
    pub fn ks(&self) -> RangeInclusive<usize> {
        self.start..=self.end
    }

    pub fn n_k(&self) -> usize {
        self.end - self.start + 1
    }

    /// Every k in order, here, stopping after the first that cannot be fitted or is
    /// cancelled ([`SweepSetup::combine`] reads no further either).
    pub fn outcomes(&self, progress: &mut dyn FnMut(SweepProgress) -> bool) -> Vec<KOutcome> {
        let mut outcomes = Vec::with_capacity(self.n_k());
        for k in self.ks() {
            let outcome = self.one_k(k, &mut *progress);
            let stop = outcome.result.is_err();
            outcomes.push(outcome);
            if stop {
                break;
            }
        }
        outcomes
    }

    /// Fits and scores one k (`progress` returning `false` cancels).
    pub fn one_k(&self, k: usize, progress: &mut dyn FnMut(SweepProgress) -> bool) -> KOutcome {
        KOutcome { k, result: self.score_k(k, progress) }
    }

    fn score_k(&self, k: usize, progress: &mut dyn FnMut(SweepProgress) -> bool) -> Result<KResult, KFailure> {
        let (data, d, n_k) = (self.data, self.d, self.n_k());
        let index = k.saturating_sub(self.start);
        let mut last_fit = FitProgress { run: 0, n_runs: 1, iteration: 0, max_iterations: 1, center_shift: 0.0 };
        let params = KMeansParams { n_clusters: k, ..self.base.clone() };
        let mut hook = |fit: FitProgress| {
            last_fit = fit;
            progress(SweepProgress { k, index, n_k, fit, checks: None })
        };
        let fit = match fit_with_progress(data, d, &params, &mut hook) {
            Ok(fit) => fit,
            Err(KMeansError::Cancelled) => return Err(KFailure::Cancelled),
            Err(e) => return Err(KFailure::Fit(e)),
        };
        let silhouette_labels = match &self.silhouette_sample {
            Some(rows) => rows.iter().map(|&r| fit.labels.get(r).map_or(0, |&l| l as u32)).collect(),
            None => fit.labels.iter().map(|&l| l as u32).collect(),
        };
        let valley = modality::valley_between(data, d, &fit.labels, &fit.centers, k);
        let gap = match &self.reference {
            Some(r) => Some(r.score(k, fit.inertia).map_err(KFailure::Gap)?),
            None => None,
        };
        if !progress(SweepProgress { k, index, n_k, fit: last_fit, checks: Some(0.2) }) {
            return Err(KFailure::Cancelled);
        }
        let mut warnings = Vec::new();
        let mut stability_basis = None;
        let stability = match &self.checks.stability {
            Some(o) => {
                let options = StabilityOptions { seed: self.base.seed, ..o.clone() };
                let mut hook = |f: f64| progress(SweepProgress { k, index, n_k, fit: last_fit, checks: Some(0.2 + 0.8 * f) });
                match segment_stability(data, d, &fit.labels, k, &options, &mut hook) {
                    Ok(s) => {
                        stability_basis = Some(s.basis());
                        Some(s)
                    }
                    Err(StabilityError::Cancelled) => return Err(KFailure::Cancelled),
                    Err(e) => {
                        warnings.push(format!("k = {k}: {e}"));
                        None
                    }
                }
            }
            None => None,
        };
        let score = KScore {
            k,
            inertia: fit.inertia,
            silhouette: None, // all ks' together, in `combine`
            calinski_harabasz: calinski_harabasz(data, d, &fit.labels),
            davies_bouldin: davies_bouldin(data, d, &fit.labels),
            n_iterations: fit.n_iterations,
            gap: gap.as_ref().map(|g| g.gap),
            gap_se: gap.as_ref().map(|g| g.s),
            stability: stability.as_ref().and_then(Stability::mean),
            stability_min: stability.as_ref().and_then(Stability::min),
            valley,
        };
        Ok(KResult { score, silhouette_labels, stability_basis, warnings })
    }

    /// The sweep from its ks' outcomes, read in k order (any outcome past the first k that
    /// could not be fitted is not read: the sequential sweep stops there).
    pub fn combine(&self, outcomes: Vec<KOutcome>) -> Result<Sweep, KSelectionError> {
        let plan = self.silhouette_plan(&Self::silhouette_labelings(&outcomes));
        let blocks: Vec<Vec<f64>> = (0..plan.n_blocks()).map(|b| plan.block(b)).collect();
        self.combine_scored(outcomes, &plan.finish(&blocks))
    }

    /// The labels of the silhouette's rows of each k [`SweepSetup::combine`] reads, in k
    /// order: every k up to the first that could not be fitted.
    pub fn silhouette_labelings(outcomes: &[KOutcome]) -> Vec<Vec<u32>> {
        let mut fitted: Vec<&KOutcome> = outcomes.iter().collect();
        fitted.sort_by_key(|o| o.k);
        fitted.iter().map_while(|o| o.result.as_ref().ok()).map(|r| r.silhouette_labels.clone()).collect()
    }

    /// The silhouettes of these labelings ([`SweepSetup::silhouette_labelings`]) of the
    /// silhouette's rows, to be scored a block at a time (the page's helpers share the
    /// blocks out).
    pub fn silhouette_plan(&self, labelings: &[Vec<u32>]) -> SilhouettePlan {
        let d = self.d;
        let sample: Option<Vec<f64>> = self
            .silhouette_sample
            .as_ref()
            .map(|rows| rows.iter().flat_map(|&r| self.data.get(r * d..(r + 1) * d).unwrap_or(&[]).iter().copied()).collect());
        let labelings: Vec<Vec<usize>> = labelings.iter().map(|l| l.iter().map(|&c| c as usize).collect()).collect();
        let labelings: Vec<&[usize]> = labelings.iter().map(Vec::as_slice).collect();
        SilhouettePlan::new(sample.as_deref().unwrap_or(self.data), d, &labelings)
    }

    /// [`SweepSetup::combine`] with the silhouettes of its ks, in k order, already scored
    /// ([`SweepSetup::silhouette_plan`]).
    pub fn combine_scored(&self, mut outcomes: Vec<KOutcome>, silhouettes: &[Option<f64>]) -> Result<Sweep, KSelectionError> {
        let data = self.data;
        let d = self.d;
        outcomes.sort_by_key(|o| o.k);
        let gap_one = match &self.reference {
            Some(r) => Some(r.score(1, total_sum_of_squares(data, d)).map_err(|source| KSelectionError::Fit { k: 1, source })?),
            None => None,
        };
        let mut scores = Vec::with_capacity(outcomes.len());
        let mut warnings = Vec::new();
        let mut stability_basis = None;
        for (index, outcome) in outcomes.into_iter().enumerate() {
            let k = outcome.k;
            match outcome.result {
                Ok(r) => {
                    if r.stability_basis.is_some() {
                        stability_basis = r.stability_basis;
                    }
                    warnings.extend(r.warnings);
                    scores.push(r.score);
                }
                Err(KFailure::Cancelled) => return Err(KSelectionError::Cancelled),
                Err(KFailure::Fit(e @ (KMeansError::TooFewRows { .. } | KMeansError::TooFewDistinctRows { .. }))) if index > 0 => {
                    warnings.push(format!("the search stopped before k = {k}: {e}"));
                    break;
                }
                Err(KFailure::Fit(source) | KFailure::Gap(source)) => return Err(KSelectionError::Fit { k, source }),
            }
        }
        let n = data.len().checked_div(d).unwrap_or(0);
        let silhouette_rows = match (&self.silhouette_sample, scores.is_empty()) {
            (_, true) => 0,
            (Some(rows), false) => rows.len(),
            (None, false) => n,
        };
        for (score, &value) in scores.iter_mut().zip(silhouettes) {
            score.silhouette = value;
        }
        let ks: Vec<usize> = scores.iter().map(|s| s.k).collect();
        let inertia: Vec<f64> = scores.iter().map(|s| s.inertia).collect();
        let knee = knee(&ks, &inertia);
        let recommendation = recommend(&scores, knee);
        Ok(Sweep {
            scores,
            silhouette_rows,
            silhouette_exact: silhouette_rows == n,
            knee,
            recommendation,
            warnings,
            sample_rows: None,
            total_rows: n,
            n_runs: self.base.n_runs,
            gap_one,
            stability_basis,
        })
    }
}

/// The knee of a convex decreasing curve `y(k)` by Kneedle (see the module docs), or
/// `None` when the curve has none.
pub fn knee(ks: &[usize], y: &[f64]) -> Option<usize> {
    let m = ks.len().min(y.len());
    if m < 3 {
        return None;
    }
    let (k_min, k_max) = (ks.iter().copied().min()? as f64, ks.iter().copied().max()? as f64);
    let y_min = y.iter().copied().fold(f64::INFINITY, f64::min);
    let y_max = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if k_max <= k_min || y_max.partial_cmp(&y_min) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let mut best: Option<(usize, f64)> = None;
    for (&k, &v) in ks.iter().zip(y) {
        let x_n = (k as f64 - k_min) / (k_max - k_min);
        let y_n = (v - y_min) / (y_max - y_min);
        let diff = (1.0 - y_n) - x_n;
        if best.is_none_or(|(_, b)| diff > b) {
            best = Some((k, diff));
        }
    }
    let threshold = 1.0 / (m - 1) as f64;
    best.filter(|&(_, diff)| diff > threshold).map(|(k, _)| k)
}

/// One k and a sentence saying why, by the rule in the module docs: the largest k whose
/// segments are apart and stable; none such → no clear segments (the best silhouette);
/// a sweep without valleys → the elbow rule ([`recommend_elbow`]).
pub fn recommend(scores: &[KScore], knee: Option<usize>) -> Option<Recommendation> {
    let measured: Vec<&KScore> = scores.iter().filter(|s| s.valley.is_some()).collect();
    if measured.is_empty() {
        return recommend_elbow(scores, knee);
    }
    let range = match (measured.first(), measured.last()) {
        (Some(a), Some(b)) if a.k != b.k => format!("k = {}..{}", a.k, b.k),
        (Some(a), _) => format!("k = {}", a.k),
        _ => String::new(),
    };
    let apart = |s: &KScore| s.valley.is_some_and(|v| v <= VALLEY_MAX);
    let holds = |s: &KScore| s.stability_min.is_none_or(|m| m >= STABILITY_FLOOR);
    if let Some(best) = measured.iter().rev().find(|s| apart(s) && holds(s)) {
        let k = best.k;
        let valley = best.valley.unwrap_or(0.0);
        let dip = if valley < 0.005 {
            "an empty gap between them".to_owned()
        } else {
            format!("the density between them dips to {:.0}% of the lower peak or less", 100.0 * valley)
        };
        let mut reason = format!("k = {k}: the most segments among {range} that each stand apart from their nearest neighbour ({dip})");
        if let Some(m) = best.stability_min {
            reason.push_str(&format!(" and hold up when refitted on resampled customers (least stable segment {m:.2})"));
        }
        if let Some(next) = measured.iter().find(|s| s.k == k + 1) {
            if !apart(next) {
                reason.push_str(&format!("; at k = {} two segments run into each other", k + 1));
            } else if !holds(next) {
                reason.push_str(&format!("; at k = {} a segment does not hold up in resamples", k + 1));
            }
        }
        if let Some(v) = best.silhouette {
            reason.push_str(&format!("; silhouette {v:.2}"));
        }
        reason.push('.');
        return Some(Recommendation { k, reason, rule: KRule::Separated });
    }
    let with_silhouette = measured.iter().filter_map(|s| s.silhouette.map(|v| (s.k, v)));
    let (k, value) = with_silhouette.fold(None, |acc: Option<(usize, f64)>, (k, v)| match acc {
        Some((_, b)) if b >= v => acc,
        _ => Some((k, v)),
    })?;
    Some(Recommendation {
        k,
        reason: format!(
            "No clear segments: at every k in {range} some segment runs into its nearest neighbour with no gap between them, so the customers form a continuum and any k cuts it into bands. k = {k} has the best silhouette ({value:.2}) if you segment anyway."
        ),
        rule: KRule::NoClearSegments,
    })
}

/// The elbow rule, for a sweep without the separation check: the knee unless its
/// silhouette is clearly lower than the best (module docs).
pub fn recommend_elbow(scores: &[KScore], knee: Option<usize>) -> Option<Recommendation> {
    let with_silhouette: Vec<(usize, f64)> = scores.iter().filter_map(|s| s.silhouette.map(|v| (s.k, v))).collect();
    let best = with_silhouette.iter().copied().fold(None, |acc: Option<(usize, f64)>, (k, v)| match acc {
        Some((_, b)) if b >= v => acc,
        _ => Some((k, v)),
    });
    let range = match (with_silhouette.first(), with_silhouette.last()) {
        (Some(&(a, _)), Some(&(b, _))) => format!("k = {a}..{b}"),
        _ => String::new(),
    };
    let silhouette_of = |k: usize| with_silhouette.iter().find(|&&(j, _)| j == k).map(|&(_, v)| v);
    let (k, reason) = match (knee, best) {
        (Some(e), Some((s, best_value))) if e == s => {
            (e, format!("the elbow of the inertia curve, and the best silhouette ({best_value:.2}) among {range}"))
        }
        (Some(e), Some((s, best_value))) => match silhouette_of(e) {
            Some(v) if v > 0.0 && v >= SILHOUETTE_SHARE * best_value => (
                e,
                format!(
                    "the elbow of the inertia curve, with a silhouette ({v:.2}) close to the best ({best_value:.2}, at k = {s}) among {range}"
                ),
            ),
            Some(v) => (
                s,
                format!(
                    "the best silhouette ({best_value:.2}) among {range}; the elbow of the inertia curve, k = {e}, has a clearly lower silhouette ({v:.2})"
                ),
            ),
            None => (s, format!("the best silhouette ({best_value:.2}) among {range}; the elbow of the inertia curve, k = {e}, has no silhouette")),
        },
        (None, Some((s, best_value))) => {
            (s, format!("the best silhouette ({best_value:.2}) among {range}; the inertia curve has no clear elbow"))
        }
        (Some(e), None) => (e, "the elbow of the inertia curve (the silhouette is not defined for these k)".to_string()),
        (None, None) => return None,
    };
    Some(Recommendation { k, reason: format!("k = {k}: {reason}."), rule: KRule::ElbowSilhouette })
}

#[cfg(test)]
mod tests;
