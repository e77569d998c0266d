//! The page: load a file, review its columns and the cleaning, choose k, run, see the
//! segments, download them.

use leptos::prelude::*;

use super::components::correlation::CorrelationView;
use super::components::pair_plot::PairPlot;
use super::components::value_share::ValueShare;
use super::components::{
    apply_model::ApplyModel, cleaning_controls::CleaningControls, cleaning_report::CleaningReportView, compare::Compare,
    download_button::DownloadButton, file_info::FileInfo, file_picker::FilePicker, k_choice::KChoice, later::Later, pca_chart::PcaChart,
    preview_table::PreviewTable, profile_table::ProfileTable, run_controls::RunControls, scatter_chart::ScatterChart,
    segment_cards::SegmentCards, segment_charts::SegmentCharts, segment_sizes::SegmentSizes, separation::Separation,
    status_line::StatusLine, transactions::Transactions,
};
use super::settings;
use super::state::{Actions, AppState};

/// The whole app. Starts the worker and provides [`AppState`] and [`Actions`] to components.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    let actions = Actions::new(state);
    // The client now, so a file chosen at once waits in its queue; the worker's code (about
    // half a megabyte) is fetched once the page has painted (`Actions::start_worker`).
    actions.start_worker();
    provide_context(state);
    provide_context(actions);
    // The app replaces the first screen painted before its code arrived (index.html); a
    // file chosen there meanwhile is read now.
    if let Some(file) = super::shell::take_over() {
        actions.load(file);
    }
    // Settings (never data) are kept for the next visit.
    Effect::new(move |_| {
        let k = state.k_from_user.get().then(|| state.k_text.get());
        state.cleaning.with(|c| {
            if let Some(s) = settings::Settings::from_choices(k, c.as_ref()) {
                settings::save(&s);
            }
        });
    });
    let loaded = move || state.file.with(Option::is_some);
    // `?test-hooks` in the address: a button that makes the worker run out of memory, for
    // the end-to-end tests of the page's recovery.
    let test_hooks = web_sys::window().and_then(|w| w.location().search().ok()).is_some_and(|q| q.contains("test-hooks"));

    view! {
        <header class="masthead">
            <h1>"Customer Segmentation"</h1>
            <p class="tagline">"Drop a CSV of customers, get named segments you can act on."</p>
            <p class="privacy" data-testid="privacy">
                "Your data never leaves this page: the file is read and clustered inside your browser, "
                "and the page is only allowed to talk to the server it came from (its Content-Security-Policy). "
                "To check: open your browser's developer tools, Network tab, and watch: no request is made "
                "while you load, segment and download. After the first visit it also works offline."
            </p>
            <button type="button" class="secondary start-over" data-testid="start-over" on:click=move |_| actions.start_over()>
                "Start over"
            </button>
        </header>
        <main data-testid="app" data-ready=move || state.worker_ready.get().to_string()>
            <section class="panel" aria-labelledby="load-heading">
                <h2 id="load-heading">"1 · Load"</h2>
                <FilePicker/>
                {test_hooks.then(|| view! {
                    <button type="button" class="secondary" data-testid="test-crash" on:click=move |_| actions.crash_worker_for_test()>
                        "Test: make the worker run out of memory"
                    </button>
                })}
                <StatusLine/>
                <ApplyModel/>
            </section>
            <Show when=loaded>
                <section class="panel" aria-labelledby="review-heading">
                    <h2 id="review-heading">"2 · Review the data"</h2>
                    <FileInfo/>
                    <Later><Transactions/></Later>
                    <Later><PreviewTable/></Later>
                    <ProfileTable/>
                    <Later><CorrelationView/></Later>
                    <Later><PairPlot/></Later>
                    <Later><CleaningControls/></Later>
                    <Later><CleaningReportView/></Later>
                </section>
            </Show>
            <section class="panel" aria-labelledby="run-heading">
                <h2 id="run-heading">"3 · Choose k"</h2>
                <KChoice/>
                <RunControls/>
            </section>
            <Show when=move || state.report.with(Option::is_some)>
                <section class="panel" aria-labelledby="result-heading">
                    <h2 id="result-heading">"4 · Segments"</h2>
                    <SegmentCards/>
                    <Separation/>
                    <ValueShare/>
                    <Compare/>
                    <ScatterChart/>
                    <PcaChart/>
                    <SegmentSizes/>
                    <SegmentCharts/>
                    <DownloadButton/>
                </section>
            </Show>
        </main>
    }
}
