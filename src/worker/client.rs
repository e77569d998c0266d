//! The main-thread handle to the worker: the only way the UI reaches the core.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use super::protocol::{Request, RequestBody, Response, ResponseBody};

/// Where Trunk puts the worker's loader (see index.html).
pub const WORKER_URL: &str = "./worker_loader.js";

struct Shared {
    ready: bool,
    /// Requests sent before the worker said "ready": posting them earlier would lose them.
    queued: Vec<JsValue>,
    next_id: u64,
}

/// A started worker. Cloning shares the same worker.
#[derive(Clone)]
pub struct WorkerClient {
    worker: Worker,
    shared: Rc<RefCell<Shared>>,
    // Kept alive as long as the client.
    _on_message: Rc<Closure<dyn FnMut(MessageEvent)>>,
    _on_error: Rc<Closure<dyn FnMut(web_sys::Event)>>,
}

impl WorkerClient {
    /// Starts the worker at `url`; `on_response` receives every response, "ready" included
    /// (after the requests queued before it have been sent).
    pub fn start(url: &str, on_response: impl Fn(Response) + 'static) -> Result<Self, JsValue> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(url, &options)?;
        let shared = Rc::new(RefCell::new(Shared { ready: false, queued: Vec::new(), next_id: 1 }));
        let on_response = Rc::new(on_response);

        let worker_for_queue = worker.clone();
        let shared_for_message = shared.clone();
        let on_response_for_message = on_response.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            match serde_wasm_bindgen::from_value::<Response>(event.data()) {
                Ok(response @ Response { body: ResponseBody::Ready, .. }) => {
                    let queued = {
                        let mut shared = shared_for_message.borrow_mut();
                        shared.ready = true;
                        std::mem::take(&mut shared.queued)
                    };
                    for message in queued {
                        if let Err(e) = worker_for_queue.post_message(&message) {
                            web_sys::console::error_2(&"could not send to the worker".into(), &e);
                        }
                    }
                    on_response_for_message(response);
                }
                Ok(response) => on_response_for_message(response),
                Err(e) => on_response_for_message(Response {
                    id: 0,
                    body: ResponseBody::Failed { message: format!("the worker sent a message the page does not understand: {e}") },
                }),
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));

        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let detail = js_sys::Reflect::get(&event, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| "it stopped unexpectedly".to_owned());
            on_response(Response {
                id: 0,
                body: ResponseBody::Failed { message: format!("the background worker failed ({detail}): reload the page and try again") },
            });
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

        Ok(Self { worker, shared, _on_message: Rc::new(on_message), _on_error: Rc::new(on_error) })
    }

    /// Stops the worker at once (a cancel, or starting over); its state is gone.
    pub fn terminate(&self) {
        self.worker.terminate();
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
        let mut shared = self.shared.borrow_mut();
        if shared.ready {
            drop(shared);
            self.worker.post_message(&message)?;
        } else {
            shared.queued.push(message);
        }
        Ok(id)
    }
}
