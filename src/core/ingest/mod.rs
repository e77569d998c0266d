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
pub mod pieces;
mod sniff;

use thiserror::Error;

use super::warning::{lines_in_words, Warning, WarningKind};

pub use column::{TextColumn, TextColumnBuilder};
pub use decode::{decode, Decoded};
pub use sniff::{delimiter_name, sniff_delimiter, DELIMITERS};

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
    /// Why that encoding, for the page.
    pub encoding_reason: String,
    /// What the reading recovered from or left out (stray quotes, invalid bytes, repeated
    /// headers, Excel's `sep=` line), each with its line.
    pub warnings: Vec<Warning>,
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
        let t = crate::core::cells::numbers::trim_cell(cell);
        // Most cells are longer than every token: skip the comparisons for them.
        t.is_empty() || (t.len() <= self.longest_missing_token && self.missing_tokens.iter().any(|m| t.eq_ignore_ascii_case(m)))
    }

    /// Bytes held by the cell storage, for memory figures.
    pub fn heap_bytes(&self) -> usize {
        self.columns.iter().map(TextColumn::heap_bytes).sum::<usize>() + self.row_lines.capacity() * 8
    }

    /// How this table was read, so the rest of a file read in pieces is read the same way.
    pub fn chunk_format(&self) -> ChunkFormat {
        ChunkFormat {
            delimiter: self.delimiter,
            encoding: self.encoding,
            has_header: self.has_header,
            raw_headers: self.raw_headers.clone(),
            width: self.expected_width,
            columns: self.n_columns(),
        }
    }

    /// The same table with only the rows `keep` says yes to (their lines, ragged marks and
    /// the table's warnings kept).
    pub fn select_rows(&self, keep: &[bool]) -> Result<Table, IngestError> {
        let columns = self
            .columns
            .iter()
            .enumerate()
            .map(|(c, col)| col.select(keep).map_err(|_| IngestError::TooLarge { column: c }))
            .collect::<Result<Vec<_>, _>>()?;
        let mut new_index = vec![usize::MAX; self.n_rows()];
        let mut row_lines = Vec::new();
        for ((row, &line), _) in self.row_lines.iter().enumerate().zip(keep).filter(|(_, &k)| k) {
            if let Some(slot) = new_index.get_mut(row) {
                *slot = row_lines.len();
            }
            row_lines.push(line);
        }
        let ragged = self
            .ragged
            .iter()
            .filter_map(|r| new_index.get(r.row).filter(|&&i| i != usize::MAX).map(|&row| RaggedRow { row, ..r.clone() }))
            .collect();
        Ok(Table { columns, row_lines, ragged, ..self.clone_empty() })
    }

    /// The rows that start before `line`, and the warnings about them: a piece of a file
    /// without its last record, which the next piece reads whole.
    pub fn before_line(&self, line: u64) -> Result<Table, IngestError> {
        let keep: Vec<bool> = self.row_lines.iter().map(|&l| l < line).collect();
        let mut table = self.select_rows(&keep)?;
        table.warnings.retain(|w| w.line.is_none_or(|l| l < line));
        Ok(table)
    }

    /// Empty columns added up to `n` columns (named as a wider row's are).
    pub fn pad_columns(&mut self, n: usize) -> Result<(), IngestError> {
        let rows = self.n_rows();
        while self.columns.len() < n {
            let mut column = TextColumn::with_capacity(rows, 0);
            for _ in 0..rows {
                column.push("").map_err(|_| IngestError::TooLarge { column: self.columns.len() })?;
            }
            self.columns.push(column);
        }
        self.headers = unique_headers(&self.raw_headers, self.columns.len().max(self.headers.len()));
        Ok(())
    }

    /// Appends `other`'s rows (read from a later piece of the same file): a piece wider
    /// than this table adds columns, empty for the rows before.
    pub fn append(&mut self, other: Table) -> Result<(), IngestError> {
        let rows = self.n_rows();
        self.pad_columns(other.columns.len())?;
        let other_rows = other.n_rows();
        for (c, column) in self.columns.iter_mut().enumerate() {
            match other.columns.get(c) {
                Some(theirs) => column.extend_from(theirs),
                None => (0..other_rows).try_for_each(|_| column.push("")),
            }
            .map_err(|_| IngestError::TooLarge { column: c })?;
        }
        self.headers = unique_headers(&self.raw_headers, self.columns.len());
        self.ragged.extend(other.ragged.into_iter().map(|r| RaggedRow { row: r.row + rows, ..r }));
        self.row_lines.extend(other.row_lines);
        // What the pieces recovered from, up to a page's worth.
        const MOST_WARNINGS: usize = 200;
        let room = MOST_WARNINGS.saturating_sub(self.warnings.len());
        self.warnings.extend(other.warnings.into_iter().take(room));
        Ok(())
    }

    /// The rows and what their reading found, to carry to another worker as arrays
    /// ([`Table::with_rows`] puts them back).
    pub fn into_rows(self) -> TableRows {
        TableRows {
            columns: self.columns.into_iter().map(TextColumn::into_parts).collect(),
            row_lines: self.row_lines,
            ragged: self.ragged,
            warnings: self.warnings,
        }
    }

    /// A table of `rows` read from the same file as this one (its header and reading facts):
    /// the table [`Table::into_rows`] was given, but for the reason of its encoding.
    pub fn with_rows(&self, rows: TableRows) -> Result<Table, IngestError> {
        let n_rows = rows.row_lines.len();
        let columns = rows
            .columns
            .into_iter()
            .enumerate()
            .map(|(c, (text, ends))| {
                String::from_utf8(text)
                    .ok()
                    .and_then(|text| TextColumn::from_parts(text, ends))
                    .filter(|column| column.len() == n_rows)
                    .ok_or_else(|| IngestError::Malformed { line: 0, message: format!("column {} of a piece came back damaged", c + 1) })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let headers = unique_headers(&self.raw_headers, columns.len());
        Ok(Table { headers, columns, row_lines: rows.row_lines, ragged: rows.ragged, warnings: rows.warnings, ..self.clone_empty() })
    }

    /// This table's header and reading facts with no rows.
    fn clone_empty(&self) -> Table {
        Table {
            headers: self.headers.clone(),
            raw_headers: self.raw_headers.clone(),
            has_header: self.has_header,
            columns: Vec::new(),
            row_lines: Vec::new(),
            ragged: Vec::new(),
            expected_width: self.expected_width,
            delimiter: self.delimiter,
            encoding: self.encoding,
            encoding_reason: self.encoding_reason.clone(),
            warnings: self.warnings.clone(),
            missing_tokens: self.missing_tokens.clone(),
            longest_missing_token: self.longest_missing_token,
        }
    }
}

/// A table's rows as they travel between workers ([`Table::into_rows`]): each column's
/// text and cell ends, each row's line, the ragged rows and the warnings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableRows {
    pub columns: Vec<(Vec<u8>, Vec<u32>)>,
    pub row_lines: Vec<u64>,
    pub ragged: Vec<RaggedRow>,
    pub warnings: Vec<Warning>,
}

/// How a file's first piece was read ([`Table::chunk_format`]): the rest of the file is
/// read with the same delimiter, encoding, header and width ([`parse_chunk`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChunkFormat {
    pub delimiter: u8,
    /// An encoding's name as `encoding_rs` gives it.
    pub encoding: &'static str,
    pub has_header: bool,
    pub raw_headers: Vec<String>,
    /// Fields a row should have.
    pub width: usize,
    /// Columns of the first piece's table (rows of later pieces are padded to it).
    pub columns: usize,
}

/// A [`ChunkFormat`] as another worker sent it: the encoding by name.
#[derive(serde::Deserialize)]
struct ChunkFormatSent {
    delimiter: u8,
    encoding: String,
    has_header: bool,
    raw_headers: Vec<String>,
    width: usize,
    columns: usize,
}

impl<'de> serde::Deserialize<'de> for ChunkFormat {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let ChunkFormatSent { delimiter, encoding, has_header, raw_headers, width, columns } = ChunkFormatSent::deserialize(d)?;
        let encoding = encoding_rs::Encoding::for_label(encoding.as_bytes())
            .ok_or_else(|| serde::de::Error::custom(format!("{encoding} is not an encoding")))?
            .name();
        Ok(Self { delimiter, encoding, has_header, raw_headers, width, columns })
    }
}

impl ChunkFormat {
    /// Whether a file in this encoding can be cut into pieces at line-break bytes (UTF-16
    /// cannot: its byte 0x0A may be half of a character).
    pub fn splits_at_line_breaks(&self) -> bool {
        !self.encoding.starts_with("UTF-16")
    }
}

/// A later piece of a file whose first piece was read as `format` says: `bytes` start at a
/// record boundary on line `first_line` of the file. Stray quotes are recovered and
/// repeated headers left out as in [`parse_csv`]; the warnings carry the file's line
/// numbers. The table (`None` when the piece holds no data row) and the line on which the
/// first record running to the piece's end starts (it may be cut short).
pub fn parse_chunk(
    bytes: &[u8],
    format: &ChunkFormat,
    options: &IngestOptions,
    first_line: u64,
) -> Result<(Option<Table>, Option<u64>), IngestError> {
    let decoded = decode(bytes, Some(format.encoding))?;
    let body = if format.delimiter == b' ' {
        std::borrow::Cow::Owned(collapse_whitespace(&decoded.text))
    } else {
        std::borrow::Cow::Borrowed(decoded.text.as_ref())
    };
    let mut builder = TableBuilder::new(options, decoded.bad_sequences > 0);
    builder.seen_first = true;
    builder.has_header = format.has_header;
    builder.raw_headers = format.raw_headers.clone();
    builder.expected_width = format.width;
    read_records(&body, format.delimiter, first_line, options, &mut builder, &mut |_| {})?;
    let cut_line = builder.cut_line;
    if builder.row_lines.is_empty() {
        // Blank lines, or a repeated header.
        return Ok((None, cut_line));
    }
    // Narrower pieces are padded to the first piece's columns.
    let n_rows = builder.row_lines.len();
    while builder.columns.len() < format.columns {
        let mut column = TextColumnBuilder::with_capacity(n_rows);
        column.push_empty(n_rows).map_err(|_| IngestError::TooLarge { column: builder.columns.len() })?;
        builder.columns.push(column);
    }
    let meta = TableMeta {
        delimiter: format.delimiter,
        encoding: format.encoding,
        encoding_reason: String::new(),
        bad_sequences: decoded.bad_sequences,
    };
    Ok((Some(builder.finish(meta, Vec::new(), options)?), cut_line))
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
    /// Lines to skip at the top of the file (titles, notes above the header).
    #[serde(default)]
    pub skip_lines: usize,
    /// Force an encoding (a WHATWG label: `utf-8`, `windows-1252`, ...) instead of detecting one.
    #[serde(default)]
    pub encoding: Option<String>,
    /// A quote that opens a field and swallows whole lines is taken as a stray character:
    /// its line is read without quotes (the default). Off: read as the CSV rules say.
    #[serde(default = "yes")]
    pub recover_stray_quotes: bool,
}

fn yes() -> bool {
    true
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            delimiter: None,
            header: None,
            missing_tokens: MISSING_TOKENS.iter().map(|t| (*t).to_owned()).collect(),
            skip_lines: 0,
            encoding: None,
            recover_stray_quotes: true,
        }
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
    parse_first_piece(bytes, options, progress).map(|(table, _)| table)
}

/// [`parse_csv_with_progress`] on the first piece of a file read in pieces: also the line
/// on which the first record running to the piece's end starts (it may be cut short).
pub fn parse_first_piece(
    bytes: &[u8],
    options: &IngestOptions,
    progress: &mut dyn FnMut(f64),
) -> Result<(Table, Option<u64>), IngestError> {
    let decoded = decode(bytes, options.encoding.as_deref())?;
    let Preamble { body, first_line, delimiter, warnings } = preamble(&decoded.text, options)?;
    let mut builder = TableBuilder::new(options, decoded.bad_sequences > 0);
    read_records(&body, delimiter, first_line, options, &mut builder, progress)?;
    let cut_line = builder.cut_line;
    let table = builder.finish(
        TableMeta { delimiter, encoding: decoded.encoding, encoding_reason: decoded.reason, bad_sequences: decoded.bad_sequences },
        warnings,
        options,
    )?;
    Ok((table, cut_line))
}

/// What comes before the records: the lines skipped (asked for, Excel's `sep=` line, a
/// title), the delimiter, and the text of the records (`body`, with runs of blanks made
/// one for the space delimiter) and its first line.
struct Preamble<'a> {
    body: std::borrow::Cow<'a, str>,
    first_line: u64,
    delimiter: u8,
    warnings: Vec<Warning>,
}

fn preamble<'a>(text: &'a str, options: &IngestOptions) -> Result<Preamble<'a>, IngestError> {
    if text.trim().is_empty() {
        return Err(IngestError::Empty);
    }
    let mut warnings = Vec::new();
    // Lines the user asked to skip (titles and notes above the header).
    let (mut start, mut first_line) = skip_lines(text, options.skip_lines);
    if options.skip_lines > 0 {
        warnings.push(
            Warning::new(
                WarningKind::SkippedLines,
                format!("the first {} line(s) were skipped, as you chose", first_line.saturating_sub(1)),
            )
            .at_line(1),
        );
    }
    let mut forced_delimiter = options.delimiter;
    // Excel's "sep=;" line names the delimiter and is not data.
    if let Some((delimiter, line_len)) = text.get(start..).and_then(excel_sep_line) {
        forced_delimiter = forced_delimiter.or(Some(delimiter));
        warnings.push(
            Warning::new(
                WarningKind::ExcelSep,
                format!(
                    "line {first_line} is Excel's “sep={}” line: the delimiter it names is used and the line is not read as data",
                    delimiter as char
                ),
            )
            .at_line(first_line),
        );
        start += line_len;
        first_line += 1;
    }
    let body = text.get(start..).unwrap_or("");
    if body.trim().is_empty() {
        return Err(IngestError::Empty);
    }
    let delimiter = forced_delimiter.unwrap_or_else(|| sniff_delimiter(body));
    // A title or a note above the header ("Customer report;;;"): skipped and said, unless
    // the user chose how many lines to skip.
    let mut body = body;
    if options.skip_lines == 0 && delimiter != b' ' {
        if let Some((bytes, lines)) = title_lines(body, delimiter) {
            warnings.push(
                Warning::new(
                    WarningKind::SkippedLines,
                    format!(
                        "{} above the header hold{} a single text and no data (a title?): skipped. If that is wrong, set “Skip first lines”",
                        lines_in_words(&(first_line..first_line + lines).collect::<Vec<_>>()),
                        if lines == 1 { "s" } else { "" }
                    ),
                )
                .at_line(first_line),
            );
            body = body.get(bytes..).unwrap_or("");
            first_line += lines;
        }
    }
    // Whitespace-separated logs (the CDNOW files, fixed-width exports) pad columns with runs
    // of spaces: with the space delimiter, any run of spaces or tabs separates two fields.
    let body = if delimiter == b' ' { std::borrow::Cow::Owned(collapse_whitespace(body)) } else { std::borrow::Cow::Borrowed(body) };
    Ok(Preamble { body, first_line, delimiter, warnings })
}

/// Reads every record of `body` into `builder`. A quoted field that swallows whole lines (a
/// quote that opens and never closes where it should) is detected: that line is read again
/// without quotes and reading resumes on the next line, so no customer vanishes into a cell.
fn read_records(
    body: &str,
    delimiter: u8,
    first_line: u64,
    options: &IngestOptions,
    builder: &mut TableBuilder,
    progress: &mut dyn FnMut(f64),
) -> Result<(), IngestError> {
    let bytes = body.as_bytes();
    let mut lines = LineCounter::new(bytes, first_line);
    let mut record = csv::ByteRecord::new();
    let total = bytes.len().max(1) as f64;
    // Fields a line should have, before the first record tells: the first line's, unquoted.
    let first_line_width = unquoted_fields(body.lines().find(|l| !l.trim().is_empty()).unwrap_or(""), delimiter).len();
    let mut base = 0usize;
    'readers: while let Some(rest) = bytes.get(base..) {
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(rest);
        loop {
            let more = reader.read_byte_record(&mut record).map_err(|e| IngestError::Malformed {
                line: lines.line_at(base + e.position().map_or(0, |p| p.byte()) as usize),
                message: e.to_string(),
            })?;
            if !more {
                break 'readers;
            }
            let record_end = base + reader.position().byte() as usize;
            // After a CRLF the csv crate starts the next record at the LF.
            let mut record_start = base + record.position().map_or(0, |p| p.byte()) as usize;
            while record_start < record_end && matches!(bytes.get(record_start), Some(b'\r' | b'\n')) {
                record_start += 1;
            }
            let line = lines.line_at(record_start);
            if record_end >= bytes.len() && builder.cut_line.is_none() {
                builder.cut_line = Some(line);
            }
            if record.as_slice().iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let width = if builder.seen_first { builder.expected_width } else { first_line_width };
            if options.recover_stray_quotes {
                if let Some(line_end) = swallowed_lines(bytes, record_start, record_end, record.len(), delimiter, width) {
                    let raw = body.get(record_start..line_end).unwrap_or("");
                    let cells = unquoted_fields(raw.trim_end_matches(['\r', '\n']), delimiter);
                    let swallowed = lines.count_to(record_end).saturating_sub(line);
                    builder.stray_quote(line, swallowed);
                    let cells: Vec<&[u8]> = cells.iter().map(|c| c.as_bytes()).collect();
                    builder.push(&cells, line)?;
                    base = line_end;
                    continue 'readers;
                }
            }
            let cells: Vec<&[u8]> = record.iter().collect();
            builder.push(&cells, line)?;
            builder.maybe_reserve(record_end, bytes.len());
            if builder.row_lines.len() % PROGRESS_EVERY == PROGRESS_EVERY - 1 {
                progress(record_end as f64 / total);
            }
        }
    }
    progress(1.0);
    Ok(())
}

/// Whether the record at `start..end` is a quoted field running over whole lines that look
/// like records of their own (at least `width − 1` delimiters), or to the end of the file:
/// then the end of the line where it starts. Quoted fields with a line break inside (a
/// note, an address) are normal and left alone: their inner lines are not record-like,
/// and the record has the expected number of fields.
fn swallowed_lines(bytes: &[u8], start: usize, end: usize, fields: usize, delimiter: u8, width: usize) -> Option<usize> {
    let region = bytes.get(start..end)?;
    let trimmed_len = region.iter().rposition(|b| !matches!(b, b'\r' | b'\n')).map_or(0, |i| i + 1);
    let region = region.get(..trimmed_len)?;
    // Reached the end of the file inside quotes: an odd number of quote characters.
    let to_the_end = end >= bytes.len() && memchr::memchr_iter(b'"', region).count() % 2 == 1;
    let Some(first_break) = memchr::memchr(b'\n', region) else {
        // One line, the last, whose quote never closes.
        return to_the_end.then_some(end);
    };
    // A quote must open a field on the first line for a field to span lines.
    if !region.get(..first_break)?.contains(&b'"') {
        return None;
    }
    let needed = width.saturating_sub(1).max(1);
    let record_like = |line: &[u8]| line.iter().filter(|&&b| b == delimiter).count() >= needed;
    let continuation: Vec<&[u8]> = region.get(first_break + 1..)?.split(|&b| b == b'\n').collect();
    let (last, inner) = continuation.split_last()?;
    let inner_records = inner.iter().any(|l| record_like(l));
    let wrong_width = fields != width && (record_like(last) || inner.iter().any(|l| l.contains(&delimiter)));
    (inner_records || wrong_width || to_the_end).then_some(start + first_break + 1)
}

/// Leading records (at most 10) that hold one text cell and nothing else, followed by a
/// record of the file's usual width with at least two filled fields: titles and notes above
/// the header. The bytes and lines they take.
fn title_lines(body: &str, delimiter: u8) -> Option<(usize, u64)> {
    use super::cells::numbers::{parse_number, DecimalSeparator};
    const MAX_TITLE_LINES: usize = 10;
    let sample = body.get(..body.len().min(64 * 1024)).unwrap_or(body);
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(sample.as_bytes());
    let mut records = Vec::new();
    let mut record = csv::StringRecord::new();
    while records.len() < 50 && matches!(reader.read_record(&mut record), Ok(true)) {
        let filled: Vec<&str> = record.iter().map(str::trim).filter(|f| !f.is_empty()).collect();
        // A title starts the line (a header whose first name is empty, as pandas writes an
        // index, does not).
        let first = record.get(0).map(str::trim).unwrap_or("");
        let single_text = filled.len() == 1 && !first.is_empty() && parse_number(first, DecimalSeparator::Point).is_none();
        records.push((record.len(), filled.len(), single_text, reader.position().byte() as usize));
    }
    let mut widths: Vec<usize> = records.iter().map(|r| r.0).collect();
    widths.sort_unstable();
    let usual = widths.get(widths.len() / 2).copied().filter(|&w| w >= 2)?;
    let titles = records.iter().take_while(|r| r.2).count();
    let next = records.get(titles)?;
    if titles == 0 || titles > MAX_TITLE_LINES || next.0 != usual || next.1 < 2 || records.len() < titles + 3 {
        return None;
    }
    let mut bytes = records.get(titles - 1)?.3;
    // Past the line break (and blank lines) after the last title.
    while matches!(body.as_bytes().get(bytes), Some(b'\r' | b'\n')) {
        bytes += 1;
    }
    let lines = memchr::memchr_iter(b'\n', body.as_bytes().get(..bytes)?).count() as u64;
    (lines > 0).then_some((bytes, lines))
}

/// A line's fields cut at the delimiter with quotes taken as ordinary characters.
fn unquoted_fields(line: &str, delimiter: u8) -> Vec<String> {
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).quoting(false).from_reader(line.as_bytes());
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => record.iter().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// The byte offset after the first `n` lines, and the 1-based number of the line there.
fn skip_lines(text: &str, n: usize) -> (usize, u64) {
    let mut offset = 0usize;
    let mut line = 1u64;
    for _ in 0..n {
        match memchr::memchr(b'\n', text.as_bytes().get(offset..).unwrap_or(&[])) {
            Some(i) => {
                offset += i + 1;
                line += 1;
            }
            None => return (text.len(), line),
        }
    }
    (offset, line)
}

/// Excel's first line `sep=;` (any one-character delimiter): the delimiter and the line's
/// length with its line break.
fn excel_sep_line(text: &str) -> Option<(u8, usize)> {
    let line_len = text.find('\n').map_or(text.len(), |i| i + 1);
    let line = text.get(..line_len)?.trim_end_matches(['\r', '\n']);
    if !line.get(..4)?.eq_ignore_ascii_case("sep=") {
        return None;
    }
    let value = line.get(4..)?;
    let value = if value == "\\t" { "\t" } else { value };
    match value.as_bytes() {
        [d] if !d.is_ascii_alphanumeric() && *d != b'"' => Some((*d, line_len)),
        _ => None,
    }
}

/// What the reading found out beyond the cells.
#[derive(Debug)]
struct TableMeta {
    delimiter: u8,
    encoding: &'static str,
    encoding_reason: String,
    bad_sequences: usize,
}

/// Collects records into columns, with the header, ragged rows and what was recovered.
#[derive(Debug)]
struct TableBuilder {
    header_option: Option<bool>,
    raw_headers: Vec<String>,
    has_header: bool,
    seen_first: bool,
    expected_width: usize,
    columns: Vec<TextColumnBuilder>,
    row_lines: Vec<u64>,
    ragged: Vec<RaggedRow>,
    /// Lines repeating the header, left out.
    repeated_headers: Vec<u64>,
    /// (line where a stray quote opened, lines it would have swallowed).
    stray_quotes: Vec<(u64, u64)>,
    /// Look for U+FFFD in cells (the decoder replaced invalid bytes).
    find_bad_bytes: bool,
    /// (line, column) of cells holding a replaced byte sequence.
    bad_cells: Vec<(u64, usize)>,
    sized: bool,
    /// The line on which the first record that runs to the end of the text starts (in a
    /// piece of a file, it may be cut short).
    cut_line: Option<u64>,
}

impl TableBuilder {
    fn new(options: &IngestOptions, find_bad_bytes: bool) -> Self {
        Self {
            header_option: options.header,
            raw_headers: Vec::new(),
            has_header: false,
            seen_first: false,
            expected_width: 0,
            columns: Vec::new(),
            row_lines: Vec::new(),
            ragged: Vec::new(),
            repeated_headers: Vec::new(),
            stray_quotes: Vec::new(),
            find_bad_bytes,
            bad_cells: Vec::new(),
            sized: false,
            cut_line: None,
        }
    }

    fn stray_quote(&mut self, line: u64, swallowed: u64) {
        self.stray_quotes.push((line, swallowed));
    }

    /// One record: the header, a repeated header, or a data row.
    fn push(&mut self, record: &[&[u8]], line: u64) -> Result<(), IngestError> {
        if self.find_bad_bytes {
            for (c, cell) in record.iter().enumerate() {
                if cell.windows(3).any(|w| w == "\u{FFFD}".as_bytes()) {
                    self.bad_cells.push((line, c));
                }
            }
        }
        if !self.seen_first {
            self.seen_first = true;
            let cells: Vec<String> = record.iter().map(|f| field_text(f).to_owned()).collect();
            self.has_header = self.header_option.unwrap_or_else(|| looks_like_header(&cells));
            self.expected_width = cells.len();
            if self.has_header {
                self.raw_headers = cells;
                return Ok(());
            }
        }
        if self.has_header && self.repeats_header(record) {
            self.repeated_headers.push(line);
            return Ok(());
        }
        let row = self.row_lines.len();
        while self.columns.len() < record.len() {
            // A row wider than any before: a new column, empty for the rows already read.
            let mut column = TextColumnBuilder::with_capacity(row + 1);
            column.push_empty(row).map_err(|_| IngestError::TooLarge { column: self.columns.len() })?;
            self.columns.push(column);
        }
        for (c, column) in self.columns.iter_mut().enumerate() {
            column.push(record.get(c).copied().unwrap_or(&[])).map_err(|_| IngestError::TooLarge { column: c })?;
        }
        if record.len() != self.expected_width {
            self.ragged.push(RaggedRow { row, line, fields: record.len() });
        }
        self.row_lines.push(line);
        Ok(())
    }

    /// Every cell equals the header's (trimmed, ignoring case), and the header has names.
    fn repeats_header(&self, record: &[&[u8]]) -> bool {
        record.len() == self.raw_headers.len()
            && self.raw_headers.iter().any(|h| !h.trim().is_empty())
            && record.iter().zip(&self.raw_headers).all(|(cell, h)| field_text(cell).trim().eq_ignore_ascii_case(h.trim()))
    }

    /// Once, after the first rows: size the buffers for the whole file (no regrowth copies).
    fn maybe_reserve(&mut self, read: usize, total: usize) {
        let rows = self.row_lines.len();
        if self.sized || rows < SIZE_SAMPLE_ROWS {
            return;
        }
        self.sized = true;
        let factor = (total as f64 / read.max(1) as f64 - 1.0).max(0.0) * 1.05;
        let more_rows = (rows as f64 * factor) as usize;
        self.row_lines.reserve(more_rows);
        for column in &mut self.columns {
            column.reserve(more_rows, (column.byte_len() as f64 * factor) as usize);
        }
    }

    fn finish(mut self, meta: TableMeta, mut warnings: Vec<Warning>, options: &IngestOptions) -> Result<Table, IngestError> {
        if self.row_lines.is_empty() {
            return Err(if self.has_header { IngestError::NoRows } else { IngestError::Empty });
        }
        // A header wider than every row still names its columns.
        let n_rows = self.row_lines.len();
        while self.columns.len() < self.raw_headers.len() {
            let mut column = TextColumnBuilder::with_capacity(n_rows);
            column.push_empty(n_rows).map_err(|_| IngestError::TooLarge { column: self.columns.len() })?;
            self.columns.push(column);
        }
        let columns = self
            .columns
            .into_iter()
            .enumerate()
            .map(|(c, b)| {
                b.finish().ok_or_else(|| IngestError::Malformed {
                    line: 0,
                    message: format!("column {} is not valid text after decoding: please report this file", c + 1),
                })
            })
            .collect::<Result<Vec<TextColumn>, _>>()?;
        let headers = unique_headers(&self.raw_headers, columns.len());
        for &(line, swallowed) in &self.stray_quotes {
            warnings.push(
                Warning::new(
                    WarningKind::StrayQuote,
                    format!(
                        "line {line}: a quote opens a field that never closes ({}): \
                         the line was read as text to its end, without quotes{}. Check that line in the file.",
                        match swallowed {
                            0 => "it runs to the end of the file".to_owned(),
                            1 => "it would have swallowed the next line into one cell".to_owned(),
                            n => format!("it would have swallowed the next {n} lines into one cell"),
                        },
                        if swallowed > 0 { ", and the lines after it as rows of their own" } else { "" }
                    ),
                )
                .at_line(line),
            );
        }
        const BAD_CELLS_SHOWN: usize = 20;
        for &(line, column) in self.bad_cells.iter().take(BAD_CELLS_SHOWN) {
            let name = headers.get(column).cloned().unwrap_or_else(|| format!("column {}", column + 1));
            // The header is read before the first row.
            let header_line = self.has_header && line < self.row_lines.first().copied().unwrap_or(0);
            warnings.push(
                Warning::new(
                    WarningKind::BadBytes,
                    format!(
                        "line {line}, {}“{name}”: bytes that are not valid {} were replaced by �; the rest of the file is read as {}. \
                         If the file was saved in another encoding (Windows-1252, Latin-1), choose it under “Encoding”.",
                        if header_line { "header of " } else { "column " },
                        meta.encoding,
                        meta.encoding
                    ),
                )
                .at_line(line)
                .in_column(name),
            );
        }
        if self.bad_cells.len() > BAD_CELLS_SHOWN {
            warnings.push(Warning::new(
                WarningKind::BadBytes,
                format!(
                    "{} more cells hold invalid bytes ({} sequences in all), replaced by �",
                    self.bad_cells.len() - BAD_CELLS_SHOWN,
                    meta.bad_sequences
                ),
            ));
        }
        if let Some(&first) = self.repeated_headers.first() {
            warnings.push(
                Warning::new(
                    WarningKind::RepeatedHeader,
                    format!(
                        "{} repeat{} the header row (files joined together?): left out, they are not customers",
                        lines_in_words(&self.repeated_headers),
                        if self.repeated_headers.len() == 1 { "s" } else { "" }
                    ),
                )
                .at_line(first),
            );
        }
        Ok(Table {
            headers,
            raw_headers: self.raw_headers,
            has_header: self.has_header,
            columns,
            row_lines: self.row_lines,
            ragged: self.ragged,
            expected_width: self.expected_width,
            delimiter: meta.delimiter,
            encoding: meta.encoding,
            encoding_reason: meta.encoding_reason,
            warnings,
            missing_tokens: options.missing_tokens.iter().map(|t| t.trim().to_lowercase()).collect(),
            longest_missing_token: options.missing_tokens.iter().map(|t| t.trim().len()).max().unwrap_or(0),
        })
    }
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
    /// Counts lines of `bytes`, the first of which is line `first_line` of the file.
    fn new(bytes: &'a [u8], first_line: u64) -> Self {
        let lone_cr = memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'));
        Self { bytes, offset: 0, line: first_line, lf_only: !lone_cr }
    }

    /// The line on which byte `end` is, without moving past it for later calls' sake when
    /// it is further than the next record (it only counts; `line_at` must still be called
    /// in increasing order).
    fn count_to(&self, end: usize) -> u64 {
        let chunk = self.bytes.get(self.offset..end.min(self.bytes.len())).unwrap_or(&[]);
        let trimmed = chunk.iter().rposition(|b| !matches!(b, b'\r' | b'\n')).map_or(&[][..], |i| chunk.get(..=i).unwrap_or(&[]));
        self.line + memchr::memchr_iter(b'\n', trimmed).count() as u64
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
    fn customers(n: usize) -> String {
        let mut s = String::from("id,age,income,score,visits,city\n");
        for i in 0..n {
            s.push_str(&format!("C{i:05},{},{},{}.5,{},Paris\n", 20 + i % 50, 30_000 + i * 100, i % 90, i % 7));
        }
        s
    }

    fn kinds(t: &Table) -> Vec<&'static str> {
        t.warnings.iter().map(|w| w.kind.as_str()).collect()
    }

    #[test]
    fn a_stray_quote_loses_no_customer() {
        let mut lines: Vec<String> = customers(200).lines().map(str::to_owned).collect();
        lines[191] = "C99999,\"44,51000,88.5,3,Paris".to_owned();
        let t = parse(&(lines.join("\n") + "\n"));
        assert_eq!(t.n_rows(), 200, "every customer is a row");
        assert_eq!(kinds(&t), ["stray-quote"]);
        assert_eq!(t.warnings[0].line, Some(192));
        assert!(t.warnings[0].message.starts_with("line 192: a quote opens a field that never closes"), "{}", t.warnings[0].message);
        assert_eq!([t.cell(190, 0), t.cell(190, 1), t.cell(190, 2)], ["C99999", "\"44", "51000"]);
        assert_eq!([t.cell(191, 0), t.cell(191, 5)], ["C00191", "Paris"]);
        assert_eq!(t.row_lines[191], 193);
        // Early in the file, and with a later quoted field that would close it.
        let mut lines: Vec<String> = customers(50).lines().map(str::to_owned).collect();
        lines[2] = "C00001,\"31,30100,1.5,1,Paris".to_owned();
        lines[40] = "C00039,59,33900,\"39.5\",4,Paris".to_owned();
        let t = parse(&(lines.join("\n") + "\n"));
        assert_eq!(t.n_rows(), 50);
        assert_eq!(t.warnings.iter().filter_map(|w| w.line).collect::<Vec<_>>(), [3]);
        assert_eq!(t.cell(39, 3), "39.5");
        // The same with Windows line ends (the csv crate starts a record at the LF of the
        // CRLF before it).
        let t = parse(&(lines.join("\r\n") + "\r\n"));
        assert_eq!(t.n_rows(), 50);
        assert_eq!(t.warnings.iter().filter_map(|w| w.line).collect::<Vec<_>>(), [3]);
        assert_eq!([t.cell(1, 0), t.cell(1, 1), t.cell(2, 0)], ["C00001", "\"31", "C00002"]);
        // Off: the CSV rules as written (and nothing recovered).
        let options = IngestOptions { recover_stray_quotes: false, ..IngestOptions::default() };
        let t = parse_csv((lines.join("\n") + "\n").as_bytes(), &options).unwrap();
        assert!(t.n_rows() < 50);
    }

    #[test]
    fn multi_line_notes_are_not_stray_quotes() {
        let t = parse("id,note,spend\n1,\"Smith, J\nsaid hi\",10\n2,\"plain\",20\n3,\"two\nlines, here\",30\n");
        assert_eq!(t.n_rows(), 3);
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
        assert_eq!(t.cell(2, 1), "two\nlines, here");
        // The last line's quote never closes: read without quotes, said.
        let t = parse("id,address,age\n1,\"1 Main St\",30\n2,\"2 Main St,40\n");
        assert_eq!((t.n_rows(), t.cell(1, 2)), (2, "40"));
        assert_eq!((kinds(&t), t.warnings[0].line), (vec!["stray-quote"], Some(3)));
    }

    #[test]
    fn bad_bytes_stay_in_their_cell() {
        let mut bytes = b"name,city,spend\nFran\xc3\xa7oise,Z\xc3\xbcrich,10\nAnna,Lyon,20\n".to_vec();
        bytes.extend_from_slice(b"M\xfcller\xff\xc3(,Bern,30\n");
        let t = parse_csv(&bytes, &IngestOptions::default()).unwrap();
        assert_eq!(t.encoding, "UTF-8");
        assert_eq!([t.cell(0, 0), t.cell(0, 1)], ["Françoise", "Zürich"]);
        assert_eq!(t.cell(2, 0), "M\u{FFFD}ller\u{FFFD}\u{FFFD}(");
        assert_eq!(kinds(&t), ["bad-bytes"]);
        assert_eq!((t.warnings[0].line, t.warnings[0].column.as_deref()), (Some(4), Some("name")));
    }

    #[test]
    fn excel_sep_line_is_honoured() {
        let t = parse("sep=;\r\nname;spend\r\nA;1,5\r\nB;2,5\r\n");
        assert_eq!((t.delimiter, t.headers.clone(), t.n_rows()), (b';', vec!["name".to_owned(), "spend".to_owned()], 2));
        assert_eq!(t.row_lines, [3, 4]);
        assert_eq!(kinds(&t), ["excel-sep"]);
        assert_eq!(parse("SEP=,\nname,x\na,1\n").headers, ["name", "x"]);
    }

    #[test]
    fn repeated_headers_are_left_out_and_named() {
        let t = parse("id,age\n1,20\n2,30\nid,age\n3,40\n ID , Age \n4,50\n");
        assert_eq!(t.n_rows(), 4);
        assert_eq!(t.row_lines, [2, 3, 5, 7]);
        assert_eq!(kinds(&t), ["repeated-header"]);
        assert_eq!(t.warnings[0].line, Some(4));
        assert!(t.warnings[0].message.starts_with("lines 4 and 6 repeat the header row"), "{}", t.warnings[0].message);
    }

    #[test]
    fn lines_above_the_header_can_be_skipped() {
        let options = IngestOptions { skip_lines: 2, ..IngestOptions::default() };
        let t = parse_csv(b"Sales report\nexported 2026-01-01\nname,spend\nA,1\nB,2\n", &options).unwrap();
        assert_eq!((t.headers.clone(), t.row_lines.clone()), (vec!["name".to_owned(), "spend".to_owned()], vec![4, 5]));
        assert_eq!(kinds(&t), ["skipped-lines"]);
        let options = IngestOptions { skip_lines: 9, ..IngestOptions::default() };
        assert_eq!(parse_csv(b"a,b\n1,2\n", &options), Err(IngestError::Empty));
    }

    #[test]
    fn title_lines_above_the_header_are_skipped_and_said() {
        let t = parse("Rapport clients;;;\r\nExport du 30/11/2026;;;\r\n\r\nClient;Age;Revenu;Ville\r\n1;30;10,5;Lyon\r\n2;40;20,5;Nice\r\n3;50;30,5;Lyon\r\n");
        assert_eq!(t.headers, ["Client", "Age", "Revenu", "Ville"]);
        assert_eq!((t.n_rows(), t.row_lines.clone()), (3, vec![5, 6, 7]));
        assert_eq!(kinds(&t), ["skipped-lines"]);
        assert!(t.warnings[0].message.starts_with("lines 1, 2 and 3 above the header"), "{}", t.warnings[0].message);
        // A header, data with one value, numbers alone: not titles.
        assert_eq!(parse("name,x\nA,1\nB,2\nC,3\n").n_rows(), 3);
        assert_eq!(parse("x,y\n5,\n1,2\n3,4\n4,5\n").n_rows(), 4);
        assert!(parse("x,y\n5,\n1,2\n3,4\n4,5\n").warnings.is_empty());
        assert_eq!(parse(",x\n428465,1\n223280,5\n10,2\n").headers, ["column_1", "x"]);
    }
}
