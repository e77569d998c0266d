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
