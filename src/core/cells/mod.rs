//! Cell text → values, as people write them: numbers in either decimal convention with
//! thousands groups, currency, percent and accounting negatives ([`numbers`]); dates and
//! datetimes in the usual orders, compact and Unix forms ([`dates`]).
//!
//! Two kinds of function live here. Cell readers (`parse_number`, `parse_datetime`,
//! `is_zero_padded`) run on every cell of a million-row file: they never allocate, never
//! panic, and take the convention as an argument. Column detectors
//! (`detect_decimal_separator`, `detect_date_format`) look at a bounded sample once and
//! return the convention with a short reason for the UI. Ingest and profile decide which
//! cells are missing; these functions only read text.

pub mod dates;
pub mod numbers;
