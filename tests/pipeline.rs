//! Native end-to-end tests of the core flow and the worker's dispatch, on the project's own
//! fixture (tests/fixtures/customers.csv, written by make_fixtures.py).

use segmentation::core::pipeline::{load, segment, SegmentOptions};
use segmentation::core::profile::ColumnRole;
use segmentation::worker::protocol::{Request, RequestBody, ResponseBody};
use segmentation::worker::runner::Runner;

const CUSTOMERS: &[u8] = include_bytes!("fixtures/customers.csv");

fn options(k: usize, features: Option<Vec<usize>>) -> SegmentOptions {
    SegmentOptions { n_clusters: k, seed: 42, features }
}

#[test]
fn fixture_columns_get_the_expected_roles() {
    let file = load("customers.csv", CUSTOMERS).unwrap();
    let roles: Vec<ColumnRole> = file.columns.iter().map(|c| c.role).collect();
    use ColumnRole::*;
    assert_eq!(roles, [Identifier, Other, Numeric, Numeric, Numeric]);
    assert_eq!(file.default_features(), [2, 3, 4]);
    assert_eq!(file.table.n_rows(), 200);
}

#[test]
fn five_personas_are_recovered_on_income_and_spending() {
    let file = load("customers.csv", CUSTOMERS).unwrap();
    let s = segment(&file, &options(5, Some(vec![3, 4]))).unwrap();
    let mut sizes = s.cluster_sizes.clone();
    sizes.sort_unstable();
    assert_eq!(sizes, [40; 5]);
    assert_eq!(s.feature_names, ["Annual Income (k$)", "Spending Score (1-100)"]);
    // Centres come back in the data's own units: one near each persona's (income, spending).
    for (income, spending) in [(88.0, 17.0), (86.0, 82.0), (55.0, 50.0), (26.0, 79.0), (26.0, 20.0)] {
        let near = s
            .centers
            .chunks_exact(2)
            .any(|c| (c[0] - income).abs() < 4.0 && (c[1] - spending).abs() < 4.0);
        assert!(near, "no centre near ({income}, {spending}): {:?}", s.centers);
    }
}

#[test]
fn export_keeps_every_row_and_cell_text_and_adds_the_segment() {
    let file = load("customers.csv", CUSTOMERS).unwrap();
    let s = segment(&file, &options(5, None)).unwrap();
    let text = String::from_utf8(s.csv).unwrap();
    let input = String::from_utf8(CUSTOMERS.to_vec()).unwrap();
    let out_lines: Vec<&str> = text.lines().collect();
    let in_lines: Vec<&str> = input.split("\r\n").collect();
    assert_eq!(out_lines.len(), 201);
    assert_eq!(out_lines[0], format!("{},segment", in_lines[0]));
    let mut segments = std::collections::BTreeSet::new();
    for (out, original) in out_lines[1..].iter().zip(&in_lines[1..]) {
        let (cells, segment) = out.rsplit_once(',').unwrap();
        assert_eq!(cells, *original, "input text changed");
        segments.insert(segment.parse::<usize>().unwrap());
    }
    assert_eq!(segments, (1..=5).collect());
    assert!(out_lines[1].starts_with("0"), "zero-padded IDs stay text");
}

#[test]
fn rows_with_missing_numbers_keep_an_empty_segment() {
    let csv = b"id,a,b\n1,1,1\n2,,2\n3,10,10\n4,11,NA\n5,12,12\n6,2,1\n";
    let file = load("gaps.csv", csv).unwrap();
    let s = segment(&file, &options(2, None)).unwrap();
    assert_eq!((s.n_rows, s.n_excluded, s.labels.len()), (6, 2, 4));
    let text = String::from_utf8(s.csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[2], "2,,2,");
    assert_eq!(lines[4], "4,11,NA,");
    assert!(s.warnings.iter().any(|w| w.contains("2 rows were not clustered") && w.contains("line 3")));
}

#[test]
fn bad_input_gets_a_message_naming_the_file() {
    let cases: [(&str, &[u8], usize, &str); 5] = [
        ("empty.csv", b"", 2, "empty"),
        ("header.csv", b"a,b,c\r\n", 2, "no data rows"),
        ("words.csv", b"name,city\nAnn,Oslo\nBo,Rome\n", 2, "no numeric column"),
        ("small.csv", b"x,y\n1,2\n3,4\n5,6\n", 9, "choose k ≤ 3"),
        ("image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 2, "does not look like text"),
    ];
    for (name, bytes, k, expected) in cases {
        let message = match load(name, bytes) {
            Err(e) => e.to_string(),
            Ok(file) => match segment(&file, &options(k, None)) {
                Err(e) => e.to_string(),
                Ok(_) => panic!("{name} should fail"),
            },
        };
        assert!(message.starts_with(name), "{message}");
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn runner_answers_load_then_segment_and_forgets_a_failed_file() {
    let mut runner = Runner::new();
    let clock = || 0.0;
    let segment_request = |id| Request { id, body: RequestBody::Segment(options(5, None)) };

    let early = runner.handle(segment_request(1), &clock);
    assert!(matches!(early.body, ResponseBody::Failed { ref message } if message.contains("choose a CSV file")));

    let loaded = runner.handle(
        Request { id: 2, body: RequestBody::Load { name: "customers.csv".into(), bytes: CUSTOMERS.to_vec() } },
        &clock,
    );
    assert_eq!(loaded.id, 2);
    let ResponseBody::Loaded(summary) = loaded.body else { panic!("{loaded:?}") };
    assert_eq!((summary.n_rows, summary.n_columns, summary.delimiter.as_str()), (200, 5, "comma"));

    let done = runner.handle(segment_request(3), &clock);
    let ResponseBody::Segmented(report) = done.body else { panic!("{done:?}") };
    assert_eq!(report.segmentation.labels.len(), 200);

    let bad = runner.handle(Request { id: 4, body: RequestBody::Load { name: "e.csv".into(), bytes: vec![] } }, &clock);
    assert!(matches!(bad.body, ResponseBody::Failed { .. }));
    let after = runner.handle(segment_request(5), &clock);
    assert!(matches!(after.body, ResponseBody::Failed { .. }), "a failed load leaves no stale file");
}
