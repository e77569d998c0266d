//! Saves `<input name>-segmented.csv` (`download-csv`); the worker writes it.

use leptos::prelude::*;

use crate::ui::state::Actions;

#[component]
pub fn DownloadButton() -> impl IntoView {
    let actions = expect_context::<Actions>();
    view! {
        <button class="download" data-testid="download-csv" on:click=move |_| actions.download_csv()>
            "Download segmented CSV"
        </button>
    }
}
