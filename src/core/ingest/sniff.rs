//! Which delimiter a file uses.

/// Delimiters tried when sniffing, in order of preference on a tie.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How many leading records the delimiter sniffer looks at.
const SNIFF_RECORDS: usize = 50;

/// Picks the delimiter whose leading records have the most consistent width above one field.
pub fn sniff_delimiter(text: &str) -> u8 {
    let sample = sample_prefix(text, 64 * 1024);
    let mut best = (b',', 0usize, 0usize); // (delimiter, consistent records, width)
    for &delimiter in &DELIMITERS {
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(sample.as_bytes());
        let widths: Vec<usize> = reader
            .records()
            .take(SNIFF_RECORDS)
            .filter_map(Result::ok)
            .filter(|r| !r.iter().all(|f| f.trim().is_empty()))
            .map(|r| r.len())
            .collect();
        let Some(width) = mode(&widths) else { continue };
        if width < 2 {
            continue;
        }
        let consistent = widths.iter().filter(|&&w| w == width).count();
        if (consistent, width) > (best.1, best.2) {
            best = (delimiter, consistent, width);
        }
    }
    best.0
}

fn sample_prefix(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // Cut at the last line break so the sample ends on a whole record (most of the time).
    let cut = text.get(..end).and_then(|s| s.rfind('\n')).unwrap_or(end);
    text.get(..cut).unwrap_or(text)
}

fn mode(values: &[usize]) -> Option<usize> {
    let mut counts = std::collections::BTreeMap::new();
    for &v in values {
        *counts.entry(v).or_insert(0usize) += 1;
    }
    counts.into_iter().max_by_key(|&(v, c)| (c, v)).map(|(v, _)| v)
}
