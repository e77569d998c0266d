//! Transaction log → one row per customer with Recency, Frequency and Monetary.
//!
//! Most shops can export only their order history: one row per order line (invoice,
//! product, quantity, price, date, customer). This module recognises such a log
//! ([`guess_mapping`]), aggregates it per customer in one pass ([`aggregate`]), scores each
//! customer with the classic RFM quintiles and names its RFM segment ([`scores`]), and turns
//! the customers into a [`Table`] the rest of the pipeline reads unchanged
//! ([`customers_table`]).
//!
//! Definitions (pandas equivalents in `tests/fixtures/rfm/make_rfm_fixture.py`):
//! - A **cancellation line** is a line whose invoice starts with `C` (any case) or whose
//!   quantity is negative (with no quantity column: whose amount is negative). Under the
//!   default [`CancellationRule::NetFromSpend`] it is not an order, but its value is netted
//!   from the customer's spend; every other line is a **purchase line** (zero-price lines
//!   included: they are counted and kept).
//! - **Frequency**: distinct invoices among the customer's purchase lines; without an
//!   invoice column, distinct calendar days with a purchase line.
//! - **Monetary**: net spend, the sum of quantity × unit price (or the amount) over all the
//!   customer's used lines, cancellations included (so it can be negative).
//! - **Average order value**: gross spend of the purchase lines ÷ frequency (cancellations
//!   do not lower it: it describes the orders the customer placed).
//! - **Recency** and **tenure**: whole days from the last and the first purchase line to
//!   the reference date, as pandas `(reference - date).days` (floor of the difference).
//! - **Reference date**: [`RfmOptions::reference_date`], by default midnight after the
//!   latest readable date in the date column (every row of the file).
//!
//! Invariant: every input row is used or has a reason in [`RfmResult::row_reasons`]; a
//! customer with no purchase line (only cancellations) is not a customer of the output, and
//! its rows say why.

mod mapping;
pub mod scores;
mod table;

use std::borrow::Cow;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::cells::dates::{detect_date_format, parse_datetime, DateFormat, DateOrder, DATE_SAMPLE};
use super::ingest::Table;
use super::outcome::ExclusionReason;
use super::profile::{parse_column, NumericColumn, TableProfile};
pub use mapping::guess_mapping;
pub use scores::{quintile_scores, rfm_segment, RfmSegment};
pub use table::{customers_table, suggested_cleaning, CUSTOMER_COLUMNS, SUGGESTED_FEATURES};

const SECONDS_PER_DAY: i64 = 86_400;

/// Which column holds what in a transaction log (0-based column indices).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionMapping {
    pub customer: usize,
    pub date: usize,
    /// The order (invoice) id; without it, frequency counts purchase days.
    pub invoice: Option<usize>,
    /// The value of a line; when absent, quantity × unit price.
    pub amount: Option<usize>,
    pub quantity: Option<usize>,
    pub unit_price: Option<usize>,
}

/// What to do with cancellation lines (see the module docs for what they are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancellationRule {
    /// Not an order; the value is netted from the customer's spend (the default).
    #[default]
    NetFromSpend,
    /// Left out entirely, with a reason.
    Exclude,
}

/// Options of [`aggregate`]. `Default`: reference date from the data, cancellations netted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RfmOptions {
    /// Seconds since 1970 (naive local time, as [`parse_datetime`]); by default midnight
    /// after the latest date in the file.
    pub reference_date: Option<i64>,
    pub cancellations: CancellationRule,
}

/// One customer's RFM figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerRfm {
    /// The id as written (trimmed).
    pub customer: String,
    pub recency_days: i64,
    pub frequency: usize,
    pub monetary: f64,
    pub tenure_days: i64,
    pub average_order_value: f64,
    /// Seconds since 1970 of the first and the last purchase line.
    pub first_purchase: i64,
    pub last_purchase: i64,
    /// Quintile scores 1..=5 (R: 5 = most recent).
    pub r: u8,
    pub f: u8,
    pub m: u8,
    pub segment: RfmSegment,
}

/// What happened to the rows, for the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmReport {
    pub rows_read: usize,
    /// Rows counted in a customer's figures.
    pub rows_used: usize,
    /// Left out: no customer id.
    pub rows_without_customer: usize,
    /// Distinct invoices starting with `C`, over every row of the file.
    pub cancelled_invoices: usize,
    /// Cancellation lines (invoice `C…` or negative quantity), over every row of the file.
    pub cancellation_lines: usize,
    /// Lines with a negative quantity, over every row (most are cancellation lines).
    pub negative_quantity_lines: usize,
    /// Lines with a price (or amount) of zero, over every row: reported, kept.
    pub zero_price_lines: usize,
    /// Left out: the date is missing or does not read.
    pub unreadable_date_rows: usize,
    /// Left out: the quantity, price or amount is missing or not a number.
    pub unreadable_amount_rows: usize,
    /// Left out under [`CancellationRule::Exclude`].
    pub excluded_cancellation_rows: usize,
    /// Left out: rows of ids whose every line is a cancellation (no purchase).
    pub rows_of_customers_without_purchase: usize,
    pub customers: usize,
    /// The reference date used, seconds since 1970.
    pub reference_date: i64,
    /// How the dates were read, for the page.
    pub date_format: DateFormat,
}

/// The customers (sorted by id text), the report, and for every input row `None` (used)
/// or why it was left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmResult {
    pub customers: Vec<CustomerRfm>,
    pub report: RfmReport,
    pub row_reasons: Vec<Option<ExclusionReason>>,
}

/// Why a log could not be aggregated. Each message says what to do.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum RfmError {
    #[error("column {column} does not exist (the file has {columns} columns): choose the columns again")]
    NoSuchColumn { column: usize, columns: usize },
    #[error("no amount column and no quantity and unit price columns: choose how a line's value is given")]
    NoAmount,
    #[error(
        "the dates in {column} do not read in any known format (such as 10/31/2011 10:42 or 2011-10-31): choose the date column again"
    )]
    UnreadableDates { column: String },
    #[error("no customer has a usable purchase: {rows_without_customer} rows have no customer id, {unreadable} have an unreadable date or amount, the rest are cancellations")]
    NoCustomers { rows_without_customer: usize, unreadable: usize },
}

/// Per-customer running figures.
struct Running<'a> {
    id: &'a str,
    first: i64,
    last: i64,
    net: f64,
    gross: f64,
    orders: usize,
    purchases: usize,
}

/// Aggregates a transaction log per customer (see the module docs for the definitions).
pub fn aggregate(table: &Table, profile: &TableProfile, mapping: &TransactionMapping, options: &RfmOptions) -> Result<RfmResult, RfmError> {
    check_columns(table, mapping)?;
    let columns = LogColumns::read(table, profile, mapping)?;
    let n = table.n_rows();
    let mut report = empty_report(n, columns.date_format);
    let mut row_reasons: Vec<Option<ExclusionReason>> = vec![None; n];
    let mut pass = Pass::new(n);
    let reasons = Reasons::new(&columns);
    for (row, reason) in row_reasons.iter_mut().enumerate() {
        let line = read_line(table, mapping, &columns, row);
        count_line(&line, &mut report, &mut pass);
        match usable(&line, options, &reasons, &mut report) {
            Ok((date, value)) => pass.add(row, &line, date, value),
            Err(why) => *reason = Some(why),
        }
    }
    report.cancelled_invoices = pass.cancelled.len();
    let reference = reference_date(options, pass.latest);
    report.reference_date = reference;
    mark_customers_without_purchase(&mut row_reasons, &pass, &mut report);
    let mut buyers: Vec<&Running<'_>> = pass.running.iter().filter(|a| a.purchases > 0).collect();
    buyers.sort_unstable_by(|a, b| a.id.cmp(b.id));
    if buyers.is_empty() {
        return Err(RfmError::NoCustomers {
            rows_without_customer: report.rows_without_customer,
            unreadable: report.unreadable_date_rows + report.unreadable_amount_rows,
        });
    }
    let mut customers: Vec<CustomerRfm> = buyers.iter().map(|a| customer_of(a, reference)).collect();
    scores::score(&mut customers);
    report.customers = customers.len();
    Ok(RfmResult { customers, report, row_reasons })
}

/// Every mapped column exists.
fn check_columns(table: &Table, mapping: &TransactionMapping) -> Result<(), RfmError> {
    let columns = table.n_columns();
    let check = |c: usize| if c < columns { Ok(c) } else { Err(RfmError::NoSuchColumn { column: c, columns }) };
    check(mapping.customer)?;
    check(mapping.date)?;
    for c in [mapping.invoice, mapping.amount, mapping.quantity, mapping.unit_price].into_iter().flatten() {
        check(c)?;
    }
    Ok(())
}

/// The mapped columns read once: how the dates are written, the numbers, and the names
/// the reasons give.
struct LogColumns<'a> {
    date_format: DateFormat,
    date_name: String,
    quantity: Option<Cow<'a, NumericColumn>>,
    price: Option<Cow<'a, NumericColumn>>,
    amount: Option<Cow<'a, NumericColumn>>,
    /// The amount column's name, or "Quantity or UnitPrice".
    amount_names: String,
}

impl<'a> LogColumns<'a> {
    fn read(table: &Table, profile: &'a TableProfile, mapping: &TransactionMapping) -> Result<Self, RfmError> {
        let date_name = table.headers.get(mapping.date).cloned().unwrap_or_default();
        let date_format = date_format_of(table, profile, mapping.date).ok_or(RfmError::UnreadableDates { column: date_name.clone() })?;
        let quantity = mapping.quantity.map(|c| numbers_of(table, profile, c));
        let price = mapping.unit_price.map(|c| numbers_of(table, profile, c));
        let amount = mapping.amount.map(|c| numbers_of(table, profile, c));
        if amount.is_none() && (quantity.is_none() || price.is_none()) {
            return Err(RfmError::NoAmount);
        }
        let name = |c: Option<usize>| c.and_then(|c| table.headers.get(c)).map_or("", String::as_str);
        let amount_names = match mapping.amount {
            Some(_) => name(mapping.amount).to_owned(),
            None => format!("{} or {}", name(mapping.quantity), name(mapping.unit_price)),
        };
        Ok(Self { date_format, date_name, quantity, price, amount, amount_names })
    }

    /// The line's value (the amount, or quantity × unit price), if finite.
    fn value_at(&self, row: usize) -> Option<f64> {
        let v = match &self.amount {
            Some(a) => a.values.get(row).copied()?,
            None => self.quantity.as_ref()?.values.get(row).copied()? * self.price.as_ref()?.values.get(row).copied()?,
        };
        v.is_finite().then_some(v)
    }

    fn quantity_at(&self, row: usize) -> Option<f64> {
        self.quantity.as_ref().and_then(|q| q.values.get(row).copied()).filter(|v| v.is_finite())
    }

    /// The unit price, or without a price column the line's value.
    fn price_at(&self, row: usize, value: Option<f64>) -> Option<f64> {
        match &self.price {
            Some(p) => p.values.get(row).copied(),
            None => value,
        }
    }
}

/// A report with every count at zero.
fn empty_report(rows_read: usize, date_format: DateFormat) -> RfmReport {
    RfmReport {
        rows_read,
        rows_used: 0,
        rows_without_customer: 0,
        cancelled_invoices: 0,
        cancellation_lines: 0,
        negative_quantity_lines: 0,
        zero_price_lines: 0,
        unreadable_date_rows: 0,
        unreadable_amount_rows: 0,
        excluded_cancellation_rows: 0,
        rows_of_customers_without_purchase: 0,
        customers: 0,
        reference_date: 0,
        date_format,
    }
}

/// One line of the log as read.
struct Line<'a> {
    customer: &'a str,
    missing_customer: bool,
    date: Option<i64>,
    invoice: Option<&'a str>,
    quantity: Option<f64>,
    value: Option<f64>,
    price: Option<f64>,
    /// Invoice `C…`.
    cancelled_invoice: bool,
    /// Invoice `C…` or a negative quantity (without a quantity column: a negative value).
    cancellation: bool,
}

fn read_line<'a>(table: &'a Table, mapping: &TransactionMapping, columns: &LogColumns<'_>, row: usize) -> Line<'a> {
    let customer = table.cell(row, mapping.customer).trim();
    let date_cell = table.cell(row, mapping.date);
    let date = if table.is_missing(date_cell) { None } else { parse_datetime(date_cell, columns.date_format) };
    let invoice = mapping.invoice.map(|c| table.cell(row, c).trim());
    let quantity = columns.quantity_at(row);
    let value = columns.value_at(row);
    let cancelled_invoice = invoice.is_some_and(|i| i.starts_with(['C', 'c']));
    let negative = match &columns.quantity {
        Some(_) => quantity.is_some_and(|q| q < 0.0),
        None => value.is_some_and(|v| v < 0.0),
    };
    Line {
        customer,
        missing_customer: table.is_missing(customer),
        date,
        invoice,
        quantity,
        value,
        price: columns.price_at(row, value),
        cancelled_invoice,
        cancellation: cancelled_invoice || negative,
    }
}

/// File-wide counts, whatever becomes of the line.
fn count_line<'a>(line: &Line<'a>, report: &mut RfmReport, pass: &mut Pass<'a>) {
    pass.latest = pass.latest.max(line.date);
    if line.cancelled_invoice {
        if let Some(i) = line.invoice {
            pass.cancelled.insert(i);
        }
    }
    report.negative_quantity_lines += usize::from(line.quantity.is_some_and(|q| q < 0.0));
    report.cancellation_lines += usize::from(line.cancellation);
    report.zero_price_lines += usize::from(line.price == Some(0.0));
}

/// The reasons a line is left out, written once.
struct Reasons {
    no_date: ExclusionReason,
    no_amount: ExclusionReason,
}

impl Reasons {
    fn new(columns: &LogColumns<'_>) -> Self {
        Self {
            no_date: ExclusionReason::UnreadableDate { column: columns.date_name.to_string() },
            no_amount: ExclusionReason::UnreadableAmount { columns: columns.amount_names.to_string() },
        }
    }
}

/// The line's date and value if it counts in a customer's figures; if not, why (counted
/// in the report).
fn usable(line: &Line<'_>, options: &RfmOptions, reasons: &Reasons, report: &mut RfmReport) -> Result<(i64, f64), ExclusionReason> {
    if line.missing_customer {
        report.rows_without_customer += 1;
        return Err(ExclusionReason::NoCustomer);
    }
    let Some(date) = line.date else {
        report.unreadable_date_rows += 1;
        return Err(reasons.no_date.clone());
    };
    let Some(value) = line.value else {
        report.unreadable_amount_rows += 1;
        return Err(reasons.no_amount.clone());
    };
    if line.cancellation && options.cancellations == CancellationRule::Exclude {
        report.excluded_cancellation_rows += 1;
        return Err(ExclusionReason::Cancellation);
    }
    Ok((date, value))
}

/// The one pass over the lines: each customer's running figures, keyed by the id text
/// borrowed from the table.
struct Pass<'a> {
    /// The customer slot of each used row (u32::MAX: not used), to name rows of ids left
    /// out after the pass.
    row_customer: Vec<u32>,
    index: FxHashMap<&'a str, u32>,
    running: Vec<Running<'a>>,
    orders: FxHashSet<(u32, &'a str)>,
    days: FxHashSet<(u32, i64)>,
    cancelled: FxHashSet<&'a str>,
    latest: Option<i64>,
}

impl<'a> Pass<'a> {
    fn new(n_rows: usize) -> Self {
        Self {
            row_customer: vec![u32::MAX; n_rows],
            index: FxHashMap::default(),
            running: Vec::new(),
            orders: FxHashSet::default(),
            days: FxHashSet::default(),
            cancelled: FxHashSet::default(),
            latest: None,
        }
    }

    /// Adds a usable line (its date and value) to its customer's figures.
    fn add(&mut self, row: usize, line: &Line<'a>, date: i64, value: f64) {
        let slot = self.slot_of(line.customer);
        let Some(acc) = self.running.get_mut(slot as usize) else { return };
        if let Some(cell) = self.row_customer.get_mut(row) {
            *cell = slot;
        }
        acc.net += value;
        if !line.cancellation {
            acc.gross += value;
            acc.purchases += 1;
            acc.first = acc.first.min(date);
            acc.last = acc.last.max(date);
            let new_order = match line.invoice {
                Some(i) => self.orders.insert((slot, i)),
                None => self.days.insert((slot, date.div_euclid(SECONDS_PER_DAY))),
            };
            acc.orders += usize::from(new_order);
        }
    }

    /// The customer's slot, made on its first line.
    fn slot_of(&mut self, customer: &'a str) -> u32 {
        if let Some(&s) = self.index.get(customer) {
            return s;
        }
        let s = u32::try_from(self.running.len()).unwrap_or(u32::MAX - 1);
        self.index.insert(customer, s);
        self.running.push(Running { id: customer, first: i64::MAX, last: i64::MIN, net: 0.0, gross: 0.0, orders: 0, purchases: 0 });
        s
    }
}

/// The options' reference date, else midnight after the latest date (saturating at the end
/// of i64), else 0.
fn reference_date(options: &RfmOptions, latest: Option<i64>) -> i64 {
    options.reference_date.or_else(|| latest.map(|t| (t.div_euclid(SECONDS_PER_DAY) + 1).saturating_mul(SECONDS_PER_DAY))).unwrap_or(0)
}

/// Ids with no purchase line: their rows say why; the rows of the others are used.
fn mark_customers_without_purchase(row_reasons: &mut [Option<ExclusionReason>], pass: &Pass<'_>, report: &mut RfmReport) {
    for (reason, &slot) in row_reasons.iter_mut().zip(&pass.row_customer) {
        if slot == u32::MAX {
            continue;
        }
        if pass.running.get(slot as usize).is_some_and(|a| a.purchases == 0) {
            report.rows_of_customers_without_purchase += 1;
            *reason = Some(ExclusionReason::NoPurchase);
        } else {
            report.rows_used += 1;
        }
    }
}

/// A buyer's figures against the reference date (scores filled in later).
fn customer_of(a: &Running<'_>, reference: i64) -> CustomerRfm {
    let whole_days = |from: i64| (i128::from(reference) - i128::from(from)).div_euclid(i128::from(SECONDS_PER_DAY)) as i64;
    CustomerRfm {
        customer: a.id.to_owned(),
        recency_days: whole_days(a.last),
        frequency: a.orders,
        monetary: a.net,
        tenure_days: whole_days(a.first),
        average_order_value: a.gross / a.orders.max(1) as f64,
        first_purchase: a.first,
        last_purchase: a.last,
        r: 0,
        f: 0,
        m: 0,
        segment: RfmSegment::Lost,
    }
}

/// The column's numbers: the profile's when it parsed them, else parsed here.
fn numbers_of<'a>(table: &Table, profile: &'a TableProfile, column: usize) -> Cow<'a, NumericColumn> {
    match profile.numbers.get(column).and_then(Option::as_ref) {
        Some(n) if n.values.len() == table.n_rows() => Cow::Borrowed(n),
        _ => {
            let comma = profile.columns.get(column).is_some_and(|c| c.decimal_comma);
            Cow::Owned(parse_column(table, column, comma))
        }
    }
}

/// How a column writes its dates: the profile's format, else the detector's, else the
/// format that reads most of the first cells (at least half), so a few unreadable cells do
/// not stop the whole log; those rows are left out with a reason.
pub(crate) fn date_format_of(table: &Table, profile: &TableProfile, column: usize) -> Option<DateFormat> {
    if let Some(f) = profile.columns.get(column).and_then(|c| c.date_format) {
        return Some(f);
    }
    let cells = table.columns.get(column)?;
    let sample: Vec<&str> = cells.iter().map(str::trim).filter(|c| !table.is_missing(c)).take(DATE_SAMPLE).collect();
    let name = table.headers.get(column).map_or("", String::as_str);
    if let Some((f, _)) = detect_date_format(&sample, name) {
        return Some(f);
    }
    let mut candidates = vec![DateFormat::Iso, DateFormat::Compact];
    for separator in ['/', '-', '.'] {
        for order in [DateOrder::YearMonthDay, DateOrder::MonthDayYear, DateOrder::DayMonthYear] {
            candidates.push(DateFormat::Separated { order, separator });
        }
    }
    let reads = |f: DateFormat| sample.iter().filter(|c| parse_datetime(c, f).is_some()).count();
    // The first format with the most readable cells (month first before day first, as the
    // detector assumes for ambiguous slashes).
    let mut best: Option<(DateFormat, usize)> = None;
    for f in candidates {
        let n = reads(f);
        if best.is_none_or(|(_, b)| n > b) {
            best = Some((f, n));
        }
    }
    let (best, count) = best?;
    (count > 0 && count * 2 >= sample.len()).then_some(best)
}

#[cfg(test)]
mod tests;
