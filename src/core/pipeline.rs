//! The whole flow for one file, as the worker runs it: [`load`] (bytes → table → profile),
//! [`clean`] (choices → matrix and report), [`segment`] (K-Means on the matrix), and
//! [`export_csv`]. Each step's error names the file it came from.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::clean::{clean_table, CleanError, CleanedData, CleaningOptions, OptionsError};
use super::export::{segmented_csv_rows, summary_csv_with, ExportError, RowOutcome};
use super::ingest::{parse_csv_with_progress, IngestError, IngestOptions, Table};
use super::k_selection::{self, KOutcome, KRule, KSelectionError, Sweep, SweepChecks, SweepSetup};
use super::kmeans::{self, greatest, least, KMeansError, KMeansParams};
use super::profile::{profile_column, profile_columns, quartiles, select_quantile, ColumnKind, TableProfile};
use super::projection::{pca, pca_2d_of_rows, Projection};
pub use super::resample::sample_row_indices;
use super::segments::{describe_segments, separation, tiny_segment_caution, FeatureSeparation, OverallFeature, SegmentDescription};
use super::stability::{self, Stability, StabilityError, StabilityOptions};
use super::value::{segment_values, SegmentValues, ValueChoice};

/// At most this many points are sent to the page for the scatter; the rest are summarised.
pub const MAX_CHART_POINTS: usize = 5_000;

/// Any step's failure, with the name of the file it concerns.
#[derive(Debug, Error)]
#[error("{file}: {kind}")]
pub struct PipelineError {
    pub file: String,
    pub kind: PipelineErrorKind,
}

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PipelineErrorKind {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Options(#[from] OptionsError),
    #[error(transparent)]
    Clean(#[from] CleanError),
    #[error(transparent)]
    KMeans(#[from] KMeansError),
    #[error(transparent)]
    KSelection(#[from] KSelectionError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Stability(#[from] StabilityError),
    #[error("column {index} does not exist: the file has {n_columns} columns")]
    NoSuchColumn { index: usize, n_columns: usize },
    /// Reading a file in pieces, or writing one: the message says what to do.
    #[error("{0}")]
    Pieces(String),
}

fn named<E: Into<PipelineErrorKind>>(file: &str) -> impl FnOnce(E) -> PipelineError + '_ {
    move |e| PipelineError { file: file.to_owned(), kind: e.into() }
}

/// A file read into memory with its profile.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    pub name: String,
    pub table: Table,
    pub profile: TableProfile,
}

impl LoadedFile {
    /// Sets (or with `None`, clears) the user's kind for a column and re-profiles only it.
    pub fn set_kind(&mut self, column: usize, kind: Option<ColumnKind>) -> Result<(), PipelineError> {
        let n_columns = self.table.n_columns();
        if column >= n_columns {
            return Err(named(&self.name)(PipelineErrorKind::NoSuchColumn { index: column, n_columns }));
        }
        let (profile, numbers) = profile_column(&self.table, column, kind);
        if let (Some(p), Some(n)) = (self.profile.columns.get_mut(column), self.profile.numbers.get_mut(column)) {
            *p = profile;
            *n = numbers;
        }
        Ok(())
    }
}

/// Reads and profiles a file, reporting progress (0..1) of the reading.
pub fn load(name: &str, bytes: &[u8], options: &IngestOptions, progress: &mut dyn FnMut(f64)) -> Result<LoadedFile, PipelineError> {
    let table = read(name, bytes, options, progress)?;
    Ok(profile(name, table))
}

/// The first half of [`load`]: bytes → table.
pub fn read(name: &str, bytes: &[u8], options: &IngestOptions, progress: &mut dyn FnMut(f64)) -> Result<Table, PipelineError> {
    parse_csv_with_progress(bytes, options, progress).map_err(named(name))
}

/// [`read`] of a file whose pieces were read on other workers
/// ([`crate::core::ingest::pieces`]): the same table.
pub fn assemble(
    name: &str,
    split: crate::core::ingest::pieces::Split<'_>,
    pieces: Vec<crate::core::ingest::pieces::PieceRows>,
    options: &IngestOptions,
) -> Result<Table, PipelineError> {
    split.assemble(pieces, options).map_err(named(name))
}

/// [`assemble`] a piece at a time: `pieces` makes each piece's rows when it is asked for
/// (so one piece's rows are held beside the table, not all of them), after room for
/// `rows` rows and each column's `column_bytes` is reserved; the split's text may be let
/// go before ([`crate::core::ingest::pieces::Split::assembler`]).
pub fn assemble_each(
    name: &str,
    mut assembler: crate::core::ingest::pieces::Assembler,
    rows: usize,
    column_bytes: &[usize],
    pieces: impl Iterator<Item = crate::core::ingest::pieces::PieceRows>,
    options: &IngestOptions,
) -> Result<Table, PipelineError> {
    assembler.reserve(rows, column_bytes);
    for piece in pieces {
        assembler.push(piece).map_err(named(name))?;
    }
    assembler.finish(options).map_err(named(name))
}

/// The second half of [`load`]: table → profiled file.
pub fn profile(name: &str, table: Table) -> LoadedFile {
    let profile = profile_columns(&table);
    LoadedFile { name: name.to_owned(), table, profile }
}

/// Checks the choices (they come from the page, localStorage or a model), then runs the
/// cleaning steps.
pub fn clean(file: &LoadedFile, options: &CleaningOptions) -> Result<CleanedData, PipelineError> {
    // With no feature chosen, the cleaning names the file's own cause (one row, only text, ...).
    if !(options.numeric.is_empty() && options.categorical.is_empty()) {
        options.check(file.table.n_columns()).map_err(named(&file.name))?;
    }
    clean_table(&file.table, &file.profile, options).map_err(named(&file.name))
}

/// Default number of segments offered (until the sweep recommends one): the page's k box
/// and the command line's k when the sweep recommends none.
pub const DEFAULT_K: usize = 5;

/// The sweep tries k = 2 up to this, on the page and on the command line.
pub const SWEEP_K_MAX: usize = 10;

/// How to segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentOptions {
    pub n_clusters: usize,
    pub seed: u64,
    /// Memory the fit may take, in bytes (the page's budget for this device). A matrix
    /// whose fit would need more is fitted on a seeded uniform sample of the rows that fit
    /// ([`fit_rows_for_budget`]), and every row then gets its nearest centre. `None`: no
    /// limit.
    #[serde(default)]
    pub fit_budget: Option<u64>,
}

impl SegmentOptions {
    pub fn new(n_clusters: usize, seed: u64) -> Self {
        Self { n_clusters, seed, fit_budget: None }
    }
}

/// Bytes a fit holds per value of the matrix: the scaled matrix, its centred copy, and a
/// helper worker's copy of both.
pub const FIT_BYTES_PER_VALUE: u64 = 4 * 8;
/// Bytes a fit holds per row besides its values: label, previous label, Hamerly's two
/// bounds.
pub const FIT_BYTES_PER_ROW: u64 = 4 * 8;

/// Rows of `d` features a fit can hold within `budget` bytes (at least 1,000: below that a
/// budget is a mistake, not a device).
pub fn fit_rows_for_budget(budget: u64, d: usize) -> usize {
    let per_row = FIT_BYTES_PER_VALUE.saturating_mul(d.max(1) as u64).saturating_add(FIT_BYTES_PER_ROW);
    usize::try_from(budget / per_row).unwrap_or(usize::MAX).max(1_000)
}

/// A fit of more rows than this tries its starts on a sample ([`STARTS_SAMPLE_ROWS`]).
pub const STARTS_SAMPLE_MIN_ROWS: usize = 200_000;
/// Rows of the seeded sample a large fit's starts are tried on.
pub const STARTS_SAMPLE_ROWS: usize = 100_000;

/// A segmentation's fit, checked: on every cleaned row, or on a seeded sample of them when
/// the matrix is over the memory budget. Over [`STARTS_SAMPLE_MIN_ROWS`] rows the runs
/// (k-means++ starts, each to convergence) are made on a seeded sample of
/// [`STARTS_SAMPLE_ROWS`] rows ([`FitPlan::starts`]), and the best of them is finished by
/// one run on every row: scikit-learn's `MiniBatchKMeans` chooses its start on a sample
/// the same way (`init_size`), where `KMeans` would repeat every start on every row.
pub struct FitPlan {
    /// The fit of the matrix: its runs, or (with `starts`) the one run that finishes.
    pub prepared: kmeans::Prepared,
    /// The sampled rows' matrix (`None`: the fit is on every row, `cleaned.scaled`).
    pub sample: Option<Vec<f64>>,
    /// The starts tried on a sample of the matrix, when it is large.
    pub starts: Option<Starts>,
}

/// A large fit's starts: its runs on a seeded sample of the matrix's rows.
pub struct Starts {
    /// The runs' fit (with the sample's centred rows when they are made here).
    pub prepared: kmeans::Prepared,
    /// The sample's rows, row-major (for the page's helpers).
    pub rows: Vec<f64>,
}

impl FitPlan {
    /// The matrix the runs fit.
    pub fn matrix<'a>(&'a self, cleaned: &'a CleanedData) -> &'a [f64] {
        self.sample.as_deref().unwrap_or(&cleaned.scaled)
    }

    /// The run that finishes a large fit, from the best of its starts: its centres in the
    /// matrix's centred units (`None` without starts).
    pub fn finishing_centers(&self, best_start: &kmeans::RunOutcome) -> Option<Vec<f64>> {
        let starts = self.starts.as_ref()?;
        Some(self.prepared.centre(&starts.prepared.uncentre(&best_start.centers)))
    }

    /// The fit's best run, made here: every run on the matrix, or the starts on their
    /// sample and the best finished on the matrix.
    pub fn best_run(&self, progress: &mut dyn FnMut(kmeans::FitProgress) -> bool) -> Result<kmeans::RunOutcome, kmeans::KMeansError> {
        let Some(starts) = &self.starts else { return self.prepared.best_run(progress) };
        let best = starts.prepared.best_run(progress)?;
        let initial = self.finishing_centers(&best).unwrap_or_default();
        self.prepared.run_from(0, initial, &mut self.prepared.workspace(), progress)
    }

    /// Rows the starts were tried on, when they were tried on a sample.
    pub fn starts_rows(&self) -> Option<usize> {
        self.starts.as_ref().map(|s| s.prepared.n_rows())
    }

    /// The fit of every row from the best run: on a sample, each row gets its nearest
    /// centre (the first on a tie) and the inertia is the whole matrix's.
    pub fn finish(&self, cleaned: &CleanedData, best: kmeans::RunOutcome) -> (kmeans::KMeansFit, Option<usize>) {
        let mut fit = self.prepared.finish(best);
        let Some(sample) = &self.sample else { return (fit, None) };
        let d = cleaned.n_features.max(1);
        let (labels, inertia) = kmeans::predict(&cleaned.scaled, d, &fit.centers);
        fit.labels = labels;
        fit.inertia = inertia;
        (fit, Some(sample.len() / d))
    }
}

/// The clusters on the first two principal components of the scaled features: a map of
/// the segments when there are more than two features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PcaMap {
    /// The chart's rows projected, row-major `n × 2` (same rows as `chart_values`).
    #[serde(with = "super::packed::f64s")]
    pub points: Vec<f64>,
    /// Segment centres projected, row-major `k × 2`.
    pub centers: Vec<f64>,
    /// Share of the variance along each axis.
    pub explained_ratio: Vec<f64>,
}

/// The segments of a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segmentation {
    /// Rows of the seeded sample the fit ran on, when the matrix was over the memory budget
    /// (every row still has a segment: its nearest centre).
    #[serde(default)]
    pub fit_rows: Option<usize>,
    /// Rows of the seeded sample the fit's starts were tried on, when the matrix was large
    /// ([`FitPlan`]): the best start was then finished on every row of the fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_rows: Option<usize>,
    pub feature_names: Vec<String>,
    /// Feature values of the rows drawn in the scatter (all rows up to [`MAX_CHART_POINTS`],
    /// an even sample beyond), row-major, in the data's own units.
    #[serde(with = "super::packed::f64s")]
    pub chart_values: Vec<f64>,
    #[serde(with = "super::packed::indices")]
    pub chart_labels: Vec<usize>,
    /// Who each chart row is, for the charts' tooltips (same rows as `chart_values`): the
    /// text of the file's first ID column, else `line N` (the row's line in the file).
    #[serde(default)]
    pub chart_ids: Vec<String>,
    /// Segment (0-based) of each clustered row. Kept in the worker for the exports; not
    /// sent to the page (a million labels would cost the main thread for nothing).
    #[serde(skip)]
    pub labels: Vec<usize>,
    /// Centres on the scaled features (what K-Means saw), row-major `k × n_features`.
    pub centers_scaled: Vec<f64>,
    /// Each segment named and described, with its numbers in the data's own units.
    pub segments: Vec<SegmentDescription>,
    /// Each feature over all clustered rows, in the data's own units.
    pub overall: Vec<OverallFeature>,
    /// The PCA map, when there are more than two features.
    pub pca: Option<PcaMap>,
    /// Inertia on the scaled features.
    pub inertia: f64,
    pub n_iterations: usize,
    pub n_rows: usize,
    pub n_clustered: usize,
    pub warnings: Vec<String>,
    /// Each segment's bootstrap stability ([`segment_stability`]), once measured.
    #[serde(default)]
    pub stability: Option<Stability>,
    /// How much each feature separates the segments (η², F), most first.
    #[serde(default)]
    pub separation: Vec<FeatureSeparation>,
    /// Every numeric column of the file summed per segment, the value and preference
    /// guesses and a suggested action per segment ([`super::value`]).
    #[serde(default)]
    pub values: SegmentValues,
}

impl Segmentation {
    /// Segment `index`'s stability (mean bootstrap Jaccard), where measured.
    pub fn stability_of(&self, index: usize) -> Option<f64> {
        self.stability.as_ref().and_then(|s| s.jaccard.get(index).copied().flatten())
    }

    pub fn n_clusters(&self) -> usize {
        self.segments.len()
    }
}

/// Who each of `chart_rows` (matrix rows) is: the cell of the file's first ID column, else
/// `line N`, the line of the file the row starts on (else its 1-based row).
fn chart_ids(file: &LoadedFile, cleaned: &CleanedData, chart_rows: &[usize]) -> Vec<String> {
    let id_column = file.profile.columns.iter().find(|c| c.kind == ColumnKind::Identifier).map(|c| c.index);
    chart_rows
        .iter()
        .map(|&r| {
            let row = cleaned.row_of.get(r).copied().unwrap_or(r);
            let id = id_column.map(|c| file.table.cell(row, c).trim()).filter(|t| !t.is_empty());
            match (id, file.table.row_lines.get(row)) {
                (Some(id), _) => id.chars().take(40).collect(),
                (None, Some(line)) => format!("line {line}"),
                (None, None) => format!("row {}", row + 1),
            }
        })
        .collect()
}

/// Fits K-Means on the cleaned matrix and summarises the segments in the data's units.
pub fn segment(file: &LoadedFile, cleaned: &CleanedData, options: &SegmentOptions) -> Result<Segmentation, PipelineError> {
    let plan = prepare_segment_fit(file, cleaned, options)?;
    let best = plan.best_run(&mut |_| true).map_err(named(&file.name))?;
    let (fit, fit_rows) = plan.finish(cleaned, best);
    let mut segmentation = segment_with_fit(file, cleaned, fit, fit_rows);
    segmentation.starts_rows = plan.starts_rows();
    Ok(segmentation)
}

/// The K-Means parameters [`segment`] fits with (the page's workers share its runs out).
pub fn segment_params(options: &SegmentOptions) -> KMeansParams {
    KMeansParams::new(options.n_clusters).seed(options.seed)
}

/// [`segment`]'s check of the fit before it is made, named by the file: the fit's shared
/// part, for runs made elsewhere; on a seeded sample when the matrix is over
/// `options.fit_budget`.
pub fn prepare_segment_fit(file: &LoadedFile, cleaned: &CleanedData, options: &SegmentOptions) -> Result<FitPlan, PipelineError> {
    plan_fit(file, cleaned, options, true)
}

/// [`prepare_segment_fit`] for runs made elsewhere (the page's helper workers): checked,
/// without the centred copy of the matrix the runs would need here.
pub fn prepare_segment_fit_elsewhere(file: &LoadedFile, cleaned: &CleanedData, options: &SegmentOptions) -> Result<FitPlan, PipelineError> {
    plan_fit(file, cleaned, options, false)
}

fn plan_fit(file: &LoadedFile, cleaned: &CleanedData, options: &SegmentOptions, runs_here: bool) -> Result<FitPlan, PipelineError> {
    let d = cleaned.n_features;
    let max_rows = options.fit_budget.map(|b| fit_rows_for_budget(b, d));
    let sample = max_rows.filter(|&m| cleaned.n_rows > m).map(|m| {
        let mut rows = Vec::with_capacity(m * d);
        for r in sample_row_indices(cleaned.n_rows, m, options.seed) {
            rows.extend_from_slice(cleaned.scaled.get(r * d..(r + 1) * d).unwrap_or(&[]));
        }
        rows
    });
    let matrix = sample.as_deref().unwrap_or(&cleaned.scaled);
    let params = segment_params(options);
    let n = matrix.len() / d.max(1);
    let prepare = |rows: &[f64], params: &KMeansParams| {
        if runs_here { kmeans::Prepared::new(rows, d, params) } else { kmeans::Prepared::without_data(rows, d, params) }
            .map_err(named(&file.name))
    };
    if n <= STARTS_SAMPLE_MIN_ROWS || params.n_runs <= 1 {
        return Ok(FitPlan { prepared: prepare(matrix, &params)?, sample, starts: None });
    }
    let mut rows = Vec::with_capacity(STARTS_SAMPLE_ROWS * d);
    for r in sample_row_indices(n, STARTS_SAMPLE_ROWS, options.seed) {
        rows.extend_from_slice(matrix.get(r * d..(r + 1) * d).unwrap_or(&[]));
    }
    let starts = Starts { prepared: prepare(&rows, &params)?, rows };
    let prepared = prepare(matrix, &params.clone().n_runs(1))?;
    Ok(FitPlan { prepared, sample, starts: Some(starts) })
}

/// What describing a segmentation needs of the cleaned data whatever the fit: each
/// feature's figures over every row in the data's units, and the PCA map's components and
/// points (the fit adds only its centres). Made once for a cleaning ([`segment_ground`]),
/// e.g. while the user reads the k sweep, so that a segmentation (and each one after it,
/// with another k) describes only what depends on its fit.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentGround {
    pub overall: Vec<OverallFeature>,
    /// The PCA of the matrix with the chart's rows projected (`None` up to two features,
    /// or when it cannot be made).
    pub pca: Option<Projection>,
}

/// The rows the scatter and the PCA map draw: every `stride`-th of the matrix's rows.
fn chart_stride(n_rows: usize) -> usize {
    n_rows.div_ceil(MAX_CHART_POINTS).max(1)
}

/// The [`SegmentGround`] of `cleaned`.
pub fn segment_ground(file: &LoadedFile, cleaned: &CleanedData) -> SegmentGround {
    let d = cleaned.n_features;
    let overall = cleaned
        .plan
        .features
        .iter()
        .enumerate()
        .map(|(f, feature)| {
            let mut all = cleaned.original_column(&file.table, &file.profile, f);
            let n = all.len().max(1) as f64;
            let mean = all.iter().sum::<f64>() / n;
            let std = (all.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
            OverallFeature { name: feature.name.clone(), mean, median: select_quantile(&mut all, 0.5), std }
        })
        .collect();
    let chart_rows: Vec<usize> = (0..cleaned.n_rows).step_by(chart_stride(cleaned.n_rows)).collect();
    let pca = (d > 2).then(|| pca_2d_of_rows(&cleaned.scaled, d, &chart_rows).ok()).flatten();
    SegmentGround { overall, pca }
}

/// [`segment`] from a fit made elsewhere (the runs shared out among the page's workers);
/// `fit_rows`: the rows of the sample it was fitted on, if not every row.
pub fn segment_with_fit(file: &LoadedFile, cleaned: &CleanedData, fit: kmeans::KMeansFit, fit_rows: Option<usize>) -> Segmentation {
    segment_on_ground(file, cleaned, &segment_ground(file, cleaned), fit, fit_rows)
}

/// [`segment_with_fit`] on the [`SegmentGround`] of `cleaned`, made before.
pub fn segment_on_ground(
    file: &LoadedFile,
    cleaned: &CleanedData,
    ground: &SegmentGround,
    fit: kmeans::KMeansFit,
    fit_rows: Option<usize>,
) -> Segmentation {
    let d = cleaned.n_features;
    let k = fit.n_clusters;
    let names: Vec<String> = cleaned.plan.features.iter().map(|f| f.name.clone()).collect();
    // Per feature: the values of each segment, for means and medians in the data's units.
    let mut means = vec![vec![f64::NAN; d]; k];
    let mut fives = vec![vec![[f64::NAN; 5]; d]; k];
    let overall = ground.overall.clone();
    let mut sizes = vec![0usize; k];
    for &label in &fit.labels {
        if let Some(s) = sizes.get_mut(label) {
            *s += 1;
        }
    }
    let mut by_segment: Vec<Vec<f64>> = sizes.iter().map(|&n| Vec::with_capacity(n)).collect();
    let stride = chart_stride(cleaned.n_rows);
    let chart_rows: Vec<usize> = (0..cleaned.n_rows).step_by(stride).collect();
    let mut chart_values = vec![f64::NAN; chart_rows.len() * d];
    for f in 0..names.len() {
        by_segment.iter_mut().for_each(Vec::clear);
        // The feature in the data's units, made again from the file (8 bytes a row while
        // it is read).
        let all = cleaned.original_column(&file.table, &file.profile, f);
        for (&v, &label) in all.iter().zip(&fit.labels) {
            if let Some(values) = by_segment.get_mut(label) {
                values.push(v);
            }
        }
        for (slot, &r) in chart_values.iter_mut().skip(f).step_by(d.max(1)).zip(&chart_rows) {
            *slot = all.get(r).copied().unwrap_or(f64::NAN);
        }
        for (s, values) in by_segment.iter_mut().enumerate() {
            if values.is_empty() {
                continue;
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            if let (Some(m), Some(five)) = (means.get_mut(s).and_then(|m| m.get_mut(f)), fives.get_mut(s).and_then(|m| m.get_mut(f))) {
                *m = mean;
                let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (least(lo, v), greatest(hi, v)));
                let [q1, median, q3] = quartiles(values);
                *five = [lo, q1, median, q3, hi];
            }
        }
    }
    let separation = separation(&overall, &means, &sizes);
    let mut segments = describe_segments(&overall, &means, &fives, &sizes);
    for s in &mut segments {
        s.caution = tiny_segment_caution(s, &overall, cleaned.n_rows);
    }
    let chart_labels = chart_rows.iter().map(|&r| fit.labels.get(r).copied().unwrap_or(0)).collect();
    let chart_ids = chart_ids(file, cleaned, &chart_rows);
    let pca = ground.pca.as_ref().map(|p| {
        let components = &p.components;
        let project = |row: &[f64]| -> [f64; 2] {
            let mut out = [0.0; 2];
            for (c, slot) in out.iter_mut().enumerate() {
                *slot = row.iter().zip(&p.mean).zip(components.get(c * d..(c + 1) * d).unwrap_or(&[])).map(|((x, m), w)| (x - m) * w).sum();
            }
            out
        };
        PcaMap {
            points: p.points.clone(),
            centers: fit.centers.chunks_exact(d).flat_map(project).collect(),
            explained_ratio: p.explained_variance_ratio.clone(),
        }
    });
    let values = segment_values(&file.profile, &cleaned.row_of, &fit.labels, k);
    let mut warnings = fit.warnings.clone();

    if stride > 1 {
        warnings.push(format!(
            "the scatter shows {} of {} rows (every {stride}th); every row is in the download",
            chart_rows.len(),
            cleaned.n_rows
        ));
    }
    Segmentation {
        fit_rows,
        starts_rows: None,
        feature_names: names,
        chart_values,
        chart_labels,
        chart_ids,
        centers_scaled: fit.centers.clone(),
        segments,
        overall,
        pca,
        inertia: fit.inertia,
        n_iterations: fit.n_iterations,
        n_rows: file.table.n_rows(),
        n_clustered: cleaned.n_rows,
        labels: fit.labels,
        warnings,
        stability: None,
        separation,
        values,
    }
}

/// Features counted as one row's worth of work by [`sweep_runs`].
pub const SWEEP_REFERENCE_WIDTH: usize = 8;

/// Above this many cleaned rows, [`sweep_k`] fits each k on a seeded uniform sample of this
/// many rows (the segments themselves are always fitted on every row, by [`segment`]).
pub const SWEEP_SAMPLE_MAX_ROWS: usize = 100_000;

/// The fewest K-Means runs per k in the sweep: one run can land in a poor local minimum
/// and bend the curves the recommendation reads.
pub const SWEEP_MIN_RUNS: usize = 3;

/// Runs per k in the sweep, from the rows it fits on (the sample on big files) and their
/// features. A fit costs rows × features, so wide rows count as `features / 8` rows each
/// (up to 8 features, rows alone decide): 10 runs up to 50,000 such rows, else
/// [`SWEEP_MIN_RUNS`]; one for a wide matrix (over 16 features) past 200,000 such rows.
pub fn sweep_runs(n_rows: usize, n_features: usize) -> usize {
    let width = n_features.max(SWEEP_REFERENCE_WIDTH);
    let weight = n_rows.saturating_mul(width) / SWEEP_REFERENCE_WIDTH;
    if weight <= 50_000 {
        10
    } else if n_features > 2 * SWEEP_REFERENCE_WIDTH && weight > 200_000 {
        // A wide matrix (never a long one: rows are sampled down to the cap first): each
        // fit costs rows × features, so one run per k keeps 10,000 × 300 within seconds.
        1
    } else {
        SWEEP_MIN_RUNS
    }
}

/// Fits k = 2..=k_max and scores each (elbow, silhouette, Calinski–Harabasz, Davies–Bouldin),
/// with a recommended k; `progress` gets the fraction done and returns false to cancel.
/// Above [`SWEEP_SAMPLE_MAX_ROWS`] rows the fits run on a seeded sample of that many rows,
/// with [`sweep_runs`] of the sample (at least [`SWEEP_MIN_RUNS`]); the [`Sweep`] says so.
pub fn sweep_k(
    file: &LoadedFile,
    cleaned: &CleanedData,
    k_max: usize,
    seed: u64,
    progress: &mut dyn FnMut(usize, f64) -> bool,
) -> Result<Sweep, PipelineError> {
    sweep_k_with(file, cleaned, k_max, seed, &SweepChecks::for_width(cleaned.n_features), progress)
}

/// [`sweep_k`] with the checks chosen (gap statistic, stability; the benchmarks time the
/// sweep without them).
pub fn sweep_k_with(
    file: &LoadedFile,
    cleaned: &CleanedData,
    k_max: usize,
    seed: u64,
    checks: &SweepChecks,
    progress: &mut dyn FnMut(usize, f64) -> bool,
) -> Result<Sweep, PipelineError> {
    let plan = SweepPlan { k_max, seed, max_rows: SWEEP_SAMPLE_MAX_ROWS, checks: checks.clone() };
    let mut sweep = sweep_matrix(&file.name, &cleaned.scaled, cleaned.n_features, &plan, progress)?;
    explain_sweep(cleaned, &mut sweep);
    Ok(sweep)
}

/// The features that weigh most in the first principal component of the scaled matrix
/// (one, or two when the second weighs at least half as much), named for a sentence:
/// "annual income and spending score". `None` without a component.
fn main_direction(cleaned: &CleanedData) -> Option<String> {
    let d = cleaned.n_features;
    let sample: Vec<f64> = if cleaned.n_rows > MAX_CHART_POINTS {
        sample_row_indices(cleaned.n_rows, MAX_CHART_POINTS, 0)
            .into_iter()
            .flat_map(|r| cleaned.scaled.get(r * d..(r + 1) * d).unwrap_or(&[]).iter().copied())
            .collect()
    } else {
        cleaned.scaled.clone()
    };
    let first = pca(&sample, d, 1).ok()?;
    let mut loadings: Vec<(f64, &str)> =
        first.components.iter().zip(&cleaned.plan.features).map(|(w, f)| (w.abs(), f.name.as_str())).collect();
    loadings.sort_by(|a, b| b.0.total_cmp(&a.0));
    match loadings.as_slice() {
        [(a, x), (b, y), ..] if *b >= 0.5 * a => Some(format!("{x} and {y}")),
        [(_, x), ..] => Some((*x).to_owned()),
        [] => None,
    }
}

/// What [`sweep_matrix`] runs: k = 2..=k_max from `seed`, on a sample of at most
/// `max_rows` rows, with `checks`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SweepPlan {
    pub k_max: usize,
    pub seed: u64,
    pub max_rows: usize,
    pub checks: SweepChecks,
}

/// What a sweep fits, owned: the matrix (a seeded sample of the scaled rows on big files),
/// the ks, the runs and checks. Everything a worker needs to score any of its ks
/// ([`SweepJob::setup`]); the page's workers each get a copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepJob {
    #[serde(with = "super::packed::f64s")]
    pub data: Vec<f64>,
    pub d: usize,
    pub k_max: usize,
    pub base: KMeansParams,
    pub checks: SweepChecks,
    pub exact_max_rows: usize,
    /// Rows of the sample when the sweep fits one.
    pub sample_rows: Option<usize>,
    pub total_rows: usize,
}

impl SweepJob {
    /// The job [`sweep_k`] runs on a scaled matrix (`n × d`, row-major).
    pub(crate) fn new(data: &[f64], d: usize, plan: &SweepPlan) -> Self {
        let SweepPlan { k_max, seed, max_rows, ref checks } = *plan;
        let n = data.len().checked_div(d).unwrap_or(0);
        let max_rows = max_rows.max(2);
        let (data, n_swept, sample_rows) = if n > max_rows {
            let mut rows = Vec::with_capacity(max_rows * d);
            for r in sample_row_indices(n, max_rows, seed) {
                rows.extend_from_slice(data.get(r * d..(r + 1) * d).unwrap_or(&[]));
            }
            (rows, max_rows, Some(max_rows))
        } else {
            (data.to_vec(), n, None)
        };
        let base = KMeansParams::new(2).seed(seed).n_runs(sweep_runs(n_swept, d));
        let k_max = k_max.max(2).min(n_swept.max(2));
        Self {
            data,
            d,
            k_max,
            base,
            checks: checks.clone(),
            exact_max_rows: k_selection::silhouette_max_rows(d),
            sample_rows,
            total_rows: n,
        }
    }

    /// The job of [`sweep_k`] for a cleaned file.
    pub fn for_file(cleaned: &CleanedData, k_max: usize, seed: u64) -> Self {
        let plan = SweepPlan { k_max, seed, max_rows: SWEEP_SAMPLE_MAX_ROWS, checks: SweepChecks::for_width(cleaned.n_features) };
        Self::new(&cleaned.scaled, cleaned.n_features, &plan)
    }

    /// The ks' shared setup (every worker builds the same one).
    pub fn setup(&self) -> Result<SweepSetup<'_>, k_selection::KSelectionError> {
        SweepSetup::new(&self.data, self.d, 2..=self.k_max, &self.base, &self.checks, self.exact_max_rows)
    }

    /// The gap statistic's reference sets of this job, for [`SweepJob::setup_with`].
    pub fn gap_reference(&self) -> Option<k_selection::gap::GapReference> {
        SweepSetup::gap_reference(&self.data, self.d, &self.base, &self.checks)
    }

    /// [`SweepJob::setup`] with the reference sets drawn once ([`SweepJob::gap_reference`]).
    pub fn setup_with<'a>(
        &'a self,
        reference: Option<&'a k_selection::gap::GapReference>,
    ) -> Result<SweepSetup<'a>, k_selection::KSelectionError> {
        SweepSetup::with_reference(&self.data, self.d, 2..=self.k_max, &self.base, &self.checks, self.exact_max_rows, reference)
    }

    /// The sweep from its ks' outcomes (in any order), said of the whole file.
    pub fn combine(&self, name: &str, outcomes: Vec<KOutcome>) -> Result<Sweep, PipelineError> {
        let setup = self.setup().map_err(named(name))?;
        self.finish(&setup, name, outcomes)
    }

    /// The silhouettes of these labelings of the ks ([`SweepSetup::silhouette_labelings`]),
    /// to be scored a block at a time: a setup without the gap's reference sets, which the
    /// silhouettes do not need.
    pub fn silhouette_plan(&self, labelings: &[Vec<u32>]) -> Result<crate::core::metrics::SilhouettePlan, k_selection::KSelectionError> {
        Ok(self.setup_with(None)?.silhouette_plan(labelings))
    }

    /// [`SweepJob::combine`] with the silhouettes of the ks already scored, in k order (the
    /// page's helpers score the blocks of [`SweepSetup::silhouette_plan`]).
    pub fn combine_scored(&self, name: &str, outcomes: Vec<KOutcome>, silhouettes: &[Option<f64>]) -> Result<Sweep, PipelineError> {
        let setup = self.setup().map_err(named(name))?;
        let sweep = setup.combine_scored(outcomes, silhouettes).map_err(named(name))?;
        Ok(self.of_whole_file(sweep))
    }

    fn of_whole_file(&self, mut sweep: Sweep) -> Sweep {
        sweep.sample_rows = self.sample_rows;
        sweep.total_rows = self.total_rows;
        sweep
    }

    fn finish(&self, setup: &SweepSetup<'_>, name: &str, outcomes: Vec<KOutcome>) -> Result<Sweep, PipelineError> {
        let sweep = setup.combine(outcomes).map_err(named(name))?;
        Ok(self.of_whole_file(sweep))
    }

    /// Every k here, in order (the sequential sweep); `progress(k, fraction)` returning
    /// false cancels.
    pub fn run(&self, name: &str, progress: &mut dyn FnMut(usize, f64) -> bool) -> Result<Sweep, PipelineError> {
        let setup = self.setup().map_err(named(name))?;
        let outcomes = setup.outcomes(&mut |p| progress(p.k, p.fraction()));
        self.finish(&setup, name, outcomes)
    }
}

/// [`sweep_k`] on a scaled matrix (`n × d`, row-major), with the sample's size as a parameter.
pub(crate) fn sweep_matrix(
    name: &str,
    data: &[f64],
    d: usize,
    plan: &SweepPlan,
    progress: &mut dyn FnMut(usize, f64) -> bool,
) -> Result<Sweep, PipelineError> {
    SweepJob::new(data, d, plan).run(name, progress)
}

/// The words [`sweep_k`] adds to a recommendation of no clear segments: the direction the
/// customers vary most in.
pub fn explain_sweep(cleaned: &CleanedData, sweep: &mut Sweep) {
    if let Some(r) = sweep.recommendation.as_mut().filter(|r| r.rule == KRule::NoClearSegments) {
        if let Some(along) = main_direction(cleaned) {
            r.reason.push_str(&format!(" Its bands run mostly along {along}, the direction in which the customers vary most."));
        }
    }
}

/// Measures each segment's bootstrap stability ([`crate::core::stability`], default
/// options for the width, seeded with `seed`) and keeps it in `segmentation`; `progress` gets the fraction
/// done and returns false to cancel.
pub fn segment_stability(
    file: &LoadedFile,
    cleaned: &CleanedData,
    segmentation: &mut Segmentation,
    seed: u64,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<(), PipelineError> {
    let options = StabilityOptions::for_width(cleaned.n_features, seed);
    let k = segmentation.n_clusters();
    let measured = stability::segment_stability(&cleaned.scaled, cleaned.n_features, &segmentation.labels, k, &options, progress)
        .map_err(named(&file.name))?;
    segmentation.stability = Some(measured);
    Ok(())
}

/// [`segment_stability`]'s resamples drawn for `labels` (the fit's), to be fitted elsewhere
/// ([`stability::Resampling`]: the page's pool shares them out).
pub fn stability_resampling(
    file: &LoadedFile,
    cleaned: &CleanedData,
    labels: &[usize],
    k: usize,
    seed: u64,
) -> Result<stability::Resampling, PipelineError> {
    let options = StabilityOptions::for_width(cleaned.n_features, seed);
    stability::Resampling::new(&cleaned.scaled, cleaned.n_features, labels, k, &options).map_err(named(&file.name))
}

/// Words for a stability that could not be measured: said in the segmentation's warnings,
/// not an error (the segments stand without it).
pub fn stability_unmeasured(segmentation: &mut Segmentation, cause: &str) {
    segmentation.warnings.push(format!("the stability of the segments could not be measured: {cause}"));
}

/// The segments' names: the user's where given (non-empty), else the generated ones.
pub fn segment_names(segmentation: &Segmentation, overrides: &[String]) -> Vec<String> {
    segmentation
        .segments
        .iter()
        .enumerate()
        .map(|(i, s)| overrides.get(i).filter(|n| !n.trim().is_empty()).map_or_else(|| s.name.clone(), |n| n.trim().to_owned()))
        .collect()
}

/// The user's rows with their segment and, for rows not clustered, the reason.
pub fn export_csv(
    file: &LoadedFile,
    cleaned: &CleanedData,
    segmentation: &Segmentation,
    names: &[String],
) -> Result<Vec<u8>, PipelineError> {
    let mut bytes = Vec::new();
    export_csv_parts(file, cleaned, segmentation, names, usize::MAX, &mut |part| {
        bytes = part;
        Ok(())
    })?;
    Ok(bytes)
}

/// [`export_csv`] written `rows_per_part` rows at a time, each part given to `sink` (the
/// header with the first): the parts put together are [`export_csv`]'s bytes, and no more
/// than a part's text and outcomes are held at once.
pub fn export_csv_parts(
    file: &LoadedFile,
    cleaned: &CleanedData,
    segmentation: &Segmentation,
    names: &[String],
    rows_per_part: usize,
    sink: &mut dyn FnMut(Vec<u8>) -> Result<(), String>,
) -> Result<(), PipelineError> {
    let n = file.table.n_rows();
    // Each table row's segment (u32::MAX: not clustered): 4 bytes a row.
    let mut segment_of = vec![u32::MAX; n];
    for (&row, &label) in cleaned.row_of.iter().zip(&segmentation.labels) {
        if let Some(s) = segment_of.get_mut(row) {
            *s = u32::try_from(label).unwrap_or(u32::MAX);
        }
    }
    let mut excluded: Vec<&crate::core::clean::ExcludedRow> = cleaned.excluded.iter().collect();
    excluded.sort_by_key(|e| e.row);
    let mut excluded = excluded.into_iter().peekable();
    let names = segment_names(segmentation, names);
    let rows_per_part = rows_per_part.max(1);
    let mut start = 0usize;
    loop {
        let end = start.saturating_add(rows_per_part).min(n);
        let mut outcomes = vec![RowOutcome::default(); end - start];
        for (o, &s) in outcomes.iter_mut().zip(segment_of.get(start..end).unwrap_or(&[])) {
            o.segment = (s != u32::MAX).then_some(s as usize);
        }
        while let Some(e) = excluded.next_if(|e| e.row < end) {
            if let Some(o) = e.row.checked_sub(start).and_then(|i| outcomes.get_mut(i)) {
                o.excluded_reason = Some(e.reason.clone());
            }
        }
        let part = segmented_csv_rows(&file.table, start..end, &outcomes, &names, start == 0).map_err(named(&file.name))?;
        drop(outcomes);
        sink(part).map_err(|message| PipelineError { file: file.name.clone(), kind: PipelineErrorKind::Pieces(message) })?;
        if end >= n {
            return Ok(());
        }
        start = end;
    }
}

/// One row per segment (and one for all customers): size, share, and each feature's mean
/// and median in the data's own units.
pub fn export_summary(file: &LoadedFile, segmentation: &Segmentation, names: &[String]) -> Result<Vec<u8>, PipelineError> {
    export_summary_with(file, segmentation, names, &ValueChoice::default())
}

/// [`export_summary`] with the user's value column, preference columns and actions (each
/// left out: the guess), for the value, preference and action columns.
pub fn export_summary_with(
    file: &LoadedFile,
    segmentation: &Segmentation,
    names: &[String],
    choice: &ValueChoice,
) -> Result<Vec<u8>, PipelineError> {
    summary_csv_with(segmentation, &segment_names(segmentation, names), choice).map_err(named(&file.name))
}

#[cfg(test)]
mod tests;
