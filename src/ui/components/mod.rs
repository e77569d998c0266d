//! One component a file. Each reads [`super::state::AppState`] from context and acts only
//! through [`super::state::Actions`].

pub mod download_button;
pub mod file_picker;
pub mod run_controls;
pub mod scatter_chart;
pub mod segment_sizes;
pub mod status_line;
