//! `segment`: the page's engine on the command line.
//!
//! - `segment fit FILE -o model.json [--export out.csv] [--summary summary.csv]` reads,
//!   cleans and segments a file as the page does with the same choices (the same model,
//!   download and summary, byte for byte).
//! - `segment apply model.json FILE -o out.csv` gives every row of a file its segment under
//!   a saved model, reading and writing piece by piece (memory stays flat, whatever the
//!   file's size).
//! - `segment sql model.json --dialect duckdb` writes the model as one SQL query.
//!
//! Exit codes: 0 done, 1 the data or the model could not be used, 2 the command line is
//! wrong. Progress and errors go to stderr.

#[cfg(not(target_arch = "wasm32"))]
mod apply;
#[cfg(not(target_arch = "wasm32"))]
mod cli;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

// The crate's bins are built for wasm32 too (the page's build checks them all): nothing to
// run there.
#[cfg(target_arch = "wasm32")]
fn main() {}
