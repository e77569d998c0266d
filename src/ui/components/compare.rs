//! Two segmentations of the same file compared (`compare-crosstab`): how many customers of
//! each earlier segment are in each new one, the largest flows in words, and how much the
//! two groupings agree. Shown after a second run (another k, other features) and when a
//! saved model is applied to the file segmented before.

use leptos::prelude::*;

use crate::core::compare::{agreement_words, Comparison};
use crate::ui::state::AppState;

/// The crosstab of one comparison.
#[component]
pub fn Crosstab(comparison: Comparison) -> impl IntoView {
    let Comparison { before_label, after_label, before, after, counts, flows, agreement, n_rows } = comparison;
    let header = after
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let short =
                if j < after.len() && name != crate::core::compare::NOT_SEGMENTED { format!("{} · {name}", j + 1) } else { name.clone() };
            view! { <th scope="col" title=name.clone()>{short}</th> }
        })
        .collect_view();
    let rows = before
        .iter()
        .zip(&counts)
        .enumerate()
        .map(|(i, (name, row))| {
            let total: usize = row.iter().sum();
            let cells = row
                .iter()
                .map(|&c| {
                    let share = c as f64 / total.max(1) as f64;
                    // Shade by the share of the row: where the earlier segment's customers went.
                    let style = format!(
                        "background: rgba(0, 114, 178, {:.2}); color: {}",
                        0.85 * share,
                        if share > 0.5 { "#fff" } else { "inherit" }
                    );
                    view! { <td class="num" style=style title=format!("{:.0}% of the row", 100.0 * share)>{c.to_string()}</td> }
                })
                .collect_view();
            let label = if name == crate::core::compare::NOT_SEGMENTED { name.clone() } else { format!("{} · {name}", i + 1) };
            view! {
                <tr>
                    <th scope="row" title=name.clone()>{label}</th>
                    {cells}
                    <td class="num muted">{total.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    let agreement_line = agreement
        .map(|a| format!("The two agree on {} (adjusted Rand index {a:.2} over the customers both segmented).", agreement_words(a)));
    view! {
        <div class="compare" data-testid="compare" data-agreement=agreement.map(|a| format!("{a:.3}")).unwrap_or_default()>
            <h3>"How customers moved"</h3>
            <p class="muted">{format!("From {before_label} (rows) to {after_label} (columns), all {n_rows} rows of the file.")}</p>
            {agreement_line.map(|l| view! { <p>{l}</p> })}
            <ul class="flows">{flows.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
            <div class="table-scroll" tabindex="0" aria-label="How customers moved between the two segmentations">
                <table data-testid="compare-crosstab" class="crosstab">
                    <thead>
                        <tr>
                            <th scope="col">"Earlier ↓ · now →"</th>
                            {header}
                            <th scope="col">"Rows"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </div>
    }
}

/// The comparison of the current segmentation with the one before it, if any.
#[component]
pub fn Compare() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || state.report.with(|r| r.as_ref().and_then(|r| r.comparison.clone()).map(|c| view! { <Crosstab comparison=c/> }))
}
