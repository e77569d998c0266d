//! Browser tests (wasm-bindgen-test in headless Chromium): components mount and react.
//! Run with `cargo test --target wasm32-unknown-unknown --test browser` (scripts/test does).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use leptos::prelude::*;
use segmentation::core::clean::CleaningOptions;
use segmentation::core::profile::profile_columns;
use segmentation::ui::components::{run_controls::RunControls, status_line::StatusLine};
use segmentation::ui::state::{Actions, AppState};
use segmentation::worker::protocol::{FileSummary, Response, ResponseBody};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn summary() -> FileSummary {
    let table = segmentation::core::ingest::parse_csv(b"a,b\n1,2\n3,5\n", &Default::default()).unwrap();
    let profile = profile_columns(&table);
    FileSummary {
        name: "customers.csv".into(),
        size_bytes: 12,
        n_rows: 200,
        n_columns: 2,
        headers: vec!["a".into(), "b".into()],
        has_header: true,
        delimiter: b',',
        encoding: "UTF-8".into(),
        encoding_reason: String::new(),
        warnings: Vec::new(),
        ragged_rows: 0,
        ragged_examples: vec![],
        suggested: CleaningOptions::suggested(&profile),
        transactions: None,
        rfm: None,
        explore: None,
        columns: profile.columns,
        preview: vec![],
        read_ms: 2.0,
        streamed: None,
        elapsed_ms: 3.0,
    }
}

fn container() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let div: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&div).unwrap();
    div
}

fn find<T: JsCast>(root: &web_sys::HtmlElement, test_id: &str) -> Option<T> {
    root.query_selector(&format!("[data-testid='{test_id}']")).unwrap().map(|e| e.unchecked_into())
}

#[wasm_bindgen_test]
async fn run_controls_wait_for_a_file_then_report_what_failed() {
    let root = container();
    let state = AppState::new();
    let _mounted = leptos::mount::mount_to(root.clone(), move || {
        provide_context(state);
        provide_context(Actions::new(state));
        view! { <RunControls/><StatusLine/> }
    });

    let run: web_sys::HtmlButtonElement = find(&root, "run").unwrap();
    assert!(run.disabled(), "Run waits for a file");
    let status: web_sys::HtmlElement = find(&root, "status").unwrap();
    assert!(status.text_content().unwrap().contains("Choose a CSV file"));
    assert!(find::<web_sys::HtmlElement>(&root, "error").is_none(), "no error shown at first");

    let next = state.apply(Response { id: 0, body: ResponseBody::Loaded(Box::new(summary())) });
    assert_eq!(next, Some(segmentation::ui::state::FollowUp::Clean), "a loaded file is cleaned next");
    leptos::task::tick().await;
    assert!(!run.disabled(), "Run is enabled once a file is loaded");
    assert!(status.text_content().unwrap().contains("Read 200 rows × 2 columns in 3 ms"));

    // Typing in k-input updates the state.
    let k: web_sys::HtmlInputElement = find(&root, "k-input").unwrap();
    assert_eq!(k.value(), "5");
    k.set_value("7");
    k.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    assert_eq!(state.k_text.get_untracked(), "7");

    // With no worker, running says so in the error line instead of failing silently.
    run.click();
    leptos::task::tick().await;
    let error: web_sys::HtmlElement = find(&root, "error").expect("an error is shown");
    assert!(error.text_content().unwrap().contains("worker could not start"));

    // A bad k is named.
    k.set_value("zero");
    k.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    run.click();
    leptos::task::tick().await;
    let error: web_sys::HtmlElement = find(&root, "error").unwrap();
    assert!(error.text_content().unwrap().contains("k must be a whole number"), "{:?}", error.text_content());
}

#[wasm_bindgen_test]
async fn answers_about_a_replaced_file_are_ignored() {
    let state = AppState::new();
    state.file_request.set(2);
    state.apply(Response { id: 1, body: ResponseBody::Failed { message: "old".into() } });
    assert_eq!(state.error.get_untracked(), None);
    state.apply(Response { id: 2, body: ResponseBody::Failed { message: "new".into() } });
    assert_eq!(state.error.get_untracked().as_deref(), Some("new"));
}
