//! Rows equal to an earlier row, comparing the text of chosen columns (trimmed).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::core::ingest::Table;

/// Pairs (row, first earlier row it equals), comparing every column whose `skip` is false.
pub(super) fn find(table: &Table, skip: &[bool]) -> Vec<(usize, usize)> {
    let columns: Vec<usize> = (0..table.n_columns()).filter(|&c| !skip.get(c).copied().unwrap_or(false)).collect();
    if columns.is_empty() {
        return Vec::new();
    }
    let key_hash = |row: usize| {
        let mut h = DefaultHasher::new();
        for &c in &columns {
            table.cell(row, c).trim().hash(&mut h);
        }
        h.finish()
    };
    let same = |a: usize, b: usize| columns.iter().all(|&c| table.cell(a, c).trim() == table.cell(b, c).trim());
    let mut first_by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut out = Vec::new();
    for row in 0..table.n_rows() {
        let bucket = first_by_hash.entry(key_hash(row)).or_default();
        match bucket.iter().find(|&&earlier| same(earlier, row)) {
            Some(&earlier) => out.push((row, earlier)),
            None => bucket.push(row),
        }
    }
    out
}
