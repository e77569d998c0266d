//! Dates and datetimes as exports write them: ISO (`2011-12-01T08:26:00Z`), separated in
//! three orders (`10/31/2011 10:42`, `21/08/2013`, `01.12.2011`), compact (`20111201`) and
//! Unix time in seconds or milliseconds.
//!
//! Owns the formats ([`DateFormat`]), the reading of one cell as seconds since
//! 1970-01-01T00:00:00 in naive local time ([`parse_datetime`]), the choice of format for a
//! column ([`detect_date_format`]) and [`days_between`].
//!
//! The calendar is written here rather than taken from chrono: it is a leap-year rule, a
//! table of month lengths and Hinnant's `days_from_civil`, about thirty lines that work on
//! bytes without allocating, add nothing to the wasm bundle and cannot disagree with the
//! parsing around them. The tests check it against chrono.

use serde::{Deserialize, Serialize};

/// The order of the three fields of a separated date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// `2011/12/01`: the year has four digits.
    YearMonthDay,
    /// `21/08/2013`: the year has four digits or two.
    DayMonthYear,
    /// `10/31/2011`: the year has four digits or two.
    MonthDayYear,
}

/// How a column writes its dates. Every form but the Unix ones may be followed by a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// `2011-12-01`, then optionally `T` or spaces and `08:26`, `08:26:00`, `08:26:00.123`,
    /// and a final `Z`. Four-digit year, two-digit month and day.
    Iso,
    /// Three fields with one separator (`/`, `-` or `.`), day and month of one or two digits,
    /// then optionally spaces and `8:26`, `08:26:00`, with `AM`/`PM` allowed. A two-digit
    /// year `yy` is 20yy when below 69 and 19yy otherwise (POSIX `%y`).
    Separated { order: DateOrder, separator: char },
    /// `YYYYMMDD` with a year from 1900 to 2100, optionally followed by spaces and a time.
    Compact,
    /// Whole seconds since 1970-01-01T00:00:00.
    UnixSeconds,
    /// Whole milliseconds since 1970-01-01T00:00:00 (rounded down to the second).
    UnixMillis,
}

/// How many non-empty cells [`detect_date_format`] looks at.
pub const DATE_SAMPLE: usize = 10_000;

const SECONDS_PER_DAY: i64 = 86_400;
/// 2000-01-01T00:00:00 and 2100-01-01T00:00:00: the plausible range for Unix time columns.
const UNIX_PLAUSIBLE: core::ops::Range<i64> = 946_684_800..4_102_444_800;
const COMPACT_YEARS: core::ops::RangeInclusive<i64> = 1900..=2100;

/// Reads a cell as seconds since 1970-01-01T00:00:00 (naive local time: no time zone is
/// applied, a final `Z` is accepted and ignored) in the given format. `None` when the text is
/// not a valid date in that format (`31/02/2020`, `24:00`, `13/13/2020`).
pub fn parse_datetime(cell: &str, format: DateFormat) -> Option<i64> {
    let text = cell.trim();
    let mut c = Cursor { bytes: text.as_bytes(), position: 0 };
    let (days, clock_style) = match format {
        DateFormat::UnixSeconds => return unix_integer(text),
        DateFormat::UnixMillis => return unix_integer(text).map(|ms| ms.div_euclid(1000)),
        DateFormat::Iso => {
            let year = c.digits(4, 4)?;
            c.expect(b'-')?;
            let month = c.digits(2, 2)?;
            c.expect(b'-')?;
            let day = c.digits(2, 2)?;
            (civil_days(year.value, month.value, day.value)?, ClockStyle::Iso)
        }
        DateFormat::Separated { order, separator } => {
            let separator = u8::try_from(separator).ok().filter(u8::is_ascii_punctuation)?;
            let first = c.digits(1, 4)?;
            c.expect(separator)?;
            let second = c.digits(1, 4)?;
            c.expect(separator)?;
            let third = c.digits(1, 4)?;
            let (year, month, day) = match order {
                DateOrder::YearMonthDay => (full_year(first)?, second, third),
                DateOrder::DayMonthYear => (year_of(third)?, second, first),
                DateOrder::MonthDayYear => (year_of(third)?, first, second),
            };
            if month.len > 2 || day.len > 2 {
                return None;
            }
            (civil_days(year, month.value, day.value)?, ClockStyle::Separated)
        }
        DateFormat::Compact => {
            let year = c.digits(4, 4)?;
            let month = c.digits(2, 2)?;
            let day = c.digits(2, 2)?;
            if !COMPACT_YEARS.contains(&year.value) {
                return None;
            }
            (civil_days(year.value, month.value, day.value)?, ClockStyle::Separated)
        }
    };
    let seconds = if c.at_end() {
        0
    } else {
        let spaced = c.skip_spaces() > 0;
        let t = clock_style == ClockStyle::Iso && !spaced && c.eat(b'T');
        if !spaced && !t {
            return None;
        }
        clock(&mut c, clock_style)?
    };
    c.at_end().then_some(days * SECONDS_PER_DAY + seconds)
}

/// Days from `earlier` to `later` (both from [`parse_datetime`]), with the fraction of a
/// day: negative when `later` is before `earlier`.
pub fn days_between(earlier: i64, later: i64) -> f64 {
    // i128 so that no pair of i64 overflows; any realistic difference is exact in f64.
    (i128::from(later) - i128::from(earlier)) as f64 / SECONDS_PER_DAY as f64
}

/// Chooses the format that reads every non-empty cell of the sample (the first
/// [`DATE_SAMPLE`]), with a short reason for the UI; `None` when no format reads them all or
/// there is no non-empty cell. Callers remove missing-value tokens first.
///
/// Tried in order: ISO; separated with `/`, `-` or `.` (year first, or day/month decided by
/// evidence: a first field above 12 means day first, a second field above 12 month first;
/// when every value reads both ways, dotted dates are taken as day first and others as month
/// first, and the reason says "ambiguous"); compact `YYYYMMDD`; and only when the column
/// name suggests time (`time`, `timestamp`, `date`, `_at`), integers in 2000..2100 as Unix
/// seconds or milliseconds. `1-10`, `3/4`, `12.5`, lone years and numbers like `20231` are
/// never dates.
pub fn detect_date_format(cells: &[&str], column_name: &str) -> Option<(DateFormat, String)> {
    let sample = || cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).take(DATE_SAMPLE);
    let first = sample().next()?;
    let reads_all = |format: DateFormat| sample().all(|c| accepts(c, format));
    let first_failing = |format: DateFormat| sample().find(|c| !accepts(c, format)).unwrap_or(first);

    if reads_all(DateFormat::Iso) {
        return Some((DateFormat::Iso, format!("ISO dates such as {first}")));
    }
    for separator in ['/', '-', '.'] {
        let separated = |order| DateFormat::Separated { order, separator };
        let year_first = separated(DateOrder::YearMonthDay);
        if reads_all(year_first) {
            return Some((year_first, format!("year first: values such as {first}")));
        }
        let day_first = separated(DateOrder::DayMonthYear);
        let month_first = separated(DateOrder::MonthDayYear);
        match (reads_all(day_first), reads_all(month_first)) {
            (true, true) if separator == '.' => {
                return Some((day_first, format!("ambiguous: assumed day first, as dotted dates such as {first} usually are")));
            }
            (true, true) => {
                return Some((month_first, format!("ambiguous: assumed month first, values such as {first} read either way")));
            }
            (true, false) => {
                let evidence = first_failing(month_first);
                return Some((day_first, format!("day first: values such as {evidence}")));
            }
            (false, true) => {
                let evidence = first_failing(day_first);
                return Some((month_first, format!("month first: values such as {evidence}")));
            }
            (false, false) => {}
        }
    }
    if sample().all(|c| c.len() == 8) && reads_all(DateFormat::Compact) {
        return Some((DateFormat::Compact, format!("compact dates (YYYYMMDD) such as {first}")));
    }
    if name_suggests_time(column_name) {
        for (format, unit) in [(DateFormat::UnixSeconds, "seconds"), (DateFormat::UnixMillis, "milliseconds")] {
            if reads_all(format) {
                let reason = format!("Unix time in {unit}: the name says time and every value falls in 2000–2100, such as {first}");
                return Some((format, reason));
            }
        }
    }
    None
}

/// Whether detection counts the cell as written in the format: it parses, and Unix times
/// fall in [`UNIX_PLAUSIBLE`] in their own unit.
fn accepts(cell: &str, format: DateFormat) -> bool {
    match (format, parse_datetime(cell, format)) {
        (_, None) => false,
        (DateFormat::UnixMillis, Some(seconds)) | (DateFormat::UnixSeconds, Some(seconds)) => UNIX_PLAUSIBLE.contains(&seconds),
        (_, Some(_)) => true,
    }
}

fn name_suggests_time(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    lower.contains("time") || lower.contains("date") || lower.ends_with("_at") || lower.ends_with(" at")
}

/// A run of digits read by [`Cursor::digits`]: its value and how many digits it had.
#[derive(Clone, Copy)]
struct Field {
    value: i64,
    len: usize,
}

/// The year of a day-first or month-first date: four digits, or two by the POSIX pivot.
fn year_of(field: Field) -> Option<i64> {
    match field.len {
        4 => Some(field.value),
        2 if field.value < 69 => Some(2000 + field.value),
        2 => Some(1900 + field.value),
        _ => None,
    }
}

fn full_year(field: Field) -> Option<i64> {
    (field.len == 4).then_some(field.value)
}

/// Integer text (optional `-`, digits only) for the Unix formats.
fn unix_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok()
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a valid proleptic Gregorian date; `None` for an invalid one.
/// Howard Hinnant's `days_from_civil` (eras of 400 years, years starting in March).
fn civil_days(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ClockStyle {
    /// `08:26[:00[.123]][Z]`: two-digit hour, no AM/PM.
    Iso,
    /// `8:26[:00[.123]][ AM]`: one- or two-digit hour, AM/PM allowed.
    Separated,
}

/// Seconds since midnight of `HH:MM[:SS[.fraction]]`; the fraction is dropped.
fn clock(c: &mut Cursor<'_>, style: ClockStyle) -> Option<i64> {
    let min_hour_digits = if style == ClockStyle::Iso { 2 } else { 1 };
    let hour = c.digits(min_hour_digits, 2)?.value;
    c.expect(b':')?;
    let minute = c.digits(2, 2)?.value;
    let second = if c.eat(b':') { c.digits(2, 2)?.value } else { 0 };
    if c.eat(b'.') || c.eat(b',') {
        c.digits(1, usize::MAX)?;
    }
    let hour = match style {
        ClockStyle::Iso => {
            c.eat(b'Z');
            hour
        }
        ClockStyle::Separated => {
            let spaced = c.skip_spaces() > 0;
            match meridiem(c) {
                Some(pm) if (1..=12).contains(&hour) => hour % 12 + if pm { 12 } else { 0 },
                Some(_) => return None,
                None if spaced => return None,
                None => hour,
            }
        }
    };
    (hour < 24 && minute < 60 && second < 60).then_some(hour * 3600 + minute * 60 + second)
}

/// `AM`/`PM` in any case: `Some(true)` for PM.
fn meridiem(c: &mut Cursor<'_>) -> Option<bool> {
    let pm = match c.bytes.get(c.position)?.to_ascii_uppercase() {
        b'A' => false,
        b'P' => true,
        _ => return None,
    };
    if !c.bytes.get(c.position + 1)?.eq_ignore_ascii_case(&b'M') {
        return None;
    }
    c.position += 2;
    Some(pm)
}

/// Reads the cell's bytes left to right; every step checks its bounds.
struct Cursor<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl Cursor<'_> {
    fn at_end(&self) -> bool {
        self.position >= self.bytes.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.bytes.get(self.position) == Some(&byte);
        if found {
            self.position += 1;
        }
        found
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    fn skip_spaces(&mut self) -> usize {
        let start = self.position;
        while self.eat(b' ') {}
        self.position - start
    }

    /// Between `min` and `max` ASCII digits, as many as there are. Values saturate, so a
    /// long fraction cannot overflow.
    fn digits(&mut self, min: usize, max: usize) -> Option<Field> {
        let mut field = Field { value: 0, len: 0 };
        while field.len < max {
            match self.bytes.get(self.position) {
                Some(b) if b.is_ascii_digit() => {
                    field.value = field.value.saturating_mul(10).saturating_add(i64::from(b - b'0'));
                    field.len += 1;
                    self.position += 1;
                }
                _ => break,
            }
        }
        (field.len >= min).then_some(field)
    }
}

#[cfg(test)]
mod tests;
