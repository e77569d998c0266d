//! Customer Segmentation: a CSV of customers in, explained K-Means segments out, all in
//! the browser tab.
//!
//! The crate has three areas and data flows one way through them:
//!
//! - [`core`]: pure Rust (no leptos, web-sys or wasm-bindgen). Bytes → table → feature
//!   matrix → clusters → export. Builds and is tested natively and in wasm. Nothing in it
//!   panics on user data.
//! - [`worker`]: the message protocol between page and Web Worker, the worker side that
//!   runs the core, and the main-thread client that talks to it.
//! - `ui` (wasm only): Leptos components that send requests to the worker and render what
//!   comes back, plus the chart drawing in [`charts`], which is written against plotters'
//!   `DrawingBackend` so the same code draws to a canvas or to SVG.

// Unit tests may unwrap: a failing test should stop loudly.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod charts;
pub mod core;
pub mod worker;

#[cfg(target_arch = "wasm32")]
pub mod ui;
