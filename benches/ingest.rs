//! Ingest benchmark: prints MB/s for reading (decode, sniff, parse) and profiling a
//! generated 1,000,000-row customer file, and the reading of its pieces on one thread and on
//! two (what the page's helpers do, without the browser: the machine's own scaling, to set
//! the page's two-helper ratio beside). Not a timed test: figures to compare, nothing to
//! pass or fail. `cargo bench --bench ingest [-- ROWS]`; the file is kept in
//! target/bench/ for the browser run (tests/e2e/bench_ingest.mjs) and pandas
//! (scripts/bench_pandas.py).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fmt::Write as _;
use std::time::Instant;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use segmentation::core::ingest::pieces::{read_piece, split_from};
use segmentation::core::ingest::{parse_csv, IngestOptions};
use segmentation::core::profile::profile_columns;

/// A customer file shaped like real exports: zero-padded IDs, a category, integers,
/// decimals, ISO dates, a country, quoted free text now and then, some missing values.
fn generate(rows: usize) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut uniform = move |n: u64| rng.next_u64() % n;
    let countries = ["United Kingdom", "France", "Germany", "Spain", "Netherlands", "Norway"];
    let cities = ["London", "Paris", "Berlin", "Madrid", "Amsterdam", "Oslo", "Manchester", "Lyon", "Hamburg", "Sevilla"];
    let mut out = String::with_capacity(rows * 110);
    out.push_str("CustomerID,Email,Gender,Age,Annual Income,Spending Score,Visits,Last Purchase,Country,City,Avg Basket,Note\n");
    for i in 0..rows {
        let income = 15_000 + uniform(120_000);
        let basket = format!("{}.{:02}", 5 + uniform(300), uniform(100));
        let note = match uniform(20) {
            0 => "\"called, asked for a refund\"",
            1 => "NA",
            _ => "",
        };
        writeln!(
            out,
            "{:07},customer.{}@example-shop.co.uk,{},{},{},{},{},20{:02}-{:02}-{:02},{},{},{},{}",
            i + 1,
            i + 1,
            if uniform(2) == 0 { "Female" } else { "Male" },
            18 + uniform(60),
            if uniform(50) == 0 { "NA".to_owned() } else { income.to_string() },
            1 + uniform(99),
            uniform(40),
            15 + uniform(10),
            1 + uniform(12),
            1 + uniform(28),
            countries[uniform(countries.len() as u64) as usize],
            cities[uniform(cities.len() as u64) as usize],
            basket,
            note
        )
        .unwrap();
    }
    out
}

fn main() {
    let rows: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench");
    std::fs::create_dir_all(dir).unwrap();
    let path = format!("{dir}/customers_{rows}.csv");
    if !std::path::Path::new(&path).exists() {
        std::fs::write(&path, generate(rows)).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let mb = bytes.len() as f64 / 1e6;
    println!("ingest benchmark: {path} ({mb:.1} MB, {rows} rows)");

    let runs = 3;
    let mut best_parse = f64::INFINITY;
    let mut best_profile = f64::INFINITY;
    let mut heap = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let table = parse_csv(&bytes, &IngestOptions::default()).unwrap();
        let parse = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let profile = profile_columns(&table);
        let prof = t.elapsed().as_secs_f64();
        assert_eq!(table.n_rows(), rows);
        assert_eq!(profile.columns.len(), 12);
        heap = table.heap_bytes();
        best_parse = best_parse.min(parse);
        best_profile = best_profile.min(prof);
    }
    println!("native  read (decode + sniff + parse): {:>8.1} ms  {:>7.1} MB/s   (best of {runs})", best_parse * 1e3, mb / best_parse);
    println!("native  profile (kinds, stats, numbers): {:>6.1} ms", best_profile * 1e3);
    println!(
        "native  read + profile:                 {:>8.1} ms  {:>7.1} MB/s",
        (best_parse + best_profile) * 1e3,
        mb / (best_parse + best_profile)
    );
    println!("native  table memory: {:.1} MB for a {mb:.1} MB file", heap as f64 / 1e6);

    // The pieces the page's two helpers would read (two each), read on one thread, then on
    // two side by side (the best of `runs` each).
    let options = IngestOptions::default();
    let split = split_from(&bytes, &options, 4, 0).expect("the file splits into pieces");
    let n_pieces = split.len();
    let read = |pieces: &mut dyn Iterator<Item = usize>| {
        for i in pieces {
            let (text, line) = split.piece(i).expect("a piece");
            std::hint::black_box(read_piece(text, &split.format, &options, line, i == 0).expect("a piece reads"));
        }
    };
    let (mut one, mut two) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..runs {
        let t = Instant::now();
        read(&mut (0..n_pieces));
        one = one.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        std::thread::scope(|scope| {
            for first in 0..2 {
                let read = &read;
                scope.spawn(move || read(&mut (first..n_pieces).step_by(2)));
            }
        });
        two = two.min(t.elapsed().as_secs_f64());
    }
    println!("native  {} pieces read on one thread: {:>6.1} ms; on two: {:>6.1} ms (×{:.2})", n_pieces, one * 1e3, two * 1e3, one / two);
}
