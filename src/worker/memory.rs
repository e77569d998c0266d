//! How much memory reading a file takes in the worker: a file that cannot fit is refused
//! before it is read, with the limit in the message, and a worker that ran out anyway is
//! explained the same way. Plain arithmetic, tested natively.
//!
//! A wasm32 worker addresses at most 4 GiB. Loading a file holds, at its peak, the file's
//! bytes, a decoded copy when it is not UTF-8, the text of its cells in columns (about the
//! bytes again), a 4-byte end offset per cell, a parsed 8-byte number per numeric cell, and
//! then the cleaned matrix (8 bytes per feature cell): about `3 × bytes + 20 × cells`. The budget keeps a quarter of the 4 GiB
//! for the program, the answers sent to the page and the slack of growing buffers.

/// The most a wasm32 worker can address.
pub const WASM_MEMORY_BYTES: u64 = 4 << 30;

/// What a file may take at its peak.
pub const BUDGET_BYTES: u64 = WASM_MEMORY_BYTES / 4 * 3;

/// Memory per byte of file (the bytes read, a decoded copy, the cells' text).
const PER_BYTE: f64 = 3.0;
/// Memory per cell (its end offset, its parsed number, its cleaned value).
const PER_CELL: f64 = 20.0;
/// A typical customer file: about 8 bytes a cell (`12345,Female,34,56.5,` …).
const TYPICAL_CELLS_PER_BYTE: f64 = 1.0 / 8.0;

/// How many bytes of the file's start [`cells_per_byte`] looks at.
pub const HEAD_BYTES: usize = 1 << 20;

/// Cells per byte in the file's first bytes: line ends plus the most frequent of the
/// delimiters the reader knows (`,` `;` TAB `|`). Quoted delimiters count too, so the
/// estimate errs on the side of more cells. A typical density for an empty head.
pub fn cells_per_byte(head: &[u8]) -> f64 {
    if head.is_empty() {
        return TYPICAL_CELLS_PER_BYTE;
    }
    let mut counts = [0usize; 5];
    for &b in head {
        let slot = match b {
            b'\n' => 0,
            b',' => 1,
            b';' => 2,
            b'\t' => 3,
            b'|' => 4,
            _ => continue,
        };
        if let Some(c) = counts.get_mut(slot) {
            *c += 1;
        }
    }
    let lines = counts.first().copied().unwrap_or(0) + 1;
    let delimiters = counts.iter().skip(1).copied().max().unwrap_or(0);
    ((lines + delimiters) as f64 / head.len() as f64).min(1.0)
}

/// The memory a file of `size` bytes with this cell density needs at its peak.
pub fn estimate_bytes(size: u64, cells_per_byte: f64) -> f64 {
    size as f64 * (PER_BYTE + PER_CELL * cells_per_byte)
}

/// The largest file with this cell density that fits the budget.
pub fn limit_bytes(cells_per_byte: f64) -> u64 {
    (BUDGET_BYTES as f64 / (PER_BYTE + PER_CELL * cells_per_byte)) as u64
}

/// The largest typical customer file that fits.
pub fn typical_limit_bytes() -> u64 {
    limit_bytes(TYPICAL_CELLS_PER_BYTE)
}

/// `850 MB`, `1.1 GB`, `12 kB` (decimal units, as file managers show them).
pub fn format_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{} MB", round_to_two_figures(b / 1e6))
    } else if b >= 1e3 {
        format!("{} kB", (b / 1e3).round())
    } else {
        format!("{bytes} bytes")
    }
}

/// 856 → 860, 37.4 → 37: a limit is an estimate, not a promise.
fn round_to_two_figures(x: f64) -> f64 {
    if x >= 100.0 {
        (x / 10.0).round() * 10.0
    } else {
        x.round()
    }
}

/// The advice every "too big" message ends with.
const SPLIT: &str = "split the file or take a sample of its rows";

/// `Ok` when a file of `size` bytes starting with `head` fits the worker's memory, else
/// the message the page shows (with the limit for files like it).
pub fn check_fits(name: &str, size: u64, head: &[u8]) -> Result<(), String> {
    let density = cells_per_byte(head);
    if estimate_bytes(size, density) <= BUDGET_BYTES as f64 {
        return Ok(());
    }
    Err(format!(
        "{name} is {}; this page can read files up to about {} like it in one browser tab \
         (reading takes about {:.1} times the file's size, and a tab's worker has at most 4 GB of memory): {SPLIT}",
        format_size(size),
        format_size(limit_bytes(density)),
        PER_BYTE + PER_CELL * density,
    ))
}

/// The fewest rows a sample of a file read in pieces keeps.
pub const MIN_SAMPLE_ROWS: usize = 1_000;
/// The most: a million rows describe a customer base as well as twelve, and the tab stays
/// small.
pub const MAX_SAMPLE_ROWS: usize = 1_000_000;
// `sample_rows_for` clamps between the two: `clamp` panics if they are ever reversed.
const _: () = assert!(MIN_SAMPLE_ROWS <= MAX_SAMPLE_ROWS);

/// How a file is read: whole, or in pieces keeping a sample of about this many rows
/// (`Some`), when reading it whole would take more than `budget` bytes.
pub fn sample_rows_for(size: u64, head: &[u8], budget: u64) -> Option<usize> {
    let density = cells_per_byte(head);
    let estimate = estimate_bytes(size, density);
    if estimate <= budget.min(BUDGET_BYTES) as f64 {
        return None;
    }
    let lines = memchr::memchr_iter(b'\n', head).count().max(1) as f64;
    let rows = size as f64 * lines / head.len().max(1) as f64;
    let per_row = estimate / rows.max(1.0);
    Some(((budget as f64 / per_row) as usize).clamp(MIN_SAMPLE_ROWS, MAX_SAMPLE_ROWS))
}

/// What the page says when its worker stopped with an error (`detail`, the browser's
/// words): most likely out of memory; `file` is the file it was working on, if any.
pub fn worker_crashed_message(file: Option<(&str, u64)>, detail: &str) -> String {
    let on = file.map_or_else(String::new, |(name, size)| format!(" while working on {name} ({})", format_size(size)));
    format!(
        "The background worker stopped{on}, most likely because it ran out of memory: a browser tab gives it at most 4 GB, \
         enough for files up to about {} (fewer for files of many short cells). If the file is larger, {SPLIT}. \
         The worker has been restarted: choose a file to go on. (The browser said: {detail})",
        format_size(typical_limit_bytes()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_budget_is_read_in_pieces_keeping_what_the_budget_holds() {
        let head: Vec<u8> =
            b"id,f1,f2,f3,f4,f5,f6,f7,f8\n".iter().chain(&b"1,10.25,20.5,30.75,40.1,50.2,60.3,70.4,80.5\n".repeat(1000)).copied().collect();
        // 1M rows of 45 bytes: about 330 MB to read whole.
        let size = 45_000_000;
        assert_eq!(sample_rows_for(size, &head, 2 << 30), None);
        let rows = sample_rows_for(size, &head, 100 << 20).unwrap();
        assert!((250_000..400_000).contains(&rows), "{rows}");
        // Never past the worker's own limit, never fewer than the floor, never more than 1M.
        assert!(sample_rows_for(12 * size, &head, 64 << 30).is_some());
        assert_eq!(sample_rows_for(size, &head, 1), Some(MIN_SAMPLE_ROWS));
        assert_eq!(sample_rows_for(100 * size, &head, 3 << 30), Some(MAX_SAMPLE_ROWS));
        // Any size, head and budget (`?memory-budget` included) stays within the bounds.
        for (size, head, budget) in [(u64::MAX, &b""[..], 0), (u64::MAX, &head[..], 0), (1 << 40, &b"\n\n\n"[..], u64::MAX >> 1)] {
            if let Some(rows) = sample_rows_for(size, head, budget) {
                assert!((MIN_SAMPLE_ROWS..=MAX_SAMPLE_ROWS).contains(&rows), "{size} {budget}: {rows}");
            }
        }
    }

    #[test]
    fn density_counts_lines_and_the_most_frequent_delimiter() {
        let head = b"a,b,c\n1,2,3\n4,5,6\n";
        // 3 line ends + 1 for the last line, 6 commas, over 18 bytes.
        assert!((cells_per_byte(head) - 10.0 / 18.0).abs() < 1e-12);
        assert!((cells_per_byte(b"") - TYPICAL_CELLS_PER_BYTE).abs() < 1e-12);
        // A semicolon file with commas as decimal marks: the semicolons are the cells.
        let semi = b"x;y\n1,5;2,5\n";
        assert!((cells_per_byte(semi) - 5.0 / 12.0).abs() < 1e-12);
    }

    #[test]
    fn the_reported_file_is_refused_with_its_limit() {
        // 12 million rows × 8 columns, 1.1 GB: about 11.5 bytes a cell.
        let row = b"10234,Female,34,56.25,71,2019-04-01,3,1250.5\n";
        let head: Vec<u8> = row.iter().copied().cycle().take(HEAD_BYTES).collect();
        let message = check_fits("big.csv", 1_100_000_000, &head).unwrap_err();
        assert!(message.starts_with("big.csv is 1.1 GB; this page can read files up to about "), "{message}");
        assert!(message.contains("split the file or take a sample"), "{message}");
        let limit = limit_bytes(cells_per_byte(&head));
        assert!((300_000_000..1_000_000_000).contains(&limit), "{limit}");
        assert!(message.contains(&format_size(limit)), "{message}");
    }

    #[test]
    fn ordinary_files_fit() {
        let row = b"1,Male,19,15,39\n";
        let head: Vec<u8> = row.iter().copied().cycle().take(4096).collect();
        assert_eq!(check_fits("Mall_Customers.csv", 4_000, &head), Ok(()));
        // The 1,000,000-row, 100 MB benchmark file.
        assert_eq!(check_fits("big.csv", 100_000_000, &head), Ok(()));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(format_size(1_100_000_000), "1.1 GB");
        assert_eq!(format_size(856_000_000), "860 MB");
        assert_eq!(format_size(37_400_000), "37 MB");
        assert_eq!(format_size(12_300), "12 kB");
        assert_eq!(format_size(12), "12 bytes");
    }

    #[test]
    fn the_crash_message_names_the_cause_and_the_limit() {
        let m = worker_crashed_message(Some(("big.csv", 1_100_000_000)), "Uncaught RuntimeError: unreachable");
        assert!(m.contains("while working on big.csv (1.1 GB)"), "{m}");
        assert!(m.contains("ran out of memory"), "{m}");
        assert!(m.contains(&format_size(typical_limit_bytes())), "{m}");
        assert!(m.contains("restarted"), "{m}");
    }
}
