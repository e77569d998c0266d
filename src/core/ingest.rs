//! Bytes → [`Table`]: decoding, delimiter sniffing, CSV parsing, header handling.
//!
//! Owns everything about turning a file as a spreadsheet or database exported it into rows
//! of cell text. The text of every cell is kept exactly as written (after decoding), so the
//! export can give the user back their own data; interpreting cells (numbers, missing
//! values, identifiers) belongs to [`super::profile`] and [`super::features`].

use std::borrow::Cow;

use thiserror::Error;

/// Delimiters tried when sniffing, in order of preference on a tie.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How many leading records the delimiter sniffer looks at.
const SNIFF_RECORDS: usize = 50;

/// A parsed CSV file: one header and rows of cell text.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column names made unique and non-empty (`column_3`, `Age_2`), for display and lookup.
    pub headers: Vec<String>,
    /// The header cells exactly as in the file (empty when the file had no header row).
    pub raw_headers: Vec<String>,
    /// Whether the first line of the file was a header.
    pub has_header: bool,
    /// Data rows, each cell's text as written. A short row is kept as it is (not padded here).
    pub rows: Vec<Vec<String>>,
    /// The 1-based line of the file on which each row starts, for messages.
    pub row_lines: Vec<u64>,
    /// The delimiter used.
    pub delimiter: u8,
    /// The encoding the bytes were decoded from (`UTF-8`, `UTF-16LE`, `windows-1252`, ...).
    pub encoding: &'static str,
}

impl Table {
    /// Number of data rows.
    pub fn n_rows(&self) -> usize {
        self.rows.len()
    }

    /// Number of columns (the header's width).
    pub fn n_columns(&self) -> usize {
        self.headers.len()
    }

    /// The text of a cell; a cell past the end of a short row reads as empty.
    pub fn cell(&self, row: usize, column: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.get(column))
            .map(String::as_str)
            .unwrap_or("")
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
}

/// Options for [`parse_csv`]. `Default` sniffs everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IngestOptions {
    /// Force a delimiter instead of sniffing one.
    pub delimiter: Option<u8>,
}

/// Reads a whole file: decodes it, sniffs the delimiter, parses the records and the header.
pub fn parse_csv(bytes: &[u8], options: &IngestOptions) -> Result<Table, IngestError> {
    let (text, encoding) = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(IngestError::Empty);
    }
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| sniff_delimiter(&text));
    let mut records = read_records(&text, delimiter)?;
    if records.is_empty() {
        return Err(IngestError::Empty);
    }
    let (first_line, first) = records.remove(0);
    let has_header = looks_like_header(&first);
    let (raw_headers, mut rows_with_lines) = if has_header {
        (first, records)
    } else {
        records.insert(0, (first_line, first));
        (Vec::new(), records)
    };
    let width = rows_with_lines
        .iter()
        .map(|(_, r)| r.len())
        .chain(std::iter::once(raw_headers.len()))
        .max()
        .unwrap_or(0);
    let headers = unique_headers(&raw_headers, width);
    if rows_with_lines.is_empty() {
        return Err(IngestError::NoRows);
    }
    let row_lines = rows_with_lines.iter().map(|(line, _)| *line).collect();
    let rows = rows_with_lines.drain(..).map(|(_, r)| r).collect();
    Ok(Table {
        headers,
        raw_headers,
        has_header,
        rows,
        row_lines,
        delimiter,
        encoding,
    })
}

/// Decodes bytes to text: a BOM decides (UTF-8, UTF-16LE/BE); else valid UTF-8; else
/// Windows-1252, the encoding of most non-UTF-8 spreadsheet exports.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), IngestError> {
    let (text, encoding): (Cow<'_, str>, &'static str) =
        if let Some((enc, _bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
            let (text, _had_errors) = enc.decode_with_bom_removal(bytes);
            (text, enc.name())
        } else if let Ok(text) = std::str::from_utf8(bytes) {
            (Cow::Borrowed(text), "UTF-8")
        } else {
            let (text, _had_errors) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text, encoding_rs::WINDOWS_1252.name())
        };
    if let Some(offset) = binary_offset(&text) {
        return Err(IngestError::NotText { offset });
    }
    Ok((text, encoding))
}

/// Position of the first sign that the text is binary: a NUL, or too many control characters.
fn binary_offset(text: &str) -> Option<usize> {
    let mut controls = 0usize;
    for (i, c) in text.char_indices().take(64 * 1024) {
        if c == '\0' {
            return Some(i);
        }
        if c.is_control() && !matches!(c, '\t' | '\r' | '\n' | '\x0c') {
            controls += 1;
            if controls > 8 {
                return Some(i);
            }
        }
    }
    None
}

/// Picks the delimiter whose leading records have the most consistent width above one field.
pub fn sniff_delimiter(text: &str) -> u8 {
    let sample = sample_prefix(text, 64 * 1024);
    let mut best = (b',', 0usize, 0usize); // (delimiter, consistent records, width)
    for &delimiter in &DELIMITERS {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(sample.as_bytes());
        let widths: Vec<usize> = reader
            .records()
            .take(SNIFF_RECORDS)
            .filter_map(Result::ok)
            .filter(|r| !is_blank(r))
            .map(|r| r.len())
            .collect();
        let Some(width) = mode(&widths) else { continue };
        if width < 2 {
            continue;
        }
        let consistent = widths.iter().filter(|&&w| w == width).count();
        if (consistent, width) > (best.1, best.2) {
            best = (delimiter, consistent, width);
        }
    }
    best.0
}

fn sample_prefix(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // Cut at the last line break so the sample ends on a whole record (most of the time).
    let cut = text.get(..end).and_then(|s| s.rfind('\n')).unwrap_or(end);
    text.get(..cut).unwrap_or(text)
}

fn mode(values: &[usize]) -> Option<usize> {
    let mut counts = std::collections::BTreeMap::new();
    for &v in values {
        *counts.entry(v).or_insert(0usize) += 1;
    }
    counts.into_iter().max_by_key(|&(v, c)| (c, v)).map(|(v, _)| v)
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|f| f.trim().is_empty())
}

fn read_records(text: &str, delimiter: u8) -> Result<Vec<(u64, Vec<String>)>, IngestError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut lines = LineCounter::new(text.as_bytes());
    for result in reader.records() {
        let record = result.map_err(|e| IngestError::Malformed {
            line: lines.line_at(e.position().map_or(0, |p| p.byte()) as usize),
            message: e.to_string(),
        })?;
        if is_blank(&record) {
            continue;
        }
        let line = lines.line_at(record.position().map_or(0, |p| p.byte()) as usize);
        out.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(out)
}

/// Turns a record's byte offset into the 1-based line where its first character is.
/// (The csv crate's own line numbers drift with CRLF and blank lines.) Offsets must come in
/// increasing order; the scan is linear over the whole file.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, offset: 0, line: 1 }
    }

    fn line_at(&mut self, byte: usize) -> u64 {
        let mut target = byte;
        // A record's offset may point at the line break that ended the record before it.
        while matches!(self.bytes.get(target), Some(b'\r' | b'\n')) {
            target += 1;
        }
        while self.offset < target.min(self.bytes.len()) {
            match self.bytes.get(self.offset) {
                Some(b'\n') => self.line += 1,
                Some(b'\r') if self.bytes.get(self.offset + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
            self.offset += 1;
        }
        self.line
    }
}

/// A first row is a header unless one of its cells is a number (data, not a name).
fn looks_like_header(first: &[String]) -> bool {
    !first
        .iter()
        .any(|cell| super::profile::parse_number(cell).is_some())
}

/// Names for every column: empty names become `column_N`, repeats get `_2`, `_3`, ...
fn unique_headers(raw: &[String], width: usize) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(width);
    for i in 0..width {
        let base = raw
            .get(i)
            .map(|h| h.trim())
            .filter(|h| !h.is_empty())
            .map_or_else(|| format!("column_{}", i + 1), str::to_owned);
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
        assert_eq!(t.rows[0], ["0001", "19", "15"]);
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
        assert_eq!(t.rows[0], ["Smith, J", "said \"hi\"\nthen left"]);
        let t = parse("a,b\r1,\"x\ny\"\r3,4");
        assert_eq!(t.row_lines, [2, 4]);
    }

    #[test]
    fn blank_lines_are_skipped_and_ragged_rows_kept() {
        let t = parse("a,b,c\n\n1,2,3\n4,5\n");
        assert_eq!(t.n_rows(), 2);
        assert_eq!(t.row_lines, [3, 4]);
        assert_eq!(t.rows[1], ["4", "5"]);
        assert_eq!(t.cell(1, 2), "");
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
    fn bom_utf16_and_windows_1252_are_decoded() {
        let t = parse_csv(b"\xEF\xBB\xBFa,b\n1,2\n", &IngestOptions::default()).unwrap();
        assert_eq!(t.headers[0], "a");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("n,v\né,1\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
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
