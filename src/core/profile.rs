//! Table → a profile of every column: its kind (identifier, numeric, boolean, categorical,
//! date, constant, text) with the reason, missing and distinct counts, and for numbers the
//! summary statistics and a histogram, for categories the top values.
//!
//! Owns the reading of cell text as numbers, so every later step agrees on what a cell
//! means. Every kind can be overridden by the user; the profile is then recomputed for
//! that column only.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use serde::{Deserialize, Serialize};

use super::cells::dates::{detect_date_format, DateFormat, DATE_SAMPLE};
use super::cells::numbers::{detect_decimal_separator, is_zero_padded, parse_number, trim_cell, DecimalSeparator};
use super::ingest::{Table, TextColumn};
use super::kmeans::least;
use super::warning::{Warning, WarningKind};

/// Distinct values tracked exactly per column; past this the count is a lower bound.
const DISTINCT_CAP: usize = 50_000;
/// Text columns with at most this many distinct values can be categorical.
const MAX_CATEGORIES: usize = 50;
/// Whole-number columns with at most this many distinct values may be category codes.
const MAX_CODES: usize = 10;
/// Histogram bins.
const BINS: usize = 20;

/// What a column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Identifies a row (ID-like name, zero-padded codes, a run of whole numbers, or
    /// different text on every row): kept as text, never a feature.
    #[serde(rename = "id")]
    Identifier,
    /// Every filled cell is a number.
    Numeric,
    /// Two values such as yes/no, true/false, 0/1.
    Boolean,
    /// A few distinct text values.
    Categorical,
    /// Dates or date-times.
    Date,
    /// One value (or none) on every row: carries no information.
    Constant,
    /// Free text: many different values.
    Text,
}

impl ColumnKind {
    /// Every kind, in the order the UI lists them.
    pub const ALL: [ColumnKind; 7] = [
        ColumnKind::Numeric,
        ColumnKind::Categorical,
        ColumnKind::Boolean,
        ColumnKind::Date,
        ColumnKind::Identifier,
        ColumnKind::Constant,
        ColumnKind::Text,
    ];

    /// The short name used in the UI and in `data-kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Identifier => "id",
            ColumnKind::Numeric => "numeric",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Categorical => "categorical",
            ColumnKind::Date => "date",
            ColumnKind::Constant => "constant",
            ColumnKind::Text => "text",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Equal-width histogram of a numeric column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<u32>,
}

/// Summary statistics of a numeric column's filled cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericSummary {
    pub count: usize,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// Population standard deviation.
    pub std: f64,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    /// Fisher–Pearson skewness g1.
    pub skewness: f64,
    pub all_integers: bool,
    pub histogram: Histogram,
}

/// Everything the page shows about one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub index: usize,
    pub name: String,
    pub kind: ColumnKind,
    /// Why the kind was chosen, for the user.
    pub reason: String,
    /// The user chose the kind.
    pub overridden: bool,
    pub missing: usize,
    /// Filled cells that do not fit the kind (text in a column forced numeric).
    pub invalid: usize,
    pub distinct: usize,
    /// `distinct` stopped counting at the cap.
    pub distinct_capped: bool,
    /// Whole numbers with few values (1/2/3): maybe category codes, not quantities.
    pub possibly_categorical: bool,
    /// Numbers were written with a decimal comma (3,75).
    pub decimal_comma: bool,
    /// How the column's dates are written, for a date column.
    pub date_format: Option<DateFormat>,
    pub numeric: Option<NumericSummary>,
    /// The most frequent values with their counts (at most 10).
    pub top_values: Vec<(String, usize)>,
    /// Skewed, non-negative, money-like: a log transform is suggested.
    pub suggest_log: bool,
    /// A numeric column's few cells that are not numbers (read as missing): each text
    /// with its count, most frequent first (at most 5).
    #[serde(default)]
    pub strays: Vec<(String, usize)>,
    /// The file line of the first of those cells.
    #[serde(default)]
    pub first_stray_line: Option<u64>,
    /// More than half of the rows have no value here: not a feature by default.
    #[serde(default)]
    pub mostly_missing: bool,
}

impl ColumnProfile {
    /// Used as a clustering feature unless the user chooses otherwise.
    pub fn is_default_feature(&self) -> bool {
        self.kind == ColumnKind::Numeric && !self.possibly_categorical && !self.mostly_missing
    }
}

/// Stray cells a numeric column may hold (read as missing values): at most 5% of its
/// filled cells, or up to 10 cells when they are at most 10% of them.
fn few_strays(invalid: usize, filled: usize) -> bool {
    invalid < filled && (invalid * 20 <= filled || (invalid <= 10 && invalid * 10 <= filled))
}

/// Cells that are not numbers but carry digits in many different forms (`C536817`, a
/// cancelled invoice; `A-12`): the column holds codes, not quantities with a few stray
/// words. Stray words repeat or are few (`unknown`, `n/a`, `inf`).
fn code_like(table: &Table, column: usize, invalid_rows: &[usize]) -> bool {
    const DISTINCT_CODES: usize = 5;
    let mut seen: Vec<&str> = Vec::with_capacity(DISTINCT_CODES);
    for &row in invalid_rows {
        let text = table.cell(row, column).trim();
        if text.bytes().any(|b| b.is_ascii_digit())
            && !text.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
            && !seen.contains(&text)
        {
            seen.push(text);
            if seen.len() >= DISTINCT_CODES {
                return true;
            }
        }
    }
    false
}

/// Rows sampled to decide whether a column is worth parsing as numbers.
const NUMBER_SAMPLE: usize = 1000;

/// A column's numbers, parsed once and shared by the profile and the cleaning.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NumericColumn {
    /// One value per row; NaN where the cell is missing or not a number.
    pub values: Vec<f64>,
    /// Rows whose filled cell is not a number.
    pub invalid_rows: Vec<usize>,
}

/// The profile of a table: one [`ColumnProfile`] per column and the parsed numbers of
/// every numeric or boolean column.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableProfile {
    pub columns: Vec<ColumnProfile>,
    pub numbers: Vec<Option<NumericColumn>>,
}

/// Profiles every column, guessing each kind.
pub fn profile_columns(table: &Table) -> TableProfile {
    let (columns, numbers) = (0..table.n_columns()).map(|c| profile_column(table, c, None)).unzip();
    TableProfile { columns, numbers }
}

/// What profiling one column of a table needs besides its cells and its rows' lines: a
/// helper worker gets this and the column's text ([`ColumnJob::profile`]), and gives what
/// [`profile_column`] gives on the whole table, bit for bit (columns are profiled
/// independently of each other).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnJob {
    pub column: usize,
    pub name: String,
    pub delimiter: u8,
    pub missing_tokens: Vec<String>,
    pub longest_missing_token: usize,
    pub forced: Option<ColumnKind>,
}

impl ColumnJob {
    /// The job for `column` of `table`.
    pub fn of(table: &Table, column: usize, forced: Option<ColumnKind>) -> Self {
        Self {
            column,
            name: table.headers.get(column).cloned().unwrap_or_default(),
            delimiter: table.delimiter,
            missing_tokens: table.missing_tokens.clone(),
            longest_missing_token: table.longest_missing_token,
            forced,
        }
    }

    /// Profiles the column from its `cells` and every row's line (`row_lines`, lent and
    /// given back: a helper keeps them for every column).
    pub fn profile(&self, cells: TextColumn, row_lines: &mut Vec<u64>) -> (ColumnProfile, Option<NumericColumn>) {
        let table = Table {
            headers: vec![self.name.clone()],
            raw_headers: vec![self.name.clone()],
            has_header: true,
            columns: vec![cells],
            row_lines: std::mem::take(row_lines),
            ragged: Vec::new(),
            expected_width: 1,
            delimiter: self.delimiter,
            encoding: "UTF-8",
            encoding_reason: String::new(),
            warnings: Vec::new(),
            missing_tokens: self.missing_tokens.clone(),
            longest_missing_token: self.longest_missing_token,
        };
        let (mut profile, numbers) = profile_column(&table, 0, self.forced);
        profile.index = self.column;
        *row_lines = table.row_lines;
        (profile, numbers)
    }
}

/// Profiles one column; `forced` is the kind the user chose, if any.
pub fn profile_column(table: &Table, column: usize, forced: Option<ColumnKind>) -> (ColumnProfile, Option<NumericColumn>) {
    let name = table.headers.get(column).cloned().unwrap_or_default();
    let n_rows = table.n_rows();
    let cells = table.columns.get(column);
    let cell_iter = || cells.into_iter().flat_map(|c| c.iter());

    // One pass: missing, distinct values and their counts, zero padding.
    let mut missing = 0usize;
    let mut counts: HashMap<&str, usize, FxBuildHasher> = HashMap::with_hasher(FxBuildHasher);
    let mut distinct_capped = false;
    let mut zero_padded = false;
    for cell in cell_iter() {
        let t = trim_cell(cell);
        if table.is_missing(t) {
            missing += 1;
            continue;
        }
        if let Some(n) = counts.get_mut(t) {
            *n += 1;
        } else if counts.len() < DISTINCT_CAP {
            counts.insert(t, 1);
        } else {
            distinct_capped = true;
        }
        zero_padded |= is_zero_padded(t);
    }
    let filled = n_rows - missing;
    let distinct = counts.len();
    let filled_cells = || cell_iter().map(trim_cell).filter(|t| !table.is_missing(t));

    // Numbers: the decimal convention from the evidence, then every filled cell must read.
    let (decimal, _decimal_reason) = detect_decimal_separator(filled_cells(), table.delimiter);
    let decimal_comma = decimal == DecimalSeparator::Comma;
    // Identifiers are never numbers to compute with: do not parse a million of them.
    let identifier_like = (is_id_like_name(&name) || zero_padded) && forced.is_none();
    // A sample decides whether to parse the whole column; then a few stray words among
    // the numbers ("unknown", "inf", "1e400") are read as missing values and reported,
    // rather than turning the column into text.
    let sample_failures = if filled > 0 && !identifier_like {
        let sampled = filled_cells().take(NUMBER_SAMPLE).map(|t| parse_number(t, decimal).is_some());
        let (mut n, mut failed) = (0usize, 0usize);
        for ok in sampled {
            n += 1;
            failed += usize::from(!ok);
        }
        Some((failed, n))
    } else {
        None
    };
    let worth_parsing = sample_failures.is_some_and(|(failed, n)| failed * 10 <= n && failed < n);
    let parsed = (worth_parsing || matches!(forced, Some(ColumnKind::Numeric | ColumnKind::Boolean)))
        .then(|| parse_column(table, column, decimal_comma));
    let invalid_count = parsed.as_ref().map_or(0, |n| n.invalid_rows.len());
    let all_numeric = worth_parsing
        && parsed
            .as_ref()
            .is_some_and(|n| invalid_count == 0 || (few_strays(invalid_count, filled) && !code_like(table, column, &n.invalid_rows)));
    let numbers = parsed;
    let summary = numbers.as_ref().and_then(|n| summarise(&n.values));
    let all_integers = summary.as_ref().is_some_and(|s| s.all_integers);

    // Dates: a format that reads every sampled filled cell (compact and Unix forms need
    // evidence beyond digits, so plain numbers are not taken for dates).
    let sample: Vec<&str> = filled_cells().take(DATE_SAMPLE).collect();
    let date = if forced.is_none() || forced == Some(ColumnKind::Date) { detect_date_format(&sample, &name) } else { None };

    let (guessed, reason) = guess_kind(&GuessInput {
        name: &name,
        n_rows,
        filled,
        distinct,
        distinct_capped,
        zero_padded,
        all_numeric,
        all_integers,
        numbers: numbers.as_ref(),
        counts: &counts,
        date: date.as_ref(),
    });
    let (kind, reason, overridden) = match forced {
        Some(kind) if kind != guessed => (kind, format!("chosen by you (guessed {}: {reason})", guessed.as_str()), true),
        _ => (guessed, reason, false),
    };

    let possibly_categorical = kind == ColumnKind::Numeric && all_integers && distinct <= MAX_CODES && filled >= 2 * distinct;
    let mut reason = reason;
    if possibly_categorical {
        let mut values: Vec<&str> = counts.keys().copied().collect();
        let key = |v: &str| parse_number(v, DecimalSeparator::Point).unwrap_or(0.0);
        values.sort_by(|a, b| key(a).total_cmp(&key(b)));
        reason = format!(
            "whole numbers with only {distinct} values ({}): possibly category codes, not quantities; tick it to use it as a number",
            values.join(", ")
        );
    }
    let suggest_log =
        kind == ColumnKind::Numeric && summary.as_ref().is_some_and(|s| s.min >= 0.0 && s.skewness > 1.0 && !possibly_categorical);

    let mut top_values: Vec<(String, usize)> = counts.iter().map(|(v, n)| ((*v).to_owned(), *n)).collect();
    top_values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top_values.truncate(10);

    let invalid = numbers.as_ref().map_or(0, |n| n.invalid_rows.len());
    let keep_numbers = matches!(kind, ColumnKind::Numeric | ColumnKind::Boolean);
    let (strays, first_stray_line) = match numbers.as_ref().filter(|_| keep_numbers && invalid > 0) {
        Some(n) => stray_texts(table, column, &n.invalid_rows),
        None => (Vec::new(), None),
    };
    if kind == ColumnKind::Numeric && !strays.is_empty() && !overridden {
        reason = format!("every filled cell is a number except {invalid} ({}), read as missing values", strays_in_words(&strays, invalid));
    }
    let mostly_missing = missing * 2 > n_rows && n_rows > 0 && kind == ColumnKind::Numeric;
    if mostly_missing {
        reason = format!(
            "{reason}; {} of {n_rows} rows have no value: not used by default (tick it to use it and choose a fill for the missing values)",
            missing
        );
    }
    let profile = ColumnProfile {
        index: column,
        name,
        kind,
        reason,
        overridden,
        missing,
        invalid,
        distinct,
        distinct_capped,
        possibly_categorical,
        decimal_comma: decimal_comma && keep_numbers,
        date_format: if kind == ColumnKind::Date { date.map(|(f, _)| f) } else { None },
        numeric: if keep_numbers { summary } else { None },
        top_values,
        suggest_log,
        strays,
        first_stray_line,
        mostly_missing,
    };
    (profile, if keep_numbers { numbers.or_else(|| Some(parse_column(table, column, decimal_comma))) } else { None })
}

/// The texts of a column's stray cells with their counts (most frequent first, at most
/// 5), and the file line of the first.
fn stray_texts(table: &Table, column: usize, rows: &[usize]) -> (Vec<(String, usize)>, Option<u64>) {
    let mut counts: HashMap<&str, usize, FxBuildHasher> = HashMap::with_hasher(FxBuildHasher);
    for &row in rows {
        *counts.entry(table.cell(row, column).trim()).or_insert(0) += 1;
    }
    let mut texts: Vec<(String, usize)> = counts.into_iter().map(|(t, n)| (t.to_owned(), n)).collect();
    texts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    texts.truncate(5);
    (texts, rows.first().and_then(|&r| table.row_lines.get(r)).copied())
}

/// "“unknown” × 8, “n/k” × 2 and 1 other".
pub fn strays_in_words(strays: &[(String, usize)], total: usize) -> String {
    let listed: usize = strays.iter().map(|(_, n)| n).sum();
    let mut words: Vec<String> = strays.iter().map(|(t, n)| if *n == 1 { format!("“{t}”") } else { format!("“{t}” × {n}") }).collect();
    if total > listed {
        words.push(format!("{} other{}", total - listed, if total - listed == 1 { "" } else { "s" }));
    }
    words.join(", ")
}

/// Warnings about the columns, for the page: numeric columns with stray cells (read as
/// missing), and mostly empty columns (not features by default).
pub fn profile_warnings(profile: &TableProfile, n_rows: usize) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for c in &profile.columns {
        if !c.strays.is_empty() && matches!(c.kind, ColumnKind::Numeric | ColumnKind::Boolean) {
            let mut w = Warning::new(
                WarningKind::StrayValues,
                format!(
                    "{}: {} cell{} not a number ({}{}): read as missing values; they follow the column's missing-value choice",
                    c.name,
                    c.invalid,
                    if c.invalid == 1 { " is" } else { "s are" },
                    strays_in_words(&c.strays, c.invalid),
                    c.first_stray_line.map_or_else(String::new, |l| format!(", first on line {l}")),
                ),
            )
            .in_column(c.name.clone());
            if let Some(line) = c.first_stray_line {
                w = w.at_line(line);
            }
            warnings.push(w);
        }
        if c.mostly_missing {
            warnings.push(
                Warning::new(
                    WarningKind::MostlyMissing,
                    format!(
                        "{}: {} of {n_rows} rows ({:.0}%) have no value, so it is not used for clustering by default (using it would leave most customers out); tick it and choose a fill if it matters",
                        c.name,
                        c.missing,
                        100.0 * c.missing as f64 / n_rows.max(1) as f64
                    ),
                )
                .in_column(c.name.clone()),
            );
        }
    }
    warnings
}

struct GuessInput<'a> {
    name: &'a str,
    n_rows: usize,
    filled: usize,
    distinct: usize,
    distinct_capped: bool,
    zero_padded: bool,
    all_numeric: bool,
    all_integers: bool,
    numbers: Option<&'a NumericColumn>,
    counts: &'a HashMap<&'a str, usize, FxBuildHasher>,
    date: Option<&'a (DateFormat, String)>,
}

fn guess_kind(g: &GuessInput<'_>) -> (ColumnKind, String) {
    use ColumnKind::*;
    if g.filled == 0 {
        return (Constant, "every cell is empty".to_owned());
    }
    if g.distinct == 1 && !g.distinct_capped {
        let value = g.counts.keys().next().copied().unwrap_or("");
        return (Constant, format!("the same value ({value}) on every filled row"));
    }
    if is_id_like_name(g.name) {
        return (Identifier, format!("the name “{}” reads as an identifier", g.name));
    }
    if let Some((_, reason)) = g.date {
        return (Date, reason.clone());
    }
    if g.zero_padded && g.counts.keys().all(|v| v.bytes().all(|b| b.is_ascii_digit())) {
        return (Identifier, "zero-padded codes such as 0001 are identifiers, kept as text".to_owned());
    }
    if g.distinct <= 6 {
        if let Some(pair) = boolean_pair(g.counts) {
            return (Boolean, format!("two values only: {pair}"));
        }
    }
    let unique = g.filled == g.n_rows && g.distinct == g.n_rows && !g.distinct_capped;
    if g.all_numeric {
        if unique && g.all_integers && g.n_rows >= 3 {
            if g.name.trim().is_empty() || g.name.starts_with("column_") {
                return (Identifier, "a different whole number on every row and no column name: a row number".to_owned());
            }
            if g.numbers.is_some_and(|n| is_run(&n.values)) {
                return (Identifier, "a different whole number on every row, in a run: a row number or ID".to_owned());
            }
        }
        return (Numeric, "every filled cell is a number".to_owned());
    }
    if g.distinct <= MAX_CATEGORIES && g.distinct * 2 <= g.filled {
        return (Categorical, format!("{} distinct values", g.distinct));
    }
    if unique {
        return (Identifier, "a different value on every row".to_owned());
    }
    (Text, format!("text with {}{} distinct values", g.distinct, if g.distinct_capped { "+" } else { "" }))
}

/// The pair of values (case-insensitive) if the column holds exactly yes/no, true/false,
/// 0/1, y/n, t/f or on/off.
fn boolean_pair(counts: &HashMap<&str, usize, FxBuildHasher>) -> Option<String> {
    const PAIRS: [(&str, &str); 6] = [("0", "1"), ("false", "true"), ("no", "yes"), ("n", "y"), ("f", "t"), ("off", "on")];
    let mut values: Vec<String> = counts.keys().map(|v| v.to_ascii_lowercase()).collect();
    values.sort_unstable();
    values.dedup();
    match values.as_slice() {
        [a, b] if PAIRS.iter().any(|(x, y)| a == x && b == y) => Some(format!("{a} / {b}")),
        _ => None,
    }
}

/// Whole numbers forming a consecutive range (1, 2, 3, ... in any order).
fn is_run(values: &[f64]) -> bool {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    sorted.len() >= 3 && sorted.windows(2).all(|w| matches!(w, [a, b] if b - a == 1.0))
}

/// Parses every cell of a column as a number (NaN for missing or invalid); yes/no and
/// true/false read as 1/0.
pub fn parse_column(table: &Table, column: usize, decimal_comma: bool) -> NumericColumn {
    let decimal = if decimal_comma { DecimalSeparator::Comma } else { DecimalSeparator::Point };
    let mut values = Vec::with_capacity(table.n_rows());
    let mut invalid_rows = Vec::new();
    let cells = table.columns.get(column);
    for (row, cell) in cells.into_iter().flat_map(|c| c.iter()).enumerate() {
        let t = trim_cell(cell);
        if table.is_missing(t) {
            values.push(f64::NAN);
            continue;
        }
        match parse_cell(t, decimal) {
            Some(v) => values.push(v),
            None => {
                values.push(f64::NAN);
                invalid_rows.push(row);
            }
        }
    }
    NumericColumn { values, invalid_rows }
}

/// A trimmed cell that is not a missing value as a number: [`parse_number`] in the column's
/// convention, or a yes/no word as 1/0 ([`parse_boolean`]).
pub fn parse_cell(trimmed: &str, decimal: DecimalSeparator) -> Option<f64> {
    parse_number(trimmed, decimal).or_else(|| parse_boolean(trimmed))
}

/// yes/no, true/false, y/n, t/f, on/off as 1/0.
pub fn parse_boolean(cell: &str) -> Option<f64> {
    match cell.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "t" | "on" => Some(1.0),
        "false" | "no" | "n" | "f" | "off" => Some(0.0),
        _ => None,
    }
}

/// Statistics of the finite values; `None` when there are none. Linear time: quartiles by
/// selection, not by sorting (a million-row column is profiled in milliseconds).
pub fn summarise(values: &[f64]) -> Option<NumericSummary> {
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return None;
    }
    let n = finite.len() as f64;
    let (mut min, mut max, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
    let mut all_integers = true;
    for &v in &finite {
        min = min.min(v);
        max = max.max(v);
        sum += v;
        all_integers &= v.fract() == 0.0;
    }
    let mean = sum / n;
    let (m2, m3) = finite.iter().fold((0.0, 0.0), |(m2, m3), v| {
        let d = v - mean;
        (m2 + d * d, m3 + d * d * d)
    });
    let (m2, m3) = (m2 / n, m3 / n);
    let skewness = if m2 > 0.0 { m3 / m2.powf(1.5) } else { 0.0 };
    let mut counts = vec![0u32; BINS];
    let width = (max - min) / BINS as f64;
    for v in &finite {
        let bin = if width > 0.0 { (((v - min) / width) as usize).min(BINS - 1) } else { 0 };
        if let Some(c) = counts.get_mut(bin) {
            *c += 1;
        }
    }
    let [q1, median, q3] = quartiles(&mut finite);
    Some(NumericSummary {
        count: finite.len(),
        min,
        max,
        mean,
        std: m2.sqrt(),
        q1,
        median,
        q3,
        skewness,
        all_integers,
        histogram: Histogram { lo: min, hi: max, counts },
    })
}

/// The quartiles of `values` (reordering them), each as [`quantile`] gives it: the median
/// first, then each quartile selected within its own half. NaN for no values.
pub fn quartiles(values: &mut [f64]) -> [f64; 3] {
    if values.is_empty() {
        return [f64::NAN; 3];
    }
    let median = select_quantile(values, 0.5);
    let len = values.len();
    let mid = (len - 1) / 2;
    // The first quartile's upper neighbour is in the lower half but at two values, where it
    // is the one above the median: the part reaches one past the half (any value there is
    // at least every value below it, so the order statistics the part holds are unchanged).
    let q1 = quantile_in(values, 0.25, 0, (mid + 2).min(len));
    let q3 = quantile_in(values, 0.75, mid, len);
    [q1, median, q3]
}

/// The `q` quantile of the whole of `values`, knowing that after a selection of the median
/// the order statistics it needs lie within `values[from..to]`.
fn quantile_in(values: &mut [f64], q: f64, from: usize, to: usize) -> f64 {
    let Some(last) = values.len().checked_sub(1) else {
        return f64::NAN;
    };
    let position = q.clamp(0.0, 1.0) * last as f64;
    let below = position.floor() as usize;
    let Some(part) = values.get_mut(from..to) else {
        return f64::NAN;
    };
    let Some(index) = below.checked_sub(from).filter(|&i| i < part.len()) else {
        return f64::NAN;
    };
    let (_, &mut a, rest) = part.select_nth_unstable_by(index, f64::total_cmp);
    let b = if position > below as f64 { rest.iter().copied().fold(f64::INFINITY, least) } else { a };
    a + (b - a) * (position - below as f64)
}

/// [`quantile`] of unsorted values, by selection (reorders `values`).
pub fn select_quantile(values: &mut [f64], q: f64) -> f64 {
    let Some(last) = values.len().checked_sub(1) else {
        return f64::NAN;
    };
    let position = q.clamp(0.0, 1.0) * last as f64;
    let below = position.floor() as usize;
    let (_, &mut a, rest) = values.select_nth_unstable_by(below, f64::total_cmp);
    let b = if position > below as f64 { rest.iter().copied().fold(f64::INFINITY, least) } else { a };
    a + (b - a) * (position - below as f64)
}

/// Quantile of sorted values with linear interpolation (numpy's default).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return f64::NAN;
    };
    let position = q.clamp(0.0, 1.0) * last as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let (Some(a), Some(b)) = (sorted.get(below), sorted.get(above)) else {
        return f64::NAN;
    };
    a + (b - a) * (position - below as f64)
}

/// Names like `id`, `CustomerID`, `customer_id`, `Client Id`.
pub fn is_id_like_name(name: &str) -> bool {
    let trimmed = name.trim();
    let lower = trimmed.to_ascii_lowercase();
    let compact: String = lower.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    compact == "id"
        || (compact.ends_with("id")
            && (lower.ends_with(" id")
                || lower.ends_with("_id")
                || lower.ends_with("-id")
                || trimmed.ends_with("ID")
                || trimmed.ends_with("Id")))
        || lower.starts_with("id ")
        || lower.starts_with("id_")
}

#[cfg(test)]
mod tests;
