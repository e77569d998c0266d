//! Rows equal to an earlier row, comparing the text of chosen columns (trimmed).

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use crate::core::ingest::{Table, TextColumn};

/// Pairs (row, first earlier row it equals), in row order, comparing every column whose
/// `skip` is false.
///
/// Each row's text is hashed column by column (each column's cells read in order, as they
/// are stored), then the rows are dealt by hash into parts of a few thousand (a counting
/// sort, in row order within each part), and each part is matched on its own in a small
/// table that stays in the processor's cache: one large table over every row missed the
/// cache at nearly every row (half a second for a million rows in the browser). Equal rows
/// have equal hashes, so they meet in one part; every match is then compared cell by cell,
/// so a collision of the hash costs time, never a wrong answer. Most hashes belong to one
/// distinct row: it sits in `first` with no allocation; the rare hash shared by rows that
/// differ keeps the later ones in `more`, in order, so each row is matched with the
/// earliest equal row as a list per hash would.
pub(super) fn find(table: &Table, skip: &[bool]) -> Vec<(usize, usize)> {
    let columns: Vec<usize> = (0..table.n_columns()).filter(|&c| !skip.get(c).copied().unwrap_or(false)).collect();
    if columns.is_empty() {
        return Vec::new();
    }
    let n = table.n_rows();
    let mut hashes = vec![0u64; n];
    for &c in &columns {
        // The column's cells in order, straight from its text; a row past its last cell
        // has an empty cell there, as `Table::cell` reads it.
        let (text, ends) = table.columns.get(c).map_or(("", &[][..]), TextColumn::parts);
        let text = text.as_bytes();
        let mut start = 0usize;
        for (h, &end) in hashes.iter_mut().zip(ends) {
            let end = end as usize;
            *h = mix(*h, bytes_hash(trim_bytes(text.get(start..end).unwrap_or(&[]))));
            start = end;
        }
        for h in hashes.iter_mut().skip(ends.len()) {
            *h = mix(*h, bytes_hash(&[]));
        }
    }
    hashes.iter_mut().for_each(|h| *h = finish(*h));
    let rows = deal_by_hash(hashes);
    let same = |a: usize, b: usize| columns.iter().all(|&c| table.cell(a, c).trim() == table.cell(b, c).trim());
    let mut first: FxHashMap<u64, usize> = FxHashMap::default();
    let mut more: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
    let mut out = Vec::new();
    for part in rows.parts() {
        first.clear();
        more.clear();
        for &(hash, row) in part {
            let row = row as usize;
            match first.get(&hash) {
                None => {
                    first.insert(hash, row);
                }
                Some(&earliest) if same(earliest, row) => out.push((row, earliest)),
                Some(_) => {
                    let later = more.entry(hash).or_default();
                    match later.iter().find(|&&earlier| same(earlier, row)) {
                        Some(&earlier) => out.push((row, earlier)),
                        None => later.push(row),
                    }
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// Rows a part holds, about: small enough that a part's table stays in cache.
const PART_ROWS: usize = 4_096;

/// (hash, row) of every row, grouped by the hash's top bits (each part in row order).
struct Dealt {
    entries: Vec<(u64, u32)>,
    starts: Vec<usize>,
}

impl Dealt {
    fn parts(&self) -> impl Iterator<Item = &[(u64, u32)]> + '_ {
        self.starts.iter().zip(self.starts.iter().skip(1)).filter_map(|(&from, &to)| self.entries.get(from..to))
    }
}

/// A counting sort of the rows by the top bits of their hashes (consumes the hashes, so
/// the two arrays are not held at once for long). Rows past `u32::MAX` cannot be held in a
/// table (its offsets are 32-bit), so they never come here.
fn deal_by_hash(hashes: Vec<u64>) -> Dealt {
    let n = hashes.len();
    let bits = (n / PART_ROWS).max(1).next_power_of_two().trailing_zeros().min(16);
    let part_of = |h: u64| if bits == 0 { 0 } else { (h >> (64 - bits)) as usize };
    let mut starts = vec![0usize; (1 << bits) + 1];
    for &h in &hashes {
        if let Some(c) = starts.get_mut(part_of(h) + 1) {
            *c += 1;
        }
    }
    for i in 1..starts.len() {
        let before = starts.get(i - 1).copied().unwrap_or(0);
        if let Some(s) = starts.get_mut(i) {
            *s += before;
        }
    }
    let mut next = starts.clone();
    let mut entries = vec![(0u64, 0u32); n];
    for (row, h) in hashes.into_iter().enumerate() {
        if let Some(at) = next.get_mut(part_of(h)) {
            if let Some(slot) = entries.get_mut(*at) {
                *slot = (h, u32::try_from(row).unwrap_or(u32::MAX));
            }
            *at += 1;
        }
    }
    Dealt { entries, starts }
}

/// One step of the rows' hash: the 64-bit Fx step (a rotate, a xor, a multiply), here
/// and in wasm alike (`FxHasher` is 32-bit in wasm32).
#[inline(always)]
fn mix(h: u64, word: u64) -> u64 {
    (h.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

/// A cell's text as `str::trim` leaves it ([`crate::core::cells::numbers::trim_cell`] on
/// the bytes): at once when both edges are plain, else by `str::trim` (Unicode spaces too).
#[inline(always)]
fn trim_bytes(cell: &[u8]) -> &[u8] {
    use crate::core::cells::numbers::plain_edge;
    match (cell.first(), cell.last()) {
        (Some(&a), Some(&b)) if plain_edge(a) && plain_edge(b) => cell,
        _ => std::str::from_utf8(cell).map_or(cell, |t| t.trim().as_bytes()),
    }
}

/// A cell's bytes hashed eight at a time, after their length (so "a" and "a\0" differ); a
/// row's hash is spread by [`finish`] once all its cells are in, so that the top bits, which
/// choose its part, depend on every byte.
#[inline(always)]
fn bytes_hash(bytes: &[u8]) -> u64 {
    let mut h = mix(0, bytes.len() as u64);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        h = mix(h, u64::from_le_bytes(b));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        h = mix(h, tail_word(rest));
    }
    h
}

/// The last 1 to 7 bytes of a cell as one word, read without copying them byte by byte
/// (most cells are shorter than 8 bytes, and a copy of a length known only at run time is
/// a call): 4 to 7 bytes as their first four and last four (overlapping), 1 to 3 as the
/// first, middle and last byte. With the length, which the hash has already taken in, the
/// word tells every byte apart, so cells that differ still differ here.
#[inline(always)]
pub(super) fn tail_word(rest: &[u8]) -> u64 {
    let n = rest.len();
    let four = |at: usize| rest.get(at..at + 4).and_then(|b| <[u8; 4]>::try_from(b).ok()).map_or(0, |b| u64::from(u32::from_le_bytes(b)));
    let byte = |at: usize| rest.get(at).map_or(0, |&b| u64::from(b));
    if n >= 4 {
        four(0) | (four(n - 4) << 32)
    } else {
        byte(0) | (byte(n / 2) << 8) | (byte(n.saturating_sub(1)) << 16)
    }
}

/// murmur3's 64-bit finaliser.
#[inline(always)]
fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The pairs of [`find`] comparing every column, from `groups`, the pairs of [`find`]
/// ignoring the `ids` columns (in row order, each row with the earliest row of its group):
/// rows equal in every column are in one group and equal in the IDs, so only the ID cells
/// of a group's rows are hashed and compared (a file of many rows equal but for their IDs
/// is not read twice).
pub(super) fn exact_within_groups(table: &Table, ids: &[usize], groups: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let id_hash = |group: usize, row: usize| {
        let mut h = FxHasher::default();
        group.hash(&mut h);
        for &c in ids {
            table.cell(row, c).trim().hash(&mut h);
        }
        h.finish()
    };
    // Rows as (row, group); a match is the same group and the same ID text.
    let same =
        |a: (usize, usize), b: (usize, usize)| a.1 == b.1 && ids.iter().all(|&c| table.cell(a.0, c).trim() == table.cell(b.0, c).trim());
    let mut first: FxHashMap<u64, (usize, usize)> = FxHashMap::default();
    let mut more: FxHashMap<u64, Vec<(usize, usize)>> = FxHashMap::default();
    // The earliest row kept under the row's key that equals it, else the row is kept.
    let mut place = |row: (usize, usize)| -> Option<usize> {
        let hash = id_hash(row.1, row.0);
        match first.get(&hash) {
            None => {
                first.insert(hash, row);
                None
            }
            Some(&earliest) if same(earliest, row) => Some(earliest.0),
            Some(_) => {
                let later = more.entry(hash).or_default();
                let found = later.iter().find(|&&earlier| same(earlier, row)).map(|e| e.0);
                if found.is_none() {
                    later.push(row);
                }
                found
            }
        }
    };
    let mut seen_groups: rustc_hash::FxHashSet<usize> = rustc_hash::FxHashSet::default();
    let mut out = Vec::new();
    for &(row, group) in groups {
        // A group's earliest row comes before its other rows (and equals no earlier row).
        if seen_groups.insert(group) {
            place((group, group));
        }
        if let Some(earlier) = place((row, group)) {
            out.push((row, earlier));
        }
    }
    out
}
