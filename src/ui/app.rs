//! The page: load a file, review its columns and the cleaning, choose k, run, see the
//! segments, download them.

use leptos::prelude::*;

use super::components::{
    apply_model::ApplyModel,
    cleaning_controls::CleaningControls, cleaning_report::CleaningReportView, download_button::DownloadButton,
    file_info::FileInfo, file_picker::FilePicker, preview_table::PreviewTable, profile_table::ProfileTable,
    run_controls::RunControls, scatter_chart::ScatterChart, segment_cards::SegmentCards, segment_sizes::SegmentSizes,
    status_line::StatusLine,
};
use super::state::{Actions, AppState};
use crate::worker::client::{WorkerClient, WORKER_URL};

/// The whole app. Starts the worker and provides [`AppState`] and [`Actions`] to components.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    let actions = Actions::new(state);
    match WorkerClient::start(WORKER_URL, move |response| {
        if let Some(next) = state.apply(response) {
            actions.follow_up(next);
        }
    }) {
        Ok(client) => actions.attach(client),
        Err(e) => state.error.set(Some(format!("the background worker could not start ({e:?}): reload the page"))),
    }
    provide_context(state);
    provide_context(actions);
    let loaded = move || state.file.with(Option::is_some);

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
                <StatusLine/>
                <ApplyModel/>
            </section>
            <Show when=loaded>
                <section class="panel" aria-labelledby="review-heading">
                    <h2 id="review-heading">"2 · Review the data"</h2>
                    <FileInfo/>
                    <PreviewTable/>
                    <ProfileTable/>
                    <CleaningControls/>
                    <CleaningReportView/>
                </section>
            </Show>
            <section class="panel" aria-labelledby="run-heading">
                <h2 id="run-heading">"3 · Segment"</h2>
                <RunControls/>
            </section>
            <Show when=move || state.report.with(Option::is_some)>
                <section class="panel" aria-labelledby="result-heading">
                    <h2 id="result-heading">"4 · Segments"</h2>
                    <SegmentCards/>
                    <ScatterChart/>
                    <SegmentSizes/>
                    <DownloadButton/>
                </section>
            </Show>
        </main>
    }
}
