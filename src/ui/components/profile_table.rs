//! The profile of every column (`profile-row`, with `data-column`, `data-kind`,
//! `data-missing`): its kind (overridable) and why, missing and distinct counts, a summary
//! and a histogram; and the per-column choices: use it as a feature, how to fill its
//! missing values, log-transform it.

use leptos::prelude::*;

use super::sparkline::Sparkline;
use crate::core::clean::{format_value, CleaningOptions, MissingStrategy, NumericFeature};
use crate::core::profile::{ColumnKind, ColumnProfile};
use crate::ui::state::{Actions, AppState};

const MISSING_CHOICES: [(&str, &str); 5] =
    [("exclude", "leave row out"), ("median", "median"), ("mean", "mean"), ("mode", "most frequent"), ("zero", "0")];

fn missing_key(strategy: MissingStrategy) -> &'static str {
    match strategy {
        MissingStrategy::Exclude => "exclude",
        MissingStrategy::Median => "median",
        MissingStrategy::Mean => "mean",
        MissingStrategy::Mode => "mode",
        MissingStrategy::Constant(_) => "zero",
    }
}

fn missing_from_key(key: &str) -> MissingStrategy {
    match key {
        "median" => MissingStrategy::Median,
        "mean" => MissingStrategy::Mean,
        "mode" => MissingStrategy::Mode,
        "zero" => MissingStrategy::Constant(0.0),
        _ => MissingStrategy::Exclude,
    }
}

/// Whether the column is used, and how, in the current choices.
fn usage(options: &Option<CleaningOptions>, column: usize) -> (bool, Option<NumericFeature>) {
    let Some(o) = options else { return (false, None) };
    let numeric = o.numeric.iter().find(|f| f.column == column).cloned();
    (numeric.is_some() || o.categorical.contains(&column), numeric)
}

fn summary_text(p: &ColumnProfile) -> String {
    match (&p.numeric, p.kind) {
        (Some(s), ColumnKind::Numeric) => format!(
            "min {} · median {} · max {} · mean {} · sd {}",
            format_value(s.min),
            format_value(s.median),
            format_value(s.max),
            format_value(s.mean),
            format_value(s.std)
        ),
        _ => p.top_values.iter().take(4).map(|(v, n)| format!("{v} ({n})")).collect::<Vec<_>>().join(", "),
    }
}

#[component]
fn ProfileRow(profile: ColumnProfile) -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    let column = profile.index;
    let kind = profile.kind;
    let usable = matches!(kind, ColumnKind::Numeric | ColumnKind::Boolean | ColumnKind::Categorical);
    let used = move || state.cleaning.with(|o| usage(o, column).0);
    let numeric_choice = move || state.cleaning.with(|o| usage(o, column).1);
    let toggle = move |on: bool| {
        actions.update_cleaning(|o| o.set_feature(column, on.then_some(kind == ColumnKind::Categorical)));
    };
    let name = profile.name.clone();
    let use_label = format!("Use {} as a feature", profile.name);
    let kind_label = format!("Kind of {}", profile.name);
    let missing_label = format!("Missing values in {}", profile.name);
    let log_label = format!("Log-transform {}", profile.name);
    let has_missing = profile.missing > 0;
    let suggest_log = profile.suggest_log;
    let histogram = profile.numeric.as_ref().filter(|_| kind == ColumnKind::Numeric).map(|s| s.histogram.clone());
    let distinct = format!("{}{}", profile.distinct, if profile.distinct_capped { "+" } else { "" });

    view! {
        <tr data-testid="profile-row" data-column=profile.name.clone() data-kind=kind.as_str()
            data-missing=profile.missing.to_string() class:used=used>
            <td>
                <input type="checkbox" aria-label=use_label disabled=!usable
                    prop:checked=used
                    on:change=move |ev| toggle(event_target_checked(&ev))/>
            </td>
            <th scope="row">
                <span class="column-name">{name}</span>
                <span class="reason">{profile.reason.clone()}</span>
            </th>
            <td>
                <select aria-label=kind_label on:change=move |ev| {
                    if let Some(k) = ColumnKind::parse(&event_target_value(&ev)) {
                        actions.set_kind(column, Some(k));
                    }
                }>
                    {ColumnKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=k == kind>{k.as_str()}</option>
                    }).collect_view()}
                </select>
                {profile.possibly_categorical.then(|| view! { <span class="badge">"codes?"</span> })}
                {profile.decimal_comma.then(|| view! { <span class="badge">"decimal comma"</span> })}
            </td>
            <td class="num">{profile.missing}</td>
            <td class="num">{distinct}</td>
            <td class="summary">{summary_text(&profile)}</td>
            <td>{histogram.map(|h| view! { <Sparkline histogram=h/> })}</td>
            <td>
                <Show when=move || has_missing && numeric_choice().is_some()>
                    <select aria-label=missing_label.clone() on:change=move |ev| {
                        let strategy = missing_from_key(&event_target_value(&ev));
                        actions.update_cleaning(|o| {
                            if let Some(f) = o.numeric.iter_mut().find(|f| f.column == column) {
                                f.missing = strategy;
                            }
                        });
                    }>
                        {MISSING_CHOICES.iter().map(|(key, text)| view! {
                            <option value=*key selected=move || numeric_choice().is_some_and(|f| missing_key(f.missing) == *key)>{*text}</option>
                        }).collect_view()}
                    </select>
                </Show>
            </td>
            <td>
                <Show when=move || kind == ColumnKind::Numeric && numeric_choice().is_some()>
                    <label class="log-choice">
                        <input type="checkbox" aria-label=log_label.clone()
                            prop:checked=move || numeric_choice().is_some_and(|f| f.log1p)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                actions.update_cleaning(|o| {
                                    if let Some(f) = o.numeric.iter_mut().find(|f| f.column == column) {
                                        f.log1p = on;
                                    }
                                });
                            }/>
                        "log"
                        {suggest_log.then(|| view! { <span class="badge">"suggested: skewed"</span> })}
                    </label>
                </Show>
            </td>
        </tr>
    }
}

/// Rows added per task: a wide file's profile is built over several short tasks, so the
/// main thread stays free (no task over 50 ms).
const ROWS_PER_TASK: usize = 4;

/// Shows `shown` more rows in a later task until all `total` are shown.
fn reveal(shown: RwSignal<usize>, total: usize, generation: RwSignal<u64>, at: u64) {
    crate::ui::defer::defer(move || {
        // A newer file started its own reveal, or the table is gone (disposed signals).
        if generation.try_get_untracked() != Some(at) {
            return;
        }
        let Some(so_far) = shown.try_get_untracked() else { return };
        let next = (so_far + ROWS_PER_TASK).min(total);
        if shown.try_set(next).is_some() {
            return;
        }
        if next < total {
            reveal(shown, total, generation, at);
        }
    });
}

#[component]
pub fn ProfileTable() -> impl IntoView {
    let state = expect_context::<AppState>();
    let shown = RwSignal::new(0usize);
    let generation = RwSignal::new(0u64);
    Effect::new(move |_| {
        let total = state.file.with(|f| f.as_ref().map_or(0, |f| f.columns.len()));
        let at = generation.get_untracked() + 1;
        generation.set(at);
        shown.set(0);
        reveal(shown, total, generation, at);
    });
    view! {
        <div class="table-scroll" tabindex="0" aria-label="Columns of the file">
            <table class="profile" data-testid="profile">
                <caption>"Columns: tick the ones to cluster on. Kinds are guessed from the values; change one if it is wrong."</caption>
                <thead>
                    <tr>
                        <th scope="col">"Use"</th>
                        <th scope="col">"Column"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Missing"</th>
                        <th scope="col">"Distinct"</th>
                        <th scope="col">"Values"</th>
                        <th scope="col">"Distribution"</th>
                        <th scope="col">"Fill missing"</th>
                        <th scope="col">"Transform"</th>
                    </tr>
                </thead>
                <tbody>
                    // Keyed rows: revealing more rows adds them without rebuilding the others.
                    <For
                        each=move || {
                            let n = shown.get();
                            let file = state.file_request.get();
                            state.file.with(|f| {
                                f.as_ref()
                                    .map(|f| f.columns.iter().take(n).cloned().map(|p| (file, p)).collect::<Vec<_>>())
                                    .unwrap_or_default()
                            })
                        }
                        key=|(file, p)| (*file, p.index, p.kind.as_str(), p.overridden, p.missing, p.invalid)
                        children=|(_, p)| view! { <ProfileRow profile=p/> }
                    />
                </tbody>
            </table>
        </div>
    }
}
