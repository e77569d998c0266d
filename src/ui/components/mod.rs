//! One component a file. Each reads [`super::state::AppState`] from context and acts only
//! through [`super::state::Actions`].

pub mod apply_model;
pub mod chart_export;
pub mod cleaning_controls;
pub mod cleaning_report;
pub mod download_button;
pub mod file_info;
pub mod file_picker;
pub mod hover_canvas;
pub mod k_choice;
pub mod later;
pub mod pca_chart;
pub mod preview_table;
pub mod profile_table;
pub mod read_warnings;
pub mod run_controls;
pub mod scatter_chart;
pub mod segment_cards;
pub mod segment_charts;
pub mod segment_sizes;
pub mod separation;
pub mod sparkline;
pub mod status_line;
pub mod transactions;
