use super::*;
use crate::core::clean::CleaningOptions;
use crate::core::export::segmented_csv;
use crate::core::ingest::parse_csv;
use crate::core::model::{save_model, Provenance, SourceOrigin};
use crate::core::pipeline::{self, SegmentOptions};

/// A messy file: CRLF, a quoted note over two lines, quoted commas, missing values, a
/// ragged row, a repeated header, a stray quote, and a Latin letter.
fn messy(rows: usize) -> Vec<u8> {
    let mut out = String::from("CustomerID,Income,Spend,Region,Note\r\n");
    for i in 0..rows {
        let income = 20 + (i * 37) % 90;
        let spend = 5 + (i * 53) % 95;
        let region = ["North", "South", "Zürich"][i % 3];
        let note = match i % 11 {
            0 => "\"called, twice\"".to_owned(),
            1 => "\"line one\r\nline two\"".to_owned(),
            2 => "NA".to_owned(),
            _ => String::new(),
        };
        let income = if i % 17 == 5 { String::new() } else { income.to_string() };
        if i == rows / 2 {
            out.push_str("CustomerID,Income,Spend,Region,Note\r\n");
        }
        if i == rows / 3 {
            // A ragged row.
            out.push_str(&format!("{i:05},{income},{spend},{region},{note},extra\r\n"));
            continue;
        }
        if i == rows / 4 {
            // A stray quote that never closes.
            out.push_str(&format!("{i:05},{income},{spend},\"{region},{note}\r\n"));
            continue;
        }
        out.push_str(&format!("{i:05},{income},{spend},{region},{note}\r\n"));
    }
    out.into_bytes()
}

fn cells(table: &Table) -> Vec<Vec<String>> {
    (0..table.n_rows()).map(|r| (0..table.n_columns()).map(|c| table.cell(r, c).to_owned()).collect()).collect()
}

#[test]
fn a_line_starts_past_the_line_breaks_before_it() {
    assert_eq!(line_start(b"a\nb\nc", 1, 1), Some(0));
    assert_eq!(line_start(b"a\nb\nc", 1, 3), Some(4));
    assert_eq!(line_start(b"a\r\nb\r\nc", 5, 6), Some(3));
    assert_eq!(line_start(b"a\rb\rc", 1, 3), Some(4));
    assert_eq!(line_start(b"a\nb", 1, 4), None);
}

#[test]
fn read_in_pieces_the_whole_sample_is_the_whole_table() {
    let bytes = messy(3_000);
    let whole = parse_csv(&bytes, &IngestOptions::default()).unwrap();
    for piece in [97, 1_000, 64 << 10] {
        let sampled = sample("messy.csv", &mut SliceSource(&bytes), &IngestOptions::default(), 1 << 40, piece, &mut |_| {}).unwrap();
        assert_eq!(sampled.total_rows, whole.n_rows(), "piece {piece}");
        assert_eq!(cells(&sampled.table), cells(&whole), "piece {piece}");
        assert_eq!(sampled.table.row_lines, whole.row_lines, "piece {piece}");
        assert_eq!(sampled.table.ragged, whole.ragged, "piece {piece}");
        assert_eq!(sampled.table.headers, whole.headers);
        assert_eq!(sampled.sha256, crate::core::model::sha256_hex(&bytes));
        // The same warnings (stray quote, repeated header), each with its line.
        let lines = |t: &Table| {
            let mut l: Vec<(String, Option<u64>)> = t.warnings.iter().map(|w| (w.kind.as_str().to_owned(), w.line)).collect();
            l.sort();
            l
        };
        assert_eq!(lines(&sampled.table), lines(&whole), "piece {piece}");
    }
}

#[test]
fn a_sample_is_uniform_reproducible_and_counts_every_row() {
    let bytes = messy(20_000);
    let read = |piece| sample("messy.csv", &mut SliceSource(&bytes), &IngestOptions::default(), 2_000, piece, &mut |_| {}).unwrap();
    let a = read(4_096);
    // The first piece suggests far fewer rows than there are: the sample is thinned.
    assert_eq!(a.total_rows, parse_csv(&bytes, &IngestOptions::default()).unwrap().n_rows());
    assert!((1_000..=2_500).contains(&a.table.n_rows()), "{} rows kept", a.table.n_rows());
    assert_eq!(a, read(4_096));
    // Rows in file order, spread over the whole file.
    assert!(a.table.row_lines.windows(2).all(|w| w[0] < w[1]));
    let last_line = *a.table.row_lines.last().unwrap();
    let halves = a.table.row_lines.iter().filter(|&&l| l < last_line / 2).count() as f64 / a.table.n_rows() as f64;
    assert!((0.4..0.6).contains(&halves), "{halves} of the sample in the first half");
}

#[test]
fn the_second_pass_writes_every_row_as_the_model_segments_the_whole_table() {
    let bytes = messy(5_000);
    let options = IngestOptions::default();
    let sampled = sample("messy.csv", &mut SliceSource(&bytes), &options, 1_000, 8_192, &mut |_| {}).unwrap();
    assert!(sampled.table.n_rows() < 2_000);
    let file = pipeline::profile("messy.csv", sampled.table.clone());
    let cleaning = CleaningOptions::suggested(&file.profile);
    let cleaned = pipeline::clean(&file, &cleaning).unwrap();
    let segmentation = pipeline::segment(&file, &cleaned, &SegmentOptions::new(3, 42)).unwrap();
    let provenance = Provenance { file_name: "messy.csv".to_owned(), sha256: sampled.sha256.clone(), origin: SourceOrigin::File };
    let names = pipeline::segment_names(&segmentation, &[]);
    let model = save_model(&file, &provenance, &cleaning, &cleaned, &segmentation, &names, 42);

    let mut written = Vec::new();
    let counts = export_segmented(
        "messy.csv",
        &mut SliceSource(&bytes),
        &options,
        &model,
        &names,
        sampled.columns,
        Some(&sampled.sha256),
        777,
        &mut |_| {},
        &mut |part| {
            written.extend_from_slice(&part);
            Ok(())
        },
    )
    .unwrap();
    // The same as the model applied to the whole file read at once.
    let whole = parse_csv(&bytes, &options).unwrap();
    let outcomes = apply_model(&whole, &model).unwrap();
    let expected = String::from_utf8(segmented_csv(&whole, &outcomes, &names).unwrap()).unwrap();
    let written = String::from_utf8(written).unwrap();
    if let Some((i, (a, b))) = written.lines().zip(expected.lines()).enumerate().find(|(_, (a, b))| a != b) {
        panic!("line {i} differs:\n pieces: {a}\n whole:  {b}");
    }
    assert_eq!(written.len(), expected.len());
    assert_eq!(counts.rows, whole.n_rows());
    assert_eq!(counts.rows, counts.per_segment.iter().sum::<usize>() + counts.excluded);
    assert!(counts.per_segment.iter().all(|&n| n > 0));
    // Rows of the sample get the segment the fit gave them.
    let line_of: std::collections::HashMap<u64, usize> = whole.row_lines.iter().enumerate().map(|(r, &l)| (l, r)).collect();
    for (&sample_row, &label) in cleaned.row_of.iter().zip(&segmentation.labels) {
        let row = line_of[&file.table.row_lines[sample_row]];
        assert_eq!(outcomes[row].segment, Some(label), "line {}", file.table.row_lines[sample_row]);
    }
}

#[test]
fn a_file_changed_between_the_passes_is_refused() {
    let bytes = messy(500);
    let options = IngestOptions::default();
    let sampled = sample("messy.csv", &mut SliceSource(&bytes), &options, 10_000, 1_000, &mut |_| {}).unwrap();
    let file = pipeline::profile("messy.csv", sampled.table.clone());
    let cleaning = CleaningOptions::suggested(&file.profile);
    let cleaned = pipeline::clean(&file, &cleaning).unwrap();
    let segmentation = pipeline::segment(&file, &cleaned, &SegmentOptions::new(2, 1)).unwrap();
    let provenance = Provenance { file_name: "messy.csv".to_owned(), sha256: sampled.sha256.clone(), origin: SourceOrigin::File };
    let names = pipeline::segment_names(&segmentation, &[]);
    let model = save_model(&file, &provenance, &cleaning, &cleaned, &segmentation, &names, 1);
    let mut changed = bytes.clone();
    changed.extend_from_slice(b"99999,1,2,North,\r\n");
    let result = export_segmented(
        "messy.csv",
        &mut SliceSource(&changed),
        &options,
        &model,
        &names,
        sampled.columns,
        Some(&sampled.sha256),
        1_000,
        &mut |_| {},
        &mut |_| Ok(()),
    );
    let message = result.unwrap_err().to_string();
    assert!(message.contains("changed since it was read"), "{message}");
}

#[test]
fn bytes_that_are_not_text_are_refused_with_their_place_in_the_file() {
    let mut bytes = messy(2_000);
    let text_len = bytes.len();
    bytes.extend(std::iter::repeat_n(0u8, 5_000));
    let error = sample("messy.csv", &mut SliceSource(&bytes), &IngestOptions::default(), 100, 4_096, &mut |_| {}).unwrap_err();
    let PipelineErrorKind::Ingest(IngestError::NotText { offset }) = error.kind else { panic!("{error}") };
    assert!((text_len..text_len + 10).contains(&offset), "{offset} vs {text_len}");
}
