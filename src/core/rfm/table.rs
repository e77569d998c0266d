//! The customers as a [`Table`], so profiling, cleaning and K-Means run on them unchanged.

use crate::core::clean::{CleaningOptions, MissingStrategy, NumericFeature};
use crate::core::ingest::{Table, TextColumn, MISSING_TOKENS};
use crate::core::profile::TableProfile;

use super::RfmResult;

/// The columns of [`customers_table`], in order.
pub const CUSTOMER_COLUMNS: [&str; 11] =
    ["CustomerID", "Recency", "Frequency", "Monetary", "Tenure", "AvgOrderValue", "R", "F", "M", "RFM_Score", "RFM_Segment"];

/// The features to cluster an RFM table on, and whether each is log-transformed first:
/// frequency and spend are heavily right-skewed (a few customers order and spend far more),
/// so `log1p` keeps them from dominating the distances.
pub const SUGGESTED_FEATURES: [(&str, bool); 3] = [("Recency", false), ("Frequency", true), ("Monetary", true)];

/// One row per customer: `CustomerID` (as written), `Recency` and `Tenure` (whole days),
/// `Frequency`, `Monetary` and `AvgOrderValue` (plain decimals, Rust's shortest text that
/// reads back to the same number, never an exponent), `R`, `F`, `M` (1..=5), `RFM_Score`
/// written `5-5-5` (text, so it is not taken for a number to cluster on) and `RFM_Segment`.
pub fn customers_table(result: &RfmResult) -> Table {
    let n = result.customers.len();
    let mut columns: Vec<TextColumn> = CUSTOMER_COLUMNS.iter().map(|_| TextColumn::with_capacity(n, n * 8)).collect();
    for c in &result.customers {
        let row = [
            c.customer.clone(),
            c.recency_days.to_string(),
            c.frequency.to_string(),
            plain(c.monetary),
            c.tenure_days.to_string(),
            plain(c.average_order_value),
            c.r.to_string(),
            c.f.to_string(),
            c.m.to_string(),
            format!("{}-{}-{}", c.r, c.f, c.m),
            c.segment.as_str().to_owned(),
        ];
        for (column, cell) in columns.iter_mut().zip(&row) {
            // A column of one customer figure cannot reach the 4 GiB a column holds.
            let _ = column.push(cell);
        }
    }
    let headers: Vec<String> = CUSTOMER_COLUMNS.iter().map(|h| (*h).to_owned()).collect();
    Table {
        raw_headers: headers.clone(),
        headers,
        has_header: true,
        columns,
        row_lines: (0..n as u64).map(|i| i + 2).collect(),
        ragged: Vec::new(),
        expected_width: CUSTOMER_COLUMNS.len(),
        delimiter: b',',
        encoding: "UTF-8",
        encoding_reason: "made by the page from the transaction log".to_owned(),
        warnings: Vec::new(),
        missing_tokens: MISSING_TOKENS.iter().map(|t| (*t).to_owned()).collect(),
        longest_missing_token: MISSING_TOKENS.iter().map(|t| t.len()).max().unwrap_or(0),
    }
}

/// A number as plain decimal text (`-62.000000000000014`, `1047.53`, `0`).
fn plain(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned() // never "-0"
    } else {
        format!("{v}")
    }
}

/// The cleaning suggested for a [`customers_table`] (given its profile): the
/// [`CleaningOptions::suggested`] defaults with the features narrowed to
/// [`SUGGESTED_FEATURES`] (log1p on Frequency and Monetary; the cleaning step skips it,
/// with a note, when net spend is negative for someone).
pub fn suggested_cleaning(profile: &TableProfile) -> CleaningOptions {
    let mut options = CleaningOptions::suggested(profile);
    options.numeric = SUGGESTED_FEATURES
        .iter()
        .filter_map(|(name, log1p)| {
            let column = profile.columns.iter().find(|c| c.name == *name)?;
            Some(NumericFeature { column: column.index, missing: MissingStrategy::Exclude, log1p: *log1p })
        })
        .collect();
    options
}
