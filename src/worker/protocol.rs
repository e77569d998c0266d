//! Messages between the page and the worker, carried by serde-wasm-bindgen. Byte buffers
//! go as `Uint8Array` (serde_bytes), not as arrays of numbers. The enums are externally
//! tagged (`{ "loaded": { … } }`): an internally tagged one is read twice, first into
//! serde's buffer to find its tag, which for a file's summary cost the main thread 70 ms of
//! one task.

use serde::{Deserialize, Serialize};

use crate::core::clean::{CleaningOptions, CleaningReport};
use crate::core::compare::Comparison;
use crate::core::correlation::Explore;
use crate::core::ingest::{IngestOptions, RaggedRow};
use crate::core::k_selection::Sweep;
use crate::core::pipeline::{SegmentOptions, Segmentation};
use crate::core::profile::{ColumnKind, ColumnProfile};
use crate::core::rfm::{RfmOptions, RfmReport, TransactionMapping};
use crate::core::sql::Dialect;
use crate::core::warning::Warning;

/// Rows of the file shown in the preview.
pub const PREVIEW_ROWS: usize = 8;

/// A request from the page. `id` comes back on every message that answers it, so the page
/// can ignore answers about a file it has since replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    pub body: RequestBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestBody {
    /// Read and profile a file; the worker keeps it for the requests that follow.
    Load {
        name: String,
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
        options: IngestOptions,
    },
    /// Read and profile the file attached to the message as its `file` property (a `File`
    /// the worker reads itself: the page never copies the bytes).
    /// A file whose reading would take more than `memory_budget` bytes is read in pieces
    /// and sampled (`core::stream`); `None`: the worker's own limit.
    LoadAttached {
        name: String,
        options: IngestOptions,
        #[serde(default)]
        memory_budget: Option<u64>,
    },
    /// Read the built-in sample file (see `core::sample`).
    LoadSample { options: IngestOptions },
    /// Turn the loaded transaction log into one row per customer (Recency, Frequency,
    /// Monetary, ...); the customers become the file that is cleaned and segmented.
    Transactions { mapping: TransactionMapping, options: RfmOptions },
    /// The user's kind for a column (`None`: back to the guess).
    SetKind { column: usize, kind: Option<ColumnKind> },
    /// Clean with these choices; the worker keeps the matrix.
    Clean(CleaningOptions),
    /// Try k = 2..=k_max on the cleaned matrix and recommend one.
    Sweep { k_max: usize, seed: u64 },
    /// Segment the cleaned matrix.
    Segment(SegmentOptions),
    /// A file to download from the last segmentation; `names` are the user's segment names
    /// (empty entries keep the generated ones); `value` the user's value column, preference
    /// columns and actions for the summary (left out: the guesses and suggestions).
    Export {
        what: ExportKind,
        names: Vec<String>,
        #[serde(default)]
        value: crate::core::value::ValueChoice,
    },
    /// The model as JSON, with the SHA-256 the worker took when it read the file (no file
    /// travels with this request).
    ExportModel { names: Vec<String> },
    /// The same model as one SQL query scoring every row of `table` in a database
    /// (`core::sql`): written here, not on the page.
    ExportSql { names: Vec<String>, dialect: Dialect, table: String },
    /// A saved model (its JSON, as downloaded before) as one SQL query: needs no file and
    /// changes nothing the worker holds.
    ModelSql {
        #[serde(with = "serde_bytes")]
        model_json: Vec<u8>,
        dialect: Dialect,
        table: String,
    },
    /// Read a saved model and a new file with the same columns (the `File` attached; its
    /// bytes land in `bytes`) and give every row the nearest saved centre.
    ApplyModel {
        #[serde(with = "serde_bytes")]
        model_json: Vec<u8>,
        name: String,
        #[serde(with = "serde_bytes", default)]
        bytes: Vec<u8>,
        options: IngestOptions,
        /// A file whose reading would take more is applied piece by piece.
        #[serde(default)]
        memory_budget: Option<u64>,
    },
    /// Stop the sweep or fit the pool is running (it answers [`ResponseBody::Cancelled`]);
    /// what the worker holds (the file, the cleaned matrix, the last results) stays.
    Cancel,
    /// Run the engine's code on a generated file while the user chooses one
    /// ([`super::warm`]): nothing the worker holds changes; answered by
    /// [`ResponseBody::Warmed`]. Stopped between steps when another request comes.
    Warm,
    /// Test hook (sent only by a page opened with `?test-hooks`): the worker allocates until
    /// its memory runs out and stops, as a file too big for it would make it.
    TestCrash,
}

/// A message from the worker. `id` is 0 for [`ResponseBody::Ready`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub id: u64,
    pub body: ResponseBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseBody {
    /// The worker's wasm is loaded: messages sent from now on are handled.
    Ready,
    /// Work in progress on the request `id`.
    Progress {
        stage: String,
        fraction: f64,
        /// The pool runs it: a cancel stops the helpers, and the engine keeps what it holds.
        #[serde(default)]
        pooled: bool,
    },
    Loaded(Box<FileSummary>),
    /// The profile after a kind changed, and the cleaning choices that now make sense.
    Profiled {
        columns: Vec<ColumnProfile>,
        suggested: CleaningOptions,
        /// The file's warnings again (a column's kind changes which apply).
        #[serde(default)]
        warnings: Vec<Warning>,
        /// The correlations and the pair-plot sample again (a kind decides which columns
        /// are numeric).
        #[serde(default)]
        explore: Option<Box<Explore>>,
    },
    Cleaned(CleanSummary),
    Swept(Box<SweepReport>),
    Segmented(Box<SegmentReport>),
    Applied(AppliedSummary),
    Exported {
        file_name: String,
        mime: String,
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
        /// A file written piece by piece: the browser holds it (the message's `blob`
        /// property), `bytes` is empty.
        #[serde(skip)]
        blob: Option<ExportBlob>,
    },
    /// The request failed; the message names the file and what to do.
    Failed {
        message: String,
    },
    /// The request was cancelled ([`RequestBody::Cancel`]); nothing it would have changed
    /// changed.
    Cancelled,
    /// The warm-up ([`RequestBody::Warm`]) ended: `ms` from its start; `finished` false when
    /// it stopped early for a request of the user's (or was not run: one came first), or
    /// failed (`error`: which step, and why; a defect of ours, the user's file is not
    /// touched).
    Warmed {
        ms: f64,
        finished: bool,
        error: Option<String>,
    },
}

/// A download the browser holds (a `Blob`), not the wasm memory.
#[cfg(target_arch = "wasm32")]
pub type ExportBlob = web_sys::Blob;
/// Natively there is no browser to hold a download.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Clone, PartialEq)]
pub enum ExportBlob {}

/// How a file read in pieces was sampled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamedSummary {
    /// Data rows in the whole file.
    pub total_rows: usize,
    /// Rows of the sample (the profile, cleaning and segments).
    pub sample_rows: usize,
    /// The memory budget that made it read in pieces.
    pub budget_bytes: u64,
}

/// A task the engine worker gives a helper of the pool (over a `MessagePort`), as the
/// `task` of a message `{ task, data }`: the matrix travels beside it as a
/// `Float64Array`, not through serde.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelperTask {
    /// Keep this sweep (its `data` is the message's); the ks follow one by one.
    Sweep {
        job: crate::core::pipeline::SweepJob,
    },
    /// Score one k of the kept sweep.
    K {
        k: usize,
    },
    /// Keep the silhouettes of these labels of the kept sweep's silhouette rows (one
    /// labeling per k, in k order); its blocks follow one by one.
    Silhouettes {
        labelings: Vec<Vec<u32>>,
    },
    /// Score one block of the kept silhouettes' rows.
    SilhouetteBlock {
        block: usize,
    },
    /// Keep this stability check's resamples ([`crate::core::stability::Resampling`]); they
    /// follow one by one.
    Stability {
        resampling: crate::core::stability::Resampling,
    },
    /// Fit one resample of the kept stability check.
    Resample {
        b: usize,
    },
    /// Prepare a fit of the message's `data` (`d` features); the runs follow one by one.
    Fit {
        d: usize,
        params: crate::core::kmeans::KMeansParams,
    },
    /// Make one run of the kept fit; the helper keeps its best run.
    Run {
        run: usize,
    },
    /// Send the best run made since the last `Fit`.
    Best,
    /// Keep the message's `data` as rows `first_row..` of a fit shared out by rows
    /// ([`crate::core::kmeans::shard`]); the iterations' steps follow.
    Shard {
        first_row: usize,
        n_rows: usize,
        d: usize,
        k: usize,
        algorithm: crate::core::kmeans::Algorithm,
        /// The rows come as the matrix holds them: the helper centres them by these means
        /// ([`crate::core::kmeans::centre_in_place`]). `None`: they come centred.
        #[serde(default)]
        means: Option<Vec<f64>>,
    },
    /// One step of a run of the kept shard (`run_start`: the first of a run).
    Next {
        next: crate::core::kmeans::shard::Next,
        run_start: bool,
    },
    /// A run's k-means++ draw over the kept shard begins from this centre
    /// ([`crate::core::kmeans::init::PlusPlusShard::start`]).
    SeedStart {
        #[serde(with = "crate::core::packed::f64s")]
        first: Vec<f64>,
    },
    /// The next centre's candidates (`t × d`), after candidate `chosen` of the last
    /// ([`crate::core::kmeans::init::PlusPlusShard::trial`]).
    SeedTrial {
        chosen: Option<usize>,
        #[serde(with = "crate::core::packed::f64s")]
        candidates: Vec<f64>,
    },
    /// Keep the line of every row of a table (the message's `data`); its columns follow.
    Columns,
    /// Keep how the pieces of a file are read; the pieces follow.
    Pieces {
        format: crate::core::ingest::pieces::PieceFormat,
        options: IngestOptions,
    },
    /// Read piece `index` of the kept file (its UTF-8 text is the message's `text`), which
    /// starts on line `first_line` (`first`: the piece holding the first record).
    Piece {
        index: usize,
        first_line: u64,
        first: bool,
    },
    /// Keep how the pieces of a file too large to hold are read (its first piece, read by
    /// the engine, told the format); its pieces follow.
    StreamPieces {
        format: crate::core::ingest::ChunkFormat,
        options: IngestOptions,
    },
    /// Read a piece of the kept file too large to hold (its bytes, cut where a record ends,
    /// are the message's `text`; they start on line `first_line`, at byte `at`) and send
    /// its rows whose sample draw is under `p` ([`crate::core::stream::PieceSample`]).
    StreamPiece {
        index: usize,
        first_line: u64,
        at: u64,
        p: f64,
    },
    /// Keep how the pieces of a file too large to hold are read and written with their
    /// segment ([`crate::core::stream::export_piece`]); its pieces follow.
    StreamExport {
        format: crate::core::ingest::ChunkFormat,
        options: IngestOptions,
        model: Box<crate::core::model::SavedModel>,
        names: Vec<String>,
        columns: usize,
        /// Place and count the rows, write nothing ([`crate::core::stream::ExportPass::counts_only`]).
        counts_only: bool,
    },
    /// Write a piece of the kept export (its bytes are the message's `text`, as for
    /// `StreamPiece`) and send it as a `Blob`.
    ExportPiece {
        index: usize,
        first_line: u64,
        at: u64,
    },
    /// Start a SHA-256 of a file's bytes, which follow in order (`Hash`, its `text`; no
    /// answer) until `HashEnd`, answered with the hash.
    HashStart,
    Hash,
    HashEnd,
    /// Profile one column of the kept rows: its text is the message's `text` (UTF-8) and
    /// each cell's end in it `ends` (a `Uint32Array`).
    Column {
        job: crate::core::profile::ColumnJob,
    },
}

/// A helper's answer to a [`HelperTask`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelperReply {
    K {
        outcome: crate::core::k_selection::KOutcome,
    },
    /// A block's sums of silhouette coefficients, one per labeling.
    SilhouetteBlock {
        block: usize,
        totals: Vec<f64>,
    },
    /// A resample's outcome, or why it could not be fitted.
    Resampled {
        b: usize,
        outcome: Result<crate::core::stability::Resampled, String>,
    },
    Run {
        run: usize,
    },
    Best {
        outcome: Option<crate::core::kmeans::RunOutcome>,
    },
    Step {
        partials: crate::core::kmeans::shard::StepPartials,
    },
    Far {
        rows: Vec<crate::core::kmeans::shard::FarRow>,
    },
    Finished {
        result: crate::core::kmeans::shard::ShardResult,
    },
    /// Each block's potential in the k-means++ draw (after a trial: `blocks × t`).
    Seed {
        #[serde(with = "crate::core::packed::f64s")]
        sums: Vec<f64>,
    },
    /// A column's profile; with numbers (`invalid_rows` given), their values are the
    /// message's `data` (a `Float64Array`).
    Column {
        profile: ColumnProfile,
        invalid_rows: Option<Vec<usize>>,
    },
    /// A piece's rows: the message's `data` is an array of the rows' lines (a
    /// `Float64Array`), then each column's text (`Uint8Array`) and cell ends
    /// (`Uint32Array`).
    Piece {
        index: usize,
        ragged: Vec<RaggedRow>,
        repeated_headers: Vec<u64>,
        bad_cells: Vec<(u64, usize)>,
    },
    /// A piece of a file too large to hold: its rows and columns, and the rows kept for the
    /// sample (their lines, text and cell ends in the message's `data`, as for `Piece`).
    Sampled {
        index: usize,
        rows: usize,
        columns: usize,
        ragged: Vec<RaggedRow>,
        warnings: Vec<crate::core::warning::Warning>,
    },
    /// A piece of the export written: its rows counted; the CSV is the message's `data` (a
    /// `Blob`).
    Exported {
        index: usize,
        rows: usize,
        per_segment: Vec<usize>,
        excluded: usize,
        columns: usize,
    },
    /// The SHA-256 of the bytes since `HashStart`, hex.
    Hashed {
        sha256: String,
    },
    Failed {
        message: String,
    },
}

/// Which download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// Every input row with `segment`, `segment_name`, `excluded_reason`.
    SegmentedCsv,
    /// One row per segment with sizes and each feature's mean and median.
    SummaryCsv,
    /// The file a saved model was applied to, with each row's segment.
    AppliedCsv,
    /// Transaction mode: one row per customer with R, F, M, scores, segment and name.
    CustomersCsv,
}

/// A saved model applied to a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedSummary {
    pub file_name: String,
    pub n_rows: usize,
    /// Rows that could not be placed (missing or invalid values): empty segment, a reason.
    pub unplaced: usize,
    pub segment_names: Vec<String>,
    pub sizes: Vec<usize>,
    /// The file the model was made from.
    pub model_source: String,
    /// When the same file was segmented before: how its rows moved to the model's segments.
    #[serde(default)]
    pub comparison: Option<Box<Comparison>>,
    /// The file was larger than the memory budget: applied piece by piece, and its download
    /// reads it again on the pool's helpers (a cancel stops them and keeps the page).
    #[serde(default)]
    pub in_pieces: bool,
}

/// What the page shows about a loaded file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    pub name: String,
    pub size_bytes: usize,
    pub n_rows: usize,
    pub n_columns: usize,
    pub headers: Vec<String>,
    pub has_header: bool,
    pub delimiter: u8,
    pub encoding: String,
    /// Why that encoding.
    #[serde(default)]
    pub encoding_reason: String,
    /// How the file was read, where it needed care: stray quotes, invalid bytes, repeated
    /// headers, stray values in numeric columns, mostly empty columns. Each is shown.
    #[serde(default)]
    pub warnings: Vec<Warning>,
    pub ragged_rows: usize,
    /// The first ragged rows, for the message.
    pub ragged_examples: Vec<RaggedRow>,
    pub columns: Vec<ColumnProfile>,
    /// The first rows' cell text.
    pub preview: Vec<Vec<String>>,
    /// Default cleaning choices for this file.
    pub suggested: CleaningOptions,
    /// The file looks like a transaction log: the guessed column mapping and why.
    pub transactions: Option<(TransactionMapping, String)>,
    /// This "file" is the customers made from a transaction log: what was done.
    pub rfm: Option<RfmSummary>,
    /// How the numeric columns move together (a sample of at most 50,000 rows) and a
    /// sample of at most 2,000 of their rows for the pair plot, made in the worker.
    #[serde(default)]
    pub explore: Option<Box<Explore>>,
    /// Time to read the bytes into a table; `elapsed_ms` adds the profiling.
    pub read_ms: f64,
    /// The file was too large to hold: read in pieces, every row counted, and everything
    /// after reading works on a seeded uniform sample of its rows.
    #[serde(default)]
    pub streamed: Option<StreamedSummary>,
    pub elapsed_ms: f64,
}

/// A transaction log turned into customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmSummary {
    /// The transaction file's name.
    pub source: String,
    pub mapping: TransactionMapping,
    /// Column names of the mapping, for the page.
    pub mapping_names: Vec<(String, String)>,
    pub report: RfmReport,
}

/// The cleaning's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CleanSummary {
    pub report: CleaningReport,
    pub feature_names: Vec<String>,
    pub elapsed_ms: f64,
}

/// A sweep over k and how long it took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepReport {
    pub sweep: Sweep,
    /// Runs per k actually used (`sweep.n_runs`: 10 on small files, at least 3 on the
    /// sample of a big one).
    pub n_runs: usize,
    pub elapsed_ms: f64,
}

/// A segmentation and how long it took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentReport {
    pub segmentation: Segmentation,
    /// The whole request: fit, description and stability.
    pub elapsed_ms: f64,
    /// Of which the runs (initial centres and iterations, on the pool when it has helpers).
    #[serde(default)]
    pub fit_ms: f64,
    /// Of which the stability check (with the pool: its resamples on the helpers, the
    /// segments described in the engine meanwhile; the longer of the two).
    #[serde(default)]
    pub stability_ms: f64,
    /// How the rows moved from the file's previous segmentation (another k, other
    /// features, or an applied model), when there was one.
    #[serde(default)]
    pub comparison: Option<Comparison>,
    /// How the pool's helpers shared the fit out (`None`: the engine fitted alone).
    #[serde(default)]
    pub shared: Option<FitShared>,
    /// A large fit's finishing run on the pool (one K-Means run on every row from the
    /// best start's centres): what a benchmark compares with scikit-learn from the same
    /// centres.
    #[serde(default)]
    pub finishing: Option<FinishingRun>,
}

/// One K-Means run on every row from given centres, as the pool made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinishingRun {
    /// Its time, shards sent to the end of the last iteration.
    pub ms: f64,
    pub iterations: usize,
    /// The centres it started from (`k × d`, in the scaled units of the matrix).
    pub initial: Vec<f64>,
}

/// How a fit was shared out among the pool's helpers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FitShared {
    pub helpers: usize,
    /// By rows (every iteration shared) rather than by whole runs.
    pub by_rows: bool,
}

/// The delimiter as the page shows it.
pub fn delimiter_name(delimiter: u8) -> String {
    crate::core::ingest::delimiter_name(delimiter)
}
