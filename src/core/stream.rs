//! Files bigger than memory: read in pieces, twice.
//!
//! The first pass ([`sample`]) reads the file piece by piece, counts its rows and keeps a
//! seeded uniform sample of them as a [`Table`]: profiling, cleaning, the k search and the
//! fit run on that sample as on any file. The second pass ([`export_segmented`]) reads the
//! file again and writes every row with its segment (the fitted model applied to it,
//! [`apply_model`]), piece by piece into a sink: the export never sits in memory whole.
//! Memory is the sample plus one piece, whatever the file's size.
//!
//! Pieces end where records end ([`PieceReader`]). The first piece is read with every
//! sniffing `parse_csv` does (encoding, delimiter, header, titles, Excel's `sep=` line);
//! a later piece whose line breaks all end records is cut after its last one, unread, for
//! any worker to read ([`read_cut_piece`]); any other is read as the first piece says
//! ([`parse_chunk`]) and ends where its last record starts. Each row's place in the sample
//! is its own draw ([`row_draw`]), so the pool's helpers can read the pieces side by side
//! and give the sample this module gives.

use sha2::{Digest, Sha256};

use super::export::segmented_csv_part;
use super::ingest::{parse_chunk, parse_first_piece, ChunkFormat, IngestError, IngestOptions, Table};
use super::model::{apply_model, SavedModel};
use super::pipeline::{PipelineError, PipelineErrorKind};

/// Bytes read at a time: large enough that the per-piece work is noise, small enough that
/// a piece and its table are a few tens of MB.
pub const CHUNK_BYTES: usize = 16 << 20;

/// The smallest piece, however small the budget.
const MIN_PIECE_BYTES: usize = 64 << 10;
// `piece_bytes_for` clamps between the two: `clamp` panics if they are ever reversed.
const _: () = assert!(MIN_PIECE_BYTES <= CHUNK_BYTES);

/// The pieces' size under a memory budget of `budget_bytes`: [`CHUNK_BYTES`], or an eighth
/// of a smaller budget (at least 64 KB), since a piece is in memory several times at once
/// (its bytes, its table, and one more on each helper).
pub fn piece_bytes_for(budget_bytes: u64) -> usize {
    usize::try_from(budget_bytes / 8).unwrap_or(usize::MAX).clamp(MIN_PIECE_BYTES, CHUNK_BYTES)
}

/// Where the bytes come from: a `File` in the browser (read slice by slice), a file on
/// disk, or bytes in memory.
pub trait ByteSource {
    /// The file's size in bytes.
    fn size(&self) -> u64;
    /// The bytes `start..end` (`end` at most the size).
    fn read(&mut self, start: u64, end: u64) -> Result<Vec<u8>, String>;
}

/// Bytes already in memory (tests, and small files).
pub struct SliceSource<'a>(pub &'a [u8]);

impl ByteSource for SliceSource<'_> {
    fn size(&self) -> u64 {
        self.0.len() as u64
    }

    fn read(&mut self, start: u64, end: u64) -> Result<Vec<u8>, String> {
        let (start, end) = (usize::try_from(start).map_err(|e| e.to_string())?, usize::try_from(end).map_err(|e| e.to_string())?);
        self.0.get(start..end).map(<[u8]>::to_vec).ok_or_else(|| format!("bytes {start}..{end} are past the end"))
    }
}

/// The byte at which line `line` starts, in `bytes` that start on line `first_line`: past
/// the line breaks before it, counted as the reader counts them (LF; a lone CR too when the
/// piece has one). `None` past the end.
fn line_start(bytes: &[u8], first_line: u64, line: u64) -> Option<usize> {
    let lines_before = usize::try_from(line.checked_sub(first_line)?).ok()?;
    if lines_before == 0 {
        return Some(0);
    }
    breaks(bytes).nth(lines_before - 1).map(|i| i + 1)
}

/// The line breaks of `bytes` as the reader counts them: each LF, and each lone CR when
/// there is one.
fn breaks(bytes: &[u8]) -> Box<dyn Iterator<Item = usize> + '_> {
    let lone_cr = memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'));
    if lone_cr {
        Box::new(
            memchr::memchr2_iter(b'\r', b'\n', bytes).filter(move |&i| bytes.get(i) == Some(&b'\n') || bytes.get(i + 1) != Some(&b'\n')),
        )
    } else {
        Box::new(memchr::memchr_iter(b'\n', bytes))
    }
}

/// How many lines `bytes` add to the count.
fn line_breaks(bytes: &[u8]) -> u64 {
    breaks(bytes).count() as u64
}

/// The end of a piece that is not the file's last, when it may be cut at a line break
/// without reading it: no lone CR, and every quote opens and closes a field on its own
/// line (the test a file held whole passes to be read in pieces,
/// [`crate::core::ingest::pieces::quotes_stay_on_their_line`]). Then every line break
/// ends a record, and the piece ends after its last one. `None`: the piece must be read to
/// find where its last record starts.
pub fn cut_at_line_break(bytes: &[u8], delimiter: u8) -> Option<usize> {
    let cut = memchr::memrchr(b'\n', bytes)? + 1;
    let text = bytes.get(..cut)?;
    if memchr::memchr_iter(b'\r', text).any(|i| text.get(i + 1) != Some(&b'\n')) {
        return None;
    }
    if memchr::memchr(b'"', text).is_some() && !crate::core::ingest::pieces::quotes_stay_on_their_line(text, delimiter) {
        return None;
    }
    Some(cut)
}

/// The next piece of a file read in pieces ([`PieceReader::next`]).
#[derive(Debug)]
pub enum Piece {
    /// Read here: the first piece (every sniffing of [`parse_csv`]), or one whose records
    /// may run over line breaks (read to find where its last record starts). `None`: it
    /// holds no data row. `unhashed`: its bytes, when the reader leaves the hash to
    /// another worker ([`PieceReader::hashed_elsewhere`]; else empty).
    Read { table: Option<Box<Table>>, first: bool, unhashed: Vec<u8> },
    /// Bytes that end where a record ends (cut at a line break, or the file's end),
    /// starting on line `first_line`: any worker reads them ([`read_cut_piece`]) into the
    /// table this reader would have made. Hashed here, unless the reader leaves the hash
    /// to another worker.
    Cut { bytes: Vec<u8>, first_line: u64 },
}

/// Reads a file piece by piece, the pieces ending where records end, and hashes its bytes.
/// The first piece is read here with every sniffing of [`parse_csv`] (it tells the
/// [`ChunkFormat`]); a later piece is cut at its last line break when every line break in
/// it ends a record ([`cut_at_line_break`]), else read here in that format, ending where
/// the reader itself found the start of the first record running to the piece's end (the
/// next piece starts on that line), so stray quotes and line breaks in quotes are read as
/// in the whole file. A piece that holds one record only is read again twice as long. The
/// pieces depend on the file's bytes and the piece size alone: the same for any number of
/// workers.
pub struct PieceReader {
    name: String,
    size: u64,
    piece_bytes: u64,
    at: u64,
    line: u64,
    format: Option<ChunkFormat>,
    /// `None`: the caller hashes the bytes ([`PieceReader::hashed_elsewhere`]).
    hash: Option<Sha256>,
}

impl PieceReader {
    pub fn new(name: &str, size: u64, piece_bytes: usize) -> Self {
        let piece_bytes = piece_bytes.max(1) as u64;
        Self { name: name.to_owned(), size, piece_bytes, at: 0, line: 1, format: None, hash: Some(Sha256::new()) }
    }

    /// A reader that leaves the hash to its caller: the bytes of every piece, in order, are
    /// the `Cut` pieces' bytes and the `Read` pieces' `unhashed` (the pool's engine gives
    /// them to a helper to hash, beside its reading).
    pub fn hashed_elsewhere(name: &str, size: u64, piece_bytes: usize) -> Self {
        Self { hash: None, ..Self::new(name, size, piece_bytes) }
    }

    /// The format the first piece told (`None` before it is read).
    pub fn format(&self) -> Option<&ChunkFormat> {
        self.format.as_ref()
    }

    /// Where the next piece starts in the file.
    pub fn position(&self) -> u64 {
        self.at
    }

    /// The fraction of the file read.
    pub fn fraction(&self) -> f64 {
        self.at as f64 / self.size.max(1) as f64
    }

    /// The next piece, `None` at the file's end.
    pub fn next(&mut self, source: &mut dyn ByteSource, options: &IngestOptions) -> Result<Option<Piece>, PipelineError> {
        let failed = |message: String| PipelineError { file: self.name.clone(), kind: PipelineErrorKind::Pieces(message) };
        let ingest = |e: IngestError| PipelineError { file: self.name.clone(), kind: PipelineErrorKind::Ingest(e) };
        let mut want = self.piece_bytes;
        while self.at < self.size {
            let end = self.at.saturating_add(want).min(self.size);
            let last = end >= self.size;
            let bytes = source.read(self.at, end).map_err(&failed)?;
            if let Some(format) = &self.format {
                let cut = if last { Some(bytes.len()) } else { cut_at_line_break(&bytes, format.delimiter) };
                if let Some(cut) = cut {
                    let mut bytes = bytes;
                    bytes.truncate(cut);
                    if let Some(hash) = &mut self.hash {
                        hash.update(&bytes);
                    }
                    let first_line = self.line;
                    self.at += cut as u64;
                    self.line += memchr::memchr_iter(b'\n', &bytes).count() as u64;
                    return Ok(Some(Piece::Cut { bytes, first_line }));
                }
            }
            let at = self.at;
            let (table, cut_line) = match &self.format {
                None => parse_first_piece(&bytes, options, &mut |_| {}).map(|(t, l)| (Some(t), l)),
                Some(format) => parse_chunk(&bytes, format, options, self.line),
            }
            .map_err(|e| not_text_at(e, at))
            .map_err(ingest)?;
            let (used, next_line, table) = match cut_line.filter(|_| !last) {
                // Every record ended before the piece did: all of it is read.
                None => (bytes.len(), self.line + line_breaks(&bytes), table),
                Some(cut_line) => {
                    let table = table.map(|t| t.before_line(cut_line)).transpose().map_err(ingest)?;
                    match line_start(&bytes, self.line, cut_line) {
                        // The first piece needs a whole data row to know the file's format.
                        Some(cut) if cut > 0 && (self.format.is_some() || table.as_ref().is_some_and(|t| t.n_rows() > 0)) => {
                            (cut, cut_line, table)
                        }
                        _ => {
                            want = want.saturating_mul(2);
                            continue;
                        }
                    }
                }
            };
            let mut bytes = bytes;
            bytes.truncate(used);
            let unhashed = match &mut self.hash {
                Some(hash) => {
                    hash.update(&bytes);
                    Vec::new()
                }
                None => bytes,
            };
            self.at += used as u64;
            self.line = next_line;
            let first = self.format.is_none();
            if let (true, Some(table)) = (first, &table) {
                let f = table.chunk_format();
                if !last && !f.splits_at_line_breaks() {
                    return Err(failed(format!(
                        "the file is {} and too large to read whole here: save it as UTF-8 (in Excel: “CSV UTF-8”) and choose it again",
                        f.encoding
                    )));
                }
                self.format = Some(f);
            }
            return Ok(Some(Piece::Read { table: table.map(Box::new), first, unhashed }));
        }
        Ok(None)
    }

    /// The SHA-256 of the bytes read, hex (`None`: the caller hashed them).
    pub fn sha256(self) -> Option<String> {
        self.hash.map(|hash| hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// Where the file stops being text, counted from the file's start (`at`: the piece's).
fn not_text_at(e: IngestError, at: u64) -> IngestError {
    match e {
        IngestError::NotText { offset } => {
            IngestError::NotText { offset: offset.saturating_add(usize::try_from(at).unwrap_or(usize::MAX)) }
        }
        e => e,
    }
}

/// Reads a [`Piece::Cut`]'s bytes, as the [`PieceReader`] would have: its table (`None`
/// when it holds no data row). `at`: where the bytes start in the file, for messages.
pub fn read_cut_piece(
    bytes: &[u8],
    format: &ChunkFormat,
    options: &IngestOptions,
    first_line: u64,
    at: u64,
) -> Result<Option<Table>, IngestError> {
    parse_chunk(bytes, format, options, first_line).map(|(table, _)| table).map_err(|e| not_text_at(e, at))
}

/// Reads `source` piece by piece ([`PieceReader`]); `each(table, first)` gets each piece's
/// rows. Returns the SHA-256 of the bytes.
fn read_pieces(
    name: &str,
    source: &mut dyn ByteSource,
    options: &IngestOptions,
    piece_bytes: usize,
    progress: &mut dyn FnMut(f64),
    each: &mut dyn FnMut(Table, bool) -> Result<(), PipelineError>,
) -> Result<String, PipelineError> {
    let mut reader = PieceReader::new(name, source.size(), piece_bytes);
    let ingest = |e: IngestError| PipelineError { file: name.to_owned(), kind: PipelineErrorKind::Ingest(e) };
    loop {
        let at = reader.position();
        let Some(piece) = reader.next(source, options)? else { break };
        let (table, first) = match piece {
            Piece::Read { table, first, .. } => (table.map(|t| *t), first),
            Piece::Cut { bytes, first_line } => {
                let format = reader.format().ok_or_else(|| ingest(IngestError::Empty))?;
                (read_cut_piece(&bytes, format, options, first_line, at).map_err(ingest)?, false)
            }
        };
        if let Some(table) = table {
            each(table, first)?;
        }
        progress(reader.fraction());
    }
    // A reader made with `new` hashes what it reads.
    Ok(reader.sha256().unwrap_or_default())
}

/// What the first pass found: the file's rows, the sample kept, and the hash of its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    /// The sample, in file order: the table everything after reading works on.
    pub table: Table,
    /// Data rows in the whole file.
    pub total_rows: usize,
    /// Columns of the widest piece (a row wider than the header adds one).
    pub columns: usize,
    /// The file's size.
    pub bytes: u64,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
}

/// The seed of the sample's draws: a fixed stream, so the same file gives the same sample.
const SAMPLE_SEED: u64 = 0x5A3B_1E0F_F11E;

/// The draw of the row that starts on `line`, uniform in [0, 1): SplitMix64's finaliser of
/// the seed and the line, so every row has its own draw whichever worker reads it, and
/// the same natively and in wasm.
pub fn row_draw(line: u64) -> f64 {
    let mut z = SAMPLE_SEED ^ line.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The rows of `table` whose draw is under `p`: the table itself when every row's is (no
/// copy).
pub fn rows_drawn(table: Table, p: f64) -> Result<Table, IngestError> {
    if p >= 1.0 {
        return Ok(table);
    }
    let keep: Vec<bool> = table.row_lines.iter().map(|&line| row_draw(line) < p).collect();
    if keep.iter().all(|&k| k) {
        return Ok(table);
    }
    table.select_rows(&keep)
}

/// One piece's part of the sample: the rows kept, and the piece's rows and columns.
#[derive(Debug, Clone, PartialEq)]
pub struct PieceSample {
    /// The piece's rows whose draw is under the `p` it was read with.
    pub kept: Table,
    pub rows: usize,
    pub columns: usize,
}

impl PieceSample {
    /// The rows of `table` (a piece of the file) whose draw is under `p`.
    pub fn of(table: Table, p: f64) -> Result<Self, IngestError> {
        let (rows, columns) = (table.n_rows(), table.n_columns());
        Ok(Self { kept: rows_drawn(table, p)?, rows, columns })
    }
}

/// The first pass's sample, made a piece at a time in file order: each row is kept when
/// its draw ([`row_draw`]) is under `p`. `p` starts at the target over the rows the first
/// piece suggests the file has; when the sample grows past 1.25 × the target (the file has
/// more rows than it looked), `p` shrinks to bring it back to the target and the rows
/// kept whose draw is no longer under it are let go. The sample is the rows whose draw is
/// under the last `p`: uniform, and the same whichever worker read which piece, since a
/// piece read with a larger `p` (earlier) is drawn again here.
pub struct Sampler {
    target: usize,
    size: u64,
    piece_bytes: usize,
    p: f64,
    kept: Option<Table>,
    total_rows: usize,
    columns: usize,
}

impl Sampler {
    pub fn new(target_rows: usize, size: u64, piece_bytes: usize) -> Self {
        Self { target: target_rows.max(1), size, piece_bytes, p: 1.0, kept: None, total_rows: 0, columns: 0 }
    }

    /// The probability a row is kept with now (it only shrinks).
    pub fn p(&self) -> f64 {
        self.p
    }

    /// The first piece's rows: `p` set from them.
    pub fn first(&mut self, table: Table) -> Result<(), IngestError> {
        // Rows per byte of the first piece, to guess the file's rows.
        let piece_bytes = self.piece_bytes.min(self.size as usize).max(1) as f64;
        let guess = table.n_rows() as f64 * self.size as f64 / piece_bytes;
        self.p = (self.target as f64 / guess.max(1.0)).min(1.0);
        self.add(PieceSample::of(table, self.p)?)
    }

    /// The next piece's part, in file order.
    pub fn add(&mut self, piece: PieceSample) -> Result<(), IngestError> {
        self.total_rows += piece.rows;
        self.columns = self.columns.max(piece.columns);
        let part = rows_drawn(piece.kept, self.p)?;
        let mut sample = match self.kept.take() {
            Some(mut sample) => {
                sample.append(part)?;
                sample
            }
            None => part,
        };
        if sample.n_rows().saturating_mul(4) > self.target.saturating_mul(5) {
            self.p *= self.target as f64 / sample.n_rows() as f64;
            sample = rows_drawn(sample, self.p)?;
        }
        self.kept = Some(sample);
        Ok(())
    }

    /// The sample (rows in file order, padded to the widest piece's columns), the rows and
    /// the columns of the file.
    pub fn finish(self) -> Result<(Table, usize, usize), IngestError> {
        let mut table = self.kept.filter(|t| t.n_rows() > 0).ok_or(IngestError::NoRows)?;
        table.pad_columns(self.columns)?;
        Ok((table, self.total_rows, self.columns))
    }
}

/// The first pass: every row read and counted, a seeded uniform sample of about
/// `target_rows` of them kept (all of them when the file has fewer) by a [`Sampler`].
pub fn sample(
    name: &str,
    source: &mut dyn ByteSource,
    options: &IngestOptions,
    target_rows: usize,
    piece_bytes: usize,
    progress: &mut dyn FnMut(f64),
) -> Result<Sampled, PipelineError> {
    let size = source.size();
    let mut sampler = Sampler::new(target_rows, size, piece_bytes);
    let failed = |e: IngestError| PipelineError { file: name.to_owned(), kind: PipelineErrorKind::Ingest(e) };
    let sha256 = read_pieces(name, source, options, piece_bytes, progress, &mut |table, first| {
        if first {
            sampler.first(table)
        } else {
            let p = sampler.p();
            PieceSample::of(table, p).and_then(|piece| sampler.add(piece))
        }
        .map_err(failed)
    })?;
    let (table, total_rows, columns) = sampler.finish().map_err(failed)?;
    Ok(Sampled { table, total_rows, columns, bytes: size, sha256 })
}

/// What the second pass wrote.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExportCounts {
    /// Rows written (every data row of the file).
    pub rows: usize,
    /// Rows in each segment.
    pub per_segment: Vec<usize>,
    /// Rows with no segment (each has its reason in the file).
    pub excluded: usize,
    /// Columns of the widest piece.
    pub columns: usize,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
}

impl ExportCounts {
    /// A piece's rows counted in.
    pub fn add(&mut self, piece: &ExportedPiece) {
        self.rows += piece.rows;
        self.excluded += piece.excluded;
        self.columns = self.columns.max(piece.columns);
        for (n, more) in self.per_segment.iter_mut().zip(&piece.per_segment) {
            *n += more;
        }
    }
}

/// One piece of the second pass: its rows as CSV, and their counts.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedPiece {
    pub bytes: Vec<u8>,
    pub rows: usize,
    pub per_segment: Vec<usize>,
    pub excluded: usize,
    /// Columns of the piece (after padding).
    pub columns: usize,
}

/// Why a piece could not be written.
#[derive(Debug, Clone, PartialEq)]
pub enum PieceError {
    Ingest(IngestError),
    Model(String),
}

impl PieceError {
    /// The error, naming the file.
    pub fn in_file(self, name: &str) -> PipelineError {
        let kind = match self {
            PieceError::Ingest(e) => PipelineErrorKind::Ingest(e),
            PieceError::Model(message) => PipelineErrorKind::Pieces(message),
        };
        PipelineError { file: name.to_owned(), kind }
    }
}

impl std::fmt::Display for PieceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PieceError::Ingest(e) => e.fmt(f),
            PieceError::Model(message) => f.write_str(message),
        }
    }
}

/// A piece's rows (`table`, padded to at least `columns` columns) with their segment under
/// `model`, counted, and as CSV (`first`: with the header) unless `counts_only` (no bytes).
pub fn export_piece(
    mut table: Table,
    model: &SavedModel,
    names: &[String],
    columns: usize,
    first: bool,
    counts_only: bool,
) -> Result<ExportedPiece, PieceError> {
    table.pad_columns(columns).map_err(PieceError::Ingest)?;
    let outcomes = apply_model(&table, model).map_err(|e| PieceError::Model(e.to_string()))?;
    let mut per_segment = vec![0; model.n_clusters];
    let mut excluded = 0;
    for outcome in &outcomes {
        match outcome.segment.and_then(|s| per_segment.get_mut(s)) {
            Some(n) => *n += 1,
            None => excluded += 1,
        }
    }
    let bytes = if counts_only {
        Vec::new()
    } else {
        segmented_csv_part(&table, &outcomes, names, first).map_err(|e| PieceError::Model(e.to_string()))?
    };
    Ok(ExportedPiece { bytes, rows: outcomes.len(), per_segment, excluded, columns: table.n_columns() })
}

/// What the second pass writes a file with.
#[derive(Debug, Clone, Copy)]
pub struct ExportPass<'a> {
    /// The file's name, for messages.
    pub name: &'a str,
    pub options: &'a IngestOptions,
    pub model: &'a SavedModel,
    /// The segments' names.
    pub names: &'a [String],
    /// Fields every row has at least ([`Sampled::columns`], or an earlier pass's
    /// [`ExportCounts::columns`]).
    pub columns: usize,
    /// An earlier pass's hash: a file that changed in between is refused.
    pub sha256: Option<&'a str>,
    pub piece_bytes: usize,
    /// Rows placed and counted, not written: the sink gets no bytes (a saved model applied
    /// to a file too large to hold, before its download).
    pub counts_only: bool,
}

/// The second pass: every row of the file with its segment under the pass's model (the
/// reason where it has none), written as CSV piece by piece into `sink`.
pub fn export_segmented(
    pass: &ExportPass<'_>,
    source: &mut dyn ByteSource,
    progress: &mut dyn FnMut(f64),
    sink: &mut dyn FnMut(Vec<u8>) -> Result<(), String>,
) -> Result<ExportCounts, PipelineError> {
    let ExportPass { name, options, model, names, columns, sha256, piece_bytes, counts_only } = *pass;
    let failed = |message: String| PipelineError { file: name.to_owned(), kind: PipelineErrorKind::Pieces(message) };
    let mut counts = ExportCounts { per_segment: vec![0; model.n_clusters], ..ExportCounts::default() };
    let read = read_pieces(name, source, options, piece_bytes, progress, &mut |table, first| {
        let piece = export_piece(table, model, names, columns, first, counts_only).map_err(|e| e.in_file(name))?;
        counts.add(&piece);
        if counts_only {
            return Ok(());
        }
        sink(piece.bytes).map_err(failed)
    })?;
    if sha256.is_some_and(|sha256| read != sha256) {
        return Err(failed("the file changed since it was read: choose it again".to_owned()));
    }
    counts.sha256 = read;
    Ok(counts)
}

#[cfg(test)]
mod tests;
