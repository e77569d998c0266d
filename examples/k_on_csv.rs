//! The sweep on a CSV file, as the page runs it: read, profile, the suggested cleaning,
//! k = 2..10 with the gap statistic, bootstrap stability and the valleys between clusters,
//! the recommendation, and the stability of each segment at the recommended k.
//!
//! `cargo run --release --example k_on_csv -- FILE.csv|sample [--columns "A,B,C"] [--k K]`
//! (`--columns` keeps only those columns, by header name, as a user cutting the file would).
// A measuring program, not user-facing: a failure should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Instant;

use segmentation::core::clean::CleaningOptions;
use segmentation::core::ingest::IngestOptions;
use segmentation::core::pipeline::{clean, load, segment, sweep_k, SegmentOptions};
use segmentation::core::stability::{segment_stability, StabilityLevel, StabilityOptions};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("a CSV file");
    // `sample` is the page's built-in sample file.
    let mut bytes = if path == "sample" {
        segmentation::core::sample::sample_customers_csv().into_bytes()
    } else {
        std::fs::read(path).expect("readable file")
    };
    if let Some(cols) = args.iter().position(|a| a == "--columns").and_then(|i| args.get(i + 1)) {
        let keep: Vec<&str> = cols.split(',').collect();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header = reader.headers().unwrap().clone();
        let index: Vec<usize> = keep.iter().map(|c| header.iter().position(|h| h == *c).expect("column")).collect();
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(index.iter().map(|&i| &header[i])).unwrap();
        for r in reader.records() {
            let r = r.unwrap();
            writer.write_record(index.iter().map(|&i| r.get(i).unwrap_or(""))).unwrap();
        }
        bytes = writer.into_inner().unwrap();
    }
    let file = load(path, &bytes, &IngestOptions::default(), &mut |_| {}).expect("load");
    let cleaned = clean(&file, &CleaningOptions::suggested(&file.profile)).expect("clean");
    println!("{path}: {} rows × {} features", cleaned.n_rows, cleaned.n_features);
    let t = Instant::now();
    let sweep = sweep_k(&file, &cleaned, 10, 0, &mut |_, _| true).expect("sweep");
    println!("sweep {:.2} s; {}", t.elapsed().as_secs_f64(), sweep.basis().unwrap_or_default());
    println!("| k | silhouette | CH | DB | gap ± se | stability mean/min | valley |");
    println!("|---|---|---|---|---|---|---|");
    for s in &sweep.scores {
        let f = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.3}"));
        println!(
            "| {} | {} | {} | {} | {} ± {} | {}/{} | {} |",
            s.k,
            f(s.silhouette),
            f(s.calinski_harabasz),
            f(s.davies_bouldin),
            f(s.gap),
            f(s.gap_se),
            f(s.stability),
            f(s.stability_min),
            f(s.valley)
        );
    }
    let Some(rec) = &sweep.recommendation else {
        println!("no recommendation");
        return;
    };
    println!("{}", rec.reason);
    let k = args.iter().position(|a| a == "--k").and_then(|i| args.get(i + 1)).map_or(rec.k, |k| k.parse().expect("--k N"));
    let seg = segment(&file, &cleaned, &SegmentOptions::new(k, 0)).expect("segment");
    for s in &seg.segments {
        println!("  {} ({}): {}", s.index + 1, s.size, s.name);
    }
    let t = Instant::now();
    let st = segment_stability(&cleaned.scaled, cleaned.n_features, &seg.labels, k, &StabilityOptions::default(), &mut |_| true)
        .expect("stability");
    println!("stability {:.2} s ({})", t.elapsed().as_secs_f64(), st.basis());
    for (i, j) in st.jaccard.iter().enumerate() {
        let j = j.unwrap_or(f64::NAN);
        println!("  segment {}: {j:.3} {}", i + 1, StabilityLevel::of(j).words());
    }
}
