use super::*;
use crate::core::ingest::{parse_csv, IngestOptions};

fn table(csv: &str) -> Table {
    parse_csv(csv.as_bytes(), &IngestOptions::default()).unwrap()
}

fn kinds(csv: &str) -> Vec<ColumnKind> {
    profile_columns(&table(csv)).columns.into_iter().map(|p| p.kind).collect()
}

#[test]
fn mall_like_columns_get_their_kinds() {
    let csv = "CustomerID,Genre,Age,Annual Income (k$),Spending Score (1-100)\r\n\
               0001,Male,19,15,39\r\n0002,Male,21,15,81\r\n0003,Female,20,16,6\r\n0004,Female,23,16,77";
    use ColumnKind::*;
    assert_eq!(kinds(csv), [Identifier, Categorical, Numeric, Numeric, Numeric]);
}

#[test]
fn identifiers_constants_booleans_and_text_are_recognised() {
    use ColumnKind::*;
    assert_eq!(kinds("code,x\n007,1\n008,5\n010,2\n"), [Identifier, Numeric]);
    assert_eq!(kinds("n,x\n3,1\n1,5\n2,2\n"), [Identifier, Numeric], "a run of whole numbers is a row number");
    assert_eq!(kinds("spend,x\n3,1\n10,5\n7,2\n"), [Numeric, Numeric], "unique but not a run: a quantity");
    assert_eq!(kinds(",x\n428465,1\n223280,5\n10,2\n"), [Identifier, Numeric], "unnamed unique whole numbers");
    assert_eq!(kinds("z,x\n3,1\n3,5\n3,2\n"), [Constant, Numeric]);
    assert_eq!(kinds("e,x\n,1\nNA,5\n,2\n"), [Constant, Numeric]);
    assert_eq!(kinds("flag,x\nyes,1\nno,5\nYes,2\n"), [Boolean, Numeric]);
    assert_eq!(kinds("r,x\n0,1\n1,5\n1,2\n0,3\n"), [Boolean, Numeric]);
    assert_eq!(kinds("email,x\na@x,1\nb@x,5\nc@x,2\n"), [Identifier, Numeric]);
    let many = (0..120).map(|i| format!("word{},{}\n", i % 70, i * 7 % 50)).collect::<String>();
    assert_eq!(kinds(&format!("note,x\n{many}")), [Text, Numeric]);
}

#[test]
fn integer_codes_are_flagged_possibly_categorical_and_not_default_features() {
    let rows: String = (0..40).map(|i| format!("{},{},{}\n", 1 + i % 2, 1 + i % 3, i * 37 % 101)).collect();
    let p = profile_columns(&table(&format!("Channel,Region,Fresh\n{rows}")));
    assert!(p.columns[0].possibly_categorical && p.columns[1].possibly_categorical);
    assert!(p.columns[1].reason.contains("1, 2, 3"), "{}", p.columns[1].reason);
    assert!(!p.columns[2].possibly_categorical);
    let defaults: Vec<bool> = p.columns.iter().map(ColumnProfile::is_default_feature).collect();
    assert_eq!(defaults, [false, false, true]);
}

#[test]
fn missing_tokens_are_counted_and_do_not_stop_a_column_being_numeric() {
    let p = profile_columns(&table("a,b\n1,x\nNA,y\n3,z\n?,y\n"));
    assert_eq!((p.columns[0].kind, p.columns[0].missing), (ColumnKind::Numeric, 2));
    let numbers = p.numbers[0].as_ref().unwrap();
    assert_eq!(numbers.values[0], 1.0);
    assert!(numbers.values[1].is_nan());
    assert!(p.numbers[1].is_none());
}

#[test]
fn dates_are_recognised_with_their_day_month_order() {
    let t = table("Dt_Customer,InvoiceDate,Spending Score (1-100)\n04/09/2012,10/31/2011 10:42,1-10\n21/08/2013,6/12/2011 12:34,11-20\n");
    let p = profile_columns(&t);
    assert_eq!(p.columns[0].kind, ColumnKind::Date);
    assert!(matches!(
        p.columns[0].date_format,
        Some(DateFormat::Separated { order: crate::core::cells::dates::DateOrder::DayMonthYear, .. })
    ));
    assert_eq!(p.columns[1].kind, ColumnKind::Date);
    assert!(matches!(
        p.columns[1].date_format,
        Some(DateFormat::Separated { order: crate::core::cells::dates::DateOrder::MonthDayYear, .. })
    ));
    assert_ne!(p.columns[2].kind, ColumnKind::Date, "1-10 is a range, not a date");
}

#[test]
fn numbers_with_thousands_separators_and_currency_are_numeric() {
    let p = profile_columns(&table("Spend,Balance\n\"$1,234.50\",(12.50)\n\"$99.00\",3.25\n\"$5.10\",7\n"));
    assert_eq!(p.columns[0].kind, ColumnKind::Numeric);
    assert_eq!(p.numbers[0].as_ref().unwrap().values, [1234.5, 99.0, 5.1]);
    assert_eq!(p.numbers[1].as_ref().unwrap().values, [-12.5, 3.25, 7.0]);
}

#[test]
fn decimal_commas_are_read() {
    let t = parse_csv(b"a;b\n3,75;1\n2,5;2\n", &IngestOptions::default()).unwrap();
    let p = profile_columns(&t);
    assert!(p.columns[0].decimal_comma);
    assert_eq!(p.numbers[0].as_ref().unwrap().values, [3.75, 2.5]);
}

#[test]
fn summary_statistics_match_hand_computation() {
    // 1, 2, 3, 4, 10: mean 4, population variance (9+4+1+0+36)/5 = 10, median 3,
    // numpy quantiles q1 = 2, q3 = 4.
    let s = summarise(&[4.0, 1.0, f64::NAN, 10.0, 2.0, 3.0]).unwrap();
    assert_eq!((s.count, s.min, s.max, s.mean, s.median, s.q1, s.q3), (5, 1.0, 10.0, 4.0, 3.0, 2.0, 4.0));
    assert!((s.std - 10f64.sqrt()).abs() < 1e-12);
    // m3 = (−27 − 8 − 1 + 0 + 216)/5 = 36; g1 = 36 / 10^1.5
    assert!((s.skewness - 36.0 / 10f64.powf(1.5)).abs() < 1e-12);
    assert_eq!(s.histogram.counts.iter().sum::<u32>(), 5);
    assert_eq!(s.histogram.counts[0], 1);
    assert_eq!(s.histogram.counts[19], 1);
    assert!(s.all_integers);
    assert_eq!(quantile(&[1.0, 2.0], 0.5), 1.5);
}

#[test]
fn skewed_non_negative_money_gets_a_log_suggestion() {
    let rows: String = (0..50).map(|i| format!("{}\n", if i < 45 { i } else { 5000 + i })).collect();
    let p = profile_columns(&table(&format!("Spend\n{rows}")));
    assert!(p.columns[0].suggest_log);
}

#[test]
fn a_forced_kind_is_kept_with_the_guess_in_the_reason() {
    let t = table("Channel,x\n1,a\n2,b\n1,c\n");
    let (p, numbers) = profile_column(&t, 0, Some(ColumnKind::Categorical));
    assert_eq!(p.kind, ColumnKind::Categorical);
    assert!(p.overridden && p.reason.contains("guessed"));
    assert!(numbers.is_none());
    let (p, numbers) = profile_column(&t, 1, Some(ColumnKind::Numeric));
    assert_eq!((p.kind, p.invalid), (ColumnKind::Numeric, 3));
    assert_eq!(numbers.unwrap().invalid_rows, [0, 1, 2]);
}

#[test]
fn top_values_are_sorted_by_count() {
    let p = profile_columns(&table("c\nb\na\nb\nc\nb\n"));
    assert_eq!(p.columns[0].top_values[0], ("b".to_owned(), 3));
}

#[test]
fn id_like_names() {
    for yes in ["id", "ID", "CustomerID", "customer_id", "Client Id", "user-id"] {
        assert!(is_id_like_name(yes), "{yes}");
    }
    for no in ["Paid", "Valid", "Income", "width"] {
        assert!(!is_id_like_name(no), "{no}");
    }
}

fn column_with(values: impl Fn(usize) -> String, n: usize) -> String {
    let mut csv = String::from("customer,spend\n");
    for i in 0..n {
        csv.push_str(&format!("K{i:04},{}\n", values(i)));
    }
    csv
}

#[test]
fn a_few_stray_words_keep_a_column_numeric() {
    // One "unknown" in a column of different amounts: not an identifier, numeric.
    let p = profile_of(&column_with(
        |i| {
            if i == 50 {
                "unknown".into()
            } else {
                format!("{}.25", 100 + i * 3)
            }
        },
        200,
    ));
    let spend = &p.columns[1];
    assert_eq!(spend.kind, ColumnKind::Numeric, "{}", spend.reason);
    assert_eq!((spend.invalid, spend.strays.clone(), spend.first_stray_line), (1, vec![("unknown".to_owned(), 1)], Some(52)));
    assert!(spend.is_default_feature());
    assert!(spend.reason.contains("except 1 (“unknown”), read as missing values"), "{}", spend.reason);
    // Eight, and inf / 1e400 / NaN, likewise.
    let p = profile_of(&column_with(
        |i| match i % 25 {
            3 => "unknown".into(),
            _ if i == 11 => "inf".into(),
            _ if i == 12 => "1e400".into(),
            _ if i == 13 => "NaN".into(),
            _ => (20 + i % 50).to_string(),
        },
        200,
    ));
    let spend = &p.columns[1];
    assert_eq!(spend.kind, ColumnKind::Numeric, "{}", spend.reason);
    assert_eq!(spend.invalid, 10);
    assert_eq!(spend.strays[0], ("unknown".to_owned(), 8));
    assert_eq!(spend.missing, 1, "NaN is a missing-value token");
    let warnings = profile_warnings(&p, 200);
    assert_eq!(warnings.len(), 1);
    assert_eq!((warnings[0].kind.as_str(), warnings[0].line, warnings[0].column.as_deref()), ("stray-values", Some(5), Some("spend")));
    assert!(
        warnings[0]
            .message
            .starts_with("spend: 10 cells are not a number (“unknown” × 8, “1e400”, “inf”, first on line 5): read as missing values"),
        "{}",
        warnings[0].message
    );
    // Too many words: text, not numbers.
    let p = profile_of(&column_with(
        |i| {
            if i % 4 == 0 {
                "unknown".into()
            } else {
                i.to_string()
            }
        },
        200,
    ));
    assert_ne!(p.columns[1].kind, ColumnKind::Numeric);
}

#[test]
fn mostly_missing_columns_are_not_default_features() {
    let p = profile_of(&column_with(
        |i| {
            if i < 2 {
                (i * 10 + 5).to_string()
            } else {
                String::new()
            }
        },
        200,
    ));
    let spend = &p.columns[1];
    assert!(spend.mostly_missing && !spend.is_default_feature());
    assert!(spend.reason.contains("198 of 200 rows have no value"), "{}", spend.reason);
    let w = profile_warnings(&p, 200);
    assert_eq!((w.len(), w[0].kind.as_str()), (1, "mostly-missing"));
}

fn profile_of(csv: &str) -> TableProfile {
    profile_columns(&table(csv))
}

#[test]
fn codes_among_numbers_are_not_stray_words() {
    // Invoice numbers with a few cancellations (C536817): codes, not a quantity.
    let p = profile_of(&column_with(|i| if i % 40 == 3 { format!("C{}", 536_000 + i) } else { (536_000 + i).to_string() }, 400));
    assert_ne!(p.columns[1].kind, ColumnKind::Numeric, "{}", p.columns[1].reason);
    assert!(profile_warnings(&p, 400).is_empty());
}

#[test]
fn a_column_profiled_on_its_own_is_profiled_as_in_its_table() {
    // Kinds of every sort, missing tokens, strays with their lines, a decimal comma, a
    // ragged row and a blank line (rows' lines are not their indices).
    let mut csv = String::from("CustomerID;Joined;Income;Score;Flag;Group;Note;Code\n");
    for i in 0..300 {
        let income = match i {
            17 => "unknown".to_owned(),
            40 => "NA".to_owned(),
            _ => format!("{},{}", 20 + i * 7 % 90, i % 10),
        };
        let note = if i % 50 == 3 { "\"two\nlines\"".to_owned() } else { format!("n{}", i % 7) };
        csv.push_str(&format!(
            "{:04};2024-{:02}-{:02};{income};{};{};g{};{note};{}\n",
            i + 1,
            1 + i % 12,
            1 + i % 28,
            i % 100,
            i % 2,
            i % 4,
            i % 3
        ));
        if i == 100 {
            csv.push_str("\n0999;2024-01-01;5\n");
        }
    }
    let options = IngestOptions { missing_tokens: vec!["NA".to_owned(), "-".to_owned()], ..IngestOptions::default() };
    let table = parse_csv(csv.as_bytes(), &options).unwrap();
    assert!(table.row_lines.iter().enumerate().any(|(row, &line)| line != row as u64 + 2));
    let whole = profile_columns(&table);
    assert!(whole.columns[2].first_stray_line.is_some() && whole.columns[2].decimal_comma);
    let mut lines = table.row_lines.clone();
    for c in 0..table.n_columns() {
        for forced in [None, Some(ColumnKind::Categorical)] {
            let job = ColumnJob::of(&table, c, forced);
            let (text, ends) = table.columns[c].parts();
            let cells = TextColumn::from_parts(text.to_owned(), ends.to_vec()).unwrap();
            let alone = job.profile(cells, &mut lines);
            assert_eq!(lines, table.row_lines, "the lines are given back");
            let in_table = profile_column(&table, c, forced);
            assert_eq!(alone.0, in_table.0, "column {c}, forced {forced:?}");
            let bits = |n: &Option<NumericColumn>| {
                n.as_ref().map(|n| (n.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), n.invalid_rows.clone()))
            };
            assert_eq!(bits(&alone.1), bits(&in_table.1), "column {c}");
            if forced.is_none() {
                assert_eq!(alone.0, whole.columns[c]);
            }
        }
    }
}

/// The quartiles by selection (the median, then each quartile within its half) are those
/// of the sorted values, bit for bit, at every length (odd, even, one value) and with ties.
#[test]
fn quartiles_by_selection_are_the_sorted_values_quartiles() {
    let mut seed = 5u64;
    let mut next = |m: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    for len in (1..60).chain([999, 1000, 1001]) {
        let values: Vec<f64> = (0..len).map(|_| next(if len % 2 == 0 { 7 } else { 1000 }) as f64 * 0.37 - 50.0).collect();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let want = [quantile(&sorted, 0.25), quantile(&sorted, 0.5), quantile(&sorted, 0.75)];
        let mut scratch = values.clone();
        let got = quartiles(&mut scratch);
        assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "{len} values");
    }
    assert!(quartiles(&mut []).iter().all(|q| q.is_nan()));
}
