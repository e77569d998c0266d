//! The number of segments (`k-input`) and the Run button (`run`).

use leptos::prelude::*;

use crate::ui::state::{Actions, AppState};

#[component]
pub fn RunControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    let actions = expect_context::<Actions>();
    let disabled = move || state.file.with(Option::is_none) || state.busy.with(Option::is_some);

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
        </form>
    }
}
