//! Times each pipeline step on wide numeric files (many features), generated in memory with
//! a few real clusters: 200 × 1,000 and 10,000 × 300. `cargo run --release --example wide`
//! (optionally `-- ROWS COLUMNS` for one other shape).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Instant;

use segmentation::core::clean::CleaningOptions;
use segmentation::core::ingest::IngestOptions;
use segmentation::core::k_selection::SweepChecks;
use segmentation::core::pipeline::{clean, export_csv, load, segment, segment_stability, sweep_k, sweep_k_with, SegmentOptions};

/// SplitMix64: a small seeded generator, enough for test data.
#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

/// A CSV of `rows × cols` numbers around `clusters` random centres.
fn wide_csv(rows: usize, cols: usize, clusters: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let centres: Vec<Vec<f64>> = (0..clusters).map(|_| (0..cols).map(|_| rng.uniform() * 10.0).collect()).collect();
    rng::csv_around(&centres, rows, &mut rng)
}

fn run(rows: usize, cols: usize) {
    let bytes = wide_csv(rows, cols, 4, 7);
    let name = format!("wide_{rows}x{cols}.csv");
    println!("{name} ({:.1} MB)", bytes.len() as f64 / 1e6);
    let total = Instant::now();
    let t = Instant::now();
    let file = load(&name, &bytes, &IngestOptions::default(), &mut |_| {}).unwrap();
    println!("  load      {:>9.3} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let cleaned = clean(&file, &CleaningOptions::suggested(&file.profile)).unwrap();
    println!("  clean     {:>9.3} s  ({} rows × {} features)", t.elapsed().as_secs_f64(), cleaned.n_rows, cleaned.n_features);
    let t = Instant::now();
    let sweep = sweep_k(&file, &cleaned, 10, 42, &mut |_, _| true).unwrap();
    let k = sweep.recommendation.as_ref().map_or(4, |r| r.k);
    println!("  sweep_k   {:>9.3} s  (recommended k = {k})", t.elapsed().as_secs_f64());
    let t = Instant::now();
    sweep_k_with(&file, &cleaned, 10, 42, &SweepChecks::none(), &mut |_, _| true).unwrap();
    println!("    of which the fits and indexes {:>9.3} s (the rest: gap statistic, stability, valleys)", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let mut segmentation = segment(&file, &cleaned, &SegmentOptions::new(k, 42)).unwrap();
    println!(
        "  segment   {:>9.3} s  ({} segments, PCA map: {})",
        t.elapsed().as_secs_f64(),
        segmentation.n_clusters(),
        segmentation.pca.is_some()
    );
    let t = Instant::now();
    segment_stability(&file, &cleaned, &mut segmentation, 42, &mut |_| true).unwrap();
    println!(
        "  stability {:>9.3} s  ({})",
        t.elapsed().as_secs_f64(),
        segmentation.stability.as_ref().map(|s| s.basis()).unwrap_or_default()
    );
    let t = Instant::now();
    let csv = export_csv(&file, &cleaned, &segmentation, &[]).unwrap();
    println!("  export    {:>9.3} s  ({:.1} MB)", t.elapsed().as_secs_f64(), csv.len() as f64 / 1e6);
    println!("  total     {:>9.3} s", total.elapsed().as_secs_f64());
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    if let [rows, cols] = args[..] {
        run(rows, cols);
    } else {
        run(200, 1_000);
        run(10_000, 300);
    }
}
