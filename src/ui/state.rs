//! What the page knows, as signals, and the one place where worker responses change it.

use leptos::prelude::*;

use crate::core::clean::CleaningOptions;
use crate::core::ingest::IngestOptions;
use crate::core::kmeans::params::DEFAULT_SEED;
use crate::core::pipeline::SegmentOptions;
use crate::core::profile::{ColumnKind, ColumnProfile};
use crate::core::sql::Dialect;
use crate::worker::client::{fit_budget, pool_size, Helpers, WorkerClient, WorkerSource};
use crate::worker::protocol::{
    AppliedSummary, CleanSummary, ExportKind, FileSummary, RequestBody, Response, ResponseBody, SegmentReport, SweepReport,
};

pub use crate::core::pipeline::{DEFAULT_K, SWEEP_K_MAX};

/// What the worker is doing, for the progress bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Busy {
    pub stage: String,
    /// 0..=1, or `None` when unknown.
    pub fraction: Option<f64>,
}

/// A request the page should send next because of a response (kept out of `apply` so that
/// state changes stay plain data changes).
#[derive(Debug, Clone, PartialEq)]
pub enum FollowUp {
    Clean,
    Sweep,
    Segment,
    /// A download: bytes, or a `Blob` the worker wrote piece by piece.
    Save {
        file_name: String,
        mime: String,
        bytes: Vec<u8>,
        blob: Option<web_sys::Blob>,
    },
}

/// The page's state. Copy: every field is a signal.
#[derive(Clone, Copy)]
pub struct AppState {
    pub file: RwSignal<Option<FileSummary>>,
    /// The user's cleaning choices (starts as the file's suggested ones).
    pub cleaning: RwSignal<Option<CleaningOptions>>,
    pub cleaned: RwSignal<Option<CleanSummary>>,
    pub report: RwSignal<Option<SegmentReport>>,
    pub error: RwSignal<Option<String>>,
    pub busy: RwSignal<Option<Busy>>,
    /// The k input's text as typed.
    pub k_text: RwSignal<String>,
    /// Features on the scatter's axes (indices into the segmentation's features).
    pub x_feature: RwSignal<usize>,
    pub y_feature: RwSignal<usize>,
    /// Id of the last Load: answers about an older file are ignored.
    pub file_request: RwSignal<u64>,
    /// Segment again after the next cleaning (a choice changed after a run).
    pub resegment: RwSignal<bool>,
    /// The worker has loaded and answers requests.
    pub worker_ready: RwSignal<bool>,
    /// Helper workers in the pool (0 until they start, or when they could not).
    pub workers: RwSignal<usize>,
    /// How the engine's warm-up ended (`None`: not yet); see `worker::warm`.
    pub warm: RwSignal<Option<WarmUp>>,
    /// The user's names for the segments (empty: the generated name).
    pub segment_names: RwSignal<Vec<String>>,
    /// The user's action per segment (empty: the suggestion); into the summary export.
    pub segment_actions: RwSignal<Vec<String>>,
    /// The file columns whose total is the value (`None`: the worker's guess).
    pub value_columns: RwSignal<Option<Vec<usize>>>,
    /// The file columns marked as product or category spend (`None`: the worker's guess).
    pub preference_columns: RwSignal<Option<Vec<usize>>>,
    /// A saved model applied to a file.
    pub applied: RwSignal<Option<AppliedSummary>>,
    /// The scores of k = 2..10 and the recommended k.
    pub sweep: RwSignal<Option<SweepReport>>,
    /// The user typed a k (on this visit, whenever, or on an earlier one): no sweep
    /// overwrites it; the recommendation is offered beside the k box instead.
    pub k_from_user: RwSignal<bool>,
}

impl AppState {
    pub fn new() -> Self {
        Self {
            file: RwSignal::new(None),
            cleaning: RwSignal::new(None),
            cleaned: RwSignal::new(None),
            report: RwSignal::new(None),
            error: RwSignal::new(None),
            busy: RwSignal::new(None),
            k_text: RwSignal::new(saved_k().unwrap_or_else(|| DEFAULT_K.to_string())),
            x_feature: RwSignal::new(0),
            y_feature: RwSignal::new(1),
            file_request: RwSignal::new(0),
            resegment: RwSignal::new(false),
            worker_ready: RwSignal::new(false),
            workers: RwSignal::new(0),
            warm: RwSignal::new(None),
            segment_names: RwSignal::new(Vec::new()),
            segment_actions: RwSignal::new(Vec::new()),
            value_columns: RwSignal::new(None),
            preference_columns: RwSignal::new(None),
            applied: RwSignal::new(None),
            sweep: RwSignal::new(None),
            k_from_user: RwSignal::new(saved_k().is_some()),
        }
    }

    /// Forgets the results of the current file (cleaning, sweep, segments, error).
    pub fn clear_results(&self) {
        self.cleaned.set(None);
        self.sweep.set(None);
        self.report.set(None);
        self.segment_names.set(Vec::new());
        self.segment_actions.set(Vec::new());
        self.value_columns.set(None);
        self.preference_columns.set(None);
        self.error.set(None);
    }

    /// The user's value column(s), preference columns and actions, for the summary export.
    pub fn value_choice(&self) -> crate::core::value::ValueChoice {
        crate::core::value::ValueChoice {
            value_columns: self.value_columns.get_untracked(),
            preference_columns: self.preference_columns.get_untracked(),
            actions: self.segment_actions.get_untracked(),
        }
    }

    /// Forgets the file too, and a model applied to it: a new file is on its way.
    pub fn clear_file(&self) {
        self.clear_results();
        self.file.set(None);
        self.applied.set(None);
    }

    /// The k the sweep of the current file recommends, if it recommends one.
    pub fn recommended_k(&self) -> Option<usize> {
        self.sweep.with(|s| s.as_ref().and_then(|r| r.sweep.recommendation.as_ref().map(|r| r.k)))
    }

    /// Puts the recommended k in the k box; later files' recommendations are taken too
    /// (until the user types a k again).
    pub fn use_recommended_k(&self) {
        if let Some(k) = self.sweep.with_untracked(|s| s.as_ref().and_then(|r| r.sweep.recommendation.as_ref().map(|r| r.k))) {
            self.k_text.set(k.to_string());
            self.k_from_user.set(false);
        }
    }

    /// Applies a worker response; returns what the page should send next, if anything.
    pub fn apply(&self, response: Response) -> Option<FollowUp> {
        if let ResponseBody::Ready = response.body {
            self.worker_ready.set(true);
            return None;
        }
        // Whatever file the user chose since: the warm-up is the page's, not the file's.
        if let ResponseBody::Warmed { ms, finished, error } = response.body {
            if let Some(error) = &error {
                web_sys::console::error_1(&error.into());
            }
            self.warm.set(Some(WarmUp { ms, finished, failed: error.is_some() }));
            return None;
        }
        if response.id != 0 && response.id < self.file_request.get_untracked() {
            return None; // about a file the user has since replaced
        }
        if let ResponseBody::Progress { stage, fraction, .. } = response.body {
            self.busy.set(Some(Busy { stage, fraction: Some(fraction) }));
            return None;
        }
        // What the page shows as busy is settled by `Actions` once the answer is applied
        // (other requests may still be waiting in the worker).
        match response.body {
            // The page said so when it cancelled; what it shows stays.
            ResponseBody::Ready | ResponseBody::Progress { .. } | ResponseBody::Cancelled | ResponseBody::Warmed { .. } => None,
            ResponseBody::Loaded(summary) => {
                self.clear_results();
                // The k box is left alone: a k the user typed (before this file, while it
                // loaded, or kept in the settings) stays theirs until they change it.
                self.resegment.set(false);
                let mut cleaning = summary.suggested.clone();
                if let Some(saved) = super::settings::load() {
                    saved.apply_to(&mut cleaning);
                }
                self.cleaning.set(Some(cleaning));
                self.file.set(Some(*summary));
                Some(FollowUp::Clean)
            }
            ResponseBody::Profiled { columns, suggested, warnings, explore } => {
                let merged = self.cleaning.get_untracked().map(|c| merge_choices(c, &columns, suggested.clone()));
                self.cleaning.set(merged.or(Some(suggested)));
                self.file.update(|f| {
                    if let Some(f) = f {
                        f.columns = columns;
                        f.warnings = warnings;
                        f.explore = explore;
                    }
                });
                Some(FollowUp::Clean)
            }
            ResponseBody::Cleaned(summary) => {
                self.error.set(None);
                self.cleaned.set(Some(summary));
                self.sweep.set(None);
                Some(FollowUp::Sweep)
            }
            ResponseBody::Swept(report) => {
                // Not while the user is in the k box: what they type would be spliced into
                // the recommendation ("4" typed over a selected "2" became "24"); it is
                // offered beside the box instead.
                if !self.k_from_user.get_untracked() && !k_box_focused() {
                    if let Some(r) = &report.sweep.recommendation {
                        self.k_text.set(r.k.to_string());
                    }
                }
                self.sweep.set(Some(*report));
                self.resegment.get_untracked().then_some(FollowUp::Segment)
            }
            ResponseBody::Segmented(mut report) => {
                // The comparison names the earlier segments as the worker made them: where
                // that segmentation is the one on the page, the user's names replace them.
                if let Some(c) = report.comparison.as_mut() {
                    self.report.with_untracked(|old| {
                        let Some(old) = old else { return };
                        let generated: Vec<&String> = old.segmentation.segments.iter().map(|s| &s.name).collect();
                        if c.before.iter().take(generated.len()).eq(generated.iter().copied()) {
                            let names = crate::core::pipeline::segment_names(&old.segmentation, &self.segment_names.get_untracked());
                            for (slot, name) in c.before.iter_mut().zip(names) {
                                *slot = name;
                            }
                        }
                    });
                }
                let n = report.segmentation.feature_names.len();
                if self.x_feature.get_untracked() >= n || self.y_feature.get_untracked() >= n {
                    self.x_feature.set(0);
                    self.y_feature.set(if n > 1 { 1 } else { 0 });
                }
                self.error.set(None);
                self.resegment.set(true);
                self.segment_names.set(vec![String::new(); report.segmentation.n_clusters()]);
                self.segment_actions.set(vec![String::new(); report.segmentation.n_clusters()]);
                self.report.set(Some(*report));
                None
            }
            ResponseBody::Exported { file_name, mime, bytes, blob } => Some(FollowUp::Save { file_name, mime, bytes, blob }),
            ResponseBody::Applied(summary) => {
                // Forgets the names typed for the segmentation just cleared too: they are not
                // the model's (the applied download then uses the model's names).
                self.clear_file();
                self.applied.set(Some(summary));
                None
            }
            ResponseBody::Failed { message } => {
                self.error.set(Some(message));
                None
            }
        }
    }

    /// The status line: what was read and what was found, with timings.
    pub fn status_text(&self) -> String {
        if let Some(busy) = self.busy.get() {
            return format!("{}…", busy.stage);
        }
        let Some(file) = self.file.get() else {
            return "Choose a CSV file of customers to begin. It is read here, in your browser, and never uploaded.".to_owned();
        };
        let read = format!(
            "Read {} rows × {} columns in {} ({}, {})",
            file.n_rows,
            file.n_columns,
            format_ms(file.elapsed_ms),
            crate::worker::protocol::delimiter_name(file.delimiter),
            file.encoding
        );
        match self.report.get() {
            Some(report) => {
                let s = &report.segmentation;
                let mut text =
                    format!("{read} · {} segments in {} · {} rows clustered", s.n_clusters(), format_ms(report.elapsed_ms), s.n_clustered);
                if s.n_rows > s.n_clustered {
                    text.push_str(&format!(", {} left out (empty segment and the reason in the download)", s.n_rows - s.n_clustered));
                }
                text
            }
            None => format!("{read}. Review the columns, choose k and press Run."),
        }
    }
}

/// Keeps the user's choices after a column's kind changed: features whose column can no
/// longer be one are dropped; a column that became a default feature is added.
fn merge_choices(mut current: CleaningOptions, columns: &[ColumnProfile], suggested: CleaningOptions) -> CleaningOptions {
    let kind = |c: usize| columns.get(c).map(|p| p.kind);
    current.numeric.retain(|f| matches!(kind(f.column), Some(ColumnKind::Numeric | ColumnKind::Boolean)));
    current.categorical.retain(|&c| matches!(kind(c), Some(ColumnKind::Categorical | ColumnKind::Boolean)));
    for f in suggested.numeric {
        if !current.numeric.iter().any(|g| g.column == f.column) {
            current.numeric.push(f);
        }
    }
    current.numeric.sort_by_key(|f| f.column);
    current
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

/// The k box has the focus: the user is typing in it, or about to.
fn k_box_focused() -> bool {
    web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element()).is_some_and(|e| e.id() == "k-input")
}

/// The k the user typed on an earlier visit, if the settings keep one.
fn saved_k() -> Option<String> {
    super::settings::load().and_then(|s| s.k)
}

/// `3 ms`, `1.2 s`.
pub fn format_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{} ms", ms.round().max(0.0))
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// What the user can do; each action sends requests to the worker.
#[derive(Clone, Copy)]
pub struct Actions {
    state: AppState,
    client: StoredValue<Option<WorkerClient>, LocalStorage>,
    /// The worker's code, fetched once: restarts (cancel, crash) make no request.
    source: StoredValue<Option<WorkerSource>, LocalStorage>,
    /// The last file chosen, to read it again with other options (`None` with
    /// `sample_loaded` for the sample).
    last_file: StoredValue<Option<web_sys::File>, LocalStorage>,
    sample_loaded: StoredValue<bool, LocalStorage>,
    ingest: StoredValue<IngestOptions, LocalStorage>,
    /// The pool's helper workers (the sweep's ks and the fit's runs are shared out to them).
    helpers: StoredValue<Option<Helpers>, LocalStorage>,
    /// The requests sent and not yet answered, oldest first: the page is busy until the
    /// last is answered (the worker takes them in order).
    in_flight: StoredValue<Vec<InFlight>, LocalStorage>,
}

/// How the engine's warm-up ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WarmUp {
    pub ms: f64,
    /// Every step ran (else a request of the user's stopped it, or it failed).
    pub finished: bool,
    pub failed: bool,
}

impl WarmUp {
    /// As the page's test hook says it: `done`, `stopped` or `failed`.
    pub fn outcome(&self) -> &'static str {
        match (self.failed, self.finished) {
            (true, _) => "failed",
            (false, true) => "done",
            (false, false) => "stopped",
        }
    }
}

/// A request the worker has not answered yet.
#[derive(Debug, Clone)]
struct InFlight {
    id: u64,
    /// What the status line says while it runs.
    stage: String,
    /// It replaces the data the sweep and the segments are made from (a file, a kind, a
    /// cleaning): a sweep or a run asked for by an earlier answer would be thrown away.
    reshapes: bool,
    /// Work the pool runs ([`Actions::runs_on_pool`], or the engine said so in its
    /// progress): cancelling it stops the helpers and keeps the engine.
    pooled: bool,
    /// What it is, for what a cancel says.
    work: Work,
}

/// What a request does, as a cancel tells it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Work {
    /// Reads a file (or makes the sample customers): cancelled, there is no file.
    File,
    /// Applies a saved model to a file: cancelled, nothing was applied.
    Apply,
    /// Writes a download: cancelled, nothing was saved.
    Download,
    /// Works on the file the page holds (a cleaning, a sweep, a fit).
    Other,
}

impl Work {
    fn of(body: &RequestBody) -> Self {
        match body {
            RequestBody::Load { .. } | RequestBody::LoadAttached { .. } | RequestBody::LoadSample { .. } => Work::File,
            RequestBody::ApplyModel { .. } => Work::Apply,
            RequestBody::Export { .. } => Work::Download,
            _ => Work::Other,
        }
    }

    /// What the page says once it is cancelled, the file and results kept (`kept`) or not.
    fn cancelled(self, kept: bool) -> &'static str {
        match (self, kept) {
            (Work::File, _) => "cancelled: the file was not read; choose it again when ready",
            (Work::Apply, _) => "cancelled: the model was not applied; choose the file again when ready",
            (Work::Download, true) => {
                "cancelled: the file and the results on the page are kept; nothing was saved; download again when ready"
            }
            (Work::Other, true) => "cancelled: the file and the results on the page are kept; change a choice or press Run when ready",
            (Work::Download | Work::Other, false) => "cancelled: the file is read again; change a choice or press Run when ready",
        }
    }
}

impl Actions {
    /// Actions with no worker yet: [`Actions::attach`] gives it one (the worker's callback
    /// needs the actions, so they exist first).
    pub fn new(state: AppState) -> Self {
        Self {
            state,
            client: StoredValue::new_local(None),
            source: StoredValue::new_local(None),
            last_file: StoredValue::new_local(None),
            sample_loaded: StoredValue::new_local(false),
            ingest: StoredValue::new_local(IngestOptions::default()),
            helpers: StoredValue::new_local(None),
            in_flight: StoredValue::new_local(Vec::new()),
        }
    }

    /// Starts the worker; its answers go through [`AppState::apply`] and [`Actions::follow_up`].
    /// Requests sent before it is ready wait in the client. The worker's code is fetched
    /// the first time only, once the page has painted.
    pub fn start_worker(&self) {
        let client = WorkerClient::new();
        self.client.set_value(Some(client.clone()));
        let actions = *self;
        match self.source.get_value() {
            Some(source) => actions.start_client(&client, &source),
            None => leptos::task::spawn_local(async move {
                // After the first paint: the first screen does not need the worker's code.
                super::defer::after_first_paint().await;
                match WorkerSource::fetch().await {
                    Ok(source) => {
                        actions.source.set_value(Some(source.clone()));
                        actions.start_client(&client, &source);
                    }
                    Err(e) => actions.show_error(format!("the page could not load its background worker ({e:?}): reload the page")),
                }
            }),
        }
    }

    fn start_client(&self, client: &WorkerClient, source: &WorkerSource) {
        let (state, actions) = (self.state, *self);
        let on_response = move |response: Response| {
            let answered = !matches!(response.body, ResponseBody::Progress { .. } | ResponseBody::Ready);
            // The engine runs it on the pool: a cancel can stop it and keep the engine.
            if let ResponseBody::Progress { pooled: true, .. } = response.body {
                let id = response.id;
                actions.in_flight.update_value(|f| f.iter_mut().filter(|r| r.id == id).for_each(|r| r.pooled = true));
            }
            let segmented = matches!(response.body, ResponseBody::Segmented(_));
            if answered {
                // A failure without an id (the worker could not tell which request) ends
                // the wait for all of them: the page is never left busy for good.
                let id = response.id;
                actions.in_flight.update_value(|f| f.retain(|r| id != 0 && r.id != id));
            }
            if let Some(next) = state.apply(response) {
                // A sweep or a run of data that a request still in the worker replaces would
                // be thrown away (and would enable Run between two answers): that request's
                // own answer asks for them again.
                let stale =
                    matches!(next, FollowUp::Sweep | FollowUp::Segment) && actions.in_flight.with_value(|f| f.iter().any(|r| r.reshapes));
                if !stale {
                    actions.follow_up(next);
                }
            }
            if answered {
                actions.settle_busy();
            }
            if segmented {
                actions.refresh_helpers_when_idle();
            }
        };
        // Handled in a task of its own: the crashed worker's handler is not running then.
        let on_crash = move |detail: String| super::defer::defer(move || actions.worker_crashed(&detail));
        if let Err(e) = client.start(source, on_response, on_crash) {
            state.error.set(Some(format!("the background worker could not start ({e:?}): reload the page")));
            return;
        }
        self.start_helpers(client, source);
        // Once per page: the compiled code it warms stays the page's (a restarted worker
        // and fresh helpers start from it).
        if state.warm.get_untracked().is_none() {
            if let Err(e) = client.send(RequestBody::Warm) {
                web_sys::console::error_2(&"the engine's warm-up could not be sent".into(), &e);
            }
        }
    }

    /// Starts the pool's helpers (`?workers=N`, else the device's cores, capped) and joins
    /// them to the engine worker. Without them the engine does all the work itself.
    fn start_helpers(&self, client: &WorkerClient, source: &WorkerSource) {
        let actions = *self;
        let on_crash = move |detail: String| super::defer::defer(move || actions.worker_crashed(&detail));
        let started = Helpers::start(source, pool_size(), on_crash).and_then(|helpers| client.join(&helpers).map(|()| helpers));
        match started {
            Ok(helpers) => {
                self.state.workers.set(helpers.len());
                self.helpers.set_value(Some(helpers));
            }
            Err(e) => {
                web_sys::console::error_2(&"the helper workers could not start; the engine works alone".into(), &e);
                self.state.workers.set(0);
            }
        }
    }

    /// Busy while a request waits for its answer: the stage of the one the worker runs next.
    fn settle_busy(&self) {
        let next = self.in_flight.with_value(|f| f.first().map(|r| r.stage.clone()));
        match next {
            None => self.state.busy.set(None),
            Some(stage) => {
                if self.state.busy.with_untracked(|b| b.as_ref().is_none_or(|b| b.stage != stage)) {
                    self.state.busy.set(Some(Busy { stage, fraction: None }));
                }
            }
        }
    }

    /// Once the page is idle (its charts drawn) and no request is waiting, swaps the pool's
    /// helpers for fresh ones. A helper's wasm memory never shrinks: after a fit each kept
    /// the high-water mark of its share of the file (its pieces, its columns, its rows of
    /// the matrix), memory the tab went on holding through the download. Fresh helpers
    /// start from the compiled code the page keeps, and hold nothing; the pool keeps no
    /// state between requests, so the next one works as before.
    fn refresh_helpers_when_idle(&self) {
        let actions = *self;
        let Some(window) = web_sys::window() else { return };
        let callback = wasm_bindgen::closure::Closure::once_into_js(move || {
            let idle = actions.in_flight.try_with_value(Vec::is_empty).unwrap_or(false);
            if !idle || actions.helpers.try_with_value(Option::is_none).unwrap_or(true) {
                return;
            }
            if let (Some(Some(client)), Some(Some(source))) = (actions.client.try_get_value(), actions.source.try_get_value()) {
                actions.stop_helpers();
                actions.start_helpers(&client, &source);
            }
        });
        let _ = window.request_idle_callback(wasm_bindgen::JsCast::unchecked_ref(&callback));
    }

    fn stop_helpers(&self) {
        self.helpers.with_value(|h| {
            if let Some(h) = h {
                h.terminate();
            }
        });
        self.helpers.set_value(None);
    }

    /// Stops the worker mid-task and starts a fresh one (what it held is gone).
    fn restart_worker(&self) {
        self.stop_helpers();
        self.in_flight.set_value(Vec::new());
        self.client.with_value(|c| {
            if let Some(c) = c {
                c.terminate();
            }
        });
        self.client.set_value(None);
        self.state.worker_ready.set(false);
        self.start_worker();
    }

    /// The worker stopped with an error (most likely out of memory): a fresh one is
    /// started, the file is forgotten (Run waits for a file), and the message says why.
    fn worker_crashed(&self, detail: &str) {
        let file = self.last_file.get_value().map(|f| (f.name(), f.size() as u64));
        self.restart_worker();
        let s = self.state;
        s.clear_file();
        s.busy.set(None);
        s.resegment.set(false);
        self.last_file.set_value(None);
        self.sample_loaded.set_value(false);
        let file = file.as_ref().map(|(name, size)| (name.as_str(), *size));
        s.error.set(Some(crate::worker::memory::worker_crashed_message(file, detail)));
    }

    /// Test hook (pages opened with `?test-hooks` only): makes the worker run out of memory.
    pub fn crash_worker_for_test(&self) {
        self.send(RequestBody::TestCrash, "Crashing the worker (test)");
    }

    /// Cancels what the worker is doing. The pool's work (a sweep, a segmentation, a file's
    /// reading, a download or a model applied piece by piece: [`InFlight::pooled`]) stops at
    /// once and the page keeps the file and what it showed: the helpers are replaced and
    /// the engine, which only waited for them, answers "cancelled". Anything else runs in
    /// the engine itself: it is restarted, and the file read again unless the cancel
    /// stopped its reading.
    pub fn cancel(&self) {
        // The request the worker runs now: the first not answered.
        let running = self.in_flight.with_value(|f| f.first().map(|r| (r.id, r.pooled, r.work)));
        let work = running.map_or(Work::Other, |(_, _, work)| work);
        let running_id = running.map(|(id, _, _)| id);
        let pooled = running.filter(|&(_, pooled, _)| pooled).map(|(id, _, _)| id);
        if let Some(id) = pooled.filter(|_| self.helpers.with_value(Option::is_some)) {
            let stopped = self.client.with_value(|client| {
                let client = client.as_ref()?;
                client.send(RequestBody::Cancel).ok()?;
                self.stop_helpers();
                let source = self.source.get_value()?;
                self.start_helpers(client, &source);
                Some(())
            });
            if stopped.is_some() {
                // Its "cancelled" answer comes later and changes nothing.
                self.in_flight.update_value(|f| f.retain(|r| r.id != id));
                self.settle_busy();
                self.state.resegment.set(false);
                if matches!(work, Work::File | Work::Apply) {
                    self.forget_file(running_id);
                }
                self.state.error.set(Some(work.cancelled(true).to_owned()));
                return;
            }
        }
        self.restart_worker();
        self.state.busy.set(None);
        self.state.report.set(None);
        self.state.error.set(Some(work.cancelled(false).to_owned()));
        if matches!(work, Work::File | Work::Apply) {
            // The reading stopped is not started again: the page waits for a file.
            self.forget_file(running_id);
        } else if let Some(file) = self.last_file.get_value() {
            self.load(file);
        } else if self.sample_loaded.get_value() {
            self.load_sample();
        }
    }

    /// No file: the one whose reading (request `cancelled`) was stopped is not read again,
    /// and an answer about it that was already on its way is not shown.
    fn forget_file(&self, cancelled: Option<u64>) {
        if let Some(id) = cancelled {
            self.state.file_request.set(id + 1);
        }
        self.state.clear_file();
        self.last_file.set_value(None);
        self.sample_loaded.set_value(false);
    }

    /// Forgets everything: the file, the results, the saved settings.
    pub fn start_over(&self) {
        self.restart_worker();
        super::settings::clear();
        let s = self.state;
        s.clear_file();
        s.cleaning.set(None);
        s.busy.set(None);
        s.resegment.set(false);
        s.k_from_user.set(false);
        s.k_text.set(DEFAULT_K.to_string());
        self.last_file.set_value(None);
        self.sample_loaded.set_value(false);
        self.ingest.set_value(IngestOptions::default());
    }

    /// Whether the worker runs `body` on the pool, so that a cancel stops the helpers and
    /// keeps the engine and what it holds: a sweep, a fit, and the download of a file over
    /// the memory budget, read again piece by piece on the helpers
    /// (`Runner::exports_in_pieces`, which the engine asks again).
    fn runs_on_pool(&self, body: &RequestBody) -> bool {
        match body {
            RequestBody::Sweep { .. } | RequestBody::Segment(_) => true,
            RequestBody::Export { what: ExportKind::SegmentedCsv | ExportKind::CustomersCsv, .. } => {
                self.state.file.with_untracked(|f| f.as_ref().is_some_and(|f| f.streamed.is_some()))
            }
            RequestBody::Export { what: ExportKind::AppliedCsv, .. } => {
                self.state.applied.with_untracked(|a| a.as_ref().is_some_and(|a| a.in_pieces))
            }
            _ => false,
        }
    }

    fn send(&self, body: RequestBody, stage: &str) -> Option<u64> {
        self.send_with(body, None, stage)
    }

    fn send_with(&self, body: RequestBody, file: Option<&web_sys::File>, stage: &str) -> Option<u64> {
        let pooled = self.runs_on_pool(&body);
        let work = Work::of(&body);
        let reshapes = matches!(
            body,
            RequestBody::Load { .. }
                | RequestBody::LoadAttached { .. }
                | RequestBody::LoadSample { .. }
                | RequestBody::Transactions { .. }
                | RequestBody::SetKind { .. }
                | RequestBody::Clean(_)
                | RequestBody::ApplyModel { .. }
        );
        let sent = self.client.with_value(|client| match (client, file) {
            (Some(client), Some(file)) => client.send_with_file(body, file).map_err(|e| format!("{e:?}")),
            (Some(client), None) => client.send(body).map_err(|e| format!("{e:?}")),
            (None, _) => Err("the background worker could not start: reload the page".to_owned()),
        });
        match sent {
            Ok(id) => {
                self.in_flight.update_value(|f| f.push(InFlight { id, stage: stage.to_owned(), reshapes, pooled, work }));
                // Behind another request, that one's progress stays on the page.
                if self.state.busy.with_untracked(Option::is_none) {
                    self.state.busy.set(Some(Busy { stage: stage.to_owned(), fraction: None }));
                }
                Some(id)
            }
            Err(message) => {
                self.state.error.set(Some(message));
                None
            }
        }
    }

    /// Does what a response asked for.
    pub fn follow_up(&self, follow_up: FollowUp) {
        match follow_up {
            FollowUp::Clean => self.clean(),
            FollowUp::Sweep => self.sweep(),
            FollowUp::Segment => self.run(),
            FollowUp::Save { file_name, mime, bytes, blob } => {
                let saved = match blob {
                    Some(blob) => super::download::save_blob(&blob, &file_name),
                    None => super::download::save_bytes(&bytes, &file_name, &mime),
                };
                if let Err(e) = saved {
                    self.show_error(format!("could not save {file_name}: {e:?}"));
                }
            }
        }
    }

    /// Sends a file to the worker to be read and profiled (the page never reads it).
    pub fn load(&self, file: web_sys::File) {
        let name = file.name();
        self.state.clear_file();
        let options = self.ingest.get_value();
        let body = RequestBody::LoadAttached { name: name.clone(), options, memory_budget: Some(fit_budget().0) };
        if let Some(id) = self.send_with(body, Some(&file), &format!("Reading {name}")) {
            self.state.file_request.set(id);
        }
        self.last_file.set_value(Some(file));
        self.sample_loaded.set_value(false);
    }

    /// Loads the built-in sample customers (made in the worker).
    pub fn load_sample(&self) {
        self.state.clear_file();
        let options = self.ingest.get_value();
        if let Some(id) = self.send(RequestBody::LoadSample { options }, "Making the sample customers") {
            self.state.file_request.set(id);
        }
        self.last_file.set_value(None);
        self.sample_loaded.set_value(true);
    }

    /// Reads the last file again with a forced delimiter or header choice.
    pub fn reload_with(&self, change: impl FnOnce(&mut IngestOptions)) {
        self.ingest.update_value(change);
        if let Some(file) = self.last_file.get_value() {
            self.load(file);
        } else if self.sample_loaded.get_value() {
            self.load_sample();
        }
    }

    pub fn ingest_options(&self) -> IngestOptions {
        self.ingest.get_value()
    }

    /// The user's kind for a column.
    pub fn set_kind(&self, column: usize, kind: Option<ColumnKind>) {
        self.send(RequestBody::SetKind { column, kind }, "Profiling");
    }

    /// Changes a cleaning choice and cleans again (and segments again after a run).
    pub fn update_cleaning(&self, change: impl FnOnce(&mut CleaningOptions)) {
        self.state.cleaning.update(|c| {
            if let Some(c) = c {
                change(c);
            }
        });
        self.clean();
    }

    fn clean(&self) {
        if let Some(options) = self.state.cleaning.get_untracked() {
            self.send(RequestBody::Clean(options), "Cleaning");
        }
    }

    /// Tries k = 2..=10 and recommends one.
    fn sweep(&self) {
        self.send(RequestBody::Sweep { k_max: SWEEP_K_MAX, seed: DEFAULT_SEED }, "Trying k = 2 to 10");
    }

    /// Segments the cleaned data with the k typed in.
    pub fn run(&self) {
        let text = self.state.k_text.get_untracked();
        let k = match text.trim().parse::<usize>() {
            Ok(k) if k >= 1 => k,
            _ => {
                self.state.error.set(Some(format!("k must be a whole number of segments, at least 1 (got “{}”)", text.trim())));
                return;
            }
        };
        if self.state.file.get_untracked().is_none() {
            self.state.error.set(Some("choose a CSV file first".to_owned()));
            return;
        }
        let options = SegmentOptions { fit_budget: Some(fit_budget().0), ..SegmentOptions::new(k, DEFAULT_SEED) };
        self.send(RequestBody::Segment(options), &format!("Finding {k} segments"));
    }

    /// Asks the worker for a download; it is saved when it arrives.
    pub fn download(&self, what: ExportKind) {
        let names = self.state.segment_names.get_untracked();
        let value = self.state.value_choice();
        self.send(RequestBody::Export { what, names, value }, "Writing the file");
    }

    /// Turns the loaded transaction log into one row per customer.
    pub fn transactions(&self, mapping: crate::core::rfm::TransactionMapping) {
        self.state.clear_results();
        let body = RequestBody::Transactions { mapping, options: crate::core::rfm::RfmOptions::default() };
        if let Some(id) = self.send(body, "Adding up each customer's purchases") {
            self.state.file_request.set(id);
        }
    }

    /// Back from customers to the transaction rows as they are.
    pub fn leave_transactions(&self) {
        self.reload_with(|_| {});
    }

    /// Asks for the model JSON; the loaded file goes along for its SHA-256.
    pub fn download_model(&self) {
        let names = self.state.segment_names.get_untracked();
        // No file: the worker hashed it when it read it.
        self.send(RequestBody::ExportModel { names }, "Writing the model");
    }

    /// Asks for the last segmentation's model as one SQL query scoring `table` in a
    /// `dialect` database; saved as `segments_<dialect>.sql` when it arrives.
    pub fn download_sql(&self, dialect: Dialect, table: String) {
        let names = self.state.segment_names.get_untracked();
        self.send(RequestBody::ExportSql { names, dialect, table }, "Writing the SQL");
    }

    /// The same query from a saved model's JSON, with no file loaded.
    pub fn download_model_sql(&self, model_json: Vec<u8>, dialect: Dialect, table: String) {
        self.send(RequestBody::ModelSql { model_json, dialect, table }, "Writing the SQL");
    }

    /// Applies a saved model (its JSON text) to a new file.
    pub fn apply_model(&self, model_json: Vec<u8>, file: web_sys::File) {
        let name = file.name();
        self.state.clear_file();
        let body = RequestBody::ApplyModel {
            model_json,
            name: name.clone(),
            bytes: Vec::new(),
            options: self.ingest.get_value(),
            memory_budget: Some(fit_budget().0),
        };
        if let Some(id) = self.send_with(body, Some(&file), &format!("Applying the model to {name}")) {
            self.state.file_request.set(id);
        }
        self.last_file.set_value(Some(file));
    }

    pub fn show_error(&self, message: String) {
        self.state.busy.set(None);
        self.state.error.set(Some(message));
    }
}
