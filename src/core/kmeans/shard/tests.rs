use super::*;
use crate::core::kmeans::{Algorithm, Init, KMeansParams, Prepared, RunOutcome};

/// Overlapping groups over several blocks: `n` rows of 3 features, deterministic.
fn groups(n: usize) -> Vec<f64> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .flat_map(|i| {
            let g = (i % 5) as f64;
            let (a, b, c) = (next(), next(), next());
            [g * 2.0 + a * 3.0, g * g - b * 4.0, c * 10.0]
        })
        .collect()
}

/// Run `run` of `prepared` with its rows shared out in `parts` shards.
fn run_in_shards(prepared: &Prepared, run: usize, parts: usize) -> RunOutcome {
    let initial = prepared.initial_centers(run).unwrap();
    let ranges = shard_ranges(prepared.n_rows(), parts);
    assert_eq!(ranges.len(), parts.min(blocks_in(prepared.n_rows())));
    let mut shards: Vec<Shard> = ranges.iter().map(|r| prepared.shard(r.clone())).collect();
    let mut pairs: Vec<(&[f64], &mut Shard)> = ranges.iter().map(|r| prepared.centred_rows(r.clone())).zip(shards.iter_mut()).collect();
    let ended = drive(prepared.iterations(initial), &mut pairs, &mut |_, _| true).unwrap();
    prepared.outcome(run, ended)
}

#[test]
fn shards_are_whole_blocks_covering_every_row_once() {
    for (n, parts) in [(1, 1), (1, 8), (8_192, 2), (8_193, 2), (70_000, 3), (70_000, 8), (70_000, 20)] {
        let ranges = shard_ranges(n, parts);
        assert_eq!(ranges.first().map(|r| r.start), Some(0));
        assert_eq!(ranges.last().map(|r| r.end), Some(n));
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
            assert_eq!(pair[0].end % BLOCK_ROWS, 0, "{n} rows in {parts}");
            assert!(!pair[0].is_empty());
        }
        assert!(ranges.len() <= parts);
    }
    // No rows or no shards asked (a bound from the pool's size): one shard, no panic.
    for (n, parts) in [(0, 0), (0, 3), (5, 0)] {
        assert_eq!(shard_ranges(n, parts), vec![0..n], "{n} rows in {parts}");
    }
}

#[test]
fn one_two_three_or_eight_shards_give_the_same_bits() {
    let data = groups(70_000);
    for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly, Algorithm::Auto] {
        let params = KMeansParams::new(6).seed(11).n_runs(2).algorithm(algorithm);
        let prepared = Prepared::new(&data, 3, &params).unwrap();
        for run in 0..2 {
            let whole = prepared.run(run, &mut prepared.workspace(), &mut |_| true).unwrap();
            assert!(whole.n_iterations > 2, "{algorithm:?}: the fit should iterate");
            for parts in [1, 2, 3, 8] {
                let sharded = run_in_shards(&prepared, run, parts);
                // Bit for bit: f64's == would let -0.0 equal 0.0.
                let bits = |o: &RunOutcome| (o.centers.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), o.inertia.to_bits());
                assert_eq!(bits(&sharded), bits(&whole), "{algorithm:?}, run {run}, {parts} shards");
                assert_eq!(sharded, whole, "{algorithm:?}, run {run}, {parts} shards");
            }
        }
    }
}

#[test]
fn an_empty_cluster_takes_the_farthest_row_whatever_the_shards() {
    // A centre far from every row is left empty at the first step and takes the row
    // farthest from its centre; the farthest rows sit in different shards.
    let data = groups(40_000);
    let params = KMeansParams::new(4).seed(3).init(Init::Random);
    let prepared = Prepared::new(&data, 3, &params).unwrap();
    let mut initial = prepared.initial_centers(0).unwrap();
    initial[9..12].copy_from_slice(&[1e6, 1e6, 1e6]);
    let mut ended = Vec::new();
    for parts in [1, 2, 5] {
        let ranges = shard_ranges(prepared.n_rows(), parts);
        let mut shards: Vec<Shard> = ranges.iter().map(|r| prepared.shard(r.clone())).collect();
        let mut pairs: Vec<(&[f64], &mut Shard)> = ranges.iter().map(|r| prepared.centred_rows(r.clone())).zip(shards.iter_mut()).collect();
        let mut iterations = prepared.iterations(initial.clone());
        let Next::Step { centers, lloyd } = iterations.start() else { panic!("a run starts with a step") };
        let parts_answers: Vec<StepPartials> = pairs.iter_mut().map(|(d, s)| s.step(d, &centers, lloyd)).collect();
        assert_eq!(iterations.stepped(&parts_answers), Next::Farthest { count: 1 }, "{parts} shards");
        // The same run from its start: the shards forget the step above.
        pairs.iter_mut().for_each(|(_, s)| s.reset());
        let run = drive(prepared.iterations(initial.clone()), &mut pairs, &mut |_, _| true).unwrap();
        // Every cluster holds rows in the end.
        for j in 0..4 {
            assert!(run.labels.contains(&j), "{parts} shards: cluster {j} is empty");
        }
        ended.push((run.centers, run.labels, run.inertia.to_bits(), run.n_iterations));
    }
    assert!(ended.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn the_farthest_rows_are_ordered_by_distance_then_row() {
    let data = [0.0, 5.0, -5.0, 1.0, 5.0];
    let mut shard = Shard::new(100, 5, 1, 1, Algorithm::Lloyd);
    shard.step(&data, &[0.0], false);
    let far = shard.farthest(&data, 3);
    assert_eq!(far.iter().map(|f| f.row).collect::<Vec<_>>(), [101, 102, 104]);
    assert_eq!(far[0].values, [5.0]);
    assert_eq!(shard.farthest(&data, 9).len(), 5);
}

#[test]
fn a_run_on_a_used_workspace_does_not_take_the_last_runs_labels_for_its_own_first_step() {
    // Tight groups: the first step's labels are already the last ones, so a run that took
    // the previous run's labels for its own would stop after one iteration.
    let data: Vec<f64> = (0..20_000).flat_map(|i| [(i % 5) as f64 * 100.0 + (i % 7) as f64 * 0.01, (i % 3) as f64 * 0.01]).collect();
    // No tolerance: only repeated labels end a run.
    let prepared = Prepared::new(&data, 2, &KMeansParams::new(5).seed(2).tolerance(0.0)).unwrap();
    let fresh = prepared.run(1, &mut prepared.workspace(), &mut |_| true).unwrap();
    assert!(fresh.n_iterations >= 2);
    let mut used = prepared.workspace();
    prepared.run(1, &mut used, &mut |_| true).unwrap();
    assert_eq!(prepared.run(1, &mut used, &mut |_| true).unwrap(), fresh);
}

#[test]
fn a_pool_splits_by_runs_when_they_share_out_evenly_and_the_copies_are_small() {
    assert_eq!(split(1_000_000, 8, 10, 1), Split::Runs);
    assert_eq!(split(1_000_000, 8, 10, 2), Split::Runs);
    // 10 runs on 3 or 8 helpers leave helpers idle at the end.
    assert_eq!(split(1_000_000, 8, 10, 3), Split::Rows);
    assert_eq!(split(1_000_000, 8, 10, 8), Split::Rows);
    // Copies over the budget.
    assert_eq!(split(3_000_000, 8, 10, 2), Split::Rows);
    // Too few blocks to share.
    assert_eq!(split(10_000, 8, 10, 3), Split::Runs);
}

/// Run `run`'s k-means++ draw with the rows in `parts` shards, as a pool carries it.
fn plus_plus_in_shards(prepared: &Prepared, run: usize, parts: usize) -> Vec<f64> {
    use crate::core::kmeans::init::PlusPlusShard;
    let ranges = shard_ranges(prepared.n_rows(), parts);
    let mut shards: Vec<PlusPlusShard> = ranges.iter().map(|_| PlusPlusShard::new(prepared.n_features())).collect();
    let (mut draw, first) = prepared.plus_plus(run).unwrap();
    let rows = |i: usize| prepared.centred_rows(ranges[i].clone());
    let sums: Vec<f64> = shards.iter_mut().enumerate().flat_map(|(i, s)| s.start(rows(i), &first)).collect();
    let mut next = draw.started(prepared.centred(), sums, None);
    let mut trials = 0;
    while let Some(trial) = next {
        let sums: Vec<f64> = shards.iter_mut().enumerate().flat_map(|(i, s)| s.trial(rows(i), trial.chosen, &trial.candidates)).collect();
        next = draw.tried(prepared.centred(), &sums, None);
        trials += 1;
    }
    assert_eq!(trials, prepared.valid.n_clusters - 1);
    draw.centers()
}

#[test]
fn k_means_plus_plus_over_one_two_three_or_eight_shards_gives_the_same_bits() {
    let data = groups(70_000);
    for k in [1, 2, 6] {
        let prepared = Prepared::new(&data, 3, &KMeansParams::new(k).seed(5).n_runs(4)).unwrap();
        for run in 0..4 {
            let whole = prepared.initial_centers(run).unwrap();
            assert_eq!(whole.len(), k * 3);
            for parts in [1, 2, 3, 8] {
                assert_eq!(plus_plus_in_shards(&prepared, run, parts), whole, "k = {k}, run {run}, {parts} shards");
            }
        }
    }
    // Random rows need no shards.
    let random = Prepared::new(&data, 3, &KMeansParams::new(3).init(Init::Random)).unwrap();
    assert!(random.plus_plus(0).is_none());
}
