//! Warnings about how a file was read, cleaned or segmented (`read-warning`, with
//! `data-kind`, and `data-line` / `data-column` where they apply). Every warning the
//! worker returns is shown: none is dropped.

use leptos::prelude::*;

use crate::core::warning::Warning;

/// One warning as a list item.
#[component]
pub fn ReadWarning(warning: Warning) -> impl IntoView {
    view! {
        <li class="warning" data-testid="read-warning" data-kind=warning.kind.as_str()
            data-line=warning.line.map(|l| l.to_string()) data-column=warning.column.clone()>
            {warning.message.clone()}
        </li>
    }
}

/// A list of warnings, or nothing when there are none.
#[component]
pub fn ReadWarnings(warnings: Vec<Warning>, #[prop(into)] label: String) -> impl IntoView {
    (!warnings.is_empty()).then(|| {
        view! {
            <ul class="read-warnings" aria-label=label>
                {warnings.into_iter().map(|warning| view! { <ReadWarning warning/> }).collect_view()}
            </ul>
        }
    })
}
