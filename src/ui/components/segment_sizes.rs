//! A legend of segments with their size and share.

use leptos::prelude::*;

use crate::charts::palette::segment_css;
use crate::ui::state::AppState;

#[component]
pub fn SegmentSizes() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <ul class="segment-sizes" data-testid="segment-sizes">
            {move || state.report.with(|r| {
                let sizes: Vec<usize> = r.as_ref().map(|r| r.segmentation.segments.iter().map(|s| s.size).collect()).unwrap_or_default();
                let total: usize = sizes.iter().sum::<usize>().max(1);
                sizes.into_iter().enumerate().map(|(i, size)| {
                    let share = 100.0 * size as f64 / total as f64;
                    view! {
                        <li>
                            // An SVG fill, not an inline style: the CSP forbids inline styles.
                            <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true">
                                <circle cx="5" cy="5" r="5" fill=segment_css(i)></circle>
                            </svg>
                            {format!("Segment {}: {size} customers ({share:.1}%)", i + 1)}
                        </li>
                    }
                }).collect_view()
            })}
        </ul>
    }
}
