//! The worker side: keeps the loaded file, the cleaned matrix and the last segmentation
//! between messages, and answers requests with the core.

use crate::core::clean::{CleanedData, CleaningOptions, ExclusionReason};
use crate::core::compare::{compare, Comparison, RowSegments};
use crate::core::correlation::explore;
use crate::core::export::{model_file_name, segmented_csv, segmented_file_name, summary_file_name, RowOutcome};
use crate::core::ingest::{IngestOptions, Table};
use crate::core::k_selection::KOutcome;
use crate::core::kmeans::{KMeansError, RunOutcome};
use crate::core::model::{apply_model, read_model, save_model, Provenance, SavedModel, SourceOrigin};
use crate::core::pipeline::{self, FitPlan, LoadedFile, SegmentOptions, Segmentation, SweepJob};
use crate::core::profile::{profile_warnings, ColumnKind};
use crate::core::rfm::{aggregate, customers_table, suggested_cleaning, RfmOptions, RfmResult, TransactionMapping};
use crate::core::sql::{self, Dialect, SqlOptions};
use crate::core::stream::{self, ByteSource};
use rustc_hash::FxHashMap;

use super::protocol::{
    AppliedSummary, CleanSummary, ExportKind, FileSummary, Request, RequestBody, Response, ResponseBody, RfmSummary, SegmentReport,
    StreamedSummary, SweepReport, PREVIEW_ROWS,
};

/// The worker's state between messages, and the dispatch from request to core call.
/// Each step's result is kept until something it depends on changes, so changing k reruns
/// only the fit, and changing a cleaning choice reruns cleaning and fit, not the reading.
#[derive(Debug, Default)]
pub struct Runner {
    file: Option<LoadedFile>,
    /// The cleaning choices and their result (set only by [`Runner::set_cleaned`]).
    cleaned: Option<(CleaningOptions, CleanedData)>,
    /// What describing a segmentation of `cleaned` needs whatever the fit, once made
    /// ([`Runner::prepare_ground`]); forgotten with `cleaned`.
    ground: Option<pipeline::SegmentGround>,
    /// The segmentation and the options it was made with.
    segmentation: Option<(SegmentOptions, Segmentation)>,
    /// A saved model applied to the loaded file: each row's outcome, and the names.
    applied: Option<(Vec<RowOutcome>, Vec<String>)>,
    /// Transaction mode: the transaction log and its aggregation (`file` is then the
    /// customers made from it).
    transactions: Option<(LoadedFile, RfmResult, RfmSummary)>,
    /// The bytes `file` comes from, hashed once when they were read (in transaction mode:
    /// the log's), for the model's provenance.
    source: Option<Provenance>,
    /// Why the last cleaning failed, repeated when a step that needs it is asked for.
    clean_error: Option<String>,
    /// The last segmentation, row by row (a fit or an applied model), with the SHA-256 of
    /// the file it segmented: kept across new cleaning choices, k and even a new reading of
    /// the same bytes, so the next segmentation of that file can be compared with it.
    previous: Option<(RowSegments, String)>,
    /// The file was read in pieces: how, to read it again for the export.
    streamed: Option<StreamedFile>,
    /// A saved model applied piece by piece to a file too large to hold.
    applied_in_pieces: Option<AppliedInPieces>,
}

/// A saved model applied to a file too large to hold: what its download needs.
#[derive(Debug, Clone)]
struct AppliedInPieces {
    name: String,
    model: SavedModel,
    options: IngestOptions,
    columns: usize,
    sha256: String,
    /// The pieces' size under the page's memory budget.
    piece_bytes: usize,
}

/// How the download of a file read in pieces is written ([`Runner::streamed_export`]).
pub struct StreamedExport {
    pub name: String,
    pub options: IngestOptions,
    pub model: SavedModel,
    pub names: Vec<String>,
    pub columns: usize,
    pub sha256: String,
    pub piece_bytes: usize,
    /// The progress line's stage.
    pub stage: String,
}

impl StreamedExport {
    /// The pass over the file that writes it.
    pub fn pass(&self) -> stream::ExportPass<'_> {
        stream::ExportPass {
            name: &self.name,
            options: &self.options,
            model: &self.model,
            names: &self.names,
            columns: self.columns,
            sha256: Some(&self.sha256),
            piece_bytes: self.piece_bytes,
            counts_only: false,
        }
    }

    /// The download's file name.
    pub fn file_name(&self) -> String {
        segmented_file_name(&self.name)
    }
}

/// What the engine says when a call that trapped (out of memory) left the runner borrowed.
#[cfg(target_arch = "wasm32")]
fn stopped_midway() -> String {
    "the background worker stopped in the middle of a task (most likely it ran out of memory) and cannot go on: choose a file again"
        .to_owned()
}

/// The stage of reading a file in pieces, for the page.
pub const READING_IN_PIECES: &str = "Reading in pieces (the file is larger than the memory set aside)";
/// The stage of a saved model applied to a file too large to hold.
pub const APPLYING_IN_PIECES: &str = "Applying the model piece by piece (the file is larger than the memory set aside)";

/// The counting pass of a saved model applied to a file too large to hold: every row read,
/// placed and counted (not written), its pieces sized for `budget_bytes`, the file's hash
/// taken as it is read.
pub fn applying_pass<'a>(name: &'a str, options: &'a IngestOptions, model: &'a SavedModel, budget_bytes: u64) -> stream::ExportPass<'a> {
    stream::ExportPass {
        name,
        options,
        model,
        names: &model.segment_names,
        columns: 0,
        sha256: None,
        piece_bytes: stream::piece_bytes_for(budget_bytes),
        counts_only: true,
    }
}

/// A file read in pieces ([`crate::core::stream`]): `file` holds its sample.
#[derive(Debug, Clone)]
pub struct StreamedFile {
    options: IngestOptions,
    total_rows: usize,
    columns: usize,
    sha256: String,
    budget_bytes: u64,
}

/// A file read and not yet profiled ([`Runner::read`], [`Runner::read_streamed`]).
#[derive(Debug)]
pub struct ReadFile {
    pub name: String,
    /// The file's rows (a file read in pieces: the sample's).
    pub table: crate::core::ingest::Table,
    size_bytes: usize,
    read_ms: f64,
    source: Provenance,
    streamed: Option<StreamedFile>,
}

impl ReadFile {
    /// A file read whole from its bytes (`size_bytes` of them, hashed to `sha256`).
    pub fn from_bytes(name: String, table: Table, size_bytes: usize, read_ms: f64, sha256: String) -> Self {
        let source = Provenance { file_name: name.clone(), sha256, origin: SourceOrigin::File };
        Self { name, table, size_bytes, read_ms, source, streamed: None }
    }

    /// The sample of a file read in pieces (`budget_bytes`: the memory budget it was over).
    pub fn from_sampled(name: String, sampled: stream::Sampled, options: &IngestOptions, budget_bytes: u64, read_ms: f64) -> Self {
        let source = Provenance { file_name: name.clone(), sha256: sampled.sha256.clone(), origin: SourceOrigin::File };
        let streamed = StreamedFile {
            options: options.clone(),
            total_rows: sampled.total_rows,
            columns: sampled.columns,
            sha256: sampled.sha256,
            budget_bytes,
        };
        let size_bytes = usize::try_from(sampled.bytes).unwrap_or(usize::MAX);
        Self { name, table: sampled.table, size_bytes, read_ms, source, streamed: Some(streamed) }
    }

    /// Whether the table is a sample of a file read in pieces.
    pub fn is_sample(&self) -> bool {
        self.streamed.is_some()
    }
}

/// A request's answer with the time it took (`elapsed`, ms) where the answer reports it;
/// an error becomes [`ResponseBody::Failed`].
pub fn stamped(body: Result<ResponseBody, String>, elapsed: f64) -> ResponseBody {
    match body {
        Ok(mut body) => {
            match &mut body {
                ResponseBody::Loaded(summary) => summary.elapsed_ms = elapsed,
                ResponseBody::Cleaned(summary) => summary.elapsed_ms = elapsed,
                ResponseBody::Segmented(report) => report.elapsed_ms = elapsed,
                ResponseBody::Swept(report) => report.elapsed_ms = elapsed,
                _ => {}
            }
            body
        }
        Err(message) => ResponseBody::Failed { message },
    }
}

/// Progress sink: a stage name and a fraction in 0..=1.
pub type ProgressSink<'a> = &'a mut dyn FnMut(&str, f64);

impl Runner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers one request. `now_ms` is the clock (performance.now in the worker); progress
    /// goes to `progress` while the request runs.
    pub fn handle(&mut self, request: Request, now_ms: &dyn Fn() -> f64, progress: ProgressSink<'_>) -> Response {
        let started = now_ms();
        let body = self.dispatch(request.body, now_ms, progress);
        Response { id: request.id, body: stamped(body, now_ms() - started) }
    }

    fn dispatch(&mut self, body: RequestBody, now_ms: &dyn Fn() -> f64, progress: ProgressSink<'_>) -> Result<ResponseBody, String> {
        match body {
            RequestBody::LoadSample { options } => self.load_sample(options, now_ms, progress),
            RequestBody::LoadAttached { name, .. } => Err(format!("{name}: the file did not reach the background worker: choose it again")),
            RequestBody::Load { name, bytes, options } => self.load(name, &bytes, &options, now_ms, progress),
            RequestBody::Transactions { mapping, options } => self.transactions(&mapping, &options, progress),
            RequestBody::SetKind { column, kind } => self.set_kind(column, kind),
            RequestBody::Clean(options) => self.clean(options, progress),
            RequestBody::Sweep { k_max, seed } => self.sweep(k_max, seed, progress),
            RequestBody::Segment(options) => self.segment(options, now_ms, progress),
            RequestBody::Export { what, names, value } => self.export(what, names, &value, progress),
            RequestBody::ExportModel { names } => self.export_model(&names, progress),
            RequestBody::ExportSql { names, dialect, table } => self.export_sql(&names, dialect, table, progress),
            RequestBody::ModelSql { model_json, dialect, table } => Self::model_sql(&model_json, dialect, table, progress),
            RequestBody::ApplyModel { model_json, name, bytes, options, .. } => {
                self.apply_model(&model_json, name, &bytes, &options, progress)
            }
            RequestBody::Cancel => Ok(ResponseBody::Cancelled),
            RequestBody::TestCrash => Err("the test crash runs only in the browser's worker".to_owned()),
            RequestBody::Warm => {
                let started = now_ms();
                let (finished, error) = match super::warm::warm_alone(now_ms, &|| false) {
                    Ok(finished) => (finished, None),
                    Err(message) => (false, Some(message)),
                };
                Ok(ResponseBody::Warmed { ms: now_ms() - started, finished, error })
            }
        }
    }

    /// Forgets the file and everything made from it, so nothing stale remains if what
    /// replaces it fails.
    pub(crate) fn forget_file(&mut self) {
        self.file = None;
        self.set_cleaned(None);
        self.segmentation = None;
        self.applied = None;
        self.transactions = None;
        self.source = None;
        self.streamed = None;
        self.applied_in_pieces = None;
    }

    /// A runner holding nothing but the last segmentation's rows (a new file is read into
    /// an empty worker, but may be the same bytes segmented again).
    pub fn fresh(&mut self) -> Self {
        Self { previous: self.previous.take(), ..Self::default() }
    }

    /// Compares `current` with the last segmentation of the same bytes, then keeps it.
    fn compare_with_previous(&mut self, current: RowSegments) -> Option<Comparison> {
        let sha = self.source.as_ref()?.sha256.clone();
        let comparison = self.previous.as_ref().filter(|(_, s)| *s == sha).and_then(|(previous, _)| compare(previous, &current));
        self.previous = Some((current, sha));
        comparison
    }

    /// Replaces the cleaned data, forgetting what was made of the old.
    fn set_cleaned(&mut self, cleaned: Option<(CleaningOptions, CleanedData)>) {
        self.cleaned = cleaned;
        self.ground = None;
    }

    /// Makes what describing a segmentation of the cleaned data needs whatever its fit
    /// ([`pipeline::SegmentGround`]), if not made yet: the engine does it while the page
    /// shows the k sweep, before the user asks for segments. Nothing without cleaned data.
    pub fn prepare_ground(&mut self) {
        if self.ground.is_some() {
            return;
        }
        if let Ok((file, cleaned)) = self.cleaned() {
            self.ground = Some(pipeline::segment_ground(file, cleaned));
        }
    }

    /// The file and its cleaned matrix, or what to do first.
    fn cleaned(&self) -> Result<(&LoadedFile, &CleanedData), String> {
        let file = self.file.as_ref().ok_or_else(no_file)?;
        let (_, cleaned) = self.cleaned.as_ref().ok_or_else(|| not_cleaned(file, self.clean_error.as_deref()))?;
        Ok((file, cleaned))
    }

    fn load_sample(
        &mut self,
        options: IngestOptions,
        now_ms: &dyn Fn() -> f64,
        progress: ProgressSink<'_>,
    ) -> Result<ResponseBody, String> {
        let bytes = crate::core::sample::sample_customers_csv().into_bytes();
        let loaded = self.load(crate::core::sample::SAMPLE_FILE_NAME.to_owned(), &bytes, &options, now_ms, progress);
        if let Some(source) = &mut self.source {
            source.origin = SourceOrigin::Sample;
        }
        loaded
    }

    /// Reads and profiles a file, and hashes its bytes for the model's provenance.
    fn load(
        &mut self,
        name: String,
        bytes: &[u8],
        options: &IngestOptions,
        now_ms: &dyn Fn() -> f64,
        progress: ProgressSink<'_>,
    ) -> Result<ResponseBody, String> {
        let read = self.read(name, bytes, options, now_ms, progress)?;
        progress("Profiling", 1.0);
        let profile = crate::core::profile::profile_columns(&read.table);
        Ok(self.loaded(read, profile))
    }

    /// The first half of a load: the file read into a table and its bytes hashed; the
    /// worker holds nothing until [`Runner::loaded`] (the profile may be made by the pool
    /// meanwhile).
    pub fn read(
        &mut self,
        name: String,
        bytes: &[u8],
        options: &IngestOptions,
        now_ms: &dyn Fn() -> f64,
        progress: ProgressSink<'_>,
    ) -> Result<ReadFile, String> {
        // A new file replaces the old one even if it fails, so nothing stale remains.
        self.forget_file();
        let started = now_ms();
        let table = pipeline::read(&name, bytes, options, &mut |f| progress("Reading", f)).map_err(|e| e.to_string())?;
        let read_ms = now_ms() - started;
        let source = Provenance::of(&name, bytes, SourceOrigin::File);
        Ok(ReadFile { name, table, size_bytes: bytes.len(), read_ms, source, streamed: None })
    }

    /// The second half of a load: the file and its profile kept, and summed up for the page.
    pub fn loaded(&mut self, read: ReadFile, profile: crate::core::profile::TableProfile) -> ResponseBody {
        let ReadFile { name, table, size_bytes, read_ms, source, streamed } = read;
        let file = LoadedFile { name, table, profile };
        let mut summary = summarise(&file, size_bytes);
        summary.read_ms = read_ms;
        if let Some(streamed) = &streamed {
            summary.streamed = Some(StreamedSummary {
                total_rows: streamed.total_rows,
                sample_rows: file.table.n_rows(),
                budget_bytes: streamed.budget_bytes,
            });
        }
        self.source = Some(source);
        self.streamed = streamed;
        self.file = Some(file);
        ResponseBody::Loaded(Box::new(summary))
    }

    /// Reads a file too large to hold in pieces ([`stream::sample`]): every row counted,
    /// a seeded uniform sample of about `sample_rows` kept and profiled as the file.
    #[allow(clippy::too_many_arguments)]
    pub fn load_streamed(
        &mut self,
        name: String,
        source: &mut dyn ByteSource,
        options: &IngestOptions,
        sample_rows: usize,
        budget_bytes: u64,
        now_ms: &dyn Fn() -> f64,
        progress: ProgressSink<'_>,
    ) -> Result<ResponseBody, String> {
        let read = self.read_streamed(name, source, options, sample_rows, budget_bytes, now_ms, progress)?;
        progress("Profiling the sample", 1.0);
        let profile = crate::core::profile::profile_columns(&read.table);
        Ok(self.loaded(read, profile))
    }

    /// The first half of [`Runner::load_streamed`]: the sample read, the rows counted.
    #[allow(clippy::too_many_arguments)]
    pub fn read_streamed(
        &mut self,
        name: String,
        source: &mut dyn ByteSource,
        options: &IngestOptions,
        sample_rows: usize,
        budget_bytes: u64,
        now_ms: &dyn Fn() -> f64,
        progress: ProgressSink<'_>,
    ) -> Result<ReadFile, String> {
        self.forget_file();
        let started = now_ms();
        let sampled = stream::sample(&name, source, options, sample_rows, stream::piece_bytes_for(budget_bytes), &mut |f| {
            progress(READING_IN_PIECES, f)
        })
        .map_err(|e| e.to_string())?;
        Ok(ReadFile::from_sampled(name, sampled, options, budget_bytes, now_ms() - started))
    }

    /// A saved model applied to a file too large to hold, piece by piece: every row read
    /// and placed, the sizes counted; the download reads the file again. `budget_bytes`
    /// sets the pieces' size ([`stream::piece_bytes_for`]).
    pub fn apply_model_in_pieces(
        &mut self,
        model_json: &[u8],
        name: String,
        source: &mut dyn ByteSource,
        options: &IngestOptions,
        budget_bytes: u64,
        progress: ProgressSink<'_>,
    ) -> Result<ResponseBody, String> {
        let model = self.model_to_apply_in_pieces(model_json)?;
        let pass = applying_pass(&name, options, &model, budget_bytes);
        let counts = stream::export_segmented(&pass, source, &mut |f| progress(APPLYING_IN_PIECES, f), &mut |_| Ok(()))
            .map_err(|e| e.to_string())?;
        Ok(self.applied_in_pieces(name, model, options, budget_bytes, counts))
    }

    /// The model a file too large to hold is to be given ([`Runner::apply_model_in_pieces`]),
    /// read from its JSON; the file held before is let go.
    pub fn model_to_apply_in_pieces(&mut self, model_json: &[u8]) -> Result<SavedModel, String> {
        self.forget_file();
        read_model(model_json).map_err(|e| format!("the model: {e}"))
    }

    /// A model applied to a file too large to hold, its rows counted (`counts`): kept for
    /// the download, which reads the file again, and the page's summary.
    pub fn applied_in_pieces(
        &mut self,
        name: String,
        model: SavedModel,
        options: &IngestOptions,
        budget_bytes: u64,
        counts: stream::ExportCounts,
    ) -> ResponseBody {
        let applied = AppliedSummary {
            file_name: name.clone(),
            n_rows: counts.rows,
            unplaced: counts.excluded,
            segment_names: model.segment_names.clone(),
            sizes: counts.per_segment.clone(),
            model_source: model.source.file_name.clone(),
            comparison: None,
            in_pieces: true,
        };
        self.applied_in_pieces = Some(AppliedInPieces {
            name,
            model,
            options: options.clone(),
            columns: counts.columns,
            sha256: counts.sha256,
            piece_bytes: stream::piece_bytes_for(budget_bytes),
        });
        ResponseBody::Applied(applied)
    }

    /// Whether `body` is a download that reads the file again piece by piece
    /// ([`Runner::export_streamed`]): every row of a file read in pieces, or of one a model
    /// was applied to piece by piece.
    pub fn exports_in_pieces(&self, body: &RequestBody) -> bool {
        match body {
            RequestBody::Export { what: ExportKind::AppliedCsv, .. } => self.applied_in_pieces.is_some(),
            RequestBody::Export { what: ExportKind::SegmentedCsv | ExportKind::CustomersCsv, .. } => self.streamed.is_some(),
            _ => false,
        }
    }

    /// Whether `body` is the segmented download of a file held whole, which
    /// [`Runner::export_in_parts`] writes a part at a time (a transaction log's download,
    /// one row per purchase, is written whole).
    pub fn exports_in_parts(&self, body: &RequestBody) -> bool {
        let held = self.streamed.is_none() && self.segmentation.is_some();
        match body {
            RequestBody::Export { what: ExportKind::SegmentedCsv, .. } => held && self.transactions.is_none(),
            RequestBody::Export { what: ExportKind::CustomersCsv, .. } => held,
            _ => false,
        }
    }

    /// The segmented download of a file held whole, [`EXPORT_PART_ROWS`] rows at a time,
    /// each part given to `sink` as it is written (the parts put together are the bytes of
    /// the whole export). The download's name.
    pub fn export_in_parts(
        &self,
        names: &[String],
        progress: ProgressSink<'_>,
        sink: &mut dyn FnMut(Vec<u8>) -> Result<(), String>,
    ) -> Result<String, String> {
        let file = self.file.as_ref().ok_or_else(no_file)?;
        let (Some((_, cleaned)), Some((_, segmentation))) = (&self.cleaned, &self.segmentation) else {
            return Err(format!("{}: run the segmentation first, then download", file.name));
        };
        let n = file.table.n_rows().max(1);
        let mut written = 0;
        progress("Writing the file", 0.0);
        pipeline::export_csv_parts(file, cleaned, segmentation, names, EXPORT_PART_ROWS, &mut |part| {
            sink(part)?;
            written += EXPORT_PART_ROWS;
            progress("Writing the file", (written as f64 / n as f64).min(1.0));
            Ok(())
        })
        .map_err(|e| e.to_string())?;
        Ok(segmented_file_name(&file.name))
    }

    /// What the download of every row of a file read in pieces is written with: the
    /// segmentation as a model (or the model applied), the names, and the first pass's
    /// facts.
    pub fn streamed_export(&self, names: &[String]) -> Result<StreamedExport, String> {
        if let Some(applied) = &self.applied_in_pieces {
            // The user's names, else the model's.
            let names = if names.iter().any(|n| !n.trim().is_empty()) { names.to_vec() } else { applied.model.segment_names.clone() };
            return Ok(StreamedExport {
                name: applied.name.clone(),
                options: applied.options.clone(),
                model: applied.model.clone(),
                names,
                columns: applied.columns,
                sha256: applied.sha256.clone(),
                piece_bytes: applied.piece_bytes,
                stage: "Writing every row with its segment".to_owned(),
            });
        }
        let file = self.file.as_ref().ok_or_else(no_file)?;
        let streamed = self.streamed.as_ref().ok_or_else(no_file)?;
        let provenance = self.source.as_ref().ok_or_else(no_file)?;
        let (Some((cleaning, cleaned)), Some((options, segmentation))) = (&self.cleaned, &self.segmentation) else {
            return Err(format!("{}: run the segmentation first, then download", file.name));
        };
        let names = pipeline::segment_names(segmentation, names);
        let model = save_model(file, provenance, cleaning, cleaned, segmentation, &names, options.seed);
        Ok(StreamedExport {
            name: file.name.clone(),
            options: streamed.options.clone(),
            model,
            names,
            columns: streamed.columns,
            sha256: streamed.sha256.clone(),
            piece_bytes: stream::piece_bytes_for(streamed.budget_bytes),
            stage: format!("Writing every row of {} with its segment", crate::core::stability::grouped(streamed.total_rows)),
        })
    }

    /// Every row of a file read in pieces with its segment ([`Runner::streamed_export`]),
    /// the file read again piece by piece, each piece's CSV given to `sink`. The
    /// download's name and what was written.
    pub fn export_streamed(
        &self,
        source: &mut dyn ByteSource,
        names: &[String],
        progress: ProgressSink<'_>,
        sink: &mut dyn FnMut(Vec<u8>) -> Result<(), String>,
    ) -> Result<(String, stream::ExportCounts), String> {
        let export = self.streamed_export(names)?;
        let counts =
            stream::export_segmented(&export.pass(), source, &mut |f| progress(&export.stage, f), sink).map_err(|e| e.to_string())?;
        Ok((segmented_file_name(&export.name), counts))
    }

    /// The loaded transaction log (or the one kept when already in transaction mode, to
    /// change the mapping) becomes one row per customer, the file that is cleaned next.
    fn transactions(
        &mut self,
        mapping: &TransactionMapping,
        options: &RfmOptions,
        progress: ProgressSink<'_>,
    ) -> Result<ResponseBody, String> {
        if let (Some(file), Some(streamed)) = (&self.file, &self.streamed) {
            return Err(format!(
                "{}: this log of {} rows is larger than the memory set aside, so only a sample of it was read; adding up each \
                 customer's purchases needs every row. Aggregate it per customer first (one row per customer), or raise \
                 ?memory-budget=MB if the device has the memory",
                file.name,
                crate::core::stability::grouped(streamed.total_rows)
            ));
        }
        let log = match self.transactions.take() {
            Some((log, _, _)) => log,
            None => self.file.take().ok_or_else(no_file)?,
        };
        self.set_cleaned(None);
        self.segmentation = None;
        // Other customers (another mapping): nothing to compare rows with.
        self.previous = None;
        progress("Adding up each customer's purchases", 0.0);
        let result = match aggregate(&log.table, &log.profile, mapping, options) {
            Ok(r) => r,
            Err(e) => {
                let message = format!("{}: {e}", log.name);
                self.file = Some(log);
                if let Some(source) = &mut self.source {
                    source.origin = SourceOrigin::File;
                }
                return Err(message);
            }
        };
        let rfm = rfm_summary(&log, mapping, &result);
        let customers = pipeline::profile(&customers_file_name(&log.name), customers_table(&result));
        let mut summary = summarise(&customers, 0);
        summary.suggested = suggested_cleaning(&customers.profile);
        summary.rfm = Some(rfm.clone());
        self.file = Some(customers);
        self.transactions = Some((log, result, rfm));
        if let Some(source) = &mut self.source {
            source.origin = SourceOrigin::TransactionLog;
        }
        Ok(ResponseBody::Loaded(Box::new(summary)))
    }

    fn set_kind(&mut self, column: usize, kind: Option<ColumnKind>) -> Result<ResponseBody, String> {
        self.file.as_mut().ok_or_else(no_file)?.set_kind(column, kind).map_err(|e| e.to_string())?;
        self.set_cleaned(None);
        self.segmentation = None;
        let file = self.file.as_ref().ok_or_else(no_file)?;
        Ok(ResponseBody::Profiled {
            columns: file.profile.columns.clone(),
            suggested: CleaningOptions::suggested(&file.profile),
            warnings: file_warnings(file),
            explore: Some(Box::new(explore(&file.table, &file.profile))),
        })
    }

    fn clean(&mut self, options: CleaningOptions, progress: ProgressSink<'_>) -> Result<ResponseBody, String> {
        self.set_cleaned(None);
        self.segmentation = None;
        let file = self.file.as_ref().ok_or_else(no_file)?;
        progress("Cleaning", 0.0);
        let cleaned = pipeline::clean(file, &options).map_err(|e| e.to_string());
        self.clean_error = cleaned.as_ref().err().cloned();
        let cleaned = cleaned?;
        let summary = CleanSummary {
            report: cleaned.report.clone(),
            feature_names: cleaned.plan.features.iter().map(|f| f.name.clone()).collect(),
            elapsed_ms: 0.0,
        };
        self.set_cleaned(Some((options, cleaned)));
        Ok(ResponseBody::Cleaned(summary))
    }

    fn sweep(&self, k_max: usize, seed: u64, progress: ProgressSink<'_>) -> Result<ResponseBody, String> {
        let job = self.sweep_job(k_max, seed)?;
        let name = self.file.as_ref().map_or("the file", |f| f.name.as_str());
        progress("Trying k = 2", 0.0);
        let sweep = job
            .run(name, &mut |k, fraction| {
                progress(&format!("Trying k = {k}"), fraction);
                true
            })
            .map_err(|e| e.to_string())?;
        self.swept(sweep)
    }

    /// What a sweep of the cleaned matrix fits: the page's pool shares its ks out.
    pub fn sweep_job(&self, k_max: usize, seed: u64) -> Result<SweepJob, String> {
        let (_, cleaned) = self.cleaned()?;
        Ok(SweepJob::for_file(cleaned, k_max, seed))
    }

    /// The sweep's answer from its ks' outcomes and silhouettes (in k order), wherever they
    /// were computed.
    pub fn finish_sweep(&self, job: &SweepJob, outcomes: Vec<KOutcome>, silhouettes: &[Option<f64>]) -> Result<ResponseBody, String> {
        let (file, _) = self.cleaned()?;
        self.swept(job.combine_scored(&file.name, outcomes, silhouettes).map_err(|e| e.to_string())?)
    }

    /// The answer to a sweep: explained where it finds no clear segments.
    fn swept(&self, mut sweep: crate::core::k_selection::Sweep) -> Result<ResponseBody, String> {
        let (_, cleaned) = self.cleaned()?;
        pipeline::explain_sweep(cleaned, &mut sweep);
        Ok(ResponseBody::Swept(Box::new(SweepReport { n_runs: sweep.n_runs, sweep, elapsed_ms: 0.0 })))
    }

    fn segment(&mut self, options: SegmentOptions, now_ms: &dyn Fn() -> f64, progress: ProgressSink<'_>) -> Result<ResponseBody, String> {
        let plan = self.segment_job(&options, true)?;
        progress("Clustering", 0.0);
        let started = now_ms();
        let best = plan.best_run(&mut |_| true).map_err(|e| self.named_error(e))?;
        let fit_ms = now_ms() - started;
        self.finish_segment(options, &plan, best, fit_ms, now_ms, progress)
    }

    /// The file's name before a K-Means error, as the pipeline's errors read.
    fn named_error(&self, e: KMeansError) -> String {
        format!("{}: {e}", self.file_name())
    }

    /// The checked fit of a segmentation; `runs_here` false when the page's pool makes its
    /// runs (no centred copy of the matrix is kept here then).
    pub fn segment_job(&mut self, options: &SegmentOptions, runs_here: bool) -> Result<FitPlan, String> {
        let (file, cleaned) = self.cleaned()?;
        let prepared = if runs_here {
            pipeline::prepare_segment_fit(file, cleaned, options)
        } else {
            pipeline::prepare_segment_fit_elsewhere(file, cleaned, options)
        };
        let prepared = prepared.map_err(|e| e.to_string());
        if prepared.is_err() {
            self.segmentation = None;
        }
        prepared
    }

    /// The cleaned matrix (row-major) and its number of features.
    pub fn cleaned_matrix(&self) -> Result<(&[f64], usize), String> {
        let (_, cleaned) = self.cleaned()?;
        Ok((&cleaned.scaled, cleaned.n_features))
    }

    /// The matrix `plan` fits (every cleaned row, or its sample), for the pool's helpers.
    pub fn fit_matrix<'a>(&'a self, plan: &'a FitPlan) -> Result<(&'a [f64], usize), String> {
        let (_, cleaned) = self.cleaned()?;
        Ok((plan.matrix(cleaned), cleaned.n_features))
    }

    /// The segmentation from its fit, its stability measured here: the segments described,
    /// their stability, the comparison with the last segmentation.
    pub fn finish_segment(
        &mut self,
        options: SegmentOptions,
        plan: &FitPlan,
        best: RunOutcome,
        fit_ms: f64,
        now_ms: &dyn Fn() -> f64,
        progress: ProgressSink<'_>,
    ) -> Result<ResponseBody, String> {
        let (fit, fit_rows) = self.fitted(plan, best)?;
        let mut segmentation = self.describe(plan, fit, fit_rows)?;
        // A cancel stops the worker itself.
        progress("Checking each segment's stability", 0.0);
        let started = now_ms();
        let (file, cleaned) = self.cleaned()?;
        if let Err(e) = pipeline::segment_stability(file, cleaned, &mut segmentation, options.seed, &mut |f| {
            progress("Checking each segment's stability", f);
            true
        }) {
            pipeline::stability_unmeasured(&mut segmentation, &e.to_string());
        }
        let stability_ms = now_ms() - started;
        self.keep_segmentation(options, segmentation, fit_ms, stability_ms)
    }

    /// The fit of every cleaned row from its best run (and the rows it was fitted on, when
    /// a sample).
    pub fn fitted(&self, plan: &FitPlan, best: RunOutcome) -> Result<(crate::core::kmeans::KMeansFit, Option<usize>), String> {
        let (_, cleaned) = self.cleaned()?;
        Ok(plan.finish(cleaned, best))
    }

    /// The segments of `fit` described.
    pub fn describe(
        &mut self,
        plan: &FitPlan,
        fit: crate::core::kmeans::KMeansFit,
        fit_rows: Option<usize>,
    ) -> Result<Segmentation, String> {
        self.prepare_ground();
        let (file, cleaned) = self.cleaned()?;
        let Some(ground) = &self.ground else { return Err(not_cleaned(file, self.clean_error.as_deref())) };
        let mut segmentation = pipeline::segment_on_ground(file, cleaned, ground, fit, fit_rows);
        segmentation.starts_rows = plan.starts_rows();
        Ok(segmentation)
    }

    /// The stability check's resamples for a fit's `labels`, to be fitted by the pool.
    pub fn stability_resampling(&self, labels: &[usize], k: usize, seed: u64) -> Result<crate::core::stability::Resampling, String> {
        let (file, cleaned) = self.cleaned()?;
        pipeline::stability_resampling(file, cleaned, labels, k, seed).map_err(|e| e.to_string())
    }

    /// The file's name, for messages.
    pub fn file_name(&self) -> &str {
        self.file.as_ref().map_or("the file", |f| f.name.as_str())
    }

    /// Keeps a finished segmentation and answers with it, compared with the last one.
    pub fn keep_segmentation(
        &mut self,
        options: SegmentOptions,
        segmentation: Segmentation,
        fit_ms: f64,
        stability_ms: f64,
    ) -> Result<ResponseBody, String> {
        let (file, cleaned) = self.cleaned()?;
        let current = row_segments(file.table.n_rows(), cleaned, &segmentation);
        let comparison = self.compare_with_previous(current);
        self.segmentation = Some((options, segmentation.clone()));
        Ok(ResponseBody::Segmented(Box::new(SegmentReport {
            segmentation,
            elapsed_ms: 0.0,
            fit_ms,
            stability_ms,
            comparison,
            shared: None,
            finishing: None,
        })))
    }

    fn export(
        &self,
        what: ExportKind,
        names: Vec<String>,
        value: &crate::core::value::ValueChoice,
        progress: ProgressSink<'_>,
    ) -> Result<ResponseBody, String> {
        let file = self.file.as_ref().ok_or_else(no_file)?;
        progress("Writing the file", 0.0);
        if what == ExportKind::AppliedCsv {
            return self.export_applied(file, names);
        }
        let (Some((_, cleaned)), Some((_, segmentation))) = (&self.cleaned, &self.segmentation) else {
            return Err(format!("{}: run the segmentation first, then download", file.name));
        };
        let (file_name, bytes) = match (what, &self.transactions) {
            // Transaction mode: every transaction row, with its customer's segment.
            (ExportKind::SegmentedCsv, Some((log, result, rfm))) => {
                (segmented_file_name(&log.name), transactions_csv(log, rfm.mapping.customer, result, file, cleaned, segmentation, &names)?)
            }
            (ExportKind::SegmentedCsv | ExportKind::AppliedCsv | ExportKind::CustomersCsv, _) => {
                (segmented_file_name(&file.name), pipeline::export_csv(file, cleaned, segmentation, &names).map_err(|e| e.to_string())?)
            }
            (ExportKind::SummaryCsv, _) => (
                summary_file_name(&file.name),
                pipeline::export_summary_with(file, segmentation, &names, value).map_err(|e| e.to_string())?,
            ),
        };
        Ok(ResponseBody::Exported { file_name, mime: CSV_MIME.to_owned(), bytes, blob: None })
    }

    /// The file a model was applied to, with each row's segment (the user's names, else
    /// the model's).
    fn export_applied(&self, file: &LoadedFile, names: Vec<String>) -> Result<ResponseBody, String> {
        let (outcomes, model_names) = self.applied.as_ref().ok_or_else(|| format!("{}: apply a model first", file.name))?;
        let names = if names.iter().any(|n| !n.is_empty()) { names } else { model_names.clone() };
        let bytes = segmented_csv(&file.table, outcomes, &names).map_err(|e| format!("{}: {e}", file.name))?;
        Ok(ResponseBody::Exported { file_name: segmented_file_name(&file.name), mime: CSV_MIME.to_owned(), bytes, blob: None })
    }

    fn export_model(&self, names: &[String], progress: ProgressSink<'_>) -> Result<ResponseBody, String> {
        progress("Writing the model", 0.0);
        let (file, model) = self.current_model(names, "download the model")?;
        let bytes = serde_json::to_vec_pretty(&model).map_err(|e| format!("{}: could not write the model: {e}", file.name))?;
        Ok(ResponseBody::Exported { file_name: model_file_name(&file.name), mime: "application/json".to_owned(), bytes, blob: None })
    }

    /// The last segmentation as a saved model (the user's segment names, else the
    /// generated ones), with the file it was made from; `then` says what the user wanted.
    fn current_model(&self, names: &[String], then: &str) -> Result<(&LoadedFile, SavedModel), String> {
        let file = self.file.as_ref().ok_or_else(no_file)?;
        let source = self.source.as_ref().ok_or_else(no_file)?;
        let (Some((cleaning, cleaned)), Some((options, segmentation))) = (&self.cleaned, &self.segmentation) else {
            return Err(format!("{}: run the segmentation first, then {then}", file.name));
        };
        let names = pipeline::segment_names(segmentation, names);
        Ok((file, save_model(file, source, cleaning, cleaned, segmentation, &names, options.seed)))
    }

    /// The last segmentation's model as one SQL query: the model download's own (its JSON
    /// reads back equal, floats included), so the query is `segment sql` on that download,
    /// byte for byte (tested end to end).
    fn export_sql(&self, names: &[String], dialect: Dialect, table: String, progress: ProgressSink<'_>) -> Result<ResponseBody, String> {
        progress("Writing the SQL", 0.0);
        let (file, model) = self.current_model(names, "download the SQL")?;
        sql_download(&model, dialect, table).map_err(|e| format!("{}: {e}", file.name))
    }

    /// A saved model's JSON as one SQL query; what the worker holds is left alone.
    fn model_sql(model_json: &[u8], dialect: Dialect, table: String, progress: ProgressSink<'_>) -> Result<ResponseBody, String> {
        progress("Writing the SQL", 0.0);
        let model = read_model(model_json).map_err(|e| format!("the model: {e}"))?;
        sql_download(&model, dialect, table).map_err(|e| format!("the model: {e}"))
    }

    /// Reads a saved model and a new file, and gives every row the nearest saved centre.
    fn apply_model(
        &mut self,
        model_json: &[u8],
        name: String,
        bytes: &[u8],
        options: &IngestOptions,
        progress: ProgressSink<'_>,
    ) -> Result<ResponseBody, String> {
        self.forget_file();
        let model = read_model(model_json).map_err(|e| format!("the model: {e}"))?;
        let table = pipeline::read(&name, bytes, options, &mut |f| progress("Reading", f)).map_err(|e| e.to_string())?;
        progress("Applying the model", 1.0);
        let outcomes = apply_model(&table, &model).map_err(|e| format!("{name}: {e}"))?;
        let mut applied = applied_summary(&name, &table, &outcomes, &model);
        self.source = Some(Provenance::of(&name, bytes, SourceOrigin::File));
        // The same file segmented before (the same bytes): the model's segments against it.
        let current = RowSegments {
            segments: outcomes.iter().map(|o| o.segment).collect(),
            names: model.segment_names.clone(),
            label: format!("the saved model from {} (k = {})", model.source.file_name, model.n_clusters),
        };
        applied.comparison = self.compare_with_previous(current).map(Box::new);
        self.file = Some(pipeline::profile(&name, table));
        self.applied = Some((outcomes, model.segment_names));
        Ok(ResponseBody::Applied(applied))
    }
}

/// What the page shows about a transaction log turned into customers.
fn rfm_summary(log: &LoadedFile, mapping: &TransactionMapping, result: &RfmResult) -> RfmSummary {
    let name_of = |c: Option<usize>| c.and_then(|c| log.table.headers.get(c).cloned()).unwrap_or_else(|| "–".to_owned());
    RfmSummary {
        source: log.name.clone(),
        mapping: mapping.clone(),
        mapping_names: vec![
            ("customer".to_owned(), name_of(Some(mapping.customer))),
            ("date".to_owned(), name_of(Some(mapping.date))),
            ("order".to_owned(), name_of(mapping.invoice)),
            ("amount".to_owned(), name_of(mapping.amount)),
            ("quantity".to_owned(), name_of(mapping.quantity)),
            ("unit price".to_owned(), name_of(mapping.unit_price)),
        ],
        report: result.report.clone(),
    }
}

/// Rows per segment and rows not placed, for the page.
fn applied_summary(name: &str, table: &Table, outcomes: &[RowOutcome], model: &SavedModel) -> AppliedSummary {
    let mut sizes = vec![0usize; model.n_clusters];
    for o in outcomes {
        if let Some(size) = o.segment.and_then(|s| sizes.get_mut(s)) {
            *size += 1;
        }
    }
    AppliedSummary {
        file_name: name.to_owned(),
        n_rows: table.n_rows(),
        unplaced: outcomes.iter().filter(|o| o.segment.is_none()).count(),
        segment_names: model.segment_names.clone(),
        sizes,
        model_source: model.source.file_name.clone(),
        comparison: None,
        in_pieces: false,
    }
}

/// Each row of the file with its segment in `segmentation`, for comparing with the next.
fn row_segments(n_rows: usize, cleaned: &CleanedData, segmentation: &Segmentation) -> RowSegments {
    let mut segments = vec![None; n_rows];
    for (&row, &label) in cleaned.row_of.iter().zip(&segmentation.labels) {
        if let Some(slot) = segments.get_mut(row) {
            *slot = Some(label);
        }
    }
    RowSegments {
        segments,
        names: segmentation.segments.iter().map(|s| s.name.clone()).collect(),
        label: format!(
            "k = {} on {} feature{}",
            segmentation.n_clusters(),
            segmentation.feature_names.len(),
            if segmentation.feature_names.len() == 1 { "" } else { "s" }
        ),
    }
}

const CSV_MIME: &str = "text/csv;charset=utf-8";

/// The SQL download of `model`: `segments_<dialect>.sql`.
fn sql_download(model: &SavedModel, dialect: Dialect, table: String) -> Result<ResponseBody, String> {
    let query = sql::render(model, &SqlOptions { dialect, table, keys: None }).map_err(|e| format!("could not write the SQL: {e}"))?;
    Ok(ResponseBody::Exported {
        file_name: format!("segments_{}.sql", dialect.as_str()),
        mime: "application/sql;charset=utf-8".to_owned(),
        bytes: query.into_bytes(),
        blob: None,
    })
}

/// Rows of a part of a download written a part at a time ([`Runner::export_in_parts`]):
/// about 20 MB of CSV at 8 columns, so the worker holds at most that much of it.
pub const EXPORT_PART_ROWS: usize = 262_144;

/// `online_retail.csv` → `online_retail-customers.csv`.
fn customers_file_name(log_name: &str) -> String {
    let stem = log_name.rsplit_once('.').map_or(log_name, |(stem, _)| stem);
    format!("{stem}-customers.csv")
}

/// Every transaction row with its customer's segment (and the reason for a row or a
/// customer left out).
fn transactions_csv(
    log: &LoadedFile,
    customer_column: usize,
    result: &RfmResult,
    customers: &LoadedFile,
    cleaned: &CleanedData,
    segmentation: &Segmentation,
    names: &[String],
) -> Result<Vec<u8>, String> {
    // Customer id → segment (or the reason the customer was not clustered).
    let mut by_customer: FxHashMap<&str, RowOutcome> = FxHashMap::default();
    for (&row, &label) in cleaned.row_of.iter().zip(&segmentation.labels) {
        by_customer.insert(customers.table.cell(row, 0), RowOutcome { segment: Some(label), excluded_reason: None });
    }
    for e in &cleaned.excluded {
        by_customer.insert(
            customers.table.cell(e.row, 0),
            RowOutcome { segment: None, excluded_reason: Some(ExclusionReason::CustomerLeftOut { reason: Box::new(e.reason.clone()) }) },
        );
    }
    let outcomes: Vec<RowOutcome> = (0..log.table.n_rows())
        .map(|row| match result.row_reasons.get(row).cloned().flatten() {
            Some(reason) => RowOutcome { segment: None, excluded_reason: Some(reason) },
            None => by_customer.get(log.table.cell(row, customer_column).trim()).cloned().unwrap_or_default(),
        })
        .collect();
    segmented_csv(&log.table, &outcomes, &pipeline::segment_names(segmentation, names)).map_err(|e| format!("{}: {e}", log.name))
}

/// Why there is no matrix: the cleaning's own error when it failed, else what to do.
fn not_cleaned(file: &LoadedFile, clean_error: Option<&str>) -> String {
    clean_error.map_or_else(|| format!("{}: no features are ready: choose at least one column to cluster on", file.name), str::to_owned)
}

/// How the file was read and what its columns hold, as the page lists it.
fn file_warnings(file: &LoadedFile) -> Vec<crate::core::warning::Warning> {
    file.table.warnings.iter().cloned().chain(profile_warnings(&file.profile, file.table.n_rows())).collect()
}

fn no_file() -> String {
    "no file is loaded: choose a CSV file first".to_owned()
}

fn summarise(file: &LoadedFile, size_bytes: usize) -> FileSummary {
    let table = &file.table;
    FileSummary {
        name: file.name.clone(),
        size_bytes,
        n_rows: table.n_rows(),
        n_columns: table.n_columns(),
        headers: table.headers.clone(),
        has_header: table.has_header,
        delimiter: table.delimiter,
        encoding: table.encoding.to_owned(),
        encoding_reason: table.encoding_reason.clone(),
        warnings: file_warnings(file),
        ragged_rows: table.ragged.len(),
        ragged_examples: table.ragged.iter().take(5).cloned().collect(),
        columns: file.profile.columns.clone(),
        preview: (0..table.n_rows().min(PREVIEW_ROWS))
            .map(|r| (0..table.n_columns()).map(|c| table.cell(r, c).to_owned()).collect())
            .collect(),
        suggested: CleaningOptions::suggested(&file.profile),
        transactions: crate::core::rfm::guess_mapping(table, &file.profile),
        rfm: None,
        explore: Some(Box::new(explore(table, &file.profile))),
        read_ms: 0.0,
        streamed: None,
        elapsed_ms: 0.0,
    }
}

/// Answers one message as the worker receives it: decode, [`Runner::handle`], encode.
/// Exposed so browser tests can drive the real worker code path with real JS values.
#[cfg(target_arch = "wasm32")]
pub fn handle_message(
    runner: &mut Runner,
    message: wasm_bindgen::JsValue,
    now_ms: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(u64, &str, f64),
) -> Result<wasm_bindgen::JsValue, serde_wasm_bindgen::Error> {
    let request = serde_wasm_bindgen::from_value::<Request>(message.clone());
    if let Ok(Request { body: RequestBody::TestCrash, .. }) = request {
        crash_for_test();
    }
    // A new file replaces what the worker holds: free it before reading, so the old file
    // and the new one are never in memory together.
    if let Ok(Request { body: RequestBody::LoadAttached { .. } | RequestBody::ApplyModel { .. }, .. }) = request {
        *runner = runner.fresh();
    }
    if let Ok(request) = &request {
        if let Some(response) = in_pieces(runner, request, &message, now_ms, progress) {
            return response;
        }
    }
    let attached = attached_file_bytes(&message, request.as_ref().ok().and_then(file_name_to_check).as_deref());
    let response = match request {
        Ok(mut request) => {
            let id = request.id;
            match attached {
                Some(Ok(file)) => match &mut request.body {
                    RequestBody::LoadAttached { name, options, .. } => {
                        request.body = RequestBody::Load { name: name.clone(), bytes: file, options: options.clone() };
                    }
                    RequestBody::ApplyModel { bytes: file_bytes, .. } => {
                        *file_bytes = file;
                    }
                    _ => {}
                },
                Some(Err(AttachedError::TooBig(message))) => {
                    return serde_wasm_bindgen::to_value(&Response { id, body: ResponseBody::Failed { message } });
                }
                Some(Err(AttachedError::Unreadable(e))) => {
                    let message = format!("the browser could not read the file ({e}): check it still exists and choose it again");
                    return serde_wasm_bindgen::to_value(&Response { id, body: ResponseBody::Failed { message } });
                }
                None => {}
            }
            runner.handle(request, now_ms, &mut |stage, fraction| progress(id, stage, fraction))
        }
        Err(e) => Response {
            id: 0,
            body: ResponseBody::Failed { message: format!("the page sent a message the worker does not understand: {e}") },
        },
    };
    serde_wasm_bindgen::to_value(&response)
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    /// The file read in pieces, read again for its export.
    static FILE_IN_PIECES: std::cell::RefCell<Option<web_sys::Blob>> = const { std::cell::RefCell::new(None) };
}

/// A `Blob` read slice by slice (`FileReaderSync`: the worker may block).
#[cfg(target_arch = "wasm32")]
pub struct BlobSource(web_sys::Blob);

#[cfg(target_arch = "wasm32")]
impl ByteSource for BlobSource {
    fn size(&self) -> u64 {
        self.0.size() as u64
    }

    fn read(&mut self, start: u64, end: u64) -> Result<Vec<u8>, String> {
        let slice = self.0.slice_with_f64_and_f64(start as f64, end as f64).map_err(|e| format!("{e:?}"))?;
        web_sys::FileReaderSync::new()
            .and_then(|reader| reader.read_as_array_buffer(&slice))
            .map(|buffer| js_sys::Uint8Array::new(&buffer).to_vec())
            .map_err(|e| format!("the browser could not read the file ({e:?}): check it still exists and choose it again"))
    }
}

/// The `File` attached to `message`, when reading it whole would take more than `budget`
/// (else the worker's limit): its source (kept for the export in `FILE_IN_PIECES`), the
/// sample's rows, and the budget.
#[cfg(target_arch = "wasm32")]
fn over_budget(message: &wasm_bindgen::JsValue, budget: Option<u64>) -> Option<(BlobSource, usize, u64)> {
    let (file, rows, budget) = file_over_budget(message, budget)?;
    FILE_IN_PIECES.with(|f| *f.borrow_mut() = Some(file.clone()));
    Some((BlobSource(file), rows, budget))
}

/// Whether the `File` attached to `message` is over `budget` ([`over_budget`], nothing
/// kept).
#[cfg(target_arch = "wasm32")]
fn is_over_budget(message: &wasm_bindgen::JsValue, budget: Option<u64>) -> bool {
    file_over_budget(message, budget).is_some()
}

/// The `File` attached to `message`, the sample's rows and the budget, when reading it
/// whole would take more than `budget` (else the worker's limit); its head is read.
#[cfg(target_arch = "wasm32")]
fn file_over_budget(message: &wasm_bindgen::JsValue, budget: Option<u64>) -> Option<(web_sys::Blob, usize, u64)> {
    use wasm_bindgen::JsCast;
    let file = js_sys::Reflect::get(message, &"file".into()).ok()?.dyn_into::<web_sys::Blob>().ok()?;
    let budget = budget.unwrap_or(super::memory::BUDGET_BYTES);
    let mut source = BlobSource(file.clone());
    let head = source.read(0, source.size().min(super::memory::HEAD_BYTES as u64)).ok()?;
    let rows = super::memory::sample_rows_for(source.size(), &head, budget)?;
    Some((file, rows, budget))
}

/// A request about a file too large to hold, answered here: its reading in pieces (a file
/// attached whose reading would take more than the page's memory budget), or its export
/// (read again piece by piece, written into a `Blob` the browser holds). `None`: any other
/// request.
#[cfg(target_arch = "wasm32")]
fn in_pieces(
    runner: &mut Runner,
    request: &Request,
    message: &wasm_bindgen::JsValue,
    now_ms: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(u64, &str, f64),
) -> Option<Result<wasm_bindgen::JsValue, serde_wasm_bindgen::Error>> {
    let id = request.id;
    let started = now_ms();
    match &request.body {
        RequestBody::LoadAttached { name, options, memory_budget } => {
            let (mut source, rows, budget) = over_budget(message, *memory_budget)?;
            let body =
                runner.load_streamed(name.clone(), &mut source, options, rows, budget, now_ms, &mut |stage, f| progress(id, stage, f));
            if body.is_err() {
                FILE_IN_PIECES.with(|f| *f.borrow_mut() = None);
            }
            Some(serde_wasm_bindgen::to_value(&Response { id, body: stamped(body, now_ms() - started) }))
        }
        RequestBody::ApplyModel { model_json, name, options, memory_budget, .. } => {
            let (mut source, _, budget) = over_budget(message, *memory_budget)?;
            let body = runner
                .apply_model_in_pieces(model_json, name.clone(), &mut source, options, budget, &mut |stage, f| progress(id, stage, f));
            if body.is_err() {
                FILE_IN_PIECES.with(|f| *f.borrow_mut() = None);
            }
            Some(serde_wasm_bindgen::to_value(&Response { id, body: stamped(body, now_ms() - started) }))
        }
        RequestBody::Export { names, .. } if runner.exports_in_pieces(&request.body) || runner.exports_in_parts(&request.body) => {
            let parts = js_sys::Array::new();
            // Each piece becomes a Blob at once: the browser keeps blob data out of the
            // worker's heap (on disk when large), and the whole is a Blob of those.
            let mut sink = |bytes: Vec<u8>| {
                let piece = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
                let part = web_sys::Blob::new_with_u8_array_sequence(&piece)
                    .map_err(|e| format!("the browser could not hold the download ({e:?})"))?;
                parts.push(&part);
                Ok(())
            };
            let mut told = |stage: &str, f: f64| progress(id, stage, f);
            let written = if runner.exports_in_pieces(&request.body) {
                // The file read again piece by piece.
                let file = FILE_IN_PIECES.with(|f| f.borrow().clone())?;
                runner.export_streamed(&mut BlobSource(file), names, &mut told, &mut sink).map(|(file_name, _counts)| file_name)
            } else {
                // The file held here, written a part at a time.
                runner.export_in_parts(names, &mut told, &mut sink)
            };
            let blob = written.and_then(|file_name| {
                let options = web_sys::BlobPropertyBag::new();
                options.set_type(CSV_MIME);
                web_sys::Blob::new_with_blob_sequence_and_options(&parts, &options)
                    .map(|blob| (file_name, blob))
                    .map_err(|e| format!("the browser could not hold the download ({e:?})"))
            });
            let (body, blob) = match blob {
                Ok((file_name, blob)) => {
                    (Ok(ResponseBody::Exported { file_name, mime: CSV_MIME.to_owned(), bytes: Vec::new(), blob: None }), Some(blob))
                }
                Err(message) => (Err(message), None),
            };
            let value = serde_wasm_bindgen::to_value(&Response { id, body: stamped(body, now_ms() - started) });
            if let (Ok(value), Some(blob)) = (&value, blob) {
                let _ = js_sys::Reflect::set(value, &"blob".into(), &blob);
            }
            Some(value)
        }
        _ => None,
    }
}

/// The `File` attached to a load: read already (in pieces, when it is over the memory
/// budget, or refused), or its bytes, to read.
#[cfg(target_arch = "wasm32")]
enum Attached {
    Read(Box<Result<ReadFile, String>>),
    Bytes(Vec<u8>),
    /// Over the memory budget: to read in pieces (the sample's rows, the budget).
    InPieces(BlobSource, usize, u64),
}

/// The `File` attached to `message`, as [`handle_message`] would take it: a file over the
/// memory budget to read in pieces (the file `runner` held forgotten first), else its
/// bytes.
#[cfg(target_arch = "wasm32")]
fn read_attached(runner: &mut Runner, name: &str, memory_budget: Option<u64>, message: &wasm_bindgen::JsValue) -> Attached {
    if let Some((source, rows, budget)) = over_budget(message, memory_budget) {
        runner.forget_file();
        return Attached::InPieces(source, rows, budget);
    }
    Attached::Read(Box::new(match attached_file_bytes(message, Some(name)) {
        Some(Ok(bytes)) => return Attached::Bytes(bytes),
        Some(Err(AttachedError::TooBig(message))) => Err(message),
        Some(Err(AttachedError::Unreadable(e))) => {
            Err(format!("the browser could not read the file ({e}): check it still exists and choose it again"))
        }
        None => Err(format!("{name}: the file did not reach the background worker: choose it again")),
    }))
}

/// Why an attached file's bytes are not there.
#[cfg(target_arch = "wasm32")]
enum AttachedError {
    /// The file cannot fit the worker's memory (the message says the limit).
    TooBig(String),
    /// The browser could not read it.
    Unreadable(String),
}

/// The name of the file a request reads and keeps (its memory is checked first), if any.
#[cfg(target_arch = "wasm32")]
fn file_name_to_check(request: &Request) -> Option<String> {
    match &request.body {
        RequestBody::LoadAttached { name, .. } | RequestBody::ApplyModel { name, .. } => Some(name.clone()),
        _ => None,
    }
}

/// The bytes of a `File` attached to a message as its `file` property, read synchronously
/// (the worker may block; the page may not). With `check` (the file's name), a file that
/// cannot fit the worker's memory is refused before it is read.
#[cfg(target_arch = "wasm32")]
fn attached_file_bytes(message: &wasm_bindgen::JsValue, check: Option<&str>) -> Option<Result<Vec<u8>, AttachedError>> {
    use wasm_bindgen::JsCast;
    let file = js_sys::Reflect::get(message, &"file".into()).ok()?.dyn_into::<web_sys::Blob>().ok()?;
    let read = |blob: &web_sys::Blob| {
        web_sys::FileReaderSync::new()
            .and_then(|reader| reader.read_as_array_buffer(blob))
            .map(|buffer| js_sys::Uint8Array::new(&buffer).to_vec())
            .map_err(|e| AttachedError::Unreadable(format!("{e:?}")))
    };
    if let Some(name) = check {
        let size = file.size();
        let head_end = size.min(super::memory::HEAD_BYTES as f64);
        let head = file
            .slice_with_f64_and_f64(0.0, head_end)
            .map_err(|e| AttachedError::Unreadable(format!("{e:?}")))
            .and_then(|head| read(&head));
        match head {
            Ok(head) => {
                if let Err(message) = super::memory::check_fits(name, size as u64, &head) {
                    return Some(Err(AttachedError::TooBig(message)));
                }
            }
            Err(e) => return Some(Err(e)),
        }
    }
    Some(read(&file))
}

/// The test hook's crash: allocates (without touching the pages) until the allocator fails,
/// which stops the worker the way a file too big for it does.
#[cfg(target_arch = "wasm32")]
fn crash_for_test() -> ! {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(Vec::with_capacity(256 << 20));
    }
}

/// The worker's clock: `performance.now()`, or `Date.now()` where there is none.
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    use wasm_bindgen::JsCast;
    js_sys::global().dyn_into::<web_sys::WorkerGlobalScope>().ok().and_then(|g| g.performance()).map_or_else(js_sys::Date::now, |p| p.now())
}

/// A request's progress sink in the engine: stage and fraction.
#[cfg(target_arch = "wasm32")]
type ProgressFn = dyn FnMut(&str, f64);

/// The engine worker's state: the runner, the pool's helpers, the requests waiting while
/// a pooled job runs.
#[cfg(target_arch = "wasm32")]
struct Engine {
    runner: std::cell::RefCell<Runner>,
    pool: std::cell::RefCell<std::rc::Rc<super::pool::Pool>>,
    /// Requests that came while a pooled job ran: handled in order once it ends.
    waiting: std::cell::RefCell<std::collections::VecDeque<wasm_bindgen::JsValue>>,
    busy: std::cell::Cell<bool>,
    /// A request other than the warm-up has come: the warm-up stops, or does not start.
    asked: std::cell::Cell<bool>,
    /// The download a pooled export wrote, posted beside its answer.
    blob: std::cell::RefCell<Option<web_sys::Blob>>,
    scope: web_sys::DedicatedWorkerGlobalScope,
}

#[cfg(target_arch = "wasm32")]
impl Engine {
    fn post(&self, response: &Response) {
        match serde_wasm_bindgen::to_value(response) {
            Ok(value) => self.post_value(&value),
            Err(e) => web_sys::console::error_1(&format!("worker: could not encode a response: {e}").into()),
        }
    }

    fn post_value(&self, value: &wasm_bindgen::JsValue) {
        if let Err(e) = self.scope.post_message(value) {
            web_sys::console::error_2(&"worker: could not post a response".into(), &e);
        }
    }

    /// A progress sink for request `id`: at most one message every 50 ms (the page has a
    /// frame to draw, not a log). `pooled`: the pool runs it (the page can then cancel it
    /// and keep the engine).
    fn progress(self: &std::rc::Rc<Self>, id: u64, pooled: bool) -> impl FnMut(&str, f64) {
        let engine = self.clone();
        let mut last_post = f64::NEG_INFINITY;
        move |stage: &str, fraction: f64| {
            let now = now_ms();
            if now - last_post >= 50.0 || fraction >= 1.0 {
                last_post = now;
                engine.post(&Response { id, body: ResponseBody::Progress { stage: stage.to_owned(), fraction, pooled } });
            }
        }
    }

    /// A message from the page: the pool's ports and cancels at once, requests in order.
    fn receive(self: &std::rc::Rc<Self>, message: wasm_bindgen::JsValue) {
        if let Some(ports) = js_sys::Reflect::get(&message, &"pool_ports".into()).ok().filter(|p| p.is_object()) {
            let new = std::rc::Rc::new(super::pool::Pool::with_ports(&ports.into()));
            let old = std::mem::replace(&mut *self.pool.borrow_mut(), new);
            old.cancel();
            old.close();
            return;
        }
        let parsed = serde_wasm_bindgen::from_value::<Request>(message.clone());
        if !matches!(parsed, Ok(Request { body: RequestBody::Warm, .. })) {
            self.asked.set(true);
        }
        if let Ok(Request { body: RequestBody::Cancel, id }) = parsed {
            self.pool.borrow().cancel();
            // Nothing pooled under way: the cancel is answered here.
            if !self.busy.get() {
                self.post(&Response { id, body: ResponseBody::Cancelled });
            }
            return;
        }
        self.waiting.borrow_mut().push_back(message);
        self.pump();
    }

    /// Handles waiting requests until one goes to the pool (it pumps again when done).
    fn pump(self: &std::rc::Rc<Self>) {
        while !self.busy.get() {
            let Some(message) = self.waiting.borrow_mut().pop_front() else { return };
            if let Some((id, pooled)) = self.pooled(&message) {
                self.busy.set(true);
                let engine = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let started = now_ms();
                    let body = engine.run_pooled(id, pooled, &message).await;
                    let body = match body {
                        Err(super::pool::PoolError::Cancelled) => ResponseBody::Cancelled,
                        Err(super::pool::PoolError::Failed(message)) => ResponseBody::Failed { message },
                        Ok(body) => stamped(body, now_ms() - started),
                    };
                    let sweep_shown = matches!(body, ResponseBody::Swept(_));
                    // A download written in pieces goes beside the answer.
                    let blob = engine.blob.borrow_mut().take();
                    match (serde_wasm_bindgen::to_value(&Response { id, body }), blob) {
                        (Ok(value), Some(blob)) => {
                            let _ = js_sys::Reflect::set(&value, &"blob".into(), &blob);
                            engine.post_value(&value);
                        }
                        (Ok(value), None) => engine.post_value(&value),
                        (Err(e), _) => web_sys::console::error_1(&format!("worker: could not encode a response: {e}").into()),
                    }
                    // While the page draws the sweep and the user reads it, the description's
                    // part that no fit changes is made (a segmentation would make it first).
                    if sweep_shown && engine.waiting.borrow().is_empty() {
                        if let Ok(mut runner) = engine.runner.try_borrow_mut() {
                            runner.prepare_ground();
                        }
                    }
                    engine.busy.set(false);
                    engine.pump();
                });
                return;
            }
            self.handle_now(message);
        }
    }

    /// The request, when the pool is to run it.
    fn pooled(&self, message: &wasm_bindgen::JsValue) -> Option<(u64, RequestBody)> {
        if self.pool.borrow().size() == 0 {
            return None;
        }
        match serde_wasm_bindgen::from_value::<Request>(message.clone()) {
            Ok(Request {
                id,
                body: body @ (RequestBody::Sweep { .. } | RequestBody::Segment(_) | RequestBody::LoadAttached { .. } | RequestBody::Warm),
            }) => Some((id, body)),
            // A saved model applied to a file too large to hold: its rows placed on the helpers.
            Ok(Request { id, body: body @ RequestBody::ApplyModel { memory_budget, .. } }) if is_over_budget(message, memory_budget) => {
                Some((id, body))
            }
            // Every row of a file read in pieces: its pieces written on the helpers.
            Ok(Request { id, body: body @ RequestBody::Export { .. } })
                if self.runner.try_borrow().is_ok_and(|runner| runner.exports_in_pieces(&body)) =>
            {
                Some((id, body))
            }
            _ => None,
        }
    }

    /// A load, a sweep, a fit or the warm-up with its independent parts on the helpers
    /// ([`super::pooled`]); the rest here.
    async fn run_pooled(
        self: &std::rc::Rc<Self>,
        id: u64,
        body: RequestBody,
        message: &wasm_bindgen::JsValue,
    ) -> Result<Result<ResponseBody, String>, super::pool::PoolError> {
        use super::pooled;
        let mut progress = self.progress(id, true);
        // Neither the runner nor the pool's slot is borrowed across an await: requests wait
        // in `waiting`, and new ports replace the slot's pool (this one is cancelled).
        let pool = self.pool.borrow().clone();
        match body {
            RequestBody::LoadAttached { name, options, memory_budget } => {
                let attached = {
                    let Ok(mut runner) = self.runner.try_borrow_mut() else {
                        return Ok(Err(stopped_midway()));
                    };
                    // A new file replaces what the worker holds: freed before reading.
                    *runner = runner.fresh();
                    read_attached(&mut runner, &name, memory_budget, message)
                };
                let read = match attached {
                    Attached::Read(read) => *read,
                    Attached::Bytes(bytes) => {
                        let min_split = crate::core::ingest::pieces::MIN_SPLIT_BYTES;
                        pooled::read_bytes(&pool, name, bytes, &options, min_split, &mut progress).await?
                    }
                    Attached::InPieces(mut source, rows, budget) => {
                        let read = pooled::read_in_pieces(&pool, name, &mut source, &options, rows, budget, &mut progress).await;
                        if !matches!(read, Ok(Ok(_))) {
                            FILE_IN_PIECES.with(|f| *f.borrow_mut() = None);
                        }
                        read?
                    }
                };
                match read {
                    Ok(read) => pooled::profile_and_keep(&pool, &self.runner, read, &mut progress).await,
                    Err(message) => Ok(Err(message)),
                }
            }
            RequestBody::ApplyModel { model_json, name, options, memory_budget, .. } => {
                let over_budget = match self.runner.try_borrow_mut() {
                    Ok(mut runner) => {
                        // A new file replaces what the worker holds: freed before reading.
                        *runner = runner.fresh();
                        over_budget(message, memory_budget)
                    }
                    Err(_) => return Ok(Err(stopped_midway())),
                };
                let Some((mut source, _, budget)) = over_budget else {
                    return Ok(Err(format!("{name}: the file did not reach the background worker: choose it again")));
                };
                let applied =
                    pooled::apply_in_pieces(&pool, &self.runner, &model_json, name, &mut source, &options, budget, &mut progress).await;
                if !matches!(applied, Ok(Ok(_))) {
                    FILE_IN_PIECES.with(|f| *f.borrow_mut() = None);
                }
                applied
            }
            RequestBody::Export { names, .. } => {
                let export = match self.runner.try_borrow() {
                    Ok(runner) => runner.streamed_export(&names),
                    Err(_) => return Ok(Err(stopped_midway())),
                };
                let export = match export {
                    Ok(export) => export,
                    Err(message) => return Ok(Err(message)),
                };
                let Some(file) = FILE_IN_PIECES.with(|f| f.borrow().clone()) else { return Ok(Err(no_file())) };
                let parts = js_sys::Array::new();
                if let Err(message) = pooled::export_in_pieces(&pool, &export, &mut BlobSource(file), &parts, &mut progress).await? {
                    return Ok(Err(message));
                }
                let options = web_sys::BlobPropertyBag::new();
                options.set_type(CSV_MIME);
                let blob = match web_sys::Blob::new_with_blob_sequence_and_options(&parts, &options) {
                    Ok(blob) => blob,
                    Err(e) => return Ok(Err(format!("the browser could not hold the download ({e:?})"))),
                };
                *self.blob.borrow_mut() = Some(blob);
                Ok(Ok(ResponseBody::Exported { file_name: export.file_name(), mime: CSV_MIME.to_owned(), bytes: Vec::new(), blob: None }))
            }
            RequestBody::Sweep { k_max, seed } => pooled::sweep(&pool, &self.runner, k_max, seed, &mut progress).await,
            RequestBody::Segment(options) => pooled::segment(&pool, &self.runner, options, &mut progress).await,
            RequestBody::Warm => {
                let started = now_ms();
                let engine = self.clone();
                // Stopped before a step once the user has asked for anything.
                let stop = move || engine.asked.get() || !engine.waiting.borrow().is_empty();
                let (finished, error) = match pooled::warm(&pool, stop).await {
                    Ok(finished) => (finished, None),
                    Err(message) => (false, Some(message)),
                };
                Ok(Ok(ResponseBody::Warmed { ms: now_ms() - started, finished, error }))
            }
            _ => Ok(Err("this request does not go to the pool".to_owned())),
        }
    }

    /// A request answered here and now, as before the pool.
    fn handle_now(self: &std::rc::Rc<Self>, message: wasm_bindgen::JsValue) {
        // A call that trapped (out of memory) never returned its borrow: answer instead of
        // panicking again (the page restarts a worker that stopped).
        let Ok(mut runner) = self.runner.try_borrow_mut() else {
            self.post(&Response { id: 0, body: ResponseBody::Failed { message: stopped_midway() } });
            return;
        };
        // One request a message: its progress sink is made for the first progress told.
        let mut sink: Option<Box<ProgressFn>> = None;
        let mut progress = |id: u64, stage: &str, fraction: f64| {
            sink.get_or_insert_with(|| Box::new(self.progress(id, false)))(stage, fraction);
        };
        match handle_message(&mut runner, message, &now_ms, &mut progress) {
            Ok(value) => self.post_value(&value),
            Err(e) => self.post(&Response {
                id: 0,
                body: ResponseBody::Failed { message: format!("the worker could not encode its answer ({e}): please report this") },
            }),
        }
    }
}

/// Starts the worker. The page's first worker is the engine: it answers every request
/// ([`handle_message`], the sweep and the fit with the pool's help). A worker sent a
/// `helper_port` becomes one of the pool's helpers ([`super::pool::serve_helper`]).
#[cfg(target_arch = "wasm32")]
pub fn start() {
    use std::rc::Rc;

    use wasm_bindgen::prelude::*;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let engine = Rc::new(Engine {
        runner: std::cell::RefCell::new(Runner::new()),
        pool: std::cell::RefCell::new(Rc::new(super::pool::Pool::default())),
        waiting: std::cell::RefCell::new(std::collections::VecDeque::new()),
        busy: std::cell::Cell::new(false),
        asked: std::cell::Cell::new(false),
        blob: std::cell::RefCell::new(None),
        scope: scope.clone(),
    });
    let helper_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let message = event.data();
        if let Some(port) =
            js_sys::Reflect::get(&message, &"helper_port".into()).ok().and_then(|p| p.dyn_into::<web_sys::MessagePort>().ok())
        {
            helper_scope.set_onmessage(None);
            super::pool::serve_helper(port);
            return;
        }
        engine.receive(message);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The closure lives as long as the worker.
    on_message.forget();
    if let Ok(ready) = serde_wasm_bindgen::to_value(&Response { id: 0, body: ResponseBody::Ready }) {
        let _ = scope.post_message(&ready);
    }
}
