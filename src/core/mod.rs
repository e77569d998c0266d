//! The pure engine: no web dependency, deterministic for a given seed, no panic on user data.
//!
//! One module per arrow of the data flow, each with one entry function and one error type:
//!
//! | module | entry | from → to |
//! |---|---|---|
//! | [`ingest`] | [`ingest::parse_csv`] | bytes → [`ingest::Table`] (columnar, every cell's text kept) |
//! | [`profile`] | [`profile::profile_columns`] | table → a kind, statistics and parsed numbers per column |
//! | [`clean`] | [`clean::clean_table`] | table + profile + choices → scaled matrix, rows left out named, a report, and the [`plan::FeaturePlan`] that made the matrix |
//! | [`plan`] | [`plan::FeaturePlan::transform`] | a new table + a fitted plan → the same features (fills, clips, log, one-hot, scaling), rows that cannot be placed named |
//! | [`sql`] | [`sql::render`] | a saved model → one SQL query that scores a table in DuckDB, Spark, PostgreSQL, BigQuery or Snowflake |
//! | [`kmeans`] | [`kmeans::fit`] | matrix → centres, labels, inertia |
//! | [`k_selection`] | [`k_selection::sweep`] | matrix + range of k → scores per k (indexes, gap, stability, valley between neighbours), a recommended k and its rule, or "no clear segments" |
//! | [`stability`] | [`stability::segment_stability`] | matrix + segments → each segment's bootstrap Jaccard (clusterboot) and its reading |
//! | [`projection`] | [`projection::pca_2d`] | matrix → 2-D points for the chart |
//! | [`rfm`] | [`rfm::aggregate`] | a transaction log (one row per order line) → one row per customer with Recency, Frequency, Monetary, quintile scores and RFM segment; [`rfm::customers_table`] feeds it back as a table |
//! | [`value`] | [`value::segment_values`] | file's numeric columns + segments → per-segment sums, value shares, preference indices, suggested actions |
//! | [`export`] | [`export::segmented_csv`] | table + outcomes → the user's rows with segment and reason |
//! | [`cells`] | [`cells::numbers::parse_number`], [`cells::dates::parse_datetime`] | one cell's text → number or timestamp, as people write them; a column sample → its convention, with a reason |
//!
//! [`pipeline`] strings them together for the worker. [`metrics`] scores clusterings (for
//! [`k_selection`]); [`bench`](mod@bench) holds benchmark workloads shared by native and wasm runs;
//! [`k_bench`] the k-selection benchmark (labelled sets, adjusted Rand index, each method's
//! pick); [`resample`] the seeded row sample the sweep and the stability check share.

// Nothing reachable from user data may panic (a panic in wasm kills the page): besides the
// crate-wide unwrap/expect/panic denials, no unchecked indexing in the core. Tests may.
#![deny(clippy::indexing_slicing)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod bench;
pub mod cells;
pub mod clean;
pub mod compare;
pub mod correlation;
pub mod export;
pub mod ingest;
pub mod k_bench;
pub mod k_selection;
pub mod kmeans;
pub mod metrics;
pub mod model;
pub mod outcome;
pub mod packed;
pub mod pipeline;
pub mod plan;
pub mod profile;
pub mod projection;
pub mod resample;
pub mod rfm;
pub mod sample;
pub mod segments;
pub mod sql;
pub mod stability;
pub mod stream;
pub mod value;
pub mod warning;
