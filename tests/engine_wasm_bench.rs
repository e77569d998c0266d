//! K-Means figures inside wasm in headless Chromium, printed, not asserted beyond sanity:
//! the same `core::bench::run_kmeans_bench` as `benches/kmeans.rs`, built with the worker's
//! profile (what the page runs): `scripts/bench`, or
//! `cargo test --profile worker-release --target wasm32-unknown-unknown --test engine_wasm_bench -- --nocapture`.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use segmentation::core::bench::run_kmeans_bench;
use segmentation::core::kmeans::Algorithm;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

#[wasm_bindgen_test]
fn kmeans_figures_in_wasm() {
    // performance.now(): sub-millisecond, like the worker's clock.
    let mut clock = || web_sys::window().and_then(|w| w.performance()).map_or_else(js_sys::Date::now, |p| p.now());
    let sizes: &[usize] = if option_env!("BENCH_1M").is_some() { &[100_000, 1_000_000] } else { &[100_000] };
    for (&n, algorithm) in sizes.iter().flat_map(|n| [(n, Algorithm::Lloyd), (n, Algorithm::Hamerly)]) {
        let r = run_kmeans_bench(n, 8, 8, 7, algorithm, &mut clock).unwrap();
        console_log!(
            "wasm n={} d={} k={} {:?}: {} iterations, init {:.1} ms, {:.2} ms/iteration, total {:.1} ms, inertia {:.4}",
            r.n,
            r.d,
            r.k,
            r.algorithm,
            r.n_iterations,
            r.init_ms,
            r.ms_per_iteration,
            r.total_ms,
            r.inertia
        );
        assert!(r.n_iterations >= 1 && r.inertia.is_finite());
    }
}
