//! Reads a transaction log, guesses its mapping and prints the RFM report and every
//! customer as CSV (CustomerID, Recency, Frequency, Monetary, Tenure, AvgOrderValue, R, F, M,
//! RFM_Segment) on stdout, for checking against another implementation.
//! `cargo run --release --example rfm_file -- LOG.csv > customers.csv`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use segmentation::core::ingest::{parse_csv, IngestOptions};
use segmentation::core::profile::profile_columns;
use segmentation::core::rfm::{aggregate, guess_mapping, RfmOptions};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: rfm_file LOG.csv");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    let table = parse_csv(&bytes, &IngestOptions::default()).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    let profile = profile_columns(&table);
    let Some((mapping, reason)) = guess_mapping(&table, &profile) else {
        eprintln!("{path}: not recognised as a transaction log");
        std::process::exit(1);
    };
    eprintln!("{reason}");
    let result = aggregate(&table, &profile, &mapping, &RfmOptions::default()).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    eprintln!("{:#?}", result.report);
    println!("CustomerID,Recency,Frequency,Monetary,Tenure,AvgOrderValue,R,F,M,RFM_Segment");
    for c in &result.customers {
        println!(
            "{},{},{},{},{},{},{},{},{},{}",
            c.customer,
            c.recency_days,
            c.frequency,
            c.monetary,
            c.tenure_days,
            c.average_order_value,
            c.r,
            c.f,
            c.m,
            c.segment.as_str()
        );
    }
}
