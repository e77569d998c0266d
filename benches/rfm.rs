//! RFM benchmark: aggregates a generated transaction log shaped like Online Retail
//! (541,909 order lines, ~4,400 customers, ~25,900 invoices, 2% cancellations, 25% of lines
//! without a customer, month-first datetimes) and prints rows/s. Figures to compare, nothing
//! to pass or fail. `cargo bench --bench rfm [-- ROWS]`; the log is kept in target/bench/
//! for the browser run (tests/e2e/bench_rfm.mjs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fmt::Write as _;
use std::time::Instant;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use segmentation::core::ingest::{parse_csv, IngestOptions};
use segmentation::core::profile::profile_columns;
use segmentation::core::rfm::{aggregate, guess_mapping, RfmOptions};

fn generate(rows: usize) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut uniform = move |n: u64| rng.next_u64() % n;
    let mut out = String::with_capacity(rows * 90);
    out.push_str("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n");
    let mut written = 0;
    let mut invoice = 536_365u64;
    while written < rows {
        invoice += 1;
        let customer = if uniform(4) == 0 { "NA".to_owned() } else { (12_346 + uniform(4_372)).to_string() };
        let cancelled = uniform(50) == 0;
        let (month, day, hour, minute) = (1 + uniform(12), 1 + uniform(28), 8 + uniform(10), uniform(60));
        for _ in 0..(1 + uniform(40)).min((rows - written) as u64) {
            let quantity = [1, 2, 3, 6, 12, 24][uniform(6) as usize] as i64 * if cancelled { -1 } else { 1 };
            writeln!(
                out,
                "{}{invoice},{},PRODUCT {},{quantity},{month}/{day}/2011 {hour}:{minute:02},{}.{:02},{customer},United Kingdom",
                if cancelled { "C" } else { "" },
                20_000 + uniform(4_000),
                uniform(4_000),
                uniform(20),
                uniform(100),
            )
            .unwrap();
            written += 1;
        }
    }
    out
}

fn main() {
    let rows: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(541_909);
    let text = generate(rows);
    // Kept for the browser run (tests/e2e/bench_rfm.mjs).
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(format!("{dir}/transactions_{rows}.csv"), &text).unwrap();
    let started = Instant::now();
    let table = parse_csv(text.as_bytes(), &IngestOptions::default()).unwrap();
    let profile = profile_columns(&table);
    let read = started.elapsed().as_secs_f64();
    let (mapping, reason) = guess_mapping(&table, &profile).expect("the generated log reads as one");
    let guessed = started.elapsed().as_secs_f64() - read;
    let mut best = f64::INFINITY;
    let mut result = None;
    for _ in 0..5 {
        let t = Instant::now();
        result = Some(aggregate(&table, &profile, &mapping, &RfmOptions::default()).unwrap());
        best = best.min(t.elapsed().as_secs_f64());
    }
    let r = result.unwrap();
    println!("{reason}");
    println!(
        "rfm: {rows} rows → {} customers ({} rows used, {} without customer, {} cancelled invoices); \
         read+profile {:.0} ms, guess {:.0} ms, aggregate best of 5 {:.1} ms = {:.1} M rows/s",
        r.report.customers,
        r.report.rows_used,
        r.report.rows_without_customer,
        r.report.cancelled_invoices,
        read * 1e3,
        guessed * 1e3,
        best * 1e3,
        rows as f64 / best / 1e6
    );
}
