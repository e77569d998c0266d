//! The page: load a file, choose k, run, see the segments, download them.

use leptos::prelude::*;

use super::components::{
    download_button::DownloadButton, file_picker::FilePicker, run_controls::RunControls,
    scatter_chart::ScatterChart, segment_sizes::SegmentSizes, status_line::StatusLine,
};
use super::state::{Actions, AppState};
use crate::worker::client::{WorkerClient, WORKER_URL};

/// The whole app. Starts the worker and provides [`AppState`] and [`Actions`] to components.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    let client = WorkerClient::start(WORKER_URL, move |response| state.apply(response));
    let actions = match client {
        Ok(client) => Actions::new(state, Some(client)),
        Err(e) => {
            state.error.set(Some(format!("the background worker could not start ({e:?}): reload the page")));
            Actions::new(state, None)
        }
    };
    provide_context(state);
    provide_context(actions);

    view! {
        <header class="masthead">
            <h1>"Customer Segmentation"</h1>
            <p class="tagline">
                "Drop a CSV of customers, get segments. Your data stays in this browser tab: nothing is uploaded."
            </p>
        </header>
        <main data-testid="app" data-ready=move || state.worker_ready.get().to_string()>
            <section class="panel" aria-labelledby="load-heading">
                <h2 id="load-heading">"1 · Load"</h2>
                <FilePicker/>
            </section>
            <section class="panel" aria-labelledby="run-heading">
                <h2 id="run-heading">"2 · Segment"</h2>
                <RunControls/>
                <StatusLine/>
            </section>
            <Show when=move || state.report.with(Option::is_some)>
                <section class="panel" aria-labelledby="result-heading">
                    <h2 id="result-heading">"3 · Segments"</h2>
                    <ScatterChart/>
                    <SegmentSizes/>
                    <DownloadButton/>
                </section>
            </Show>
        </main>
    }
}
