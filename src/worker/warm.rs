//! The engine's warm-up: the whole journey run once on a generated file while the user
//! chooses theirs, so the browser has compiled the engine's hot code for speed before the
//! user's file arrives.
//!
//! Why: a browser first runs wasm with a quick baseline compiler and recompiles a function
//! with its optimising compiler (in V8: Liftoff, then TurboFan) once it has run enough, on
//! background threads. Measured on a 1M-row file on the 2-core machine of issue 12, those
//! recompilations took about 1.5 s of CPU in the middle of the user's journey: time taken
//! from the pool's helpers, and code that ran at the baseline's speed until it was done.
//! The compiled module is one for the engine and every helper (the page compiles it once
//! and sends it to each: `client::WorkerSource`), so code recompiled here is the helpers'
//! code too, and stays so for fresh helpers.
//!
//! What runs: the sample's personas at [`WARM_SCALE`] times the sample's size (3,000
//! customers: an ID, a category, four numbers), through the same steps as a user's file:
//! read (in pieces on the helpers), profile, clean with the suggested choices, the k sweep,
//! the fit, a fit shared by rows as a large file's is, and the export. Nothing the worker
//! holds changes: the warm-up uses a runner of its own, and the helpers keep no state
//! between jobs. It stops between two steps as soon as a request of the user's comes
//! (each step takes a fraction of a second), and is not run at all after one.

use super::protocol::{ExportKind, Request, RequestBody, ResponseBody};
use super::runner::Runner;
use crate::core::ingest::IngestOptions;
use crate::core::pipeline::SegmentOptions;

/// How many times the sample's size the warm-up's file is.
pub const WARM_SCALE: usize = 10;
/// The name the warm-up's file goes by (in messages about it, should any be made).
pub const WARM_FILE_NAME: &str = "warm-up.csv";
/// The k the warm-up fits and the highest its sweep tries (the page's own sweep range).
pub const WARM_K: usize = 5;
pub const WARM_K_MAX: usize = 10;
/// The warm-up's seed (any: its results are thrown away).
pub const WARM_SEED: u64 = 1;

/// The warm-up's file.
pub fn warm_file() -> Vec<u8> {
    crate::core::sample::customers_csv(WARM_SCALE).into_bytes()
}

/// The warm-up's fit.
pub fn warm_segment_options() -> SegmentOptions {
    SegmentOptions::new(WARM_K, WARM_SEED)
}

/// The warm-up's steps, in the page's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Read,
    Clean,
    Sweep,
    Segment,
    /// A fit shared among the helpers by rows, as a large file's is (with helpers only).
    ByRows,
    Export,
}

pub const STEPS: [Step; 6] = [Step::Read, Step::Clean, Step::Sweep, Step::Segment, Step::ByRows, Step::Export];

impl Step {
    /// The step's name, for a message.
    pub fn name(self) -> &'static str {
        match self {
            Step::Read => "reading",
            Step::Clean => "cleaning",
            Step::Sweep => "k sweep",
            Step::Segment => "fit",
            Step::ByRows => "fit by rows",
            Step::Export => "export",
        }
    }

    /// The step as a request to the warm-up's runner (`suggested`: the cleaning suggested
    /// for its file, once read); `None` for [`Step::ByRows`], which is the pool's alone,
    /// and for [`Step::Clean`] with no suggestion (the file was not read).
    pub fn request(self, suggested: Option<&crate::core::clean::CleaningOptions>) -> Option<RequestBody> {
        Some(match self {
            Step::Read => RequestBody::Load { name: WARM_FILE_NAME.to_owned(), bytes: warm_file(), options: IngestOptions::default() },
            Step::Clean => RequestBody::Clean(suggested?.clone()),
            Step::Sweep => RequestBody::Sweep { k_max: WARM_K_MAX, seed: WARM_SEED },
            Step::Segment => RequestBody::Segment(warm_segment_options()),
            Step::ByRows => return None,
            Step::Export => RequestBody::Export { what: ExportKind::SegmentedCsv, names: Vec::new(), value: Default::default() },
        })
    }
}

/// The warm-up on one worker (the engine when no helper could start, and the native
/// tests): `Ok(true)` when every step ran, `Ok(false)` when `stop` said to stop before one;
/// the step that failed, named, else.
pub fn warm_alone(now_ms: &dyn Fn() -> f64, stop: &dyn Fn() -> bool) -> Result<bool, String> {
    let mut runner = Runner::new();
    let mut suggested = None;
    for (i, step) in STEPS.into_iter().enumerate() {
        if stop() {
            return Ok(false);
        }
        let Some(body) = step.request(suggested.as_ref()) else {
            if step == Step::ByRows {
                continue;
            }
            return Err(format!("the warm-up's {} had nothing to work on", step.name()));
        };
        let response = runner.handle(Request { id: i as u64 + 1, body }, now_ms, &mut |_, _| {});
        match response.body {
            ResponseBody::Loaded(summary) => suggested = Some(summary.suggested),
            ResponseBody::Failed { message } => return Err(format!("the warm-up's {} failed: {message}", step.name())),
            _ => {}
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warm_up_runs_every_step_of_the_journey() {
        assert_eq!(warm_alone(&|| 0.0, &|| false), Ok(true));
    }

    #[test]
    fn the_warm_up_stops_when_asked() {
        let asked = std::cell::Cell::new(0);
        let stop = || {
            asked.set(asked.get() + 1);
            asked.get() > 2
        };
        assert_eq!(warm_alone(&|| 0.0, &stop), Ok(false));
        assert_eq!(asked.get(), 3);
        assert!(STEPS.len() > 3);
    }

    #[test]
    fn the_warm_up_file_is_the_sample_scaled_and_read_as_a_user_file_would_be() {
        let bytes = warm_file();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert_eq!(text.lines().count(), 1 + 300 * WARM_SCALE);
        assert_eq!(text.lines().next(), crate::core::sample::sample_customers_csv().lines().next());
        let file = crate::core::pipeline::load(WARM_FILE_NAME, &bytes, &IngestOptions::default(), &mut |_| {}).unwrap();
        let options = crate::core::clean::CleaningOptions::suggested(&file.profile);
        // The features a user's customer file has: numbers, and a category encoded.
        assert_eq!(options.numeric.len(), 4);
        let cleaned = crate::core::pipeline::clean(&file, &options).unwrap();
        assert!(cleaned.n_features >= 4, "{}", cleaned.n_features);
        assert_eq!(cleaned.n_rows, 300 * WARM_SCALE);
    }
}
