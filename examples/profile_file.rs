//! Prints how the app reads a CSV file: delimiter, encoding, each column's kind and why,
//! and the default cleaning report. `cargo run --release --example profile_file -- FILE.csv`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use segmentation::core::clean::CleaningOptions;
use segmentation::core::ingest::IngestOptions;
use segmentation::core::pipeline::{clean, load};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: profile_file FILE.csv");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let started = std::time::Instant::now();
    let file = match load(&path, &bytes, &IngestOptions::default(), &mut |_| {}) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let t = &file.table;
    println!(
        "{path}: {} rows × {} columns, delimiter {:?}, {}, header {}, {} ragged rows, read and profiled in {:.1} ms",
        t.n_rows(),
        t.n_columns(),
        t.delimiter as char,
        t.encoding,
        t.has_header,
        t.ragged.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
    for c in &file.profile.columns {
        println!(
            "  {:<28} {:<12} missing {:>5}  distinct {:>6}{}  {}",
            c.name,
            c.kind.as_str(),
            c.missing,
            c.distinct,
            if c.possibly_categorical { "  [possibly categorical]" } else { "" },
            c.reason
        );
    }
    match clean(&file, &CleaningOptions::suggested(&file.profile)) {
        Ok(cleaned) => println!("default cleaning: {:#?}", cleaned.report),
        Err(e) => println!("default cleaning: {e}"),
    }
}
