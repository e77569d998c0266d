//! Running work in a task of its own (`setTimeout(…, 0)`), so several charts drawn after
//! one answer from the worker do not add up to one long task on the main thread.

use leptos::prelude::{RwSignal, Set as _};

use crate::charts::hits::Hit;
pub use crate::worker::client::in_next_task as defer;

/// Hands a drawn chart's hits to the page, and marks it drawn, in a task after the drawing:
/// what the page does with them (the tooltips' layer, `data-drawn`) then runs apart from
/// the drawing instead of adding to its task. Tasks run in the order they were asked for,
/// so a chart redrawn meanwhile hands on its own hits after these.
/// The page's log of slow tasks names the chart that asked, not this function.
#[track_caller]
pub fn hand_on_hits(hits: RwSignal<Vec<Hit>>, drawn: RwSignal<bool>, found: Vec<Hit>) {
    defer(move || {
        let _ = hits.try_set(found);
        let _ = drawn.try_set(true);
    });
}

/// The longest [`after_first_paint`] waits for the browser to record the first paint, in
/// frames and in milliseconds (a browser without paint timing, or a hidden tab).
const PAINT_WAIT_FRAMES: u32 = 20;
const PAINT_WAIT_MS: f64 = 500.0;
/// A frame not run within this (a hidden tab runs none) counts as run.
const FRAME_WAIT_MS: i32 = 100;

/// Resolves once the page's first contentful paint is recorded, in a task of its own: for
/// work the first screen does not need (the worker's code, about half a megabyte).
/// Checked once a frame; gives up waiting after [`PAINT_WAIT_FRAMES`] frames or
/// [`PAINT_WAIT_MS`]. At once without a window.
pub async fn after_first_paint() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let performance = window.performance();
    let now = || performance.as_ref().map_or(0.0, web_sys::Performance::now);
    let painted =
        || performance.as_ref().is_none_or(|p| p.get_entries_by_name_with_entry_type("first-contentful-paint", "paint").length() > 0);
    let start = now();
    for _ in 0..PAINT_WAIT_FRAMES {
        if painted() || now() - start > PAINT_WAIT_MS {
            break;
        }
        // The next frame, or a timeout where frames do not run.
        wait(&window, |w, resolve| {
            w.request_animation_frame(resolve)?;
            w.set_timeout_with_callback_and_timeout_and_arguments_0(resolve, FRAME_WAIT_MS).map(drop)
        })
        .await;
    }
    wait(&window, |w, resolve| w.set_timeout_with_callback_and_timeout_and_arguments_0(resolve, 0).map(drop)).await;
}

/// Awaits a promise resolved by the callback `schedule` registers; at once if it fails.
async fn wait(window: &web_sys::Window, schedule: impl Fn(&web_sys::Window, &js_sys::Function) -> Result<(), wasm_bindgen::JsValue>) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if schedule(window, &resolve).is_err() {
            // Resolving twice is harmless: the first call wins.
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
