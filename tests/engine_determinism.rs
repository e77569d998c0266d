//! The engine gives the same bits natively and in wasm: one file, compiled for both.
//! Natively `cargo test --test engine_determinism`; in wasm (Node)
//! `cargo test --target wasm32-unknown-unknown --test engine_determinism`.
//! The pinned values were printed by the native build; a change in either build's
//! arithmetic or random stream shows here.

use segmentation::core::bench::bench_data;
use segmentation::core::k_selection::sweep;
use segmentation::core::kmeans::{fit, Algorithm, Init, KMeansParams};
use segmentation::core::projection::pca_2d;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// A label fingerprint that depends on every label and its position.
fn fingerprint(labels: &[usize]) -> u64 {
    labels.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &l| (h ^ l as u64).wrapping_mul(0x0100_0000_01b3))
}

#[test]
fn kmeans_bits_are_the_same_on_every_platform() {
    let x = bench_data(3000, 8, 4, 11);
    for (algorithm, init) in [(Algorithm::Lloyd, Init::KMeansPlusPlus), (Algorithm::Hamerly, Init::Random)] {
        let f = fit(&x, 8, &KMeansParams::new(4).seed(3).n_runs(2).algorithm(algorithm).init(init)).unwrap();
        let got = (f.inertia.to_bits(), fingerprint(&f.labels), f.n_iterations);
        let want = match init {
            Init::KMeansPlusPlus => PINNED_PLUSPLUS,
            Init::Random => PINNED_RANDOM,
        };
        assert_eq!(got, want, "{algorithm:?} {init:?}: inertia {}", f.inertia);
    }
}

#[test]
fn sweep_and_projection_bits_are_the_same_on_every_platform() {
    let x = bench_data(600, 3, 2, 5);
    let s = sweep(&x, 3, 2..=4, &KMeansParams::new(2).n_runs(1), &mut |_| true).unwrap();
    let silhouettes: Vec<u64> = s.scores.iter().map(|k| k.silhouette.unwrap().to_bits()).collect();
    assert_eq!(silhouettes, PINNED_SILHOUETTES);
    let p = pca_2d(&x, 3).unwrap();
    assert_eq!(p.explained_variance_ratio.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), PINNED_PCA_RATIO);
}

const PINNED_PLUSPLUS: (u64, u64, usize) = (4693813688205844770, 10977394902554533593, 15);
const PINNED_RANDOM: (u64, u64, usize) = (4693819029598624296, 3939283849654568586, 14);
const PINNED_SILHOUETTES: [u64; 3] = [4601839017733025785, 4599734743285019983, 4599551943872891880];
const PINNED_PCA_RATIO: [u64; 2] = [4603780972312674627, 4596805419469350015];
