//! The feature plan: how a row of the file becomes the numbers K-Means sees. Built by the
//! cleaning ([`clean_table`](super::clean::clean_table)), saved in the model, applied to new
//! rows by the model ([`FeaturePlan::transform`]) and written as SQL ([`super::sql`]): one
//! description of the transform, so the four cannot drift apart.
//!
//! Per feature, in order: the cell read as a number in the column's decimal convention
//! (a missing-value token or stray text is no number), the fitted fill for no number, the
//! clip bounds, `ln(1 + x)`; or, for a category, 1 when the trimmed cell is the feature's
//! value (a missing cell is the category `(missing)`), "other" for every value not listed.
//! Then every feature is scaled, `(x − centre) / scale`.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::clean::Scaler;
use super::ingest::{Table, MISSING_TOKENS};
use super::model::ModelError;
use super::outcome::ExclusionReason;
use super::profile::parse_cell;
use crate::core::cells::numbers::DecimalSeparator;

/// The category of a missing cell.
pub const MISSING_CATEGORY: &str = "(missing)";

/// Where a feature of the matrix comes from, with what was done to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeatureSource {
    Number {
        /// Value given to a cell that is no number, if imputed.
        impute: Option<f64>,
        /// Clip bounds, if outliers were clipped.
        clip: Option<(f64, f64)>,
        log1p: bool,
    },
    /// 1 when the cell equals `value`; `value: None` is "other" (any value not listed).
    OneHot { value: Option<String>, listed: Vec<String> },
}

/// Why a number step could not give a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepFailure {
    /// No number and no fill.
    NoValue,
    /// Below zero where the log is taken.
    NegativeForLog,
}

/// The number steps of a feature, after the reading: fill, clip, log. The cleaning and the
/// model both go through here.
pub fn number_steps(v: f64, impute: Option<f64>, clip: Option<(f64, f64)>, log1p: bool) -> Result<f64, StepFailure> {
    let v = if v.is_nan() { impute.ok_or(StepFailure::NoValue)? } else { v };
    let v = clip.map_or(v, |(lo, hi)| clip_value(v, lo, hi));
    if !log1p {
        Ok(v)
    } else if v < 0.0 {
        Err(StepFailure::NegativeForLog)
    } else {
        Ok(v.ln_1p())
    }
}

/// `v` within `[lo, hi]`. Not `clamp`, which panics on bounds out of order: saved bounds
/// come from a file.
pub fn clip_value(v: f64, lo: f64, hi: f64) -> f64 {
    v.max(lo).min(hi)
}

/// One column of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    /// As shown: the column's name, or `Genre = Male` for a one-hot feature.
    pub name: String,
    /// Table column it comes from, in the file the plan was made on.
    pub column: usize,
    /// That column's name: a plan finds its columns by name in a new file.
    pub column_name: String,
    /// The column's numbers are written with a decimal comma.
    #[serde(default)]
    pub decimal_comma: bool,
    pub source: FeatureSource,
}

/// Row → features, as fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeaturePlan {
    pub features: Vec<Feature>,
    pub scaler: Scaler,
    /// Cells read as missing (trimmed, ASCII case ignored), besides the empty cell.
    pub missing_tokens: Vec<String>,
}

/// The rows of a table through a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRows {
    /// Row-major `n_rows × n_features`, scaled; NaN in a row that has a reason.
    pub scaled: Vec<f64>,
    /// Why a row cannot be placed (the first feature that fails), per row.
    pub reasons: Vec<Option<ExclusionReason>>,
}

impl FeaturePlan {
    /// The tokens of a plan saved before they were saved: the page's defaults.
    pub fn default_missing_tokens() -> Vec<String> {
        MISSING_TOKENS.iter().map(|t| (*t).to_owned()).collect()
    }

    /// Whether a trimmed cell is a missing value under this plan.
    pub fn is_missing(&self, trimmed: &str) -> bool {
        self.reader().is_missing(trimmed)
    }

    /// A cell as a category: trimmed, [`MISSING_CATEGORY`] for a missing value.
    pub fn category<'a>(&self, cell: &'a str) -> &'a str {
        self.reader().category(cell)
    }

    /// A cell as a number before the steps: NaN for a missing value or stray text.
    pub fn read_number(&self, cell: &str, decimal_comma: bool) -> f64 {
        self.reader().number(cell, decimal_comma)
    }

    fn reader(&self) -> CellReader<'_> {
        CellReader { tokens: &self.missing_tokens, longest: self.missing_tokens.iter().map(String::len).max().unwrap_or(0) }
    }

    /// Everything [`Self::transform`] relies on: at least one feature, a scaler of the same
    /// size with finite centres and finite non-zero scales, finite fills, finite ordered
    /// clip bounds.
    pub fn check(&self) -> Result<(), ModelError> {
        let d = self.features.len();
        if d == 0 || self.scaler.centers.len() != d || self.scaler.scales.len() != d {
            return Err(ModelError::Inconsistent(format!("{d} features but a scaler of another size")));
        }
        for ((feature, &center), &scale) in self.features.iter().zip(&self.scaler.centers).zip(&self.scaler.scales) {
            let name = || feature.name.clone();
            if let FeatureSource::Number { impute, clip, .. } = &feature.source {
                if let Some(value) = impute.filter(|v| !v.is_finite()) {
                    return Err(ModelError::InvalidImpute { feature: name(), value });
                }
                if let Some((lo, hi)) = clip.filter(|(lo, hi)| !(lo.is_finite() && hi.is_finite() && lo <= hi)) {
                    return Err(ModelError::InvalidClip { feature: name(), lo, hi });
                }
            }
            if !(center.is_finite() && scale.is_finite() && scale != 0.0) {
                return Err(ModelError::InvalidScaler { feature: name(), center, scale });
            }
        }
        Ok(())
    }

    /// Every row of `table` through the plan, its columns found by name.
    pub fn transform(&self, table: &Table) -> Result<PlanRows, ModelError> {
        self.check()?;
        let n = table.n_rows();
        let d = self.features.len();
        let column_of = |name: &str| table.headers.iter().position(|h| h == name).ok_or_else(|| ModelError::MissingColumn(name.to_owned()));
        let reader = self.reader();
        let mut x = vec![0.0; n * d];
        let mut reasons: Vec<Option<ExclusionReason>> = vec![None; n];
        // One-hot features are set a column at a time: the cell's category once, then a
        // lookup, instead of a comparison per listed value.
        let mut encoders: Vec<(usize, OneHotEncoder<'_>)> = Vec::new();
        for (f, feature) in self.features.iter().enumerate() {
            let column = column_of(&feature.column_name)?;
            match &feature.source {
                FeatureSource::Number { impute, clip, log1p } => {
                    let cells = (0..n).map(|row| table.cell(row, column));
                    for ((row, cell), slot) in cells.enumerate().zip(x.iter_mut().skip(f).step_by(d)) {
                        let v = reader.number(cell, feature.decimal_comma);
                        *slot = match number_steps(v, *impute, *clip, *log1p) {
                            Ok(v) => v,
                            Err(failure) => {
                                if let Some(reason @ None) = reasons.get_mut(row) {
                                    let column = feature.column_name.clone();
                                    *reason = Some(match failure {
                                        StepFailure::NoValue => ExclusionReason::NoValue { column },
                                        StepFailure::NegativeForLog => ExclusionReason::NegativeForLog { column },
                                    });
                                }
                                f64::NAN
                            }
                        };
                    }
                }
                FeatureSource::OneHot { value, .. } => match encoders.iter_mut().find(|(c, _)| *c == column) {
                    Some((_, encoder)) => encoder.add(f, value.as_deref()),
                    None => {
                        let mut encoder = OneHotEncoder::default();
                        encoder.add(f, value.as_deref());
                        encoders.push((column, encoder));
                    }
                },
            }
        }
        for (column, encoder) in &encoders {
            for (row, slots) in x.chunks_exact_mut(d).enumerate() {
                if let Some(slot) = encoder.feature_of(reader.category(table.cell(row, *column))).and_then(|f| slots.get_mut(f)) {
                    *slot = 1.0;
                }
            }
        }
        for (row, reason) in reasons.iter().enumerate() {
            if reason.is_some() {
                if let Some(slots) = x.get_mut(row * d..(row + 1) * d) {
                    slots.fill(f64::NAN);
                }
            }
        }
        self.scaler.transform_in_place(&mut x);
        Ok(PlanRows { scaled: x, reasons })
    }
}

/// Reads cells under a plan's missing-value tokens (their longest length kept: most cells
/// are longer, and skip the comparisons).
struct CellReader<'a> {
    tokens: &'a [String],
    longest: usize,
}

impl CellReader<'_> {
    fn is_missing(&self, trimmed: &str) -> bool {
        trimmed.is_empty() || (trimmed.len() <= self.longest && self.tokens.iter().any(|m| trimmed.eq_ignore_ascii_case(m)))
    }

    fn category<'c>(&self, cell: &'c str) -> &'c str {
        let t = cell.trim();
        if self.is_missing(t) {
            MISSING_CATEGORY
        } else {
            t
        }
    }

    fn number(&self, cell: &str, decimal_comma: bool) -> f64 {
        let t = cell.trim();
        if self.is_missing(t) {
            return f64::NAN;
        }
        let decimal = if decimal_comma { DecimalSeparator::Comma } else { DecimalSeparator::Point };
        parse_cell(t, decimal).unwrap_or(f64::NAN)
    }
}

/// The one-hot features of one column: which feature a category sets.
#[derive(Default)]
pub struct OneHotEncoder<'a> {
    listed: FxHashMap<&'a str, usize>,
    other: Option<usize>,
}

impl<'a> OneHotEncoder<'a> {
    /// Feature `f` is 1 for `value`, or for every value not listed when `value` is `None`.
    pub fn add(&mut self, f: usize, value: Option<&'a str>) {
        match value {
            Some(v) => {
                self.listed.entry(v).or_insert(f);
            }
            None => self.other = Some(f),
        }
    }

    /// The feature a category sets, if any.
    pub fn feature_of(&self, category: &str) -> Option<usize> {
        self.listed.get(category).copied().or(self.other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_number_steps_fill_clip_and_log_in_that_order() {
        assert_eq!(number_steps(f64::NAN, Some(3.0), None, false), Ok(3.0));
        assert_eq!(number_steps(f64::NAN, None, None, false), Err(StepFailure::NoValue));
        assert_eq!(number_steps(50.0, None, Some((0.0, 10.0)), false), Ok(10.0));
        assert_eq!(number_steps(-5.0, None, Some((0.0, 10.0)), true), Ok(0.0));
        assert_eq!(number_steps(-5.0, None, None, true), Err(StepFailure::NegativeForLog));
        assert_eq!(number_steps(f64::NAN, Some(99.0), Some((0.0, 10.0)), true), Ok(10f64.ln_1p()));
    }

    #[test]
    fn an_encoder_sends_unlisted_values_to_other_and_nothing_without_other() {
        let mut e = OneHotEncoder::default();
        e.add(2, Some("Male"));
        e.add(3, Some("Female"));
        assert_eq!(e.feature_of("Male"), Some(2));
        assert_eq!(e.feature_of("x"), None);
        e.add(4, None);
        assert_eq!(e.feature_of("x"), Some(4));
        assert_eq!(e.feature_of("Female"), Some(3));
    }
}
