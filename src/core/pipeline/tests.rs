use super::*;

fn plan(k_max: usize, max_rows: usize) -> SweepPlan {
    SweepPlan { k_max, seed: 42, max_rows, checks: SweepChecks::default() }
}
use crate::core::bench::gaussian;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// `n` rows in 4 dimensions around 8 centres (corners of a cube of side 10 lifted by
/// parity on the fourth axis), noise of standard deviation 1: well separated.
fn eight_groups(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut data = Vec::with_capacity(n * 4);
    for r in 0..n {
        let g = r % 8;
        let centre = [g & 1, (g >> 1) & 1, (g >> 2) & 1, g.count_ones() as usize % 2];
        for c in centre {
            data.push(10.0 * c as f64 + gaussian(&mut rng));
        }
    }
    data
}

#[test]
fn sample_row_indices_are_distinct_sorted_seeded_and_all_rows_when_few() {
    let a = sample_row_indices(1_000, 100, 7);
    assert_eq!(a.len(), 100);
    assert!(a.windows(2).all(|w| w[0] < w[1]));
    assert!(a.iter().all(|&i| i < 1_000));
    assert_eq!(a, sample_row_indices(1_000, 100, 7));
    assert_ne!(a, sample_row_indices(1_000, 100, 8));
    assert_eq!(sample_row_indices(5, 10, 7), vec![0, 1, 2, 3, 4]);
}

#[test]
fn above_the_cap_the_sweep_runs_on_a_seeded_sample_of_the_cap_with_at_least_three_runs() {
    let data = eight_groups(3_000, 1);
    let sweep = sweep_matrix("f.csv", &data, 4, &plan(4, 1_000), &mut |_, _| true).unwrap();
    assert_eq!(sweep.sample_rows, Some(1_000));
    assert_eq!(sweep.total_rows, 3_000);
    assert!(sweep.n_runs >= SWEEP_MIN_RUNS);
    assert_eq!(sweep.silhouette_rows, 1_000);
    assert_eq!(sweep, sweep_matrix("f.csv", &data, 4, &plan(4, 1_000), &mut |_, _| true).unwrap());
    // At or under the cap: every row, no sample.
    let all = sweep_matrix("f.csv", &data, 4, &plan(4, 3_000), &mut |_, _| true).unwrap();
    assert_eq!((all.sample_rows, all.total_rows, all.n_runs), (None, 3_000, 10));
}

#[test]
fn big_files_get_at_least_three_runs_per_k() {
    assert_eq!(sweep_runs(SWEEP_SAMPLE_MAX_ROWS, 8), SWEEP_MIN_RUNS);
    assert_eq!(sweep_runs(SWEEP_SAMPLE_MAX_ROWS, 16), SWEEP_MIN_RUNS);
    // Only width, never length, brings a sweep down to one run per k.
    assert_eq!(sweep_runs(SWEEP_SAMPLE_MAX_ROWS, 1_000), 1);
    assert_eq!(sweep_runs(usize::MAX, 8), SWEEP_MIN_RUNS);
}

#[test]
fn a_sample_of_eight_well_separated_groups_recommends_eight() {
    let data = eight_groups(10_000, 3);
    let sweep = sweep_matrix("f.csv", &data, 4, &plan(10, 2_000), &mut |_, _| true).unwrap();
    assert_eq!(sweep.sample_rows, Some(2_000));
    assert_eq!(sweep.recommendation.map(|r| r.k), Some(8), "{:?}", sweep.scores);
}

#[test]
fn a_continuum_says_no_clear_segments_and_the_direction_of_its_bands() {
    // One long cloud: income and spending move together, visits are noise of a smaller spread.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut csv = String::from("annual income,spending score,visits\n");
    for _ in 0..2_000 {
        let (a, b, c) = (gaussian(&mut rng), gaussian(&mut rng), gaussian(&mut rng));
        csv.push_str(&format!("{:.3},{:.3},{:.3}\n", 50.0 + 15.0 * a, 40.0 + 10.0 * (0.9 * a + 0.3 * b), 10.0 + 0.5 * c));
    }
    let file = load("cloud.csv", csv.as_bytes(), &IngestOptions::default(), &mut |_| {}).unwrap();
    let cleaned = clean(&file, &CleaningOptions::suggested(&file.profile)).unwrap();
    let sweep = sweep_k(&file, &cleaned, 10, 42, &mut |_, _| true).unwrap();
    let r = sweep.recommendation.unwrap();
    assert_eq!(r.rule, KRule::NoClearSegments, "{}", r.reason);
    let along = r.reason.split("Its bands run mostly along ").nth(1).unwrap();
    assert!(along.contains("annual income") && along.contains("spending score") && !along.contains("visits"), "{}", r.reason);
}

/// Over [`STARTS_SAMPLE_MIN_ROWS`] rows the starts are tried on a sample and the best is
/// finished on every row: the same partition and inertia as every start on every row, and
/// the same bits whether made here or as the page's pool makes them (starts shared out by
/// runs, the finishing run's rows in shards).
#[test]
fn a_large_fit_tries_its_starts_on_a_sample_and_finishes_the_best_on_every_row() {
    use crate::core::kmeans::shard::{drive, shard_ranges};
    use std::fmt::Write as _;
    let rows = STARTS_SAMPLE_MIN_ROWS + 50_000;
    let mut csv = String::from("a,b,c,d\n");
    for row in eight_groups(rows, 5).chunks_exact(4) {
        let _ = writeln!(csv, "{:.3},{:.3},{:.3},{:.3}", row[0], row[1], row[2], row[3]);
    }
    let file = load("big.csv", csv.as_bytes(), &IngestOptions::default(), &mut |_| {}).unwrap();
    let cleaned = clean(&file, &CleaningOptions::suggested(&file.profile)).unwrap();
    let options = SegmentOptions::new(8, 42);
    let plan = prepare_segment_fit(&file, &cleaned, &options).unwrap();
    assert_eq!(plan.starts_rows(), Some(STARTS_SAMPLE_ROWS));
    assert_eq!(plan.prepared.n_runs(), 1, "one run finishes");
    let starts = plan.starts.as_ref().unwrap();
    assert_eq!(starts.prepared.n_runs(), 10, "the ten starts, on the sample");
    let here = plan.best_run(&mut |_| true).unwrap();

    // As the pool: the starts in two workers' halves, the finishing run in three shards.
    let best_start = (0..2)
        .filter_map(|w| {
            (w..10)
                .step_by(2)
                .map(|r| starts.prepared.run(r, &mut starts.prepared.workspace(), &mut |_| true).unwrap())
                .reduce(kmeans::better_run)
        })
        .reduce(kmeans::better_run)
        .unwrap();
    let initial = plan.finishing_centers(&best_start).unwrap();
    let ranges = shard_ranges(plan.prepared.n_rows(), 3);
    let mut shards: Vec<_> = ranges.iter().map(|r| plan.prepared.shard(r.clone())).collect();
    let mut pairs: Vec<(&[f64], &mut _)> = ranges.iter().map(|r| plan.prepared.centred_rows(r.clone())).zip(shards.iter_mut()).collect();
    let pooled = plan.prepared.outcome(0, drive(plan.prepared.iterations(initial), &mut pairs, &mut |_, _| true).unwrap());
    assert_eq!(pooled.inertia.to_bits(), here.inertia.to_bits());
    assert_eq!(pooled, here);

    // Every start on every row (scikit-learn's KMeans(n_init=10)): the same segments.
    let full = kmeans::fit(&cleaned.scaled, cleaned.n_features, &segment_params(&options)).unwrap();
    let (fit, _) = plan.finish(&cleaned, here);
    assert!((fit.inertia - full.inertia).abs() <= 1e-9 * full.inertia, "{} vs {}", fit.inertia, full.inertia);
    let mut pairs_of_labels: Vec<(usize, usize)> = fit.labels.iter().copied().zip(full.labels.iter().copied()).collect();
    pairs_of_labels.sort_unstable();
    pairs_of_labels.dedup();
    assert_eq!(pairs_of_labels.len(), 8, "one segment for one segment");

    let segmentation = segment(&file, &cleaned, &options).unwrap();
    assert_eq!(segmentation.starts_rows, Some(STARTS_SAMPLE_ROWS));
    assert_eq!(segmentation.labels, fit.labels);

    // At the threshold and below, every start on every row, as before.
    let few = load(
        "few.csv",
        csv.as_bytes().split(|&b| b == b'\n').take(STARTS_SAMPLE_MIN_ROWS + 1).collect::<Vec<_>>().join(&b'\n').as_slice(),
        &IngestOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    let few_cleaned = clean(&few, &CleaningOptions::suggested(&few.profile)).unwrap();
    let few_plan = prepare_segment_fit(&few, &few_cleaned, &options).unwrap();
    assert_eq!(few_plan.starts_rows(), None);
    assert_eq!(few_plan.prepared.n_runs(), 10);
}
