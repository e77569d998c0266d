//! How often is the recommended k right? Draws labelled sets whose number of groups is
//! known and recoverable (`core::k_bench::draw_sets`: k = 2..9 in turn, 2–8 features, rows
//! log-uniform in `--min-rows..--max-rows`, unequal sizes and spreads, some stretched
//! groups, kept only when K-Means at the true k finds the groups, adjusted Rand ≥ 0.95),
//! runs the page's sweep on each (k = 2..10, standardised columns, the page's runs and
//! checks) and prints each method's pick per set and its accuracy over all sets: our
//! recommendation, best silhouette, best Calinski–Harabasz, lowest Davies–Bouldin, the
//! Kneedle knee, and the gap statistic (1-SE rule, 10 reference sets).
//!
//! `cargo run --release --example k_accuracy [-- --sets 24 --min-rows 1500 --max-rows 30000 --seed 1 --min-sep 20 --max-sep 30 --dump FILE --write-csv DIR]`
//! (separations in tenths; `--dump` writes each set's sweep as a JSON line, `--write-csv`
//! each set as a CSV for `scripts/k_accuracy_page.mjs`, which runs them through the page;
//! `CARGO_PROFILE_RELEASE_OPT_LEVEL=3` for speed: the release profile is tuned for size).
// A benchmark program, not user-facing: a failed fit should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write;
use std::time::Instant;

use segmentation::core::k_bench::{draw_sets, picks, DrawOptions, METHODS, MIN_ARI};

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map_or(default, |v| v.parse().expect("a whole number"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let options = DrawOptions {
        count: arg(&args, "--sets", 24) as usize,
        min_rows: arg(&args, "--min-rows", 1_500) as usize,
        max_rows: arg(&args, "--max-rows", 30_000) as usize,
        min_separation: arg(&args, "--min-sep", 20) as f64 / 10.0,
        max_separation: arg(&args, "--max-sep", 30) as f64 / 10.0,
        seed: arg(&args, "--seed", 1),
    };
    // `--write-csv DIR`: each set as DIR/set_NN_kK.csv (columns x1..xd, no label), to run
    // through the built page as a user would.
    let csv_dir = args.iter().position(|a| a == "--write-csv").and_then(|i| args.get(i + 1)).cloned();
    let mut dump =
        args.iter().position(|a| a == "--dump").and_then(|i| args.get(i + 1)).map(|p| std::fs::File::create(p).expect("dump file"));
    let started = Instant::now();
    let drawn = draw_sets(&options).expect("sets");
    let (sets, rejected) = (drawn.kept, drawn.rejected);

    println!("| set | k | n | d | stretched | sep | ARI at k | ours | silhouette | CH | DB | knee | gap | time (s) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut right = [0usize; METHODS.len()];
    for (i, set) in sets.iter().enumerate() {
        if let Some(dir) = &csv_dir {
            let d = set.spec.d;
            let mut text = (1..=d).map(|j| format!("x{j}")).collect::<Vec<_>>().join(",") + "\n";
            for row in set.set.data.chunks_exact(d) {
                text += &row.iter().map(|v| format!("{v:.6}")).collect::<Vec<_>>().join(",");
                text.push('\n');
            }
            std::fs::write(format!("{dir}/set_{:02}_k{}.csv", i + 1, set.spec.k), text).expect("write the set");
        }
        let t = Instant::now();
        let (sw, picked) = picks(set).expect("sweep");
        let k = set.spec.k;
        if let Some(f) = dump.as_mut() {
            let line = serde_json::json!({ "k": k, "n": set.spec.n, "d": set.spec.d, "sweep": &sw });
            writeln!(f, "{line}").expect("dump");
        }
        let cells: Vec<String> = picked
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
        println!(
            "| {} | {k} | {} | {} | {} | {:.2} | {:.3} | {} | {:.1} |",
            i + 1,
            set.spec.n,
            set.spec.d,
            set.set.stretched,
            set.spec.separation,
            set.ari,
            cells.join(" | "),
            t.elapsed().as_secs_f64()
        );
    }
    let kept = sets.len();
    println!();
    println!("| method | right | accuracy |");
    println!("|---|---|---|");
    for (name, r) in METHODS.iter().zip(right) {
        println!("| {name} | {r} / {kept} | {:.0}% |", 100.0 * r as f64 / kept.max(1) as f64);
    }
    println!();
    println!("Wrong picks in bold. Sets drawn and rejected (K-Means at the true k below ARI {MIN_ARI}): {}", rejected.len());
    println!("Total {:.0} s.", started.elapsed().as_secs_f64());
}
