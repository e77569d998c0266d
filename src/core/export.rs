//! Table + segment of each row → the CSV the user downloads: every input row, every input
//! column with its text as it was, then the segment (1..k, empty for a row not clustered).

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

/// Writes the table back as comma-separated CSV with a `segment` column added.
/// `segments[row]` is the 0-based cluster of a row, `None` for a row that was not clustered.
pub fn segmented_csv(table: &Table, segments: &[Option<usize>]) -> Result<Vec<u8>, ExportError> {
    if segments.len() != table.n_rows() {
        return Err(ExportError::LengthMismatch { labels: segments.len(), rows: table.n_rows() });
    }
    let width = table.n_columns();
    let mut writer = csv::WriterBuilder::new().flexible(false).from_writer(Vec::new());
    let header_source = if table.has_header { &table.raw_headers } else { &table.headers };
    let mut header: Vec<&str> = (0..width)
        .map(|c| header_source.get(c).map_or("", String::as_str))
        .collect();
    header.push("segment");
    writer.write_record(&header)?;
    let mut record: Vec<String> = Vec::with_capacity(width + 1);
    for (row, segment) in segments.iter().enumerate() {
        record.clear();
        record.extend((0..width).map(|c| table.cell(row, c).to_owned()));
        record.push(segment.map(|s| (s + 1).to_string()).unwrap_or_default());
        writer.write_record(&record)?;
    }
    writer.into_inner().map_err(|e| ExportError::Io(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::{parse_csv, IngestOptions};

    #[test]
    fn every_row_and_cell_text_survive_with_a_segment() {
        let table = parse_csv(
            b"CustomerID;Name;Spend\r\n0001;\"Smith, J\";1,5\r\n0002;Ann;\r\n0003;Bo;2",
            &IngestOptions::default(),
        )
        .unwrap();
        let out = segmented_csv(&table, &[Some(0), None, Some(1)]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "CustomerID,Name,Spend,segment\n0001,\"Smith, J\",\"1,5\",1\n0002,Ann,,\n0003,Bo,2,2\n"
        );
    }

    #[test]
    fn wrong_number_of_labels_is_an_error() {
        let table = parse_csv(b"a\n1\n2\n", &IngestOptions::default()).unwrap();
        assert!(matches!(segmented_csv(&table, &[None]), Err(ExportError::LengthMismatch { .. })));
    }
}
