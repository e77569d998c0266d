//! The number of segments (`k-input`), the Run button (`run`), and the recommended k
//! beside them (`k-recommended`, with `use-recommended-k` to take it in one click).

use leptos::prelude::*;

use crate::ui::state::{Actions, AppState};

#[component]
pub fn RunControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    let disabled = move || state.file.with(Option::is_none) || state.busy.with(Option::is_some);
    let recommended = move || state.recommended_k();
    // The k box holds the recommendation already: nothing to offer.
    let in_use = move || recommended().is_some_and(|k| state.k_text.with(|t| t.trim() == k.to_string()));

    view! {
        <form class="run-controls" on:submit=move |ev: web_sys::SubmitEvent| {
            ev.prevent_default();
            actions.run();
        }>
            <label for="k-input">"Number of segments (k)"</label>
            <input
                id="k-input"
                type="number"
                min="1"
                max="50"
                step="1"
                inputmode="numeric"
                data-testid="k-input"
                prop:value=move || state.k_text.get()
                on:input=move |ev| {
                    state.k_from_user.set(true);
                    state.k_text.set(event_target_value(&ev));
                }
            />
            <button type="submit" data-testid="run" disabled=disabled>"Run"</button>
            {move || recommended().map(|k| view! {
                <span class="k-recommended" data-testid="k-recommended" data-k=k.to_string()>
                    {move || if in_use() {
                        format!("k = {k} is the recommended one.")
                    } else {
                        format!("Recommended: k = {k}.")
                    }}
                    <Show when=move || !in_use()>
                        <button type="button" class="secondary small" data-testid="use-recommended-k"
                            on:click=move |_| state.use_recommended_k()>
                            {format!("Use k = {k}")}
                        </button>
                    </Show>
                </span>
            })}
        </form>
    }
}
