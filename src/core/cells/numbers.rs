//! Numbers as people write them in spreadsheets and exports: `1,234.50`, `1.234,50`,
//! `1 234,50 €`, `$1,234.50`, `(12.50)`, `12,5%`, `1,5E3`.
//!
//! Owns the two decimal conventions ([`DecimalSeparator`]), the reading of one cell
//! ([`parse_number`]), the choice of convention for a column ([`detect_decimal_separator`]),
//! and the zero-padded-code check ([`is_zero_padded`]). The cell functions run on every cell
//! of a million-row file: they work on the `&str` and a fixed stack buffer, never the heap.

use serde::{Deserialize, Serialize};

/// Which character separates the integer part from the fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecimalSeparator {
    /// `1,234.50`, `1 234.50`, `1'234.50`: `.` is the decimal mark.
    Point,
    /// `1.234,50`, `1 234,50`: `,` is the decimal mark.
    Comma,
}

/// Currency marks accepted before or after the number (at most one per cell).
const CURRENCY_MARKS: [&str; 7] = ["$", "€", "£", "¥", "USD", "EUR", "GBP"];

/// Longest numeral we read. Rust prints every finite `f64` without an exponent, and the
/// longest such text (the smallest subnormal, negative) is 327 characters; a fixed buffer of
/// this size keeps the parse off the heap.
const MAX_NUMERAL: usize = 400;

/// How many non-empty cells [`detect_decimal_separator`] looks at.
pub const DECIMAL_SAMPLE: usize = 10_000;

/// Reads a cell as a finite number written in the given decimal convention; `None` for
/// anything else.
///
/// Accepted around the digits: spaces (including no-break U+00A0 and narrow no-break
/// U+202F), a leading `-`, `+` or `−` (U+2212), one currency mark before or after
/// (`$ € £ ¥ USD EUR GBP`), accounting parentheses for negatives (`(12.50)` is −12.5), and
/// a trailing `%`.
///
/// **A percentage keeps the number as written**: `12.5%` is 12.5, not 0.125. The user sees
/// 12.5 in the file and in the explained segments; scaling before K-Means makes the factor of
/// 100 irrelevant to the clusters.
///
/// In the digits: thousands groups of exactly three digits after a first group of one to
/// three, with one kind of group separator per cell (Point: `,` space `'`; Comma: `.`
/// space), one decimal mark, `.5` without a leading zero, and an exponent `e`/`E` when there
/// are no thousands groups (`1.5e3`, or `1,5E3` with Comma).
///
/// Rejected: empty cells, text, `inf`/`nan`, dates (`1-10`, `2023-01-05`), groups that are
/// not three digits (`1,23.4` with Point), two decimal marks, a trailing decimal mark (`5.`),
/// a currency mark alone, and values that overflow `f64`.
pub fn parse_number(cell: &str, decimal: DecimalSeparator) -> Option<f64> {
    if let Some(v) = parse_plain(cell.as_bytes(), decimal) {
        return Some(v);
    }
    let (negative, numeral) = strip_affixes(cell)?;
    parse_numeral(numeral, decimal, negative)
}

/// The common case first: `-?digits` (and `-?digits.digits` with a decimal point), with
/// no spaces, signs, groups or exponent. Whole numbers of up to 15 digits are accumulated
/// exactly; decimals go to the standard library's correctly rounded parser. `None` sends
/// the cell to the full reader, which accepts everything this accepts, with the same value.
fn parse_plain(bytes: &[u8], decimal: DecimalSeparator) -> Option<f64> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let mut integer: u64 = 0;
    let mut point = None;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' if i < 15 => integer = integer * 10 + u64::from(b - b'0'),
            b'0'..=b'9' => {}
            b'.' if decimal == DecimalSeparator::Point && point.is_none() && i > 0 => point = Some(i),
            _ => return None,
        }
    }
    match point {
        None if !digits.is_empty() && digits.len() <= 15 => {
            let v = integer as f64;
            Some(if negative { -v } else { v })
        }
        // Clinger's fast path: every digit accumulated (at most 15, so the integer is
        // exact in an f64) and a power of ten exact in an f64 (at most 10^22): one
        // correctly rounded division gives the correctly rounded value, the standard
        // library's bits, in a few nanoseconds instead of its general reader.
        Some(p) if p + 1 < digits.len() && digits.len() <= 15 => {
            let v = integer as f64 / POWERS_OF_TEN.get(digits.len() - p - 1).copied()?;
            Some(if negative { -v } else { v })
        }
        Some(p) if p + 1 < digits.len() => std::str::from_utf8(bytes).ok()?.parse::<f64>().ok(),
        _ => None,
    }
}

/// 10^0 to 10^14, each exact in an f64 (as is every power up to 10^22).
const POWERS_OF_TEN: [f64; 15] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14];

/// A run of digits with a leading zero (`0001`, `007`): a code, never a quantity. `0`,
/// `0.5` and `0,5` are numbers.
pub fn is_zero_padded(cell: &str) -> bool {
    let t = trim_cell(cell);
    t.len() > 1 && t.starts_with('0') && t.bytes().all(|b| b.is_ascii_digit())
}

/// Chooses the decimal convention of a column from its cells (the first
/// [`DECIMAL_SAMPLE`] non-empty ones) and the file's delimiter, with a short reason for the UI.
///
/// A cell is evidence when it reads in one convention only: `3,75` or `1.234,5` only with
/// Comma, `3.75` or `1,234.5` only with Point. `1,234`, `1.234` and `12` read either way and
/// decide nothing. With evidence on one side only, that side wins; with both, the larger
/// count (ties go to the delimiter's convention). Without evidence, a `;`-delimited file
/// (the usual export where `,` is the decimal mark) gets Comma, any other gets Point.
pub fn detect_decimal_separator<'a>(cells: impl IntoIterator<Item = &'a str>, delimiter: u8) -> (DecimalSeparator, String) {
    let mut point_only = Evidence::default();
    let mut comma_only = Evidence::default();
    let sample = cells.into_iter().map(str::trim).filter(|c| !c.is_empty()).take(DECIMAL_SAMPLE);
    for cell in sample {
        let as_point = parse_number(cell, DecimalSeparator::Point).is_some();
        let as_comma = parse_number(cell, DecimalSeparator::Comma).is_some();
        match (as_point, as_comma) {
            (true, false) => point_only.add(cell),
            (false, true) => comma_only.add(cell),
            _ => {}
        }
    }
    let semicolon = delimiter == b';';
    match (point_only.example, comma_only.example) {
        (None, Some(comma)) => (DecimalSeparator::Comma, format!("decimal comma: values such as {comma}")),
        (Some(point), None) => (DecimalSeparator::Point, format!("decimal point: values such as {point}")),
        (Some(point), Some(comma)) => {
            let comma_wins = comma_only.count > point_only.count || comma_only.count == point_only.count && semicolon;
            if comma_wins {
                let reason =
                    format!("decimal comma: {} values such as {comma} against {} such as {point}", comma_only.count, point_only.count);
                (DecimalSeparator::Comma, reason)
            } else {
                let reason =
                    format!("decimal point: {} values such as {point} against {} such as {comma}", point_only.count, comma_only.count);
                (DecimalSeparator::Point, reason)
            }
        }
        (None, None) if semicolon => {
            (DecimalSeparator::Comma, "decimal comma: semicolon-separated file and no value says otherwise".to_string())
        }
        (None, None) => (DecimalSeparator::Point, "decimal point: no value needs a decimal comma".to_string()),
    }
}

/// Cells that read in one convention only: how many, and the first for the reason.
#[derive(Default)]
struct Evidence<'a> {
    count: usize,
    example: Option<&'a str>,
}

impl<'a> Evidence<'a> {
    fn add(&mut self, cell: &'a str) {
        self.count += 1;
        self.example.get_or_insert(cell);
    }
}

/// Spaces around and inside a cell: `char::is_whitespace` covers the no-break space
/// (U+00A0) and the narrow no-break space (U+202F) that French and Swiss exports use.
fn trim(s: &str) -> &str {
    s.trim_matches(char::is_whitespace)
}

/// A byte `str::trim` never takes off a cell's edge: ASCII and not white space as
/// `char::is_whitespace` counts it (the vertical tab too, which `u8::is_ascii_whitespace`
/// does not count).
#[inline(always)]
pub fn plain_edge(byte: u8) -> bool {
    byte.is_ascii() && !char::from(byte).is_whitespace()
}

/// `cell.trim()`, with the common case first: a cell whose first and last bytes are
/// [`plain_edge`]s is its own trim (any other white space `str::trim` takes off is a
/// character of two or more bytes, none of them ASCII), which costs two byte tests
/// instead of a decoding at each end.
pub fn trim_cell(cell: &str) -> &str {
    match (cell.as_bytes().first(), cell.as_bytes().last()) {
        (Some(&a), Some(&b)) if plain_edge(a) && plain_edge(b) => cell,
        _ => cell.trim(),
    }
}

/// Takes sign, currency, accounting parentheses and percent off a cell: whether it is
/// negative, and the bare numeral. `None` when the decorations contradict each other
/// (a sign inside parentheses, two signs).
fn strip_affixes(cell: &str) -> Option<(bool, &str)> {
    let mut s = trim(cell);
    let mut negative = false;
    let mut parenthesised = false;
    if let Some(inner) = strip_parentheses(s) {
        (negative, parenthesised, s) = (true, true, trim(inner));
    }
    let mut signed = false;
    if let Some((minus, rest)) = strip_sign(s) {
        (negative, signed, s) = (minus, true, rest);
    }
    let mut currency = false;
    if let Some(rest) = strip_currency_prefix(s) {
        (currency, s) = (true, trim(rest));
    }
    if !signed {
        if let Some((minus, rest)) = strip_sign(s) {
            (negative, signed, s) = (minus, true, rest);
        }
    }
    if !currency {
        if let Some(rest) = strip_currency_suffix(s) {
            (currency, s) = (true, trim(rest));
        }
    }
    // `$(12.50)`: parentheses inside the currency mark.
    if !parenthesised && !signed {
        if let Some(inner) = strip_parentheses(s) {
            (negative, parenthesised, s) = (true, true, trim(inner));
        }
    }
    if parenthesised && signed {
        return None;
    }
    if !currency {
        if let Some(rest) = strip_last_byte(s, b'%') {
            s = trim(rest);
        }
    }
    Some((negative, s))
}

// The byte checks skip the mark comparisons for the usual cell, which starts and ends
// with a digit: comparing every cell with seven marks at both ends was most of the time.
fn strip_currency_prefix(s: &str) -> Option<&str> {
    let first = *s.as_bytes().first()?;
    // `$`, the first letters of the codes, and the lead bytes of `€` (E2) and `£ ¥` (C2).
    if !matches!(first, b'$' | b'U' | b'E' | b'G' | 0xC2 | 0xE2) {
        return None;
    }
    CURRENCY_MARKS.iter().find_map(|m| s.strip_prefix(m))
}

fn strip_currency_suffix(s: &str) -> Option<&str> {
    let last = *s.as_bytes().last()?;
    // `$`, the last letters of the codes, and the last bytes of `€` (AC), `£` (A3), `¥` (A5).
    if !matches!(last, b'$' | b'D' | b'R' | b'P' | 0xAC | 0xA3 | 0xA5) {
        return None;
    }
    CURRENCY_MARKS.iter().find_map(|m| s.strip_suffix(m))
}

fn strip_parentheses(s: &str) -> Option<&str> {
    strip_last_byte(strip_first_byte(s, b'(')?, b')')
}

/// A leading sign: `Some(true)` for minus (`-` or U+2212), `Some(false)` for plus.
fn strip_sign(s: &str) -> Option<(bool, &str)> {
    match s.as_bytes().first()? {
        b'-' => s.get(1..).map(|rest| (true, rest)),
        b'+' => s.get(1..).map(|rest| (false, rest)),
        0xE2 => s.strip_prefix("\u{2212}").map(|rest| (true, rest)),
        _ => None,
    }
}

// Byte comparisons rather than `strip_prefix(char)`, which encodes the char and calls
// memcmp: on a million cells that was most of the time.
fn strip_first_byte(s: &str, byte: u8) -> Option<&str> {
    (s.as_bytes().first() == Some(&byte)).then(|| s.get(1..)).flatten()
}

fn strip_last_byte(s: &str, byte: u8) -> Option<&str> {
    (s.as_bytes().last() == Some(&byte)).then(|| s.get(..s.len() - 1)).flatten()
}

fn is_group_separator(c: char, decimal: DecimalSeparator) -> bool {
    let common = matches!(c, ' ' | '\u{a0}' | '\u{202f}');
    common
        || match decimal {
            DecimalSeparator::Point => matches!(c, ',' | '\''),
            DecimalSeparator::Comma => c == '.',
        }
}

/// Where the numeral scanner is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Integer,
    Fraction,
    ExponentSign,
    Exponent,
}

/// The numeral rewritten in Rust's own syntax (`-1234.5e3`), on the stack.
struct Normalised {
    bytes: [u8; MAX_NUMERAL],
    len: usize,
}

impl Normalised {
    fn push(&mut self, byte: u8) -> Option<()> {
        *self.bytes.get_mut(self.len)? = byte;
        self.len += 1;
        Some(())
    }

    fn value(&self) -> Option<f64> {
        let text = core::str::from_utf8(self.bytes.get(..self.len)?).ok()?;
        text.parse::<f64>().ok().filter(|v| v.is_finite())
    }
}

/// Checks the digits, groups, decimal mark and exponent of a bare numeral in one pass,
/// copying what Rust's float parser needs (so rounding is Rust's, correctly rounded).
fn parse_numeral(numeral: &str, decimal: DecimalSeparator, negative: bool) -> Option<f64> {
    let decimal_mark = match decimal {
        DecimalSeparator::Point => '.',
        DecimalSeparator::Comma => ',',
    };
    let mut out = Normalised { bytes: [0; MAX_NUMERAL], len: 0 };
    if negative {
        out.push(b'-')?;
    }
    let mut part = Part::Integer;
    let mut integer_digits = 0usize;
    let mut group_len = 0usize;
    let mut group_separator: Option<char> = None;
    let mut fraction_digits = 0usize;
    let mut exponent_digits = 0usize;
    for c in numeral.chars() {
        match part {
            Part::Integer if c.is_ascii_digit() => {
                integer_digits += 1;
                group_len += 1;
                if group_separator.is_some() && group_len > 3 {
                    return None;
                }
                out.push(c as u8)?;
            }
            Part::Integer if c == decimal_mark => {
                if group_separator.is_some() && group_len != 3 {
                    return None;
                }
                // A leading zero so `.5` is Rust syntax whatever the parser's leniency.
                if integer_digits == 0 {
                    out.push(b'0')?;
                }
                out.push(b'.')?;
                part = Part::Fraction;
            }
            Part::Integer if is_group_separator(c, decimal) => {
                match group_separator {
                    None if (1..=3).contains(&group_len) => group_separator = Some(c),
                    Some(kind) if kind == c && group_len == 3 => {}
                    _ => return None,
                }
                group_len = 0;
            }
            Part::Integer | Part::Fraction if c == 'e' || c == 'E' => {
                let mantissa = if part == Part::Integer { integer_digits } else { fraction_digits };
                if mantissa == 0 || group_separator.is_some() {
                    return None;
                }
                out.push(b'e')?;
                part = Part::ExponentSign;
            }
            Part::Fraction if c.is_ascii_digit() => {
                fraction_digits += 1;
                out.push(c as u8)?;
            }
            Part::ExponentSign if c == '+' || c == '-' => {
                out.push(c as u8)?;
                part = Part::Exponent;
            }
            Part::ExponentSign | Part::Exponent if c.is_ascii_digit() => {
                exponent_digits += 1;
                out.push(c as u8)?;
                part = Part::Exponent;
            }
            _ => return None,
        }
    }
    let complete = match part {
        Part::Integer => integer_digits > 0 && (group_separator.is_none() || group_len == 3),
        Part::Fraction => fraction_digits > 0,
        Part::ExponentSign => false,
        Part::Exponent => exponent_digits > 0,
    };
    if complete {
        out.value()
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
