//! The Web Worker: installs the panic hook and starts answering the page, nothing else.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    segmentation::worker::runner::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("This is the app's Web Worker: it runs in the browser (see README.md)");
}
