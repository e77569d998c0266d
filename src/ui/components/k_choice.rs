//! Choosing k: the elbow chart with the knee marked (`chart-elbow`), the scores per k in a
//! table (`k-metrics`), the recommended k with its reason (`k-reason`), and what the sweep
//! ran on (`sweep-basis`: every row, or the seeded sample of a big file).

use leptos::prelude::*;

use crate::ui::defer::{defer, hand_on_hits};
use plotters::prelude::IntoDrawingArea;
use plotters_canvas::CanvasBackend;

use super::chart_export::{to_svg, ChartExport};
use super::hover_canvas::HoverCanvas;
use crate::charts::elbow::{draw_elbow, ElbowData};
use crate::charts::hits::Hit;
use crate::core::k_selection::KRule;
use crate::ui::state::AppState;

fn fixed(v: Option<f64>, digits: usize) -> String {
    v.filter(|v| v.is_finite()).map_or_else(|| "–".to_owned(), |v| format!("{v:.digits$}"))
}

/// Draws the elbow chart of the current sweep on any backend (canvas or SVG); returns its
/// hits, one per k with the scores of the table.
fn draw_current<DB: plotters::prelude::DrawingBackend>(
    root: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    state: AppState,
) -> Result<Vec<Hit>, String> {
    state.sweep.with_untracked(|sweep| {
        let Some(report) = sweep else { return Err("no sweep yet".to_owned()) };
        let s = &report.sweep;
        let ks: Vec<usize> = s.scores.iter().map(|x| x.k).collect();
        let inertia: Vec<f64> = s.scores.iter().map(|x| x.inertia).collect();
        let silhouette: Vec<f64> = s.scores.iter().map(|x| x.silhouette.unwrap_or(f64::NAN)).collect();
        let details: Vec<String> = s
            .scores
            .iter()
            .map(|x| {
                let mut lines = Vec::new();
                if let Some(v) = x.calinski_harabasz.filter(|v| v.is_finite()) {
                    lines.push(format!("Calinski–Harabasz: {v:.1}"));
                }
                if let Some(v) = x.davies_bouldin.filter(|v| v.is_finite()) {
                    lines.push(format!("Davies–Bouldin: {v:.3}"));
                }
                match (x.gap, x.gap_se) {
                    (Some(g), Some(se)) => lines.push(format!("Gap: {g:.3} ± {se:.3}")),
                    (Some(g), None) => lines.push(format!("Gap: {g:.3}")),
                    _ => {}
                }
                match (x.stability, x.stability_min) {
                    (Some(m), Some(l)) => lines.push(format!("Stability: {m:.2} (least {l:.2})")),
                    (Some(m), None) => lines.push(format!("Stability: {m:.2}")),
                    _ => {}
                }
                if let Some(v) = x.valley {
                    lines.push(format!("Density between neighbours: {:.0}%", 100.0 * v));
                }
                lines.join("\n")
            })
            .collect();
        let data = ElbowData {
            ks: &ks,
            inertia: &inertia,
            silhouette: &silhouette,
            knee: s.knee,
            recommended: s.recommendation.as_ref().map(|r| r.k),
            rule: s.recommendation.as_ref().map(|r| r.rule.label()),
            details: &details,
        };
        draw_elbow(root, &data).map_err(|e| format!("{e:?}"))
    })
}

#[component]
pub fn KChoice() -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let drawn = RwSignal::new(false);
    let hits = RwSignal::new(Vec::<Hit>::new());

    Effect::new(move |_| {
        let Some(canvas) = canvas.get() else { return };
        state.sweep.track();
        defer(move || {
            if state.sweep.with_untracked(Option::is_none) {
                return; // cleared since: nothing to draw
            }
            let Some(backend) = CanvasBackend::with_canvas_object(canvas) else { return };
            match draw_current(&backend.into_drawing_area(), state) {
                // The chart may have been removed since (a new file): nothing to mark then.
                Ok(found) => hand_on_hits(hits, drawn, found),
                Err(e) => state.error.set(Some(format!("could not draw the elbow chart: {e}"))),
            }
        });
    });
    let svg = Callback::new(move |()| to_svg((720, 360), |root| draw_current(root, state)));

    view! {
        <Show when=move || state.sweep.with(Option::is_some)>
            <div class="k-choice">
                {move || state.sweep.with(|s| s.as_ref().map(|r| {
                    let reason = r.sweep.recommendation.as_ref().map_or_else(
                        || "No clear recommendation: pick the k that gives segments you can act on.".to_owned(),
                        |rec| rec.reason.clone(),
                    );
                    let k = r.sweep.recommendation.as_ref().map(|rec| rec.k);
                    let continuum = r.sweep.recommendation.as_ref().is_some_and(|rec| rec.rule == KRule::NoClearSegments);
                    let verdict = continuum.then(|| view! {
                        <p class="warning no-clear-segments" data-testid="no-clear-segments" role="status">
                            <strong>"No clear segments. "</strong>
                            "These customers do not fall into separate groups: whatever k you choose, neighbouring segments run into each other, so they are bands along a continuum rather than groups. You can still segment (the k below is the best-scoring way to cut it); read the segments as ranges, not types."
                        </p>
                    });
                    let basis = r.sweep.basis().map(|basis| view! {
                        <p class="sweep-basis" data-testid="sweep-basis"
                            data-sample-rows=r.sweep.sample_rows.map(|m| m.to_string())
                            data-total-rows=r.sweep.total_rows.to_string()
                            data-runs=r.n_runs.to_string()>{basis}</p>
                    });
                    view! {
                        {verdict}
                        <p class="k-reason" data-testid="k-reason" data-k=k.map(|k| k.to_string())
                            data-rule=r.sweep.recommendation.as_ref().map(|rec| format!("{:?}", rec.rule))>
                            <strong>{k.map_or_else(String::new, |k| if continuum { format!("If you segment anyway: k = {k}. ") } else { format!("Recommended: k = {k}. ") })}</strong>
                            {reason}
                        </p>
                        {basis}
                        {r.sweep.stability_basis.clone().map(|b| view! {
                            <p class="muted" data-testid="stability-basis">{format!("Stability: {b}, for every k.")}</p>
                        })}
                    }
                }))}
                <ChartExport name="elbow" canvas=canvas svg=svg/>
                <HoverCanvas node_ref=canvas hits=hits width=720 height=360 test_id="chart-elbow" drawn=drawn
                    label=Signal::derive(move || state.sweep.with(|s| s.as_ref().map_or_else(String::new, |r| format!(
                        "Elbow chart of inertia and silhouette for k = 2 to {}{}; the arrow keys read each k's scores",
                        r.sweep.scores.last().map_or(0, |x| x.k),
                        r.sweep.knee.map_or_else(String::new, |k| format!("; the knee is at k = {k}"))
                    ))))/>
                <div class="table-scroll" tabindex="0" aria-label="Scores for each k">
                    <table data-testid="k-metrics" class="k-metrics">
                        <caption>{move || state.sweep.with(|s| s.as_ref().map_or_else(String::new, |r| format!(
                            "Scores for each k ({} run{} each; silhouette on {} rows{}). Higher silhouette, Calinski–Harabasz and gap, lower Davies–Bouldin are better; stability is the mean bootstrap Jaccard of the segments (least stable in brackets); density between neighbours is the lowest density between each segment and its nearest one, as a share of the lower peak (low: they stand apart; 100%: two segments run into each other).",
                            r.n_runs, if r.n_runs == 1 { "" } else { "s" }, r.sweep.silhouette_rows,
                            if r.sweep.silhouette_exact { "" } else { ", one uniform sample, the same rows at every k" }
                        )))}</caption>
                        <thead>
                            <tr>
                                <th scope="col">"k"</th>
                                <th scope="col">"Inertia"</th>
                                <th scope="col">"Silhouette"</th>
                                <th scope="col">"Calinski–Harabasz"</th>
                                <th scope="col">"Davies–Bouldin"</th>
                                <th scope="col">"Gap (± SE)"</th>
                                <th scope="col">"Stability (least)"</th>
                                <th scope="col">"Density between neighbours"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {move || state.sweep.with(|s| s.as_ref().map(|r| {
                                let recommended = r.sweep.recommendation.as_ref().map(|x| x.k);
                                r.sweep.scores.iter().map(|x| view! {
                                    <tr class:recommended=recommended == Some(x.k) data-k=x.k.to_string()>
                                        <th scope="row">{x.k}</th>
                                        <td class="num">{fixed(Some(x.inertia), 1)}</td>
                                        <td class="num">{fixed(x.silhouette, 3)}</td>
                                        <td class="num">{fixed(x.calinski_harabasz, 1)}</td>
                                        <td class="num">{fixed(x.davies_bouldin, 3)}</td>
                                        <td class="num nowrap" data-testid="k-gap">{match (x.gap, x.gap_se) {
                                            (Some(g), Some(se)) => format!("{g:.3} ± {se:.3}"),
                                            (g, _) => fixed(g, 3),
                                        }}</td>
                                        <td class="num nowrap" data-testid="k-stability" data-stability=x.stability.map(|v| format!("{v:.3}"))>{match (x.stability, x.stability_min) {
                                            (Some(m), Some(l)) => format!("{m:.2} ({l:.2})"),
                                            (m, _) => fixed(m, 2),
                                        }}</td>
                                        <td class="num">{x.valley.map_or_else(|| "–".to_owned(), |v| format!("{:.0}%", 100.0 * v))}</td>
                                    </tr>
                                }).collect_view()
                            }))}
                        </tbody>
                    </table>
                </div>
            </div>
        </Show>
    }
}
