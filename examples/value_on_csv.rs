//! Value per segment, preferences and suggested actions on a CSV file, as the page shows
//! them: read, profile, the suggested cleaning, K-Means at `--k` (default 4), then each
//! segment's share of customers and of the guessed value, its top preferences and action.
//!
//! `cargo run --release --example value_on_csv -- FILE.csv|sample [--k K]`
// A measuring program, not user-facing: a failure should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use segmentation::core::clean::CleaningOptions;
use segmentation::core::ingest::IngestOptions;
use segmentation::core::pipeline::{clean, export_summary, load, segment, SegmentOptions};
use segmentation::core::value::rounded_percents;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("a CSV file");
    let bytes = if path == "sample" {
        segmentation::core::sample::sample_customers_csv().into_bytes()
    } else {
        std::fs::read(path).expect("readable file")
    };
    let k = args.iter().position(|a| a == "--k").and_then(|i| args.get(i + 1)).map_or(4, |k| k.parse().expect("a number"));
    let file = load(path, &bytes, &IngestOptions::default(), &mut |_| {}).expect("load");
    let cleaned = clean(&file, &CleaningOptions::suggested(&file.profile)).expect("clean");
    let s = segment(&file, &cleaned, &SegmentOptions::new(k, 42)).expect("segment");
    let v = &s.values;
    let name = |c: usize| v.column(c).map_or("?", |c| c.name.as_str()).to_owned();
    println!("{path}: {} rows clustered, k = {k}", s.n_clustered);
    println!("value: {} ({})", v.value_label(&v.value_columns), v.value_reason);
    println!("preferences: {:?} ({})", v.preference_columns.iter().map(|&c| name(c)).collect::<Vec<_>>(), v.preference_reason);
    if let Some(sh) = v.shares(&v.value_columns) {
        let (cp, vp) = (rounded_percents(&sh.customers), rounded_percents(&sh.value));
        println!("shares of value add to {:.6}; shown percentages add to {}", sh.value.iter().sum::<f64>(), vp.iter().sum::<u32>());
        for (i, seg) in s.segments.iter().enumerate() {
            println!("Segment {} ({}): {}% of customers, {}% of {}", i + 1, seg.name, cp[i], vp[i], v.value_word(&v.value_columns));
            let prefs = v.preferences(i, &v.preference_columns);
            let indices: Vec<String> = prefs.iter().map(|p| format!("{} {:.0}", p.name, p.index)).collect();
            println!("  indices: {}", indices.join(", "));
            println!(
                "  top: {:?} — {}",
                prefs.first().map(|p| &p.name),
                v.preference_sentence(i, &v.preference_columns).unwrap_or_default()
            );
            println!("  {} [{}]", v.actions[i].text, v.actions[i].rule.as_str());
        }
    }
    let summary = String::from_utf8(export_summary(&file, &s, &[]).expect("summary")).unwrap();
    println!("summary header: {}", summary.lines().next().unwrap_or_default());
}
