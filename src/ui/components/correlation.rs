//! How the numeric columns move together, before any run: the heatmap of r
//! (`chart-correlation`), Pearson or Spearman (`correlation-method`), the strongest pairs in
//! words (`correlation-pair`), near-duplicates (|r| ≥ 0.9) with a button that leaves one
//! out of the features (`leave-out`, `data-column`), and what it was computed on
//! (`correlation-basis`). The worker computes it with the profile (`FileSummary::explore`).
//!
//! The canvas' `data-pairs` lists the ten strongest pairs of the method shown, strongest
//! first: `A~B:0.72;C~D:-0.65`, each `name~name:r` with r to two decimals (ASCII minus), pairs
//! separated by `;`; a `~`, `:` or `;` inside a column name is written `_`.

use leptos::prelude::*;
use plotters::prelude::IntoDrawingArea;
use plotters_canvas::CanvasBackend;

use super::hover_canvas::HoverCanvas;
use crate::charts::correlation::{draw_correlation, format_r, size};
use crate::charts::hits::Hit;
use crate::core::correlation::{Correlations, Method, Pair, NEAR_DUPLICATE};
use crate::ui::defer::{defer, hand_on_hits};
use crate::ui::state::{Actions, AppState};

/// Pairs listed in words below the heatmap, and from which |r| on.
const PAIRS_IN_WORDS: usize = 5;
const WORTH_SAYING: f64 = 0.3;

fn attribute_name(name: &str) -> String {
    name.replace(['~', ':', ';'], "_")
}

/// The `data-pairs` text (see the module's documentation).
pub fn pairs_attribute(c: &Correlations, method: Method) -> String {
    let name = |i: usize| c.names.get(i).map_or_else(String::new, |n| attribute_name(n));
    c.strongest_pairs(method).iter().take(10).map(|p| format!("{}~{}:{:.2}", name(p.a), name(p.b), p.r)).collect::<Vec<_>>().join(";")
}

/// "Income and MntWines move together (r = 0.58)".
fn pair_sentence(c: &Correlations, p: &Pair) -> String {
    let (a, b) = (c.names.get(p.a).map_or("", String::as_str), c.names.get(p.b).map_or("", String::as_str));
    let how = if p.r >= 0.0 { "move together" } else { "move in opposite directions" };
    format!("{a} and {b} {how} (r = {})", format_r(p.r))
}

#[component]
pub fn CorrelationView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    let method = RwSignal::new(Method::Pearson);
    let hits = RwSignal::new(Vec::<Hit>::new());
    let drawn = RwSignal::new(false);
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let correlations = Memo::new(move |_| state.file.with(|f| f.as_ref().and_then(|f| f.explore.as_ref()).map(|e| e.correlations.clone())));
    let d = Memo::new(move |_| correlations.with(|c| c.as_ref().map_or(0, Correlations::len)));

    Effect::new(move |_| {
        let Some(canvas) = canvas.get() else { return };
        let m = method.get();
        let Some(c) = correlations.get() else { return };
        let pairs = pairs_attribute(&c, m);
        let _ = canvas.set_attribute("data-pairs", &pairs);
        let _ = canvas.set_attribute("data-method", m.as_str());
        defer(move || {
            let Some(backend) = CanvasBackend::with_canvas_object(canvas) else { return };
            match draw_correlation(&backend.into_drawing_area(), &c, m) {
                // The chart may be gone by now (a new file): nothing to update then.
                Ok(h) => hand_on_hits(hits, drawn, h),
                Err(e) => {
                    let _ = state.error.try_set(Some(format!("could not draw the correlations: {e:?}")));
                }
            }
        });
    });

    let feature_columns =
        move || state.cleaning.with(|o| o.as_ref().map(|o| o.numeric.iter().map(|f| f.column).collect::<Vec<_>>()).unwrap_or_default());
    let words = move || {
        let m = method.get();
        correlations.with(|c| {
            let c = c.as_ref()?;
            let pairs: Vec<Pair> = c.strongest_pairs(m).into_iter().filter(|p| p.r.abs() >= WORTH_SAYING).take(PAIRS_IN_WORDS).collect();
            let items = if pairs.is_empty() {
                view! { <li>{format!("No two numeric columns are clearly related: every |r| is below {WORTH_SAYING}.")}</li> }.into_any()
            } else {
                pairs.iter().map(|p| view! { <li data-testid="correlation-pair">{pair_sentence(c, p)}</li> }).collect_view().into_any()
            };
            Some(view! { <ul class="correlation-pairs">{items}</ul> })
        })
    };
    let duplicates = move || {
        let m = method.get();
        let features = feature_columns();
        correlations.with(|c| {
            let c = c.as_ref()?;
            let near: Vec<Pair> = c.strongest_pairs(m).into_iter().filter(|p| p.r.abs() >= NEAR_DUPLICATE).collect();
            if near.is_empty() {
                return None;
            }
            let items = near
                .iter()
                .map(|p| {
                    let (a, b) = (c.names.get(p.a).cloned().unwrap_or_default(), c.names.get(p.b).cloned().unwrap_or_default());
                    let (col_a, col_b) = (c.columns.get(p.a).copied(), c.columns.get(p.b).copied());
                    let used = |col: Option<usize>| col.is_some_and(|col| features.contains(&col));
                    let text = format!(
                        "{a} and {b} are near-duplicates (r = {}): clustering on both counts the same thing twice. ",
                        format_r(p.r)
                    );
                    // The later column is offered to leave out; when one is out already, nothing to do.
                    let action = match (used(col_a), used(col_b), col_b) {
                        (true, true, Some(column)) => {
                            let label = format!("Leave {b} out");
                            view! {
                                <button type="button" class="secondary small" data-testid="leave-out" data-column=b.clone()
                                    on:click=move |_| actions.update_cleaning(|o| o.numeric.retain(|f| f.column != column))>
                                    {label}
                                </button>
                            }
                            .into_any()
                        }
                        (true, false, _) => view! { <span>{format!("{b} is not a feature.")}</span> }.into_any(),
                        (false, _, _) => view! { <span>{format!("{a} is not a feature.")}</span> }.into_any(),
                        _ => ().into_any(),
                    };
                    view! { <li data-testid="near-duplicate">{text}{action}</li> }
                })
                .collect_view();
            Some(view! { <ul class="near-duplicates">{items}</ul> })
        })
    };
    let basis = move || {
        correlations.with(|c| {
            let c = c.as_ref()?;
            let mut text = format!("Computed on {}, each pair on the rows where both are filled in.", c.basis());
            if !c.left_out.is_empty() {
                text.push_str(&format!(
                    " The heatmap shows {} numeric columns; {} more are left out of it: {}.",
                    c.len(),
                    c.left_out.len(),
                    c.left_out.join(", ")
                ));
            }
            Some(text)
        })
    };
    let label = Signal::derive(move || format!("Correlations of the numeric columns ({}), as a heatmap of r", method.get().title()));

    let enough = move || d.get() > 1;

    view! {
        <Show when=enough>
            <figure class="chart correlation">
                <figcaption>
                    "How the numeric columns move together: r from −1 (opposite) through 0 (unrelated) to 1 (together); orange together, blue opposite. "
                    <label class="choice">
                        "Method "
                        <select data-testid="correlation-method" on:change=move |ev| {
                            method.set(if event_target_value(&ev) == "spearman" { Method::Spearman } else { Method::Pearson });
                        }>
                            <option value="pearson" selected=move || method.get() == Method::Pearson>"Pearson (straight lines)"</option>
                            <option value="spearman" selected=move || method.get() == Method::Spearman>"Spearman (ranks: any steady rise or fall)"</option>
                        </select>
                    </label>
                </figcaption>
                {move || {
                    let (width, height) = size(d.get());
                    view! { <HoverCanvas node_ref=canvas hits=hits width=width height=height test_id="chart-correlation" drawn=drawn label=label/> }
                }}
                <p class="basis" data-testid="correlation-basis">{basis}</p>
                {words}
                {duplicates}
            </figure>
        </Show>
    }
}
