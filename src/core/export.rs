//! Table + segment of each row → the CSV the user downloads: every input row, every input
//! column with its text as it was, then `segment` (1..k, empty for a row not clustered) and
//! `excluded_reason` (why a row was not clustered, empty otherwise).

use thiserror::Error;

use super::ingest::Table;

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

/// What the export adds to each row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowOutcome {
    /// 0-based cluster, `None` when the row was not clustered.
    pub segment: Option<usize>,
    /// Why the row was not clustered.
    pub excluded_reason: Option<String>,
}

/// Writes the table back as comma-separated CSV with `segment` and `excluded_reason` added.
pub fn segmented_csv(table: &Table, outcomes: &[RowOutcome]) -> Result<Vec<u8>, ExportError> {
    if outcomes.len() != table.n_rows() {
        return Err(ExportError::LengthMismatch { labels: outcomes.len(), rows: table.n_rows() });
    }
    let width = table.n_columns();
    let mut writer = csv::WriterBuilder::new().flexible(false).from_writer(Vec::with_capacity(table.heap_bytes() + outcomes.len() * 4));
    let header_source = if table.has_header { &table.raw_headers } else { &table.headers };
    let mut header: Vec<&str> = (0..width).map(|c| header_source.get(c).map_or("", String::as_str)).collect();
    // A header cell past the file's own header (a row wider than it) gets its generated name.
    for (c, h) in header.iter_mut().enumerate() {
        if c >= header_source.len() {
            *h = table.headers.get(c).map_or("", String::as_str);
        }
    }
    header.push("segment");
    header.push("excluded_reason");
    writer.write_record(&header)?;
    let mut segment_text = String::new();
    for (row, outcome) in outcomes.iter().enumerate() {
        for c in 0..width {
            writer.write_field(table.cell(row, c))?;
        }
        segment_text.clear();
        if let Some(s) = outcome.segment {
            segment_text.push_str(&(s + 1).to_string());
        }
        writer.write_field(&segment_text)?;
        writer.write_field(outcome.excluded_reason.as_deref().unwrap_or(""))?;
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
        let table = parse_csv(
            b"CustomerID;Name;Spend\r\n0001;\"Smith, J\";1,5\r\n0002;Ann;\r\n0003;Bo;2",
            &IngestOptions::default(),
        )
        .unwrap();
        let outcomes = [
            RowOutcome { segment: Some(0), excluded_reason: None },
            RowOutcome { segment: None, excluded_reason: Some("missing value in Spend".into()) },
            RowOutcome { segment: Some(1), excluded_reason: None },
        ];
        let text = String::from_utf8(segmented_csv(&table, &outcomes).unwrap()).unwrap();
        assert_eq!(
            text,
            "CustomerID,Name,Spend,segment,excluded_reason\n0001,\"Smith, J\",\"1,5\",1,\n\
             0002,Ann,,,missing value in Spend\n0003,Bo,2,2,\n"
        );
    }

    #[test]
    fn wrong_number_of_outcomes_is_an_error() {
        let table = parse_csv(b"a\n1\n2\n", &IngestOptions::default()).unwrap();
        assert!(matches!(segmented_csv(&table, &[RowOutcome::default()]), Err(ExportError::LengthMismatch { .. })));
    }
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
