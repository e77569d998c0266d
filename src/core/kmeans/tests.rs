use super::*;

fn sorted_centers_1d(fit: &KMeansFit) -> Vec<f64> {
    let mut c = fit.centers.clone();
    c.sort_by(f64::total_cmp);
    c
}

#[test]
fn two_separated_groups_in_one_dimension() {
    let x = [0.0, 1.0, 2.0, 10.0, 11.0, 12.0];
    let fit = fit(&x, 1, &KMeansParams::new(2)).unwrap();
    assert_eq!(sorted_centers_1d(&fit), [1.0, 11.0]);
    // Each group: (−1)² + 0² + 1² = 2, so 4 in all.
    assert!((fit.inertia - 4.0).abs() < 1e-12);
    assert_eq!(fit.labels[0], fit.labels[2]);
    assert_ne!(fit.labels[0], fit.labels[3]);
    assert_eq!(fit.cluster_sizes(), [3, 3]);
    assert!(fit.warnings.is_empty());
}

#[test]
fn one_cluster_is_the_mean_with_the_total_sum_of_squares() {
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 9.0];
    let fit = fit(&x, 2, &KMeansParams::new(1)).unwrap();
    assert!((fit.centers[0] - 3.0).abs() < 1e-12);
    assert!((fit.centers[1] - 5.0).abs() < 1e-12);
    // (1-3)²+0+(5-3)² + (2-5)²+(4-5)²+(9-5)² = 8 + 26
    assert!((fit.inertia - 34.0).abs() < 1e-12);
}

#[test]
fn four_corners_are_found_whatever_the_seed() {
    // Four tight groups at the corners of a 10 × 10 square, three points each.
    let mut x = Vec::new();
    for (cx, cy) in [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0), (10.0, 10.0)] {
        for (dx, dy) in [(-0.5, 0.0), (0.5, 0.0), (0.0, 0.5)] {
            x.extend_from_slice(&[cx + dx, cy + dy]);
        }
    }
    // Per group: centre (c, c + 1/6); SS = 0.25+0.25 (x) + 2·(1/6)² + (1/3)² (y) = 2/3.
    for seed in 0..20 {
        let fit = fit(&x, 2, &KMeansParams::new(4).seed(seed)).unwrap();
        assert!((fit.inertia - 4.0 * 2.0 / 3.0).abs() < 1e-9, "seed {seed}: {}", fit.inertia);
        for g in 0..4 {
            let l = fit.labels[3 * g];
            assert!(fit.labels[3 * g..3 * g + 3].iter().all(|&m| m == l));
        }
        assert_eq!(fit.cluster_sizes(), [3, 3, 3, 3]);
    }
}

#[test]
fn same_seed_same_result() {
    let x: Vec<f64> = (0..200).map(|i| ((i * 7919) % 101) as f64 / 3.0).collect();
    let a = fit(&x, 2, &KMeansParams::new(5).seed(7)).unwrap();
    let b = fit(&x, 2, &KMeansParams::new(5).seed(7)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn labels_are_the_nearest_centre() {
    let x: Vec<f64> = (0..300).map(|i| ((i * 104_729) % 997) as f64).collect();
    let fit = fit(&x, 3, &KMeansParams::new(6).n_runs(2).max_iterations(2)).unwrap();
    for (row, &label) in x.chunks_exact(3).zip(&fit.labels) {
        let own = squared_distance(row, &fit.centers[label * 3..label * 3 + 3]);
        for c in fit.centers.chunks_exact(3) {
            assert!(own <= squared_distance(row, c) + 1e-9);
        }
    }
}

#[test]
fn too_many_clusters_is_a_clear_error() {
    let x = [1.0, 2.0, 3.0];
    assert_eq!(
        fit(&x, 1, &KMeansParams::new(4)),
        Err(KMeansError::TooFewRows { n_clusters: 4, n_rows: 3 })
    );
    let same = [1.0, 1.0, 1.0, 2.0];
    assert_eq!(
        fit(&same, 1, &KMeansParams::new(3)),
        Err(KMeansError::TooFewDistinctRows { n_clusters: 3, distinct: 2 })
    );
}

#[test]
fn invalid_parameters_are_named() {
    assert_eq!(KMeansParams::new(0).check(), Err(KMeansError::InvalidClusters(0)));
    assert_eq!(KMeansParams::new(2).n_runs(0).check(), Err(KMeansError::InvalidRuns(0)));
    assert!(matches!(KMeansParams::new(2).tolerance(f64::NAN).check(), Err(KMeansError::InvalidTolerance(_))));
    assert!(matches!(fit(&[1.0, f64::NAN], 1, &KMeansParams::new(1)), Err(KMeansError::NonFinite)));
    assert!(matches!(fit(&[1.0, 2.0, 3.0], 2, &KMeansParams::new(1)), Err(KMeansError::BadShape { .. })));
}
