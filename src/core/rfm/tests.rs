use std::collections::HashMap;

use super::*;
use crate::core::cells::dates::DateOrder;
use crate::core::clean::clean_table;
use crate::core::ingest::{parse_csv, IngestOptions};
use crate::core::profile::{profile_columns, ColumnKind};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rfm/");

fn load(csv: &str) -> (Table, TableProfile) {
    let table = parse_csv(csv.as_bytes(), &IngestOptions::default()).unwrap();
    let profile = profile_columns(&table);
    (table, profile)
}

fn fixture() -> (Table, TableProfile, RfmResult) {
    let text = std::fs::read_to_string(format!("{FIXTURE}transactions.csv")).unwrap();
    let (table, profile) = load(&text);
    let (mapping, _) = guess_mapping(&table, &profile).expect("the fixture is a transaction log");
    let result = aggregate(&table, &profile, &mapping, &RfmOptions::default()).unwrap();
    (table, profile, result)
}

/// Seconds since 1970 of a day, via chrono (independent of our calendar).
fn midnight(y: i32, m: u32, d: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp()
}

#[test]
fn fixture_customers_match_pandas_exactly() {
    let (_, _, result) = fixture();
    let expected = std::fs::read_to_string(format!("{FIXTURE}expected_customers.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(expected.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(result.customers.len(), rows.len());
    for (ours, theirs) in result.customers.iter().zip(&rows) {
        let int = |i: usize| theirs[i].parse::<i64>().unwrap();
        let float = |i: usize| theirs[i].parse::<f64>().unwrap();
        assert_eq!(ours.customer, &theirs[0]);
        assert_eq!(ours.recency_days, int(1), "recency of {}", ours.customer);
        assert_eq!(ours.frequency as i64, int(2), "frequency of {}", ours.customer);
        assert!((ours.monetary - float(3)).abs() < 1e-9, "monetary of {}: {} vs {}", ours.customer, ours.monetary, float(3));
        assert_eq!(ours.tenure_days, int(4), "tenure of {}", ours.customer);
        assert!((ours.average_order_value - float(5)).abs() < 1e-9, "AOV of {}", ours.customer);
        assert_eq!((i64::from(ours.r), i64::from(ours.f), i64::from(ours.m)), (int(6), int(7), int(8)), "scores of {}", ours.customer);
        assert_eq!(ours.segment.as_str(), &theirs[9], "segment of {}", ours.customer);
    }
}

#[test]
fn fixture_report_counts_match_pandas() {
    let (_, _, result) = fixture();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURE}expected_report.json")).unwrap()).unwrap();
    let r = &result.report;
    let count = |k: &str| expected[k].as_u64().unwrap() as usize;
    assert_eq!(r.rows_read, count("rows_read"));
    assert_eq!(r.rows_used, count("rows_used"));
    assert_eq!(r.rows_without_customer, count("rows_without_customer"));
    assert_eq!(r.cancelled_invoices, count("cancelled_invoices"));
    assert_eq!(r.cancellation_lines, count("cancellation_lines"));
    assert_eq!(r.negative_quantity_lines, count("negative_quantity_lines"));
    assert_eq!(r.zero_price_lines, count("zero_price_lines"));
    assert_eq!(r.unreadable_date_rows, count("unreadable_date_rows"));
    assert_eq!(r.unreadable_amount_rows, count("unreadable_amount_rows"));
    assert_eq!(r.customers, count("customers"));
    assert_eq!(expected["reference_date"], "2011-12-09 00:00:00");
    assert_eq!(r.reference_date, midnight(2011, 12, 9));
    assert_eq!(r.rows_of_customers_without_purchase, 1, "customer 99999 only cancelled");
}

#[test]
fn every_fixture_row_is_used_or_has_a_reason() {
    let (table, _, result) = fixture();
    assert_eq!(result.row_reasons.len(), table.n_rows());
    let used = result.row_reasons.iter().filter(|r| r.is_none()).count();
    assert_eq!(used, result.report.rows_used);
    let r = &result.report;
    assert_eq!(
        r.rows_used
            + r.rows_without_customer
            + r.unreadable_date_rows
            + r.unreadable_amount_rows
            + r.excluded_cancellation_rows
            + r.rows_of_customers_without_purchase,
        r.rows_read
    );
    let reasons: Vec<String> = result.row_reasons.iter().flatten().map(ExclusionReason::describe).collect();
    assert!(reasons.iter().any(|r| r == "no customer id"));
    assert!(reasons.iter().any(|r| r == "unreadable date in InvoiceDate"));
    assert!(reasons.iter().any(|r| r == "unreadable Quantity or UnitPrice"));
}

#[test]
fn the_fixture_mapping_is_guessed_from_names_and_kinds() {
    let text = std::fs::read_to_string(format!("{FIXTURE}transactions.csv")).unwrap();
    let (table, profile) = load(&text);
    let (m, reason) = guess_mapping(&table, &profile).unwrap();
    let col = |name: &str| table.headers.iter().position(|h| h == name);
    assert_eq!(Some(m.customer), col("CustomerID"));
    assert_eq!(Some(m.date), col("InvoiceDate"));
    assert_eq!(m.invoice, col("InvoiceNo"));
    assert_eq!((m.amount, m.quantity, m.unit_price), (None, col("Quantity"), col("UnitPrice")));
    assert!(reason.starts_with("a transaction log: 25 customers in CustomerID"), "{reason}");
}

#[test]
fn customer_lists_are_not_transaction_logs() {
    // One row per customer (Mall, marketing campaign shapes), no date (Wholesale shape).
    let mall = "CustomerID,Genre,Age,Annual Income (k$),Spending Score (1-100)\n1,Male,19,15,39\n2,Male,21,15,81\n3,Female,20,16,6\n4,Female,23,16,77\n";
    let campaign = "ID;Year_Birth;Income;Dt_Customer;Recency;MntWines\n5524;1957;58138;04/09/2012;58;635\n2174;1954;46344;08/03/2014;38;11\n4141;1965;71613;21/08/2013;26;426\n";
    let wholesale = "Channel,Region,Fresh,Milk\n2,3,12669,9656\n2,3,7057,9810\n2,3,6353,8808\n1,3,13265,1196\n";
    for csv in [mall, campaign, wholesale] {
        let (table, profile) = load(csv);
        assert_eq!(guess_mapping(&table, &profile), None, "{csv}");
    }
}

#[test]
fn a_log_with_an_amount_and_no_invoice_counts_purchase_days() {
    // Customer a: three lines on two days (2 + 3 + 5), b: one line and a refund (negative
    // amount: a cancellation netted from spend).
    let csv = "client,order date,total\na,2020-01-01 10:00,2\na,2020-01-01 18:00,3\na,2020-01-05 09:00,5\nb,2020-01-03 12:00,10\nb,2020-01-04 12:00,-4\n";
    let (table, profile) = load(csv);
    let (m, _) = guess_mapping(&table, &profile).unwrap();
    assert_eq!((m.customer, m.date, m.invoice, m.amount), (0, 1, None, Some(2)));
    let r = aggregate(&table, &profile, &m, &RfmOptions::default()).unwrap();
    let a = &r.customers[0];
    let b = &r.customers[1];
    // Reference: midnight after 2020-01-05 09:00 = 2020-01-06.
    assert_eq!(r.report.reference_date, midnight(2020, 1, 6));
    assert_eq!((a.frequency, a.monetary, a.recency_days, a.tenure_days), (2, 10.0, 0, 4));
    assert_eq!(a.average_order_value, 5.0);
    // b's last purchase is 2020-01-03 12:00 (the refund is not a purchase): 2.5 days → 2.
    assert_eq!((b.frequency, b.monetary, b.recency_days, b.average_order_value), (1, 6.0, 2, 10.0));
    assert_eq!(r.report.cancellation_lines, 1);
}

#[test]
fn excluded_cancellations_are_left_out_with_a_reason() {
    let csv = "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice\n1,7,2011-01-01,2,5\nC2,7,2011-01-02,-1,5\n3,7,2011-01-03,1,0\n3,7,2011-01-03,1,4\n";
    let (table, profile) = load(csv);
    let (m, _) = guess_mapping(&table, &profile).unwrap();
    let net = aggregate(&table, &profile, &m, &RfmOptions::default()).unwrap();
    assert_eq!((net.customers[0].monetary, net.customers[0].frequency, net.customers[0].average_order_value), (9.0, 2, 7.0));
    assert_eq!((net.report.zero_price_lines, net.report.cancelled_invoices), (1, 1));
    let options = RfmOptions { cancellations: CancellationRule::Exclude, reference_date: Some(midnight(2011, 1, 10)) };
    let gross = aggregate(&table, &profile, &m, &options).unwrap();
    assert_eq!(gross.customers[0].monetary, 14.0);
    assert_eq!(gross.customers[0].recency_days, 7);
    assert_eq!(gross.row_reasons[1], Some(ExclusionReason::Cancellation));
    assert_eq!(ExclusionReason::Cancellation.describe(), "cancellation (left out by the chosen rule)");
    assert_eq!(gross.report.excluded_cancellation_rows, 1);
}

#[test]
fn quintiles_match_pandas_qcut_of_first_ranks() {
    let expected: HashMap<String, Vec<u8>> =
        serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURE}quintiles.json")).unwrap()).unwrap();
    assert!(expected.len() > 100);
    for (n, scores) in expected {
        let n: usize = n.parse().unwrap();
        let values: Vec<f64> = (0..n).map(|i| i as f64).collect();
        assert_eq!(quintile_scores(&values), scores, "n = {n}");
    }
}

#[test]
fn tied_values_are_ranked_in_table_order() {
    // rank(method="first"): the first of equal values gets the lower rank.
    assert_eq!(quintile_scores(&[1.0, 1.0, 1.0, 1.0, 1.0]), [1, 2, 3, 4, 5]);
    assert_eq!(quintile_scores(&[9.0, 1.0, 1.0, 5.0, 1.0]), [5, 1, 2, 4, 3]);
    assert_eq!(quintile_scores(&[]), Vec::<u8>::new());
}

#[test]
fn the_segment_map_is_the_usual_rf_grid() {
    // Rows R = 1..5 (top to bottom), columns F = 1..5.
    let grid = [
        ["Lost", "Hibernating", "At risk", "At risk", "Can't lose them"],
        ["Hibernating", "Hibernating", "At risk", "At risk", "Can't lose them"],
        ["About to sleep", "About to sleep", "Need attention", "Loyal customers", "Loyal customers"],
        ["Promising", "Potential loyalists", "Potential loyalists", "Loyal customers", "Loyal customers"],
        ["New customers", "Potential loyalists", "Potential loyalists", "Champions", "Champions"],
    ];
    for (r, row) in grid.iter().enumerate() {
        for (f, name) in row.iter().enumerate() {
            assert_eq!(rfm_segment(r as u8 + 1, f as u8 + 1).as_str(), *name, "R{} F{}", r + 1, f + 1);
        }
    }
    assert_eq!(RfmSegment::ALL.len(), 11);
}

#[test]
fn the_customers_table_feeds_the_pipeline_unchanged() {
    let (_, _, result) = fixture();
    let table = customers_table(&result);
    assert_eq!(table.headers, CUSTOMER_COLUMNS);
    assert_eq!(table.n_rows(), result.customers.len());
    let profile = profile_columns(&table);
    let kind = |name: &str| profile.columns.iter().find(|c| c.name == name).unwrap().kind;
    assert_eq!(kind("CustomerID"), ColumnKind::Identifier);
    for name in ["Recency", "Frequency", "Monetary", "Tenure", "AvgOrderValue"] {
        assert_eq!(kind(name), ColumnKind::Numeric, "{name}");
    }
    assert_ne!(kind("RFM_Score"), ColumnKind::Numeric);
    // Numbers read back exactly.
    for (row, c) in result.customers.iter().enumerate() {
        assert_eq!(table.cell(row, 3).parse::<f64>().unwrap(), c.monetary);
        assert_eq!(table.cell(row, 10), c.segment.as_str());
    }
    let options = suggested_cleaning(&profile);
    let names: Vec<&str> = options.numeric.iter().map(|f| table.headers[f.column].as_str()).collect();
    assert_eq!(names, ["Recency", "Frequency", "Monetary"]);
    let cleaned = clean_table(&table, &profile, &options).unwrap();
    assert_eq!(cleaned.n_rows + cleaned.excluded.len(), table.n_rows());
}

#[test]
fn unreadable_mappings_are_errors_not_panics() {
    let (table, profile) = load("c,d,q,p\n1,2020-01-01,1,2\n1,2020-01-02,1,2\n");
    let m = TransactionMapping { customer: 0, date: 1, invoice: None, amount: None, quantity: Some(2), unit_price: None };
    assert_eq!(aggregate(&table, &profile, &m, &RfmOptions::default()), Err(RfmError::NoAmount));
    let m = TransactionMapping { unit_price: Some(9), ..m };
    assert!(matches!(aggregate(&table, &profile, &m, &RfmOptions::default()), Err(RfmError::NoSuchColumn { column: 9, .. })));
    let m = TransactionMapping { date: 2, unit_price: Some(3), ..m };
    assert!(matches!(aggregate(&table, &profile, &m, &RfmOptions::default()), Err(RfmError::UnreadableDates { .. })));
}

#[test]
fn a_unix_time_past_the_sample_at_the_end_of_time_is_not_an_overflow() {
    // Detection reads the first DATE_SAMPLE cells (plausible Unix seconds); a later cell may
    // hold any i64, and the default reference date (midnight after it) must not overflow.
    let mut csv = String::from("customer,timestamp,amount\n");
    for i in 0..=DATE_SAMPLE {
        csv.push_str(&format!("c{},{},10\n", i % 50, 1_600_000_000 + i));
    }
    csv.push_str("c1,9223372036854775807,10\n");
    let (table, profile) = load(&csv);
    let m = TransactionMapping { customer: 0, date: 1, invoice: None, amount: Some(2), quantity: None, unit_price: None };
    let result = aggregate(&table, &profile, &m, &RfmOptions::default()).unwrap();
    assert_eq!(result.report.reference_date, i64::MAX);
    assert_eq!(result.report.rows_used, table.n_rows());
}

#[test]
fn a_date_column_with_a_few_bad_cells_still_reads() {
    let (table, profile) = load("c,when,amount\n1,10/31/2011 10:42,2\n1,garbage,3\n1,11/2/2011 9:00,4\n");
    assert_eq!(date_format_of(&table, &profile, 1), Some(DateFormat::Separated { order: DateOrder::MonthDayYear, separator: '/' }));
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    const CELLS: [&str; 14] = ["1", "2", "C3", "NA", "", "-2", "0", "2.5", "x", "2011-01-01", "1/2/2011 10:00", "13/13/2011", "1e400", "c"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn any_table_gives_a_result_or_an_error_and_no_row_is_lost(
            cells in proptest::collection::vec(proptest::collection::vec(0..CELLS.len(), 5), 1..30),
            exclude in any::<bool>(),
        ) {
            let mut csv = String::from("inv,cust,date,qty,price\n");
            for row in &cells {
                let texts: Vec<&str> = row.iter().map(|&i| CELLS[i]).collect();
                csv.push_str(&texts.join(","));
                csv.push('\n');
            }
            let Ok(table) = parse_csv(csv.as_bytes(), &IngestOptions::default()) else { return Ok(()) };
            let profile = profile_columns(&table);
            let mapping = TransactionMapping { customer: 1, date: 2, invoice: Some(0), amount: None, quantity: Some(3), unit_price: Some(4) };
            let options = RfmOptions { cancellations: if exclude { CancellationRule::Exclude } else { CancellationRule::NetFromSpend }, reference_date: None };
            let _ = guess_mapping(&table, &profile);
            if let Ok(r) = aggregate(&table, &profile, &mapping, &options) {
                prop_assert_eq!(r.row_reasons.len(), table.n_rows());
                let used = r.row_reasons.iter().filter(|x| x.is_none()).count();
                prop_assert_eq!(used, r.report.rows_used);
                let p = &r.report;
                prop_assert_eq!(p.rows_used + p.rows_without_customer + p.unreadable_date_rows + p.unreadable_amount_rows
                    + p.excluded_cancellation_rows + p.rows_of_customers_without_purchase, p.rows_read);
                prop_assert!(r.customers.iter().all(|c| (1..=5).contains(&c.r) && c.frequency >= 1 && c.monetary.is_finite()));
                let t = customers_table(&r);
                prop_assert_eq!(t.n_rows(), r.customers.len());
            }
        }
    }
}
