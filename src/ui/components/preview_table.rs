//! The first rows of the file as read (`preview`).

use leptos::prelude::*;

use crate::ui::state::AppState;

#[component]
pub fn PreviewTable() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <details class="preview" open>
            <summary>"First rows"</summary>
            <div class="table-scroll" tabindex="0" aria-label="First rows of the file">
                <table data-testid="preview">
                    {move || state.file.with(|f| f.as_ref().map(|f| view! {
                        <thead><tr>{f.headers.iter().map(|h| view! { <th scope="col">{h.clone()}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {f.preview.iter().map(|row| view! {
                                <tr>{row.iter().map(|cell| view! { <td>{cell.clone()}</td> }).collect_view()}</tr>
                            }).collect_view()}
                        </tbody>
                    }))}
                </table>
            </div>
        </details>
    }
}
