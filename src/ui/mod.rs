//! The Leptos front end. Components render [`state::AppState`]; the only way to the core is
//! the worker client held in [`state::Actions`].

pub mod app;
pub mod canvas;
pub mod components;
pub mod defer;
pub mod download;
pub mod settings;
pub mod shell;
pub mod state;

/// Mounts the app on `<body>`.
pub fn mount() {
    leptos::mount::mount_to_body(app::App);
}
