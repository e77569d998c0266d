//! Saving bytes as a file the user downloads: a Blob, an object URL and a clicked link.

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

/// Offers `bytes` as a download named `file_name`.
pub fn save_bytes(bytes: &[u8], file_name: &str, mime: &str) -> Result<(), JsValue> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    save_blob(&blob, file_name)
}

/// Offers a `Blob` (a download the worker wrote piece by piece) as `file_name`.
pub fn save_blob(blob: &web_sys::Blob, file_name: &str) -> Result<(), JsValue> {
    let url = web_sys::Url::create_object_url_with_blob(blob)?;
    click_download_link(&url, file_name)?;
    // Revoking at once can cancel the download in some browsers: free the blob a bit later.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 30_000)?;
    }
    Ok(())
}

/// Offers a canvas as a PNG download.
pub fn save_canvas_png(canvas: &web_sys::HtmlCanvasElement, file_name: &str) -> Result<(), JsValue> {
    click_download_link(&canvas.to_data_url_with_type("image/png")?, file_name)
}

/// A link to `url` with `download` set, clicked: the browser saves the file.
fn click_download_link(url: &str, file_name: &str) -> Result<(), JsValue> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| JsValue::from_str("no document"))?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(url);
    link.set_download(file_name);
    link.click();
    Ok(())
}
