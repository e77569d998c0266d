//! What happened, with timings (`status`), a progress bar while the worker is busy
//! (`progress`), what went wrong (`error`), and how many workers share the work (`workers`).

use leptos::prelude::*;

use crate::ui::state::{Actions, AppState};

#[component]
pub fn StatusLine() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    let (budget, budget_source) = crate::worker::client::fit_budget();
    view! {
        <p class="status" data-testid="status" role="status" aria-live="polite"
            data-busy=move || state.busy.with(|b| b.is_some()).to_string()
            data-load-ms=move || state.file.with(|f| f.as_ref().map(|f| format!("{:.1}", f.elapsed_ms)))
            data-read-ms=move || state.file.with(|f| f.as_ref().map(|f| format!("{:.1}", f.read_ms)))
            data-clean-ms=move || state.cleaned.with(|c| c.as_ref().map(|c| format!("{:.1}", c.elapsed_ms)))
            data-sweep-ms=move || state.sweep.with(|s| s.as_ref().map(|s| format!("{:.1}", s.elapsed_ms)))
            data-segment-ms=move || state.report.with(|r| r.as_ref().map(|r| format!("{:.1}", r.elapsed_ms)))
            data-fit-ms=move || state.report.with(|r| r.as_ref().map(|r| format!("{:.1}", r.fit_ms)))
            data-stability-ms=move || state.report.with(|r| r.as_ref().map(|r| format!("{:.1}", r.stability_ms)))>
            {move || state.status_text()}
        </p>
        <p class="workers" data-testid="workers" data-workers=move || state.workers.get().to_string() data-budget=budget.to_string()
            data-warm=move || state.warm.get().map(|w| w.outcome())
            data-warm-ms=move || state.warm.get().map(|w| format!("{:.1}", w.ms))
            data-split=move || state.report.with(|r| r.as_ref().and_then(|r| r.shared).map(|s| if s.by_rows { "rows" } else { "runs" }))
            data-finish-ms=move || state.report.with(|r| r.as_ref().and_then(|r| r.finishing.as_ref()).map(|f| format!("{:.1}", f.ms)))
            data-finish-iterations=move || state.report.with(|r| r.as_ref().and_then(|r| r.finishing.as_ref()).map(|f| f.iterations.to_string()))
            data-finish-initial=move || {
                state.report.with(|r| r.as_ref().and_then(|r| r.finishing.as_ref()).and_then(|f| serde_json::to_string(&f.initial).ok()))
            }>
            {move || match state.workers.get() {
                0 => "Working on one core (the page's background worker).".to_owned(),
                1 => "Working with 1 background worker (add ?workers=N to the address to choose how many).".to_owned(),
                n => format!("Working with {n} background workers side by side (add ?workers=N to the address to choose how many)."),
            }}
            {move || state.report.with(|r| {
                let r = r.as_ref()?;
                let s = r.shared?;
                let workers = format!("{} worker{}", s.helpers, if s.helpers == 1 { "" } else { "s" });
                Some(match (r.segmentation.starts_rows.is_some(), s.by_rows) {
                    (true, _) => format!(" The last fit's starts were shared out whole among {workers}, and the iterations of the run that finished it by rows."),
                    (false, true) => format!(" The last fit shared every iteration among {workers}, each holding a part of the rows."),
                    (false, false) => format!(" The last fit's runs were shared out whole among {workers}."),
                })
            })}
            {format!(
                " Memory set aside: {} ({budget_source}); a bigger file is read in pieces and a bigger matrix fitted on a sample of its rows.",
                memory_size(budget)
            )}
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
            state.file.with(|f| f.as_ref().and_then(|f| f.streamed.clone())).map(|s| {
                view! {
                    <p class="warning" data-testid="streamed" data-rows=s.sample_rows.to_string() data-total=s.total_rows.to_string()>
                        {format!(
                            "This file would take more than the memory set aside ({}) to hold whole, so it was read in pieces: all {} rows were counted, \
                             and the profile, the cleaning and the segments come from a seeded uniform sample of {} of them. \
                             The download reads the file again and gives every row its segment.",
                            memory_size(s.budget_bytes),
                            crate::core::stability::grouped(s.total_rows),
                            crate::core::stability::grouped(s.sample_rows)
                        )}
                    </p>
                }
            })
        }}
        {move || {
            let streamed = state.file.with(|f| f.as_ref().and_then(|f| f.streamed.as_ref().map(|s| s.total_rows)));
            state
                .report
                .with(|r| {
                    r.as_ref().and_then(|r| {
                        let s = &r.segmentation;
                        match (s.fit_rows, streamed) {
                            // A file read in pieces: the fit ran on the sample's rows.
                            (fit, Some(total)) => Some((fit.unwrap_or(s.n_clustered), total)),
                            (Some(fit), None) => Some((fit, s.n_clustered)),
                            (None, None) => None,
                        }
                    })
                })
                .map(|(m, n)| {
                    view! {
                        <p class="warning" data-testid="sampled-fit" data-rows=m.to_string()>
                            {format!(
                                "Fitted on a seeded sample of {} of the {} rows (the memory budget above); every row then got its nearest segment, and every row is in the download.",
                                crate::core::stability::grouped(m),
                                crate::core::stability::grouped(n)
                            )}
                        </p>
                    }
                })
        }}
        {move || {
            state.report.with(|r| {
                let s = &r.as_ref()?.segmentation;
                let starts = s.starts_rows?;
                let fitted = s.fit_rows.unwrap_or(s.n_clustered);
                Some(view! {
                    <p class="muted" data-testid="fit-starts" data-rows=starts.to_string()>
                        {format!(
                            "The fit's {} k-means++ starts were each run on a seeded sample of {} rows; the best was then fitted to all {} rows                              (as scikit-learn's MiniBatchKMeans chooses its start). A file of up to {} rows runs every start on every row.",
                            crate::core::kmeans::KMeansParams::new(1).n_runs,
                            crate::core::stability::grouped(starts),
                            crate::core::stability::grouped(fitted),
                            crate::core::stability::grouped(crate::core::pipeline::STARTS_SAMPLE_MIN_ROWS)
                        )}
                    </p>
                })
            })
        }}
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

/// `1.5 GB`, `300 MB`.
fn memory_size(bytes: u64) -> String {
    let gb = bytes as f64 / 1_073_741_824.0;
    if gb >= 1.0 {
        format!("{gb:.1} GB")
    } else {
        format!("{:.0} MB", bytes as f64 / 1_048_576.0)
    }
}
