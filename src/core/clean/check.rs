//! [`CleaningOptions::check`]: cleaning choices arrive from the page, from localStorage or
//! inside a saved model, so they are checked once at the boundary, field by field, before
//! any step relies on them (a clip with lower > upper, a NaN fill, a column that is not
//! there).

use thiserror::Error;

use super::{CleaningOptions, MissingStrategy, OutlierPolicy};

/// The most categories kept per one-hot column (each becomes a feature).
pub const MAX_ONE_HOT_TOP: usize = 1000;

/// Which cleaning choice is invalid. One variant per field; each message says what to do.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum OptionsError {
    #[error(
        "no feature to cluster on: choose at least one numeric column (or a categorical one to \
         encode)"
    )]
    NoFeatures,
    #[error("column {index} does not exist: the file has {n_columns} columns; choose the columns again")]
    NoSuchColumn { index: usize, n_columns: usize },
    #[error("column {index} is chosen more than once: use each column once, as a number or as a category")]
    DuplicateColumn { index: usize },
    #[error(
        "the clip percentiles must be numbers with 0 ≤ lower < upper ≤ 100 (got {lower} and \
         {upper}): choose them again, for example 1 and 99"
    )]
    InvalidPercentiles { lower: f64, upper: f64 },
    #[error("the IQR factor must be a number ≥ 0 (got {0}): choose it again, for example 1.5")]
    InvalidIqrFactor(f64),
    #[error("the value that fills missing cells of column {column} must be a number (got {value}): choose another")]
    InvalidConstant { column: usize, value: f64 },
    #[error("categories kept per encoded column must be between 1 and {MAX_ONE_HOT_TOP} (got {0}): choose another number")]
    InvalidOneHotTop(usize),
}

impl CleaningOptions {
    /// Checks every choice against a table of `n_columns` columns, or says which field is
    /// wrong. [`super::clean_table`] may rely on options that passed.
    pub fn check(&self, n_columns: usize) -> Result<(), OptionsError> {
        if self.numeric.is_empty() && self.categorical.is_empty() {
            return Err(OptionsError::NoFeatures);
        }
        let mut seen = vec![false; n_columns];
        for &index in self.numeric.iter().map(|f| &f.column).chain(&self.categorical) {
            match seen.get_mut(index) {
                None => return Err(OptionsError::NoSuchColumn { index, n_columns }),
                Some(true) => return Err(OptionsError::DuplicateColumn { index }),
                Some(slot) => *slot = true,
            }
        }
        for feature in &self.numeric {
            if let MissingStrategy::Constant(value) = feature.missing {
                if !value.is_finite() {
                    return Err(OptionsError::InvalidConstant { column: feature.column, value });
                }
            }
        }
        match self.outliers {
            OutlierPolicy::None => {}
            OutlierPolicy::ClipPercentiles { lower, upper } => {
                // NaN fails every comparison, so it is refused here too.
                if !(lower.is_finite() && upper.is_finite() && 0.0 <= lower && lower < upper && upper <= 100.0) {
                    return Err(OptionsError::InvalidPercentiles { lower, upper });
                }
            }
            OutlierPolicy::ClipIqr { factor } => {
                if !(factor.is_finite() && factor >= 0.0) {
                    return Err(OptionsError::InvalidIqrFactor(factor));
                }
            }
        }
        if !(1..=MAX_ONE_HOT_TOP).contains(&self.one_hot_top) {
            return Err(OptionsError::InvalidOneHotTop(self.one_hot_top));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clean::{DuplicatePolicy, NumericFeature, Scaling};

    fn options() -> CleaningOptions {
        CleaningOptions {
            numeric: vec![
                NumericFeature { column: 0, missing: MissingStrategy::Exclude, log1p: false },
                NumericFeature { column: 1, missing: MissingStrategy::Constant(0.0), log1p: true },
            ],
            categorical: vec![2],
            one_hot_top: 10,
            duplicates: DuplicatePolicy::Keep,
            outliers: OutlierPolicy::ClipPercentiles { lower: 1.0, upper: 99.0 },
            scaling: Scaling::Standard,
            exclude_ragged: false,
        }
    }

    fn with(change: impl FnOnce(&mut CleaningOptions)) -> Result<(), OptionsError> {
        let mut o = options();
        change(&mut o);
        o.check(3)
    }

    #[test]
    fn sensible_options_pass() {
        assert_eq!(options().check(3), Ok(()));
        assert_eq!(with(|o| o.outliers = OutlierPolicy::ClipPercentiles { lower: 0.0, upper: 100.0 }), Ok(()));
        assert_eq!(with(|o| o.outliers = OutlierPolicy::ClipIqr { factor: 0.0 }), Ok(()));
        assert_eq!(with(|o| o.outliers = OutlierPolicy::None), Ok(()));
        assert_eq!(with(|o| o.one_hot_top = MAX_ONE_HOT_TOP), Ok(()));
        assert_eq!(with(|o| o.numeric.clear()), Ok(()), "a categorical feature alone is enough");
    }

    #[test]
    fn no_feature_is_refused() {
        assert_eq!(
            with(|o| {
                o.numeric.clear();
                o.categorical.clear();
            }),
            Err(OptionsError::NoFeatures)
        );
    }

    #[test]
    fn columns_must_exist_and_be_used_once() {
        assert_eq!(with(|o| o.categorical = vec![3]), Err(OptionsError::NoSuchColumn { index: 3, n_columns: 3 }));
        assert_eq!(with(|o| o.numeric[0].column = usize::MAX), Err(OptionsError::NoSuchColumn { index: usize::MAX, n_columns: 3 }));
        assert_eq!(with(|o| o.categorical = vec![0]), Err(OptionsError::DuplicateColumn { index: 0 }));
        assert_eq!(with(|o| o.numeric[1].column = 0), Err(OptionsError::DuplicateColumn { index: 0 }));
        assert_eq!(with(|o| o.categorical = vec![2, 2]), Err(OptionsError::DuplicateColumn { index: 2 }));
    }

    #[test]
    fn percentiles_must_be_ordered_numbers_within_0_and_100() {
        for (lower, upper) in [(99.0, 1.0), (50.0, 50.0), (-1.0, 99.0), (1.0, 100.5), (f64::NAN, 99.0), (1.0, f64::INFINITY)] {
            let result = with(|o| o.outliers = OutlierPolicy::ClipPercentiles { lower, upper });
            assert!(matches!(result, Err(OptionsError::InvalidPercentiles { .. })), "{lower} {upper}: {result:?}");
        }
        let message = with(|o| o.outliers = OutlierPolicy::ClipPercentiles { lower: 99.0, upper: 1.0 }).unwrap_err().to_string();
        assert!(message.contains("choose them again"), "{message}");
    }

    #[test]
    fn the_iqr_factor_must_be_a_non_negative_number() {
        for factor in [-0.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let result = with(|o| o.outliers = OutlierPolicy::ClipIqr { factor });
            assert!(matches!(result, Err(OptionsError::InvalidIqrFactor(_))), "{factor}: {result:?}");
        }
    }

    #[test]
    fn a_constant_fill_must_be_a_number() {
        for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let result = with(|o| o.numeric[1].missing = MissingStrategy::Constant(value));
            assert!(matches!(result, Err(OptionsError::InvalidConstant { column: 1, .. })), "{value}: {result:?}");
        }
    }

    #[test]
    fn categories_kept_must_be_between_1_and_the_maximum() {
        assert_eq!(with(|o| o.one_hot_top = 0), Err(OptionsError::InvalidOneHotTop(0)));
        assert_eq!(with(|o| o.one_hot_top = MAX_ONE_HOT_TOP + 1), Err(OptionsError::InvalidOneHotTop(MAX_ONE_HOT_TOP + 1)));
    }

    #[test]
    fn clip_bounds_are_finite_and_ordered_whatever_the_data_or_the_options() {
        use crate::core::clean::clip_bounds;
        // An IQR past the largest f64 (0 × ∞ is NaN), unchecked NaN or reversed percentiles.
        let wide = [-1e308, 1e308, 0.0];
        for policy in [
            OutlierPolicy::ClipIqr { factor: 0.0 },
            OutlierPolicy::ClipIqr { factor: 1.5 },
            OutlierPolicy::ClipIqr { factor: -3.0 },
            OutlierPolicy::ClipPercentiles { lower: f64::NAN, upper: 99.0 },
            OutlierPolicy::ClipPercentiles { lower: 99.0, upper: 1.0 },
        ] {
            let (lo, hi) = clip_bounds(&wide, policy).unwrap();
            assert!(lo.is_finite() && hi.is_finite() && lo <= hi, "{policy:?}: {lo} {hi}");
            assert_eq!(3.0f64.clamp(lo, hi), 3.0f64.max(lo).min(hi));
        }
        assert_eq!(clip_bounds(&[1.0, 2.0, 3.0, 4.0, 100.0], OutlierPolicy::ClipIqr { factor: 1.5 }), Some((-1.0, 7.0)));
        assert_eq!(clip_bounds(&[f64::NAN], OutlierPolicy::ClipIqr { factor: 1.5 }), None);
    }
}
