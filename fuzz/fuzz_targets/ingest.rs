//! Any bytes through ingest, profile and the default cleaning: a table or an error, never a
//! panic, and no row lost. `cargo +nightly fuzz run ingest -- -max_total_time=600`
#![no_main]

use libfuzzer_sys::fuzz_target;
use segmentation::core::clean::{clean_table, CleaningOptions};
use segmentation::core::ingest::{parse_csv, IngestOptions};
use segmentation::core::profile::profile_columns;

fuzz_target!(|data: &[u8]| {
    if let Ok(table) = parse_csv(data, &IngestOptions::default()) {
        let n = table.n_rows();
        assert!(table.columns.iter().all(|c| c.len() == n));
        let profile = profile_columns(&table);
        if let Ok(cleaned) = clean_table(&table, &profile, &CleaningOptions::suggested(&profile)) {
            assert_eq!(cleaned.row_of.len() + cleaned.excluded.len(), n);
        }
    }
});
