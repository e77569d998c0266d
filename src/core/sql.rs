//! A saved model as one SQL query: the model's whole feature plan (parsing, missing-value
//! tokens, fills, clip bounds, log1p, one-hot with "other", scaling) and the nearest centre
//! (squared distances summed in the engine's order, ties to the lowest segment), for
//! DuckDB, Spark SQL, PostgreSQL, BigQuery and Snowflake.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::model::{check_model, SavedModel};
use super::plan::{FeatureSource, MISSING_CATEGORY};

/// The SQL engines a query is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    DuckDb,
    Spark,
    Postgres,
    BigQuery,
    Snowflake,
}

impl Dialect {
    pub const ALL: [Dialect; 5] = [Dialect::DuckDb, Dialect::Spark, Dialect::Postgres, Dialect::BigQuery, Dialect::Snowflake];

    /// The name used on the command line and in the page's select: `duckdb`, `spark`,
    /// `postgres`, `bigquery`, `snowflake`.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::Postgres => "postgres",
            Dialect::BigQuery => "bigquery",
            Dialect::Snowflake => "snowflake",
        }
    }

    /// As shown to the user.
    pub fn label(self) -> &'static str {
        match self {
            Dialect::DuckDb => "DuckDB",
            Dialect::Spark => "Spark SQL",
            Dialect::Postgres => "PostgreSQL",
            Dialect::BigQuery => "BigQuery",
            Dialect::Snowflake => "Snowflake",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|d| d.as_str() == name || (name == "postgresql" && *d == Dialect::Postgres))
    }
}

/// What the query reads and returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlOptions {
    pub dialect: Dialect,
    /// The table (or view, or a file expression such as DuckDB's `read_csv('f.csv')`) to
    /// score, written into the query as given; empty for `customers`.
    pub table: String,
    /// Columns returned beside the segment; `None`: the model's identifier columns, or
    /// every column of the model's file when it has none.
    pub keys: Option<Vec<String>>,
}

/// Why no query could be written.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum SqlError {
    #[error("the model is not usable: {0}")]
    Model(String),
    #[error("the key column name is empty: name the columns to return, separated by commas")]
    EmptyKey,
}

/// The table read when none is named.
pub const DEFAULT_TABLE: &str = "customers";

/// Unicode White_Space: what Rust's `str::trim` takes off a cell.
const WHITESPACE: &[char] = &[
    '\u{9}', '\u{a}', '\u{b}', '\u{c}', '\u{d}', ' ', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}',
    '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}', '\u{2009}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}',
    '\u{3000}',
];

/// Thousands separators of both conventions besides their own mark (`,` `'` or `.`).
const SPACES_IN_NUMBERS: &str = " \u{a0}\u{202f}";
const TRUE_WORDS: [&str; 5] = ["true", "yes", "y", "t", "on"];
const FALSE_WORDS: [&str; 5] = ["false", "no", "n", "f", "off"];

impl Dialect {
    fn text_type(self) -> &'static str {
        match self {
            Dialect::DuckDb | Dialect::Snowflake => "VARCHAR",
            Dialect::Spark | Dialect::BigQuery => "STRING",
            Dialect::Postgres => "TEXT",
        }
    }

    fn double_type(self) -> &'static str {
        match self {
            Dialect::DuckDb | Dialect::Spark | Dialect::Snowflake => "DOUBLE",
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::BigQuery => "FLOAT64",
        }
    }

    /// An identifier, quoted.
    fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark | Dialect::BigQuery => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A string literal. DuckDB takes the text as it is (quotes doubled). Elsewhere invisible
    /// characters (control characters and spaces other than the plain one) are written as
    /// code points: `chr(n)` joined with `||` in PostgreSQL and Snowflake, whose plain literals take the text as it is (quotes
    /// doubled); `\uXXXX` escapes in Spark and BigQuery, whose literals read backslash
    /// escapes (so a backslash or quote is escaped too).
    fn string(self, text: &str) -> String {
        let invisible = |c: char| c.is_control() || (c.is_whitespace() && c != ' ');
        match self {
            // DuckDB does not fold `'a' || CHR(9)` into a constant: a regex written so is
            // compiled again for every chunk of rows (three times slower).
            Dialect::DuckDb => self.plain_string(text),
            Dialect::Postgres | Dialect::Snowflake => {
                let mut parts: Vec<String> = Vec::new();
                let mut plain = String::new();
                for c in text.chars() {
                    if invisible(c) {
                        if !plain.is_empty() {
                            parts.push(self.plain_string(&std::mem::take(&mut plain)));
                        }
                        parts.push(format!("CHR({})", u32::from(c)));
                    } else {
                        plain.push(c);
                    }
                }
                if !plain.is_empty() || parts.is_empty() {
                    parts.push(self.plain_string(&plain));
                }
                if parts.len() == 1 {
                    parts.concat()
                } else {
                    format!("({})", parts.join(" || "))
                }
            }
            Dialect::Spark | Dialect::BigQuery => {
                let mut out = String::from("'");
                for c in text.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\'' => out.push_str("\\'"),
                        c if invisible(c) => {
                            let mut units = [0u16; 2];
                            for unit in c.encode_utf16(&mut units) {
                                out.push_str(&format!("\\u{unit:04x}"));
                            }
                        }
                        c => out.push(c),
                    }
                }
                out.push('\'');
                out
            }
        }
    }

    /// A literal of visible text where quotes are doubled: DuckDB, PostgreSQL, and
    /// Snowflake (which also reads backslash escapes, so a backslash is doubled there).
    fn plain_string(self, text: &str) -> String {
        let text = text.replace('\'', "''");
        match self {
            Dialect::Snowflake => format!("'{}'", text.replace('\\', "\\\\")),
            _ => format!("'{text}'"),
        }
    }

    /// A double, exactly: Rust's shortest round-trip text, parsed by the engine (correctly
    /// rounded) into the same double. A bare `0.1` would be a DECIMAL in some engines.
    fn double(self, v: f64) -> String {
        format!("CAST('{v:?}' AS {})", self.double_type())
    }

    /// `expr` without the Unicode spaces around it. A cell that neither starts nor ends with
    /// one is taken as it is: trimming to a set of characters is slow in some engines
    /// (DuckDB: a second per two million cells), and most cells need none.
    fn trim(self, expr: &str) -> String {
        let spaces: String = WHITESPACE.iter().collect();
        let chars = self.string(&spaces);
        let trimmed = match self {
            Dialect::Postgres => format!("BTRIM({expr}, {chars})"),
            Dialect::Spark => format!("TRIM(BOTH {chars} FROM {expr})"),
            _ => format!("TRIM({expr}, {chars})"),
        };
        let bare = self.matches(expr, &format!("^[^{spaces}](.*[^{spaces}])?$"));
        format!("CASE WHEN {bare} THEN {expr} ELSE {trimmed} END")
    }

    /// `expr` with every match of `regex` removed.
    fn replace_all(self, expr: &str, regex: &str) -> String {
        let regex = self.string(regex);
        match self {
            Dialect::DuckDb | Dialect::Postgres => format!("REGEXP_REPLACE({expr}, {regex}, '', 'g')"),
            Dialect::Spark | Dialect::BigQuery | Dialect::Snowflake => format!("REGEXP_REPLACE({expr}, {regex}, '')"),
        }
    }

    fn matches(self, expr: &str, regex: &str) -> String {
        let regex = self.string(regex);
        match self {
            Dialect::DuckDb => format!("REGEXP_MATCHES({expr}, {regex})"),
            Dialect::Spark => format!("{expr} RLIKE {regex}"),
            Dialect::Postgres => format!("{expr} ~ {regex}"),
            Dialect::BigQuery => format!("REGEXP_CONTAINS({expr}, {regex})"),
            Dialect::Snowflake => format!("REGEXP_LIKE({expr}, {regex})"),
        }
    }

    /// Text already checked to be a numeral, as a double.
    fn to_double(self, expr: &str) -> String {
        match self {
            Dialect::DuckDb | Dialect::Spark | Dialect::Snowflake => format!("TRY_CAST({expr} AS {})", self.double_type()),
            Dialect::BigQuery => format!("SAFE_CAST({expr} AS FLOAT64)"),
            Dialect::Postgres => format!("CAST({expr} AS DOUBLE PRECISION)"),
        }
    }

    /// ln(1 + x): Spark has log1p (as Rust's `ln_1p`), the others the plain log.
    fn log1p(self, expr: &str) -> String {
        match self {
            Dialect::Spark => format!("LOG1P({expr})"),
            _ => format!("LN(1 + {expr})"),
        }
    }
}

/// A regex character class of literal characters (no backslash: the same in every
/// engine's regex flavour and string syntax).
fn class(chars: &str) -> String {
    format!("[{chars}]")
}

/// The numeral grammar of [`parse_number`](super::cells::numbers::parse_number) as a regex
/// over a trimmed cell: sign, currency mark before or after, accounting parentheses, a
/// trailing `%`, thousands groups of three of one kind, one decimal mark, an exponent only
/// without groups.
fn number_regex(decimal_comma: bool) -> String {
    let ws = format!("{}*", class(&WHITESPACE.iter().collect::<String>()));
    let (mark, separators) = if decimal_comma { (",", format!(".{SPACES_IN_NUMBERS}")) } else { (".", format!(",'{SPACES_IN_NUMBERS}")) };
    let mark = class(mark);
    let plain = format!("([0-9]+({mark}[0-9]+)?|{mark}[0-9]+)([eE][-+]?[0-9]+)?");
    let grouped: Vec<String> =
        separators.chars().map(|s| format!("[0-9]{{1,3}}({}[0-9]{{3}})+({mark}[0-9]+)?", class(&s.to_string()))).collect();
    let num = format!("({plain}|{})", grouped.join("|"));
    let sign = "[-+\u{2212}]";
    let currency = format!("(USD|EUR|GBP|{})", class("$€£¥"));
    let (open, close) = ("[(]", "[)]");
    let forms = [
        format!("{sign}?{num}"),
        // A suffix taken off trims the rest, so a space may follow the sign here.
        format!("{sign}?{ws}{num}{ws}{currency}"),
        format!("{sign}?{ws}{num}{ws}%"),
        format!("{sign}{currency}{ws}{num}"),
        format!("{currency}{ws}{sign}?{num}"),
        format!("{currency}{ws}{open}{ws}{num}{ws}{close}"),
        format!("{open}{ws}{num}{ws}{close}{ws}{currency}"),
        format!("{open}{ws}{num}{ws}{close}"),
        format!("{open}{ws}{currency}{ws}{num}{ws}{close}"),
        format!("{open}{ws}{num}{ws}{currency}{ws}{close}"),
        format!("{open}{ws}{num}{ws}%{ws}{close}"),
    ];
    format!("^({})$", forms.join("|"))
}

/// A trimmed cell (NULL when missing) as the page reads it: a numeral, or a yes/no word
/// as 1/0; NULL for anything else.
fn number_expr(dialect: Dialect, cell: &str, decimal_comma: bool) -> String {
    // The checked numeral with its decorations taken off (currency codes, then every
    // character but digits, exponent, decimal mark and signs): what remains is Rust syntax.
    let mark = if decimal_comma { "," } else { "." };
    let codes = dialect.replace_all(cell, "USD|EUR|GBP");
    let mut bare = dialect.replace_all(&codes, &format!("[^0-9eE{mark}\u{2212}-]"));
    bare = format!("REPLACE({bare}, {}, '-')", dialect.string("\u{2212}"));
    if decimal_comma {
        bare = format!("REPLACE({bare}, ',', '.')");
    }
    // Accounting parentheses: times −1, which is exact.
    let sign = format!("CASE WHEN {cell} LIKE '%(%' THEN {} ELSE {} END", dialect.double(-1.0), dialect.double(1.0));
    let words = |list: &[&str]| list.iter().map(|w| dialect.string(w)).collect::<Vec<_>>().join(", ");
    // Most cells are plain numerals (`-12`, `3.5`): cast as they are, skipping the full
    // grammar and the replacements (five times faster in DuckDB).
    let plain = if decimal_comma { "^-?[0-9]+$" } else { "^-?[0-9]+([.][0-9]+)?$" };
    format!(
        "CASE WHEN {cell} IS NULL THEN NULL WHEN {} THEN {} WHEN {} THEN {} * ({sign}) WHEN LOWER({cell}) IN ({}) THEN {} WHEN LOWER({cell}) IN ({}) THEN {} END",
        dialect.matches(cell, plain),
        dialect.to_double(cell),
        dialect.matches(cell, &number_regex(decimal_comma)),
        dialect.to_double(&bare),
        words(&TRUE_WORDS),
        dialect.double(1.0),
        words(&FALSE_WORDS),
        dialect.double(0.0),
    )
}

/// The query scoring every row of `options.table` with `model`.
pub fn render(model: &SavedModel, options: &SqlOptions) -> Result<String, SqlError> {
    check_model(model).map_err(|e| SqlError::Model(e.to_string()))?;
    let dialect = options.dialect;
    let q = |name: &str| dialect.ident(name);
    let table = if options.table.trim().is_empty() { DEFAULT_TABLE.to_owned() } else { options.table.trim().to_owned() };
    let keys: Vec<String> = match &options.keys {
        Some(keys) => keys.clone(),
        None => {
            let ids: Vec<String> = model.columns.iter().filter(|c| c.kind == "id").map(|c| c.name.clone()).collect();
            if ids.is_empty() {
                model.columns.iter().map(|c| c.name.clone()).collect()
            } else {
                ids
            }
        }
    };
    if keys.iter().any(|k| k.trim().is_empty()) {
        return Err(SqlError::EmptyKey);
    }
    let plan = &model.plan;
    // PostgreSQL inlines a CTE into each place that reads it: every distance would parse
    // every cell again. MATERIALIZED computes each step once.
    let as_ = if dialect == Dialect::Postgres { "MATERIALIZED " } else { "" };
    // The source columns the plan reads, each once, in the plan's order.
    let mut columns: Vec<&str> = Vec::new();
    for f in &plan.features {
        if !columns.contains(&f.column_name.as_str()) {
            columns.push(&f.column_name);
        }
    }
    let column_index = |name: &str| columns.iter().position(|c| *c == name).unwrap_or(0);
    let key_list = keys.iter().map(|k| q(k)).collect::<Vec<_>>().join(", ");
    let keys_and = if keys.is_empty() { String::new() } else { format!("{key_list}, ") };
    let head = if keys.is_empty() { "  SELECT".to_owned() } else { format!("  SELECT {key_list},") };
    let text = dialect.text_type();
    let mut sql = String::new();
    let line = |sql: &mut String, text: &str| {
        sql.push_str(text);
        sql.push('\n');
    };
    line(
        &mut sql,
        &format!("-- Customer Segmentation: {} segments of “{}”, seed {}.", model.n_clusters, model.source.file_name, model.seed),
    );
    line(
        &mut sql,
        &format!("-- {} SQL written from the saved model (schema {}, app {}).", dialect.label(), model.schema_version, model.app_version),
    );
    line(&mut sql, "-- Every row of the table with its segment (1..k), the segment's name, the distance to its centre");
    line(&mut sql, "-- (in scaled units), and for a row that cannot be placed, segment NULL and the reason.");
    line(&mut sql, "-- Read the columns as the file's text (numbers parse as the page parsed them; missing-value tokens");
    line(&mut sql, &format!("-- {} are missing).", plan.missing_tokens.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(" ")));
    line(&mut sql, "WITH");
    // 1. The cells as trimmed text, missing-value tokens as NULL.
    let tokens = plan.missing_tokens.iter().map(|t| dialect.string(&t.to_ascii_lowercase())).collect::<Vec<_>>().join(", ");
    let mut trimmed = Vec::new();
    let mut select = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        trimmed.push(format!("    {} AS sg_s{i}", dialect.trim(&format!("CAST({} AS {text})", q(c)))));
        select.push(format!("    CASE WHEN sg_s{i} = '' OR LOWER(sg_s{i}) IN ({tokens}) THEN NULL ELSE sg_s{i} END AS sg_t{i}"));
    }
    line(&mut sql, &format!("sg_text AS {as_}(\n{head}\n{}\n  FROM {table}\n),", trimmed.join(",\n")));
    line(&mut sql, &format!("sg_cells AS {as_}(\n{head}\n{}\n  FROM sg_text\n),", select.join(",\n")));
    // 2. Each feature's value before scaling (NULL: no value), and the first failure.
    let mut numbers = Vec::new();
    let mut values = Vec::new();
    let mut reasons = Vec::new();
    for (f, feature) in plan.features.iter().enumerate() {
        let cell = format!("sg_t{}", column_index(&feature.column_name));
        match &feature.source {
            FeatureSource::Number { impute, clip, log1p } => {
                numbers.push(format!("    {} AS sg_p{f}", number_expr(dialect, &cell, feature.decimal_comma)));
                // A numeral beyond the largest double is no number to the page; some
                // engines read it as infinity.
                let number = format!("CASE WHEN ABS(sg_p{f}) <= {} THEN sg_p{f} END", dialect.double(f64::MAX));
                let filled = match impute {
                    Some(fill) => format!("COALESCE({number}, {})", dialect.double(*fill)),
                    None => number,
                };
                values.push(format!("    {filled} AS sg_v{f}"));
                reasons.push(format!(
                    "WHEN sg_v{f} IS NULL THEN {}",
                    dialect.string(&format!("missing or not a number in {}", feature.column_name))
                ));
                if *log1p {
                    reasons.push(format!(
                        "WHEN {} < 0 THEN {}",
                        clipped_expr(dialect, f, *clip),
                        dialect.string(&format!("negative {} cannot be log-transformed", feature.column_name))
                    ));
                }
            }
            FeatureSource::OneHot { value, listed } => {
                let category = format!("COALESCE({cell}, {})", dialect.string(MISSING_CATEGORY));
                let test = match value {
                    Some(v) => format!("{category} = {}", dialect.string(v)),
                    None => format!("{category} NOT IN ({})", listed.iter().map(|l| dialect.string(l)).collect::<Vec<_>>().join(", ")),
                };
                values.push(format!("    CASE WHEN {test} THEN {} ELSE {} END AS sg_v{f}", dialect.double(1.0), dialect.double(0.0)));
            }
        }
    }
    if numbers.is_empty() {
        line(&mut sql, &format!("sg_numbers AS {as_}(\n  SELECT *\n  FROM sg_cells\n),"));
    } else {
        line(&mut sql, &format!("sg_numbers AS {as_}(\n  SELECT *,\n{}\n  FROM sg_cells\n),", numbers.join(",\n")));
    }
    line(&mut sql, &format!("sg_values AS {as_}(\n{head}\n{}\n  FROM sg_numbers\n),", values.join(",\n")));
    // 3. Clip, log, scale; the reason a row cannot be placed.
    let mut scaled = Vec::new();
    for (f, (feature, (center, scale))) in plan.features.iter().zip(plan.scaler.centers.iter().zip(&plan.scaler.scales)).enumerate() {
        let x = match &feature.source {
            FeatureSource::Number { clip, log1p, .. } => {
                let clipped = clipped_expr(dialect, f, *clip);
                if *log1p {
                    format!("CASE WHEN {clipped} < 0 THEN NULL ELSE {} END", dialect.log1p(&clipped))
                } else {
                    clipped
                }
            }
            FeatureSource::OneHot { .. } => format!("sg_v{f}"),
        };
        scaled.push(format!("    ({x} - {}) / {} AS sg_z{f}", dialect.double(*center), dialect.double(*scale)));
    }
    let reason = if reasons.is_empty() { "CAST(NULL AS ".to_owned() + text + ")" } else { format!("CASE {} END", reasons.join(" ")) };
    line(&mut sql, &format!("sg_scaled AS {as_}(\n{head}\n{},\n    {reason} AS sg_reason\n  FROM sg_values\n),", scaled.join(",\n")));
    // 4. Squared distance to each centre, summed as the page sums it.
    let distances: Vec<String> =
        model.centers_scaled.iter().enumerate().map(|(s, centre)| format!("    {} AS sg_d{s}", distance_expr(dialect, centre))).collect();
    line(&mut sql, &format!("sg_distances AS {as_}(\n  SELECT {keys_and}sg_reason,\n{}\n  FROM sg_scaled\n),", distances.join(",\n")));
    let all: Vec<String> = (0..model.n_clusters).map(|s| format!("sg_d{s}")).collect();
    let nearest = if all.len() == 1 { "sg_d0".to_owned() } else { format!("LEAST({})", all.join(", ")) };
    line(&mut sql, &format!("sg_nearest AS {as_}(\n  SELECT *, {nearest} AS sg_dmin\n  FROM sg_distances\n),"));
    // 5. The nearest centre, a tie to the lowest segment.
    let segment_when: Vec<String> = (0..model.n_clusters).map(|s| format!("WHEN sg_d{s} = sg_dmin THEN {}", s + 1)).collect();
    line(
        &mut sql,
        &format!(
            "sg_scored AS {as_}(\n  SELECT *, CASE WHEN sg_reason IS NULL THEN CASE {} END END AS sg_segment\n  FROM sg_nearest\n)",
            segment_when.join(" ")
        ),
    );
    let name_when: Vec<String> =
        model.segment_names.iter().enumerate().map(|(s, name)| format!("WHEN {} THEN {}", s + 1, dialect.string(name))).collect();
    line(
        &mut sql,
        &format!(
            "SELECT {keys_and}sg_segment AS segment,\n  CASE sg_segment {} END AS segment_name,\n  CASE WHEN sg_segment IS NULL THEN NULL ELSE SQRT(sg_dmin) END AS distance,\n  sg_reason AS excluded_reason\nFROM sg_scored",
            name_when.join(" ")
        ),
    );
    Ok(sql)
}

/// Feature `f`'s value within its clip bounds (`v.max(lo).min(hi)`, as the page clips).
fn clipped_expr(dialect: Dialect, f: usize, clip: Option<(f64, f64)>) -> String {
    match clip {
        Some((lo, hi)) => format!("LEAST(GREATEST(sg_v{f}, {}), {})", dialect.double(lo), dialect.double(hi)),
        None => format!("sg_v{f}"),
    }
}

/// The page's squared distance ([`squared_distance`](super::kmeans::squared_distance)) in
/// its own order: up to 16 features in two lanes (even and odd coordinates) added at the
/// end; wider rows in eight lanes (coordinate i in lane i mod 8) added pairwise.
fn distance_expr(dialect: Dialect, centre: &[f64]) -> String {
    let d = centre.len();
    let lanes = if d > super::kmeans::WIDE_ROW { 8 } else { 2 };
    let term = |f: usize, c: f64| {
        let diff = format!("(sg_z{f} - {})", dialect.double(c));
        format!("{diff} * {diff}")
    };
    let lane_sums: Vec<String> = (0..lanes)
        .map(|lane| {
            let terms: Vec<String> = centre.iter().enumerate().skip(lane).step_by(lanes).map(|(f, &c)| term(f, c)).collect();
            match terms.split_first() {
                None => dialect.double(0.0),
                Some((first, rest)) => rest.iter().fold(first.clone(), |sum, t| format!("({sum} + {t})")),
            }
        })
        .collect();
    if lanes == 2 {
        format!("({} + {})", lane_sums.first().cloned().unwrap_or_default(), lane_sums.get(1).cloned().unwrap_or_default())
    } else {
        let l = |i: usize| lane_sums.get(i).cloned().unwrap_or_default();
        format!("((({} + {}) + ({} + {})) + (({} + {}) + ({} + {})))", l(0), l(1), l(2), l(3), l(4), l(5), l(6), l(7))
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::cells::numbers::{parse_number, DecimalSeparator};
    use crate::core::model::read_model;
    use rand_chacha::rand_core::{RngCore, SeedableRng};

    /// The query's reading of a trimmed cell, run in Rust: the regex, then the same
    /// replacements as the SQL, then a correctly rounded parse, negated in parentheses.
    fn sql_reading(cell: &str, decimal_comma: bool) -> Option<f64> {
        thread_local! {
            static REGEXES: [regex::Regex; 2] =
                [false, true].map(|comma| regex::Regex::new(&number_regex(comma)).unwrap());
        }
        if !REGEXES.with(|r| r[usize::from(decimal_comma)].is_match(cell)) {
            return None;
        }
        let mark = if decimal_comma { ',' } else { '.' };
        let mut bare = cell.replace("USD", "").replace("EUR", "").replace("GBP", "");
        bare.retain(|c| c.is_ascii_digit() || matches!(c, 'e' | 'E' | '\u{2212}' | '-') || c == mark);
        bare = bare.replace('\u{2212}', "-");
        if decimal_comma {
            bare = bare.replace(',', ".");
        }
        let v: f64 = bare.parse().ok().filter(|v: &f64| v.abs() <= f64::MAX)?;
        Some(if cell.contains('(') { -v } else { v })
    }

    fn page_reading(cell: &str, decimal_comma: bool) -> Option<f64> {
        parse_number(cell, if decimal_comma { DecimalSeparator::Comma } else { DecimalSeparator::Point })
    }

    #[test]
    fn the_sql_reads_numbers_as_the_page_does() {
        let cells = [
            "12",
            "-12",
            "+12",
            "\u{2212}12",
            "1,234.50",
            "1.234,50",
            "1 234,50",
            "1\u{a0}234,5 €",
            "$1,234.50",
            "(12.50)",
            "$(12.50)",
            "(12.50) €",
            "( $ 12 )",
            "(12 %)",
            "12,5%",
            "12.5 %",
            "1,5E3",
            "1.5e3",
            ".5",
            "5.",
            "1,23.4",
            "1,234,567",
            "1'234.5",
            "12-",
            "- 12",
            "$-12",
            "-$12",
            "$- 12",
            "-(12)",
            "(-12)",
            "USD 12",
            "12USD",
            "EUR12",
            "12 GBP",
            "1e400",
            "1e-400",
            "inf",
            "nan",
            "1-10",
            "2023-01-05",
            "$",
            "%",
            "()",
            "1,234e3",
            "0012",
            "1.234.567",
            "1.234.567,8",
            "1 234 567",
            "1,234 567",
            "12%%",
            "$12%",
            "12 $ %",
            "1e",
            "1e+",
            "1e+5",
            "E5",
            "e5",
            "1..2",
            ",5",
            "1,",
            "€ (1.234,5)",
            "(€ 1.234,5)",
        ];
        for decimal_comma in [false, true] {
            for cell in cells {
                assert_eq!(sql_reading(cell, decimal_comma), page_reading(cell, decimal_comma), "{cell:?} decimal comma {decimal_comma}");
            }
        }
    }

    #[test]
    fn the_sql_reads_random_cells_as_the_page_does() {
        let alphabet: Vec<char> = "0123456789012345678901234567890123456789.,.,' -+\u{2212}$€£¥()%eEUSD\u{a0}\u{202f}".chars().collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut accepted = 0;
        for _ in 0..60_000 {
            let len = 1 + (rng.next_u32() % 9) as usize;
            let cell: String = (0..len).map(|_| alphabet[(rng.next_u32() as usize) % alphabet.len()]).collect();
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            for decimal_comma in [false, true] {
                let page = page_reading(cell, decimal_comma);
                accepted += usize::from(page.is_some());
                assert_eq!(sql_reading(cell, decimal_comma), page, "{cell:?} decimal comma {decimal_comma}");
            }
        }
        assert!(accepted > 5_000, "too few numbers drawn: {accepted}");
    }

    fn model_v1() -> SavedModel {
        read_model(include_bytes!("../../tests/fixtures/model_v1.json")).unwrap()
    }

    /// BigQuery and Snowflake do not run here: their queries are held to golden files,
    /// checked by hand against the engines' documented syntax. `UPDATE_GOLDEN=1` rewrites
    /// them after a deliberate change.
    #[test]
    fn bigquery_and_snowflake_queries_match_their_golden_files() {
        for dialect in [Dialect::BigQuery, Dialect::Snowflake, Dialect::DuckDb] {
            let sql = render(&model_v1(), &SqlOptions { dialect, table: "shop.customers".into(), keys: None }).unwrap();
            let path = format!("{}/tests/fixtures/sql/model_v1.{}.sql", env!("CARGO_MANIFEST_DIR"), dialect.as_str());
            if std::env::var_os("UPDATE_GOLDEN").is_some() {
                std::fs::write(&path, &sql).unwrap();
            }
            let golden = std::fs::read_to_string(&path).unwrap();
            assert_eq!(sql, golden, "{} query changed: check it, then UPDATE_GOLDEN=1", dialect.label());
        }
    }

    #[test]
    fn the_query_returns_the_identifier_columns_and_the_nearest_lowest_segment() {
        let model = model_v1();
        let sql = render(&model, &SqlOptions { dialect: Dialect::DuckDb, table: String::new(), keys: None }).unwrap();
        assert!(sql.contains("SELECT \"CustomerID\", sg_segment AS segment"), "{sql}");
        assert!(sql.contains("FROM customers\n"));
        assert!(sql.contains("CASE WHEN sg_d0 = sg_dmin THEN 1 WHEN sg_d1 = sg_dmin THEN 2"));
        let keys = SqlOptions { dialect: Dialect::Spark, table: "t".into(), keys: Some(vec!["a b".into(), "c`d".into()]) };
        assert!(render(&model, &keys).unwrap().contains("SELECT `a b`, `c``d`, sg_segment AS segment"));
        let empty = SqlOptions { dialect: Dialect::Spark, table: "t".into(), keys: Some(vec![" ".into()]) };
        assert_eq!(render(&model, &empty), Err(SqlError::EmptyKey));
        let mut broken = model;
        broken.segment_names.pop();
        assert!(matches!(
            render(&broken, &SqlOptions { dialect: Dialect::DuckDb, table: "t".into(), keys: None }),
            Err(SqlError::Model(_))
        ));
    }

    #[test]
    fn literals_are_exact_and_escaped_for_each_engine() {
        assert_eq!(Dialect::DuckDb.double(0.1), "CAST('0.1' AS DOUBLE)");
        assert_eq!(Dialect::BigQuery.double(-1e-7), "CAST('-1e-7' AS FLOAT64)");
        assert_eq!(Dialect::Postgres.string("it's"), "'it''s'");
        assert_eq!(Dialect::Spark.string("it's \\"), "'it\\'s \\\\'");
        assert_eq!(Dialect::BigQuery.string("a\u{a0}b"), "'a\\u00a0b'");
        assert_eq!(Dialect::Snowflake.string("a\tb\\"), "('a' || CHR(9) || 'b\\\\')");
        assert_eq!(Dialect::DuckDb.string(""), "''");
        for d in Dialect::ALL {
            assert_eq!(Dialect::parse(d.as_str()), Some(d));
        }
        assert_eq!(Dialect::parse("PostgreSQL"), Some(Dialect::Postgres));
        assert_eq!(Dialect::parse("oracle"), None);
    }
}
