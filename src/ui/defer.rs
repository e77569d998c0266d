//! Running work in a task of its own (`setTimeout(…, 0)`), so several charts drawn after
//! one answer from the worker do not add up to one long task on the main thread.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// Runs `f` in a later task; runs it now if there is no window (tests without a page).
pub fn defer(f: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else {
        f();
        return;
    };
    let callback = Closure::once_into_js(f);
    if window.set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), 0).is_err() {
        web_sys::console::warn_1(&"could not schedule a chart; it is skipped".into());
    }
}
