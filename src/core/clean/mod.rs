//! Table + profile + choices → the matrix K-Means sees, and a report of everything done.
//!
//! Each step is explicit and reported, in this order: ragged rows (optional), missing values
//! per feature (leave the row out, or impute mean / median / mode / a constant), duplicate
//! rows (kept or left out), outliers (none, clip to percentiles, IQR clip), log1p for skewed
//! money-like columns, one-hot encoding of categories (top N + other), scaling.
//!
//! Invariant: every table row is either a matrix row (`row_of[i]`) or in `excluded` with a
//! reason, never neither, never both.

mod duplicates;
pub mod scaling;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::ingest::Table;
use super::plan::{clip_value, number_steps, OneHotEncoder, MISSING_CATEGORY};
use super::profile::{parse_column, select_quantile, ColumnKind, NumericColumn, TableProfile};
use super::warning::{Warning, WarningKind};
pub use scaling::{Scaler, Scaling};

/// What to do with a missing value in a numeric feature.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "strategy", content = "value", rename_all = "snake_case")]
pub enum MissingStrategy {
    /// Leave the row out of clustering (it keeps an empty segment and its reason in the
    /// export). The default: an invented value would place the customer by a guess.
    #[default]
    Exclude,
    Mean,
    Median,
    Mode,
    Constant(f64),
}

/// What to do with rows that repeat another row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicatePolicy {
    /// Keep them (the default: two customers may well look alike); they are counted.
    #[default]
    Keep,
    /// Leave out rows equal to an earlier row in every column.
    ExcludeExact,
    /// Leave out rows equal to an earlier row in every column but the identifiers.
    ExcludeIgnoringIds,
}

/// How extreme values are tamed before scaling.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum OutlierPolicy {
    /// Leave values as they are (the default; the profile shows the extremes).
    #[default]
    None,
    /// Clip each feature to its [lower, upper] percentiles (e.g. 1 and 99).
    ClipPercentiles { lower: f64, upper: f64 },
    /// Clip each feature to [Q1 − factor·IQR, Q3 + factor·IQR] (Tukey's fences, factor 1.5).
    ClipIqr { factor: f64 },
}

impl OutlierPolicy {
    /// The page's three choices by name, as its control and the command line name them:
    /// `none`, `percentiles` (1st–99th) and `iqr` (1.5 × IQR fences).
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Self::None),
            "percentiles" => Some(Self::ClipPercentiles { lower: 1.0, upper: 99.0 }),
            "iqr" => Some(Self::ClipIqr { factor: 1.5 }),
            _ => None,
        }
    }
}

/// One numeric (or boolean) column used as a feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericFeature {
    pub column: usize,
    pub missing: MissingStrategy,
    /// Replace x by ln(1 + x) (only for non-negative columns).
    pub log1p: bool,
}

/// Every cleaning choice. [`CleaningOptions::suggested`] gives the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CleaningOptions {
    pub numeric: Vec<NumericFeature>,
    /// Categorical (or boolean) columns to one-hot encode.
    pub categorical: Vec<usize>,
    /// Categories kept per one-hot column; the rest become "other".
    pub one_hot_top: usize,
    pub duplicates: DuplicatePolicy,
    pub outliers: OutlierPolicy,
    pub scaling: Scaling,
    /// Leave out rows with more or fewer fields than the header (default: keep, padded).
    pub exclude_ragged: bool,
}

impl CleaningOptions {
    /// The defaults a careful analyst would choose: every numeric column that is not an
    /// identifier or a possible category code, rows with a missing value left out, no
    /// clipping, no log transform (suggested, not applied), duplicates kept and counted,
    /// standard scaling.
    pub fn suggested(profile: &TableProfile) -> Self {
        Self {
            numeric: profile
                .columns
                .iter()
                .filter(|c| c.is_default_feature())
                .map(|c| NumericFeature { column: c.index, missing: MissingStrategy::Exclude, log1p: false })
                .collect(),
            categorical: Vec::new(),
            one_hot_top: 10,
            duplicates: DuplicatePolicy::Keep,
            outliers: OutlierPolicy::None,
            scaling: Scaling::Standard,
            exclude_ragged: false,
        }
    }

    /// Column `column` as a feature, as ticking its box on the page makes it: one-hot
    /// categories when `categorical`, else a number (rows missing it left out, no log);
    /// `None` takes it out of the features. The lists stay in column order.
    pub fn set_feature(&mut self, column: usize, categorical: Option<bool>) {
        self.numeric.retain(|f| f.column != column);
        self.categorical.retain(|&c| c != column);
        match categorical {
            Some(true) => {
                self.categorical.push(column);
                self.categorical.sort_unstable();
            }
            Some(false) => {
                self.numeric.push(NumericFeature { column, missing: MissingStrategy::Exclude, log1p: false });
                self.numeric.sort_by_key(|f| f.column);
            }
            None => {}
        }
    }
}

pub use super::outcome::ExclusionReason;

/// A row left out of clustering, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExcludedRow {
    /// 0-based table row.
    pub row: usize,
    pub reason: ExclusionReason,
}

pub use super::plan::{Feature, FeaturePlan, FeatureSource};

/// A count per something, for the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Count {
    pub what: String,
    pub count: usize,
}

/// Everything the cleaning did, for the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CleaningReport {
    pub rows_read: usize,
    pub rows_clustered: usize,
    /// Rows left out, per reason.
    pub rows_left_out: Vec<Count>,
    /// Cells imputed per column ("Income (median 51,381.5)").
    pub imputed: Vec<Count>,
    /// Values clipped per column.
    pub clipped: Vec<Count>,
    pub log_transformed: Vec<String>,
    /// Columns not used as features, with why.
    pub columns_left_out: Vec<Count>,
    pub columns_left_out_reasons: Vec<(String, String)>,
    /// Rows equal to an earlier row in every column.
    pub duplicates_exact: usize,
    /// Rows equal to an earlier row in every column but the identifiers.
    pub duplicates_ignoring_ids: usize,
    pub ragged_rows: usize,
    pub scaling: Scaling,
    /// Things worth knowing that changed nothing (log refused on negative values, ...).
    pub notes: Vec<String>,
    /// Things the user must see before trusting the segments (most rows left out, ...).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// The cleaned data.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanedData {
    /// Row → features as fitted here (fills, clip bounds, log, categories, scaler): what a
    /// saved model applies to new rows and writes as SQL.
    pub plan: FeaturePlan,
    /// Row-major `n_rows × n_features` after every step: what K-Means sees.
    pub scaled: Vec<f64>,
    pub n_rows: usize,
    pub n_features: usize,
    /// Table row of each matrix row.
    pub row_of: Vec<usize>,
    pub excluded: Vec<ExcludedRow>,
    pub report: CleaningReport,
}

impl CleanedData {
    /// Feature `f` over the matrix's rows in the data's own units (after filling, before
    /// clipping, log and scaling; a one-hot feature's 0 or 1), made again from the table and
    /// profile the data was cleaned from through the plan's own steps, as the cleaning made
    /// it: the cleaned data keeps only the scaled matrix, so a feature's values in its units
    /// cost 8 bytes a row only while they are read. Empty for a feature that is not there.
    pub fn original_column(&self, table: &Table, profile: &TableProfile, f: usize) -> Vec<f64> {
        let Some(feature) = self.plan.features.get(f) else { return Vec::new() };
        match &feature.source {
            FeatureSource::Number { impute, .. } => {
                let parsed;
                let numbers = match profile.numbers.get(feature.column).and_then(Option::as_ref) {
                    Some(numbers) => numbers,
                    None => {
                        parsed = parse_column(table, feature.column, feature.decimal_comma);
                        &parsed
                    }
                };
                self.row_of
                    .iter()
                    .map(|&r| {
                        let v = numbers.values.get(r).copied().unwrap_or(f64::NAN);
                        if v.is_nan() {
                            number_steps(v, *impute, None, false).unwrap_or(f64::NAN)
                        } else {
                            v
                        }
                    })
                    .collect()
            }
            FeatureSource::OneHot { .. } => {
                // The column's one-hot features, through the plan's own encoder.
                let mut encoder = OneHotEncoder::default();
                for (g, other) in self.plan.features.iter().enumerate() {
                    if let (true, FeatureSource::OneHot { value, .. }) = (other.column == feature.column, &other.source) {
                        encoder.add(g, value.as_deref());
                    }
                }
                self.row_of
                    .iter()
                    .map(|&r| if encoder.feature_of(category_of(table, r, feature.column)) == Some(f) { 1.0 } else { 0.0 })
                    .collect()
            }
        }
    }

    /// Every feature in the data's own units, row-major (`original_column` side by side):
    /// for small data and tests.
    pub fn original_matrix(&self, table: &Table, profile: &TableProfile) -> Vec<f64> {
        let columns: Vec<Vec<f64>> = (0..self.n_features).map(|f| self.original_column(table, profile, f)).collect();
        row_major(&columns, self.n_rows)
    }
}

/// Why no matrix could be built.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum CleanError {
    #[error(
        "no feature to cluster on: choose at least one numeric column (or a categorical one to \
         encode); identifier columns such as CustomerID are never used"
    )]
    NoFeatures,
    /// Nothing in the file can tell customers apart; the cause in words.
    #[error("nothing to cluster on: {cause}")]
    NothingToCluster { cause: String },
    #[error("column {index} does not exist: the file has {n_columns} columns")]
    NoSuchColumn { index: usize, n_columns: usize },
    #[error(
        "every row was left out of clustering (first: line {line}, {reason}): fill the \
         missing values, impute them, or choose other columns"
    )]
    NoUsableRow { line: u64, reason: String },
}

/// Runs every cleaning step and returns the matrix with its report.
pub fn clean_table(table: &Table, profile: &TableProfile, options: &CleaningOptions) -> Result<CleanedData, CleanError> {
    check_features(table, profile, options)?;
    let n = table.n_rows();
    let parsed = parse_numeric_features(table, profile, options);

    // Rows: each left out for the first reason that applies, in the order of the steps.
    let mut reasons: Vec<Option<ExclusionReason>> = vec![None; n];
    if options.exclude_ragged {
        mark_ragged(table, &mut reasons);
    }
    mark_missing(table, options, &parsed, &mut reasons);
    let duplicates = Duplicates::find(table, profile);
    mark_duplicates(table, duplicates.chosen(options.duplicates), &mut reasons);
    let (row_of, excluded) = split_rows(reasons);
    if row_of.is_empty() {
        return Err(no_usable_row(table, &excluded));
    }

    // Columns: each numeric feature (filled, clipped, logged), then each one-hot value.
    // The categories' values are counted first: with them the matrix's width is known. Each
    // numeric feature's steps are chosen on its column (one copy of its values, 8 bytes a
    // cell, beside the matrix), then every number is written into the row-major matrix
    // straight from the file's numbers through the steps. The values in the data's own
    // units are not kept: `original_column` makes a feature's again when it is read.
    let categories: Vec<OneHotValues> =
        options.categorical.iter().map(|&c| OneHotValues::count(table, c, &row_of, options.one_hot_top)).collect();
    let width = options.numeric.len() + categories.iter().map(OneHotValues::n_features).sum::<usize>();
    let mut columns = FeatureColumns { width, matrix: vec![0.0; row_of.len() * width], ..FeatureColumns::default() };
    for (feature, numbers) in options.numeric.iter().zip(&parsed) {
        columns.add_number(table, profile, feature, numbers, &row_of, options.outliers);
    }
    columns.write_numbers(&parsed, &row_of);
    for (&column, values) in options.categorical.iter().zip(categories) {
        columns.add_one_hot(table, column, &row_of, values);
    }

    // Scaling (in place), then the report.
    let n_rows = row_of.len();
    let n_features = columns.features.len();
    let mut scaled = std::mem::take(&mut columns.matrix);
    if n_rows >= 2 && features_are_constant(&scaled, n_features) {
        return Err(CleanError::NothingToCluster { cause: identical_rows_cause(n_rows, n, &columns.features) });
    }
    let scaler = Scaler::fit(options.scaling, &scaled, n_features);
    scaler.transform_in_place(&mut scaled);
    let report = columns.report(table, profile, options, &excluded, &duplicates, n_rows);
    let plan = FeaturePlan { features: columns.features, scaler, missing_tokens: table.missing_tokens.clone() };
    Ok(CleanedData { scaled, n_rows, n_features, row_of, excluded, plan, report })
}

/// At least one feature, each in the table; with none, the file's own cause if it has one.
fn check_features(table: &Table, profile: &TableProfile, options: &CleaningOptions) -> Result<(), CleanError> {
    if options.numeric.is_empty() && options.categorical.is_empty() {
        return Err(match nothing_to_cluster(table, profile) {
            Some(cause) => CleanError::NothingToCluster { cause },
            None => CleanError::NoFeatures,
        });
    }
    let n_columns = table.n_columns();
    match options.numeric.iter().map(|f| &f.column).chain(&options.categorical).find(|&&c| c >= n_columns) {
        Some(&index) => Err(CleanError::NoSuchColumn { index, n_columns }),
        None => Ok(()),
    }
}

/// The numbers of each numeric feature: the profile's, or parsed now for a column the
/// profile did not read as numbers.
fn parse_numeric_features<'a>(table: &Table, profile: &'a TableProfile, options: &CleaningOptions) -> Vec<Cow<'a, NumericColumn>> {
    options
        .numeric
        .iter()
        .map(|f| match profile.numbers.get(f.column).and_then(Option::as_ref) {
            Some(numbers) => Cow::Borrowed(numbers),
            None => Cow::Owned(parse_column(table, f.column, decimal_comma(profile, f.column))),
        })
        .collect()
}

/// Step 1: rows with more or fewer fields than the header.
fn mark_ragged(table: &Table, reasons: &mut [Option<ExclusionReason>]) {
    for r in &table.ragged {
        if let Some(slot @ None) = reasons.get_mut(r.row) {
            *slot = Some(ExclusionReason::Ragged { fields: r.fields, expected: table.expected_width });
        }
    }
}

/// Step 2: a missing value (or stray text) in a feature whose choice is to leave the row out.
fn mark_missing(table: &Table, options: &CleaningOptions, parsed: &[Cow<'_, NumericColumn>], reasons: &mut [Option<ExclusionReason>]) {
    for (feature, numbers) in options.numeric.iter().zip(parsed) {
        if feature.missing != MissingStrategy::Exclude {
            continue;
        }
        let column = table.headers.get(feature.column).cloned().unwrap_or_default();
        let invalid: HashSet<usize> = numbers.invalid_rows.iter().copied().collect();
        // The values first (8 bytes a row, in order): most are numbers, and their rows'
        // reasons are not read at all.
        for (row, value) in numbers.values.iter().enumerate() {
            if !value.is_nan() {
                continue;
            }
            let Some(slot @ None) = reasons.get_mut(row) else { continue };
            // Text where a number should be is named with its text; with a fill chosen, it
            // is filled like any missing value.
            *slot = Some(if invalid.contains(&row) {
                ExclusionReason::NotANumber { column: column.clone(), text: table.cell(row, feature.column).trim().to_owned() }
            } else {
                ExclusionReason::Missing { column: column.clone() }
            });
        }
    }
}

/// Rows repeating an earlier row, counted under both rules.
struct Duplicates {
    exact: Vec<(usize, usize)>,
    ignoring_ids: Vec<(usize, usize)>,
}

impl Duplicates {
    fn find(table: &Table, profile: &TableProfile) -> Self {
        let n_columns = table.n_columns();
        let id_columns: Vec<bool> =
            (0..n_columns).map(|c| profile.columns.get(c).is_some_and(|p| p.kind == ColumnKind::Identifier)).collect();
        let ignoring_ids = duplicates::find(table, &id_columns);
        // Rows equal in every column are equal outside the IDs too: the exact pass compares
        // only the ID cells within those groups (with no ID column, it is the same pass).
        let exact = if id_columns.contains(&true) {
            let ids: Vec<usize> = (0..n_columns).filter(|&c| id_columns.get(c) == Some(&true)).collect();
            duplicates::exact_within_groups(table, &ids, &ignoring_ids)
        } else {
            ignoring_ids.clone()
        };
        Self { exact, ignoring_ids }
    }

    fn chosen(&self, policy: DuplicatePolicy) -> &[(usize, usize)] {
        match policy {
            DuplicatePolicy::Keep => &[],
            DuplicatePolicy::ExcludeExact => &self.exact,
            DuplicatePolicy::ExcludeIgnoringIds => &self.ignoring_ids,
        }
    }
}

/// Step 3: duplicates under the chosen rule, naming the line they repeat.
fn mark_duplicates(table: &Table, chosen: &[(usize, usize)], reasons: &mut [Option<ExclusionReason>]) {
    for &(row, first) in chosen {
        if let Some(slot @ None) = reasons.get_mut(row) {
            *slot = Some(ExclusionReason::Duplicate { of_line: table.row_lines.get(first).copied().unwrap_or(0) });
        }
    }
}

/// The rows kept (in order) and the rows left out with their reason.
fn split_rows(reasons: Vec<Option<ExclusionReason>>) -> (Vec<usize>, Vec<ExcludedRow>) {
    let mut row_of = Vec::with_capacity(reasons.len());
    let mut excluded = Vec::new();
    for (row, reason) in reasons.into_iter().enumerate() {
        match reason {
            None => row_of.push(row),
            Some(reason) => excluded.push(ExcludedRow { row, reason }),
        }
    }
    (row_of, excluded)
}

fn no_usable_row(table: &Table, excluded: &[ExcludedRow]) -> CleanError {
    if table.n_rows() == 1 {
        return CleanError::NothingToCluster { cause: one_row_cause(table) };
    }
    let (line, reason) =
        excluded.first().map(|e| (table.row_lines.get(e.row).copied().unwrap_or(0), e.reason.describe())).unwrap_or((0, String::new()));
    CleanError::NoUsableRow { line, reason }
}

/// A category's most frequent values among the kept rows (at most `top`, by count, then
/// text), and whether others remain ("other").
struct OneHotValues {
    listed: Vec<String>,
    has_other: bool,
}

impl OneHotValues {
    fn count(table: &Table, column: usize, row_of: &[usize], top: usize) -> Self {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for &r in row_of {
            *counts.entry(category_of(table, r, column)).or_insert(0) += 1;
        }
        let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let listed: Vec<String> = ranked.iter().take(top.max(1)).map(|(v, _)| (*v).to_owned()).collect();
        let has_other = ranked.len() > listed.len();
        Self { listed, has_other }
    }

    /// The one-hot features it makes.
    fn n_features(&self) -> usize {
        self.listed.len() + usize::from(self.has_other)
    }
}

/// A numeric feature's steps as `plan::number_steps` takes them: fill, clip bounds, log.
type NumberSteps = (Option<f64>, Option<(f64, f64)>, bool);

/// Rows of the matrix written at a time by [`FeatureColumns::write_numbers`].
const WRITE_BLOCK_ROWS: usize = 512;

/// The matrix as it is built, feature by feature, with what was done to each.
#[derive(Default)]
struct FeatureColumns {
    features: Vec<Feature>,
    /// Features in the matrix (numeric, then each category's one-hot values).
    width: usize,
    /// Row-major `rows × width` (after filling, clipping and log): what is scaled.
    matrix: Vec<f64>,
    imputed: Vec<Count>,
    clipped: Vec<Count>,
    log_transformed: Vec<String>,
    notes: Vec<String>,
}

impl FeatureColumns {
    /// Step 4: a numeric feature over the kept rows: fill, clip, log.
    fn add_number(
        &mut self,
        table: &Table,
        profile: &TableProfile,
        feature: &NumericFeature,
        numbers: &NumericColumn,
        row_of: &[usize],
        outliers: OutlierPolicy,
    ) {
        let name = table.headers.get(feature.column).cloned().unwrap_or_default();
        let mut values: Vec<f64> = row_of.iter().map(|&r| numbers.values.get(r).copied().unwrap_or(f64::NAN)).collect();
        let missing = values.iter().filter(|v| v.is_nan()).count();
        let impute = (missing > 0).then(|| {
            let fill = impute_value(&values, feature.missing);
            self.imputed
                .push(Count { what: format!("{name} ({} {})", strategy_name(feature.missing), format_value(fill)), count: missing });
            fill
        });
        // The fill, clip and log are the plan's own steps, as a saved model applies them.
        values.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = number_steps(*v, impute, None, false).unwrap_or(f64::NAN));
        let clip = clip_bounds(&values, outliers);
        if let Some((lo, hi)) = clip {
            let count = values.iter().filter(|&&v| clip_value(v, lo, hi) != v).count();
            self.clipped.push(Count { what: format!("{name} to [{}, {}]", format_value(lo), format_value(hi)), count });
        }
        let mut log1p = false;
        if feature.log1p {
            if values.iter().all(|&v| number_steps(v, None, clip, false).is_ok_and(|v| v >= 0.0)) {
                self.log_transformed.push(name.clone());
                log1p = true;
            } else {
                self.notes.push(format!("{name} has negative values: no log transform applied"));
            }
        }
        // Its values go into the matrix with the other numeric features' ([`write_numbers`]).
        self.features.push(Feature {
            name,
            column: feature.column,
            column_name: table.headers.get(feature.column).cloned().unwrap_or_default(),
            decimal_comma: decimal_comma(profile, feature.column),
            source: FeatureSource::Number { impute, clip, log1p },
        });
    }

    /// The numeric features' values into the matrix, row by row (each row's numbers side by
    /// side, as the matrix holds them: written a feature at a time, every row's slot of a
    /// feature is a line of memory of its own, and the matrix went through the cache once
    /// per feature): each from the file's number through the plan's steps, fill, clip and
    /// log, as [`Self::add_number`] chose them. A filled value is a number, and the log is
    /// taken only when none is negative.
    fn write_numbers(&mut self, parsed: &[Cow<'_, NumericColumn>], row_of: &[usize]) {
        let steps: Vec<NumberSteps> = self
            .features
            .iter()
            .filter_map(|f| match f.source {
                FeatureSource::Number { impute, clip, log1p } => Some((impute, clip, log1p)),
                FeatureSource::OneHot { .. } => None,
            })
            .collect();
        let width = self.width.max(1);
        // Blocks of rows small enough to stay in the cache while each feature is written.
        for (block, rows) in self.matrix.chunks_mut(WRITE_BLOCK_ROWS * width).zip(row_of.chunks(WRITE_BLOCK_ROWS)) {
            for (f, (numbers, &(impute, clip, log1p))) in parsed.iter().zip(&steps).enumerate() {
                let values = numbers.values.as_slice();
                for (slot, &row) in block.iter_mut().skip(f).step_by(width).zip(rows) {
                    *slot = number_steps(values.get(row).copied().unwrap_or(f64::NAN), impute, clip, log1p).unwrap_or(f64::NAN);
                }
            }
        }
    }

    /// Step 5: one-hot columns of a category: its most frequent values among the kept
    /// rows ([`OneHotValues::count`]), then "other".
    fn add_one_hot(&mut self, table: &Table, column: usize, row_of: &[usize], values: OneHotValues) {
        let name = table.headers.get(column).cloned().unwrap_or_default();
        let OneHotValues { listed, has_other } = values;
        let first = self.features.len();
        for value in listed.iter().map(|v| Some(v.clone())).chain(has_other.then_some(None)) {
            self.features.push(Feature {
                name: format!("{name} = {}", value.as_deref().unwrap_or("other")),
                column,
                column_name: name.clone(),
                decimal_comma: false,
                source: FeatureSource::OneHot { value, listed: listed.clone() },
            });
        }
        // Each row's category sets one feature, through the plan's own encoder.
        let added = self.features.get(first..).unwrap_or_default();
        let mut encoder = OneHotEncoder::default();
        for (f, feature) in added.iter().enumerate() {
            if let FeatureSource::OneHot { value, .. } = &feature.source {
                encoder.add(f, value.as_deref());
            }
        }
        let width = self.width;
        for (i, &r) in row_of.iter().enumerate() {
            if let Some(cell) = encoder.feature_of(category_of(table, r, column)).and_then(|f| self.matrix.get_mut(i * width + first + f)) {
                *cell = 1.0;
            }
        }
    }

    /// Step 6: everything done, for the user.
    fn report(
        &mut self,
        table: &Table,
        profile: &TableProfile,
        options: &CleaningOptions,
        excluded: &[ExcludedRow],
        duplicates: &Duplicates,
        n_clustered: usize,
    ) -> CleaningReport {
        let used: HashSet<usize> = self.features.iter().map(|f| f.column).collect();
        let columns_left_out_reasons: Vec<(String, String)> =
            profile.columns.iter().filter(|c| !used.contains(&c.index)).map(|c| (c.name.clone(), left_out_reason(c))).collect();
        let mut left_out_counts: BTreeMap<String, usize> = BTreeMap::new();
        for e in excluded {
            *left_out_counts.entry(e.reason.group()).or_insert(0) += 1;
        }
        let n = table.n_rows();
        CleaningReport {
            rows_read: n,
            rows_clustered: n_clustered,
            rows_left_out: left_out_counts.into_iter().map(|(what, count)| Count { what, count }).collect(),
            imputed: std::mem::take(&mut self.imputed),
            clipped: std::mem::take(&mut self.clipped),
            log_transformed: std::mem::take(&mut self.log_transformed),
            columns_left_out: Vec::new(),
            columns_left_out_reasons,
            duplicates_exact: duplicates.exact.len(),
            duplicates_ignoring_ids: duplicates.ignoring_ids.len(),
            ragged_rows: table.ragged.len(),
            scaling: options.scaling,
            notes: std::mem::take(&mut self.notes),
            warnings: few_rows_warning(n, n_clustered, excluded),
        }
    }
}

fn decimal_comma(profile: &TableProfile, column: usize) -> bool {
    profile.columns.get(column).is_some_and(|c| c.decimal_comma)
}

/// A cell as a category: trimmed, "(missing)" for a missing value.
pub fn category_of(table: &Table, row: usize, column: usize) -> &str {
    let cell = table.cell(row, column).trim();
    if table.is_missing(cell) {
        MISSING_CATEGORY
    } else {
        cell
    }
}

/// When fewer than half of the rows can be clustered, a warning naming the main reason:
/// the segments then describe a minority, and the user must know it.
fn few_rows_warning(n: usize, clustered: usize, excluded: &[ExcludedRow]) -> Vec<Warning> {
    if clustered * 2 >= n {
        return Vec::new();
    }
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for e in excluded {
        *groups.entry(e.reason.group()).or_insert(0) += 1;
    }
    let main = groups.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
    let why = main.map_or_else(String::new, |(what, count)| format!(": {count} left out for {what}"));
    vec![Warning::new(
        WarningKind::FewRowsClustered,
        format!(
            "only {clustered} of {n} rows can be clustered{why}. The segments would describe a minority of your customers: \
             fill the missing values (choose a fill), or leave that column out"
        ),
    )]
}

/// Every feature has one value on every kept row.
fn features_are_constant(matrix: &[f64], d: usize) -> bool {
    let Some(first) = matrix.get(..d) else {
        return false;
    };
    d > 0 && matrix.chunks_exact(d).all(|row| row == first)
}

fn identical_rows_cause(clustered: usize, n: usize, features: &[Feature]) -> String {
    let names: Vec<&str> = features.iter().map(|f| f.name.as_str()).collect();
    format!(
        "all {clustered} rows that can be clustered{} have the same values in {}: there is nothing to tell customers apart. \
         Choose other columns, or check that the file is the export you meant",
        if clustered < n { format!(" (of {n})") } else { String::new() },
        names.join(", ")
    )
}

fn one_row_cause(table: &Table) -> String {
    format!(
        "the file has only one customer row (line {}): segments need at least 2 rows, and dozens to be useful. \
         Check that the whole file was exported",
        table.row_lines.first().copied().unwrap_or(0)
    )
}

/// Why no column is a feature by default, when the file itself is the cause: one row, all
/// rows alike, empty number columns, only text. `None` when the user just chose nothing.
pub fn nothing_to_cluster(table: &Table, profile: &TableProfile) -> Option<String> {
    let n = table.n_rows();
    if n <= 1 {
        return Some(one_row_cause(table));
    }
    let kinds = |k: ColumnKind| profile.columns.iter().filter(move |c| c.kind == k);
    let names = |cs: Vec<&super::profile::ColumnProfile>| cs.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
    let non_id: Vec<_> = profile.columns.iter().filter(|c| c.kind != ColumnKind::Identifier).collect();
    if !non_id.is_empty() && non_id.iter().all(|c| c.kind == ColumnKind::Constant) {
        let empty: Vec<_> = non_id.iter().copied().filter(|c| c.missing == n).collect();
        if empty.len() == non_id.len() {
            return Some(format!(
                "every cell of {} is empty: the file has no values to cluster on. Check that the export includes the figures",
                names(empty)
            ));
        }
        return Some(format!(
            "all {n} rows have the same values{}: there is nothing to tell customers apart. Check that this is the export you meant",
            if kinds(ColumnKind::Identifier).next().is_some() { " (apart from their identifiers)" } else { "" }
        ));
    }
    let numeric: Vec<_> = kinds(ColumnKind::Numeric).collect();
    if numeric.is_empty() {
        let categories: Vec<_> =
            profile.columns.iter().filter(|c| matches!(c.kind, ColumnKind::Categorical | ColumnKind::Boolean)).collect();
        let empty: Vec<_> = kinds(ColumnKind::Constant).filter(|c| c.missing == n).collect();
        let empty_note = if empty.is_empty() {
            String::new()
        } else {
            format!(" ({} {} empty)", names(empty.clone()), if empty.len() == 1 { "is" } else { "are" })
        };
        if !categories.is_empty() {
            return Some(format!(
                "no column holds numbers{empty_note}: {} {}. Tick one under “Categories (one-hot)” to cluster on it, or set a column's kind to numeric",
                names(categories.clone()),
                if categories.len() == 1 { "is a category" } else { "are categories" }
            ));
        }
        return Some(format!(
            "no column holds numbers or categories{empty_note}: every column is text, a date or an identifier. \
             If the columns look merged, choose the delimiter (read as “{}”)",
            super::ingest::delimiter_name(table.delimiter)
        ));
    }
    if numeric.iter().all(|c| c.mostly_missing || c.possibly_categorical) {
        return Some(format!(
            "the numeric columns ({}) are mostly empty or look like category codes, so none is used by default: tick the ones to use",
            names(numeric)
        ));
    }
    None
}

fn left_out_reason(c: &super::profile::ColumnProfile) -> String {
    match c.kind {
        ColumnKind::Identifier => "identifier".to_owned(),
        ColumnKind::Constant => "constant: no information".to_owned(),
        ColumnKind::Text => "free text".to_owned(),
        ColumnKind::Date => "date (not a feature yet)".to_owned(),
        ColumnKind::Categorical | ColumnKind::Boolean => "category: tick it to one-hot encode".to_owned(),
        ColumnKind::Numeric if c.possibly_categorical => "possibly category codes: tick it to use".to_owned(),
        ColumnKind::Numeric => "not chosen".to_owned(),
    }
}

fn row_major(columns: &[Vec<f64>], n_rows: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n_rows * columns.len());
    for r in 0..n_rows {
        out.extend(columns.iter().map(|c| c.get(r).copied().unwrap_or(f64::NAN)));
    }
    out
}

fn strategy_name(strategy: MissingStrategy) -> &'static str {
    match strategy {
        MissingStrategy::Exclude => "left out",
        MissingStrategy::Mean => "mean",
        MissingStrategy::Median => "median",
        MissingStrategy::Mode => "mode",
        MissingStrategy::Constant(_) => "constant",
    }
}

/// The value that fills missing cells, from the filled ones.
fn impute_value(values: &[f64], strategy: MissingStrategy) -> f64 {
    let mut filled: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if filled.is_empty() {
        return 0.0;
    }
    match strategy {
        MissingStrategy::Exclude => f64::NAN,
        MissingStrategy::Constant(c) => c,
        MissingStrategy::Mean => filled.iter().sum::<f64>() / filled.len() as f64,
        MissingStrategy::Median => select_quantile(&mut filled, 0.5),
        MissingStrategy::Mode => {
            filled.sort_by(f64::total_cmp);
            let mut best = (0usize, filled.first().copied().unwrap_or(0.0));
            let mut run = (0usize, f64::NAN);
            for &v in &filled {
                run = if v == run.1 { (run.0 + 1, v) } else { (1, v) };
                if run.0 > best.0 {
                    best = run;
                }
            }
            best.1
        }
    }
}

/// Clip bounds for a feature under the policy: finite, `lo ≤ hi` (so `clamp` never panics,
/// even on options that skipped [`CleaningOptions::check`]). A bound that is not a finite
/// number (a fence past the largest `f64`, an unchecked NaN percentile) becomes the data's
/// own extreme, which clips nothing on that side.
fn clip_bounds(values: &[f64], policy: OutlierPolicy) -> Option<(f64, f64)> {
    if matches!(policy, OutlierPolicy::None) {
        return None;
    }
    // Quantiles by selection, not a sort: the same values, in linear time.
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let min = finite.iter().copied().min_by(f64::total_cmp)?;
    let max = finite.iter().copied().max_by(f64::total_cmp)?;
    let (lo, hi) = match policy {
        OutlierPolicy::None => return None,
        OutlierPolicy::ClipPercentiles { lower, upper } => {
            (select_quantile(&mut finite, lower / 100.0), select_quantile(&mut finite, upper / 100.0))
        }
        OutlierPolicy::ClipIqr { factor } => {
            let (q1, q3) = (select_quantile(&mut finite, 0.25), select_quantile(&mut finite, 0.75));
            let iqr = q3 - q1;
            (q1 - factor * iqr, q3 + factor * iqr)
        }
    };
    let lo = if lo.is_finite() { lo } else { min };
    let hi = if hi.is_finite() { hi } else { max };
    // Interpolation can round a bound one ulp past the other: keep them ordered.
    Some(if lo <= hi { (lo, hi) } else { (hi, lo) })
}

/// A number as the report shows it: at most 6 significant digits, no trailing zeros.
pub fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let digits = (5 - v.abs().log10().floor() as i32).clamp(0, 10) as usize;
    let s = fixed(v, digits);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// `format!("{v:.digits$}")` (`digits` ≤ 10), the same text, by integer arithmetic where
/// the rounding is certain: Rust's exact float formatting often falls back to bignum
/// arithmetic, and the charts' tooltips format tens of thousands of values on the main
/// thread. `|v| · 10^digits` is one correctly rounded product, off the exact value by at
/// most 6e-8 below 1e9 (and exact for `digits` = 0); when its fraction is within 1e-6 of a
/// half the exact formatting decides.
fn fixed(v: f64, digits: usize) -> String {
    let scale = 10f64.powi(digits as i32);
    let m = v.abs() * scale;
    let clear = (m - m.floor() - 0.5).abs() > 1e-6;
    if digits <= 10 && m.is_finite() && (m < 1e9 || (digits == 0 && m < 1e15)) && clear {
        let n = m.round() as u64;
        let p = 10u64.pow(digits as u32);
        let sign = if v.is_sign_negative() { "-" } else { "" };
        return if digits == 0 { format!("{sign}{n}") } else { format!("{sign}{}.{:0digits$}", n / p, n % p) };
    }
    format!("{v:.digits$}")
}

mod check;
pub use check::{OptionsError, MAX_ONE_HOT_TOP};

#[cfg(test)]
mod tests;
