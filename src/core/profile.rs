//! Table → a role for every column: which columns are numeric features, which identify a
//! customer, and which are something else (text, categories) that the model leaves out.
//!
//! Owns the reading of cell text as numbers and missing values, so every later step agrees
//! on what a cell means.

use serde::{Deserialize, Serialize};

use super::ingest::Table;

/// Cell texts that mean "no value" (compared after trimming, case-insensitively).
pub const MISSING_TOKENS: [&str; 9] = ["", "na", "n/a", "null", "nan", "?", "-", "none", "#n/a"];

/// What a column is for the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    /// Every non-missing cell is a number: a candidate feature.
    Numeric,
    /// Identifies a row (ID-like name, zero-padded codes, or a unique run of integers): kept as text.
    Identifier,
    /// Anything else (text, categories, dates): kept in the export, not a feature yet.
    Other,
}

/// One column's role and the evidence for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    pub role: ColumnRole,
    /// Why the role was chosen, in words for the user.
    pub reason: String,
    pub missing: usize,
}

/// Whether a cell's text is one of the [`MISSING_TOKENS`].
pub fn is_missing(cell: &str) -> bool {
    let t = cell.trim();
    MISSING_TOKENS.iter().any(|m| t.eq_ignore_ascii_case(m))
}

/// Reads a cell as a finite number (`12`, `-3.5`, `1e3`); `None` for anything else.
pub fn parse_number(cell: &str) -> Option<f64> {
    let t = cell.trim();
    // Rust accepts "inf", "nan" and "infinity": no spreadsheet means a number by those.
    if t.is_empty() || t.bytes().any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E') {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A digit string with a leading zero (`0001`): a code, never a quantity.
fn is_zero_padded(cell: &str) -> bool {
    let t = cell.trim();
    t.len() > 1 && t.starts_with('0') && t.bytes().all(|b| b.is_ascii_digit())
}

/// Names like `id`, `CustomerID`, `customer_id`, `Client Id`.
pub fn is_id_like_name(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    let compact: String = lower.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    compact == "id"
        || compact.ends_with("id") && (lower.ends_with(" id") || lower.ends_with("_id") || lower.ends_with("-id") || name.trim().ends_with("ID") || name.trim().ends_with("Id"))
        || lower.starts_with("id ") || lower.starts_with("id_")
}

/// Decides the role of every column of the table.
pub fn profile_columns(table: &Table) -> Vec<ColumnProfile> {
    (0..table.n_columns())
        .map(|c| profile_column(table, c))
        .collect()
}

fn profile_column(table: &Table, column: usize) -> ColumnProfile {
    let name = table.headers.get(column).cloned().unwrap_or_default();
    let mut missing = 0usize;
    let mut numbers = Vec::with_capacity(table.n_rows());
    let mut non_numeric = 0usize;
    let mut zero_padded = false;
    for row in 0..table.n_rows() {
        let cell = table.cell(row, column);
        if is_missing(cell) {
            missing += 1;
            continue;
        }
        zero_padded |= is_zero_padded(cell);
        match parse_number(cell) {
            Some(v) => numbers.push(v),
            None => non_numeric += 1,
        }
    }
    let (role, reason) = if is_id_like_name(&name) {
        (ColumnRole::Identifier, format!("the name “{name}” reads as an identifier"))
    } else if zero_padded && non_numeric == 0 {
        (ColumnRole::Identifier, "zero-padded codes such as 0001 are identifiers, kept as text".to_owned())
    } else if non_numeric > 0 || numbers.is_empty() {
        let reason = if numbers.is_empty() {
            "no cell is a number".to_owned()
        } else {
            format!("{non_numeric} cells are not numbers")
        };
        (ColumnRole::Other, reason)
    } else if missing == 0 && is_unique_integer_run(&numbers) {
        (ColumnRole::Identifier, "a different whole number on every row, in a run: a row number or ID".to_owned())
    } else {
        (ColumnRole::Numeric, "every filled cell is a number".to_owned())
    };
    ColumnProfile { name, role, reason, missing }
}

/// Integers, all different, filling a consecutive range (1, 2, 3, ... in any order).
fn is_unique_integer_run(values: &[f64]) -> bool {
    if values.len() < 3 || values.iter().any(|v| v.fract() != 0.0) {
        return false;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.windows(2).all(|w| matches!(w, [a, b] if b - a == 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::{parse_csv, IngestOptions};

    fn roles(csv: &str) -> Vec<ColumnRole> {
        let table = parse_csv(csv.as_bytes(), &IngestOptions::default()).unwrap();
        profile_columns(&table).into_iter().map(|p| p.role).collect()
    }

    #[test]
    fn numbers_are_read_as_people_write_them_in_plain_csv() {
        assert_eq!(parse_number(" 12 "), Some(12.0));
        assert_eq!(parse_number("-3.5"), Some(-3.5));
        assert_eq!(parse_number("1e3"), Some(1000.0));
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("Male"), None);
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn mall_like_columns_get_their_roles() {
        let csv = "CustomerID,Genre,Age,Annual Income (k$),Spending Score (1-100)\r\n\
                   0001,Male,19,15,39\r\n0002,Male,21,15,81\r\n0003,Female,20,16,6\r\n0004,Female,23,16,77";
        use ColumnRole::*;
        assert_eq!(roles(csv), [Identifier, Other, Numeric, Numeric, Numeric]);
    }

    #[test]
    fn zero_padded_codes_and_row_numbers_are_identifiers() {
        use ColumnRole::*;
        assert_eq!(roles("code,x\n007,1\n008,5\n010,2\n"), [Identifier, Numeric]);
        assert_eq!(roles("n,x\n3,1\n1,5\n2,2\n"), [Identifier, Numeric]);
        // Unique values that are not a run are a quantity, not a row number.
        assert_eq!(roles("spend,x\n3,1\n10,5\n7,2\n"), [Numeric, Numeric]);
    }

    #[test]
    fn missing_tokens_do_not_stop_a_column_being_numeric() {
        let table = parse_csv(b"a,b\n1,x\nNA,y\n3,z\n", &IngestOptions::default()).unwrap();
        let p = profile_columns(&table);
        assert_eq!((p[0].role, p[0].missing), (ColumnRole::Numeric, 1));
        assert_eq!(p[1].role, ColumnRole::Other);
    }

    #[test]
    fn id_like_names() {
        for yes in ["id", "ID", "CustomerID", "customer_id", "Client Id", "user-id"] {
            assert!(is_id_like_name(yes), "{yes}");
        }
        for no in ["Paid", "Valid", "Income", "width"] {
            assert!(!is_id_like_name(no), "{no}");
        }
    }
}
