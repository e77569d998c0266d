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
