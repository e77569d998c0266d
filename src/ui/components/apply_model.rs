//! Apply a saved model to a new file with the same columns: choose the model JSON
//! (`model-input`), then the CSV (`apply-file-input`); every row gets the segment of the
//! nearest saved centre, downloadable as before (`download-applied`). Once a model is
//! chosen, its SQL for a database (`download-sql`), with no file loaded.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::sql_download::SqlDownload;
use crate::ui::state::{Actions, AppState};
use crate::worker::protocol::ExportKind;

#[component]
pub fn ApplyModel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    // The model's JSON: a few kilobytes, read on the page.
    let model = StoredValue::new_local(None::<Vec<u8>>);
    let model_name = RwSignal::new(None::<String>);

    let on_model = move |ev: web_sys::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        let name = file.name();
        leptos::task::spawn_local(async move {
            match JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string()) {
                Some(text) => {
                    model.set_value(Some(text.into_bytes()));
                    model_name.set(Some(name));
                }
                None => actions.show_error(format!("{name}: the browser could not read the model file: choose it again")),
            }
        });
    };
    let on_file = move |ev: web_sys::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        match model.get_value() {
            Some(json) => actions.apply_model(json, file),
            None => actions.show_error("choose the model (.json) first, then the CSV to apply it to".to_owned()),
        }
        input.set_value("");
    };

    view! {
        <details class="apply-model">
            <summary>"Apply a saved model to a new file"</summary>
            <p class="muted">"Give new customers the segments of a model you downloaded before: same columns, same cleaning, nearest saved centre."</p>
            <div class="inline-controls">
                <label>"1. Model (.json) " <input type="file" accept=".json,application/json" data-testid="model-input" on:change=on_model/></label>
                <label>"2. CSV file " <input type="file" accept=".csv,.tsv,.txt,text/csv" data-testid="apply-file-input" on:change=on_file/></label>
            </div>
            {move || model_name.get().map(|n| view! {
                <p class="muted">{format!("Model: {n}")}</p>
                <SqlDownload on_download=Callback::new(move |(dialect, table)| match model.get_value() {
                    Some(json) => actions.download_model_sql(json, dialect, table),
                    None => actions.show_error("choose the model (.json) first, then download its SQL".to_owned()),
                })/>
            })}
            {move || state.applied.get().map(|a| {
                let lines: Vec<String> = a.segment_names.iter().zip(&a.sizes).enumerate()
                    .map(|(i, (name, size))| format!("Segment {}: {name}: {size} rows", i + 1)).collect();
                view! {
                    <div class="applied" data-testid="applied" data-rows=a.n_rows.to_string() data-unplaced=a.unplaced.to_string()>
                        <p>{format!(
                            "{}: {} rows given the segments of the model made from {}{}.",
                            a.file_name, a.n_rows - a.unplaced, a.model_source,
                            if a.unplaced > 0 { format!("; {} rows could not be placed (empty segment and the reason in the download)", a.unplaced) } else { String::new() }
                        )}</p>
                        <ul>{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                        {a.comparison.clone().map(|c| view! { <super::compare::Crosstab comparison=*c/> })}
                        <button class="download" data-testid="download-applied" on:click=move |_| actions.download(ExportKind::AppliedCsv)>
                            "Download segmented CSV"
                        </button>
                    </div>
                }
            })}
        </details>
    }
}
