//! How often is the recommended k right? Generates labelled sets whose number of groups is
//! known (`core::k_bench::generate`: k = 2..9 in turn, 2–8 features, rows log-uniform in
//! `--min-rows..--max-rows`, unequal sizes and spreads, some stretched groups), keeps a set
//! only when K-Means at the true k finds its groups (k-means++, 10 runs, adjusted Rand
//! index ≥ 0.95, on the standardised columns; a rejected set is replaced by another of the
//! same k), runs the page's sweep (k = 2..10, standardised columns, the page's runs per k)
//! and prints each method's pick per set and its accuracy over all sets: our
//! recommendation, best silhouette, best Calinski–Harabasz, lowest Davies–Bouldin, the
//! Kneedle knee, and the gap statistic (1-SE rule, 10 uniform reference sets).
//!
//! `cargo run --release --example k_accuracy [-- --sets 24 --min-rows 1500 --max-rows 30000 --seed 1 --min-sep 20 --max-sep 30]`
//! (`CARGO_PROFILE_RELEASE_OPT_LEVEL=3` for speed: the release profile is tuned for size).
// A benchmark program, not user-facing: a failed fit should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Instant;

use segmentation::core::clean::{Scaler, Scaling};
use segmentation::core::k_bench::{adjusted_rand_index, generate, SetSpec};
use segmentation::core::k_selection::gap::{gap_choice, GapScore};
use segmentation::core::k_selection::{sweep, Sweep};
use segmentation::core::kmeans::{fit, KMeansParams};
use segmentation::core::pipeline::sweep_runs;

const K_MAX: usize = 10;
const MIN_ARI: f64 = 0.95;
const METHODS: [&str; 6] = ["ours", "best silhouette", "best Calinski–Harabasz", "lowest Davies–Bouldin", "kneedle knee", "gap statistic"];

/// SplitMix64 for the sets' parameters.
#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map_or(default, |v| v.parse().expect("a whole number"))
}

fn best_by(sweep: &Sweep, score: impl Fn(&segmentation::core::k_selection::KScore) -> Option<f64>, higher: bool) -> Option<usize> {
    sweep
        .scores
        .iter()
        .filter_map(|s| score(s).map(|v| (s.k, if higher { v } else { -v })))
        .fold(None, |acc: Option<(usize, f64)>, (k, v)| match acc {
            Some((_, b)) if b >= v => acc,
            _ => Some((k, v)),
        })
        .map(|(k, _)| k)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n_sets = arg(&args, "--sets", 24) as usize;
    let min_rows = arg(&args, "--min-rows", 1_500) as usize;
    let max_rows = (arg(&args, "--max-rows", 30_000) as usize).max(min_rows);
    let seed = arg(&args, "--seed", 1);
    // Separation in tenths (20..30: 2.0 to 3.0 sd-sums between centres).
    let min_sep = arg(&args, "--min-sep", 20) as f64 / 10.0;
    let max_sep = (arg(&args, "--max-sep", 30) as f64 / 10.0).max(min_sep);
    let mut dump =
        args.iter().position(|a| a == "--dump").and_then(|i| args.get(i + 1)).map(|p| std::fs::File::create(p).expect("dump file"));
    let mut rng = Rng(seed);
    let started = Instant::now();

    println!("| set | k | n | d | stretched | sep | ARI at k | ours | silhouette | CH | DB | knee | gap | time (s) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut right = [0usize; METHODS.len()];
    let mut rejected = Vec::new();
    let mut kept = 0;
    for i in 0..n_sets {
        let k = 2 + i % 8;
        let mut attempts = 0;
        loop {
            attempts += 1;
            assert!(attempts <= 50, "no recoverable set of k = {k} in 50 attempts");
            let d = 2 + (rng.next_u64() % 7) as usize;
            let n = (min_rows as f64 * (max_rows as f64 / min_rows as f64).powf(rng.uniform())).round() as usize;
            let separation = min_sep + (max_sep - min_sep) * rng.uniform();
            let set_seed = rng.next_u64();
            let set = generate(SetSpec { n, d, k, separation, seed: set_seed });
            let data = Scaler::fit(Scaling::Standard, &set.data, d).transform(&set.data);
            let t = Instant::now();
            let truth = fit(&data, d, &KMeansParams::new(k)).expect("fit at the true k");
            let ari = adjusted_rand_index(&truth.labels, &set.labels).expect("same rows");
            if ari < MIN_ARI {
                rejected.push(format!("k = {k}, n = {n}, d = {d}, stretched {}, sep {separation:.2}: ARI {ari:.3}", set.stretched));
                continue;
            }
            let base = KMeansParams::new(2).n_runs(sweep_runs(n, d));
            let sw = sweep(&data, d, 2..=K_MAX, &base, &mut |_| true).expect("sweep");
            let gaps: Vec<GapScore> = sw
                .gap_one
                .iter()
                .cloned()
                .chain(sw.scores.iter().filter_map(|s| Some(GapScore { k: s.k, gap: s.gap?, s: s.gap_se? })))
                .collect();
            if let Some(f) = dump.as_mut() {
                use std::io::Write;
                let line = serde_json::json!({ "k": k, "n": n, "d": d, "sweep": &sw });
                writeln!(f, "{line}").expect("dump");
            }
            let picks = [
                sw.recommendation.as_ref().map(|r| r.k),
                best_by(&sw, |s| s.silhouette, true),
                best_by(&sw, |s| s.calinski_harabasz, true),
                best_by(&sw, |s| s.davies_bouldin, false),
                sw.knee,
                gap_choice(&gaps),
            ];
            let cells: Vec<String> = picks
                .iter()
                .zip(right.iter_mut())
                .map(|(p, r)| match p {
                    Some(p) if *p == k => {
                        *r += 1;
                        format!("{p}")
                    }
                    Some(p) => format!("**{p}**"),
                    None => "–".to_string(),
                })
                .collect();
            kept += 1;
            println!(
                "| {kept} | {k} | {n} | {d} | {} | {separation:.2} | {ari:.3} | {} | {:.1} |",
                set.stretched,
                cells.join(" | "),
                t.elapsed().as_secs_f64()
            );
            break;
        }
    }
    println!();
    println!("| method | right | accuracy |");
    println!("|---|---|---|");
    for (name, r) in METHODS.iter().zip(right) {
        println!("| {name} | {r} / {kept} | {:.0}% |", 100.0 * r as f64 / kept.max(1) as f64);
    }
    println!();
    println!("Wrong picks in bold. Sets rejected (K-Means at the true k below ARI {MIN_ARI}): {}", rejected.len());
    for r in &rejected {
        println!("- {r}");
    }
    println!("Total {:.0} s.", started.elapsed().as_secs_f64());
}
