//! A card per segment (`segment-card`): its name (editable, `segment-name`; the name flows
//! into every export), size and share, a sentence on what sets it apart, the product or
//! category it over-indexes on most (`preferences`, `data-top` the column), a suggested
//! action (editable, `segment-action`, `data-rule`; into the summary export), and each
//! feature's mean and median beside the whole's, in the data's own units.

use crate::core::stability::StabilityLevel;
use leptos::prelude::*;

use crate::charts::palette::segment_css;
use crate::core::clean::format_value;
use crate::core::pipeline::Segmentation;
use crate::ui::state::AppState;

use super::value_share::resolved;

/// Features listed on a card at most (beyond, the ones that differ most).
const CARD_FEATURES: usize = 12;

fn number(v: f64) -> String {
    if v.is_finite() {
        format_value((v * 100.0).round() / 100.0)
    } else {
        "–".to_owned()
    }
}

#[component]
fn SegmentCard(segmentation: Segmentation, index: usize) -> impl IntoView {
    let state = expect_context::<AppState>();
    let Some(segment) = segmentation.segments.get(index).cloned() else {
        return ().into_any();
    };
    let generated = segment.name.clone();
    let label = format!("Name of segment {}", index + 1);
    // Preferences and the suggested action follow the value and spend columns in use.
    let values = StoredValue::new(segmentation.values.clone());
    let action_label = format!("Action for segment {} (yours, or the suggestion)", index + 1);
    let suggested = move || {
        let (value, prefs) = resolved(state);
        values.with_value(|v| v.actions(&value, &prefs).into_iter().nth(index))
    };
    // The features that separate the segments most (η²) lead; a wide file shows those that
    // set this segment apart most, not a table of hundreds.
    let mut shown: Vec<(&crate::core::segments::OverallFeature, &crate::core::segments::FeatureInSegment)> =
        segmentation.overall.iter().zip(&segment.features).collect();
    let hidden = shown.len().saturating_sub(CARD_FEATURES);
    if hidden > 0 {
        shown.sort_by(|a, b| b.1.z.abs().total_cmp(&a.1.z.abs()));
        shown.truncate(CARD_FEATURES);
    }
    let rank = |name: &str| segmentation.separation.iter().position(|s| s.name == name).unwrap_or(usize::MAX);
    shown.sort_by_key(|(o, _)| rank(&o.name));
    let rows = shown
        .into_iter()
        .map(|(o, f)| {
            let class = if f.z >= 0.5 {
                "above"
            } else if f.z <= -0.5 {
                "below"
            } else {
                ""
            };
            view! {
                <tr class=class>
                    <th scope="row">{o.name.clone()}</th>
                    <td class="num">{number(f.mean)}</td>
                    <td class="num">{number(f.median)}</td>
                    <td class="num muted">{number(o.mean)}</td>
                    <td class="num muted">{number(o.median)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <article class="segment-card" data-testid="segment-card" data-segment=(index + 1).to_string()
            data-size=segment.size.to_string() data-name=segment.name.clone()>
            <header>
                <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true">
                    <circle cx="5" cy="5" r="5" fill=segment_css(index)></circle>
                </svg>
                <span class="segment-number">{format!("Segment {}", index + 1)}</span>
                <span class="segment-size">{format!("{} customers · {:.1}%", segment.size, segment.share * 100.0)}</span>
            </header>
            <textarea class="segment-name" data-testid="segment-name" aria-label=label rows="2"
                prop:value=move || state.segment_names.with(|n| n.get(index).filter(|s| !s.is_empty()).cloned()).unwrap_or_else(|| generated.clone())
                on:change=move |ev| {
                    let name = event_target_value(&ev);
                    state.segment_names.update(|names| {
                        if let Some(slot) = names.get_mut(index) {
                            *slot = name;
                        }
                    });
                }></textarea>
            <p class="segment-summary">{segment.summary.clone()}</p>
            {move || {
                let (_, prefs) = resolved(state);
                values.with_value(|v| {
                    let sentence = v.preference_sentence(index, &prefs)?;
                    let top = v.preferences(index, &prefs).into_iter().next().map(|p| p.name).unwrap_or_default();
                    Some(view! { <p class="preferences" data-testid="preferences" data-top=top>{sentence}</p> })
                })
            }}
            <label class="segment-action-label">
                "Action"
                <textarea class="segment-action" data-testid="segment-action" aria-label=action_label rows="3"
                    data-rule=move || suggested().map_or("", |a| a.rule.as_str())
                    prop:value=move || state.segment_actions.with(|a| a.get(index).filter(|s| !s.is_empty()).cloned())
                        .unwrap_or_else(|| suggested().map(|a| a.text).unwrap_or_default())
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        state.segment_actions.update(|actions| {
                            if let Some(slot) = actions.get_mut(index) {
                                *slot = text;
                            }
                        });
                    }></textarea>
            </label>
            {segmentation.stability_of(index).map(|j| {
                let level = StabilityLevel::of(j);
                let class = format!("stability stability-{}", match level {
                    StabilityLevel::HighlyStable => "high",
                    StabilityLevel::Stable => "ok",
                    StabilityLevel::Pattern => "pattern",
                    StabilityLevel::Unreliable => "low",
                });
                let basis = segmentation.stability.as_ref().map(|s| s.basis()).unwrap_or_default();
                view! {
                    <p class=class data-testid="segment-stability" data-jaccard=format!("{j:.3}") data-level=level.words()
                        title=format!("{}. Mean Jaccard similarity to its best match over {basis}.", level.meaning())>
                        {format!("Stability {j:.2}: {}", level.words())}
                    </p>
                }
            })}
            {segment.caution.clone().map(|caution| view! {
                <p class="warning" data-testid="read-warning" data-kind="tiny-segment">{caution}</p>
            })}
            <table class="segment-numbers">
                <thead>
                    <tr>
                        <th scope="col">"Feature"</th>
                        <th scope="col">"Mean"</th>
                        <th scope="col">"Median"</th>
                        <th scope="col">"All: mean"</th>
                        <th scope="col">"All: median"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {(hidden > 0).then(|| view! {
                <p class="muted">{format!("The {CARD_FEATURES} features that set this segment apart most; {hidden} more are in the summary download.")}</p>
            })}
        </article>
    }
    .into_any()
}

#[component]
pub fn SegmentCards() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        {move || state.report.with(|r| r.as_ref().and_then(|r| r.segmentation.stability.as_ref().map(|st| view! {
            <p class="muted" data-testid="segment-stability-basis" data-ms=format!("{:.0}", r.stability_ms)>
                {format!(
                    "Stability of each segment: {}, each segment matched to its closest counterpart (mean Jaccard; {:.1} s).",
                    st.basis(),
                    r.stability_ms / 1000.0
                )}
            </p>
        })))}
        <div class="segment-cards" data-testid="segment-cards">
            {move || state.report.with(|r| r.as_ref().map(|r| {
                let s = r.segmentation.clone();
                (0..s.n_clusters()).map(|i| view! { <SegmentCard segmentation=s.clone() index=i/> }).collect_view()
            }))}
        </div>
    }
}
