//! What became of each input row: a segment, or the reason it has none. One type for
//! every step that leaves a row out (cleaning, a transaction log's aggregation, a saved
//! model applied to a file), so the export and the page say it the same way.

use serde::{Deserialize, Serialize};

/// Why a row was left out of clustering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExclusionReason {
    /// Cleaning: no value in a feature whose choice is to leave the row out.
    Missing { column: String },
    /// Cleaning: text where a number should be.
    NotANumber { column: String, text: String },
    /// Cleaning: repeats an earlier row.
    Duplicate { of_line: u64 },
    /// Cleaning: more or fewer fields than the header.
    Ragged { fields: usize, expected: usize },
    /// A saved model: a feature it needs is missing or not a number, with no fill.
    NoValue { column: String },
    /// A saved model: a negative value where the model takes a logarithm.
    NegativeForLog { column: String },
    /// Transaction log: a line without a customer id.
    NoCustomer,
    /// Transaction log: a date that does not read.
    UnreadableDate { column: String },
    /// Transaction log: an amount (or quantity × price) that does not read.
    UnreadableAmount { columns: String },
    /// Transaction log: a cancellation, left out by the chosen rule.
    Cancellation,
    /// Transaction log: every line of the customer is a cancellation.
    NoPurchase,
    /// Transaction log: the line's customer was left out of clustering, and why.
    CustomerLeftOut { reason: Box<ExclusionReason> },
}

impl ExclusionReason {
    /// The reason in words, as the export's `excluded_reason` column gives it.
    pub fn describe(&self) -> String {
        match self {
            Self::Missing { column } => format!("missing value in {column}"),
            Self::NotANumber { column, text } => format!("“{text}” in {column} is not a number"),
            Self::Duplicate { of_line } => format!("duplicate of line {of_line}"),
            Self::Ragged { fields, expected } => format!("{fields} fields where the header has {expected}"),
            Self::NoValue { column } => format!("missing or not a number in {column}"),
            Self::NegativeForLog { column } => format!("negative {column} cannot be log-transformed"),
            Self::NoCustomer => "no customer id".to_owned(),
            Self::UnreadableDate { column } => format!("unreadable date in {column}"),
            Self::UnreadableAmount { columns } => format!("unreadable {columns}"),
            Self::Cancellation => "cancellation (left out by the chosen rule)".to_owned(),
            Self::NoPurchase => "every line of this customer is a cancellation: no purchase to score".to_owned(),
            Self::CustomerLeftOut { reason } => format!("customer not clustered: {}", reason.describe()),
        }
    }

    /// The group it is counted in, in the report.
    pub fn group(&self) -> String {
        match self {
            Self::Missing { column } => format!("missing value in {column}"),
            Self::NotANumber { column, .. } => format!("not a number in {column}"),
            Self::Duplicate { .. } => "duplicate row".to_owned(),
            Self::Ragged { .. } => "wrong number of fields".to_owned(),
            Self::NoValue { column } => format!("no value in {column}"),
            Self::NegativeForLog { column } => format!("negative {column}"),
            Self::NoCustomer => "no customer id".to_owned(),
            Self::UnreadableDate { .. } | Self::UnreadableAmount { .. } => "unreadable line".to_owned(),
            Self::Cancellation => "cancellation".to_owned(),
            Self::NoPurchase => "customer without a purchase".to_owned(),
            Self::CustomerLeftOut { .. } => "customer not clustered".to_owned(),
        }
    }
}

/// What the export adds to each row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowOutcome {
    /// 0-based cluster, `None` when the row was not clustered.
    pub segment: Option<usize>,
    /// Why the row was not clustered.
    pub excluded_reason: Option<ExclusionReason>,
}
