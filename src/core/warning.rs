//! Warnings about how a file was read or what came out of it: things that did not stop
//! the work but that the user must know about, each with the line and column it concerns.
//! The page shows every one (`data-testid="read-warning"`, `data-kind`, `data-line`,
//! `data-column`); none is ever dropped silently.

use serde::{Deserialize, Serialize};

/// What a warning is about. `as_str` is the page's `data-kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// A quote opened a field that never closed properly: the line was read without quotes.
    StrayQuote,
    /// Byte sequences that are not valid in the file's encoding, replaced by U+FFFD.
    BadBytes,
    /// A numeric column with a few cells that are not numbers: read as missing values.
    StrayValues,
    /// A line repeating the header row (two exports joined): left out.
    RepeatedHeader,
    /// Excel's `sep=;` first line: honoured and not read as data.
    ExcelSep,
    /// Lines skipped at the top of the file at the user's request.
    SkippedLines,
    /// A column that is mostly empty: not a feature by default.
    MostlyMissing,
    /// Only a minority of the rows can be clustered with the chosen columns.
    FewRowsClustered,
    /// A segment of very few customers: perhaps outliers.
    TinySegment,
}

impl WarningKind {
    /// The name the page uses in `data-kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StrayQuote => "stray-quote",
            Self::BadBytes => "bad-bytes",
            Self::StrayValues => "stray-values",
            Self::RepeatedHeader => "repeated-header",
            Self::ExcelSep => "excel-sep",
            Self::SkippedLines => "skipped-lines",
            Self::MostlyMissing => "mostly-missing",
            Self::FewRowsClustered => "few-rows-clustered",
            Self::TinySegment => "tiny-segment",
        }
    }
}

/// One warning, in words, with where it applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub kind: WarningKind,
    /// 1-based line of the file, where one line is concerned (the first, for several).
    pub line: Option<u64>,
    /// The column's name, where one column is concerned.
    pub column: Option<String>,
    /// What happened and what to do, for the user.
    pub message: String,
}

impl Warning {
    pub fn new(kind: WarningKind, message: impl Into<String>) -> Self {
        Self { kind, line: None, column: None, message: message.into() }
    }

    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    pub fn in_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
}

/// "line 12", "lines 12, 40 and 77", "lines 12, 40, 77 and 3 more".
pub fn lines_in_words(lines: &[u64]) -> String {
    const SHOWN: usize = 5;
    match lines {
        [] => String::new(),
        [one] => format!("line {one}"),
        _ => {
            let shown: Vec<String> = lines.iter().take(SHOWN).map(u64::to_string).collect();
            if lines.len() > SHOWN {
                format!("lines {} and {} more", shown.join(", "), lines.len() - SHOWN)
            } else {
                let (last, rest) = shown.split_last().map_or((String::new(), &[][..]), |(l, r)| (l.clone(), r));
                format!("lines {} and {last}", rest.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_as_words() {
        assert_eq!(lines_in_words(&[4]), "line 4");
        assert_eq!(lines_in_words(&[4, 9]), "lines 4 and 9");
        assert_eq!(lines_in_words(&[1, 2, 3]), "lines 1, 2 and 3");
        assert_eq!(lines_in_words(&[1, 2, 3, 4, 5, 6, 7]), "lines 1, 2, 3, 4, 5 and 2 more");
    }

    #[test]
    fn kinds_serialise_as_the_page_names_them() {
        for kind in [WarningKind::StrayQuote, WarningKind::BadBytes, WarningKind::TinySegment, WarningKind::FewRowsClustered] {
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.as_str()));
        }
    }
}
