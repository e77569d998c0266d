//! How the file was read (delimiter, header, encoding, ragged rows), with the delimiter and
//! header overridable (`delimiter-select`, `header-select`).

use leptos::prelude::*;

use crate::ui::state::{Actions, AppState};
use crate::worker::protocol::delimiter_name;

const DELIMITER_CHOICES: [(&str, Option<u8>); 6] =
    [("auto", None), ("comma", Some(b',')), ("semicolon", Some(b';')), ("tab", Some(b'\t')), ("pipe", Some(b'|')), ("space", Some(b' '))];

#[component]
pub fn FileInfo() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    let forced_delimiter = move || {
        let forced = actions.ingest_options().delimiter;
        DELIMITER_CHOICES.iter().find(|(_, d)| *d == forced).map_or("auto", |(n, _)| n)
    };
    let forced_header = move || match actions.ingest_options().header {
        None => "auto",
        Some(true) => "yes",
        Some(false) => "no",
    };

    view! {
        <div class="file-info">
            {move || state.file.with(|f| f.as_ref().map(|f| view! {
                <p>
                    <strong>{f.name.clone()}</strong>
                    {format!(
                        ": {} rows, {} columns, {} separated, {}, {}.",
                        f.n_rows, f.n_columns, delimiter_name(f.delimiter), f.encoding,
                        if f.has_header { "first row is the header" } else { "no header row (columns named column_1…)" }
                    )}
                </p>
                {(f.ragged_rows > 0).then(|| {
                    let lines: Vec<String> = f.ragged_examples.iter().map(|r| format!("line {} has {} fields", r.line, r.fields)).collect();
                    view! {
                        <p class="warning" data-testid="ragged">
                            {format!(
                                "{} rows have a different number of fields than the header ({}{}); they are kept, padded with empty cells.",
                                f.ragged_rows, lines.join(", "), if f.ragged_rows > lines.len() { ", …" } else { "" }
                            )}
                        </p>
                    }
                })}
            }))}
            <div class="inline-controls">
                <label>
                    "Separator "
                    <select data-testid="delimiter-select" on:change=move |ev| {
                        let choice = event_target_value(&ev);
                        let delimiter = DELIMITER_CHOICES.iter().find(|(n, _)| *n == choice).and_then(|(_, d)| *d);
                        actions.reload_with(|o| o.delimiter = delimiter);
                    }>
                        {DELIMITER_CHOICES.iter().map(|(name, _)| view! {
                            <option value=*name selected=move || forced_delimiter() == *name>{*name}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    "Missing-value texts "
                    <input type="text" data-testid="missing-tokens" size="28"
                        aria-label="Texts that mean a missing value, separated by commas"
                        prop:value=move || {
                            state.file.track();
                            actions.ingest_options().missing_tokens.iter().filter(|t| !t.is_empty()).cloned().collect::<Vec<_>>().join(", ")
                        }
                        on:change=move |ev| {
                            let tokens: Vec<String> = event_target_value(&ev).split(',').map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
                            // The empty cell is always missing.
                            actions.reload_with(|o| o.missing_tokens = std::iter::once(String::new()).chain(tokens).collect());
                        }/>
                </label>
                <label>
                    "Header row "
                    <select data-testid="header-select" on:change=move |ev| {
                        let header = match event_target_value(&ev).as_str() {
                            "yes" => Some(true),
                            "no" => Some(false),
                            _ => None,
                        };
                        actions.reload_with(|o| o.header = header);
                    }>
                        {["auto", "yes", "no"].into_iter().map(|v| view! {
                            <option value=v selected=move || forced_header() == v>{v}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
        </div>
    }
}
