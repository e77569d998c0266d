//! Bytes → [`Table`]: decoding, delimiter sniffing, CSV parsing, header handling.
//!
//! Owns everything about turning a file as a spreadsheet or database exported it into
//! columns of cell text. The text of every cell is kept exactly as written (after
//! decoding), so the export can give the user back their own data; interpreting cells
//! (numbers, dates, missing values, kinds) belongs to [`super::profile`].
//!
//! Storage is columnar ([`TextColumn`]: one buffer per column), so a million-row file
//! costs about its own size again, not a `String` per cell.

mod column;
mod decode;
mod sniff;

use thiserror::Error;

pub use column::{TextColumn, TextColumnBuilder};
pub use decode::decode;
pub use sniff::{sniff_delimiter, DELIMITERS};

/// Cell texts that mean "no value" by default (compared after trimming, case-insensitively).
pub const MISSING_TOKENS: [&str; 10] = ["", "na", "n/a", "null", "nan", "?", "-", "none", "#n/a", "nil"];

/// A row whose number of fields differs from the header's.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RaggedRow {
    /// 0-based data row.
    pub row: usize,
    /// 1-based line in the file.
    pub line: u64,
    pub fields: usize,
}

/// A parsed CSV file: a header and columns of cell text.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column names made unique and non-empty (`column_3`, `Age_2`), for display and lookup.
    pub headers: Vec<String>,
    /// The header cells exactly as in the file (empty when the file had no header row).
    pub raw_headers: Vec<String>,
    /// Whether the first line of the file was a header.
    pub has_header: bool,
    /// One column of cell text per header; short rows are padded with empty cells.
    pub columns: Vec<TextColumn>,
    /// The 1-based line of the file on which each row starts, for messages.
    pub row_lines: Vec<u64>,
    /// Rows with more or fewer fields than the header (kept, padded).
    pub ragged: Vec<RaggedRow>,
    /// Width the rows should have: the header's, or the first row's without a header.
    pub expected_width: usize,
    /// The delimiter used.
    pub delimiter: u8,
    /// The encoding the bytes were decoded from (`UTF-8`, `UTF-16LE`, `windows-1252`, ...).
    pub encoding: &'static str,
    /// Lower-cased texts that mean "missing".
    pub missing_tokens: Vec<String>,
    /// Length of the longest missing token, a fast path for [`Table::is_missing`].
    pub longest_missing_token: usize,
}

impl Table {
    /// Number of data rows.
    pub fn n_rows(&self) -> usize {
        self.row_lines.len()
    }

    /// Number of columns.
    pub fn n_columns(&self) -> usize {
        self.headers.len()
    }

    /// The text of a cell; a cell out of range reads as empty.
    pub fn cell(&self, row: usize, column: usize) -> &str {
        self.columns.get(column).and_then(|c| c.get(row)).unwrap_or("")
    }

    /// Whether a cell's text is one of the table's missing-value tokens.
    pub fn is_missing(&self, cell: &str) -> bool {
        let t = cell.trim();
        // Most cells are longer than every token: skip the comparisons for them.
        t.is_empty() || (t.len() <= self.longest_missing_token && self.missing_tokens.iter().any(|m| t.eq_ignore_ascii_case(m)))
    }

    /// Bytes held by the cell storage, for memory figures.
    pub fn heap_bytes(&self) -> usize {
        self.columns.iter().map(TextColumn::heap_bytes).sum::<usize>() + self.row_lines.capacity() * 8
    }
}

/// Why a file could not be read as a table. Each message says what to do next.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum IngestError {
    #[error("the file is empty: choose a CSV file with a header row and at least one data row")]
    Empty,
    #[error("the file has a header but no data rows: add at least one row of customers")]
    NoRows,
    #[error(
        "the file does not look like text (binary content near byte {offset}): \
         export your data as CSV from your spreadsheet and try that file"
    )]
    NotText { offset: usize },
    #[error("line {line}: {message}")]
    Malformed { line: u64, message: String },
    #[error("column {column} holds more than 4 GiB of text: split the file")]
    TooLarge { column: usize },
}

/// How to read the file. `Default` sniffs everything.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IngestOptions {
    /// Force a delimiter instead of sniffing one.
    pub delimiter: Option<u8>,
    /// Force the first row to be (or not be) a header instead of detecting it.
    pub header: Option<bool>,
    /// Texts that mean "missing" (case-insensitive, after trimming; the empty cell always is).
    pub missing_tokens: Vec<String>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self { delimiter: None, header: None, missing_tokens: MISSING_TOKENS.iter().map(|t| (*t).to_owned()).collect() }
    }
}

/// Reads a whole file: decodes it, sniffs the delimiter, parses the records and the header.
pub fn parse_csv(bytes: &[u8], options: &IngestOptions) -> Result<Table, IngestError> {
    parse_csv_with_progress(bytes, options, &mut |_| {})
}

/// Rows read before the buffers are sized for the whole file.
const SIZE_SAMPLE_ROWS: usize = 4096;

/// Rows between two progress reports.
const PROGRESS_EVERY: usize = 1 << 16;

/// [`parse_csv`], reporting the fraction of the text read now and then.
pub fn parse_csv_with_progress(bytes: &[u8], options: &IngestOptions, progress: &mut dyn FnMut(f64)) -> Result<Table, IngestError> {
    let (text, encoding) = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(IngestError::Empty);
    }
    let delimiter = options.delimiter.unwrap_or_else(|| sniff_delimiter(&text));
    // Whitespace-separated logs (the CDNOW files, fixed-width exports) pad columns with runs
    // of spaces: with the space delimiter, any run of spaces or tabs separates two fields.
    let text = if delimiter == b' ' { std::borrow::Cow::Owned(collapse_whitespace(&text)) } else { text };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text.as_bytes());
    let mut record = csv::ByteRecord::new();
    let mut raw_headers: Vec<String> = Vec::new();
    let mut has_header = false;
    let mut seen_first = false;
    let mut expected_width = 0usize;
    let mut columns: Vec<TextColumnBuilder> = Vec::new();
    let mut row_lines: Vec<u64> = Vec::new();
    let mut ragged = Vec::new();
    let total = text.len().max(1) as f64;

    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| IngestError::Malformed {
            line: lines.line_at(e.position().map_or(0, |p| p.byte()) as usize),
            message: e.to_string(),
        })?;
        if !more {
            break;
        }
        if record.as_slice().iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line = lines.line_at(record.position().map_or(0, |p| p.byte()) as usize);
        if !seen_first {
            seen_first = true;
            let cells: Vec<String> = record.iter().map(|f| field_text(f).to_owned()).collect();
            has_header = options.header.unwrap_or_else(|| looks_like_header(&cells));
            expected_width = cells.len();
            if has_header {
                raw_headers = cells;
                continue;
            }
        }
        let row = row_lines.len();
        while columns.len() < record.len() {
            // A row wider than any before: a new column, empty for the rows already read.
            let mut column = TextColumnBuilder::with_capacity(row + 1);
            column.push_empty(row).map_err(|_| IngestError::TooLarge { column: columns.len() })?;
            columns.push(column);
        }
        for (c, column) in columns.iter_mut().enumerate() {
            column.push(record.get(c).unwrap_or(&[])).map_err(|_| IngestError::TooLarge { column: c })?;
        }
        if record.len() != expected_width {
            ragged.push(RaggedRow { row, line, fields: record.len() });
        }
        row_lines.push(line);
        if row == SIZE_SAMPLE_ROWS {
            // Size the buffers from the rows so far: no regrowth copies on a big file.
            let read = record.position().map_or(0, |p| p.byte()).max(1) as f64;
            let factor = (text.len() as f64 / read - 1.0).max(0.0) * 1.05;
            let more_rows = (row as f64 * factor) as usize;
            row_lines.reserve(more_rows);
            for column in &mut columns {
                column.reserve(more_rows, (column.byte_len() as f64 * factor) as usize);
            }
        }
        if row % PROGRESS_EVERY == PROGRESS_EVERY - 1 {
            progress(record.position().map_or(0, |p| p.byte()) as f64 / total);
        }
    }
    if row_lines.is_empty() {
        return Err(if has_header { IngestError::NoRows } else { IngestError::Empty });
    }
    // A header wider than every row still names its columns.
    while columns.len() < raw_headers.len() {
        let mut column = TextColumnBuilder::with_capacity(row_lines.len());
        column.push_empty(row_lines.len()).map_err(|_| IngestError::TooLarge { column: columns.len() })?;
        columns.push(column);
    }
    let columns = columns
        .into_iter()
        .enumerate()
        .map(|(c, b)| {
            b.finish().ok_or_else(|| IngestError::Malformed {
                line: 0,
                message: format!("column {} is not valid text after decoding: please report this file", c + 1),
            })
        })
        .collect::<Result<Vec<TextColumn>, _>>()?;
    progress(1.0);
    Ok(Table {
        headers: unique_headers(&raw_headers, columns.len()),
        raw_headers,
        has_header,
        columns,
        row_lines,
        ragged,
        expected_width,
        delimiter,
        encoding,
        missing_tokens: options.missing_tokens.iter().map(|t| t.trim().to_lowercase()).collect(),
        longest_missing_token: options.missing_tokens.iter().map(|t| t.trim().len()).max().unwrap_or(0),
    })
}

/// Each line's fields separated by single spaces: leading and trailing blanks dropped, runs
/// of spaces and tabs made one. Line breaks are kept, so line numbers stay right.
fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut first = true;
        for field in line.split([' ', '\t', '\r']).filter(|f| !f.is_empty()) {
            if !first {
                out.push(' ');
            }
            out.push_str(field);
            first = false;
        }
    }
    out
}

/// A field's text. Fields are cut at ASCII delimiters and quotes of valid UTF-8, so they
/// are valid UTF-8 themselves; the fallback only guards the invariant.
fn field_text(field: &[u8]) -> &str {
    std::str::from_utf8(field).unwrap_or("")
}

/// Turns a record's byte offset into the 1-based line where its first character is.
/// (The csv crate's own line numbers drift with CRLF and blank lines.) Offsets must come in
/// increasing order; the scan is linear over the whole file.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
    /// Every CR is part of a CRLF: counting LFs counts lines (the common case, vectorised).
    /// Otherwise a lone CR also ends a line (old Mac files, or a mix).
    lf_only: bool,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        let lone_cr = memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'));
        Self { bytes, offset: 0, line: 1, lf_only: !lone_cr }
    }

    fn line_at(&mut self, byte: usize) -> u64 {
        let mut target = byte;
        // A record's offset may point at the line break that ended the record before it.
        while matches!(self.bytes.get(target), Some(b'\r' | b'\n')) {
            target += 1;
        }
        let end = target.min(self.bytes.len());
        if let Some(chunk) = self.bytes.get(self.offset..end) {
            if self.lf_only {
                self.line += memchr::memchr_iter(b'\n', chunk).count() as u64;
            } else {
                for (i, &b) in chunk.iter().enumerate() {
                    if b == b'\n' || (b == b'\r' && self.bytes.get(self.offset + i + 1) != Some(&b'\n')) {
                        self.line += 1;
                    }
                }
            }
            self.offset = end;
        }
        self.line
    }
}

/// A first row is a header unless one of its cells is a number (data, not a name).
fn looks_like_header(first: &[String]) -> bool {
    use super::cells::numbers::{parse_number, DecimalSeparator};
    !first.iter().any(|cell| parse_number(cell, DecimalSeparator::Point).is_some() || parse_number(cell, DecimalSeparator::Comma).is_some())
}

/// Names for every column: empty names become `column_N`, repeats get `_2`, `_3`, ...
fn unique_headers(raw: &[String], width: usize) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(width);
    for i in 0..width {
        let base = raw.get(i).map(|h| h.trim()).filter(|h| !h.is_empty()).map_or_else(|| format!("column_{}", i + 1), str::to_owned);
        let mut name = base.clone();
        let mut n = 2;
        while !seen.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Table {
        parse_csv(text.as_bytes(), &IngestOptions::default()).unwrap()
    }

    #[test]
    fn reads_header_and_rows_keeping_cell_text() {
        let t = parse("CustomerID,Age,Income\r\n0001,19,15\r\n0002,21,15.50");
        assert_eq!(t.headers, ["CustomerID", "Age", "Income"]);
        assert_eq!([t.cell(0, 0), t.cell(0, 1), t.cell(0, 2)], ["0001", "19", "15"]);
        assert_eq!(t.cell(1, 2), "15.50");
        assert_eq!(t.row_lines, [2, 3]);
        assert_eq!(t.delimiter, b',');
        assert_eq!(t.encoding, "UTF-8");
    }

    #[test]
    fn sniffs_semicolon_and_tab() {
        assert_eq!(parse("a;b;c\n1,5;2;3\n4;5;6\n").delimiter, b';');
        assert_eq!(parse("a\tb\n1\t2\n3\t4\n").delimiter, b'\t');
        assert_eq!(parse("a|b\n1|2\n").delimiter, b'|');
    }

    #[test]
    fn quoted_fields_keep_delimiters_newlines_and_quotes() {
        let t = parse("name,note\n\"Smith, J\",\"said \"\"hi\"\"\nthen left\"\n");
        assert_eq!([t.cell(0, 0), t.cell(0, 1)], ["Smith, J", "said \"hi\"\nthen left"]);
        let t = parse("a,b\r1,\"x\ny\"\r3,4");
        assert_eq!(t.row_lines, [2, 4]);
    }

    #[test]
    fn blank_lines_are_skipped_and_ragged_rows_kept() {
        let t = parse("a,b,c\n\n1,2,3\n4,5\n");
        assert_eq!(t.n_rows(), 2);
        assert_eq!(t.row_lines, [3, 4]);
        assert_eq!([t.cell(1, 0), t.cell(1, 1), t.cell(1, 2)], ["4", "5", ""]);
        assert_eq!(t.ragged, [RaggedRow { row: 1, line: 4, fields: 2 }]);
        // A row wider than the header adds a named column, empty for the other rows.
        let t = parse("a,b\n1,2\n3,4,5\n");
        assert_eq!(t.headers, ["a", "b", "column_3"]);
        assert_eq!([t.cell(0, 2), t.cell(1, 2)], ["", "5"]);
    }

    #[test]
    fn empty_and_repeated_headers_are_made_unique() {
        let t = parse(",x,x\n1,2,3\n");
        assert_eq!(t.headers, ["column_1", "x", "x_2"]);
        assert_eq!(t.raw_headers, ["", "x", "x"]);
    }

    #[test]
    fn file_without_header_gets_column_names() {
        let t = parse("1,2\n3,4\n");
        assert!(!t.has_header);
        assert_eq!(t.headers, ["column_1", "column_2"]);
        assert_eq!(t.n_rows(), 2);
    }

    #[test]
    fn whitespace_separated_logs_read_with_the_space_delimiter() {
        // CDNOW's layout: zero-padded id, YYYYMMDD, quantity, amount, padded with spaces.
        let text = "00001 19970101  1  11.77\n00002 19970112  1  12.00\n00002 19970112  5  77.00\n  00003 19970102  2  20.76\n";
        let options = IngestOptions { delimiter: Some(b' '), ..IngestOptions::default() };
        let t = parse_csv(text.as_bytes(), &options).unwrap();
        assert!(!t.has_header);
        assert_eq!((t.n_rows(), t.n_columns()), (4, 4));
        assert_eq!([t.cell(3, 0), t.cell(3, 1), t.cell(3, 2), t.cell(3, 3)], ["00003", "19970102", "2", "20.76"]);
        assert!(t.ragged.is_empty());
        assert_eq!(t.row_lines, [1, 2, 3, 4]);
    }

    #[test]
    fn bom_utf16_and_windows_1252_are_decoded() {
        let t = parse_csv(b"\xEF\xBB\xBFa,b\n1,2\n", &IngestOptions::default()).unwrap();
        assert_eq!(t.headers[0], "a");
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("n,v\né,1\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let t = parse_csv(&utf16, &IngestOptions::default()).unwrap();
        assert_eq!((t.encoding, t.cell(0, 0)), ("UTF-16LE", "é"));
        let t = parse_csv(b"n,v\nJos\xE9,1\n", &IngestOptions::default()).unwrap();
        assert_eq!((t.encoding, t.cell(0, 0)), ("windows-1252", "José"));
    }

    #[test]
    fn bad_files_get_errors_not_panics() {
        let opts = IngestOptions::default();
        assert_eq!(parse_csv(b"", &opts), Err(IngestError::Empty));
        assert_eq!(parse_csv(b"  \r\n\n", &opts), Err(IngestError::Empty));
        assert_eq!(parse_csv(b"a,b,c\r\n", &opts), Err(IngestError::NoRows));
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0";
        assert!(matches!(parse_csv(png, &opts), Err(IngestError::NotText { .. })));
    }
}
