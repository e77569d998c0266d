//! A column's histogram as a small inline SVG (attributes, not styles: the CSP allows it).

use leptos::prelude::*;

use crate::core::profile::Histogram;

#[component]
pub fn Sparkline(histogram: Histogram) -> impl IntoView {
    let max = histogram.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = histogram.counts.len().max(1) as f64;
    let width = 100.0 / n;
    view! {
        <svg class="sparkline" viewBox="0 0 100 24" preserveAspectRatio="none" role="img"
            aria-label=format!("histogram from {} to {}", histogram.lo, histogram.hi)>
            {histogram.counts.iter().enumerate().map(|(i, &c)| {
                let h = 24.0 * c as f64 / max;
                view! {
                    <rect x=format!("{:.2}", i as f64 * width) y=format!("{:.2}", 24.0 - h)
                        width=format!("{:.2}", (width - 0.6).max(0.3)) height=format!("{h:.2}")></rect>
                }
            }).collect_view()}
        </svg>
    }
}
