//! Our engine against scikit-learn 1.9 on fixed data sets (tests/fixtures/sklearn, written
//! by make_sklearn_fixtures.py): K-Means inertia and labels, the three cluster scores for
//! the same labels, and PCA. Runs natively and, compiled for wasm32, in headless Chromium
//! (`cargo test --target wasm32-unknown-unknown --test sklearn_parity`).

// Test helpers read the committed fixtures: a missing file should fail loudly.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use segmentation::core::kmeans::{fit, Algorithm, KMeansParams};
use segmentation::core::metrics::{calinski_harabasz, davies_bouldin, silhouette};
use segmentation::core::projection::pca_2d;
use serde_json::Value;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// The fixtures, built into the test so it runs where there is no file system (the browser).
fn fixture_text(name: &str) -> (&'static str, &'static str) {
    macro_rules! sets {
        ($($n:literal),*) => {
            match name {
                $($n => (
                    include_str!(concat!("fixtures/sklearn/", $n, ".csv")),
                    include_str!(concat!("fixtures/sklearn/", $n, ".json")),
                ),)*
                other => panic!("no fixture {other}"),
            }
        };
    }
    sets!("blobs", "blobs_5d", "anisotropic", "duplicates", "one_feature")
}

const SETS: [&str; 5] = ["blobs", "blobs_5d", "anisotropic", "duplicates", "one_feature"];

struct Fixture {
    name: &'static str,
    data: Vec<f64>,
    d: usize,
    json: Value,
}

fn load(name: &'static str) -> Fixture {
    let (csv, json) = fixture_text(name);
    let json: Value = serde_json::from_str(json).unwrap();
    let d = csv.lines().next().unwrap().split(',').count();
    let data: Vec<f64> = csv.lines().flat_map(|l| l.split(',').map(|v| v.parse::<f64>().unwrap())).collect();
    assert_eq!(data.len(), d * json["n_rows"].as_u64().unwrap() as usize);
    assert!(json["sklearn_version"].as_str().unwrap().starts_with("1.9"));
    Fixture { name, data, d, json }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|x| match x.as_array() {
            Some(row) => row.iter().map(|y| y.as_f64().unwrap()).collect(),
            None => vec![x.as_f64().unwrap()],
        })
        .collect()
}

fn labels(f: &Fixture) -> Vec<usize> {
    f.json["labels"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect()
}

/// True when `a` and `b` are the same partition (labels equal up to renaming).
fn same_partition(a: &[usize], b: &[usize]) -> bool {
    use std::collections::HashMap;
    let (mut ab, mut ba) = (HashMap::new(), HashMap::new());
    a.iter().zip(b).all(|(&x, &y)| *ab.entry(x).or_insert(y) == y && *ba.entry(y).or_insert(x) == x)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    (v[(v.len() - 1) / 2] + v[v.len() / 2]) / 2.0
}

/// Best of 10 runs, ours and scikit-learn's. Where the clustering is clear, every seed must
/// reach scikit-learn's result (random_state = 0). Where many local minima lie within a few
/// percent of each other (anisotropic, duplicates) one seed is luck for both sides
/// (scikit-learn's own best-of-10 spreads by ~2% over seeds there, and our seed 0 lands 1%
/// above its random_state 0 on "duplicates"), so over seeds 0..9 the best must be within
/// 0.1% of scikit-learn's best and the median within 0.5% of its median.
#[test]
fn our_best_inertia_over_ten_runs_is_within_a_tenth_of_a_percent_of_sklearns() {
    for name in SETS {
        let f = load(name);
        let k = f.json["k"].as_u64().unwrap() as usize;
        let reference = f.json["inertia"].as_f64().unwrap();
        let theirs = floats(&f.json["inertia_by_seed"]);
        assert_eq!(theirs[0], reference);
        for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly] {
            let ours: Vec<f64> = (0..10)
                .map(|seed| fit(&f.data, f.d, &KMeansParams::new(k).n_runs(10).seed(seed).algorithm(algorithm)).unwrap().inertia)
                .collect();
            if f.json["unambiguous"].as_bool().unwrap() {
                for (seed, &o) in ours.iter().enumerate() {
                    assert!(o <= reference * 1.001, "{} seed {seed}: ours {o} vs sklearn {reference}", f.name);
                }
            }
            let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
            let (b_ours, b_theirs) = (best(&ours), best(&theirs));
            assert!(b_ours <= b_theirs * 1.001, "{}: best ours {b_ours} vs sklearn {b_theirs}", f.name);
            let (m_ours, m_theirs) = (median(ours), median(theirs.clone()));
            assert!(m_ours <= m_theirs * 1.005, "{}: median ours {m_ours} vs sklearn {m_theirs}", f.name);
        }
    }
}

#[test]
fn labels_and_centres_match_sklearns_up_to_renaming_where_the_clustering_is_clear() {
    for name in SETS {
        let f = load(name);
        if !f.json["unambiguous"].as_bool().unwrap() {
            continue;
        }
        let k = f.json["k"].as_u64().unwrap() as usize;
        let ours = fit(&f.data, f.d, &KMeansParams::new(k).n_runs(10).seed(0)).unwrap();
        let theirs = labels(&f);
        assert!(same_partition(&ours.labels, &theirs), "{}", f.name);
        // The same partition has the same means: compare each of our centres with theirs.
        let centers = floats(&f.json["centers"]);
        for (row, (&l, &m)) in ours.labels.iter().zip(&theirs).enumerate() {
            let (a, b) = (&ours.centers[l * f.d..(l + 1) * f.d], &centers[m * f.d..(m + 1) * f.d]);
            for (x, y) in a.iter().zip(b) {
                assert!((x - y).abs() < 1e-9, "{} row {row}: {x} vs {y}", f.name);
            }
        }
        let inertia = f.json["inertia"].as_f64().unwrap();
        assert!((ours.inertia - inertia).abs() <= 1e-9 * inertia, "{}", f.name);
    }
}

#[test]
fn cluster_scores_equal_sklearns_for_the_same_labels() {
    for name in SETS {
        let f = load(name);
        let l = labels(&f);
        let close = |ours: Option<f64>, key: &str| {
            let (ours, theirs) = (ours.unwrap(), f.json[key].as_f64().unwrap());
            assert!((ours - theirs).abs() <= 1e-9 * theirs.abs().max(1.0), "{} {key}: {ours} vs {theirs}", f.name);
        };
        close(silhouette(&f.data, f.d, &l), "silhouette");
        close(calinski_harabasz(&f.data, f.d, &l), "calinski_harabasz");
        close(davies_bouldin(&f.data, f.d, &l), "davies_bouldin");
    }
}

#[test]
fn pca_variance_equals_sklearns_and_components_match_with_the_same_signs() {
    for name in SETS {
        let f = load(name);
        if f.d < 2 {
            continue;
        }
        let p = pca_2d(&f.data, f.d).unwrap();
        for (key, ours) in
            [("pca_explained_variance_ratio", &p.explained_variance_ratio), ("pca_explained_variance", &p.explained_variance)]
        {
            for (a, b) in ours.iter().zip(floats(&f.json[key])) {
                assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{} {key}: {a} vs {b}", f.name);
            }
        }
        // Equal up to sign; and our sign rule is svd_flip's, so the signs agree too.
        let theirs = floats(&f.json["pca_components"]);
        for (c, (ours, theirs)) in p.components.chunks_exact(f.d).zip(theirs.chunks_exact(f.d)).enumerate() {
            let sign = if ours.iter().zip(theirs).map(|(a, b)| a * b).sum::<f64>() < 0.0 { -1.0 } else { 1.0 };
            for (a, b) in ours.iter().zip(theirs) {
                assert!((sign * a - b).abs() < 1e-9, "{} component {c}: {ours:?} vs {theirs:?}", f.name);
            }
            assert_eq!(sign, 1.0, "{} component {c}: sign differs from svd_flip", f.name);
        }
    }
}
