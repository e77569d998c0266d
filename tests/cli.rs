//! The `segment` command line, run as a user runs it: fit → model and download, apply
//! (one thread and several, the same bytes), SQL, the exit codes, and a model saved before
//! the feature plan still applied.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_segment");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("segment-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn segment(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The `segment` column of an export (the third from the end), row by row.
fn segments(csv: &[u8]) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(csv);
    let header = reader.headers().unwrap().clone();
    let at = header.iter().position(|h| h == "segment").unwrap();
    reader.records().map(|r| r.unwrap().get(at).unwrap().to_owned()).collect()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn fit_writes_the_model_and_the_download_and_apply_gives_the_same_segments() {
    let dir = scratch("fit");
    let (model, export, summary) = (dir.join("model.json"), dir.join("export.csv"), dir.join("summary.csv"));
    let data = fixture("customers.csv");
    let out = segment(&["fit", path(&data), "--k", "4", "-o", path(&model), "--export", path(&export), "--summary", path(&summary), "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "--quiet: {}", stderr(&out));
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(saved["n_clusters"], 4);
    assert_eq!(saved["seed"], 42);
    assert_eq!(saved["source"]["file_name"], "customers.csv");
    assert!(saved["stability"].is_object(), "the stability is measured, as on the page");
    let exported = std::fs::read(&export).unwrap();
    let fitted = segments(&exported);
    assert_eq!(fitted.len(), 200);
    assert!(fitted.iter().all(|s| ["1", "2", "3", "4"].contains(&s.as_str())), "1-based segments: {fitted:?}");
    assert!(String::from_utf8(std::fs::read(&summary).unwrap()).unwrap().starts_with("segment,segment_name,customers"));

    // The model applied to the same file: the same segment for every row, whether the file
    // is read by one thread or cut into pieces shared among several.
    let applied = dir.join("applied.csv");
    let out = segment(&["apply", path(&model), path(&data), "-o", path(&applied), "--threads", "1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("200 rows, 0 not placed"), "{}", stderr(&out));
    let one_thread = std::fs::read(&applied).unwrap();
    assert_eq!(segments(&one_thread), fitted);
    let out = segment(&["apply", path(&model), path(&data), "-o", path(&applied), "--threads", "3", "--piece-bytes", "500", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(std::fs::read(&applied).unwrap(), one_thread, "pieces shared out: the same bytes");
    // To stdout without -o.
    let out = segment(&["apply", path(&model), path(&data), "-q"]);
    assert_eq!(code(&out), 0);
    assert_eq!(out.stdout, one_thread);
}

#[test]
fn fit_takes_the_pages_choices_by_column_name() {
    let dir = scratch("choices");
    let model = dir.join("model.json");
    let out = segment(&[
        "fit",
        path(&fixture("customers.csv")),
        "--k=3",
        "--seed",
        "7",
        "--log",
        "Annual Income (k$)",
        "--one-hot",
        "Genre",
        "--impute",
        "age=median",
        "--outliers",
        "percentiles",
        "-o",
        path(&model),
        "--no-stability",
        "-q",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    let cleaning = &saved["cleaning"];
    assert_eq!(cleaning["categorical"], serde_json::json!([1]));
    assert_eq!(cleaning["outliers"], serde_json::json!({"method": "clip_percentiles", "lower": 1.0, "upper": 99.0}));
    let numeric = cleaning["numeric"].as_array().unwrap();
    assert_eq!(numeric[0]["missing"]["strategy"], "median", "Age (named in another case): median");
    assert_eq!(numeric[1]["log1p"], true);
    assert_eq!(saved["seed"], 7);
    assert_eq!(saved["n_clusters"], 3);
    assert!(saved.get("stability").is_none());
}

/// A file with quoted fields on some lines, a BOM, a decimal comma and ragged rows: the
/// pieces shared out give the one-thread bytes (a quoted field over two lines hands the rest
/// of the file to one thread).
#[test]
fn apply_in_shared_pieces_is_the_one_thread_output() {
    let dir = scratch("pieces");
    let mut text = String::from("\u{feff}sep=;\nid;name;spend;visits\n");
    for i in 0..3_000 {
        let name = match i % 7 {
            0 => format!("\"Doe; {i}\""),
            1 => String::new(),
            _ => format!("n{i}"),
        };
        let spend = if i % 11 == 0 { String::new() } else { format!("{},{}", (i * 37) % 1000, i % 100) };
        text.push_str(&format!("{i};{name};{spend};{}\n", (i * 13) % 50));
        if i == 2_500 {
            text.push_str("9999;\"two\nlines\";1,5;3\n");
        }
        if i == 1_000 {
            text.push_str("8888;short\n");
        }
    }
    let data = dir.join("quirky.csv");
    std::fs::write(&data, &text).unwrap();
    let model = dir.join("model.json");
    let out = segment(&["fit", path(&data), "--k", "3", "--impute", "spend=mean", "-o", path(&model), "--no-stability", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let one = dir.join("one.csv");
    let out = segment(&["apply", path(&model), path(&data), "-o", path(&one), "--threads", "1", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for piece_bytes in ["700", "4096", "50000"] {
        let shared = dir.join(format!("shared-{piece_bytes}.csv"));
        let out = segment(&["apply", path(&model), path(&data), "-o", path(&shared), "--threads", "2", "--piece-bytes", piece_bytes, "-q"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(std::fs::read(&shared).unwrap() == std::fs::read(&one).unwrap(), "pieces of {piece_bytes} bytes");
    }
}

#[test]
fn a_model_saved_before_the_feature_plan_still_applies() {
    let dir = scratch("v1");
    let applied = dir.join("applied.csv");
    let out = segment(&["apply", path(&fixture("model_v1.json")), path(&fixture("customers.csv")), "-o", path(&applied), "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let expected: Vec<String> = std::fs::read_to_string(fixture("model_v1_labels.txt"))
        .unwrap()
        .lines()
        .map(|l| (l.trim().parse::<usize>().unwrap() + 1).to_string())
        .collect();
    assert_eq!(expected.len(), 200);
    assert_eq!(segments(&std::fs::read(&applied).unwrap()), expected);
}

#[test]
fn exit_codes_say_whose_fault_it_is() {
    let dir = scratch("codes");
    let model = dir.join("model.json");
    let data = fixture("customers.csv");
    // The data cannot be used: 1, the file named.
    let out = segment(&["fit", path(&dir.join("nowhere.csv")), "-o", path(&model)]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("nowhere.csv: could not read the file"), "{}", stderr(&out));
    let out = segment(&["apply", path(&data), path(&data)]);
    assert_eq!(code(&out), 1, "a CSV is not a model: {}", stderr(&out));
    assert!(stderr(&out).contains("customers.csv: "), "{}", stderr(&out));
    // The command line is wrong: 2.
    let out = segment(&["fit", path(&data), "--log", "Income", "-o", path(&model)]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--log Income: no such column"), "{}", stderr(&out));
    assert!(stderr(&out).contains("“Annual Income (k$)”"), "the columns listed: {}", stderr(&out));
    assert!(!model.exists(), "nothing written");
    let out = segment(&["fit", path(&data), "--k", "4", "-o", path(&model), "--no-stability", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = segment(&["sql", path(&model), "--dialect", "oracle"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("unknown dialect “oracle”: use one of duckdb, spark, postgres, bigquery, snowflake"), "{}", stderr(&out));
    assert!(stderr(&out).contains("usage:"));
    for args in
        [&[][..], &["frobnicate"], &["fit"], &["fit", "a.csv"], &["fit", "a.csv", "-o", "m.json", "--k", "zero"], &["apply", "m.json"]]
    {
        let out = segment(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
    }
}
