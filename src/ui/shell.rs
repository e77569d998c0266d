//! The first screen as plain HTML (`#shell` in index.html) paints before the page's code
//! arrives; the app takes over from it: a file chosen or dropped on the shell meanwhile is
//! read, and the shell is removed (the app shows the same screen).

use wasm_bindgen::JsCast;

/// Removes the shell, and returns the file chosen on it, if any.
pub fn take_over() -> Option<web_sys::File> {
    let document = web_sys::window()?.document()?;
    let file = document
        .get_element_by_id("shell-file-input")
        .and_then(|input| input.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|input| input.files())
        .and_then(|files| files.get(0));
    if let Some(shell) = document.get_element_by_id("shell") {
        shell.remove();
    }
    file
}
