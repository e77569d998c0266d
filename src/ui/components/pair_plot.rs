//! The pair plot (`chart-pairs`): up to six features (`pair-feature` checkboxes), every pair
//! as a small scatter and each feature's histogram on the diagonal. Before a run: a seeded
//! sample of the file's rows sent with the profile, in one colour; after a run: a seeded
//! sample of the segmentation's chart rows, coloured by segment, the features that separate
//! the segments most chosen first. Drawn one row of cells per task.

use crate::ui::canvas::BatchedCanvas;
use leptos::prelude::*;
use plotters::prelude::IntoDrawingArea;

use super::hover_canvas::HoverCanvas;
use crate::charts::hits::Hit;
use crate::charts::pairs::{draw_pair_cells, draw_pair_frame, PairData, MAX_FEATURES, MAX_POINTS, SIZE};
use crate::charts::palette::segment_css;
use crate::core::correlation::{grouped, SEED};
use crate::core::pipeline::segment_names;
use crate::ui::defer::defer;
use crate::ui::state::AppState;

/// Features chosen by default.
const DEFAULT_FEATURES: usize = 4;

/// The features on offer and the ones chosen by default: after a run the segmentation's
/// features (those that separate the segments most first), before it the numeric columns
/// (default features first).
fn offered(state: AppState) -> (Vec<String>, Vec<String>) {
    let after = state.report.with(|r| {
        r.as_ref().map(|r| {
            let s = &r.segmentation;
            let chosen = s.separation.iter().take(DEFAULT_FEATURES).map(|f| f.name.clone()).collect();
            (s.feature_names.clone(), chosen)
        })
    });
    after.unwrap_or_else(|| {
        state.file.with(|f| {
            let Some(e) = f.as_ref().and_then(|f| f.explore.as_ref()) else { return (Vec::new(), Vec::new()) };
            let n_default = e.correlations.n_default;
            let take = if n_default > 0 { n_default.min(DEFAULT_FEATURES) } else { DEFAULT_FEATURES };
            (e.sample.names.clone(), e.sample.names.iter().take(take).cloned().collect())
        })
    })
}

/// The data to draw for the chosen names, and the total rows it samples.
fn pair_data(state: AppState, chosen: &[String]) -> Option<(PairData, usize)> {
    let after = state.report.with_untracked(|r| {
        r.as_ref().map(|r| {
            let s = &r.segmentation;
            let index: Vec<usize> = chosen.iter().filter_map(|n| s.feature_names.iter().position(|f| f == n)).collect();
            let data =
                PairData::pick(&s.chart_values, s.feature_names.len(), &s.feature_names, &index, &s.chart_labels, &s.chart_ids, SEED);
            (data, s.n_clustered)
        })
    });
    after.or_else(|| {
        state.file.with_untracked(|f| {
            let e = f.as_ref()?.explore.as_ref()?;
            let sample = &e.sample;
            let index: Vec<usize> = chosen.iter().filter_map(|n| sample.names.iter().position(|f| f == n)).collect();
            let data = PairData::pick(&sample.values, sample.names.len(), &sample.names, &index, &[], &sample.ids, SEED);
            Some((data, sample.total_rows))
        })
    })
}

#[component]
pub fn PairPlot() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The user's choice (names); `None`: the default.
    let picked = RwSignal::new(None::<Vec<String>>);
    let hits = RwSignal::new(Vec::<Hit>::new());
    let drawn = RwSignal::new(false);
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let generation = StoredValue::new(0u64);
    let options = Memo::new(move |_| offered(state));
    // The names drawn: the user's that are on offer, else the default.
    let chosen = Memo::new(move |_| {
        let (names, default) = options.get();
        let mine: Vec<String> = picked.get().unwrap_or_default().into_iter().filter(|n| names.contains(n)).take(MAX_FEATURES).collect();
        if mine.is_empty() {
            default
        } else {
            mine
        }
    });
    let after_run = move || state.report.with(Option::is_some);
    let basis = RwSignal::new(String::new());

    Effect::new(move |_| {
        let Some(canvas) = canvas.get() else { return };
        let names = chosen.get();
        state.report.track();
        state.file.track();
        generation.update_value(|g| *g += 1);
        let current = generation.get_value();
        let Some((data, total)) = pair_data(state, &names) else { return };
        let grouped_run = !data.groups.is_empty();
        let unit = if grouped_run { "customers" } else { "rows" };
        let rows = data.n_rows();
        basis.set(if rows < total {
            format!("A seeded sample of {} of {} {}.", grouped(rows), grouped(total), if grouped_run { "clustered rows" } else { "rows" })
        } else {
            format!("All {} {}.", grouped(rows), if grouped_run { "clustered rows" } else { "rows" })
        });
        let p = data.n_features();
        let data = std::rc::Rc::new(data);
        let collected = std::rc::Rc::new(std::cell::RefCell::new(Vec::<Hit>::new()));
        let _ = drawn.try_set(false);
        // One cell per task: a 6 × 6 matrix of 2,000 points is 36 short tasks, each well
        // under 50 ms even while the workers keep both cores busy (a row a task took up to
        // 62 ms on this 2-core machine).
        let tasks: Vec<(usize, std::ops::Range<usize>)> =
            (0..p.max(1)).flat_map(|row| (0..p.max(1)).map(move |column| (row, column..column + 1))).collect();
        // The frame (background, names) first, in a task of its own; the hits go to the page
        // in a last one.
        {
            let (data, canvas) = (data.clone(), canvas.clone());
            defer(move || {
                if generation.try_get_value() != Some(current) {
                    return; // redrawn or removed since
                }
                let Some(backend) = BatchedCanvas::new(canvas) else { return };
                if let Err(e) = draw_pair_frame(&backend.into_drawing_area(), &data) {
                    let _ = state.error.try_set(Some(format!("could not draw the pair plot: {e:?}")));
                }
            });
        }
        for (row, columns) in tasks {
            let (data, collected, canvas) = (data.clone(), collected.clone(), canvas.clone());
            defer(move || {
                if generation.try_get_value() != Some(current) {
                    return; // redrawn or removed since
                }
                let Some(backend) = BatchedCanvas::new(canvas) else { return };
                match draw_pair_cells(&backend.into_drawing_area(), &data, row..row + 1, columns, unit) {
                    Ok(h) => collected.borrow_mut().extend(h),
                    Err(e) => {
                        let _ = state.error.try_set(Some(format!("could not draw the pair plot: {e:?}")));
                    }
                }
            });
        }
        defer(move || {
            if generation.try_get_value() == Some(current) {
                let _ = hits.try_set(std::mem::take(&mut *collected.borrow_mut()));
                let _ = drawn.try_set(true);
            }
        });
    });

    let toggle = move |name: String, on: bool| {
        let mut now = chosen.get_untracked();
        now.retain(|n| *n != name);
        if on && now.len() < MAX_FEATURES {
            now.push(name);
        }
        // Keep the order on offer, so the matrix does not reshuffle.
        let order = options.get_untracked().0;
        now.sort_by_key(|n| order.iter().position(|o| o == n));
        picked.set(Some(now));
    };
    let boxes = move || {
        let chosen_now = chosen.get();
        options
            .get()
            .0
            .into_iter()
            .map(|name| {
                let on = chosen_now.contains(&name);
                let full = chosen_now.len() >= MAX_FEATURES && !on;
                let n = name.clone();
                view! {
                    <label class="choice pair-choice">
                        <input type="checkbox" data-testid="pair-feature" value=name.clone() prop:checked=on disabled=full
                            on:change=move |ev| toggle(n.clone(), event_target_checked(&ev))/>
                        {format!(" {name}")}
                    </label>
                }
            })
            .collect_view()
    };
    let legend = move || {
        state.report.with(|r| {
            let r = r.as_ref()?;
            let names = segment_names(&r.segmentation, &state.segment_names.get());
            let items = names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    view! {
                        <li><span class="swatch" style=format!("background:{}", segment_css(i))></span>{format!("Segment {}: {n}", i + 1)}</li>
                    }
                })
                .collect_view();
            Some(view! { <ul class="pair-legend" data-testid="pair-legend">{items}</ul> })
        })
    };
    let label = Signal::derive(move || {
        let names = chosen.get().join(", ");
        if after_run() {
            format!("Pair plot of {names}, coloured by segment; each feature's histogram on the diagonal")
        } else {
            format!("Pair plot of {names}; each feature's histogram on the diagonal")
        }
    });

    view! {
        <Show when=move || !options.with(|o| o.0.is_empty())>
            <figure class="chart pair-plot">
                <figcaption>
                    {move || if after_run() {
                        "Pairs of features, coloured by segment: each small chart puts one feature against another; the diagonal shows each feature's histogram, bars stacked by segment."
                    } else {
                        "Pairs of features before segmenting: each small chart puts one feature against another; the diagonal shows each feature's histogram."
                    }}
                    {format!(" Up to {MAX_FEATURES} features, at most {} points.", grouped(MAX_POINTS))}
                </figcaption>
                <fieldset class="pair-features">
                    <legend>"Features in the pair plot"</legend>
                    {boxes}
                </fieldset>
                <HoverCanvas node_ref=canvas hits=hits width=SIZE.0 height=SIZE.1 test_id="chart-pairs" drawn=drawn label=label/>
                {legend}
                <p class="basis" data-testid="pairs-basis">{move || basis.get()}</p>
            </figure>
        </Show>
    }
}
