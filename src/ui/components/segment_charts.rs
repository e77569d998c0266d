//! The segments drawn three ways: sizes (`chart-sizes`), a profile heatmap
//! (`chart-heatmap`), and one feature's distribution in each segment
//! (`chart-distribution`, feature chosen with `distribution-select`).

use leptos::prelude::*;

use crate::ui::defer::{defer, hand_on_hits};
use plotters::prelude::IntoDrawingArea;
use plotters_canvas::CanvasBackend;

use super::chart_export::{to_svg, ChartExport};
use super::hover_canvas::HoverCanvas;
use crate::charts::hits::Hit;
use crate::charts::segments::{draw_distribution, draw_heatmap, draw_sizes};
use crate::core::pipeline::segment_names;
use crate::ui::state::AppState;

#[derive(Clone, Copy, PartialEq)]
enum Which {
    Sizes,
    Heatmap,
    Distribution,
}

const SIZE: (u32, u32) = (760, 420);

fn draw_into<DB: plotters::prelude::DrawingBackend>(
    root: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    which: Which,
    state: AppState,
    feature: usize,
) -> Result<Vec<Hit>, String> {
    state.report.with_untracked(|r| {
        let Some(r) = r else { return Err("no segments yet".to_owned()) };
        let s = &r.segmentation;
        let names = segment_names(s, &state.segment_names.get_untracked());
        match which {
            Which::Sizes => draw_sizes(root, s, &names),
            Which::Heatmap => draw_heatmap(root, s, &names),
            Which::Distribution => draw_distribution(root, s, feature, &names),
        }
        .map_err(|e| format!("{e:?}"))
    })
}

#[component]
fn SegmentChart(which: Which, name: &'static str, caption: &'static str, feature: RwSignal<usize>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let drawn = RwSignal::new(false);
    let hits = RwSignal::new(Vec::<Hit>::new());
    Effect::new(move |_| {
        let Some(canvas) = canvas.get() else { return };
        state.report.track();
        state.segment_names.track();
        let f = feature.get();
        defer(move || {
            if state.report.with_untracked(Option::is_none) {
                return; // cleared since: nothing to draw
            }
            let Some(backend) = CanvasBackend::with_canvas_object(canvas) else { return };
            match draw_into(&backend.into_drawing_area(), which, state, f) {
                // The chart may have been removed since (a new file): nothing to mark then.
                Ok(found) => hand_on_hits(hits, drawn, found),
                Err(e) => state.error.set(Some(format!("could not draw the {name} chart: {e}"))),
            }
        });
    });
    let svg = Callback::new(move |()| to_svg(SIZE, |root| draw_into(root, which, state, feature.get_untracked())));
    view! {
        <figure class="chart">
            <figcaption>{caption} " " <ChartExport name=name canvas=canvas svg=svg/></figcaption>
            <HoverCanvas node_ref=canvas hits=hits width=SIZE.0 height=SIZE.1 test_id=format!("chart-{name}") drawn=drawn
                label=format!("{caption} The arrow keys read each segment's numbers.")/>
        </figure>
    }
}

#[component]
pub fn SegmentCharts() -> impl IntoView {
    let state = expect_context::<AppState>();
    let feature = RwSignal::new(0usize);
    let unused = RwSignal::new(0usize);
    let names = move || state.report.with(|r| r.as_ref().map(|r| r.segmentation.feature_names.clone()).unwrap_or_default());
    view! {
        <SegmentChart which=Which::Sizes name="sizes" caption="How many customers each segment holds." feature=unused/>
        <SegmentChart which=Which::Heatmap name="heatmap"
            caption="Each segment's mean per feature, in the data's units; orange above the average, blue below." feature=unused/>
        <label class="axis-select">
            "Distribution of "
            <select data-testid="distribution-select" on:change=move |ev| {
                if let Ok(i) = event_target_value(&ev).parse::<usize>() {
                    feature.set(i);
                }
            }>
                {move || names().into_iter().enumerate().map(|(i, n)| view! {
                    <option value=i.to_string() selected=move || feature.get() == i>{n}</option>
                }).collect_view()}
            </select>
        </label>
        <SegmentChart which=Which::Distribution name="distribution"
            caption="One feature in each segment: box from the 1st to the 3rd quartile, line at the median, cross at the mean, whiskers to min and max." feature=feature/>
    }
}
