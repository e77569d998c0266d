//! Files bigger than memory: read in pieces, twice.
//!
//! The first pass ([`sample`]) reads the file piece by piece, counts its rows and keeps a
//! seeded uniform sample of them as a [`Table`]: profiling, cleaning, the k search and the
//! fit run on that sample as on any file. The second pass ([`export_segmented`]) reads the
//! file again and writes every row with its segment (the fitted model applied to it,
//! [`apply_model`]), piece by piece into a sink: the export never sits in memory whole.
//! Memory is the sample plus one piece, whatever the file's size.
//!
//! Pieces end where the reader found a record's start ([`read_pieces`]). The first piece is
//! read with every sniffing `parse_csv` does (encoding, delimiter, header, titles, Excel's
//! `sep=` line); the rest as it says ([`parse_chunk`]).

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use super::export::segmented_csv_part;
use super::ingest::{parse_chunk, parse_first_piece, ChunkFormat, IngestError, IngestOptions, Table};
use super::model::{apply_model, SavedModel};
use super::pipeline::{PipelineError, PipelineErrorKind};

/// Bytes read at a time: large enough that the per-piece work is noise, small enough that
/// a piece and its table are a few tens of MB.
pub const CHUNK_BYTES: usize = 16 << 20;

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

/// Reads `source` piece by piece: the first with every sniffing of [`parse_csv`], the rest
/// in its format ([`parse_chunk`]); `each(table, first)` gets each piece's rows. A piece
/// that is not the file's last ends before its last record (which may be cut short): the
/// next piece starts on that record's line, so pieces always end where the reader itself
/// found a record's start, stray quotes and line breaks in quotes included. A piece that
/// holds one record only is read again twice as long. Returns the SHA-256 of the bytes.
fn read_pieces(
    name: &str,
    source: &mut dyn ByteSource,
    options: &IngestOptions,
    piece_bytes: usize,
    progress: &mut dyn FnMut(f64),
    each: &mut dyn FnMut(Table, bool) -> Result<(), PipelineError>,
) -> Result<String, PipelineError> {
    let size = source.size();
    let failed = |message: String| PipelineError { file: name.to_owned(), kind: PipelineErrorKind::Pieces(message) };
    let ingest = |e: IngestError| PipelineError { file: name.to_owned(), kind: PipelineErrorKind::Ingest(e) };
    let mut hash = Sha256::new();
    let (mut at, mut line) = (0u64, 1u64);
    let mut want = piece_bytes.max(1) as u64;
    let mut format: Option<ChunkFormat> = None;
    while at < size {
        let end = at.saturating_add(want).min(size);
        let last = end >= size;
        let bytes = source.read(at, end).map_err(&failed)?;
        let (table, cut_line) = match &format {
            None => parse_first_piece(&bytes, options, &mut |_| {}).map(|(t, l)| (Some(t), l)),
            Some(format) => parse_chunk(&bytes, format, options, line),
        }
        // Where the file stops being text, counted from the file's start.
        .map_err(|e| match e {
            IngestError::NotText { offset } => {
                IngestError::NotText { offset: offset.saturating_add(usize::try_from(at).unwrap_or(usize::MAX)) }
            }
            e => e,
        })
        .map_err(ingest)?;
        let (used, next_line, table) = match cut_line.filter(|_| !last) {
            // Every record ended before the piece did: all of it is read.
            None => (bytes.len(), line + line_breaks(&bytes), table),
            Some(cut_line) => {
                let table = table.map(|t| t.before_line(cut_line)).transpose().map_err(ingest)?;
                match line_start(&bytes, line, cut_line) {
                    // The first piece needs a whole data row to know the file's format.
                    Some(cut) if cut > 0 && (format.is_some() || table.as_ref().is_some_and(|t| t.n_rows() > 0)) => (cut, cut_line, table),
                    _ => {
                        want = want.saturating_mul(2);
                        continue;
                    }
                }
            }
        };
        hash.update(bytes.get(..used).unwrap_or(&[]));
        at += used as u64;
        line = next_line;
        want = piece_bytes.max(1) as u64;
        let first = format.is_none();
        if let Some(table) = table {
            if first {
                let f = table.chunk_format();
                if !last && !f.splits_at_line_breaks() {
                    return Err(failed(format!(
                        "the file is {} and too large to read whole here: save it as UTF-8 (in Excel: “CSV UTF-8”) and choose it again",
                        f.encoding
                    )));
                }
                format = Some(f);
            }
            each(table, first)?;
        }
        progress(at as f64 / size.max(1) as f64);
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
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

/// The first pass: every row read and counted, a seeded uniform sample of about
/// `target_rows` of them kept (all of them when the file has fewer).
///
/// Each row is kept with probability `p`, one draw per row in file order. `p` starts at
/// `target_rows` over the rows the first piece suggests the file has; when the sample
/// grows past 1.25 × `target_rows` (the file has more rows than it looked), every kept row
/// is kept again with probability `target_rows / kept` and `p` shrinks by the same factor:
/// each row of the file is in the sample with the same probability, `p` at the end.
pub fn sample(
    name: &str,
    source: &mut dyn ByteSource,
    options: &IngestOptions,
    target_rows: usize,
    piece_bytes: usize,
    progress: &mut dyn FnMut(f64),
) -> Result<Sampled, PipelineError> {
    let target = target_rows.max(1);
    let size = source.size();
    let mut rng = ChaCha8Rng::seed_from_u64(SAMPLE_SEED);
    let mut draw = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mut p = 1.0f64;
    let mut kept: Option<Table> = None;
    let mut total_rows = 0usize;
    let mut columns = 0usize;
    let failed = |e: IngestError| PipelineError { file: name.to_owned(), kind: PipelineErrorKind::Ingest(e) };
    let sha256 = read_pieces(name, source, options, piece_bytes, progress, &mut |table, first| {
        if first {
            // Rows per byte of the first piece, to guess the file's rows.
            let piece_bytes = piece_bytes.min(size as usize).max(1) as f64;
            let guess = table.n_rows() as f64 * size as f64 / piece_bytes;
            p = (target as f64 / guess.max(1.0)).min(1.0);
        }
        total_rows += table.n_rows();
        columns = columns.max(table.n_columns());
        let keep: Vec<bool> = (0..table.n_rows()).map(|_| draw() < p).collect();
        let part = table.select_rows(&keep).map_err(failed)?;
        match kept.as_mut() {
            Some(sample) => sample.append(part).map_err(failed)?,
            None => kept = Some(part),
        }
        if let Some(sample) = kept.as_mut().filter(|s| s.n_rows().saturating_mul(4) > target.saturating_mul(5)) {
            let q = target as f64 / sample.n_rows() as f64;
            let again: Vec<bool> = (0..sample.n_rows()).map(|_| draw() < q).collect();
            *sample = sample.select_rows(&again).map_err(failed)?;
            p *= q;
        }
        Ok(())
    })?;
    let mut table = kept.filter(|t| t.n_rows() > 0).ok_or_else(|| failed(IngestError::NoRows))?;
    table.pad_columns(columns).map_err(failed)?;
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

/// The second pass: every row of the file with its segment under `model` (the reason where
/// it has none), written as CSV piece by piece into `sink`, each row with at least
/// `columns` fields ([`Sampled::columns`], or an earlier pass's [`ExportCounts::columns`]).
/// `sha256`, an earlier pass's hash: a file that changed in between is refused.
#[allow(clippy::too_many_arguments)]
pub fn export_segmented(
    name: &str,
    source: &mut dyn ByteSource,
    options: &IngestOptions,
    model: &SavedModel,
    names: &[String],
    columns: usize,
    sha256: Option<&str>,
    piece_bytes: usize,
    progress: &mut dyn FnMut(f64),
    sink: &mut dyn FnMut(Vec<u8>) -> Result<(), String>,
) -> Result<ExportCounts, PipelineError> {
    let failed = |message: String| PipelineError { file: name.to_owned(), kind: PipelineErrorKind::Pieces(message) };
    let mut counts = ExportCounts { per_segment: vec![0; model.n_clusters], ..ExportCounts::default() };
    let read = read_pieces(name, source, options, piece_bytes, progress, &mut |mut table, first| {
        table.pad_columns(columns).map_err(|e| PipelineError { file: name.to_owned(), kind: PipelineErrorKind::Ingest(e) })?;
        counts.columns = counts.columns.max(table.n_columns());
        let outcomes = apply_model(&table, model).map_err(|e| failed(e.to_string()))?;
        for outcome in &outcomes {
            match outcome.segment.and_then(|s| counts.per_segment.get_mut(s)) {
                Some(n) => *n += 1,
                None => counts.excluded += 1,
            }
        }
        counts.rows += outcomes.len();
        let bytes = segmented_csv_part(&table, &outcomes, names, first).map_err(|e| failed(e.to_string()))?;
        sink(bytes).map_err(failed)
    })?;
    if sha256.is_some_and(|sha256| read != sha256) {
        return Err(failed("the file changed since it was read: choose it again".to_owned()));
    }
    counts.sha256 = read;
    Ok(counts)
}

#[cfg(test)]
mod tests;
