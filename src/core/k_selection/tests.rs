use super::*;
use crate::core::bench::gaussian;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn score(k: usize, silhouette: Option<f64>) -> KScore {
    KScore {
        k,
        inertia: 0.0,
        silhouette,
        calinski_harabasz: None,
        davies_bouldin: None,
        n_iterations: 1,
        gap: None,
        gap_se: None,
        stability: None,
        stability_min: None,
        valley: None,
    }
}

#[test]
fn knee_of_a_sharp_elbow_worked_out_by_hand() {
    // x = 0, .25, .5, .75, 1; y scaled = 1, .2045, .0909, .0341, 0;
    // D = 0, .545, .409, .216, 0 → k = 2, above the threshold 1/4.
    assert_eq!(knee(&[1, 2, 3, 4, 5], &[100.0, 30.0, 20.0, 15.0, 12.0]), Some(2));
}

#[test]
fn knee_of_a_halving_curve_worked_out_by_hand() {
    // y = 8, 4, 2, 1, 0.5 → scaled 1, .4667, .2, .0667, 0; D = 0, .2833, .3, .1833, 0.
    assert_eq!(knee(&[1, 2, 3, 4, 5], &[8.0, 4.0, 2.0, 1.0, 0.5]), Some(3));
}

#[test]
fn straight_concave_flat_or_short_curves_have_no_knee() {
    assert_eq!(knee(&[1, 2, 3, 4, 5], &[10.0, 9.0, 8.0, 7.0, 6.0]), None);
    // Concave: y scaled 1, .9, .7, .4, 0 → D = 0, −.15, −.2, −.15, 0.
    assert_eq!(knee(&[1, 2, 3, 4, 5], &[10.0, 9.5, 8.5, 7.0, 5.0]), None);
    assert_eq!(knee(&[1, 2, 3], &[4.0, 4.0, 4.0]), None);
    assert_eq!(knee(&[1, 2], &[10.0, 1.0]), None);
    // A mild bend: y scaled 1, .6, .3, .1, 0 → D max .15 at k = 2, 3, under 1/4.
    assert_eq!(knee(&[1, 2, 3, 4, 5], &[10.0, 6.0, 3.0, 1.0, 0.0]), None);
}

#[test]
fn the_knee_is_kept_when_its_silhouette_is_close_to_the_best() {
    let scores = [score(2, Some(0.60)), score(3, Some(0.58)), score(4, Some(0.40))];
    let r = recommend(&scores, Some(3)).unwrap();
    assert_eq!(r.k, 3);
    assert_eq!(
        r.reason,
        "k = 3: the elbow of the inertia curve, with a silhouette (0.58) close to the best (0.60, at k = 2) among k = 2..4."
    );
}

#[test]
fn the_best_silhouette_overrules_a_knee_it_clearly_disagrees_with() {
    let scores = [score(2, Some(0.30)), score(3, Some(0.70)), score(4, Some(0.50))];
    let r = recommend(&scores, Some(4)).unwrap();
    assert_eq!(r.k, 3);
    assert_eq!(
        r.reason,
        "k = 3: the best silhouette (0.70) among k = 2..4; the elbow of the inertia curve, k = 4, has a clearly lower silhouette (0.50)."
    );
    let agree = recommend(&scores, Some(3)).unwrap();
    assert_eq!(agree.reason, "k = 3: the elbow of the inertia curve, and the best silhouette (0.70) among k = 2..4.");
}

#[test]
fn without_a_knee_or_a_silhouette_the_other_decides() {
    let scores = [score(1, None), score(2, Some(0.3)), score(3, Some(0.5))];
    assert_eq!(
        recommend(&scores, None).unwrap().reason,
        "k = 3: the best silhouette (0.50) among k = 2..3; the inertia curve has no clear elbow."
    );
    let none = [score(1, None)];
    assert_eq!(recommend(&none, Some(1)).unwrap().k, 1);
    assert_eq!(recommend(&none, None), None);
}

/// `per` points around each of five centres far apart (σ = 0.5, gaps ≥ 10).
fn five_blobs(per: usize) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let centres = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0), (10.0, 10.0), (20.0, 5.0)];
    let mut x = Vec::new();
    for _ in 0..per {
        for (cx, cy) in centres {
            x.push(cx + 0.5 * gaussian(&mut rng));
            x.push(cy + 0.5 * gaussian(&mut rng));
        }
    }
    x
}

#[test]
fn five_well_separated_blobs_recommend_five() {
    let x = five_blobs(100);
    let sweep = sweep(&x, 2, 2..=10, &KMeansParams::new(2).n_runs(3).seed(1), &mut |_| true).unwrap();
    assert_eq!(sweep.scores.iter().map(|s| s.k).collect::<Vec<_>>(), (2..=10).collect::<Vec<_>>());
    assert_eq!(sweep.knee, Some(5));
    let r = sweep.recommendation.unwrap();
    assert_eq!(r.k, 5, "{}", r.reason);
    assert_eq!(r.rule, KRule::Separated);
    assert!(
        r.reason.starts_with("k = 5: the most segments among k = 2..10 that each stand apart from their nearest neighbour"),
        "{}",
        r.reason
    );
    assert!(r.reason.contains("hold up when refitted on resampled customers"), "{}", r.reason);
    // Every segment of the five is highly stable, and set apart by an empty valley.
    let at5 = &sweep.scores[3];
    assert!(at5.stability_min.unwrap() > 0.95 && at5.valley.unwrap() < 0.1, "{at5:?}");
    assert!(at5.gap.unwrap() > sweep.scores[2].gap.unwrap());
    assert!(sweep.silhouette_exact && sweep.silhouette_rows == 500);
    // Inertia falls with k; CH is highest and DB lowest at the true k.
    for w in sweep.scores.windows(2) {
        assert!(w[1].inertia <= w[0].inertia);
    }
    let at5 = &sweep.scores[3];
    assert!(sweep.scores.iter().all(|s| s.calinski_harabasz <= at5.calinski_harabasz));
    assert!(sweep.scores.iter().all(|s| s.davies_bouldin >= at5.davies_bouldin));
}

#[test]
fn large_inputs_get_a_sampled_silhouette_whose_size_is_reported() {
    let x = five_blobs(100);
    let base = KMeansParams::new(2).n_runs(1).seed(1);
    let sampled = sweep_with_limit(&x, 2, 4..=6, &base, &mut |_| true, 120, &SweepChecks::none()).unwrap();
    assert_eq!((sampled.silhouette_rows, sampled.silhouette_exact), (120, false));
    let exact = sweep_with_limit(&x, 2, 4..=6, &base, &mut |_| true, 1000, &SweepChecks::none()).unwrap();
    for (a, b) in sampled.scores.iter().zip(&exact.scores) {
        assert_eq!(a.inertia, b.inertia);
        assert!((a.silhouette.unwrap() - b.silhouette.unwrap()).abs() < 0.05);
    }
}

#[test]
fn the_sweep_reports_progress_and_can_be_cancelled() {
    let x = five_blobs(20);
    let mut ks = Vec::new();
    let result = sweep(&x, 2, 2..=6, &KMeansParams::new(2).n_runs(1), &mut |p| {
        ks.push(p.k);
        assert_eq!(p.n_k, 5);
        p.k < 4
    });
    assert_eq!(result, Err(KSelectionError::Cancelled));
    assert_eq!(ks.last(), Some(&4));
    assert!(ks.contains(&2) && ks.contains(&3));
}

#[test]
fn an_empty_range_or_too_large_k_is_reported() {
    let x = [0.0, 1.0, 2.0, 10.0];
    let base = KMeansParams::new(2);
    #[allow(clippy::reversed_empty_ranges)] // an empty range is the case under test
    let empty = 3..=2;
    assert_eq!(sweep(&x, 1, empty, &base, &mut |_| true), Err(KSelectionError::EmptyRange { start: 3, end: 2 }));
    assert_eq!(sweep(&x, 1, 0..=2, &base, &mut |_| true), Err(KSelectionError::EmptyRange { start: 0, end: 2 }));
    let s = sweep(&x, 1, 1..=6, &base, &mut |_| true).unwrap();
    assert_eq!(s.scores.len(), 4);
    assert_eq!(s.warnings.len(), 1);
    assert!(matches!(sweep(&x, 1, 5..=6, &base, &mut |_| true), Err(KSelectionError::Fit { k: 5, .. })));
}

#[test]
fn silhouette_row_limit_keeps_the_pairwise_work_of_ten_thousand_rows_of_eight_features() {
    for d in 1..=8 {
        assert_eq!(silhouette_max_rows(d), EXACT_SILHOUETTE_MAX_ROWS);
    }
    // ⌊√(10,000² · 8 / d)⌋.
    assert_eq!(silhouette_max_rows(16), 7_071);
    assert_eq!(silhouette_max_rows(300), 1_632);
    assert_eq!(silhouette_max_rows(1_000), 894);
    assert_eq!(silhouette_max_rows(usize::MAX), 2);
}

#[test]
fn the_basis_says_what_the_sweep_ran_on() {
    let mut sweep = Sweep {
        scores: (2..=10).map(|k| score(k, None)).collect(),
        silhouette_rows: 10_000,
        silhouette_exact: false,
        knee: None,
        recommendation: None,
        warnings: Vec::new(),
        sample_rows: Some(100_000),
        total_rows: 1_000_000,
        n_runs: 3,
        gap_one: None,
        stability_basis: None,
    };
    assert_eq!(
        sweep.basis().unwrap(),
        "k = 2..10 tried on a seeded sample of 100,000 of 1,000,000 rows (3 runs each); the segments are fitted on all rows."
    );
    sweep.sample_rows = None;
    sweep.total_rows = 950;
    sweep.n_runs = 10;
    assert_eq!(sweep.basis().unwrap(), "k = 2..10 tried on all 950 rows (10 runs each).");
    sweep.total_rows = 0;
    assert_eq!(sweep.basis(), None);
}

fn measured(k: usize, silhouette: f64, valley: f64, stability_min: f64) -> KScore {
    KScore { valley: Some(valley), stability_min: Some(stability_min), stability: Some(stability_min), ..score(k, Some(silhouette)) }
}

#[test]
fn the_rule_takes_the_most_segments_that_stand_apart_and_hold_up() {
    // k = 3 and 5 stand apart and hold up; 6 runs into a neighbour; 4 has a weak segment.
    let scores = [
        measured(2, 0.60, 0.05, 0.99),
        measured(3, 0.55, 0.30, 0.95),
        measured(4, 0.50, 0.40, 0.45),
        measured(5, 0.52, 0.60, 0.90),
        measured(6, 0.40, 0.95, 0.70),
        measured(7, 0.35, 0.90, 0.50),
    ];
    let r = recommend(&scores, Some(3)).unwrap();
    assert_eq!((r.k, r.rule), (5, KRule::Separated));
    assert_eq!(
        r.reason,
        "k = 5: the most segments among k = 2..7 that each stand apart from their nearest neighbour (the density between them dips to 60% of the lower peak or less) and hold up when refitted on resampled customers (least stable segment 0.90); at k = 6 two segments run into each other; silhouette 0.52."
    );
    // A segment under the stability floor rules its k out even when it stands apart.
    let shaky = [measured(2, 0.6, 0.1, 0.9), measured(3, 0.7, 0.1, STABILITY_FLOOR - 0.01)];
    assert_eq!(recommend(&shaky, None).unwrap().k, 2);
    // A sweep without the separation check keeps the elbow rule.
    let unmeasured = [score(2, Some(0.3)), score(3, Some(0.7))];
    assert_eq!(recommend(&unmeasured, Some(3)).unwrap().rule, KRule::ElbowSilhouette);
}

#[test]
fn no_k_standing_apart_is_said_to_be_no_clear_segments() {
    let scores = [measured(2, 0.35, 0.95, 0.9), measured(3, 0.38, 0.99, 0.8), measured(4, 0.33, 1.0, 0.7)];
    let r = recommend(&scores, Some(3)).unwrap();
    assert_eq!((r.k, r.rule), (3, KRule::NoClearSegments));
    assert!(r.reason.starts_with("No clear segments: at every k in k = 2..4 some segment runs into its nearest neighbour"), "{}", r.reason);
    assert!(r.reason.ends_with("k = 3 has the best silhouette (0.38) if you segment anyway."), "{}", r.reason);
}

#[test]
fn a_gaussian_cloud_and_uniform_noise_have_no_clear_segments() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    // One round cloud in 3 features, one long cloud of two correlated features, a uniform square.
    let round: Vec<f64> = (0..6_000).map(|_| gaussian(&mut rng)).collect();
    let long: Vec<f64> = (0..3_000)
        .flat_map(|_| {
            let (a, b) = (gaussian(&mut rng), gaussian(&mut rng));
            [a, 0.8 * a + 0.3 * b]
        })
        .collect();
    let square: Vec<f64> = (0..6_000).map(|_| crate::core::kmeans::init::uniform(&mut rng)).collect();
    for (name, data, d) in [("round", &round, 3), ("long", &long, 2), ("uniform", &square, 2)] {
        let s = sweep(data, d, 2..=10, &KMeansParams::new(2).n_runs(3).seed(4), &mut |_| true).unwrap();
        let r = s.recommendation.unwrap();
        assert_eq!(r.rule, KRule::NoClearSegments, "{name}: {}", r.reason);
    }
}

/// The ks of a sweep computed apart (as the page's workers do: each builds its own setup
/// from the same inputs, takes ks in any order) and combined give the sequential sweep
/// bit for bit; with too large a k the outcomes past the stop are not read.
#[test]
fn ks_computed_by_any_number_of_workers_give_the_sequential_sweep() {
    let base = KMeansParams::new(2).seed(3).n_runs(3);
    let checks = SweepChecks::for_width(2);
    // Six distinct rows, each twice: the sweep stops before k = 7.
    let few: Vec<f64> = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 9.0, 9.0, 8.0, 9.0, 5.0, 2.0].repeat(2);
    for (data, range) in [(five_blobs(60), 2..=8), (few, 2..=9)] {
        let sequential = sweep_with_checks(&data, 2, range.clone(), &base, &checks, &mut |_| true).unwrap();
        assert_eq!(sequential.warnings.iter().any(|w| w.contains("stopped before k = 7")), *range.end() == 9);
        for workers in [1, 2, 3, 8] {
            let mut outcomes = Vec::new();
            for w in (0..workers).rev() {
                // Each worker draws the gap's reference sets once, for all its ks.
                let reference = SweepSetup::gap_reference(&data, 2, &base, &checks);
                let setup = SweepSetup::with_reference(&data, 2, range.clone(), &base, &checks, silhouette_max_rows(2), reference.as_ref())
                    .unwrap();
                let mine: Vec<usize> = setup.ks().skip(w).step_by(workers).collect();
                outcomes.extend(mine.into_iter().rev().map(|k| setup.one_k(k, &mut |_| true)));
            }
            let setup = SweepSetup::new(&data, 2, range.clone(), &base, &checks, silhouette_max_rows(2)).unwrap();
            assert_eq!(setup.combine(outcomes).unwrap(), sequential, "{workers} workers, k in {range:?}");
        }
    }
}
