//! The PCA map (`chart-pca`): every segment on the first two principal components of the
//! scaled features, when there are more than two features.

use leptos::prelude::*;
use plotters::prelude::IntoDrawingArea;
use plotters_canvas::CanvasBackend;

use crate::charts::scatter::{draw_scatter, ScatterData};
use crate::ui::state::AppState;

#[component]
pub fn PcaChart() -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let drawn = RwSignal::new(false);
    let has_map = move || state.report.with(|r| r.as_ref().is_some_and(|r| r.segmentation.pca.is_some()));
    let labels = move || {
        state.report.with(|r| {
            let ratio = r.as_ref().and_then(|r| r.segmentation.pca.as_ref()).map(|p| p.explained_ratio.clone()).unwrap_or_default();
            let pc = |i: usize| format!("PC{} ({:.0}% of the variance)", i + 1, 100.0 * ratio.get(i).copied().unwrap_or(0.0));
            (pc(0), pc(1))
        })
    };

    Effect::new(move |_| {
        let Some(canvas) = canvas.get() else { return };
        let (x_label, y_label) = labels();
        state.report.with(|report| {
            let Some(report) = report else { return };
            let s = &report.segmentation;
            let Some(pca) = &s.pca else { return };
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
            let Some(backend) = CanvasBackend::with_canvas_object(canvas) else { return };
            match draw_scatter(&backend.into_drawing_area(), &data) {
                Ok(()) => drawn.set(true),
                Err(e) => state.error.set(Some(format!("could not draw the PCA map: {e:?}"))),
            }
        });
    });

    view! {
        <Show when=has_map>
            <figure class="chart">
                <figcaption>"Map of the segments: the two directions along which customers differ most (principal components of the scaled features)."</figcaption>
                <canvas node_ref=canvas width="760" height="480" data-testid="chart-pca"
                    data-drawn=move || drawn.get().to_string() role="img"
                    aria-label=move || { let (x, y) = labels(); format!("PCA map of the segments: {y} against {x}, centres marked with crosses") }></canvas>
            </figure>
        </Show>
    }
}
