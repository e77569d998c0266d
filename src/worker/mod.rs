//! The page ↔ Web Worker boundary. All heavy work (reading, profiling, clustering, export)
//! runs in the worker so the page never freezes; the UI only sends [`protocol::Request`]s
//! and renders [`protocol::Response`]s.
//!
//! - [`protocol`]: the serde messages, plain data (native and wasm).
//! - [`memory`]: what a file needs in the worker's memory; the messages when it cannot fit.
//! - [`runner`]: the worker side. [`runner::Runner`] turns a request into a response with
//!   the core and is tested natively; `runner::start` wires it to the worker's messages.
//! - [`warm`]: the engine's warm-up, the journey run on a generated file while the user
//!   chooses theirs, so the browser compiles the hot code before the user's file comes.
//! - `pool` (wasm only): the helper workers that share out the sweep's ks and the fit's
//!   runs, and the engine's side of them.
//! - `pooled` (wasm only): the engine's steps the helpers share (a file's reading and
//!   profile, the sweep, the fit), on the runner they are given (the engine's, the warm-up's).
//! - `client` (wasm only): the main-thread handle that starts the worker, waits for its
//!   "ready", queues what is sent before, and hands responses to a callback.

pub mod memory;
pub mod protocol;
pub mod runner;
pub mod warm;

#[cfg(target_arch = "wasm32")]
pub mod client;
#[cfg(target_arch = "wasm32")]
pub mod pool;
#[cfg(target_arch = "wasm32")]
pub mod pooled;
