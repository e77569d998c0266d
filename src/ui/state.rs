//! What the page knows, as signals, and the one place where worker responses change it.

use leptos::prelude::*;

use crate::core::kmeans::params::DEFAULT_SEED;
use crate::core::pipeline::SegmentOptions;
use crate::worker::client::WorkerClient;
use crate::worker::protocol::{FileSummary, RequestBody, Response, ResponseBody, SegmentReport};

/// Default number of segments offered.
pub const DEFAULT_K: usize = 5;

/// The page's state. Copy: every field is a signal.
#[derive(Clone, Copy)]
pub struct AppState {
    pub file: RwSignal<Option<FileSummary>>,
    pub report: RwSignal<Option<SegmentReport>>,
    pub error: RwSignal<Option<String>>,
    /// What the worker is doing now, for the status line; `None` when idle.
    pub busy: RwSignal<Option<String>>,
    /// The k input's text as typed.
    pub k_text: RwSignal<String>,
    /// Features on the scatter's axes (indices into the segmentation's features).
    pub x_feature: RwSignal<usize>,
    pub y_feature: RwSignal<usize>,
    /// Id of the request whose answer the page waits for; older answers are ignored.
    pub pending: RwSignal<u64>,
    /// The worker has loaded and answers requests.
    pub worker_ready: RwSignal<bool>,
}

impl AppState {
    pub fn new() -> Self {
        Self {
            file: RwSignal::new(None),
            report: RwSignal::new(None),
            error: RwSignal::new(None),
            busy: RwSignal::new(None),
            k_text: RwSignal::new(DEFAULT_K.to_string()),
            x_feature: RwSignal::new(0),
            y_feature: RwSignal::new(1),
            pending: RwSignal::new(0),
            worker_ready: RwSignal::new(false),
        }
    }

    /// Applies a worker response.
    pub fn apply(&self, response: Response) {
        if let ResponseBody::Ready = response.body {
            self.worker_ready.set(true);
            return;
        }
        let expected = self.pending.get_untracked();
        if response.id != 0 && response.id != expected {
            return; // an answer to a request the user has since replaced
        }
        self.busy.set(None);
        match response.body {
            ResponseBody::Ready => {}
            ResponseBody::Loaded(summary) => {
                let n = summary.default_features.len();
                self.x_feature.set(0);
                self.y_feature.set(if n > 1 { 1 } else { 0 });
                self.report.set(None);
                self.error.set(None);
                self.file.set(Some(summary));
            }
            ResponseBody::Segmented(report) => {
                let n = report.segmentation.feature_names.len();
                if self.x_feature.get_untracked() >= n || self.y_feature.get_untracked() >= n {
                    self.x_feature.set(0);
                    self.y_feature.set(if n > 1 { 1 } else { 0 });
                }
                self.error.set(None);
                self.report.set(Some(report));
            }
            ResponseBody::Failed { message } => self.error.set(Some(message)),
        }
    }

    /// The status line: what was read and what was found, with timings.
    pub fn status_text(&self) -> String {
        if let Some(stage) = self.busy.get() {
            return stage;
        }
        let Some(file) = self.file.get() else {
            return "Choose a CSV file of customers to begin. It is read here, in your browser, and never uploaded.".to_owned();
        };
        let read = format!(
            "Read {} rows × {} columns in {} ({}, {})",
            file.n_rows,
            file.n_columns,
            format_ms(file.elapsed_ms),
            file.delimiter,
            file.encoding
        );
        match self.report.get() {
            Some(report) => {
                let s = &report.segmentation;
                let mut text = format!(
                    "{read} · {} segments in {} · {} rows clustered",
                    s.cluster_sizes.len(),
                    format_ms(report.elapsed_ms),
                    s.labels.len()
                );
                if s.n_excluded > 0 {
                    text.push_str(&format!(", {} left out (empty segment in the download)", s.n_excluded));
                }
                text
            }
            None => format!("{read}. Choose k and press Run."),
        }
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

/// `3 ms`, `1.2 s`.
pub fn format_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{} ms", ms.round().max(0.0))
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// What the user can do; each action sends one request to the worker.
#[derive(Clone, Copy)]
pub struct Actions {
    state: AppState,
    client: StoredValue<Option<WorkerClient>, LocalStorage>,
}

impl Actions {
    pub fn new(state: AppState, client: Option<WorkerClient>) -> Self {
        Self { state, client: StoredValue::new_local(client) }
    }

    fn send(&self, body: RequestBody, stage: String) {
        let sent = self.client.with_value(|client| match client {
            Some(client) => client.send(body).map_err(|e| format!("{e:?}")),
            None => Err("the background worker could not start: reload the page".to_owned()),
        });
        match sent {
            Ok(id) => {
                self.state.pending.set(id);
                self.state.error.set(None);
                self.state.busy.set(Some(stage));
            }
            Err(message) => self.state.error.set(Some(message)),
        }
    }

    /// Sends a file's bytes to be read and profiled.
    pub fn load(&self, name: String, bytes: Vec<u8>) {
        self.state.file.set(None);
        self.state.report.set(None);
        let stage = format!("Reading {name}…");
        self.send(RequestBody::Load { name, bytes }, stage);
    }

    /// Segments the loaded file with the k typed in.
    pub fn run(&self) {
        let text = self.state.k_text.get_untracked();
        let k = match text.trim().parse::<usize>() {
            Ok(k) if k >= 1 => k,
            _ => {
                self.state.error.set(Some(format!(
                    "k must be a whole number of segments, at least 1 (got “{}”)",
                    text.trim()
                )));
                return;
            }
        };
        if self.state.file.get_untracked().is_none() {
            self.state.error.set(Some("choose a CSV file first".to_owned()));
            return;
        }
        self.send(
            RequestBody::Segment(SegmentOptions { n_clusters: k, seed: DEFAULT_SEED, features: None }),
            format!("Finding {k} segments…"),
        );
    }

    pub fn show_error(&self, message: String) {
        self.state.busy.set(None);
        self.state.error.set(Some(message));
    }
}
