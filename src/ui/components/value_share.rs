//! Value per segment (`chart-value-share`): each segment's share of the customers beside
//! its share of the value, a money column the worker guessed or the user picks
//! (`value-column`, among the file's numeric columns, or the total of the marked spend
//! columns), with the same numbers as a table (`value-share-row` with `data-customers` and
//! `data-value`, shares of 1). The product or category spend columns behind each card's
//! preferences are marked here (`preference-column` checkboxes). Everything is computed on
//! the page from the per-segment sums the worker sent; the summary export gets the same
//! choices (`AppState::value_choice`).

use leptos::prelude::*;
use plotters::prelude::IntoDrawingArea;
use plotters_canvas::CanvasBackend;

use super::chart_export::{to_svg, ChartExport};
use super::hover_canvas::HoverCanvas;
use crate::charts::hits::Hit;
use crate::charts::value::draw_value_share;
use crate::core::pipeline::segment_names;
use crate::core::value::{rounded_percents, ValueChoice};
use crate::ui::defer::{defer, hand_on_hits};
use crate::ui::state::AppState;

const SIZE: (u32, u32) = (760, 400);

/// The select's value for "the total of the marked spend columns".
const TOTAL: &str = "total";

/// The value and preference columns in use: the user's, else the worker's guesses (tracked).
pub fn resolved(state: AppState) -> (Vec<usize>, Vec<usize>) {
    let choice =
        ValueChoice { value_columns: state.value_columns.get(), preference_columns: state.preference_columns.get(), actions: vec![] };
    state.report.with(|r| r.as_ref().map(|r| r.segmentation.values.resolve(&choice)).unwrap_or_default())
}

/// Draws the chart for the current choices; `None` when there is no value to share.
fn draw_into<DB: plotters::prelude::DrawingBackend>(
    root: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    state: AppState,
    value: &[usize],
) -> Option<Result<Vec<Hit>, String>> {
    state.report.with_untracked(|r| {
        let s = &r.as_ref()?.segmentation;
        let shares = s.values.shares(value)?;
        let names = segment_names(s, &state.segment_names.get_untracked());
        Some(draw_value_share(root, &shares, &s.values.value_word(value), &names).map_err(|e| format!("{e:?}")))
    })
}

#[component]
pub fn ValueShare() -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let hits = RwSignal::new(Vec::<Hit>::new());
    let drawn = RwSignal::new(false);
    let has_columns = move || state.report.with(|r| r.as_ref().is_some_and(|r| !r.segmentation.values.columns.is_empty()));
    let current = Memo::new(move |_| resolved(state));

    Effect::new(move |_| {
        let Some(canvas) = canvas.get() else { return };
        state.report.track();
        state.segment_names.track();
        let (value, _) = current.get();
        let _ = drawn.try_set(false);
        defer(move || {
            if state.report.with_untracked(Option::is_none) {
                return;
            }
            let Some(backend) = CanvasBackend::with_canvas_object(canvas) else { return };
            let root = backend.into_drawing_area();
            match draw_into(&root, state, &value) {
                Some(Ok(h)) => hand_on_hits(hits, drawn, h),
                Some(Err(e)) => {
                    let _ = state.error.try_set(Some(format!("could not draw the value chart: {e}")));
                }
                None => {
                    // Nothing to share: a blank canvas, no stale bars.
                    let _ = root.fill(&plotters::style::colors::WHITE);
                    let _ = hits.try_set(Vec::new());
                }
            }
        });
    });
    let svg = Callback::new(move |()| {
        let (value, _) = current.get_untracked();
        to_svg(SIZE, |root| draw_into(root, state, &value).unwrap_or_else(|| Err("no value column".to_owned())))
    });

    let on_value = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        if v == TOTAL {
            let (_, prefs) = current.get_untracked();
            state.value_columns.set(Some(prefs));
        } else if let Ok(c) = v.parse::<usize>() {
            state.value_columns.set(Some(vec![c]));
        }
    };
    let options = move || {
        let (value, prefs) = current.get();
        let total_selected = value.len() > 1;
        let columns: Vec<(usize, String)> = state.report.with(|r| {
            r.as_ref().map(|r| r.segmentation.values.columns.iter().map(|c| (c.column, c.name.clone())).collect()).unwrap_or_default()
        });
        let mut out: Vec<AnyView> = Vec::new();
        if prefs.len() >= 2 {
            out.push(
                view! {
                    <option value=TOTAL selected=total_selected>{format!("Total of the {} marked spend columns", prefs.len())}</option>
                }
                .into_any(),
            );
        }
        if value.is_empty() {
            out.push(view! { <option value="" selected=true disabled=true>"Pick a money column"</option> }.into_any());
        }
        for (c, name) in columns {
            let selected = !total_selected && value.first() == Some(&c);
            out.push(view! { <option value=c.to_string() selected=selected>{name}</option> }.into_any());
        }
        out
    };
    let reason = move || {
        let guessed = state.value_columns.with(Option::is_none);
        state.report.with(|r| {
            let v = &r.as_ref()?.segmentation.values;
            Some(if guessed { format!("Guessed: {}.", v.value_reason) } else { "Your choice.".to_owned() })
        })
    };
    let toggle = move |column: usize, on: bool| {
        let (_, mut prefs) = current.get_untracked();
        prefs.retain(|&c| c != column);
        if on {
            prefs.push(column);
            prefs.sort_unstable();
        }
        // A value that was the total of the marked columns follows them.
        let (value, old) = current.get_untracked();
        if value.len() > 1 && value == old {
            state.value_columns.set(Some(prefs.clone()));
        }
        state.preference_columns.set(Some(prefs));
    };
    let boxes = move || {
        let (_, prefs) = current.get();
        let columns: Vec<(usize, String)> = state.report.with(|r| {
            r.as_ref()
                .map(|r| r.segmentation.values.columns.iter().filter(|c| c.non_negative()).map(|c| (c.column, c.name.clone())).collect())
                .unwrap_or_default()
        });
        columns
            .into_iter()
            .map(|(c, name)| {
                let on = prefs.contains(&c);
                view! {
                    <label class="choice">
                        <input type="checkbox" data-testid="preference-column" data-column=name.clone() prop:checked=on
                            on:change=move |ev| toggle(c, event_target_checked(&ev))/>
                        {format!(" {name}")}
                    </label>
                }
            })
            .collect_view()
    };
    let preference_reason = move || {
        let guessed = state.preference_columns.with(Option::is_none);
        state.report.with(|r| {
            let v = &r.as_ref()?.segmentation.values;
            Some(if guessed { format!("Guessed: {}.", v.preference_reason) } else { "Your choice.".to_owned() })
        })
    };
    let rows = move || {
        let (value, _) = current.get();
        let names = state.segment_names.get();
        state.report.with(|r| {
            let s = &r.as_ref()?.segmentation;
            let Some(shares) = s.values.shares(&value) else {
                return Some(
                    view! { <p class="muted" data-testid="value-share-none">"Pick a money column with no negative values to compare shares."</p> }
                        .into_any(),
                );
            };
            let word = s.values.value_word(&value);
            let names = segment_names(s, &names);
            let (cp, vp) = (rounded_percents(&shares.customers), rounded_percents(&shares.value));
            let body = (0..shares.value.len())
                .map(|i| {
                    let c = shares.customers.get(i).copied().unwrap_or(0.0);
                    let v = shares.value.get(i).copied().unwrap_or(0.0);
                    view! {
                        <tr data-testid="value-share-row" data-segment=(i + 1).to_string() data-customers=format!("{c:.6}")
                            data-value=format!("{v:.6}")>
                            <th scope="row">{format!("Segment {}", i + 1)} " " <span class="muted">{names.get(i).cloned().unwrap_or_default()}</span></th>
                            <td>{format!("{}% of customers, {}% of {word}", cp.get(i).copied().unwrap_or(0), vp.get(i).copied().unwrap_or(0))}</td>
                        </tr>
                    }
                })
                .collect_view();
            Some(
                view! {
                    <table class="value-share-table" data-testid="value-share-table" data-label=shares.label.clone()>
                        <caption>{format!("Share of customers and of {}", shares.label)}</caption>
                        <tbody>{body}</tbody>
                    </table>
                }
                .into_any(),
            )
        })
    };
    let label = Signal::derive(move || {
        let (value, _) = current.get();
        let word = state.report.with(|r| r.as_ref().map(|r| r.segmentation.values.value_word(&value)).unwrap_or_default());
        format!("Each segment's share of customers beside its share of {word}")
    });

    view! {
        <Show when=has_columns>
            <figure class="chart value-share">
                <figcaption>
                    "Value per segment: the pale bar is the segment's share of customers, the solid bar its share of the value. "
                    <ChartExport name="value-share" canvas=canvas svg=svg/>
                </figcaption>
                <label class="axis-select">
                    "Value column "
                    <select data-testid="value-column" on:change=on_value>{options}</select>
                </label>
                <p class="muted" data-testid="value-reason">{reason}</p>
                <HoverCanvas node_ref=canvas hits=hits width=SIZE.0 height=SIZE.1 test_id="chart-value-share" drawn=drawn label=label/>
                {rows}
                <fieldset class="preference-columns">
                    <legend>"Product or category spend columns (for each segment's preferences)"</legend>
                    {boxes}
                    <p class="muted" data-testid="preference-reason">{preference_reason}</p>
                </fieldset>
            </figure>
        </Show>
    }
}
