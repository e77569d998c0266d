//! The pure engine: no web dependency, deterministic for a given seed, no panic on user data.
//!
//! One module per arrow of the data flow, each with one entry function and one error type:
//!
//! | module | entry | from → to |
//! |---|---|---|
//! | [`ingest`] | [`ingest::parse_csv`] | bytes → [`ingest::Table`] (every cell's text kept) |
//! | [`profile`] | [`profile::profile_columns`] | table → a role per column (numeric, identifier, other) |
//! | [`features`] | [`features::build_features`] | table + chosen columns → scaled matrix, rows left out named |
//! | [`kmeans`] | [`kmeans::fit`] | matrix → centres, labels, inertia |
//! | [`k_selection`] | [`k_selection::sweep`] | matrix + range of k → scores per k, knee, a recommended k |
//! | [`projection`] | [`projection::pca_2d`] | matrix → 2-D points for the chart |
//! | [`export`] | [`export::segmented_csv`] | table + labels → the user's rows with their segment |
//!
//! [`pipeline`] strings them together for the worker. [`metrics`] scores clusterings (for
//! [`k_selection`]); [`bench`](mod@bench) holds benchmark workloads shared by native and wasm runs.

pub mod bench;
pub mod export;
pub mod features;
pub mod ingest;
pub mod k_selection;
pub mod kmeans;
pub mod metrics;
pub mod pipeline;
pub mod profile;
pub mod projection;
