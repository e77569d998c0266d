//! Recognising a transaction log and guessing which column is what, from the profile and
//! the column names.

use rustc_hash::FxHashSet;

use super::{date_format_of, TransactionMapping};
use crate::core::ingest::Table;
use crate::core::profile::{parse_column, ColumnKind, TableProfile};

/// Mean rows per customer id from which a file reads as a log of purchases, not a list of
/// customers. (The mean, not the median: in a sample of a log most customers may appear
/// once, as in the Online Retail sample, whose median is 1 and mean 1.7.)
const MIN_ROWS_PER_CUSTOMER: f64 = 1.5;

const CUSTOMER_WORDS: [&str; 7] = ["customer", "client", "user", "member", "account", "buyer", "shopper"];
const INVOICE_WORDS: [&str; 5] = ["invoice", "order", "transaction", "receipt", "basket"];
const AMOUNT_WORDS: [&str; 7] = ["amount", "total", "sales", "revenue", "value", "spend", "linetotal"];
const QUANTITY_WORDS: [&str; 3] = ["quantity", "qty", "units"];
const PRICE_WORDS: [&str; 1] = ["price"];

/// `Unit Price` → `unitprice`.
fn compact(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

fn has_any(name: &str, words: &[&str]) -> bool {
    words.iter().any(|w| name.contains(w))
}

/// The mapping of a transaction log with the reason it reads as one, or `None` when the
/// file is not one: it needs a customer id column whose values repeat (at least
/// [`MIN_ROWS_PER_CUSTOMER`] filled rows per distinct id on average), a date column, and
/// an amount column or quantity and unit price columns (by name: amount/total/sales/
/// revenue/value, quantity/qty, price); an invoice/order/transaction/receipt column is the
/// order id when there is one.
pub fn guess_mapping(table: &Table, profile: &TableProfile) -> Option<(TransactionMapping, String)> {
    let names: Vec<String> = table.headers.iter().map(|h| compact(h)).collect();
    let name = |c: usize| names.get(c).map_or("", String::as_str);
    let kind = |c: usize| profile.columns.get(c).map(|p| p.kind);
    // Numeric, or nearly: a few unreadable cells are left out with a reason, they do not
    // hide the column.
    let numeric = |c: usize| {
        matches!(kind(c), Some(ColumnKind::Numeric)) || {
            let comma = profile.columns.get(c).is_some_and(|p| p.decimal_comma);
            let parsed = parse_column(table, c, comma);
            let read = parsed.values.iter().filter(|v| v.is_finite()).count();
            read > 0 && parsed.invalid_rows.len() * 10 <= read
        }
    };
    let n_columns = table.n_columns();

    let date = (0..n_columns)
        .filter(|&c| kind(c) == Some(ColumnKind::Date))
        .max_by_key(|&c| (has_any(name(c), &["date", "time"]), std::cmp::Reverse(c)))
        .or_else(|| (0..n_columns).find(|&c| has_any(name(c), &["date", "time"]) && date_format_of(table, profile, c).is_some()))?;

    let amount = (0..n_columns).find(|&c| has_any(name(c), &AMOUNT_WORDS) && numeric(c));
    let quantity = (0..n_columns).find(|&c| has_any(name(c), &QUANTITY_WORDS) && numeric(c));
    let unit_price = (0..n_columns).find(|&c| Some(c) != amount && has_any(name(c), &PRICE_WORDS) && numeric(c));
    if amount.is_none() && (quantity.is_none() || unit_price.is_none()) {
        return None;
    }
    let taken = |c: usize| c == date || Some(c) == amount || Some(c) == quantity || Some(c) == unit_price;
    let invoice = (0..n_columns).find(|&c| !taken(c) && has_any(name(c), &INVOICE_WORDS));

    // The customer: a column named for customers, else an identifier, whose ids repeat.
    let mut best: Option<(bool, usize, f64, usize)> = None;
    for c in (0..n_columns).filter(|&c| !taken(c) && Some(c) != invoice) {
        let named = has_any(name(c), &CUSTOMER_WORDS);
        if !named && kind(c) != Some(ColumnKind::Identifier) {
            continue;
        }
        let Some(cells) = table.columns.get(c) else { continue };
        let mut ids: FxHashSet<&str> = FxHashSet::default();
        let mut filled = 0usize;
        for cell in cells.iter().map(str::trim).filter(|t| !table.is_missing(t)) {
            filled += 1;
            ids.insert(cell);
        }
        if ids.is_empty() {
            continue;
        }
        let per_id = filled as f64 / ids.len() as f64;
        if per_id < MIN_ROWS_PER_CUSTOMER {
            continue;
        }
        if best.is_none_or(|(b_named, _, b_per, _)| (named, per_id) > (b_named, b_per)) {
            best = Some((named, c, per_id, ids.len()));
        }
    }
    let (_, customer, per_id, n_ids) = best?;

    let header = |c: usize| table.headers.get(c).map_or("", String::as_str);
    let value = match amount {
        Some(a) => format!("line value in {}", header(a)),
        None => format!("line value = {} × {}", quantity.map_or("", header), unit_price.map_or("", header)),
    };
    let orders = match invoice {
        Some(i) => format!("orders in {}", header(i)),
        None => "no order column: frequency counts purchase days".to_owned(),
    };
    let reason = format!(
        "a transaction log: {n_ids} customers in {} with {per_id:.1} rows each on average, dates in {}, {value}, {orders}",
        header(customer),
        header(date)
    );
    Some((TransactionMapping { customer, date, invoice, amount, quantity, unit_price }, reason))
}
