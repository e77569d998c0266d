//! Rows equal to an earlier row, comparing the text of chosen columns (trimmed).

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use crate::core::ingest::Table;

/// Pairs (row, first earlier row it equals), comparing every column whose `skip` is false.
///
/// Rows are hashed (Fx: fast, and every match is then compared cell by cell, so a weak
/// hash costs time on a collision, never a wrong answer). Most hashes belong to one
/// distinct row: it sits in `first` with no allocation; the rare hash shared by rows that
/// differ keeps the later ones in `more`, in order, so each row is matched with the
/// earliest equal row as a list per hash would.
pub(super) fn find(table: &Table, skip: &[bool]) -> Vec<(usize, usize)> {
    find_among(table, skip, 0..table.n_rows())
}

/// [`find`] among `rows` (increasing) only: a row's earliest equal row is found when it is
/// among them.
pub(super) fn find_among(table: &Table, skip: &[bool], rows: impl ExactSizeIterator<Item = usize>) -> Vec<(usize, usize)> {
    let columns: Vec<usize> = (0..table.n_columns()).filter(|&c| !skip.get(c).copied().unwrap_or(false)).collect();
    if columns.is_empty() {
        return Vec::new();
    }
    let key_hash = |row: usize| {
        let mut h = FxHasher::default();
        for &c in &columns {
            table.cell(row, c).trim().hash(&mut h);
        }
        h.finish()
    };
    let same = |a: usize, b: usize| columns.iter().all(|&c| table.cell(a, c).trim() == table.cell(b, c).trim());
    let mut first: FxHashMap<u64, usize> = FxHashMap::default();
    first.reserve(rows.len());
    let mut more: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
    let mut out = Vec::new();
    for row in rows {
        let hash = key_hash(row);
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
    out
}
