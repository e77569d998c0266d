//! The downloads: the segmented CSV (`download-csv`) and the segment summary
//! (`download-summary`), the model as JSON (`download-model`) and as SQL for a database
//! (`download-sql`, [`SqlDownload`]); the worker writes them.

use leptos::prelude::*;

use super::sql_download::SqlDownload;
use crate::ui::state::Actions;
use crate::worker::protocol::ExportKind;

#[component]
pub fn DownloadButton() -> impl IntoView {
    let actions = expect_context::<Actions>();
    view! {
        <div class="downloads">
            <button class="download" data-testid="download-csv" on:click=move |_| actions.download(ExportKind::SegmentedCsv)>
                "Download segmented CSV"
            </button>
            <button class="download" data-testid="download-summary" on:click=move |_| actions.download(ExportKind::SummaryCsv)>
                "Download segment summary"
            </button>
            <button class="download" data-testid="download-model" on:click=move |_| actions.download_model()>
                "Download model (JSON)"
            </button>
        </div>
        <SqlDownload on_download=Callback::new(move |(dialect, table)| actions.download_sql(dialect, table))/>
    }
}
