//! What happened, with timings (`status`), a progress bar while the worker is busy
//! (`progress`), what went wrong (`error`), and how many workers share the work (`workers`).

use leptos::prelude::*;

use crate::ui::state::{Actions, AppState};

#[component]
pub fn StatusLine() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    view! {
        <p class="status" data-testid="status" role="status" aria-live="polite"
            data-busy=move || state.busy.with(|b| b.is_some()).to_string()
            data-load-ms=move || state.file.with(|f| f.as_ref().map(|f| format!("{:.1}", f.elapsed_ms)))
            data-read-ms=move || state.file.with(|f| f.as_ref().map(|f| format!("{:.1}", f.read_ms)))
            data-segment-ms=move || state.report.with(|r| r.as_ref().map(|r| format!("{:.1}", r.elapsed_ms)))>
            {move || state.status_text()}
        </p>
        <p class="workers" data-testid="workers" data-workers=move || state.workers.get().to_string()>
            {move || match state.workers.get() {
                0 => "Working on one core (the page's background worker).".to_owned(),
                1 => "Working with 1 background worker (add ?workers=N to the address to choose how many).".to_owned(),
                n => format!("Working with {n} background workers side by side (add ?workers=N to the address to choose how many)."),
            }}
        </p>
        <Show when=move || state.busy.with(Option::is_some)>
            <button type="button" class="secondary cancel" data-testid="cancel" on:click=move |_| actions.cancel()>"Cancel"</button>
        </Show>
        <Show when=move || state.busy.with(|b| b.as_ref().is_some_and(|b| b.fraction.is_some()))>
            <progress
                class="progress"
                data-testid="progress"
                max="1"
                aria-label=move || state.busy.with(|b| b.as_ref().map(|b| b.stage.clone()).unwrap_or_default())
                prop:value=move || state.busy.with(|b| b.as_ref().and_then(|b| b.fraction).unwrap_or(0.0))
            ></progress>
        </Show>
        <Show when=move || state.error.with(Option::is_some)>
            <p class="error" data-testid="error" role="alert">
                {move || state.error.get().unwrap_or_default()}
            </p>
        </Show>
        {move || {
            state.report.with(|r| {
                r.as_ref()
                    .map(|r| r.segmentation.warnings.clone())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|w| view! { <p class="warning">{w}</p> })
                    .collect_view()
            })
        }}
    }
}
