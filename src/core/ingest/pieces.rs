//! A file held whole, read on several workers: its records cut into pieces at line breaks
//! ([`split`]), each piece read on its own ([`read_piece`]), and the pieces' rows put
//! together in order ([`Split::assemble`]) into the very table [`super::parse_csv`] reads,
//! warnings and all.
//!
//! Why it is the same table: the pieces are cut only where a record must end. A file is
//! cut only when no line ends with a lone CR and every quote it holds opens or closes a
//! field on one line (or is doubled inside it): then every line break ends a record,
//! wherever the reading started, and the line count is the same whether the file is
//! counted whole or piece by piece. What one record
//! leaves to the next (the header, the width rows should have) is read first from the
//! first record, and every piece starts from it. The rows are put together before the
//! table is finished, so the warnings are made once, over the whole file. Any other file
//! (a stray quote, a quoted field over several lines, old Mac line ends, too small to be
//! worth it) is read whole (`split` gives `None`).

use std::borrow::Cow;

use super::column::TextColumnBuilder;
use super::{decode, preamble, read_records, IngestError, IngestOptions, Preamble, RaggedRow, Table, TableBuilder, TableMeta};
use crate::core::warning::Warning;

/// Files smaller than this are read whole: the hand-over would cost more than it saves.
pub const MIN_SPLIT_BYTES: usize = 1 << 20;

/// What every piece is read with: what the first record told.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PieceFormat {
    pub delimiter: u8,
    pub has_header: bool,
    pub raw_headers: Vec<String>,
    pub expected_width: usize,
    /// The decoder replaced invalid bytes somewhere in the file: look for them in cells.
    pub find_bad_bytes: bool,
}

/// A file's records cut into pieces: the text, where each piece starts and on which line.
#[derive(Debug)]
pub struct Split<'a> {
    body: Cow<'a, str>,
    /// Byte ranges of `body`, in order, covering it.
    ranges: Vec<(usize, usize)>,
    /// The file's line on which each piece starts.
    first_lines: Vec<u64>,
    pub format: PieceFormat,
    meta: TableMeta,
    warnings: Vec<Warning>,
}

/// The rows one piece holds, before the table is finished.
#[derive(Debug, Default)]
pub struct PieceRows {
    /// Each column's text and each cell's end in it.
    pub columns: Vec<(Vec<u8>, Vec<u32>)>,
    pub row_lines: Vec<u64>,
    /// Rows of the wrong width; `row` counts from the piece's first row.
    pub ragged: Vec<RaggedRow>,
    pub repeated_headers: Vec<u64>,
    pub bad_cells: Vec<(u64, usize)>,
}

impl PieceRows {
    fn from_builder(builder: TableBuilder) -> Self {
        Self {
            columns: builder.columns.into_iter().map(TextColumnBuilder::into_parts).collect(),
            row_lines: builder.row_lines,
            ragged: builder.ragged,
            repeated_headers: builder.repeated_headers,
            bad_cells: builder.bad_cells,
        }
    }
}

/// `bytes` decoded and cut into at most `pieces` pieces of about equal size at line breaks,
/// or `None` when the file must be read whole ([`super::parse_csv`]): one piece asked
/// for, a file under [`MIN_SPLIT_BYTES`], a quote that does not open and close a field on
/// one line, a lone CR, or a file that cannot be read at all (the whole reading says why).
pub fn split<'a>(bytes: &'a [u8], options: &IngestOptions, pieces: usize) -> Option<Split<'a>> {
    split_from(bytes, options, pieces, MIN_SPLIT_BYTES)
}

/// [`split`] for files of at least `min_bytes`.
pub fn split_from<'a>(bytes: &'a [u8], options: &IngestOptions, pieces: usize, min_bytes: usize) -> Option<Split<'a>> {
    if pieces < 2 || bytes.len() < min_bytes {
        return None;
    }
    let decoded = decode(bytes, options.encoding.as_deref()).ok()?;
    let (encoding, encoding_reason, bad_sequences) = (decoded.encoding, decoded.reason.clone(), decoded.bad_sequences);
    let (body, first_line, delimiter, warnings) = match decoded.text {
        Cow::Borrowed(text) => {
            let Preamble { body, first_line, delimiter, warnings } = preamble(text, options).ok()?;
            (body, first_line, delimiter, warnings)
        }
        Cow::Owned(text) => {
            let Preamble { body, first_line, delimiter, warnings } = preamble(&text, options).ok()?;
            (Cow::Owned(body.into_owned()), first_line, delimiter, warnings)
        }
    };
    let text = body.as_bytes();
    if memchr::memchr_iter(b'\r', text).any(|i| text.get(i + 1) != Some(&b'\n')) {
        return None;
    }
    if memchr::memchr(b'"', text).is_some() && !quotes_stay_on_their_line(text, delimiter) {
        return None;
    }
    // The first record (the first line with more than blanks) tells the header and width.
    let mut first = TableBuilder::new(options, bad_sequences > 0);
    let mut at = 0usize;
    while !first.seen_first && at < text.len() {
        let end = memchr::memchr(b'\n', text.get(at..)?).map_or(text.len(), |i| at + i + 1);
        read_records(body.get(at..end)?, delimiter, first_line, options, &mut first, &mut |_| {}).ok()?;
        at = end;
    }
    if !first.seen_first {
        return None;
    }
    let format = PieceFormat {
        delimiter,
        has_header: first.has_header,
        raw_headers: first.raw_headers,
        expected_width: first.expected_width,
        find_bad_bytes: bad_sequences > 0,
    };
    // Cut after the line break nearest past each equal share.
    let share = text.len() / pieces;
    let mut ranges = Vec::with_capacity(pieces);
    let mut first_lines = Vec::with_capacity(pieces);
    let (mut start, mut line) = (0usize, first_line);
    for i in 1..=pieces {
        let target = if i == pieces { text.len() } else { (share * i).max(start) };
        let end = match text.get(target..).and_then(|rest| memchr::memchr(b'\n', rest)) {
            Some(j) if i < pieces => target + j + 1,
            _ => text.len(),
        };
        if end > start {
            ranges.push((start, end));
            first_lines.push(line);
            line += memchr::memchr_iter(b'\n', text.get(start..end)?).count() as u64;
        }
        start = end;
    }
    let meta = TableMeta { delimiter, encoding, encoding_reason, bad_sequences };
    Some(Split { body, ranges, first_lines, format, meta, warnings })
}

/// Whether every quote of `text` is one the csv reader reads as quoting, in a field that
/// ends on its own line: a quote opens a field (right after a delimiter or a line break, or
/// at the start), a doubled quote stands inside it, and the closing quote is followed by a
/// delimiter or the line's end. No quoted field holds a line break. Then every line break
/// ends a record, as in a file without quotes, and the reader's stray-quote recovery never
/// starts (it looks only at quotes that run past their line). Anything else (a quote
/// inside a bare field, text after a closing quote, a quote never closed, a note over
/// several lines) answers `false`, and the file is read whole. The delimiters the sniffer
/// picks for quoted files only: a run of spaces is read by its own rules.
pub fn quotes_stay_on_their_line(text: &[u8], delimiter: u8) -> bool {
    if !matches!(delimiter, b',' | b';' | b'\t' | b'|') {
        return false;
    }
    // Where the current field starts, and the state of its quotes.
    enum Field {
        Bare,
        Quoted,
        /// A quote at this index closed the field, or starts a doubled one.
        Closed(usize),
    }
    let (mut start, mut field) = (0usize, Field::Bare);
    for i in memchr::memchr3_iter(b'"', delimiter, b'\n', text) {
        let byte = text.get(i).copied().unwrap_or(b'\n');
        field = match (field, byte) {
            (Field::Bare, b'"') if i == start => Field::Quoted,
            (Field::Bare, b'"') => return false,
            (Field::Bare, _) => {
                start = i + 1;
                Field::Bare
            }
            (Field::Quoted, b'"') => Field::Closed(i),
            (Field::Quoted, b'\n') => return false,
            (Field::Quoted, _) => Field::Quoted,
            (Field::Closed(q), b'"') if i == q + 1 => Field::Quoted,
            (Field::Closed(q), b'\n') if i == q + 1 || (i == q + 2 && text.get(q + 1) == Some(&b'\r')) => {
                start = i + 1;
                Field::Bare
            }
            (Field::Closed(q), b) if b == delimiter && i == q + 1 => {
                start = i + 1;
                Field::Bare
            }
            (Field::Closed(_), _) => return false,
        };
    }
    match field {
        Field::Bare => true,
        Field::Quoted => false,
        Field::Closed(q) => text.get(q + 1..).is_some_and(|rest| rest.is_empty() || rest == b"\r"),
    }
}

impl Split<'_> {
    /// Pieces.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Piece `i`'s text and the file's line it starts on.
    pub fn piece(&self, i: usize) -> Option<(&str, u64)> {
        let &(start, end) = self.ranges.get(i)?;
        Some((self.body.get(start..end)?, *self.first_lines.get(i)?))
    }

    /// Reads every piece here, one after the other (what the workers do side by side).
    pub fn read_here(&self, options: &IngestOptions) -> Result<Vec<PieceRows>, IngestError> {
        (0..self.len())
            .map(|i| {
                let (text, line) = self.piece(i).unwrap_or(("", 0));
                read_piece(text, &self.format, options, line, i == 0)
            })
            .collect()
    }

    /// The table of the pieces' rows, in order: [`super::parse_csv`]'s table of the file.
    pub fn assemble(self, pieces: Vec<PieceRows>, options: &IngestOptions) -> Result<Table, IngestError> {
        let mut assembler = self.assembler(options);
        let widths = pieces.iter().map(|p| p.columns.len()).max().unwrap_or(0);
        let column_bytes: Vec<usize> =
            (0..widths).map(|c| pieces.iter().map(|p| p.columns.get(c).map_or(0, |(text, _)| text.len())).sum()).collect();
        assembler.reserve(pieces.iter().map(|p| p.row_lines.len()).sum(), &column_bytes);
        for piece in pieces {
            assembler.push(piece)?;
        }
        assembler.finish(options)
    }

    /// What [`Split::assemble`] needs of the split, owned: the rows can then be put
    /// together after the file's text is let go, one piece at a time.
    pub fn assembler(self, options: &IngestOptions) -> Assembler {
        let mut builder = TableBuilder::new(options, self.format.find_bad_bytes);
        builder.seen_first = true;
        builder.has_header = self.format.has_header;
        builder.raw_headers = self.format.raw_headers;
        builder.expected_width = self.format.expected_width;
        Assembler { builder, meta: self.meta, warnings: self.warnings }
    }
}

/// A split's table put together from its pieces' rows, in order ([`Split::assembler`]).
#[derive(Debug)]
pub struct Assembler {
    builder: TableBuilder,
    meta: TableMeta,
    warnings: Vec<Warning>,
}

impl Assembler {
    /// Room for `rows` more rows and, per column, `column_bytes` more bytes of text, so
    /// each column is one allocation of its size instead of one that doubles as it grows.
    pub fn reserve(&mut self, rows: usize, column_bytes: &[usize]) {
        let builder = &mut self.builder;
        let before = builder.row_lines.len();
        builder.row_lines.reserve(rows);
        for (c, &bytes) in column_bytes.iter().enumerate() {
            if builder.columns.len() <= c {
                let mut column = TextColumnBuilder::with_capacity(0);
                // Columns past the rows before: empty for them (as `push` makes them).
                if column.push_empty(before).is_err() {
                    continue;
                }
                builder.columns.push(column);
            }
            if let Some(column) = builder.columns.get_mut(c) {
                column.reserve(rows, bytes);
            }
        }
    }

    /// Appends the next piece's rows (pieces in file order).
    pub fn push(&mut self, piece: PieceRows) -> Result<(), IngestError> {
        let builder = &mut self.builder;
        let rows = builder.row_lines.len();
        let piece_rows = piece.row_lines.len();
        // A piece wider than the rows before adds columns, empty for those rows; a
        // narrower one leaves its rows' cells empty in the columns it lacks.
        while builder.columns.len() < piece.columns.len() {
            let mut column = TextColumnBuilder::with_capacity(rows);
            column.push_empty(rows).map_err(|_| IngestError::TooLarge { column: builder.columns.len() })?;
            builder.columns.push(column);
        }
        let mut theirs = piece.columns.into_iter();
        for (c, column) in builder.columns.iter_mut().enumerate() {
            match theirs.next() {
                Some((text, ends)) if ends.len() == piece_rows && rising_within(&ends, text.len()) => column.append_parts(&text, &ends),
                Some(_) => {
                    return Err(IngestError::Malformed { line: 0, message: format!("a piece of column {} came back damaged", c + 1) })
                }
                None => column.push_empty(piece_rows),
            }
            .map_err(|_| IngestError::TooLarge { column: c })?;
        }
        builder.ragged.extend(piece.ragged.into_iter().map(|r| RaggedRow { row: r.row + rows, ..r }));
        builder.row_lines.extend(piece.row_lines);
        builder.repeated_headers.extend(piece.repeated_headers);
        builder.bad_cells.extend(piece.bad_cells);
        Ok(())
    }

    /// The table, finished once.
    pub fn finish(self, options: &IngestOptions) -> Result<Table, IngestError> {
        self.builder.finish(self.meta, self.warnings, options)
    }
}

/// Whether cell ends rise and stay within `len` bytes.
fn rising_within(ends: &[u32], len: usize) -> bool {
    ends.windows(2).all(|w| w.first() <= w.get(1)) && ends.last().is_none_or(|&e| e as usize <= len)
}

/// Reads one piece of a [`Split`] (`first`: the piece holding the first record, read as
/// the whole file's start is).
pub fn read_piece(
    text: &str,
    format: &PieceFormat,
    options: &IngestOptions,
    first_line: u64,
    first: bool,
) -> Result<PieceRows, IngestError> {
    let mut builder = TableBuilder::new(options, format.find_bad_bytes);
    if !first {
        builder.seen_first = true;
        builder.has_header = format.has_header;
        builder.raw_headers = format.raw_headers.clone();
        builder.expected_width = format.expected_width;
    }
    read_records(text, format.delimiter, first_line, options, &mut builder, &mut |_| {})?;
    Ok(PieceRows::from_builder(builder))
}

#[cfg(test)]
mod tests;
