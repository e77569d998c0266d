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
    assert_eq!(fit(&x, 1, &KMeansParams::new(4)), Err(KMeansError::TooFewRows { n_clusters: 4, n_rows: 3 }));
    let same = [1.0, 1.0, 1.0, 2.0];
    assert_eq!(fit(&same, 1, &KMeansParams::new(3)), Err(KMeansError::TooFewDistinctRows { n_clusters: 3, distinct: 2 }));
}

#[test]
fn invalid_parameters_are_named() {
    assert_eq!(KMeansParams::new(0).check(), Err(KMeansError::InvalidClusters(0)));
    assert_eq!(KMeansParams::new(2).n_runs(0).check(), Err(KMeansError::InvalidRuns(0)));
    assert!(matches!(KMeansParams::new(2).tolerance(f64::NAN).check(), Err(KMeansError::InvalidTolerance(_))));
    assert!(matches!(fit(&[1.0, f64::NAN], 1, &KMeansParams::new(1)), Err(KMeansError::NonFinite)));
    assert!(matches!(fit(&[1.0, 2.0, 3.0], 2, &KMeansParams::new(1)), Err(KMeansError::BadShape { .. })));
}

/// Data sets for the exactness checks: blobs, overlapping blobs, integer grids full of
/// exact distance ties and duplicates, a stretched set, and widths handled by the
/// unrolled kernels (2, 8, 16) and by the run-time one (17).
fn exactness_sets() -> Vec<(&'static str, Vec<f64>, usize, usize)> {
    use crate::core::bench::blobs;
    let grid: Vec<f64> = (0..900).flat_map(|i| [(i % 7) as f64, ((i / 7) % 5) as f64]).collect();
    let stretched: Vec<f64> = blobs(1500, 2, 4, 3).chunks_exact(2).flat_map(|r| [r[0] * 10.0, r[0] + 0.1 * r[1]]).collect();
    vec![
        ("separated blobs d=2", blobs(2000, 2, 5, 1), 2, 5),
        ("overlapping blobs d=8", blobs(3000, 8, 12, 2).iter().map(|v| v * 0.1).collect(), 8, 6),
        ("integer grid with ties", grid, 2, 4),
        ("stretched", stretched, 2, 7),
        ("blobs d=16", blobs(1200, 16, 3, 4), 16, 5),
        ("blobs d=17", blobs(1200, 17, 9, 5), 17, 9),
        ("blobs d=3 k=1", blobs(500, 3, 2, 6), 3, 1),
    ]
}

#[test]
fn hamerly_gives_exactly_lloyds_labels_centres_and_iterations() {
    for (name, x, d, k) in exactness_sets() {
        for seed in [0, 1, 42] {
            for init in [Init::KMeansPlusPlus, Init::Random] {
                let base = KMeansParams::new(k).seed(seed).n_runs(3).init(init);
                let lloyd = fit(&x, d, &base.clone().algorithm(Algorithm::Lloyd)).unwrap();
                let hamerly = fit(&x, d, &base.clone().algorithm(Algorithm::Hamerly)).unwrap();
                let case = format!("{name}, seed {seed}, {init:?}");
                assert_eq!(lloyd.algorithm, Algorithm::Lloyd);
                assert_eq!(hamerly.algorithm, Algorithm::Hamerly);
                assert_eq!(lloyd.labels, hamerly.labels, "{case}");
                assert_eq!(lloyd.n_iterations, hamerly.n_iterations, "{case}");
                for (a, b) in lloyd.centers.iter().zip(&hamerly.centers) {
                    assert!((a - b).abs() <= 1e-12, "{case}: {a} vs {b}");
                }
                assert!((lloyd.inertia - hamerly.inertia).abs() <= 1e-12 * lloyd.inertia.max(1.0), "{case}");
            }
        }
    }
}

#[test]
fn hamerly_matches_lloyd_when_stopped_early_by_the_iteration_cap() {
    let x = crate::core::bench::bench_data(3000, 4, 8, 9);
    for max_iterations in [1, 2, 3, 5] {
        let base = KMeansParams::new(8).seed(3).n_runs(2).max_iterations(max_iterations).tolerance(0.0);
        let lloyd = fit(&x, 4, &base.clone().algorithm(Algorithm::Lloyd)).unwrap();
        let hamerly = fit(&x, 4, &base.algorithm(Algorithm::Hamerly)).unwrap();
        assert_eq!(lloyd.n_iterations, max_iterations);
        assert_eq!(lloyd.labels, hamerly.labels);
        assert_eq!(lloyd.centers, hamerly.centers);
    }
}

#[test]
fn auto_keeps_hamerly_on_separated_groups_and_hands_overlapping_ones_to_lloyd() {
    // Three tight, far-apart groups: the bounds skip almost every row.
    let separated = crate::core::bench::blobs(3000, 2, 3, 1);
    assert_eq!(fit(&separated, 2, &KMeansParams::new(3)).unwrap().algorithm, Algorithm::Hamerly);
    // Uniform noise in eight dimensions cut in eight: many rows sit near a border every
    // iteration.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let noise: Vec<f64> = (0..8 * 4000).map(|_| init::uniform(&mut rng)).collect();
    let auto = fit(&noise, 8, &KMeansParams::new(8).n_runs(2)).unwrap();
    let lloyd = fit(&noise, 8, &KMeansParams::new(8).n_runs(2).algorithm(Algorithm::Lloyd)).unwrap();
    assert_eq!(auto.algorithm, Algorithm::Lloyd);
    // Either way, the same fit.
    assert_eq!(
        (auto.labels, auto.centers, auto.inertia, auto.n_iterations),
        (lloyd.labels, lloyd.centers, lloyd.inertia, lloyd.n_iterations)
    );
}

#[test]
fn random_init_finds_the_four_corners_over_ten_runs() {
    let mut x = Vec::new();
    for (cx, cy) in [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0), (10.0, 10.0)] {
        for (dx, dy) in [(-0.5, 0.0), (0.5, 0.0), (0.0, 0.5)] {
            x.extend_from_slice(&[cx + dx, cy + dy]);
        }
    }
    let fit = fit(&x, 2, &KMeansParams::new(4).init(Init::Random).seed(5)).unwrap();
    assert!((fit.inertia - 8.0 / 3.0).abs() < 1e-9, "{}", fit.inertia);
}

#[test]
fn random_init_draws_distinct_rows() {
    use rand_chacha::rand_core::SeedableRng;
    let x: Vec<f64> = (0..10).map(|i| i as f64).collect();
    for seed in 0..50 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut c = init::random_rows(&x, 1, 10, &mut rng);
        c.sort_by(f64::total_cmp);
        assert_eq!(c, x, "seed {seed}");
    }
}

#[test]
fn progress_reports_every_iteration_of_every_run() {
    let x = crate::core::bench::blobs(500, 2, 3, 1);
    let mut seen = Vec::new();
    let fit = fit_with_progress(&x, 2, &KMeansParams::new(3).n_runs(2), &mut |p| {
        seen.push((p.run, p.iteration));
        true
    })
    .unwrap();
    assert_eq!(seen.first(), Some(&(0, 0)));
    assert!(seen.contains(&(1, 0)));
    // Within a run, iterations count up by one from 0.
    for w in seen.windows(2) {
        assert!(w[1] == (w[0].0, w[0].1 + 1) || w[1] == (w[0].0 + 1, 0), "{w:?}");
    }
    assert!(seen.iter().any(|&(_, i)| i == fit.n_iterations));
}

#[test]
fn returning_false_from_progress_cancels_the_fit() {
    let x = crate::core::bench::blobs(500, 2, 3, 1);
    let mut calls = 0;
    let result = fit_with_progress(&x, 2, &KMeansParams::new(3), &mut |p| {
        calls += 1;
        p.iteration < 2
    });
    assert_eq!(result, Err(KMeansError::Cancelled));
    assert_eq!(calls, 3);
    let mut calls = 0;
    let at_start = fit_with_progress(&x, 2, &KMeansParams::new(3), &mut |_| {
        calls += 1;
        false
    });
    assert_eq!((at_start, calls), (Err(KMeansError::Cancelled), 1));
}

#[test]
fn distance_is_the_same_for_every_width_and_order() {
    // Unrolled and run-time kernels share one summation order: even lanes, odd lanes, sum.
    let a = [1.0, 2.0, 3.0, 4.0, 5.0];
    let b = [0.5, 0.0, 1.0, 1.0, 1.0];
    // even: 0.25 + 4 + 16 = 20.25, odd: 4 + 9 = 13
    assert_eq!(squared_distance(&a, &b), 33.25);
    assert_eq!(squared_distance(&a[..1], &b[..1]), 0.25);
}

/// The stream positions [`Prepared::run`] jumps to are where the sequential draws end:
/// k-means++ and random rows take a fixed number of draws whatever the data.
#[test]
fn each_run_starts_where_the_previous_runs_draws_end() {
    let (data, d) = (vec![0.0, 0.0, 1.0, 0.5, 9.0, 9.0, 8.0, 9.5, 0.2, 7.0, 5.0, 5.0, 3.0, 1.0, 6.0, 2.0], 2);
    for k in 1..=7 {
        for init in [Init::KMeansPlusPlus, Init::Random] {
            let mut prepared = Prepared::new(&data, d, &KMeansParams::new(k).init(init)).unwrap();
            prepared.valid.seed = 7;
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            for _ in 0..3 {
                match init {
                    Init::KMeansPlusPlus => init::kmeans_plusplus(&prepared.centred, d, k, &mut rng),
                    Init::Random => init::random_rows(&prepared.centred, d, k, &mut rng),
                };
            }
            assert_eq!(rng.get_word_pos(), 2 * 3 * prepared.draws_per_run(), "k = {k}, {init:?}");
        }
    }
}

/// Runs computed in any order, by any number of workers, each with its own workspace,
/// then reduced with [`better_run`] in any order, give `fit`'s result bit for bit.
#[test]
fn runs_split_across_workers_give_the_fit_bit_for_bit() {
    let data: Vec<f64> = (0..600).map(|i| ((i * 7919) % 613) as f64 / 61.0 + if i % 6 < 3 { 0.0 } else { 4.0 }).collect();
    let d = 3;
    for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly] {
        let params = KMeansParams::new(4).seed(11).n_runs(7).algorithm(algorithm);
        let whole = fit(&data, d, &params).unwrap();
        // A helper keeps its copy centred in place; the engine keeps only the checks.
        let prepared = Prepared::new_owned(data.clone(), d, &params).unwrap();
        let engine = Prepared::without_data(&data, d, &params).unwrap();
        assert!(matches!(engine.run(0, &mut engine.workspace(), &mut |_| true), Err(KMeansError::BadShape { .. })));
        for workers in [1, 2, 3, 8] {
            // Worker w takes runs w, w + workers, ... (last first), keeps its best.
            let mut bests: Vec<RunOutcome> = (0..workers)
                .filter_map(|w| {
                    let mut ws = prepared.workspace();
                    (w..prepared.n_runs())
                        .step_by(workers)
                        .rev()
                        .map(|r| prepared.run(r, &mut ws, &mut |_| true).unwrap())
                        .reduce(better_run)
                })
                .collect();
            bests.reverse();
            let best = bests.into_iter().reduce(better_run).unwrap();
            let split = engine.finish(best);
            assert_eq!(split, whole, "{workers} workers, {algorithm:?}");
        }
    }
}
