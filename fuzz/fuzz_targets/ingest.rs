//! Any bytes through ingest, profile and the default cleaning: a table or an error, never a
//! panic, and no row lost. The first byte chooses the reading options (delimiter sniffed
//! or forced, header detected or forced), so the forced paths are fuzzed too and inputs that
//! force a delimiter skip the sniffing.
//!
//! Run (from `fuzz/`; seeds in `corpus/ingest/seed-*`, new finds are written next to them
//! and stay untracked):
//!
//! ```text
//! cargo +nightly fuzz run -s none -a --no-trace-compares ingest corpus/ingest -- -max_len=512 -max_total_time=1800
//! ```
//!
//! `-s none`: no AddressSanitizer (the engine is safe Rust). `--no-trace-compares`: without
//! it, building the csv crate's parser tables (once per reader, and sniffing makes one per
//! candidate delimiter) costs more than everything else. `-a`: debug assertions and
//! overflow checks, which catch integer overflow. `-max_len=512`: a header and a few rows
//! reach every path of decoding, sniffing, header detection, ragged rows and profiling.
//! Measured on one core: with these flags ~9,000 executions a second while inputs are short,
//! ~7,000 once they reach 512 bytes (10 million in about 25 minutes); ~2,000 with
//! trace-compares; under 1,000 with ASan as well. Add `-jobs=N -workers=N` for N cores.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segmentation::core::clean::{clean_table, CleaningOptions};
use segmentation::core::ingest::{parse_csv, IngestOptions};
use segmentation::core::profile::profile_columns;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, bytes)) = data.split_first() else { return };
    let mut options = IngestOptions::default();
    // Half of the inputs sniff the delimiter, as the page does by default.
    options.delimiter = match choice & 0b111 {
        4 => Some(b','),
        5 => Some(b';'),
        6 => Some(b'\t'),
        7 => Some(b'|'),
        _ => None,
    };
    options.header = match (choice >> 3) & 0b11 {
        1 => Some(true),
        2 => Some(false),
        _ => None,
    };
    if let Ok(table) = parse_csv(bytes, &options) {
        let n = table.n_rows();
        assert!(table.columns.iter().all(|c| c.len() == n));
        let profile = profile_columns(&table);
        if let Ok(cleaned) = clean_table(&table, &profile, &CleaningOptions::suggested(&profile)) {
            assert_eq!(cleaned.row_of.len() + cleaned.excluded.len(), n);
        }
    }
});
