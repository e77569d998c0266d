//! Table + segment of each row → the CSV the user downloads: every input row, every input
//! column with its text as it was, then `segment` (1..k, empty for a row not clustered),
//! `segment_name` and `excluded_reason` (why a row was not clustered, empty otherwise).
//!
//! Every CSV written here is safe to open in a spreadsheet: a text cell that starts with
//! `=`, `+`, `-`, `@`, TAB or CR would be run as a formula, so it gets a leading `'`
//! ([`neutralise`]); a number is never altered (`-12.5` stays `-12.5`).

use thiserror::Error;

use super::ingest::Table;
use super::outcome::ExclusionReason;
use super::stability::{Stability, StabilityLevel};
use super::value::ValueChoice;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ExportError {
    #[error("could not write the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("could not finish the CSV: {0}")]
    Io(String),
    #[error("{labels} segment labels for {rows} rows")]
    LengthMismatch { labels: usize, rows: usize },
}

/// A cell as written to a CSV export: formula-like text neutralised, numbers untouched.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    use super::cells::numbers::{parse_number, DecimalSeparator};
    let risky = matches!(cell.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'));
    let number = || parse_number(cell, DecimalSeparator::Point).is_some() || parse_number(cell, DecimalSeparator::Comma).is_some();
    if risky && !number() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

pub use super::outcome::RowOutcome;

/// Writes the table back as comma-separated CSV with `segment`, `segment_name` and
/// `excluded_reason` added. `names[s]` is segment `s`'s name.
pub fn segmented_csv(table: &Table, outcomes: &[RowOutcome], names: &[String]) -> Result<Vec<u8>, ExportError> {
    segmented_csv_part(table, outcomes, names, true)
}

/// [`segmented_csv`] for one piece of a file written piece by piece: the header line only
/// with the first piece.
pub fn segmented_csv_part(table: &Table, outcomes: &[RowOutcome], names: &[String], header_line: bool) -> Result<Vec<u8>, ExportError> {
    segmented_csv_rows(table, 0..table.n_rows(), outcomes, names, header_line)
}

/// [`segmented_csv_part`] of the table's rows `rows` only, `outcomes` being theirs: a
/// file held whole written a part at a time.
pub fn segmented_csv_rows(
    table: &Table,
    rows: std::ops::Range<usize>,
    outcomes: &[RowOutcome],
    names: &[String],
    header_line: bool,
) -> Result<Vec<u8>, ExportError> {
    if outcomes.len() != rows.len() || rows.end > table.n_rows() {
        return Err(ExportError::LengthMismatch { labels: outcomes.len(), rows: rows.len().min(table.n_rows()) });
    }
    let width = table.n_columns();
    // The part's share of the table's text, and room for the three columns added.
    let share = (table.heap_bytes() as u128 * rows.len() as u128 / table.n_rows().max(1) as u128) as usize;
    let mut writer = csv::WriterBuilder::new().flexible(false).from_writer(Vec::with_capacity(share + outcomes.len() * 4));
    let header_source = if table.has_header { &table.raw_headers } else { &table.headers };
    let mut header: Vec<&str> = (0..width).map(|c| header_source.get(c).map_or("", String::as_str)).collect();
    // A header cell past the file's own header (a row wider than it) gets its generated name.
    for (c, h) in header.iter_mut().enumerate() {
        if c >= header_source.len() {
            *h = table.headers.get(c).map_or("", String::as_str);
        }
    }
    header.push("segment");
    header.push("segment_name");
    header.push("excluded_reason");
    if header_line {
        writer.write_record(header.iter().map(|h| neutralise(h)).collect::<Vec<_>>().iter().map(|h| h.as_ref()))?;
    }
    let mut segment_text = String::new();
    for (row, outcome) in rows.zip(outcomes) {
        for c in 0..width {
            writer.write_field(neutralise(table.cell(row, c)).as_ref())?;
        }
        segment_text.clear();
        if let Some(s) = outcome.segment {
            segment_text.push_str(&(s + 1).to_string());
        }
        writer.write_field(&segment_text)?;
        let name = outcome.segment.and_then(|s| names.get(s)).map_or("", String::as_str);
        writer.write_field(neutralise(name).as_ref())?;
        writer.write_field(outcome.excluded_reason.as_ref().map(ExclusionReason::describe).unwrap_or_default())?;
        writer.write_record(None::<&[u8]>)?;
    }
    writer.into_inner().map_err(|e| ExportError::Io(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::{parse_csv, IngestOptions};

    #[test]
    fn every_row_and_cell_text_survive_with_a_segment_and_a_reason() {
        let table =
            parse_csv(b"CustomerID;Name;Spend\r\n0001;\"Smith, J\";1,5\r\n0002;Ann;\r\n0003;Bo;2", &IngestOptions::default()).unwrap();
        let outcomes = [
            RowOutcome { segment: Some(0), excluded_reason: None },
            RowOutcome { segment: None, excluded_reason: Some(ExclusionReason::Missing { column: "Spend".into() }) },
            RowOutcome { segment: Some(1), excluded_reason: None },
        ];
        let names = ["Big spenders".to_owned(), "Careful".to_owned()];
        let text = String::from_utf8(segmented_csv(&table, &outcomes, &names).unwrap()).unwrap();
        assert_eq!(
            text,
            "CustomerID,Name,Spend,segment,segment_name,excluded_reason\n0001,\"Smith, J\",\"1,5\",1,Big spenders,\n\
             0002,Ann,,,,missing value in Spend\n0003,Bo,2,2,Careful,\n"
        );
    }

    #[test]
    fn formulas_are_neutralised_and_numbers_are_not() {
        for (cell, out) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+cmd", "'+cmd"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("-12.5", "-12.5"),
            ("+3", "+3"),
            ("-1.234,50", "-1.234,50"),
            ("Ann", "Ann"),
        ] {
            assert_eq!(neutralise(cell), out, "{cell}");
        }
        let table = parse_csv(b"name,v\n=1+1,-3\n", &IngestOptions::default()).unwrap();
        let text = String::from_utf8(segmented_csv(&table, &[RowOutcome::default()], &[]).unwrap()).unwrap();
        assert_eq!(text.lines().nth(1), Some("'=1+1,-3,,,"));
    }

    #[test]
    fn wrong_number_of_outcomes_is_an_error() {
        let table = parse_csv(b"a\n1\n2\n", &IngestOptions::default()).unwrap();
        assert!(matches!(segmented_csv(&table, &[RowOutcome::default()], &[]), Err(ExportError::LengthMismatch { .. })));
    }
}

/// The segment summary: one row per segment and one for all clustered customers, with the
/// size, share, and each feature's mean and median in the data's own units, then the value
/// and preferences guessed (see [`summary_csv_with`]).
pub fn summary_csv(segmentation: &super::pipeline::Segmentation, names: &[String]) -> Result<Vec<u8>, ExportError> {
    summary_csv_with(segmentation, names, &ValueChoice::default())
}

/// [`summary_csv`] with the user's value column(s), preference columns and actions: after
/// the features, `value_column` (what the value is), `value_total` (the segment's part of
/// it, in the data's units), `value_share` (its share of the total; the shares add to 1),
/// one `<column> index` per preference column (segment mean ÷ all customers' mean × 100),
/// `preferences` (the card's sentence) and `action` (the user's, else the suggestion).
pub fn summary_csv_with(
    segmentation: &super::pipeline::Segmentation,
    names: &[String],
    choice: &ValueChoice,
) -> Result<Vec<u8>, ExportError> {
    let values = &segmentation.values;
    let (value_columns, preference_columns) = values.resolve(choice);
    let shares = values.shares(&value_columns);
    let value_label = values.value_label(&value_columns);
    let actions = values.actions(&value_columns, &preference_columns);
    let preference_names: Vec<String> =
        preference_columns.iter().filter_map(|&c| values.column(c)).map(|c| format!("{} index", c.name)).collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "segment".to_owned(),
        "segment_name".to_owned(),
        "customers".to_owned(),
        "share".to_owned(),
        "stability".to_owned(),
        "stability_reading".to_owned(),
    ];
    for f in &segmentation.overall {
        header.push(format!("{} mean", f.name));
        header.push(format!("{} median", f.name));
    }
    header.extend(["value_column".to_owned(), "value_total".to_owned(), "value_share".to_owned()]);
    header.extend(preference_names.iter().cloned());
    header.extend(["preferences".to_owned(), "action".to_owned()]);
    writer.write_record(header.iter().map(|h| neutralise(h).into_owned()))?;
    let number = |v: f64| if v.is_finite() { format!("{}", (v * 1e6).round() / 1e6) } else { String::new() };
    for s in &segmentation.segments {
        let mut row = vec![
            (s.index + 1).to_string(),
            neutralise(names.get(s.index).map_or(s.name.as_str(), String::as_str)).into_owned(),
            s.size.to_string(),
            number(s.share),
            segmentation.stability_of(s.index).map_or_else(String::new, |j| format!("{j:.3}")),
            segmentation.stability_of(s.index).map_or_else(String::new, |j| StabilityLevel::of(j).words().to_owned()),
        ];
        for f in &s.features {
            row.push(number(f.mean));
            row.push(number(f.median));
        }
        row.push(neutralise(&value_label).into_owned());
        row.push(shares.as_ref().and_then(|sh| sh.sums.get(s.index)).map_or_else(String::new, |&v| number(v)));
        row.push(shares.as_ref().and_then(|sh| sh.value.get(s.index)).map_or_else(String::new, |&v| number(v)));
        for &c in &preference_columns {
            row.push(values.column(c).and_then(|c| c.index(s.index)).map_or_else(String::new, |v| format!("{v:.1}")));
        }
        row.push(values.preference_sentence(s.index, &preference_columns).unwrap_or_default());
        let action = choice.actions.get(s.index).map(|a| a.trim()).filter(|a| !a.is_empty());
        let suggested = actions.get(s.index).map_or("", |a| a.text.as_str());
        row.push(neutralise(action.unwrap_or(suggested)).into_owned());
        writer.write_record(&row)?;
    }
    let mut all = vec![
        String::new(),
        "All customers".to_owned(),
        segmentation.n_clustered.to_string(),
        "1".to_owned(),
        String::new(),
        segmentation.stability.as_ref().map_or_else(String::new, Stability::basis),
    ];
    for f in &segmentation.overall {
        all.push(number(f.mean));
        all.push(number(f.median));
    }
    all.push(neutralise(&value_label).into_owned());
    all.push(shares.as_ref().map_or_else(String::new, |sh| number(sh.total)));
    all.push(if shares.is_some() { "1".to_owned() } else { String::new() });
    all.extend(preference_columns.iter().map(|_| "100.0".to_owned()));
    all.extend([String::new(), String::new()]);
    writer.write_record(&all)?;
    // η² per feature: the share of its variance that lies between the segments.
    if !segmentation.separation.is_empty() {
        let mut eta = vec![
            String::new(),
            "η² (share of variance between segments)".to_owned(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ];
        for (f, _) in segmentation.overall.iter().enumerate() {
            let e = segmentation.separation.iter().find(|s| s.feature == f).map_or_else(String::new, |s| number(s.eta2));
            eta.push(e);
            eta.push(String::new());
        }
        // The value, preference and action columns have no η².
        eta.extend(std::iter::repeat_n(String::new(), 5 + preference_columns.len()));
        writer.write_record(&eta)?;
    }
    writer.into_inner().map_err(|e| ExportError::Io(e.to_string()))
}

/// `Mall_Customers.csv` → `Mall_Customers-model.json`.
pub fn model_file_name(input_name: &str) -> String {
    segmented_file_name(input_name).replace("-segmented.csv", "-model.json")
}

/// `Mall_Customers.csv` → `Mall_Customers-summary.csv`.
pub fn summary_file_name(input_name: &str) -> String {
    segmented_file_name(input_name).replace("-segmented.csv", "-summary.csv")
}

/// `Mall_Customers.csv` → `Mall_Customers-segmented.csv`.
pub fn segmented_file_name(input_name: &str) -> String {
    let stem = input_name.rsplit_once('.').map_or(input_name, |(stem, _)| stem);
    let stem = if stem.is_empty() { "customers" } else { stem };
    format!("{stem}-segmented.csv")
}

#[cfg(test)]
mod name_tests {
    #[test]
    fn the_download_is_named_after_the_input() {
        assert_eq!(super::segmented_file_name("Mall_Customers.csv"), "Mall_Customers-segmented.csv");
        assert_eq!(super::segmented_file_name("data.v2.tsv"), "data.v2-segmented.csv");
        assert_eq!(super::segmented_file_name("noext"), "noext-segmented.csv");
        assert_eq!(super::segmented_file_name(".csv"), "customers-segmented.csv");
    }
}
