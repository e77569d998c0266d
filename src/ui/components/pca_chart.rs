//! The PCA map (`chart-pca`): every segment on the first two principal components of the
//! scaled features, when there are more than two features.

use leptos::prelude::*;

use crate::ui::defer::defer;
use plotters::prelude::IntoDrawingArea;
use plotters_canvas::CanvasBackend;

use super::chart_export::{to_svg, ChartExport};
use crate::charts::scatter::{draw_scatter, ScatterData};
use crate::ui::state::AppState;

/// Axis titles: the components with the share of the variance each explains.
fn axis_labels(state: AppState) -> (String, String) {
    state.report.with_untracked(|r| {
        let ratio = r.as_ref().and_then(|r| r.segmentation.pca.as_ref()).map(|p| p.explained_ratio.clone()).unwrap_or_default();
        let pc = |i: usize| format!("PC{} ({:.0}% of the variance)", i + 1, 100.0 * ratio.get(i).copied().unwrap_or(0.0));
        (pc(0), pc(1))
    })
}

/// Draws the PCA map of the current segmentation on any backend (canvas or SVG).
fn draw_current<DB: plotters::prelude::DrawingBackend>(
    root: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    state: AppState,
) -> Result<(), String> {
    let (x_label, y_label) = axis_labels(state);
    state.report.with_untracked(|report| {
        let Some(report) = report else { return Err("no segments yet".to_owned()) };
        let s = &report.segmentation;
        let Some(pca) = &s.pca else { return Err("no PCA map for two features or fewer".to_owned()) };
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
        };
        draw_scatter(root, &data).map_err(|e| format!("{e:?}"))
    })
}

#[component]
pub fn PcaChart() -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let drawn = RwSignal::new(false);
    let has_map = move || state.report.with(|r| r.as_ref().is_some_and(|r| r.segmentation.pca.is_some()));
    let labels = move || {
        state.report.track();
        axis_labels(state)
    };

    Effect::new(move |_| {
        let Some(canvas) = canvas.get() else { return };
        state.report.track();
        defer(move || {
            if state.report.with_untracked(Option::is_none) {
                return; // cleared since: nothing to draw
            }
            let Some(backend) = CanvasBackend::with_canvas_object(canvas) else { return };
            if draw_current(&backend.into_drawing_area(), state).is_ok() {
                let _ = drawn.try_set(true);
            }
        });
    });
    let svg = Callback::new(move |()| to_svg((760, 480), |root| draw_current(root, state)));

    view! {
        <Show when=has_map>
            <figure class="chart">
                <figcaption>"Map of the segments: the two directions along which customers differ most (principal components of the scaled features). "
                    <ChartExport name="pca" canvas=canvas svg=svg/></figcaption>
                <canvas node_ref=canvas width="760" height="480" data-testid="chart-pca"
                    data-drawn=move || drawn.get().to_string() role="img"
                    aria-label=move || { let (x, y) = labels(); format!("PCA map of the segments: {y} against {x}, centres marked with crosses") }></canvas>
            </figure>
        </Show>
    }
}
