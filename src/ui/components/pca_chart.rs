//! The PCA map (`chart-pca`): every segment on the first two principal components of the
//! scaled features, when there are more than two features.

use leptos::prelude::*;

use crate::ui::defer::defer;

use super::chart_export::{to_svg, ChartExport};
use super::hover_canvas::HoverCanvas;
use crate::charts::hits::Hit;
use crate::charts::scatter::{draw_scatter, ScatterData};
use crate::core::pipeline::segment_names;
use crate::ui::state::AppState;

/// Axis titles: the components with the share of the variance each explains.
fn axis_labels(state: AppState) -> (String, String) {
    state.report.with_untracked(|r| {
        let ratio = r.as_ref().and_then(|r| r.segmentation.pca.as_ref()).map(|p| p.explained_ratio.clone()).unwrap_or_default();
        let pc = |i: usize| format!("PC{} ({:.0}% of the variance)", i + 1, 100.0 * ratio.get(i).copied().unwrap_or(0.0));
        (pc(0), pc(1))
    })
}

/// Features a point's tooltip lists on the map (the first ones of the segmentation).
const TOOLTIP_FEATURES: usize = 6;

/// `f` given the PCA map of the current segmentation (an error without one).
fn with_data<T>(state: AppState, f: impl FnOnce(&ScatterData<'_>) -> T) -> Result<T, String> {
    let (x_label, y_label) = axis_labels(state);
    state.report.with_untracked(|report| {
        let Some(report) = report else { return Err("no segments yet".to_owned()) };
        let s = &report.segmentation;
        let Some(pca) = &s.pca else { return Err("no PCA map for two features or fewer".to_owned()) };
        let means: Vec<f64> = s.segments.iter().flat_map(|seg| seg.features.iter().map(|f| f.mean)).collect();
        let names = segment_names(s, &state.segment_names.get_untracked());
        let shown: Vec<usize> = (0..s.feature_names.len().min(TOOLTIP_FEATURES)).collect();
        let data = ScatterData {
            values: &pca.points,
            n_features: 2,
            labels: &s.chart_labels,
            centers: &pca.centers,
            n_clusters: s.n_clusters(),
            x: 0,
            y: 1,
            x_label: &x_label,
            y_label: &y_label,
            ids: &s.chart_ids,
            segment_names: &names,
            detail_names: &s.feature_names,
            detail_values: &s.chart_values,
            detail_centers: &means,
            detail_shown: &shown,
        };
        Ok(f(&data))
    })
}

/// Draws the PCA map on any backend (canvas or SVG); returns the hits (each customer with
/// its values in the data's units, not on the components).
fn draw_current<DB: plotters::prelude::DrawingBackend>(
    root: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    state: AppState,
) -> Result<Vec<Hit>, String> {
    with_data(state, |data| draw_scatter(root, data).map_err(|e| format!("{e:?}")))?
}

#[component]
pub fn PcaChart() -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let drawn = RwSignal::new(false);
    let hits = RwSignal::new(Vec::<Hit>::new());
    let has_map = move || state.report.with(|r| r.as_ref().is_some_and(|r| r.segmentation.pca.is_some()));
    let labels = move || {
        state.report.track();
        axis_labels(state)
    };

    Effect::new(move |_| {
        let Some(canvas) = canvas.get() else { return };
        state.report.track();
        state.segment_names.track();
        defer(move || {
            if state.report.with_untracked(Option::is_none) {
                return; // cleared since: nothing to draw
            }
            // No map (two features or fewer): nothing drawn, nothing said.
            let _ = super::scatter_chart::draw_on_canvas(canvas, hits, drawn, move |f| with_data(state, |d| f(d)));
        });
    });
    let svg = Callback::new(move |()| to_svg((760, 480), |root| draw_current(root, state)));

    view! {
        <Show when=has_map>
            <figure class="chart">
                <figcaption>"Map of the segments: the two directions along which customers differ most (principal components of the scaled features). "
                    <ChartExport name="pca" canvas=canvas svg=svg/></figcaption>
                <HoverCanvas node_ref=canvas hits=hits width=760 height=480 test_id="chart-pca" drawn=drawn
                    label=Signal::derive(move || { let (x, y) = labels(); format!("PCA map of the segments: {y} against {x}, centres marked with crosses; the arrow keys read the centres, then each customer") })/>
            </figure>
        </Show>
    }
}
