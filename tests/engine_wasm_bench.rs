//! K-Means figures inside wasm (Node), printed, not asserted beyond sanity: the same
//! `core::bench::run_kmeans_bench` as `benches/kmeans.rs`. Run with the shipped profile:
//! `cargo test --release --target wasm32-unknown-unknown --test engine_wasm_bench -- --nocapture`.
#![cfg(target_arch = "wasm32")]

use segmentation::core::bench::run_kmeans_bench;
use segmentation::core::kmeans::Algorithm;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

#[wasm_bindgen_test]
fn kmeans_figures_in_wasm() {
    let mut clock = || js_sys::Date::now();
    for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly] {
        let r = run_kmeans_bench(100_000, 8, 8, 7, algorithm, &mut clock).unwrap();
        console_log!(
            "wasm n={} d={} k={} {:?}: {} iterations, init {:.1} ms, {:.2} ms/iteration, total {:.1} ms, inertia {:.4}",
            r.n, r.d, r.k, r.algorithm, r.n_iterations, r.init_ms, r.ms_per_iteration, r.total_ms, r.inertia
        );
        assert!(r.n_iterations >= 1 && r.inertia.is_finite());
    }
}
