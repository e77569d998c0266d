//! Saves `<input name>-segmented.csv` (`download-csv`).

use leptos::prelude::*;

use crate::ui::download::{save_bytes, segmented_name};
use crate::ui::state::AppState;

#[component]
pub fn DownloadButton() -> impl IntoView {
    let state = expect_context::<AppState>();
    let on_click = move |_| {
        let name = state.file.with_untracked(|f| f.as_ref().map(|f| f.name.clone())).unwrap_or_default();
        let saved = state.report.with_untracked(|r| match r {
            Some(r) => save_bytes(&r.segmentation.csv, &segmented_name(&name), "text/csv;charset=utf-8")
                .map_err(|e| format!("could not save the file: {e:?}")),
            None => Err("run the segmentation first".to_owned()),
        });
        if let Err(message) = saved {
            state.error.set(Some(message));
        }
    };
    view! {
        <button class="download" data-testid="download-csv" on:click=on_click>
            "Download segmented CSV"
        </button>
    }
}
