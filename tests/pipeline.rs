//! Native end-to-end tests of the core flow and the worker's dispatch, on the project's own
//! fixtures (tests/fixtures, written by make_fixtures.py).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use segmentation::core::clean::CleaningOptions;
use segmentation::core::ingest::IngestOptions;
use segmentation::core::model::sha256_hex;
use segmentation::core::pipeline::{clean, export_csv, export_csv_parts, load, segment, LoadedFile, SegmentOptions};
use segmentation::core::profile::ColumnKind;
use segmentation::core::stability::StabilityLevel;
use segmentation::worker::protocol::{ExportKind, Request, RequestBody, ResponseBody};
use segmentation::worker::runner::Runner;

const CUSTOMERS: &[u8] = include_bytes!("fixtures/customers.csv");

fn load_bytes(name: &str, bytes: &[u8]) -> LoadedFile {
    load(name, bytes, &IngestOptions::default(), &mut |_| {}).unwrap()
}

fn k(n_clusters: usize) -> SegmentOptions {
    SegmentOptions::new(n_clusters, 42)
}

#[test]
fn fixture_columns_get_the_expected_kinds() {
    let file = load_bytes("customers.csv", CUSTOMERS);
    let kinds: Vec<ColumnKind> = file.profile.columns.iter().map(|c| c.kind).collect();
    use ColumnKind::*;
    assert_eq!(kinds, [Identifier, Categorical, Numeric, Numeric, Numeric]);
    let suggested = CleaningOptions::suggested(&file.profile);
    assert_eq!(suggested.numeric.iter().map(|f| f.column).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(file.table.n_rows(), 200);
}

#[test]
fn five_personas_are_recovered_on_income_and_spending() {
    let file = load_bytes("customers.csv", CUSTOMERS);
    let mut options = CleaningOptions::suggested(&file.profile);
    options.numeric.retain(|f| f.column != 2);
    let cleaned = clean(&file, &options).unwrap();
    let s = segment(&file, &cleaned, &k(5)).unwrap();
    let mut sizes: Vec<usize> = s.segments.iter().map(|s| s.size).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [40; 5]);
    assert_eq!(s.feature_names, ["Annual Income (k$)", "Spending Score (1-100)"]);
    // Segment means come back in the data's own units: one near each persona.
    for (income, spending) in [(88.0, 17.0), (86.0, 82.0), (55.0, 50.0), (26.0, 79.0), (26.0, 20.0)] {
        let near =
            s.segments.iter().any(|seg| (seg.features[0].mean - income).abs() < 4.0 && (seg.features[1].mean - spending).abs() < 4.0);
        assert!(near, "no segment near ({income}, {spending}): {:?}", s.segments);
    }
    // The personas of the fixture come back as named segments.
    let names: Vec<&str> = s.segments.iter().map(|seg| seg.name.as_str()).collect();
    for expected in [
        "High income · high spending → High-value customers",
        "High income · low spending → Careful high earners",
        "Low income · high spending → Big spenders on a budget",
        "Low income · low spending → Budget-conscious customers",
        "Middle of the pack",
    ] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
}

#[test]
fn export_keeps_every_row_and_cell_text_and_adds_segment_and_reason() {
    let file = load_bytes("customers.csv", CUSTOMERS);
    let cleaned = clean(&file, &CleaningOptions::suggested(&file.profile)).unwrap();
    let s = segment(&file, &cleaned, &k(5)).unwrap();
    let text = String::from_utf8(export_csv(&file, &cleaned, &s, &[]).unwrap()).unwrap();
    let input = String::from_utf8(CUSTOMERS.to_vec()).unwrap();
    let out_lines: Vec<&str> = text.lines().collect();
    let in_lines: Vec<&str> = input.split("\r\n").collect();
    assert_eq!(out_lines.len(), 201);
    assert_eq!(out_lines[0], format!("{},segment,segment_name,excluded_reason", in_lines[0]));
    let mut segments = std::collections::BTreeSet::new();
    for (out, original) in out_lines[1..].iter().zip(&in_lines[1..]) {
        let (rest, reason) = out.rsplit_once(',').unwrap();
        let (rest, name) = rest.rsplit_once(',').unwrap();
        assert!(!name.is_empty());
        let (cells, segment) = rest.rsplit_once(',').unwrap();
        assert_eq!(cells, *original, "input text changed");
        assert_eq!(reason, "");
        segments.insert(segment.parse::<usize>().unwrap());
    }
    assert_eq!(segments, (1..=5).collect());
    assert!(out_lines[1].starts_with('0'), "zero-padded IDs stay text");
}

#[test]
fn rows_with_missing_numbers_keep_an_empty_segment_and_their_reason() {
    let csv = b"id,a,b\n1,1,1\n2,,2\n3,10,10\n4,11,NA\n5,12,12\n6,2,1\n";
    let file = load_bytes("gaps.csv", csv);
    let cleaned = clean(&file, &CleaningOptions::suggested(&file.profile)).unwrap();
    assert_eq!((cleaned.report.rows_read, cleaned.report.rows_clustered), (6, 4));
    let s = segment(&file, &cleaned, &k(2)).unwrap();
    assert_eq!((s.n_rows, s.n_clustered, s.labels.len()), (6, 4, 4));
    let text = String::from_utf8(export_csv(&file, &cleaned, &s, &[]).unwrap()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[2], "2,,2,,,missing value in a");
    assert_eq!(lines[4], "4,11,NA,,,missing value in b");
}

#[test]
fn the_export_written_a_part_at_a_time_is_the_same_bytes() {
    // Excluded rows at the start, in the middle and at the end of parts.
    let csv = b"id,a,b\n1,,1\n2,1,1\n3,10,10\n4,11,NA\n5,12,12\n6,2,1\n7,3,2\n8,x,2\n9,13,11\n";
    let file = load_bytes("parts.csv", csv);
    let cleaned = clean(&file, &CleaningOptions::suggested(&file.profile)).unwrap();
    assert!(!cleaned.excluded.is_empty());
    let s = segment(&file, &cleaned, &k(2)).unwrap();
    let names = ["Low".to_owned(), "High".to_owned()];
    let whole = export_csv(&file, &cleaned, &s, &names).unwrap();
    for rows_per_part in [1, 2, 3, 4, 8, 9, 100] {
        let mut parts = Vec::new();
        export_csv_parts(&file, &cleaned, &s, &names, rows_per_part, &mut |part| {
            parts.push(part);
            Ok(())
        })
        .unwrap();
        assert_eq!(parts.len(), 9usize.div_ceil(rows_per_part), "{rows_per_part} rows a part");
        assert_eq!(parts.concat(), whole, "{rows_per_part} rows a part");
    }
    // A sink that fails stops the export with its message, named by the file.
    let failed = export_csv_parts(&file, &cleaned, &s, &names, 4, &mut |_| Err("the disk is full".to_owned())).unwrap_err();
    assert!(failed.to_string().contains("parts.csv") && failed.to_string().contains("the disk is full"), "{failed}");
}

#[test]
fn bad_input_gets_a_message_naming_the_file() {
    let cases: [(&str, &[u8], usize, &str); 5] = [
        ("empty.csv", b"", 2, "empty"),
        ("header.csv", b"a,b,c\r\n", 2, "no data rows"),
        ("words.csv", b"name,city\nAnn,Oslo\nBo,Rome\n", 2, "nothing to cluster on: no column holds numbers"),
        ("small.csv", b"x,y\n1,2\n3,4\n5,7\n", 9, "choose k ≤ 3"),
        ("image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 2, "does not look like text"),
    ];
    for (name, bytes, n_clusters, expected) in cases {
        let message = match load(name, bytes, &IngestOptions::default(), &mut |_| {}) {
            Err(e) => e.to_string(),
            Ok(file) => match clean(&file, &CleaningOptions::suggested(&file.profile)) {
                Err(e) => e.to_string(),
                Ok(cleaned) => match segment(&file, &cleaned, &k(n_clusters)) {
                    Err(e) => e.to_string(),
                    Ok(_) => panic!("{name} should fail"),
                },
            },
        };
        assert!(message.starts_with(name), "{message}");
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn runner_answers_each_step_and_forgets_a_failed_file() {
    let mut runner = Runner::new();
    let clock = || 0.0;
    let mut stages = Vec::new();
    let mut handle = |runner: &mut Runner, id: u64, body: RequestBody| {
        runner.handle(Request { id, body }, &clock, &mut |stage, _| stages.push(stage.to_owned())).body
    };

    let early = handle(&mut runner, 1, RequestBody::Segment(k(5)));
    assert!(matches!(early, ResponseBody::Failed { ref message } if message.contains("choose a CSV file")));

    let load = RequestBody::Load { name: "customers.csv".into(), bytes: CUSTOMERS.to_vec(), options: IngestOptions::default() };
    let ResponseBody::Loaded(summary) = handle(&mut runner, 2, load) else { panic!("not loaded") };
    assert_eq!((summary.n_rows, summary.n_columns, summary.delimiter), (200, 5, b','));
    assert_eq!(summary.preview.len(), 8);
    assert_eq!(summary.preview[0][0].len(), 4, "zero-padded ID as written");
    // The correlations and the pair plot's sample come with the profile.
    let explore = summary.explore.as_ref().expect("correlations sent with the profile");
    assert_eq!(explore.correlations.names, ["Age", "Annual Income (k$)", "Spending Score (1-100)"]);
    assert_eq!((explore.correlations.sample_rows, explore.sample.n_rows()), (200, 200));
    assert_eq!(explore.sample.ids[0], "0001");

    let before_clean = handle(&mut runner, 3, RequestBody::Segment(k(5)));
    assert!(matches!(before_clean, ResponseBody::Failed { ref message } if message.contains("no features")));

    let ResponseBody::Cleaned(cleaned) = handle(&mut runner, 4, RequestBody::Clean(summary.suggested.clone())) else { panic!() };
    assert_eq!(cleaned.report.rows_clustered, 200);
    let ResponseBody::Segmented(report) = handle(&mut runner, 5, RequestBody::Segment(k(5))) else { panic!() };
    assert_eq!(report.segmentation.segments.iter().map(|s| s.size).sum::<usize>(), 200);
    let export = |what| RequestBody::Export { what, names: vec!["VIP".into()], value: Default::default() };
    let ResponseBody::Exported { file_name, bytes, .. } = handle(&mut runner, 6, export(ExportKind::SegmentedCsv)) else { panic!() };
    assert_eq!(file_name, "customers-segmented.csv");
    assert_eq!(bytes.iter().filter(|&&b| b == b'\n').count(), 201);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.lines().skip(1).any(|l| l.contains(",1,VIP,")), "the user's name for segment 1 is in the export");
    let ResponseBody::Exported { file_name, bytes, .. } = handle(&mut runner, 7, export(ExportKind::SummaryCsv)) else { panic!() };
    assert_eq!(file_name, "customers-summary.csv");
    let summary_csv = String::from_utf8(bytes).unwrap();
    assert_eq!(summary_csv.lines().count(), 8, "header, 5 segments, all customers, η² per feature");
    let eta: Vec<&str> = summary_csv.lines().nth(7).unwrap().split(',').collect();
    assert!(eta[1].starts_with("η²"), "{eta:?}");
    let first: f64 = eta[6].parse().unwrap();
    assert!((0.0..=1.0).contains(&first), "{eta:?}");
    let seg = &report.segmentation.separation;
    assert_eq!(seg.len(), report.segmentation.overall.len());
    assert!(seg.windows(2).all(|w| w[0].eta2 >= w[1].eta2), "sorted by η²");
    assert!(summary_csv.starts_with("segment,segment_name,customers,share,stability,stability_reading,Age mean,Age median,"));
    // Each segment's stability, measured in the worker with the fit, is in the summary.
    let stability = report.segmentation.stability.as_ref().expect("stability measured with the segments");
    assert_eq!(stability.jaccard.len(), 5);
    let first: Vec<&str> = summary_csv.lines().nth(1).unwrap().split(',').collect();
    let j: f64 = first[4].parse().unwrap();
    assert!((0.0..=1.0).contains(&j) && (j - stability.jaccard[0].unwrap()).abs() < 1e-3, "{first:?}");
    assert_eq!(first[5], StabilityLevel::of(j).words());
    assert!(summary_csv.lines().nth(1).unwrap().starts_with("1,VIP,"));

    // Changing a kind re-profiles and asks for cleaning again: the old segmentation is gone.
    let ResponseBody::Profiled { columns, explore, .. } =
        handle(&mut runner, 8, RequestBody::SetKind { column: 2, kind: Some(ColumnKind::Categorical) })
    else {
        panic!()
    };
    assert_eq!(columns[2].kind, ColumnKind::Categorical);
    let explore = explore.expect("the correlations again");
    assert_eq!(explore.correlations.names, ["Annual Income (k$)", "Spending Score (1-100)"], "Age is no longer numeric");
    assert!(matches!(handle(&mut runner, 9, export(ExportKind::SegmentedCsv)), ResponseBody::Failed { .. }));

    let bad = RequestBody::Load { name: "e.csv".into(), bytes: vec![], options: IngestOptions::default() };
    assert!(matches!(handle(&mut runner, 9, bad), ResponseBody::Failed { .. }));
    assert!(matches!(handle(&mut runner, 10, RequestBody::Clean(summary.suggested)), ResponseBody::Failed { .. }), "no stale file");
    assert!(stages.contains(&"Reading".to_owned()));
}

#[test]
fn the_description_made_before_the_fit_belongs_to_the_cleaning_it_was_made_for() {
    // The engine makes the fit-free part of the description (each feature's figures, the
    // PCA map) while the sweep is shown; a new cleaning must not reuse the old one.
    let clock = || 0.0;
    let answer = |runner: &mut Runner, body: RequestBody| runner.handle(Request { id: 1, body }, &clock, &mut |_, _| {}).body;
    let load = || RequestBody::Load { name: "customers.csv".into(), bytes: CUSTOMERS.to_vec(), options: IngestOptions::default() };
    let segmented = |runner: &mut Runner| match answer(runner, RequestBody::Segment(k(4))) {
        ResponseBody::Segmented(report) => report.segmentation,
        other => panic!("not segmented: {other:?}"),
    };
    let mut fresh = Runner::new();
    let ResponseBody::Loaded(summary) = answer(&mut fresh, load()) else { panic!("not loaded") };
    let every = summary.suggested.clone();
    let mut fewer = every.clone();
    fewer.numeric.retain(|f| f.column != 2);
    assert!(matches!(answer(&mut fresh, RequestBody::Clean(fewer.clone())), ResponseBody::Cleaned(_)));
    let expected = segmented(&mut fresh);
    assert_eq!(expected.overall.len(), 2);

    let mut runner = Runner::new();
    answer(&mut runner, load());
    assert!(matches!(answer(&mut runner, RequestBody::Clean(every)), ResponseBody::Cleaned(_)));
    runner.prepare_ground();
    assert!(matches!(answer(&mut runner, RequestBody::Clean(fewer)), ResponseBody::Cleaned(_)));
    runner.prepare_ground();
    assert_eq!(segmented(&mut runner), expected, "made for this cleaning before the fit: the same description");
    // A second segmentation of the same cleaning reuses it, and describes as one without it.
    let (again, first) = (segmented(&mut runner), segmented(&mut fresh));
    assert_eq!(again, first);
}

#[test]
fn a_downloaded_model_applied_to_the_same_file_gives_the_same_segments() {
    let mut runner = Runner::new();
    let clock = || 0.0;
    let handle = |runner: &mut Runner, id: u64, body: RequestBody| runner.handle(Request { id, body }, &clock, &mut |_, _| {}).body;
    let load = RequestBody::Load { name: "customers.csv".into(), bytes: CUSTOMERS.to_vec(), options: IngestOptions::default() };
    let ResponseBody::Loaded(summary) = handle(&mut runner, 1, load) else { panic!() };
    let mut cleaning = summary.suggested.clone();
    cleaning.numeric[0].log1p = true;
    assert!(matches!(handle(&mut runner, 2, RequestBody::Clean(cleaning)), ResponseBody::Cleaned(_)));
    assert!(matches!(handle(&mut runner, 3, RequestBody::Segment(k(5))), ResponseBody::Segmented(_)));
    let names = vec![String::new(), "Renamed".to_owned()];
    let export = RequestBody::Export { what: ExportKind::SegmentedCsv, names: names.clone(), value: Default::default() };
    let ResponseBody::Exported { bytes: segmented, .. } = handle(&mut runner, 4, export) else { panic!() };
    let model = RequestBody::ExportModel { names };
    let ResponseBody::Exported { file_name, mime, bytes: json, .. } = handle(&mut runner, 5, model) else { panic!() };
    assert_eq!((file_name.as_str(), mime.as_str()), ("customers-model.json", "application/json"));
    let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(parsed["schema_version"], 2);
    assert_eq!(parsed["source"]["sha256"], sha256_hex(CUSTOMERS), "the hash taken when the file was read");
    assert_eq!((&parsed["source"]["file_name"], &parsed["source"]["origin"]), (&"customers.csv".into(), &"file".into()));
    assert_eq!(parsed["segment_names"][1], "Renamed");

    let apply = RequestBody::ApplyModel {
        model_json: json,
        name: "customers.csv".into(),
        bytes: CUSTOMERS.to_vec(),
        options: IngestOptions::default(),
        memory_budget: None,
    };
    let ResponseBody::Applied(applied) = handle(&mut runner, 6, apply) else { panic!() };
    assert_eq!((applied.n_rows, applied.unplaced), (200, 0));
    let ResponseBody::Exported { bytes: applied_csv, .. } =
        handle(&mut runner, 7, RequestBody::Export { what: ExportKind::AppliedCsv, names: vec![], value: Default::default() })
    else {
        panic!()
    };
    assert_eq!(String::from_utf8(applied_csv).unwrap(), String::from_utf8(segmented).unwrap(), "same rows, segments and names");
    // The model applied to the bytes it was made from: compared with that segmentation, the
    // same grouping (the worker is emptied for a new file, as the page's worker is, but keeps
    // the last segmentation's rows).
    let comparison = applied.comparison.expect("the same file was segmented before");
    assert_eq!(comparison.agreement, Some(1.0));
    assert!(comparison.counts.iter().all(|row| row.iter().filter(|&&c| c > 0).count() == 1), "{comparison:?}");
}

#[test]
fn a_second_segmentation_of_the_same_file_is_compared_with_the_first() {
    let mut runner = Runner::new();
    let clock = || 0.0;
    let handle = |runner: &mut Runner, id: u64, body: RequestBody| runner.handle(Request { id, body }, &clock, &mut |_, _| {}).body;
    let load = |bytes: &[u8]| RequestBody::Load { name: "customers.csv".into(), bytes: bytes.to_vec(), options: IngestOptions::default() };
    let ResponseBody::Loaded(summary) = handle(&mut runner, 1, load(CUSTOMERS)) else { panic!() };
    assert!(matches!(handle(&mut runner, 2, RequestBody::Clean(summary.suggested.clone())), ResponseBody::Cleaned(_)));
    let ResponseBody::Segmented(first) = handle(&mut runner, 3, RequestBody::Segment(k(4))) else { panic!() };
    assert!(first.comparison.is_none(), "nothing to compare with yet");
    // Another k, then other features: each compared with the one before.
    let ResponseBody::Segmented(second) = handle(&mut runner, 4, RequestBody::Segment(k(3))) else { panic!() };
    let c = second.comparison.expect("k = 4 → k = 3");
    assert_eq!((c.before.len(), c.after.len(), c.n_rows), (4, 3, 200));
    assert_eq!(c.counts.iter().flatten().sum::<usize>(), 200);
    let sizes: Vec<usize> = second.segmentation.segments.iter().map(|s| s.size).collect();
    assert_eq!((0..3).map(|j| c.counts.iter().map(|r| r[j]).sum::<usize>()).collect::<Vec<_>>(), sizes);
    assert_eq!(c.before_label, "k = 4 on 3 features");
    let mut fewer = summary.suggested.clone();
    fewer.numeric.truncate(2);
    assert!(matches!(handle(&mut runner, 5, RequestBody::Clean(fewer)), ResponseBody::Cleaned(_)));
    let ResponseBody::Segmented(third) = handle(&mut runner, 6, RequestBody::Segment(k(3))) else { panic!() };
    assert_eq!(third.comparison.expect("other features").before_label, "k = 3 on 3 features");
    // Another file (other bytes): nothing to compare with.
    let other: Vec<u8> = String::from_utf8(CUSTOMERS.to_vec()).unwrap().replacen("0001,", "9999,", 1).into_bytes();
    let ResponseBody::Loaded(summary) = handle(&mut runner, 7, load(&other)) else { panic!() };
    assert!(matches!(handle(&mut runner, 8, RequestBody::Clean(summary.suggested)), ResponseBody::Cleaned(_)));
    let ResponseBody::Segmented(fourth) = handle(&mut runner, 9, RequestBody::Segment(k(3))) else { panic!() };
    assert!(fourth.comparison.is_none(), "another file's rows are not compared");
}

#[test]
fn a_transaction_log_becomes_customers_then_segments_and_every_transaction_row_is_exported() {
    const LOG: &[u8] = include_bytes!("fixtures/rfm/transactions.csv");
    let mut runner = Runner::new();
    let clock = || 0.0;
    let handle = |runner: &mut Runner, id: u64, body: RequestBody| runner.handle(Request { id, body }, &clock, &mut |_, _| {}).body;
    let load = RequestBody::Load { name: "log.csv".into(), bytes: LOG.to_vec(), options: IngestOptions::default() };
    let ResponseBody::Loaded(log) = handle(&mut runner, 1, load) else { panic!() };
    let (mapping, why) = log.transactions.clone().expect("recognised as a transaction log");
    assert!(!why.is_empty());
    let body = RequestBody::Transactions { mapping, options: Default::default() };
    let ResponseBody::Loaded(customers) = handle(&mut runner, 2, body) else { panic!() };
    let rfm = customers.rfm.clone().unwrap();
    assert_eq!(customers.name, "log-customers.csv");
    assert_eq!(customers.n_rows, rfm.report.customers);
    assert_eq!(&customers.headers[..4], ["CustomerID", "Recency", "Frequency", "Monetary"]);
    let ResponseBody::Cleaned(cleaned) = handle(&mut runner, 3, RequestBody::Clean(customers.suggested.clone())) else { panic!() };
    // Skewed money is log-transformed by default, unless a net spend is negative (then said).
    assert!(cleaned.report.log_transformed.contains(&"Frequency".to_owned()));
    assert!(
        cleaned.report.log_transformed.contains(&"Monetary".to_owned())
            || cleaned.report.notes.iter().any(|n| n.contains("Monetary has negative values")),
        "{:?}",
        cleaned.report
    );
    assert!(matches!(handle(&mut runner, 4, RequestBody::Sweep { k_max: 6, seed: 42 }), ResponseBody::Swept(_)));
    let ResponseBody::Segmented(s) = handle(&mut runner, 5, RequestBody::Segment(k(3))) else { panic!() };
    assert!(s.segmentation.segments.iter().all(|x| x.persona.is_some() || !x.name.is_empty()));

    let export = |what| RequestBody::Export { what, names: vec![], value: Default::default() };
    let ResponseBody::Exported { bytes, file_name, .. } = handle(&mut runner, 6, export(ExportKind::SegmentedCsv)) else { panic!() };
    assert_eq!(file_name, "log-segmented.csv");
    let text = String::from_utf8(bytes).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header.iter().rev().take(3).collect::<Vec<_>>(), &["excluded_reason", "segment_name", "segment"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), rfm.report.rows_read, "every transaction row");
    let without_customer = rows.iter().filter(|r| r.get(r.len() - 1).unwrap().contains("customer")).count();
    assert!(without_customer >= rfm.report.rows_without_customer);
    assert!(rows.iter().filter(|r| !r.get(r.len() - 3).unwrap().is_empty()).count() >= rfm.report.rows_used);

    let ResponseBody::Exported { bytes, .. } = handle(&mut runner, 7, export(ExportKind::CustomersCsv)) else { panic!() };
    let customers_csv = String::from_utf8(bytes).unwrap();
    assert_eq!(customers_csv.lines().count(), rfm.report.customers + 1);
    assert!(customers_csv.starts_with(
        "CustomerID,Recency,Frequency,Monetary,Tenure,AvgOrderValue,R,F,M,RFM_Score,RFM_Segment,segment,segment_name,excluded_reason"
    ));

    // The model says where the customers came from: the log, by its name and its hash.
    let ResponseBody::Exported { bytes: json, .. } = handle(&mut runner, 8, RequestBody::ExportModel { names: vec![] }) else { panic!() };
    let model: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(model["source"]["file_name"], "log.csv");
    assert_eq!(model["source"]["sha256"], sha256_hex(LOG));
    assert_eq!(model["source"]["origin"], "transaction_log");
    assert_eq!(model["source"]["n_rows"], rfm.report.customers);
}

#[test]
fn the_sample_model_carries_the_hash_of_the_sample_bytes() {
    use segmentation::core::sample::{sample_customers_csv, SAMPLE_FILE_NAME};
    let mut runner = Runner::new();
    let clock = || 0.0;
    let handle = |runner: &mut Runner, id: u64, body: RequestBody| runner.handle(Request { id, body }, &clock, &mut |_, _| {}).body;
    let ResponseBody::Loaded(summary) = handle(&mut runner, 1, RequestBody::LoadSample { options: IngestOptions::default() }) else {
        panic!()
    };
    assert!(matches!(handle(&mut runner, 2, RequestBody::Clean(summary.suggested.clone())), ResponseBody::Cleaned(_)));
    assert!(matches!(handle(&mut runner, 3, RequestBody::Segment(k(5))), ResponseBody::Segmented(_)));
    let ResponseBody::Exported { bytes: json, .. } = handle(&mut runner, 4, RequestBody::ExportModel { names: vec![] }) else { panic!() };
    let model: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(model["source"]["sha256"], sha256_hex(sample_customers_csv().as_bytes()));
    assert_ne!(model["source"]["sha256"], sha256_hex(b""), "not the hash of nothing");
    assert_eq!((&model["source"]["file_name"], &model["source"]["origin"]), (&SAMPLE_FILE_NAME.into(), &"sample".into()));

    // A file loaded after the sample is hashed itself.
    let load = RequestBody::Load { name: "customers.csv".into(), bytes: CUSTOMERS.to_vec(), options: IngestOptions::default() };
    let ResponseBody::Loaded(summary) = handle(&mut runner, 5, load) else { panic!() };
    assert!(matches!(handle(&mut runner, 6, RequestBody::Clean(summary.suggested.clone())), ResponseBody::Cleaned(_)));
    assert!(matches!(handle(&mut runner, 7, RequestBody::Segment(k(3))), ResponseBody::Segmented(_)));
    let ResponseBody::Exported { bytes: json, .. } = handle(&mut runner, 8, RequestBody::ExportModel { names: vec![] }) else { panic!() };
    let model: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!((&model["source"]["sha256"], &model["source"]["origin"]), (&sha256_hex(CUSTOMERS).into(), &"file".into()));
}

#[test]
fn a_whitespace_separated_log_without_header_becomes_customers_with_a_mapping_by_hand() {
    // The CDNOW layout: customer id, YYYYMMDD, number of CDs, dollar amount.
    let log = "00001 19970101  1  11.77\n00002 19970112  1  12.00\n00002 19970112  5  77.00\n00003 19970102  2  20.76\n00003 19970330  2  20.76\n00003 19970402  2  19.54\n";
    let mut runner = Runner::new();
    let clock = || 0.0;
    let handle = |runner: &mut Runner, id: u64, body: RequestBody| runner.handle(Request { id, body }, &clock, &mut |_, _| {}).body;
    let options = IngestOptions { delimiter: Some(b' '), ..IngestOptions::default() };
    let ResponseBody::Loaded(file) =
        handle(&mut runner, 1, RequestBody::Load { name: "CDNOW_sample.txt".into(), bytes: log.as_bytes().to_vec(), options })
    else {
        panic!()
    };
    assert_eq!((file.n_rows, file.n_columns), (6, 4));
    assert_eq!(file.columns[1].kind, ColumnKind::Date, "YYYYMMDD");
    let mapping = segmentation::core::rfm::TransactionMapping {
        customer: 0,
        date: 1,
        invoice: None,
        amount: Some(3),
        quantity: None,
        unit_price: None,
    };
    let ResponseBody::Loaded(customers) = handle(&mut runner, 2, RequestBody::Transactions { mapping, options: Default::default() }) else {
        panic!()
    };
    assert_eq!(customers.n_rows, 3);
    let report = customers.rfm.unwrap().report;
    assert_eq!((report.rows_read, report.rows_used, report.customers), (6, 6, 3));
    // Customer 00002: one purchase day (no invoice column: distinct days), 89 spent.
    assert_eq!(customers.preview[1][..4], ["00002".to_owned(), "81".to_owned(), "1".to_owned(), "89".to_owned()]);
}

#[test]
fn a_one_customer_segment_is_flagged_with_what_sets_it_apart() {
    let mut csv = String::from("id,age,spend\n");
    for i in 0..200 {
        let spend = if i == 77 { "1000000000000".to_owned() } else { format!("{}", 80 + (i * 37) % 90) };
        csv.push_str(&format!("C{i:04},{},{spend}\n", 20 + (i * 13) % 50));
    }
    let file = load("outlier.csv", csv.as_bytes(), &IngestOptions::default(), &mut |_| {}).unwrap();
    let cleaned = clean(&file, &CleaningOptions::suggested(&file.profile)).unwrap();
    let segmentation = segment(&file, &cleaned, &k(3)).unwrap();
    let flagged: Vec<_> = segmentation.segments.iter().filter_map(|s| s.caution.as_ref().map(|c| (s.size, c))).collect();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(flagged[0].0, 1);
    assert!(
        flagged[0].1.starts_with("1 customer (0.5% of those clustered) with spend 1.000e12 (all customers: median"),
        "{}",
        flagged[0].1
    );
}

#[test]
fn sweep_runs_fall_with_rows_times_features_beyond_eight_features() {
    use segmentation::core::pipeline::sweep_runs;
    // Up to 8 features the rows alone decide, as before.
    assert_eq!([sweep_runs(50_000, 3), sweep_runs(50_001, 8), sweep_runs(200_001, 1)], [10, 3, 3]);
    // 10,000 rows of 300 features weigh as 375,000 rows of 8; 200 of 1,000 as 25,000.
    assert_eq!([sweep_runs(10_000, 300), sweep_runs(200, 1_000), sweep_runs(20_000, 40)], [1, 10, 3]);
}

#[test]
fn cleaning_options_from_a_message_are_checked_before_any_step_relies_on_them() {
    use segmentation::core::clean::{MissingStrategy, OutlierPolicy};
    let mut runner = Runner::new();
    let clock = || 0.0;
    let handle = |runner: &mut Runner, id: u64, body: RequestBody| runner.handle(Request { id, body }, &clock, &mut |_, _| {}).body;
    let load = RequestBody::Load { name: "customers.csv".into(), bytes: CUSTOMERS.to_vec(), options: IngestOptions::default() };
    let ResponseBody::Loaded(summary) = handle(&mut runner, 1, load) else { panic!() };
    let with = |change: &dyn Fn(&mut CleaningOptions)| {
        let mut options = summary.suggested.clone();
        change(&mut options);
        options
    };
    // As they would arrive from localStorage or a hand-made message: f64::clamp panics on
    // lower > upper, and NaN reads as "not a number" through every later step.
    let bad: [(CleaningOptions, &str); 4] = [
        (with(&|o| o.outliers = OutlierPolicy::ClipPercentiles { lower: 99.0, upper: 1.0 }), "clip percentiles"),
        (with(&|o| o.outliers = OutlierPolicy::ClipIqr { factor: -1.0 }), "IQR factor"),
        (with(&|o| o.numeric[0].missing = MissingStrategy::Constant(f64::NAN)), "fills missing cells"),
        (with(&|o| o.one_hot_top = 0), "categories kept"),
    ];
    for (id, (options, says)) in (2..).zip(bad) {
        let answer = handle(&mut runner, id, RequestBody::Clean(options));
        let ResponseBody::Failed { message } = answer else { panic!("{answer:?}") };
        assert!(message.starts_with("customers.csv: ") && message.contains(says), "{message}");
    }
    let json = r#"{"method":"clip_percentiles","lower":99,"upper":1}"#;
    let reversed: OutlierPolicy = serde_json::from_str(json).unwrap();
    let answer = handle(&mut runner, 9, RequestBody::Clean(with(&|o| o.outliers = reversed)));
    assert!(matches!(answer, ResponseBody::Failed { .. }));
    assert!(matches!(handle(&mut runner, 10, RequestBody::Clean(summary.suggested.clone())), ResponseBody::Cleaned(_)));
}

#[test]
fn a_kind_forced_to_numeric_lists_its_stray_texts_in_the_warnings() {
    let mut runner = Runner::new();
    let clock = || 0.0;
    let mut csv = String::from("id,score\n");
    for i in 0..40 {
        csv.push_str(&format!("C{i},{}\n", if i % 4 == 0 { "n/k".to_owned() } else { (i * 3).to_string() }));
    }
    let load = RequestBody::Load { name: "s.csv".into(), bytes: csv.into_bytes(), options: IngestOptions::default() };
    let ResponseBody::Loaded(summary) = runner.handle(Request { id: 1, body: load }, &clock, &mut |_, _| {}).body else { panic!() };
    assert_ne!(summary.columns[1].kind, ColumnKind::Numeric, "a quarter of the cells are words: not numeric by itself");
    assert!(summary.warnings.is_empty());
    let set = RequestBody::SetKind { column: 1, kind: Some(ColumnKind::Numeric) };
    let ResponseBody::Profiled { warnings, .. } = runner.handle(Request { id: 2, body: set }, &clock, &mut |_, _| {}).body else {
        panic!()
    };
    assert_eq!(warnings.len(), 1);
    assert_eq!((warnings[0].kind.as_str(), warnings[0].column.as_deref(), warnings[0].line), ("stray-values", Some("score"), Some(2)));
    assert!(warnings[0].message.starts_with("score: 10 cells are not a number (“n/k” × 10"), "{}", warnings[0].message);
}

/// Over the memory budget, the fit runs on a seeded sample of the rows the budget holds,
/// every row still gets its nearest segment, and the page is told; the same personas
/// come back.
#[test]
fn a_matrix_over_the_memory_budget_is_fitted_on_a_sample_and_every_row_is_placed() {
    let file = load_bytes("customers.csv", CUSTOMERS);
    let mut options = CleaningOptions::suggested(&file.profile);
    options.numeric.retain(|f| f.column != 2);
    let cleaned = clean(&file, &options).unwrap();
    let d = cleaned.n_features;
    // A budget of one byte: the floor is 1,000 rows, so a small matrix is never sampled.
    let mut small = k(5);
    small.fit_budget = Some(1);
    let whole = segment(&file, &cleaned, &small).unwrap();
    assert_eq!(whole.fit_rows, None);
    assert_eq!(segmentation::core::pipeline::fit_rows_for_budget(1, d), 1_000);
    // 3,000 rows (the fixture 15 times over), a budget for 1,000 of them.
    let fixture = String::from_utf8(CUSTOMERS.to_vec()).unwrap();
    let mut lines = fixture.lines();
    let mut text = format!("{}\n", lines.next().unwrap());
    let body: String = lines.map(|l| format!("{l}\n")).collect();
    for _ in 0..15 {
        text.push_str(&body);
    }
    let big = load_bytes("customers-15.csv", text.as_bytes());
    let cleaned = clean(&big, &options).unwrap();
    assert_eq!(cleaned.n_rows, 3_000);
    let mut budget = k(5);
    budget.fit_budget = Some(1_000 * (32 * d as u64 + 32));
    let s = segment(&big, &cleaned, &budget).unwrap();
    assert_eq!(s.fit_rows, Some(1_000));
    assert_eq!(s.labels.len(), 3_000);
    // Each row's segment is its nearest centre, and the inertia is the whole matrix's.
    let (labels, inertia) = segmentation::core::kmeans::predict(&cleaned.scaled, d, &s.centers_scaled);
    assert_eq!(s.labels, labels);
    assert_eq!(s.inertia, inertia);
    let mut sizes: Vec<usize> = s.segments.iter().map(|s| s.size).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [600; 5]);
}

#[test]
fn the_worker_reads_a_file_in_pieces_and_exports_every_row() {
    use segmentation::core::stream::SliceSource;
    let mut bytes = String::from("id,income,spend\n");
    for i in 0..20_000 {
        bytes.push_str(&format!("{i},{},{}\n", 20 + (i * 37) % 90, 5 + (i * 53) % 95));
    }
    let mut runner = Runner::new();
    let loaded = runner
        .load_streamed(
            "big.csv".to_owned(),
            &mut SliceSource(bytes.as_bytes()),
            &IngestOptions::default(),
            2_000,
            1 << 20,
            &|| 0.0,
            &mut |_, _| {},
        )
        .unwrap();
    let ResponseBody::Loaded(summary) = loaded else { panic!("{loaded:?}") };
    let streamed = summary.streamed.unwrap();
    assert_eq!(streamed.total_rows, 20_000);
    assert!((1_000..=2_500).contains(&streamed.sample_rows), "{}", streamed.sample_rows);
    assert_eq!(summary.n_rows, streamed.sample_rows);
    let send = |runner: &mut Runner, body| runner.handle(Request { id: 1, body }, &|| 0.0, &mut |_, _| {}).body;
    assert!(matches!(send(&mut runner, RequestBody::Clean(summary.suggested.clone())), ResponseBody::Cleaned(_)));
    assert!(matches!(send(&mut runner, RequestBody::Segment(k(3))), ResponseBody::Segmented(_)));
    let export = RequestBody::Export { what: ExportKind::SegmentedCsv, names: Vec::new(), value: Default::default() };
    assert!(runner.exports_in_pieces(&export));
    let mut written = Vec::new();
    let (name, counts) = runner
        .export_streamed(&mut SliceSource(bytes.as_bytes()), &[], &mut |_, _| {}, &mut |part| {
            written.extend_from_slice(&part);
            Ok(())
        })
        .unwrap();
    assert_eq!(name, "big-segmented.csv");
    assert_eq!((counts.rows, counts.excluded), (20_000, 0));
    let text = String::from_utf8(written).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 20_001);
    assert!(lines[1..].iter().enumerate().all(|(i, l)| l.starts_with(&format!("{i},"))));
    // The model saved, then applied piece by piece to the same file: the same download.
    let ResponseBody::Exported { bytes: model_json, .. } = send(&mut runner, RequestBody::ExportModel { names: Vec::new() }) else {
        panic!("no model")
    };
    let mut applying = Runner::new();
    let ResponseBody::Applied(applied) = applying
        .apply_model_in_pieces(
            &model_json,
            "big.csv".to_owned(),
            &mut SliceSource(bytes.as_bytes()),
            &IngestOptions::default(),
            1 << 20,
            &mut |_, _| {},
        )
        .unwrap()
    else {
        panic!("not applied")
    };
    assert_eq!((applied.n_rows, applied.unplaced), (20_000, 0));
    assert_eq!(applied.sizes, counts.per_segment);
    let applied_export = RequestBody::Export { what: ExportKind::AppliedCsv, names: Vec::new(), value: Default::default() };
    assert!(applying.exports_in_pieces(&applied_export));
    let mut again = Vec::new();
    applying
        .export_streamed(&mut SliceSource(bytes.as_bytes()), &[], &mut |_, _| {}, &mut |part| {
            again.extend_from_slice(&part);
            Ok(())
        })
        .unwrap();
    assert!(again == text.as_bytes(), "the applied model's download is the segmentation's");
    // A transaction view needs every row: refused with the reason.
    let ResponseBody::Failed { message } = send(
        &mut runner,
        RequestBody::Transactions {
            mapping: segmentation::core::rfm::TransactionMapping {
                customer: 0,
                date: 1,
                invoice: None,
                amount: Some(2),
                quantity: None,
                unit_price: None,
            },
            options: Default::default(),
        },
    ) else {
        panic!("a sampled log was aggregated")
    };
    assert!(message.contains("needs every row"), "{message}");
}

#[test]
fn the_sql_download_is_the_query_of_the_model_download_and_failures_are_messages() {
    use segmentation::core::model::read_model;
    use segmentation::core::sql::{render, Dialect, SqlOptions};
    let mut runner = Runner::new();
    let clock = || 0.0;
    let handle = |runner: &mut Runner, id: u64, body: RequestBody| runner.handle(Request { id, body }, &clock, &mut |_, _| {}).body;
    let export_sql = |dialect| RequestBody::ExportSql { names: vec![], dialect, table: "crm.customers".into() };
    let model_sql = |json: &[u8], dialect| RequestBody::ModelSql { model_json: json.to_vec(), dialect, table: "crm.customers".into() };
    // What the worker must answer: the renderer's query as `segments_<dialect>.sql`, or its
    // error as a message.
    let expect = |body: ResponseBody, json: &[u8], dialect: Dialect| {
        let expected = read_model(json)
            .map_err(|e| e.to_string())
            .and_then(|m| render(&m, &SqlOptions { dialect, table: "crm.customers".into(), keys: None }).map_err(|e| e.to_string()));
        match (body, expected) {
            (ResponseBody::Exported { file_name, bytes, .. }, Ok(query)) => {
                assert_eq!(file_name, format!("segments_{}.sql", dialect.as_str()));
                assert_eq!(String::from_utf8(bytes).unwrap(), query, "{dialect:?}");
            }
            (ResponseBody::Failed { message }, Err(e)) => assert!(message.contains(&e), "{message} names {e}"),
            (body, expected) => panic!("{dialect:?}: {body:?} where {expected:?} was expected"),
        }
    };

    // Nothing loaded, or nothing segmented: a message, and the runner carries on.
    let ResponseBody::Failed { message } = handle(&mut runner, 1, export_sql(Dialect::DuckDb)) else { panic!() };
    assert!(message.contains("choose a CSV file"), "{message}");
    let ResponseBody::Failed { message } = handle(&mut runner, 2, model_sql(b"{ not a model", Dialect::Spark)) else { panic!() };
    assert!(message.starts_with("the model: "), "{message}");
    let load = RequestBody::Load { name: "customers.csv".into(), bytes: CUSTOMERS.to_vec(), options: IngestOptions::default() };
    let ResponseBody::Loaded(summary) = handle(&mut runner, 3, load) else { panic!() };
    assert!(matches!(handle(&mut runner, 4, RequestBody::Clean(summary.suggested)), ResponseBody::Cleaned(_)));
    let ResponseBody::Failed { message } = handle(&mut runner, 5, export_sql(Dialect::DuckDb)) else { panic!() };
    assert!(message.contains("run the segmentation first, then download the SQL"), "{message}");
    assert!(matches!(handle(&mut runner, 6, RequestBody::Segment(k(5))), ResponseBody::Segmented(_)));

    // The page's query is the one written from its model download, for every dialect; so
    // is the query of that download given back with no file.
    let ResponseBody::Exported { bytes: json, .. } = handle(&mut runner, 7, RequestBody::ExportModel { names: vec![] }) else { panic!() };
    for (i, dialect) in Dialect::ALL.into_iter().enumerate() {
        expect(handle(&mut runner, 10 + i as u64, export_sql(dialect)), &json, dialect);
        expect(handle(&mut Runner::new(), 1, model_sql(&json, dialect)), &json, dialect);
    }
    // A model saved by an earlier version, with no file loaded.
    let v1 = include_bytes!("fixtures/model_v1.json");
    expect(handle(&mut Runner::new(), 1, model_sql(v1, Dialect::Postgres)), v1, Dialect::Postgres);
    // Rendering the SQL changed nothing the worker holds: the segmented download still works.
    let export = RequestBody::Export { what: ExportKind::SegmentedCsv, names: vec![], value: Default::default() };
    assert!(matches!(handle(&mut runner, 20, export), ResponseBody::Exported { .. }));
}
