//! The page: installs the panic hook and mounts the app, nothing else.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    segmentation::ui::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("This is the browser app: run scripts/serve (see README.md) and open http://127.0.0.1:8080");
}
