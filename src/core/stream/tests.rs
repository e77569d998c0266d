use super::*;
use crate::core::clean::CleaningOptions;
use crate::core::export::segmented_csv;
use crate::core::ingest::{parse_csv, ChunkFormat};
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

/// A sample profiled, cleaned as suggested and segmented into `k`: the file, the cleaned
/// data, the segmentation, its model and the segments' names.
fn segmented(
    name: &str,
    sampled: &Sampled,
    k: usize,
    seed: u64,
) -> (pipeline::LoadedFile, crate::core::clean::CleanedData, pipeline::Segmentation, SavedModel, Vec<String>) {
    let file = pipeline::profile(name, sampled.table.clone());
    let cleaning = CleaningOptions::suggested(&file.profile);
    let cleaned = pipeline::clean(&file, &cleaning).unwrap();
    let segmentation = pipeline::segment(&file, &cleaned, &SegmentOptions::new(k, seed)).unwrap();
    let provenance = Provenance { file_name: name.to_owned(), sha256: sampled.sha256.clone(), origin: SourceOrigin::File };
    let names = pipeline::segment_names(&segmentation, &[]);
    let model = save_model(&file, &provenance, &cleaning, &cleaned, &segmentation, &names, seed);
    (file, cleaned, segmentation, model, names)
}

/// The second pass over the file `sampled` came from, checked against its hash.
fn pass_of<'a>(
    name: &'a str,
    options: &'a IngestOptions,
    model: &'a SavedModel,
    names: &'a [String],
    sampled: &'a Sampled,
    piece_bytes: usize,
) -> ExportPass<'a> {
    ExportPass { name, options, model, names, columns: sampled.columns, sha256: Some(&sampled.sha256), piece_bytes, counts_only: false }
}

#[test]
fn the_second_pass_writes_every_row_as_the_model_segments_the_whole_table() {
    let bytes = messy(5_000);
    let options = IngestOptions::default();
    let sampled = sample("messy.csv", &mut SliceSource(&bytes), &options, 1_000, 8_192, &mut |_| {}).unwrap();
    assert!(sampled.table.n_rows() < 2_000);
    let (file, cleaned, segmentation, model, names) = segmented("messy.csv", &sampled, 3, 42);

    let mut written = Vec::new();
    let pass = pass_of("messy.csv", &options, &model, &names, &sampled, 777);
    let counts = export_segmented(&pass, &mut SliceSource(&bytes), &mut |_| {}, &mut |part| {
        written.extend_from_slice(&part);
        Ok(())
    })
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
    // Counting only (a saved model applied before its download): the same counts and
    // hash, nothing written.
    let counting = ExportPass { counts_only: true, ..pass };
    let counted = export_segmented(&counting, &mut SliceSource(&bytes), &mut |_| {}, &mut |part| {
        panic!("{} bytes written while counting", part.len())
    })
    .unwrap();
    assert_eq!(counted, counts);
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
    let (_, _, _, model, names) = segmented("messy.csv", &sampled, 2, 1);
    let mut changed = bytes.clone();
    changed.extend_from_slice(b"99999,1,2,North,\r\n");
    let pass = pass_of("messy.csv", &options, &model, &names, &sampled, 1_000);
    let result = export_segmented(&pass, &mut SliceSource(&changed), &mut |_| {}, &mut |_| Ok(()));
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

/// A file every line break of which ends a record: CRLF, quoted commas and doubled quotes
/// on one line, missing values, a ragged row, a repeated header, an invalid byte.
/// `multi_line_at`: a quoted note over two lines on that row.
fn tidy(rows: usize, multi_line_at: Option<usize>) -> Vec<u8> {
    let mut out = b"CustomerID,Income,Spend,Region,Note\r\n".to_vec();
    for i in 0..rows {
        let note = match i % 7 {
            0 => "\"called, twice\"",
            1 => "\"said \"\"no\"\"\"",
            2 => "NA",
            _ => "",
        };
        let income = if i % 13 == 5 { String::new() } else { (20 + (i * 37) % 90).to_string() };
        let line = if Some(i) == multi_line_at {
            format!("{i:05},{income},7,North,\"one\r\ntwo\"\r\n")
        } else if i == rows / 3 {
            format!("{i:05},{income},{},South,{note},extra\r\n", 5 + (i * 53) % 95)
        } else {
            format!("{i:05},{income},{},North,{note}\r\n", 5 + (i * 53) % 95)
        };
        if i == rows / 2 {
            out.extend_from_slice(b"CustomerID,Income,Spend,Region,Note\r\n");
        }
        if i == rows / 5 {
            // A Latin letter and a byte that is not UTF-8 in an otherwise UTF-8 file.
            out.extend_from_slice(format!("{i:05},1,2,Zürich,").as_bytes());
            out.extend_from_slice(b"\xff\r\n");
        }
        out.extend_from_slice(line.as_bytes());
    }
    out
}

fn warning_lines(t: &Table) -> Vec<(String, Option<u64>)> {
    let mut l: Vec<(String, Option<u64>)> = t.warnings.iter().map(|w| (w.kind.as_str().to_owned(), w.line)).collect();
    l.sort();
    l
}

/// The kinds of pieces a reader makes of `bytes`.
fn piece_kinds(bytes: &[u8], piece: usize) -> (usize, usize) {
    let mut reader = PieceReader::new("tidy.csv", bytes.len() as u64, piece);
    let (mut read, mut cut) = (0, 0);
    while let Some(p) = reader.next(&mut SliceSource(bytes), &IngestOptions::default()).unwrap() {
        match p {
            Piece::Read { .. } => read += 1,
            Piece::Cut { .. } => cut += 1,
        }
    }
    (read, cut)
}

#[test]
fn pieces_whose_line_breaks_all_end_records_are_cut_there_and_read_as_the_whole_file() {
    for multi_line_at in [None, Some(1_700)] {
        let bytes = tidy(4_000, multi_line_at);
        let whole = parse_csv(&bytes, &IngestOptions::default()).unwrap();
        for piece in [333, 4_096, 50_000] {
            let (read, cut) = piece_kinds(&bytes, piece);
            assert!(cut > 0, "piece {piece}: no piece was cut at a line break");
            // The quoted note over two lines: a piece that holds it is read here (unless
            // it is in the last piece, read to the end whatever it holds).
            if piece < 10_000 {
                assert_eq!(read > 1, multi_line_at.is_some(), "piece {piece}: {read} read, {cut} cut");
            }
            let sampled = sample("tidy.csv", &mut SliceSource(&bytes), &IngestOptions::default(), 1 << 40, piece, &mut |_| {}).unwrap();
            assert_eq!(sampled.total_rows, whole.n_rows(), "piece {piece}");
            assert_eq!(cells(&sampled.table), cells(&whole), "piece {piece}");
            assert_eq!(sampled.table.row_lines, whole.row_lines, "piece {piece}");
            assert_eq!(sampled.table.ragged, whole.ragged, "piece {piece}");
            assert_eq!(warning_lines(&sampled.table), warning_lines(&whole), "piece {piece}");
            assert_eq!(sampled.sha256, crate::core::model::sha256_hex(&bytes));
        }
    }
}

#[test]
fn a_cut_piece_needs_every_quote_closed_on_its_line_and_no_lone_cr() {
    assert_eq!(cut_at_line_break(b"a,b\nc,d\ne,", b','), Some(8));
    assert_eq!(cut_at_line_break(b"a,\"b,c\"\nd,\"e\"\"f\"\ng", b','), Some(17));
    assert_eq!(cut_at_line_break(b"a,\"b\nc\"\nd", b','), None);
    assert_eq!(cut_at_line_break(b"a,b\rc,d\ne", b','), None);
    assert_eq!(cut_at_line_break(b"a,b\"c\nd", b','), None);
    assert_eq!(cut_at_line_break(b"a,b,c", b','), None);
    // The part after the last line break is not looked at: the next piece starts there.
    assert_eq!(cut_at_line_break(b"a,b\nc,\"d", b','), Some(4));
}

/// The pool's way: cut pieces read elsewhere with the `p` of the moment they were handed
/// out (up to `ahead` pieces before their turn), their rows carried as arrays, then added
/// in file order; the bytes hashed elsewhere, in the order the reader gives them.
fn sample_as_the_pool_does(bytes: &[u8], target: usize, piece: usize, ahead: usize) -> Sampled {
    use sha2::{Digest, Sha256};
    let options = IngestOptions::default();
    let mut reader = PieceReader::hashed_elsewhere("tidy.csv", bytes.len() as u64, piece);
    let mut hash = Sha256::new();
    let mut sampler = Sampler::new(target, bytes.len() as u64, piece);
    let mut out: std::collections::VecDeque<(Piece, f64, u64)> = std::collections::VecDeque::new();
    let merge = |sampler: &mut Sampler, reader: &PieceReader, (piece, p, at): (Piece, f64, u64)| match piece {
        Piece::Read { table: Some(table), first: true, .. } => sampler.first(*table).unwrap(),
        Piece::Read { table: Some(table), first: false, .. } => {
            let p = sampler.p();
            sampler.add(PieceSample::of(*table, p).unwrap()).unwrap()
        }
        Piece::Read { table: None, .. } => {}
        Piece::Cut { bytes, first_line } => {
            if let Some(table) = read_cut_piece(&bytes, reader.format().unwrap(), &options, first_line, at).unwrap() {
                let part = PieceSample::of(table, p).unwrap();
                let template = part.kept.clone();
                let carried = template.with_rows(part.kept.clone().into_rows()).unwrap();
                assert_eq!(cells(&carried), cells(&part.kept));
                assert_eq!(carried.warnings, part.kept.warnings);
                sampler.add(PieceSample { kept: carried, ..part }).unwrap();
            }
        }
    };
    loop {
        let at = reader.position();
        let Some(piece) = reader.next(&mut SliceSource(bytes), &options).unwrap() else { break };
        match &piece {
            Piece::Read { unhashed, .. } => hash.update(unhashed),
            Piece::Cut { bytes, .. } => hash.update(bytes),
        }
        let p = sampler.p();
        out.push_back((piece, p, at));
        // The first piece is read here before any other is handed out.
        while out.len() > ahead || out.front().is_some_and(|(p, _, _)| matches!(p, Piece::Read { first: true, .. })) {
            let next = out.pop_front().unwrap();
            merge(&mut sampler, &reader, next);
        }
    }
    while let Some(next) = out.pop_front() {
        merge(&mut sampler, &reader, next);
    }
    let (table, total_rows, columns) = sampler.finish().unwrap();
    assert_eq!(reader.sha256(), None);
    let sha256 = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Sampled { table, total_rows, columns, bytes: bytes.len() as u64, sha256 }
}

#[test]
fn the_sample_is_the_same_whichever_worker_read_which_piece_and_when() {
    for multi_line_at in [None, Some(9_000)] {
        let bytes = tidy(20_000, multi_line_at);
        let here = sample("tidy.csv", &mut SliceSource(&bytes), &IngestOptions::default(), 2_000, 8_192, &mut |_| {}).unwrap();
        // Thinned on the way: the first piece suggested fewer rows than the file has.
        assert!((1_000..=2_500).contains(&here.table.n_rows()), "{} rows kept", here.table.n_rows());
        for ahead in [1, 2, 5] {
            let pooled = sample_as_the_pool_does(&bytes, 2_000, 8_192, ahead);
            assert_eq!(pooled, here, "{ahead} pieces ahead");
        }
    }
}

#[test]
fn every_row_has_its_own_uniform_draw() {
    let draws: Vec<f64> = (1..=200_000u64).map(row_draw).collect();
    assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
    let mean = draws.iter().sum::<f64>() / draws.len() as f64;
    assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
    let tenth = draws.iter().filter(|&&d| d < 0.1).count() as f64 / draws.len() as f64;
    assert!((tenth - 0.1).abs() < 0.005, "{tenth} under 0.1");
    // Neighbouring lines are not alike.
    let close = draws.windows(2).filter(|w| (w[0] - w[1]).abs() < 0.01).count() as f64 / draws.len() as f64;
    assert!(close < 0.03, "{close}");
}

#[test]
fn a_piece_format_goes_to_another_worker_and_back() {
    for bytes in [tidy(50, None), b"a;b\r\n1;caf\xe9\r\n".to_vec()] {
        let (table, _) = crate::core::ingest::parse_first_piece(&bytes, &IngestOptions::default(), &mut |_| {}).unwrap();
        let format = table.chunk_format();
        let sent = serde_json::to_string(&format).unwrap();
        let back: ChunkFormat = serde_json::from_str(&sent).unwrap();
        assert_eq!(back, format);
    }
    let wrong = serde_json::to_string(&tidy_format()).unwrap().replace("UTF-8", "no such encoding");
    assert!(serde_json::from_str::<ChunkFormat>(&wrong).is_err());
}

fn tidy_format() -> ChunkFormat {
    parse_csv(&tidy(10, None), &IngestOptions::default()).unwrap().chunk_format()
}

#[test]
fn a_piece_is_between_64_kb_and_a_chunk_whatever_the_budget() {
    // The budget comes from the device or `?memory-budget`: any value, 0 and the largest included.
    for budget in [0, 1, 8 << 10, 1 << 20, 128 << 20, 4 << 30, u64::MAX] {
        let bytes = piece_bytes_for(budget);
        assert!((MIN_PIECE_BYTES..=CHUNK_BYTES).contains(&bytes), "{budget}: {bytes}");
    }
    assert_eq!(piece_bytes_for(0), MIN_PIECE_BYTES);
    assert_eq!(piece_bytes_for(u64::MAX), CHUNK_BYTES);
}
