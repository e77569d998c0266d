//! Columnar cell storage: one text buffer and one offset per cell, not a `String` per cell.

/// The cells of one column, in row order, as their text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextColumn {
    text: String,
    /// End offset of each cell in `text`; cell i spans `ends[i-1]..ends[i]`.
    ends: Vec<u32>,
}

/// A column's text grew past what 32-bit offsets address (4 GiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnFull;

/// Builds a [`TextColumn`] from byte fields, validating the text once at the end (one
/// tight pass per column instead of one call per cell).
#[derive(Debug, Default)]
pub struct TextColumnBuilder {
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl TextColumnBuilder {
    pub fn with_capacity(rows: usize) -> Self {
        Self { bytes: Vec::new(), ends: Vec::with_capacity(rows) }
    }

    /// Appends a cell.
    pub fn push(&mut self, cell: &[u8]) -> Result<(), ColumnFull> {
        self.bytes.extend_from_slice(cell);
        let end = u32::try_from(self.bytes.len()).map_err(|_| ColumnFull)?;
        self.ends.push(end);
        Ok(())
    }

    /// Reserves room for about `rows` more cells of `bytes` more bytes.
    pub fn reserve(&mut self, rows: usize, bytes: usize) {
        self.ends.reserve(rows);
        self.bytes.reserve(bytes);
    }

    /// Bytes so far.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Appends `n` empty cells.
    pub fn push_empty(&mut self, n: usize) -> Result<(), ColumnFull> {
        let end = u32::try_from(self.bytes.len()).map_err(|_| ColumnFull)?;
        self.ends.extend(std::iter::repeat_n(end, n));
        Ok(())
    }

    /// The bytes and each cell's end, to hand the cells to another worker.
    pub fn into_parts(self) -> (Vec<u8>, Vec<u32>) {
        (self.bytes, self.ends)
    }

    /// Appends the cells of [`TextColumnBuilder::into_parts`] (the caller checks that
    /// `ends` rise within `bytes`; the text is checked once, in
    /// [`TextColumnBuilder::finish`]).
    pub fn append_parts(&mut self, bytes: &[u8], ends: &[u32]) -> Result<(), ColumnFull> {
        let base = u32::try_from(self.bytes.len()).map_err(|_| ColumnFull)?;
        u32::try_from(bytes.len()).ok().and_then(|n| base.checked_add(n)).ok_or(ColumnFull)?;
        self.bytes.extend_from_slice(bytes);
        self.ends.extend(ends.iter().map(|&e| base + e));
        Ok(())
    }

    /// The column, if its bytes are UTF-8 (they are when the fields were cut from a `str`
    /// at ASCII delimiters and quotes; `None` means that invariant broke).
    pub fn finish(self) -> Option<TextColumn> {
        let text = String::from_utf8(self.bytes).ok()?;
        // Every end falls on a char boundary: fields were cut at ASCII bytes.
        if self.ends.iter().any(|&e| !text.is_char_boundary(e as usize)) {
            return None;
        }
        Some(TextColumn { text, ends: self.ends })
    }
}

impl TextColumn {
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        Self { text: String::with_capacity(bytes), ends: Vec::with_capacity(rows) }
    }

    /// The text and each cell's end in it, to hand the column to another worker.
    pub fn parts(&self) -> (&str, &[u32]) {
        (&self.text, &self.ends)
    }

    /// [`TextColumn::parts`], owned.
    pub fn into_parts(self) -> (Vec<u8>, Vec<u32>) {
        (self.text.into_bytes(), self.ends)
    }

    /// A column from [`TextColumn::parts`]: `None` unless the ends rise, stay within the
    /// text and fall on character boundaries.
    pub fn from_parts(text: String, ends: Vec<u32>) -> Option<TextColumn> {
        let mut start = 0u32;
        for &end in &ends {
            if end < start || !text.is_char_boundary(end as usize) {
                return None;
            }
            start = end;
        }
        Some(TextColumn { text, ends })
    }

    /// Appends a cell.
    pub fn push(&mut self, cell: &str) -> Result<(), ColumnFull> {
        self.text.push_str(cell);
        let end = u32::try_from(self.text.len()).map_err(|_| ColumnFull)?;
        self.ends.push(end);
        Ok(())
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The text of cell `row`; `None` past the end.
    pub fn get(&self, row: usize) -> Option<&str> {
        let end = *self.ends.get(row)? as usize;
        let start = match row.checked_sub(1) {
            Some(prev) => *self.ends.get(prev)? as usize,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// Every cell in row order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let mut start = 0usize;
        self.ends.iter().map(move |&end| {
            let end = end as usize;
            let cell = self.text.get(start..end).unwrap_or("");
            start = end;
            cell
        })
    }

    /// Appends every cell of `other`.
    pub fn extend_from(&mut self, other: &TextColumn) -> Result<(), ColumnFull> {
        let base = u32::try_from(self.text.len()).map_err(|_| ColumnFull)?;
        u32::try_from(other.text.len()).ok().and_then(|n| base.checked_add(n)).ok_or(ColumnFull)?;
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|&e| base + e));
        Ok(())
    }

    /// The cells of the rows `keep` says yes to, in order.
    pub fn select(&self, keep: &[bool]) -> Result<TextColumn, ColumnFull> {
        let mut out = TextColumn::default();
        for (cell, _) in self.iter().zip(keep).filter(|(_, &k)| k) {
            out.push(cell)?;
        }
        Ok(out)
    }

    /// Bytes held (text and offsets), for memory figures.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * std::mem::size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_come_back_as_pushed_including_empty_ones() {
        let mut c = TextColumn::default();
        for cell in ["0001", "", "Smith, J", "é"] {
            c.push(cell).unwrap();
        }
        assert_eq!(c.len(), 4);
        assert_eq!(c.get(0), Some("0001"));
        assert_eq!(c.get(1), Some(""));
        assert_eq!(c.get(3), Some("é"));
        assert_eq!(c.get(4), None);
        assert_eq!(c.iter().collect::<Vec<_>>(), ["0001", "", "Smith, J", "é"]);
        let (text, ends) = c.parts();
        assert_eq!(TextColumn::from_parts(text.to_owned(), ends.to_vec()), Some(c));
    }

    #[test]
    fn parts_that_do_not_make_a_column_are_refused() {
        // Past the end, falling ends, inside a character.
        assert_eq!(TextColumn::from_parts("ab".to_owned(), vec![1, 3]), None);
        assert_eq!(TextColumn::from_parts("ab".to_owned(), vec![2, 1]), None);
        assert_eq!(TextColumn::from_parts("é".to_owned(), vec![1]), None);
        assert!(TextColumn::from_parts(String::new(), vec![0, 0]).is_some());
    }
}
