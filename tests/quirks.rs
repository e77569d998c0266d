//! Each quirk of real exports, reproduced by a fixture the project writes itself
//! (tests/fixtures/make_fixtures.py), read the way a user expects; and property tests that
//! any bytes at all become a table or a positioned error, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use segmentation::core::clean::{clean_table, CleaningOptions};
use segmentation::core::ingest::{parse_csv, IngestOptions, RaggedRow, Table};
use segmentation::core::profile::{profile_columns, ColumnKind, TableProfile};

fn read(name: &str) -> (Table, TableProfile) {
    let path = format!("{}/tests/fixtures/quirks/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    let table = parse_csv(&bytes, &IngestOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let profile = profile_columns(&table);
    (table, profile)
}

fn kinds(p: &TableProfile) -> Vec<ColumnKind> {
    p.columns.iter().map(|c| c.kind).collect()
}

use ColumnKind::*;

#[test]
fn a_tab_separated_file_named_csv_is_read_by_its_tabs() {
    let (t, p) = read("tab_in_csv.csv");
    assert_eq!((t.delimiter, t.n_columns(), t.n_rows()), (b'\t', 3, 3));
    assert_eq!(kinds(&p), [Identifier, Numeric, Numeric]);
    assert_eq!(t.cell(0, 0), "0001");
}

#[test]
fn semicolons_with_decimal_commas_and_thousands_dots_are_numbers() {
    let (t, p) = read("semicolon_decimal_comma.csv");
    assert_eq!(t.delimiter, b';');
    assert_eq!(p.numbers[1].as_ref().unwrap().values, [1234.5, 99.95, 12000.0]);
    assert_eq!(p.numbers[2].as_ref().unwrap().values, [0.5, 1.25, 0.0]);
    assert!(p.columns[1].decimal_comma);
    assert_eq!(t.cell(0, 1), "1.234,50", "the text is kept for the export");
}

#[test]
fn zero_padded_codes_stay_identifiers() {
    let (t, p) = read("zero_padded_ids.csv");
    assert_eq!(kinds(&p), [Identifier, Numeric]);
    assert_eq!(t.cell(0, 0), "0007");
}

#[test]
fn na_tokens_are_missing_values() {
    let (_, p) = read("na_missing.csv");
    assert_eq!((p.columns[1].kind, p.columns[1].missing), (Numeric, 2));
    assert_eq!((p.columns[2].kind, p.columns[2].missing), (Numeric, 1));
}

#[test]
fn an_empty_header_cell_gets_a_name_and_a_row_number_is_an_identifier() {
    let (t, p) = read("empty_header_cell.csv");
    assert_eq!(t.headers, ["column_1", "name", "spend"]);
    assert_eq!(t.raw_headers[0], "");
    assert_eq!(p.columns[0].kind, Identifier);
}

#[test]
fn ragged_rows_are_reported_by_line_and_kept_padded() {
    let (t, _) = read("ragged_rows.csv");
    assert_eq!(t.n_rows(), 4);
    assert_eq!(t.ragged, [RaggedRow { row: 1, line: 3, fields: 2 }, RaggedRow { row: 2, line: 4, fields: 4 }]);
    assert_eq!(t.headers, ["a", "b", "c", "column_4"]);
    assert_eq!((t.cell(1, 2), t.cell(2, 3)), ("", "9"));
}

#[test]
fn utf16_with_a_bom_is_decoded_either_way() {
    let (t, p) = read("utf16le_bom.csv");
    assert_eq!((t.encoding, t.delimiter), ("UTF-16LE", b'\t'));
    assert_eq!(t.cell(0, 0), "Zoë");
    assert_eq!(p.numbers[1].as_ref().unwrap().values, [12.5, 7.0]);
    let (t, _) = read("utf16be_bom.csv");
    assert_eq!((t.encoding, t.cell(1, 0)), ("UTF-16BE", "José"));
}

#[test]
fn windows_1252_bytes_are_decoded_not_mangled() {
    let (t, p) = read("latin1.csv");
    assert_eq!((t.encoding, t.cell(0, 0), t.cell(1, 0)), ("windows-1252", "José", "Renée"));
    assert_eq!(p.numbers[1].as_ref().unwrap().values, [12.5, 7.0]);
}

#[test]
fn a_utf8_bom_is_not_part_of_the_first_header() {
    let (t, p) = read("utf8_bom.csv");
    assert_eq!(t.headers[0], "CustomerID");
    assert_eq!(p.columns[0].kind, Identifier);
}

#[test]
fn day_first_and_month_first_dates_are_told_apart_by_their_values() {
    let (_, p) = read("dates.csv");
    assert_eq!(kinds(&p)[..2], [Date, Date]);
    assert!(p.columns[0].reason.contains("day first"), "{}", p.columns[0].reason);
    assert!(p.columns[1].reason.contains("month first"), "{}", p.columns[1].reason);
}

#[test]
fn cr_line_ends_and_quoted_newlines_are_read() {
    let (t, _) = read("cr_quoted_newline.csv");
    assert_eq!(t.n_rows(), 2);
    assert_eq!(t.cell(0, 1), "line one\nline two");
    assert_eq!(t.cell(1, 1), "said \"hi\"");
    assert_eq!(t.row_lines, [2, 4]);
}

#[test]
fn a_file_without_header_is_read_with_column_names() {
    let (t, p) = read("no_header.csv");
    assert!(!t.has_header);
    assert_eq!((t.n_rows(), t.headers[0].as_str()), (3, "column_1"));
    assert_eq!(kinds(&p)[0], Identifier);
}

#[test]
fn every_quirk_file_cleans_without_losing_a_row() {
    let dir = format!("{}/tests/fixtures/quirks", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let (t, p) = read(&name);
        if let Ok(cleaned) = clean_table(&t, &p, &CleaningOptions::suggested(&p)) {
            assert_eq!(cleaned.row_of.len() + cleaned.excluded.len(), t.n_rows(), "{name}");
        }
    }
}

fn check_table(table: &Table) {
    let n = table.n_rows();
    assert!(n > 0);
    assert_eq!(table.headers.len(), table.columns.len());
    assert!(table.columns.iter().all(|c| c.len() == n), "every column has every row");
    assert!(table.row_lines.windows(2).all(|w| w[0] < w[1]), "lines increase");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_bytes_become_a_table_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(table) = parse_csv(&bytes, &IngestOptions::default()) {
            check_table(&table);
            let profile = profile_columns(&table);
            let _ = clean_table(&table, &profile, &CleaningOptions::suggested(&profile));
        }
    }

    #[test]
    fn csv_like_text_becomes_a_table_or_an_error(text in "[a-c0-9,;\t|\"\r\n .-]{0,300}") {
        match parse_csv(text.as_bytes(), &IngestOptions::default()) {
            Ok(table) => {
                check_table(&table);
                let profile = profile_columns(&table);
                if let Ok(cleaned) = clean_table(&table, &profile, &CleaningOptions::suggested(&profile)) {
                    prop_assert_eq!(cleaned.row_of.len() + cleaned.excluded.len(), table.n_rows());
                }
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
