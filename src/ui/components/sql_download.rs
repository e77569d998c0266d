//! "Score in your database": a model as one SQL query for the user's database. The
//! dialect (`sql-dialect`), the table to read (`sql-table`) and the download
//! (`download-sql`, `segments_<dialect>.sql`). The worker writes the query (`core::sql`),
//! so the renderer stays out of the page's code.

use leptos::prelude::*;

use crate::core::sql::Dialect;

/// The table name the box starts with (an empty box means the same to the renderer).
const DEFAULT_TABLE: &str = "customers";

/// The three controls and a line on what the query does; `on_download` is given the
/// chosen dialect and the table as typed (trimmed).
#[component]
pub fn SqlDownload(on_download: Callback<(Dialect, String)>) -> impl IntoView {
    let dialect = RwSignal::new(Dialect::DuckDb);
    let table = RwSignal::new(DEFAULT_TABLE.to_owned());
    let on_dialect = move |ev: web_sys::Event| {
        if let Some(d) = Dialect::parse(&event_target_value(&ev)) {
            dialect.set(d);
        }
    };
    let options = Dialect::ALL
        .into_iter()
        .map(|d| view! { <option value=d.as_str() selected=d == Dialect::DuckDb>{d.label()}</option> })
        .collect_view();
    view! {
        <fieldset class="sql-download">
            <legend>"Score in your database"</legend>
            <div class="inline-controls">
                <label>"Database " <select data-testid="sql-dialect" on:change=on_dialect>{options}</select></label>
                <label>
                    "Table "
                    <input
                        type="text"
                        data-testid="sql-table"
                        value=DEFAULT_TABLE
                        placeholder="a table or view, or in DuckDB read_csv('customers.csv')"
                        spellcheck="false"
                        autocomplete="off"
                        on:input=move |ev| table.set(event_target_value(&ev))
                    />
                </label>
                <button
                    class="download"
                    data-testid="download-sql"
                    on:click=move |_| on_download.run((dialect.get_untracked(), table.get_untracked().trim().to_owned()))
                >
                    "Download SQL"
                </button>
            </div>
            <p class="muted">
                "One query: it reads the table and returns every row's key columns with its segment, segment_name and distance, \
                 and for a row it cannot place, the reason (excluded_reason)."
            </p>
        </fieldset>
    }
}
