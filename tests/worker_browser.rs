//! Browser tests that run inside a real dedicated Web Worker in headless Chromium: requests
//! encoded as the page encodes them go through the worker's own message handler.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use segmentation::core::pipeline::SegmentOptions;
use segmentation::worker::protocol::{Request, RequestBody, Response, ResponseBody};
use segmentation::worker::runner::{handle_message, now_ms, Runner};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const CUSTOMERS: &[u8] = include_bytes!("fixtures/customers.csv");

fn round_trip(runner: &mut Runner, request: &Request) -> Response {
    let message = serde_wasm_bindgen::to_value(request).unwrap();
    let reply = handle_message(runner, message, &now_ms, &mut |_, _, _| {}).unwrap();
    serde_wasm_bindgen::from_value(reply).unwrap()
}

#[wasm_bindgen_test]
async fn worker_round_trip_returns_labels() {
    assert!(js_sys::global().is_instance_of::<web_sys::DedicatedWorkerGlobalScope>(), "runs in a worker");
    let mut runner = Runner::new();
    let load =
        Request { id: 1, body: RequestBody::Load { name: "customers.csv".into(), bytes: CUSTOMERS.to_vec(), options: Default::default() } };
    // The file's bytes travel as a Uint8Array, not as an array of numbers.
    let encoded = serde_wasm_bindgen::to_value(&load).unwrap();
    // Externally tagged: `{ body: { load: { name, bytes, options } } }`.
    let body = js_sys::Reflect::get(&encoded, &"body".into()).unwrap();
    let body = js_sys::Reflect::get(&body, &"load".into()).unwrap();
    assert!(js_sys::Reflect::get(&body, &"bytes".into()).unwrap().is_instance_of::<js_sys::Uint8Array>());

    let loaded = round_trip(&mut runner, &load);
    let ResponseBody::Loaded(summary) = loaded.body else { panic!("{loaded:?}") };
    assert_eq!(summary.n_rows, 200);
    let mut cleaning = summary.suggested.clone();
    assert_eq!(cleaning.numeric.iter().map(|f| f.column).collect::<Vec<_>>(), [2, 3, 4]);
    cleaning.numeric.retain(|f| f.column != 2);
    let cleaned = round_trip(&mut runner, &Request { id: 2, body: RequestBody::Clean(cleaning) });
    assert!(matches!(cleaned.body, ResponseBody::Cleaned(_)), "{cleaned:?}");

    let options = SegmentOptions::new(5, 42);
    let done = round_trip(&mut runner, &Request { id: 3, body: RequestBody::Segment(options) });
    assert_eq!(done.id, 3);
    let ResponseBody::Segmented(report) = done.body else { panic!("{done:?}") };
    let s = report.segmentation;
    assert_eq!(s.n_clustered, 200);
    assert_eq!(s.chart_labels.len(), 200, "every row drawn, labels carried as bytes");
    let mut sizes: Vec<usize> = s.segments.iter().map(|s| s.size).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [40; 5], "the five personas of the fixture");

    let export =
        RequestBody::Export { what: segmentation::worker::protocol::ExportKind::SegmentedCsv, names: vec![], value: Default::default() };
    // The download is written a part at a time into a Blob the browser holds, carried
    // beside the answer (its bytes stay out of the worker's memory).
    let message = serde_wasm_bindgen::to_value(&Request { id: 4, body: export }).unwrap();
    let reply = handle_message(&mut runner, message, &now_ms, &mut |_, _, _| {}).unwrap();
    let blob: web_sys::Blob = js_sys::Reflect::get(&reply, &"blob".into()).unwrap().dyn_into().unwrap();
    let text = wasm_bindgen_futures::JsFuture::from(blob.text()).await.unwrap().as_string().unwrap();
    assert_eq!(text.matches('\n').count(), 201);
    assert!(text.starts_with("CustomerID,"), "{}", &text[..40]);
    let exported: Response = serde_wasm_bindgen::from_value(reply).unwrap();
    let ResponseBody::Exported { bytes, file_name, .. } = exported.body else { panic!("{exported:?}") };
    assert!(bytes.is_empty(), "the bytes are in the Blob");
    assert_eq!(file_name, "customers-segmented.csv");
}

#[wasm_bindgen_test]
fn a_message_the_worker_cannot_read_gets_an_answer() {
    let mut runner = Runner::new();
    let reply = handle_message(&mut runner, "hello".into(), &now_ms, &mut |_, _, _| {}).unwrap();
    let response: Response = serde_wasm_bindgen::from_value(reply).unwrap();
    assert!(matches!(response.body, ResponseBody::Failed { .. }));
}
