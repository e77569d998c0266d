//! The worker side: keeps the loaded file and answers requests with the core.

use crate::core::pipeline::{self, LoadedFile};

use super::protocol::{delimiter_name, FileSummary, Request, RequestBody, Response, ResponseBody, SegmentReport};

/// The worker's state between messages, and the dispatch from request to core call.
#[derive(Debug, Default)]
pub struct Runner {
    file: Option<LoadedFile>,
}

impl Runner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers one request. `now_ms` is the clock (performance.now in the worker).
    pub fn handle(&mut self, request: Request, now_ms: &dyn Fn() -> f64) -> Response {
        let started = now_ms();
        let body = match request.body {
            RequestBody::Load { name, bytes } => {
                // A new file replaces the old one even if it fails, so no stale segments remain.
                self.file = None;
                match pipeline::load(&name, &bytes) {
                    Ok(file) => {
                        let summary = FileSummary {
                            name: file.name.clone(),
                            n_rows: file.table.n_rows(),
                            n_columns: file.table.n_columns(),
                            headers: file.table.headers.clone(),
                            columns: file.columns.clone(),
                            default_features: file.default_features(),
                            delimiter: delimiter_name(file.table.delimiter),
                            encoding: file.table.encoding.to_owned(),
                            elapsed_ms: now_ms() - started,
                        };
                        self.file = Some(file);
                        ResponseBody::Loaded(summary)
                    }
                    Err(e) => ResponseBody::Failed { message: e.to_string() },
                }
            }
            RequestBody::Segment(options) => match &self.file {
                None => ResponseBody::Failed { message: "no file is loaded: choose a CSV file first".to_owned() },
                Some(file) => match pipeline::segment(file, &options) {
                    Ok(segmentation) => {
                        ResponseBody::Segmented(SegmentReport { segmentation, elapsed_ms: now_ms() - started })
                    }
                    Err(e) => ResponseBody::Failed { message: e.to_string() },
                },
            },
        };
        Response { id: request.id, body }
    }
}

/// Answers one message as the worker receives it: decode, [`Runner::handle`], encode.
/// Exposed so browser tests can drive the real worker code path with real JS values.
#[cfg(target_arch = "wasm32")]
pub fn handle_message(runner: &mut Runner, message: wasm_bindgen::JsValue, now_ms: &dyn Fn() -> f64) -> Result<wasm_bindgen::JsValue, serde_wasm_bindgen::Error> {
    let response = match serde_wasm_bindgen::from_value::<Request>(message) {
        Ok(request) => runner.handle(request, now_ms),
        Err(e) => Response {
            id: 0,
            body: ResponseBody::Failed { message: format!("the page sent a message the worker does not understand: {e}") },
        },
    };
    serde_wasm_bindgen::to_value(&response)
}

/// The worker's clock: `performance.now()`, or `Date.now()` where there is none.
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    use wasm_bindgen::JsCast;
    js_sys::global()
        .dyn_into::<web_sys::WorkerGlobalScope>()
        .ok()
        .and_then(|g| g.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Starts the worker: answers every message with [`handle_message`], after saying "ready".
#[cfg(target_arch = "wasm32")]
pub fn start() {
    use std::cell::RefCell;

    use wasm_bindgen::prelude::*;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let runner = RefCell::new(Runner::new());
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        match handle_message(&mut runner.borrow_mut(), event.data(), &now_ms) {
            Ok(value) => {
                if let Err(e) = reply_scope.post_message(&value) {
                    web_sys::console::error_2(&"worker: could not post a response".into(), &e);
                }
            }
            Err(e) => web_sys::console::error_1(&format!("worker: could not encode a response: {e}").into()),
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The closure lives as long as the worker.
    on_message.forget();
    if let Ok(ready) = serde_wasm_bindgen::to_value(&Response { id: 0, body: ResponseBody::Ready }) {
        let _ = scope.post_message(&ready);
    }
}
