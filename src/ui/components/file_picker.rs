//! The drop zone and the file picker (`data-testid="file-input"`). The file goes to the
//! worker as a handle: the page never reads or copies its bytes.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::ui::state::Actions;

/// A drop zone wrapping a file input; either way the file goes to the worker.
#[component]
pub fn FilePicker() -> impl IntoView {
    let actions = expect_context::<Actions>();
    let dragging = RwSignal::new(false);

    let on_change = move |ev: web_sys::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            actions.load(file);
        }
        // Let the same file be chosen again after the user fixes it.
        input.set_value("");
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev.data_transfer().and_then(|dt| dt.files()).and_then(|files| files.get(0)) {
            actions.load(file);
        }
    };

    view! {
        <div class="load-choices">
            <label
                class="drop-zone"
                class:dragging=move || dragging.get()
                on:dragover=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <span class="drop-title">"Drop a CSV file here, or choose one"</span>
                <span class="drop-hint">"Comma, semicolon, tab or pipe separated; one customer a row, or one purchase a row."</span>
                <input
                    id="file-input"
                    type="file"
                    accept=".csv,.tsv,.txt,text/csv,text/plain"
                    data-testid="file-input"
                    on:change=on_change
                />
            </label>
            <button type="button" class="secondary" data-testid="sample-data" on:click=move |_| actions.load_sample()>
                "Try it with sample data"
            </button>
        </div>
    }
}
