//! The scatter (`chart-scatter`) on a canvas, with a choice of feature on each axis.

use leptos::prelude::*;

use crate::ui::canvas::BatchedCanvas;
use crate::ui::defer::{defer, hand_on_hits};
use plotters::prelude::IntoDrawingArea;

use super::chart_export::{to_svg, ChartExport};
use super::hover_canvas::HoverCanvas;
use crate::charts::hits::Hit;
use crate::charts::scatter::{draw_scatter, draw_scatter_points, scatter_hits_of, ScatterData};
use crate::core::pipeline::segment_names;
use crate::ui::state::AppState;

/// A `<select>` of the segmentation's features bound to `selected`.
#[component]
fn AxisSelect(label: &'static str, test_id: &'static str, selected: RwSignal<usize>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let names = move || state.report.with(|r| r.as_ref().map(|r| r.segmentation.feature_names.clone()).unwrap_or_default());
    view! {
        <label class="axis-select">
            {label}
            <select
                data-testid=test_id
                on:change=move |ev| {
                    if let Ok(i) = event_target_value(&ev).parse::<usize>() {
                        selected.set(i);
                    }
                }
                prop:value=move || selected.get().to_string()
            >
                {move || names().into_iter().enumerate().map(|(i, name)| {
                    view! { <option value=i.to_string() selected=move || selected.get() == i>{name}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

/// `f` given the scatter of the current segmentation and axes (an error without segments).
fn with_data<T>(state: AppState, f: impl FnOnce(&ScatterData<'_>) -> T) -> Result<T, String> {
    let (x, y) = (state.x_feature.get_untracked(), state.y_feature.get_untracked());
    state.report.with_untracked(|report| {
        let Some(report) = report else { return Err("no segments yet".to_owned()) };
        let s = &report.segmentation;
        let centers: Vec<f64> = s.segments.iter().flat_map(|seg| seg.features.iter().map(|f| f.mean)).collect();
        let names = segment_names(s, &state.segment_names.get_untracked());
        let shown = if x == y { vec![x] } else { vec![x, y] };
        let data = ScatterData {
            values: &s.chart_values,
            n_features: s.feature_names.len(),
            labels: &s.chart_labels,
            centers: &centers,
            n_clusters: s.n_clusters(),
            x,
            y,
            x_label: s.feature_names.get(x).map_or("", String::as_str),
            y_label: s.feature_names.get(y).map_or("", String::as_str),
            ids: &s.chart_ids,
            segment_names: &names,
            detail_names: &s.feature_names,
            detail_values: &s.chart_values,
            detail_centers: &centers,
            detail_shown: &shown,
        };
        Ok(f(&data))
    })
}

/// Draws the scatter on any backend: the canvas, or SVG for the download; returns the hits
/// (each customer with the two values drawn).
fn draw_current<DB: plotters::prelude::DrawingBackend>(
    root: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    state: AppState,
) -> Result<Vec<Hit>, String> {
    with_data(state, |data| draw_scatter(root, data).map_err(|e| format!("{e:?}")))?
}

/// Draws a scatter (this one, or the PCA map) on the canvas in this task, and words the
/// tooltips of its thousands of points in the next ones, [`HITS_PER_TASK`] a task (together
/// they took one task past 50 ms): `drawn` once all are done. `with_data` gives the current scatter to its
/// argument, or says why there is none.
pub(super) fn draw_on_canvas(
    canvas: web_sys::HtmlCanvasElement,
    hits: RwSignal<Vec<Hit>>,
    drawn: RwSignal<bool>,
    with_data: impl Fn(&mut dyn FnMut(&ScatterData<'_>)) -> Result<(), String> + 'static,
) -> Result<(), String> {
    let Some(backend) = BatchedCanvas::new(canvas) else { return Ok(()) };
    let root = backend.into_drawing_area();
    let mut placed = Ok(Vec::new());
    with_data(&mut |data| placed = draw_scatter_points(&root, data).map_err(|e| format!("{e:?}")))?;
    let placed = std::rc::Rc::new(placed?);
    drop(root);
    let with_data = std::rc::Rc::new(with_data);
    let collected = std::rc::Rc::new(std::cell::RefCell::new(Vec::<Hit>::with_capacity(placed.len())));
    let n = placed.len();
    let parts: Vec<usize> = (0..n.max(1)).step_by(HITS_PER_TASK).collect();
    let last = parts.len().saturating_sub(1);
    for (part, start) in parts.into_iter().enumerate() {
        let (placed, with_data, collected) = (placed.clone(), with_data.clone(), collected.clone());
        defer(move || {
            // The report may have changed since: its own drawing words its own tooltips.
            let mut found = Vec::new();
            if with_data(&mut |data| found = scatter_hits_of(data, &placed, start..(start + HITS_PER_TASK).min(n))).is_err() {
                return;
            }
            collected.borrow_mut().extend(found);
            if part == last {
                hand_on_hits(hits, drawn, std::mem::take(&mut *collected.borrow_mut()));
            }
        });
    }
    Ok(())
}

/// Tooltips worded per task: 5,000 of them took 25–30 ms of one task on this 2-core machine.
const HITS_PER_TASK: usize = 1_500;

#[component]
pub fn ScatterChart() -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let drawn = RwSignal::new(false);
    let hits = RwSignal::new(Vec::<Hit>::new());

    Effect::new(move |_| {
        let Some(canvas) = canvas.get() else { return };
        state.x_feature.track();
        state.y_feature.track();
        state.report.track();
        state.segment_names.track();
        defer(move || {
            if state.report.with_untracked(Option::is_none) {
                return; // cleared since: nothing to draw
            }
            if let Err(e) = draw_on_canvas(canvas, hits, drawn, move |f| with_data(state, |d| f(d))) {
                state.error.set(Some(format!("could not draw the chart: {e}")));
            }
        });
    });
    let svg = Callback::new(move |()| to_svg((760, 480), |root| draw_current(root, state)));

    view! {
        <div class="chart">
            <div class="axis-controls">
                <AxisSelect label="Horizontal axis" test_id="x-select" selected=state.x_feature/>
                <AxisSelect label="Vertical axis" test_id="y-select" selected=state.y_feature/>
                <ChartExport name="scatter" canvas=canvas svg=svg/>
            </div>
            <HoverCanvas
                node_ref=canvas
                hits=hits
                width=760
                height=480
                test_id="chart-scatter"
                drawn=drawn
                label=Signal::derive(move || {
                    let names = state.report.with(|r| r.as_ref().map(|r| r.segmentation.feature_names.clone()).unwrap_or_default());
                    format!(
                        "Scatter of {} against {}, coloured by segment, centres marked with crosses; the arrow keys read the centres, then each customer",
                        names.get(state.y_feature.get()).cloned().unwrap_or_default(),
                        names.get(state.x_feature.get()).cloned().unwrap_or_default()
                    )
                })
            />
        </div>
    }
}
