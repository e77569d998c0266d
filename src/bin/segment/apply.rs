//! `segment apply`: every row of a file with its segment under a saved model, read and
//! written piece by piece with [`stream::export_segmented`] (memory stays flat, whatever the
//! file's size), the pieces shared out among threads.
//!
//! One thread reads the file as the page reads a file too large to hold: piece after piece,
//! each cut where the reader found a record's start. Several threads cut the file
//! themselves, ahead of the reader, at line breaks: every piece then starts with the bytes
//! before the file's first data row (its header, and any `sep=` or title line) and is read
//! as a file of its own in the first piece's format (delimiter, header, encoding forced),
//! and the header line of every piece's output but the first is left out. A line break ends
//! a record only when no quoted field spans lines: a piece whose quotes do not stay on
//! their line (as `core::ingest::pieces` checks them), or that holds no line break, ends the
//! shared reading, and the rest of the file is read by one thread as above. The output is
//! the one-thread output, byte for byte (tested).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::mpsc;

use segmentation::core::ingest::{parse_first_piece, pieces, IngestOptions};
use segmentation::core::model::SavedModel;
use segmentation::core::stream::{self, ByteSource};

/// Threads at most.
pub const MAX_THREADS: usize = 8;
/// Bytes read at a time: each piece's table and output are a few times this.
pub const PIECE_BYTES: usize = 4 << 20;

/// What to apply to which file, and how.
pub struct Job<'a> {
    pub name: &'a str,
    pub options: &'a IngestOptions,
    pub model: &'a SavedModel,
    pub threads: usize,
    pub piece_bytes: usize,
}

/// What was written.
#[derive(Debug, Default)]
pub struct Counts {
    pub rows: usize,
    pub excluded: usize,
    pub per_segment: Vec<usize>,
    /// The file's size.
    pub bytes: u64,
}

impl Counts {
    fn add(&mut self, counts: &stream::ExportCounts) {
        self.rows += counts.rows;
        self.excluded += counts.excluded;
        if self.per_segment.len() < counts.per_segment.len() {
            self.per_segment.resize(counts.per_segment.len(), 0);
        }
        for (n, m) in self.per_segment.iter_mut().zip(&counts.per_segment) {
            *n += m;
        }
    }
}

/// Where the rows start and how every piece is read when the file is shared out.
struct Plan {
    /// The file's bytes before its first data row.
    prefix: Vec<u8>,
    /// The first piece's format, forced.
    options: IngestOptions,
    /// Columns of the first piece: every piece's rows are padded to them.
    columns: usize,
    /// The file's delimiter, for the quotes check.
    delimiter: u8,
}

/// Applies `job.model` to `file`, writing the CSV to `out` (`output` names it in
/// messages); `progress` gets the fraction of the file done.
pub fn run(job: &Job<'_>, mut file: File, out: &mut dyn Write, output: &str, progress: &mut dyn FnMut(f64)) -> Result<Counts, String> {
    let size = file.metadata().map_err(|e| format!("{}: could not read the file: {e}", job.name))?.len();
    let mut counts = Counts { per_segment: vec![0; job.model.n_clusters], bytes: size, ..Counts::default() };
    let plan = if job.threads > 1 { plan(job, &mut file, size) } else { None };
    let Some(plan) = plan else {
        // One thread: the page's way.
        let mut source = Prefixed { prefix: Vec::new(), file, start: 0, size };
        let done = export(job, &mut source, job.options, 0, false, out, output, progress)?;
        counts.add(&done);
        return Ok(counts);
    };
    let start = plan.prefix.len() as u64;
    let (rest, written) = shared(job, &plan, &mut file, size, start, &mut counts, out, output, progress)?;
    if let Some(at) = rest {
        // The rest of the file read by one thread, after the same prefix.
        let mut source = Prefixed { prefix: plan.prefix.clone(), file, start: at, size };
        let done = export(job, &mut source, &plan.options, plan.columns, written > 0, out, output, &mut |f| {
            progress((at as f64 + f * (size - at) as f64) / size.max(1) as f64)
        })?;
        counts.add(&done);
    }
    Ok(counts)
}

/// The file read by one thread with [`stream::export_segmented`], its CSV written to `out`
/// (without its header line when `skip_header`).
#[allow(clippy::too_many_arguments)]
fn export(
    job: &Job<'_>,
    source: &mut dyn ByteSource,
    options: &IngestOptions,
    columns: usize,
    skip_header: bool,
    out: &mut dyn Write,
    output: &str,
    progress: &mut dyn FnMut(f64),
) -> Result<stream::ExportCounts, String> {
    let mut first = true;
    let mut io_error = None;
    let pass = stream::ExportPass {
        name: job.name,
        options,
        model: job.model,
        names: &job.model.segment_names,
        columns,
        sha256: None,
        piece_bytes: job.piece_bytes,
        counts_only: false,
    };
    let counts = stream::export_segmented(&pass, source, progress, &mut |part| {
        let from = if first && skip_header { header_end(&part) } else { 0 };
        first = false;
        out.write_all(part.get(from..).unwrap_or(&[])).map_err(|e| {
            let message = format!("could not write {output}: {e}");
            io_error = Some(message.clone());
            message
        })
    });
    counts.map_err(|e| io_error.take().unwrap_or_else(|| e.to_string()))
}

/// The bytes before the file's first data row and the first piece's format, when the file
/// can be shared out: more than one piece, a data row in the first, no lone CR there (its
/// lines are counted at LFs), an encoding cut at line breaks.
fn plan(job: &Job<'_>, file: &mut File, size: u64) -> Option<Plan> {
    if size <= job.piece_bytes as u64 {
        return None;
    }
    let head = read_at(file, 0, job.piece_bytes).ok()?;
    if memchr::memchr_iter(b'\r', &head).any(|i| head.get(i + 1) != Some(&b'\n')) {
        return None;
    }
    let (table, _) = parse_first_piece(&head, job.options, &mut |_| {}).ok()?;
    let format = table.chunk_format();
    let first_row_line = *table.row_lines.first()?;
    if !format.splits_at_line_breaks() || first_row_line < 1 {
        return None;
    }
    // Line `first_row_line` starts after that many line breaks, less one.
    let lines_before = usize::try_from(first_row_line - 1).ok()?;
    let prefix_end = match lines_before {
        0 => 0,
        n => memchr::memchr_iter(b'\n', &head).nth(n - 1)? + 1,
    };
    let options = IngestOptions {
        delimiter: Some(format.delimiter),
        header: Some(format.has_header),
        encoding: Some(format.encoding.to_owned()),
        ..job.options.clone()
    };
    Some(Plan { prefix: head.get(..prefix_end)?.to_vec(), options, columns: format.columns, delimiter: format.delimiter })
}

/// One piece for a thread: the prefix and the piece's rows, and whether its output keeps
/// its header line (the first piece's only).
struct Piece {
    bytes: Vec<u8>,
    first: bool,
}

type Done = Result<(Vec<u8>, usize, stream::ExportCounts), String>;

/// The file from `start` shared out among the threads, piece after piece, written in order.
/// `Some(at)`: the byte from which the rest must be read by one thread; and the pieces
/// written.
#[allow(clippy::too_many_arguments)]
fn shared(
    job: &Job<'_>,
    plan: &Plan,
    file: &mut File,
    size: u64,
    start: u64,
    counts: &mut Counts,
    out: &mut dyn Write,
    output: &str,
    progress: &mut dyn FnMut(f64),
) -> Result<(Option<u64>, usize), String> {
    let n = job.threads.max(1);
    std::thread::scope(|scope| {
        let mut jobs = Vec::with_capacity(n);
        let mut results = Vec::with_capacity(n);
        for _ in 0..n {
            // A thread holds at most two pieces: one it reads, one waiting.
            let (job_tx, job_rx) = mpsc::sync_channel::<Piece>(1);
            let (done_tx, done_rx) = mpsc::sync_channel::<Done>(2);
            scope.spawn(move || {
                for piece in job_rx {
                    if done_tx.send(read_piece(job, plan, piece)).is_err() {
                        break;
                    }
                }
            });
            jobs.push(job_tx);
            results.push(done_rx);
        }
        let (mut sent, mut received, mut at, mut rest) = (0usize, 0usize, start, None);
        loop {
            while rest.is_none() && at < size && sent - received < 2 * n {
                match next_piece(file, plan, at, size, job.piece_bytes)? {
                    Some((bytes, end)) => {
                        let to = jobs.get(sent % n).ok_or_else(|| "no thread".to_owned())?;
                        to.send(Piece { bytes, first: sent == 0 }).map_err(|_| format!("{}: a reading thread stopped", job.name))?;
                        sent += 1;
                        at = end;
                    }
                    None => rest = Some(at),
                }
            }
            if received == sent {
                break;
            }
            let from = results.get(received % n).ok_or_else(|| "no thread".to_owned())?;
            let (bytes, skip, done) = from.recv().map_err(|_| format!("{}: a reading thread stopped", job.name))??;
            received += 1;
            out.write_all(bytes.get(skip..).unwrap_or(&[])).map_err(|e| format!("could not write {output}: {e}"))?;
            counts.add(&done);
            progress(done_fraction(at, size, sent, received));
        }
        // The threads end when their queues close.
        drop(jobs);
        Ok((rest, received))
    })
}

/// Progress: the bytes handed out, scaled by the share of their pieces written.
fn done_fraction(at: u64, size: u64, sent: usize, received: usize) -> f64 {
    at as f64 / size.max(1) as f64 * received as f64 / sent.max(1) as f64
}

/// One piece read as a file of its own: its CSV, where it starts (after the header line
/// for all but the first piece), and its counts.
fn read_piece(job: &Job<'_>, plan: &Plan, piece: Piece) -> Done {
    let mut source = stream::SliceSource(&piece.bytes);
    let mut csv = Vec::new();
    let pass = stream::ExportPass {
        name: job.name,
        options: &plan.options,
        model: job.model,
        names: &job.model.segment_names,
        columns: plan.columns,
        sha256: None,
        piece_bytes: piece.bytes.len().max(1),
        counts_only: false,
    };
    let counts = stream::export_segmented(&pass, &mut source, &mut |_| {}, &mut |part| {
        if csv.is_empty() {
            csv = part;
        } else {
            csv.extend_from_slice(&part);
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    let skip = if piece.first { 0 } else { header_end(&csv) };
    Ok((csv, skip, counts))
}

/// The next piece from byte `at`: the prefix and the file's bytes up to the last line break
/// within `piece_bytes` (to the end for the last piece), and the byte after it. `None` when
/// the piece cannot be cut at a line break safely.
fn next_piece(file: &mut File, plan: &Plan, at: u64, size: u64, piece_bytes: usize) -> Result<Option<(Vec<u8>, u64)>, String> {
    let want = usize::try_from((size - at).min(piece_bytes as u64)).map_err(|e| e.to_string())?;
    let mut bytes = Vec::with_capacity(plan.prefix.len() + want);
    bytes.extend_from_slice(&plan.prefix);
    bytes.resize(plan.prefix.len() + want, 0);
    let body = bytes.get_mut(plan.prefix.len()..).ok_or_else(|| "no piece".to_owned())?;
    file.seek(SeekFrom::Start(at)).and_then(|_| file.read_exact(body)).map_err(|e| format!("could not read bytes from {at}: {e}"))?;
    let last = at + want as u64 >= size;
    let used = if last {
        want
    } else {
        match memchr::memrchr(b'\n', body) {
            Some(i) => i + 1,
            None => return Ok(None),
        }
    };
    if !quotes_stay_on_their_line(body.get(..used).unwrap_or(&[]), plan.delimiter) {
        return Ok(None);
    }
    bytes.truncate(plan.prefix.len() + used);
    Ok(Some((bytes, at + used as u64)))
}

fn read_at(file: &mut File, at: u64, len: usize) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::with_capacity(len);
    file.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
    file.take(len as u64).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// The byte after a CSV output's header line: its first line break outside quotes.
fn header_end(csv: &[u8]) -> usize {
    let mut quoted = false;
    for (i, &b) in csv.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return i + 1,
            _ => {}
        }
    }
    csv.len()
}

/// Whether every line break of `text` (which starts at a record's start) ends a record,
/// and the reader's stray-quote recovery never starts: every quote opens and closes a field
/// on its own line. `core::ingest::pieces`'s check, which decides when the page reads a
/// file in pieces.
fn quotes_stay_on_their_line(text: &[u8], delimiter: u8) -> bool {
    memchr::memchr(b'"', text).is_none() || pieces::quotes_stay_on_their_line(text, delimiter)
}

/// `prefix` followed by the file's bytes from `start`: a file read from its middle as if
/// its header came first.
struct Prefixed {
    prefix: Vec<u8>,
    file: File,
    start: u64,
    size: u64,
}

impl ByteSource for Prefixed {
    fn size(&self) -> u64 {
        self.prefix.len() as u64 + self.size.saturating_sub(self.start)
    }

    fn read(&mut self, start: u64, end: u64) -> Result<Vec<u8>, String> {
        let p = self.prefix.len() as u64;
        let mut bytes = Vec::with_capacity(usize::try_from(end.saturating_sub(start)).map_err(|e| e.to_string())?);
        if start < p {
            let (a, b) = (usize::try_from(start).map_err(|e| e.to_string())?, usize::try_from(end.min(p)).map_err(|e| e.to_string())?);
            bytes.extend_from_slice(self.prefix.get(a..b).ok_or_else(|| "past the prefix".to_owned())?);
        }
        if end > p {
            let from = self.start + start.max(p) - p;
            let len = usize::try_from(end - start.max(p)).map_err(|e| e.to_string())?;
            let at = bytes.len();
            bytes.resize(at + len, 0);
            let slot = bytes.get_mut(at..).ok_or_else(|| "no room".to_owned())?;
            self.file
                .seek(SeekFrom::Start(from))
                .and_then(|_| self.file.read_exact(slot))
                .map_err(|e| format!("could not read bytes {from}..{}: {e}", from + len as u64))?;
        }
        Ok(bytes)
    }
}
