//! The main-thread handle to the worker: the only way the UI reaches the core.
//!
//! The worker's code is fetched once, when the page loads ([`WorkerSource::fetch`]): its
//! wasm-bindgen script becomes a Blob URL and its wasm a compiled `WebAssembly.Module`.
//! Every worker (the first, and each one started after a cancel or a crash) is made from
//! them, so restarting asks the server for nothing. [`Helpers`] are the pool's other
//! workers, made from the same code (see `super::pool`).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use super::protocol::{Request, RequestBody, Response, ResponseBody};

/// The worker's wasm-bindgen script and wasm, as Trunk writes them (unhashed names; see
/// index.html).
pub const WORKER_SCRIPT_URL: &str = "./worker.js";
pub const WORKER_WASM_URL: &str = "./worker_bg.wasm";

/// Appended to the worker's script (one module, so the page's CSP needs `blob:` only in
/// `worker-src`): the first message carries the compiled module; `__wbg_init` is the
/// script's own initialiser, which runs the worker's `main` (it answers "ready").
const BOOTSTRAP: &str = "
self.onmessage = (event) => {
  self.onmessage = null;
  __wbg_init({ module_or_path: event.data.module }).catch((error) => setTimeout(() => { throw error; }));
};
";

/// The worker's code, held by the page: a Blob URL of its script and its compiled wasm.
#[derive(Clone)]
pub struct WorkerSource {
    script_url: String,
    module: JsValue,
}

impl WorkerSource {
    /// Fetches and compiles the worker's code (the only requests the worker costs).
    pub async fn fetch() -> Result<Self, JsValue> {
        let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
        let script = fetch_ok(&window, WORKER_SCRIPT_URL).await?;
        let script =
            JsFuture::from(script.text()?).await?.as_string().ok_or_else(|| JsValue::from_str("the worker's script is not text"))?;
        let wasm = fetch_ok(&window, WORKER_WASM_URL).await?;
        let bytes = JsFuture::from(wasm.array_buffer()?).await?;
        let module = JsFuture::from(js_sys::WebAssembly::compile(&bytes)).await?;
        let parts = js_sys::Array::of2(&JsValue::from_str(&script), &JsValue::from_str(BOOTSTRAP));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/javascript");
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
        let script_url = web_sys::Url::create_object_url_with_blob(&blob)?;
        Ok(Self { script_url, module })
    }

    /// A worker made from this code (the engine or a helper), sent its compiled module: it
    /// says "ready" once its wasm runs.
    fn spawn(&self) -> Result<Worker, JsValue> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(&self.script_url, &options)?;
        let init = js_sys::Object::new();
        js_sys::Reflect::set(&init, &"module".into(), &self.module)?;
        worker.post_message(&init)?;
        Ok(worker)
    }
}

/// A worker's `error` event (a trap: out of memory), handled here rather than as an
/// uncaught error of the page: the browser's words, or a sentence when there are none.
fn crash_detail(event: &web_sys::Event) -> String {
    event.prevent_default();
    js_sys::Reflect::get(event, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "it stopped without a message".to_owned())
}

/// `fetch(url)`, an error unless the answer is 200..=299.
async fn fetch_ok(window: &web_sys::Window, url: &str) -> Result<web_sys::Response, JsValue> {
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url)).await?.dyn_into()?;
    if response.ok() {
        Ok(response)
    } else {
        Err(JsValue::from_str(&format!("{url}: HTTP {}", response.status())))
    }
}

struct Shared {
    /// The worker, once its code is there.
    worker: Option<Worker>,
    /// `terminate` was called: a worker arriving later is not started.
    terminated: bool,
    ready: bool,
    /// Requests sent before the worker said "ready" (posting them earlier would lose them),
    /// with the objects they transfer.
    queued: Vec<(JsValue, Option<js_sys::Array>)>,
    next_id: u64,
    on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
    on_error: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

/// A worker, started or on its way. Cloning shares the same worker.
#[derive(Clone)]
pub struct WorkerClient {
    shared: Rc<RefCell<Shared>>,
}

impl Default for WorkerClient {
    fn default() -> Self {
        Self::new()
    }
}

impl WorkerClient {
    /// A client with no worker yet: requests are queued until [`WorkerClient::start`] has
    /// started one and it has said "ready".
    pub fn new() -> Self {
        let shared =
            Shared { worker: None, terminated: false, ready: false, queued: Vec::new(), next_id: 1, on_message: None, on_error: None };
        Self { shared: Rc::new(RefCell::new(shared)) }
    }

    /// Starts the worker from `source`. `on_response` receives every response, "ready"
    /// included (after the requests queued before it have been sent); `on_crash` is told
    /// when the worker stopped with an error (the browser's words), e.g. out of memory:
    /// the worker is then unusable.
    pub fn start(
        &self,
        source: &WorkerSource,
        on_response: impl Fn(Response) + 'static,
        on_crash: impl Fn(String) + 'static,
    ) -> Result<(), JsValue> {
        if self.shared.borrow().terminated {
            return Ok(());
        }
        let worker = source.spawn()?;

        let worker_for_queue = worker.clone();
        let shared_for_message = self.shared.clone();
        let on_response = Rc::new(on_response);
        // The page's handling of an answer (its state, the DOM) runs in the task after the
        // one that decoded it: a large answer decoded and rendered in one task would hold
        // the main thread past 50 ms. Tasks keep their order, so answers do too; one that
        // arrives for a worker stopped since (a cancel) is dropped, as it would have been.
        let deliver = {
            let shared = self.shared.clone();
            let on_response = on_response.clone();
            move |response: Response| {
                let (shared, on_response) = (shared.clone(), on_response.clone());
                in_next_task(move || {
                    if !shared.try_borrow().is_ok_and(|s| s.terminated) {
                        on_response(response);
                    }
                });
            }
        };
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            match timed(|| "an answer of the worker decoded".to_owned(), || serde_wasm_bindgen::from_value::<Response>(event.data())) {
                Ok(response @ Response { body: ResponseBody::Ready, .. }) => {
                    let queued = match shared_for_message.try_borrow_mut() {
                        Ok(mut shared) => {
                            shared.ready = true;
                            std::mem::take(&mut shared.queued)
                        }
                        Err(_) => Vec::new(),
                    };
                    for (message, transfer) in queued {
                        let posted = match &transfer {
                            Some(transfer) => worker_for_queue.post_message_with_transfer(&message, transfer),
                            None => worker_for_queue.post_message(&message),
                        };
                        if let Err(e) = posted {
                            web_sys::console::error_2(&"could not send to the worker".into(), &e);
                        }
                    }
                    on_response(response);
                }
                Ok(mut response) => {
                    // A download written piece by piece travels beside the message.
                    if let ResponseBody::Exported { blob, .. } = &mut response.body {
                        *blob = js_sys::Reflect::get(&event.data(), &"blob".into()).ok().and_then(|b| b.dyn_into::<web_sys::Blob>().ok());
                    }
                    deliver(response)
                }
                Err(e) => deliver(Response {
                    id: 0,
                    body: ResponseBody::Failed { message: format!("the worker sent a message the page does not understand: {e}") },
                }),
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));

        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| on_crash(crash_detail(&event)));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

        let mut shared = self.shared.borrow_mut();
        shared.worker = Some(worker);
        shared.on_message = Some(on_message);
        shared.on_error = Some(on_error);
        Ok(())
    }

    /// Stops the worker at once (a cancel, a crash, or starting over); its state is gone.
    pub fn terminate(&self) {
        let mut shared = self.shared.borrow_mut();
        shared.terminated = true;
        shared.queued.clear();
        if let Some(worker) = shared.worker.take() {
            worker.set_onmessage(None);
            worker.set_onerror(None);
            worker.terminate();
        }
        // Dropping a closure while it runs (a crash handled from its own error event) is
        // safe: wasm-bindgen frees it when the call returns.
        shared.on_message = None;
        shared.on_error = None;
    }

    /// Sends a request; returns its id (responses carry it back).
    pub fn send(&self, body: RequestBody) -> Result<u64, JsValue> {
        self.send_with(body, None)
    }

    /// Sends a request with a `File` attached (structured-cloned as a handle: the page never
    /// reads or copies the bytes; the worker does).
    pub fn send_with_file(&self, body: RequestBody, file: &web_sys::File) -> Result<u64, JsValue> {
        self.send_with(body, Some(file))
    }

    fn send_with(&self, body: RequestBody, file: Option<&web_sys::File>) -> Result<u64, JsValue> {
        let id = {
            let mut shared = self.shared.borrow_mut();
            let id = shared.next_id;
            shared.next_id += 1;
            id
        };
        let message = serde_wasm_bindgen::to_value(&Request { id, body })?;
        if let Some(file) = file {
            js_sys::Reflect::set(&message, &"file".into(), file)?;
        }
        self.post(message, None)?;
        Ok(id)
    }

    /// Posts `message` (transferring `transfer`) once the worker is ready.
    fn post(&self, message: JsValue, transfer: Option<js_sys::Array>) -> Result<(), JsValue> {
        let worker = {
            let mut shared = self.shared.borrow_mut();
            match (&shared.worker, shared.ready) {
                (Some(worker), true) => Some(worker.clone()),
                _ => {
                    shared.queued.push((message.clone(), transfer.clone()));
                    None
                }
            }
        };
        match (worker, transfer) {
            (Some(worker), Some(transfer)) => worker.post_message_with_transfer(&message, &transfer),
            (Some(worker), None) => worker.post_message(&message),
            (None, _) => Ok(()),
        }
    }

    /// Joins `helpers` to this worker (the engine): it gets a port to each.
    pub fn join(&self, helpers: &Helpers) -> Result<(), JsValue> {
        let message = js_sys::Object::new();
        js_sys::Reflect::set(&message, &"pool_ports".into(), &helpers.engine_ports)?;
        self.post(message.into(), Some(helpers.engine_ports.clone()))
    }
}

/// The pool's helper workers, as the page holds them (to stop them); the engine talks to
/// them over the ports of [`WorkerClient::join`].
pub struct Helpers {
    workers: Vec<Worker>,
    /// The engine's ends of the channels, until they are sent.
    engine_ports: js_sys::Array,
    handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
    on_error: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

impl Helpers {
    /// Starts `n` helpers from `source`. Each is sent its end of a `MessageChannel` once it
    /// says "ready"; `on_crash` is told when one stops with an error (out of memory).
    pub fn start(source: &WorkerSource, n: usize, on_crash: impl Fn(String) + 'static) -> Result<Self, JsValue> {
        let on_crash = Rc::new(on_crash);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| on_crash(crash_detail(&event)));
        let mut helpers = Self { workers: Vec::new(), engine_ports: js_sys::Array::new(), handlers: Vec::new(), on_error: None };
        for _ in 0..n {
            let worker = source.spawn()?;
            let channel = web_sys::MessageChannel::new()?;
            let port = channel.port2();
            let worker_for_port = worker.clone();
            let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |_event: MessageEvent| {
                // Its "ready": from now on it listens on the port only.
                worker_for_port.set_onmessage(None);
                let message = js_sys::Object::new();
                let sent = js_sys::Reflect::set(&message, &"helper_port".into(), &port)
                    .and_then(|_| worker_for_port.post_message_with_transfer(&message, &js_sys::Array::of1(&port)));
                if let Err(e) = sent {
                    web_sys::console::error_2(&"could not start a helper worker".into(), &e);
                }
            });
            worker.set_onmessage(Some(handler.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            helpers.engine_ports.push(&channel.port1());
            helpers.workers.push(worker);
            helpers.handlers.push(handler);
        }
        helpers.on_error = Some(on_error);
        Ok(helpers)
    }

    pub fn len(&self) -> usize {
        self.workers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.workers.is_empty()
    }

    /// Stops every helper at once.
    pub fn terminate(&self) {
        for worker in &self.workers {
            worker.set_onmessage(None);
            worker.set_onerror(None);
            worker.terminate();
        }
    }
}

/// A task [`in_next_task`] runs (or an answer's decoding) that takes longer than this is
/// logged (`console.debug`, with where it was asked for): the page's tasks are meant to stay
/// under 50 ms, and this names the ones that come near.
const SLOW_TASK_MS: f64 = 30.0;

/// Runs `f`; logs how long it took when that was over [`SLOW_TASK_MS`] (`what` says what it
/// was).
fn timed<T>(what: impl FnOnce() -> String, f: impl FnOnce() -> T) -> T {
    let clock = web_sys::window().and_then(|w| w.performance());
    let started = clock.as_ref().map_or(0.0, web_sys::Performance::now);
    let out = f();
    let took = clock.as_ref().map_or(0.0, web_sys::Performance::now) - started;
    if took > SLOW_TASK_MS {
        web_sys::console::debug_1(&format!("slow task: {took:.0} ms, {}", what()).into());
    }
    out
}

/// Runs `f` in a later task of the page (`setTimeout(…, 0)`: such tasks run in the order
/// they were asked for); now if there is no window or the timer cannot be set.
#[track_caller]
pub fn in_next_task(f: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else {
        f();
        return;
    };
    let from = std::panic::Location::caller();
    let f = Rc::new(RefCell::new(Some(f)));
    let run = {
        let f = f.clone();
        move || {
            if let Some(f) = f.borrow_mut().take() {
                timed(|| format!("from {}:{}", from.file(), from.line()), f);
            }
        }
    };
    let callback = Closure::once_into_js(run.clone());
    if window.set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), 0).is_err() {
        run();
    }
}

/// The value of `name=` in the page's address, if there.
fn query_param(window: &web_sys::Window, name: &str) -> Option<String> {
    let query = window.location().search().ok()?;
    query.trim_start_matches('?').split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=').map(str::to_owned))
}

/// The pool's size: `?workers=N` in the page's address (1 to 16), else the device's cores
/// (`navigator.hardwareConcurrency`) up to [`MAX_DEFAULT_HELPERS`].
pub fn pool_size() -> usize {
    let Some(window) = web_sys::window() else { return 1 };
    let asked = query_param(&window, "workers").and_then(|n| n.parse::<usize>().ok());
    match asked {
        Some(n) => n.clamp(1, MAX_HELPERS),
        None => (window.navigator().hardware_concurrency() as usize).clamp(1, MAX_DEFAULT_HELPERS),
    }
}

/// The memory a fit may take on this device, in bytes, and where the figure comes from:
/// `?memory-budget=MB` in the page's address, else a quarter of the device's memory
/// (`navigator.deviceMemory`, which browsers round and cap at 8 GB), at least
/// [`MIN_FIT_BUDGET`]. A matrix over it is fitted on a sample (see
/// `core::pipeline::SegmentOptions::fit_budget`).
pub fn fit_budget() -> (u64, String) {
    let Some(window) = web_sys::window() else { return (MIN_FIT_BUDGET, "the default".to_owned()) };
    let asked = query_param(&window, "memory-budget").and_then(|n| n.parse::<f64>().ok()).filter(|mb| mb.is_finite() && *mb > 0.0);
    if let Some(mb) = asked {
        return ((mb * 1_048_576.0) as u64, "set by ?memory-budget in the address".to_owned());
    }
    let device_gb = js_sys::Reflect::get(&window.navigator(), &"deviceMemory".into()).ok().and_then(|v| v.as_f64()).filter(|g| *g > 0.0);
    match device_gb {
        Some(gb) => {
            let budget = ((gb * 1_073_741_824.0 / 4.0) as u64).max(MIN_FIT_BUDGET);
            (budget, format!("a quarter of this device's {gb} GB"))
        }
        None => (MIN_FIT_BUDGET, "the browser does not say the device's memory".to_owned()),
    }
}

/// The least memory budget a fit gets by default: 512 MiB.
pub const MIN_FIT_BUDGET: u64 = 512 << 20;

/// Helpers at most by default: each holds a copy of the matrix it fits.
pub const MAX_DEFAULT_HELPERS: usize = 4;
/// Helpers at most when the address asks.
pub const MAX_HELPERS: usize = 16;
// `pool_size` clamps from 1 to each: `clamp` panics if a bound is ever below 1.
const _: () = assert!(MAX_DEFAULT_HELPERS >= 1 && MAX_HELPERS >= 1);
