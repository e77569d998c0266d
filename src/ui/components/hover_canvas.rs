//! A chart's canvas with a tooltip (`chart-tooltip`): the value under the pointer, or, from
//! the keyboard, each bar, cell or point in turn (Tab to the chart, then the arrow keys;
//! Escape hides it). The chart's drawing function gives the hits ([`Hit`]) in the canvas'
//! own pixels; the canvas may be shown smaller (phone widths), so pointer positions are
//! scaled back before looking them up.

use leptos::prelude::*;

use crate::charts::hits::{hit_at, Hit};

/// Pixels (CSS) within which the pointer lands on a point.
const POINT_RADIUS: f64 = 10.0;

#[component]
pub fn HoverCanvas(
    node_ref: NodeRef<leptos::html::Canvas>,
    /// The hits of the chart as last drawn.
    hits: RwSignal<Vec<Hit>>,
    width: u32,
    height: u32,
    #[prop(into)] test_id: String,
    drawn: RwSignal<bool>,
    #[prop(into)] label: Signal<String>,
) -> impl IntoView {
    // The hit shown, if any.
    let current = RwSignal::new(None::<usize>);
    // A new drawing: the old hit may no longer exist.
    Effect::new(move |_| {
        hits.track();
        current.set(None);
    });
    // Canvas pixels per CSS pixel (the canvas is scaled down on narrow screens).
    let scale = move || {
        node_ref.get_untracked().map_or(1.0, |c| {
            let shown = c.client_width() as f64;
            if shown > 0.0 {
                width as f64 / shown
            } else {
                1.0
            }
        })
    };
    let on_move = move |ev: leptos::ev::MouseEvent| {
        let s = scale();
        let (x, y) = (ev.offset_x() as f64 * s, ev.offset_y() as f64 * s);
        let found = hits.with_untracked(|h| hit_at(h, x, y, POINT_RADIUS * s));
        if current.get_untracked() != found {
            current.set(found);
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = hits.with_untracked(Vec::len);
        if n == 0 {
            return;
        }
        let next = match (ev.key().as_str(), current.get_untracked()) {
            ("ArrowRight" | "ArrowDown", None) | ("Home", _) => Some(0),
            ("ArrowLeft" | "ArrowUp", None) | ("End", _) => Some(n - 1),
            ("ArrowRight" | "ArrowDown", Some(i)) => Some((i + 1) % n),
            ("ArrowLeft" | "ArrowUp", Some(i)) => Some((i + n - 1) % n),
            ("Escape", _) => None,
            _ => return,
        };
        ev.prevent_default();
        current.set(next);
    };
    let tooltip = move || {
        let i = current.get()?;
        let (text, (x, y)) = hits.with(|h| h.get(i).map(|h| (h.text.clone(), h.anchor())))?;
        let s = scale();
        let (left, top) = (x / s, y / s);
        // The box opens towards the wider side of the chart and is no wider than that side
        // (it stays on the chart, and on a phone's screen); near the top it opens downwards.
        let shown_width = width as f64 / s;
        let (horizontal, room) = if left > shown_width / 2.0 { ("translateX(-100%)", left) } else { ("", shown_width - left) };
        let vertical = if top < 60.0 { "translateY(12px)" } else { "translateY(calc(-100% - 8px))" };
        let lines = text.lines().map(|l| view! { <span>{l.to_owned()}</span> }).collect_view();
        Some(view! {
            <div class="chart-tooltip" data-testid="chart-tooltip" role="status"
                style=format!("left:{left:.0}px;top:{top:.0}px;max-width:min(18rem, {:.0}px);transform:{horizontal} {vertical}", room.max(120.0))>
                {lines}
            </div>
        })
    };
    view! {
        <div class="hover-canvas">
            <canvas node_ref=node_ref width=width.to_string() height=height.to_string() data-testid=test_id
                data-drawn=move || drawn.get().to_string() role="img" aria-label=move || label.get()
                data-hits=move || hits.with(Vec::len).to_string()
                tabindex="0"
                on:mousemove=on_move
                on:mouseleave=move |_| current.set(None)
                on:keydown=on_key
                on:blur=move |_| current.set(None)></canvas>
            {tooltip}
        </div>
    }
}
