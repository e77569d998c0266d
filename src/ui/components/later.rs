//! Renders its children one task after it is mounted: a section of many elements does not
//! add to the task that rendered the rest (the main thread stays under 50 ms a task).

use leptos::prelude::*;

use crate::ui::defer::defer;

#[component]
pub fn Later(children: ChildrenFn) -> impl IntoView {
    let ready = RwSignal::new(false);
    // The section may be gone by then (a new file replaced it): setting a disposed signal
    // would panic, so `try_set`.
    defer(move || {
        let _ = ready.try_set(true);
    });
    view! { <Show when=move || ready.get()>{children()}</Show> }
}
