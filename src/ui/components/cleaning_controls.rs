//! The cleaning choices that apply to every feature: duplicates, outliers, one-hot size,
//! scaling, ragged rows.

use leptos::prelude::*;

use crate::core::clean::{CleaningOptions, DuplicatePolicy, OutlierPolicy, Scaling};
use crate::ui::state::{Actions, AppState};

fn duplicates_key(p: DuplicatePolicy) -> &'static str {
    match p {
        DuplicatePolicy::Keep => "keep",
        DuplicatePolicy::ExcludeExact => "exact",
        DuplicatePolicy::ExcludeIgnoringIds => "ignoring-ids",
    }
}

fn outliers_key(p: OutlierPolicy) -> &'static str {
    match p {
        OutlierPolicy::None => "none",
        OutlierPolicy::ClipPercentiles { .. } => "percentiles",
        OutlierPolicy::ClipIqr { .. } => "iqr",
    }
}

fn scaling_key(s: Scaling) -> &'static str {
    match s {
        Scaling::Standard => "standard",
        Scaling::MinMax => "min-max",
        Scaling::Robust => "robust",
        Scaling::None => "none",
    }
}

/// A labelled `<select>` bound to one cleaning choice.
#[component]
fn Choice(
    label: &'static str,
    test_id: &'static str,
    options: Vec<(&'static str, &'static str)>,
    current: Signal<&'static str>,
    on_pick: Callback<String>,
) -> impl IntoView {
    view! {
        <label class="choice">
            {label}
            <select data-testid=test_id on:change=move |ev| on_pick.run(event_target_value(&ev))>
                {options.into_iter().map(|(key, text)| view! {
                    <option value=key selected=move || current.get() == key>{text}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

#[component]
pub fn CleaningControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    let read = move |f: fn(&CleaningOptions) -> &'static str, default: &'static str| {
        Signal::derive(move || state.cleaning.with(|o| o.as_ref().map_or(default, f)))
    };

    view! {
        <fieldset class="cleaning-controls">
            <legend>"Cleaning"</legend>
            <Choice label="Duplicate rows " test_id="duplicates-select"
                options=vec![("keep", "keep (counted)"), ("exact", "leave out exact copies"), ("ignoring-ids", "leave out copies ignoring IDs")]
                current=read(|o| duplicates_key(o.duplicates), "keep")
                on_pick=Callback::new(move |key: String| actions.update_cleaning(|o| o.duplicates = match key.as_str() {
                    "exact" => DuplicatePolicy::ExcludeExact,
                    "ignoring-ids" => DuplicatePolicy::ExcludeIgnoringIds,
                    _ => DuplicatePolicy::Keep,
                }))/>
            <Choice label="Outliers " test_id="outliers-select"
                options=vec![("none", "keep as they are"), ("percentiles", "clip to 1st–99th percentile"), ("iqr", "clip to 1.5 × IQR fences")]
                current=read(|o| outliers_key(o.outliers), "none")
                on_pick=Callback::new(move |key: String| actions.update_cleaning(|o| o.outliers = OutlierPolicy::named(&key).unwrap_or_default()))/>
            <Choice label="Scaling " test_id="scaling-select"
                options=vec![("standard", "standard (z-score)"), ("min-max", "min–max"), ("robust", "robust (median, IQR)"), ("none", "none")]
                current=read(|o| scaling_key(o.scaling), "standard")
                on_pick=Callback::new(move |key: String| actions.update_cleaning(|o| o.scaling = match key.as_str() {
                    "min-max" => Scaling::MinMax,
                    "robust" => Scaling::Robust,
                    "none" => Scaling::None,
                    _ => Scaling::Standard,
                }))/>
            <label class="choice">
                "Categories kept per column "
                <input type="number" min="1" max="50" data-testid="one-hot-top"
                    prop:value=move || state.cleaning.with(|o| o.as_ref().map_or(10, |o| o.one_hot_top)).to_string()
                    on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                            actions.update_cleaning(|o| o.one_hot_top = n.clamp(1, 50));
                        }
                    }/>
            </label>
            <label class="choice">
                <input type="checkbox" data-testid="exclude-ragged"
                    prop:checked=move || state.cleaning.with(|o| o.as_ref().is_some_and(|o| o.exclude_ragged))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        actions.update_cleaning(|o| o.exclude_ragged = on);
                    }/>
                " Leave out rows with a wrong number of fields"
            </label>
        </fieldset>
    }
}
