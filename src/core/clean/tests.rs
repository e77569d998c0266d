use super::*;
use crate::core::ingest::{parse_csv, IngestOptions};
use crate::core::profile::profile_columns;

fn setup(csv: &str) -> (Table, TableProfile) {
    let table = parse_csv(csv.as_bytes(), &IngestOptions::default()).unwrap();
    let profile = profile_columns(&table);
    (table, profile)
}

fn numeric(columns: &[usize], missing: MissingStrategy) -> CleaningOptions {
    CleaningOptions {
        numeric: columns.iter().map(|&column| NumericFeature { column, missing, log1p: false }).collect(),
        categorical: vec![],
        one_hot_top: 10,
        duplicates: DuplicatePolicy::Keep,
        outliers: OutlierPolicy::None,
        scaling: Scaling::None,
        exclude_ragged: false,
    }
}

const GAPS: &str = "id,income,age\n1,10,20\n2,,30\n3,30,x\n4,40,40\n5,50,50\n";

#[test]
fn rows_with_missing_income_are_left_out_by_default_and_named() {
    let (table, profile) = setup(GAPS);
    let options = CleaningOptions::suggested(&profile);
    assert_eq!(options.numeric.iter().map(|f| f.column).collect::<Vec<_>>(), [1], "age has text: not numeric");
    let cleaned = clean_table(&table, &profile, &numeric(&[1, 2], MissingStrategy::Exclude)).unwrap();
    assert_eq!(cleaned.row_of, [0, 3, 4]);
    assert_eq!(cleaned.excluded.len(), 2);
    assert_eq!(cleaned.excluded[0].reason.describe(), "missing value in income");
    assert_eq!(cleaned.excluded[1].reason.describe(), "“x” in age is not a number");
    assert_eq!((cleaned.report.rows_read, cleaned.report.rows_clustered), (5, 3));
    assert_eq!(cleaned.original_matrix(&table, &profile), [10.0, 20.0, 40.0, 40.0, 50.0, 50.0]);
}

#[test]
fn rows_with_missing_income_are_imputed_not_dropped_when_asked() {
    let (table, profile) = setup(GAPS);
    let cleaned = clean_table(&table, &profile, &numeric(&[1], MissingStrategy::Median)).unwrap();
    assert_eq!(cleaned.n_rows, 5);
    // Median of 10, 30, 40, 50 = 35.
    assert_eq!(cleaned.original_matrix(&table, &profile), [10.0, 35.0, 30.0, 40.0, 50.0]);
    assert_eq!(cleaned.report.imputed, [Count { what: "income (median 35)".into(), count: 1 }]);
    let mean = clean_table(&table, &profile, &numeric(&[1], MissingStrategy::Mean)).unwrap();
    assert_eq!(mean.original_column(&table, &profile, 0)[1], 32.5);
    let constant = clean_table(&table, &profile, &numeric(&[1], MissingStrategy::Constant(0.0))).unwrap();
    assert_eq!(constant.original_column(&table, &profile, 0)[1], 0.0);
}

#[test]
fn duplicates_are_counted_both_ways_and_left_out_by_choice() {
    let csv = "ID,a,b\n1,5,x\n2,5,x\n3,6,y\n3,6,y\n";
    let (table, profile) = setup(csv);
    let mut options = numeric(&[1], MissingStrategy::Exclude);
    let kept = clean_table(&table, &profile, &options).unwrap();
    assert_eq!((kept.report.duplicates_exact, kept.report.duplicates_ignoring_ids), (1, 2));
    assert_eq!(kept.n_rows, 4);
    options.duplicates = DuplicatePolicy::ExcludeIgnoringIds;
    let dropped = clean_table(&table, &profile, &options).unwrap();
    assert_eq!(dropped.row_of, [0, 2]);
    assert_eq!(dropped.excluded[0].reason.describe(), "duplicate of line 2");
    assert_eq!(dropped.report.rows_left_out, [Count { what: "duplicate row".into(), count: 2 }]);
}

#[test]
fn outliers_are_clipped_and_counted() {
    let rows: String = (1..=20).map(|i| format!("{}\n", if i == 20 { 1000 } else { i })).collect();
    let (table, profile) = setup(&format!("v\n{rows}"));
    let mut options = numeric(&[0], MissingStrategy::Exclude);
    options.outliers = OutlierPolicy::ClipIqr { factor: 1.5 };
    let cleaned = clean_table(&table, &profile, &options).unwrap();
    // Values 1..19 and 1000: q1 = 5.75, q3 = 15.25, IQR 9.5 → upper fence 29.5.
    assert_eq!(cleaned.report.clipped[0].count, 1);
    assert_eq!(cleaned.scaled[19], 29.5);
    assert_eq!(cleaned.original_column(&table, &profile, 0)[19], 1000.0, "the data's own units are kept for display");
}

#[test]
fn log1p_applies_to_non_negative_columns_only() {
    let (table, profile) = setup("a,b\n0,-1\n9,2\n99,3\n");
    let mut options = numeric(&[0, 1], MissingStrategy::Exclude);
    options.numeric.iter_mut().for_each(|f| f.log1p = true);
    let cleaned = clean_table(&table, &profile, &options).unwrap();
    assert_eq!(cleaned.report.log_transformed, ["a"]);
    assert!((cleaned.scaled[2] - 10f64.ln()).abs() < 1e-12);
    assert_eq!(cleaned.scaled[1], -1.0);
    assert!(cleaned.report.notes[0].contains("negative"));
}

#[test]
fn categories_are_one_hot_encoded_with_top_n_and_other() {
    let (table, profile) = setup("g,v\nM,1\nF,2\nM,3\nX,4\n,5\n");
    let mut options = numeric(&[1], MissingStrategy::Exclude);
    options.categorical = vec![0];
    options.one_hot_top = 2;
    let cleaned = clean_table(&table, &profile, &options).unwrap();
    let names: Vec<&str> = cleaned.plan.features.iter().map(|f| f.name.as_str()).collect();
    // Counts: M 2, then (missing), F, X with 1 each in text order: "(missing)" < "F".
    assert_eq!(names, ["v", "g = M", "g = (missing)", "g = other"]);
    let original = cleaned.original_matrix(&table, &profile);
    assert_eq!(&original[0..4], [1.0, 1.0, 0.0, 0.0]);
    assert_eq!(&original[4..8], [2.0, 0.0, 0.0, 1.0]);
    assert_eq!(&original[16..20], [5.0, 0.0, 1.0, 0.0]);
}

#[test]
fn standard_scaling_is_the_default_and_reported() {
    // 2, 4, 6: not a run of whole numbers (that would be a row number), mean 4, std √(8/3).
    let (table, profile) = setup("a\n2\n4\n6\n");
    let cleaned = clean_table(&table, &profile, &CleaningOptions::suggested(&profile)).unwrap();
    assert_eq!(cleaned.report.scaling, Scaling::Standard);
    assert!((cleaned.scaled[0] + 1.224_744_871_391_589).abs() < 1e-12);
}

#[test]
fn ragged_rows_are_kept_unless_asked() {
    let (table, profile) = setup("a,b\n1,2\n3\n5,6\n");
    let mut options = numeric(&[0], MissingStrategy::Exclude);
    assert_eq!(clean_table(&table, &profile, &options).unwrap().n_rows, 3);
    options.exclude_ragged = true;
    let cleaned = clean_table(&table, &profile, &options).unwrap();
    assert_eq!(cleaned.row_of, [0, 2]);
    assert_eq!(cleaned.excluded[0].reason.describe(), "1 fields where the header has 2");
}

#[test]
fn nothing_to_cluster_is_a_clear_error() {
    let (table, profile) = setup("a,b\n,x\n,y\n");
    let cause = |t: &(Table, TableProfile)| match clean_table(&t.0, &t.1, &CleaningOptions::suggested(&t.1)) {
        Err(CleanError::NothingToCluster { cause }) => cause,
        other => panic!("{other:?}"),
    };
    assert!(cause(&(table.clone(), profile.clone())).starts_with("every cell of a is empty"));
    // Only one row, all rows alike, only text: each named.
    assert!(cause(&setup(
        "id,age,spend
1,30,100
"
    ))
    .starts_with("the file has only one customer row (line 2)"));
    assert!(cause(&setup(
        "id,age,spend
1,30,100
2,30,100
3,30,100
"
    ))
    .starts_with("all 3 rows have the same values (apart from their identifiers)"));
    let only_text = cause(&setup(
        "name,city
Ann,Paris
Bob,Lyon
Cy,Paris
Dee,Lyon
Ed,Paris
",
    ));
    assert!(only_text.starts_with("no column holds numbers: city is a category"), "{only_text}");
    // Chosen features that do not vary on the kept rows.
    let (t, p) = setup(
        "id,age,spend
1,30,100
2,30,100
3,,5
",
    );
    match clean_table(&t, &p, &numeric(&[1, 2], MissingStrategy::Exclude)) {
        Err(CleanError::NothingToCluster { cause }) => {
            assert!(cause.starts_with("all 2 rows that can be clustered (of 3) have the same values in age, spend"), "{cause}")
        }
        other => panic!("{other:?}"),
    }
    let (table, profile) = setup("a,b\n,x\n,y\n");
    assert!(clean_table(&table, &profile, &numeric(&[], MissingStrategy::Exclude))
        .unwrap_err()
        .to_string()
        .starts_with("nothing to cluster on"));
    let err = clean_table(&table, &profile, &numeric(&[0], MissingStrategy::Exclude)).unwrap_err();
    assert_eq!(err, CleanError::NoUsableRow { line: 2, reason: "missing value in a".into() });
    assert!(matches!(clean_table(&table, &profile, &numeric(&[7], MissingStrategy::Exclude)), Err(CleanError::NoSuchColumn { .. })));
}

#[test]
fn report_values_are_formatted_for_people() {
    assert_eq!(format_value(51381.5), "51381.5");
    assert_eq!(format_value(35.0), "35");
    assert_eq!(format_value(0.123456789), "0.123457");
}

#[test]
fn stray_texts_follow_the_missing_value_choice() {
    let mut csv = String::from("id,spend\n");
    for i in 0..40 {
        csv.push_str(&format!("{i},{}\n", if i == 7 { "unknown".to_owned() } else { (100 + i).to_string() }));
    }
    let (table, profile) = setup(&csv);
    assert_eq!(profile.columns[1].kind, ColumnKind::Numeric);
    let left_out = clean_table(&table, &profile, &CleaningOptions::suggested(&profile)).unwrap();
    assert_eq!(left_out.excluded.len(), 1);
    assert_eq!(left_out.excluded[0].reason.describe(), "“unknown” in spend is not a number");
    let filled = clean_table(&table, &profile, &numeric(&[1], MissingStrategy::Median)).unwrap();
    assert_eq!((filled.n_rows, filled.report.imputed[0].count), (40, 1));
}

#[test]
fn a_minority_clustered_is_a_warning() {
    let mut csv = String::from("id,age,rare\n");
    for i in 0..20 {
        csv.push_str(&format!("{i},{},{}\n", 20 + (i * 7) % 31, if i < 3 { (i * 10).to_string() } else { String::new() }));
    }
    let (table, profile) = setup(&csv);
    assert!(profile.columns[2].mostly_missing);
    let suggested = CleaningOptions::suggested(&profile);
    assert_eq!(suggested.numeric.iter().map(|f| f.column).collect::<Vec<_>>(), [1], "a mostly empty column is not a default feature");
    assert!(clean_table(&table, &profile, &suggested).unwrap().report.warnings.is_empty());
    let cleaned = clean_table(&table, &profile, &numeric(&[1, 2], MissingStrategy::Exclude)).unwrap();
    let w = &cleaned.report.warnings;
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].kind.as_str(), "few-rows-clustered");
    assert!(w[0].message.starts_with("only 3 of 20 rows can be clustered: 17 left out for missing value in rare"), "{}", w[0].message);
}

/// The exact duplicates, found among the rows equal outside the IDs only, are those of a
/// pass over every row; the pass ignoring IDs is unchanged.
#[test]
fn exact_duplicates_from_the_id_free_groups_match_a_full_pass() {
    let mut seed = 7u64;
    let mut next = |m: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    for _ in 0..20 {
        let mut csv = String::from("customer_id,a,b\n");
        for i in 0..300 {
            // IDs unique but for a few repeats; a and b from a small alphabet.
            let id = if next(10) == 0 { i / 2 } else { i };
            csv.push_str(&format!("C{id:04},{},{}\n", next(3), ["x", "y", " x"][next(3) as usize]));
        }
        let (table, profile) = setup(&csv);
        assert_eq!(profile.columns[0].kind, ColumnKind::Identifier);
        let found = Duplicates::find(&table, &profile);
        assert_eq!(found.exact, duplicates::find(&table, &[false, false, false]));
        assert_eq!(found.ignoring_ids, duplicates::find(&table, &[true, false, false]));
        assert!(!found.exact.is_empty() && found.exact.len() < found.ignoring_ids.len());
    }
}

#[test]
fn a_feature_in_its_own_units_is_made_again_the_same_with_or_without_the_profile_s_numbers() {
    let (table, mut profile) = setup("id,income,age\n1,10,20\n2,,30\n3,30,40\n4,40,\n5,50,50\n");
    let cleaned = clean_table(&table, &profile, &numeric(&[1, 2], MissingStrategy::Median)).unwrap();
    let with_numbers = cleaned.original_matrix(&table, &profile);
    assert_eq!(with_numbers, [10.0, 20.0, 35.0, 30.0, 30.0, 40.0, 40.0, 35.0, 50.0, 50.0]);
    // A column the profile did not read as numbers (a kind the user chose) is parsed again.
    profile.numbers[2] = None;
    assert_eq!(cleaned.original_matrix(&table, &profile), with_numbers);
    assert!(cleaned.original_column(&table, &profile, 9).is_empty(), "no such feature");
}

/// The fast fixed-point formatting gives Rust's own text for every value and width tried:
/// seeded random values over many magnitudes, halves, ties, signs and the edges.
#[test]
fn fixed_is_rusts_exact_formatting() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut values =
        vec![0.5, -0.5, 1.5, 2.5, 0.125, -0.125, 1e-11, -1e-11, 99_999.5, 12.345, 1.005, 2.675, 0.3, -0.0, 1e15 - 0.5, 123_456.5];
    for _ in 0..200_000 {
        let bits = next();
        let mantissa = (bits >> 11) as f64 / (1u64 << 53) as f64;
        let exponent = (bits % 32) as i32 - 14;
        let sign = if bits & 1 == 0 { 1.0 } else { -1.0 };
        values.push(sign * mantissa * 10f64.powi(exponent));
        // Values on a grid of the shown digits, and exact halves of it.
        let grid = (next() % 2_000_000) as f64 / 10f64.powi((next() % 8) as i32);
        values.push(grid);
        values.push(grid + 0.5 / 10f64.powi((next() % 8) as i32));
    }
    for v in values {
        for digits in 0..=10 {
            assert_eq!(fixed(v, digits), format!("{v:.digits$}"), "v = {v:e}, {digits} digits");
        }
    }
}

/// The duplicate search (row hashes dealt into parts) finds, for every row, the earliest
/// earlier row with the same trimmed text in the compared columns, as a plain map of the
/// rows' texts does: over files large enough to be dealt into several parts, with many
/// repeats, cells that differ only in spaces (ASCII or Unicode), and rows short of fields.
#[test]
fn duplicates_match_a_map_of_the_rows_texts() {
    let mut seed = 11u64;
    let mut next = |m: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    for (rows, alphabet) in [(50, 2), (9_000, 3), (20_000, 4), (20_000, 40)] {
        let mut csv = String::from("id,a,b,c\n");
        for i in 0..rows {
            // The same value bare, with ASCII or Unicode spaces about it, or another value.
            let cell = |v: u64| {
                let (pad, x) = (v % 6, v / 6);
                match pad {
                    0 => format!("x{x}"),
                    1 => format!(" x{x}"),
                    2 => format!("x{x}\t"),
                    3 => format!("\u{a0}x{x}"),
                    4 => format!("x{x}\u{3000}"),
                    _ => format!("y{x} "),
                }
            };
            let (a, b, c) = (cell(next(alphabet)), cell(next(alphabet)), cell(next(alphabet)));
            if next(50) == 0 {
                csv.push_str(&format!("{i},{a}\n")); // short of fields
            } else {
                csv.push_str(&format!("{i},{a},{b},{c}\n"));
            }
        }
        let (table, _) = setup(&csv);
        for skip in [[true, false, false, false], [false, false, false, false], [true, false, true, false]] {
            let mut earliest: std::collections::HashMap<Vec<String>, usize> = std::collections::HashMap::new();
            let mut want = Vec::new();
            for row in 0..table.n_rows() {
                let key: Vec<String> = (0..4).filter(|&c| !skip[c]).map(|c| table.cell(row, c).trim().to_owned()).collect();
                match earliest.get(&key) {
                    Some(&first) => want.push((row, first)),
                    None => {
                        earliest.insert(key, row);
                    }
                }
            }
            assert_eq!(duplicates::find(&table, &skip), want, "{rows} rows, alphabet {alphabet}, skip {skip:?}");
        }
    }
}

#[test]
fn a_cells_last_bytes_are_told_apart_by_their_word() {
    // Every cell tail of 1 to 5 bytes over five byte values (edges included), and of 6 and
    // 7 bytes over three: with its length, each gives a word of its own.
    let mut seen = std::collections::HashMap::new();
    for (n, values) in [
        (1, &[0u8, 1, b'a', b'z', 255][..]),
        (2, &[0, 1, b'a', b'z', 255]),
        (3, &[0, 1, b'a', b'z', 255]),
        (4, &[0, 1, b'a', b'z', 255]),
        (5, &[0, 1, b'a', b'z', 255]),
        (6, &[0, b'a', 255]),
        (7, &[0, b'a', 255]),
    ] {
        let mut tail = vec![0usize; n];
        loop {
            let bytes: Vec<u8> = tail.iter().map(|&i| values[i]).collect();
            if let Some(earlier) = seen.insert((n, duplicates::tail_word(&bytes)), bytes.clone()) {
                panic!("{earlier:?} and {bytes:?} give one word");
            }
            let Some(at) = tail.iter().position(|&i| i + 1 < values.len()) else { break };
            tail[at] += 1;
            tail[..at].iter_mut().for_each(|i| *i = 0);
        }
    }
    assert_eq!(seen.len(), 5 + 25 + 125 + 625 + 3125 + 729 + 2187);
}
