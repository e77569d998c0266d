//! The drop zone and the file picker (`data-testid="file-input"`).

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::ui::state::Actions;

/// Reads a dropped or chosen file's bytes and hands them to the worker.
fn read_and_load(actions: Actions, file: web_sys::File) {
    let name = file.name();
    leptos::task::spawn_local(async move {
        match JsFuture::from(file.array_buffer()).await {
            Ok(buffer) => actions.load(name, js_sys::Uint8Array::new(&buffer).to_vec()),
            Err(e) => actions.show_error(format!(
                "{name}: the browser could not read the file ({e:?}): check it is not open elsewhere and try again"
            )),
        }
    });
}

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
            read_and_load(actions, file);
        }
        // Let the same file be chosen again after the user fixes it.
        input.set_value("");
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev.data_transfer().and_then(|dt| dt.files()).and_then(|files| files.get(0)) {
            read_and_load(actions, file);
        }
    };

    view! {
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
            <span class="drop-hint">"Comma, semicolon, tab or pipe separated; a header row; one customer a row."</span>
            <input
                type="file"
                accept=".csv,.tsv,.txt,text/csv,text/plain"
                data-testid="file-input"
                on:change=on_change
            />
        </label>
    }
}
