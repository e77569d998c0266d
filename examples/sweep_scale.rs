//! The sweep over k at scale: 1,000,000 rows × 8 features around 8 well-separated centres
//! (seeded), read from CSV bytes and cleaned as the page does, then `pipeline::sweep_k`.
//! Prints the recommended k, what the sweep ran on and the time.
//! `cargo run --release --example sweep_scale` (optionally `-- ROWS`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Instant;

use segmentation::core::clean::CleaningOptions;
use segmentation::core::ingest::IngestOptions;
use segmentation::core::k_selection::SweepChecks;
use segmentation::core::pipeline::{clean, load, segment, segment_stability, sweep_k, sweep_k_with, SegmentOptions};

const FEATURES: usize = 8;
const GROUPS: usize = 8;

/// SplitMix64: a small seeded generator, enough for test data.
#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

/// A CSV of `rows × 8` numbers around 8 centres, every pair of centres at least 12 apart
/// (noise of standard deviation 1 per feature).
fn groups_csv(rows: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut centres: Vec<Vec<f64>> = Vec::new();
    while centres.len() < GROUPS {
        let c: Vec<f64> = (0..FEATURES).map(|_| rng.uniform() * 30.0).collect();
        let far = centres.iter().all(|o| o.iter().zip(&c).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() >= 144.0);
        if far {
            centres.push(c);
        }
    }
    rng::csv_around(&centres, rows, &mut rng)
}

fn main() {
    let rows: usize = std::env::args().nth(1).map_or(1_000_000, |a| a.parse().expect("ROWS is a number"));
    let bytes = groups_csv(rows, 8);
    let name = format!("groups_{rows}x{FEATURES}.csv");
    println!("{name} ({:.1} MB), {GROUPS} groups", bytes.len() as f64 / 1e6);
    let t = Instant::now();
    let file = load(&name, &bytes, &IngestOptions::default(), &mut |_| {}).unwrap();
    let cleaned = clean(&file, &CleaningOptions::suggested(&file.profile)).unwrap();
    println!("  load + clean {:>8.3} s  ({} rows × {} features)", t.elapsed().as_secs_f64(), cleaned.n_rows, cleaned.n_features);
    let t = Instant::now();
    let sweep = sweep_k(&file, &cleaned, 10, 42, &mut |_, _| true).unwrap();
    let elapsed = t.elapsed().as_secs_f64();
    let k = sweep.recommendation.as_ref().map_or(0, |r| r.k);
    println!("  sweep_k      {elapsed:>8.3} s  recommended k = {k}");
    println!(
        "  swept on     {} of {} rows, {} runs per k",
        sweep.sample_rows.map_or_else(|| "all".to_owned(), |m| m.to_string()),
        sweep.total_rows,
        sweep.n_runs
    );
    if let Some(basis) = sweep.basis() {
        println!("  page says: {basis}");
    }
    if let Some(r) = &sweep.recommendation {
        println!("  reason: {}", r.reason);
    }
    let t = Instant::now();
    let bare = sweep_k_with(&file, &cleaned, 10, 42, &SweepChecks::none(), &mut |_, _| true).unwrap();
    let bare_elapsed = t.elapsed().as_secs_f64();
    println!(
        "  sweep_k without gap and stability {bare_elapsed:>8.3} s (the checks add {:.3} s); its elbow rule says k = {}",
        elapsed - bare_elapsed,
        bare.recommendation.as_ref().map_or(0, |r| r.k)
    );
    let t = Instant::now();
    let mut seg = segment(&file, &cleaned, &SegmentOptions::new(k.max(1), 42)).unwrap();
    let fit_elapsed = t.elapsed().as_secs_f64();
    let t = Instant::now();
    segment_stability(&file, &cleaned, &mut seg, 42, &mut |_| true).unwrap();
    let stability = seg.stability.as_ref().unwrap();
    println!(
        "  segments at k = {k}: fit {fit_elapsed:.3} s, then stability {:.3} s ({}); Jaccard per segment {:?}",
        t.elapsed().as_secs_f64(),
        stability.basis(),
        stability.jaccard.iter().map(|j| j.map_or(f64::NAN, |j| (j * 1000.0).round() / 1000.0)).collect::<Vec<_>>()
    );
    for s in &sweep.scores {
        println!("    k = {:>2}  inertia {:>14.1}  silhouette {:>6.3}", s.k, s.inertia, s.silhouette.unwrap_or(f64::NAN));
    }
}
