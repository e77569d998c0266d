//! Two segmentations of the same file side by side: how many customers of each earlier
//! segment are in each new one (a crosstab), the largest flows in words, and how much the
//! two agree (the adjusted Rand index over the customers both segmented).
//!
//! The two may differ in k, in features or cleaning, or one may come from a saved model:
//! rows are matched by their place in the file, so both must segment the same loaded file.
//! Rows one of them left out are counted in a "Not segmented" row or column, so the table
//! adds up to every row of the file.

use serde::{Deserialize, Serialize};

/// The crosstab and what it says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// What the earlier segmentation was ("k = 5 on 3 features").
    pub before_label: String,
    pub after_label: String,
    /// The earlier segmentation's segment names, then "Not segmented" if any row was left out.
    pub before: Vec<String>,
    pub after: Vec<String>,
    /// `counts[i][j]`: rows in earlier segment `i` and new segment `j`.
    pub counts: Vec<Vec<usize>>,
    /// The largest flows, one sentence each, largest first.
    pub flows: Vec<String>,
    /// Adjusted Rand index over the rows both segmented (1: the same grouping whatever the
    /// numbering; about 0: unrelated). `None` with fewer than two such rows.
    pub agreement: Option<f64>,
    /// Rows in the file.
    pub n_rows: usize,
}

/// One segmentation of a file: each row's segment (`None`: not segmented), the names, and
/// what it was.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowSegments {
    pub segments: Vec<Option<usize>>,
    pub names: Vec<String>,
    pub label: String,
}

/// The name of the row or column of rows left out.
pub const NOT_SEGMENTED: &str = "Not segmented";

/// How many flows are said in words.
const FLOWS: usize = 3;

/// The crosstab of `before` against `after`; `None` when they do not segment the same rows
/// (another file) or either has no segment.
pub fn compare(before: &RowSegments, after: &RowSegments) -> Option<Comparison> {
    if before.segments.len() != after.segments.len() || before.names.is_empty() || after.names.is_empty() {
        return None;
    }
    let (kb, ka) = (before.names.len(), after.names.len());
    // The last row and column hold the rows left out.
    let mut counts = vec![vec![0usize; ka + 1]; kb + 1];
    for (b, a) in before.segments.iter().zip(&after.segments) {
        let i = b.filter(|&i| i < kb).unwrap_or(kb);
        let j = a.filter(|&j| j < ka).unwrap_or(ka);
        if let Some(cell) = counts.get_mut(i).and_then(|r| r.get_mut(j)) {
            *cell += 1;
        }
    }
    let agreement = adjusted_rand(&counts, kb, ka);
    let mut names_before = before.names.clone();
    let mut names_after = after.names.clone();
    let flows = flows(&counts, &names_before, &names_after);
    // Keep the "Not segmented" row and column only when some row is in them.
    let row_out = counts.get(kb).is_some_and(|r| r.iter().any(|&c| c > 0));
    let column_out = counts.iter().any(|r| r.get(ka).is_some_and(|&c| c > 0));
    if !row_out {
        counts.truncate(kb);
    } else {
        names_before.push(NOT_SEGMENTED.to_owned());
    }
    if !column_out {
        counts.iter_mut().for_each(|r| r.truncate(ka));
    } else {
        names_after.push(NOT_SEGMENTED.to_owned());
    }
    Some(Comparison {
        before_label: before.label.clone(),
        after_label: after.label.clone(),
        before: names_before,
        after: names_after,
        counts,
        flows,
        agreement,
        n_rows: before.segments.len(),
    })
}

/// The largest cells between segments as sentences: "All 39 of "High income" (100%) are
/// in "High-value customers" now", "120 of 300 …".
fn flows(counts: &[Vec<usize>], before: &[String], after: &[String]) -> Vec<String> {
    let mut cells: Vec<(usize, usize, usize)> = counts
        .iter()
        .enumerate()
        .take(before.len())
        .flat_map(|(i, row)| row.iter().enumerate().take(after.len()).map(move |(j, &c)| (i, j, c)))
        .filter(|&(_, _, c)| c > 0)
        .collect();
    cells.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    cells
        .into_iter()
        .take(FLOWS)
        .filter_map(|(i, j, c)| {
            let from = before.get(i)?;
            let to = after.get(j)?;
            let of: usize = counts.get(i)?.iter().sum();
            let share = 100.0 * c as f64 / of.max(1) as f64;
            Some(if c == of {
                format!("All {c} customers of earlier segment {} “{from}” are in segment {} “{to}” now.", i + 1, j + 1)
            } else {
                format!(
                    "{c} of the {of} customers of earlier segment {} “{from}” ({share:.0}%) are in segment {} “{to}” now.",
                    i + 1,
                    j + 1
                )
            })
        })
        .collect()
}

/// Adjusted Rand index (Hubert & Arabie) from the crosstab's segment cells (the last row
/// and column, rows left out by either, are not counted).
fn adjusted_rand(counts: &[Vec<usize>], kb: usize, ka: usize) -> Option<f64> {
    let pairs = |m: usize| (m as f64) * (m as f64 - 1.0) / 2.0;
    let inner = counts.iter().take(kb).map(|r| r.iter().take(ka).copied().collect::<Vec<usize>>()).collect::<Vec<_>>();
    let n: usize = inner.iter().flatten().sum();
    if n < 2 {
        return None;
    }
    let index: f64 = inner.iter().flatten().map(|&c| pairs(c)).sum();
    let sum_rows: f64 = inner.iter().map(|r| pairs(r.iter().sum())).sum();
    let sum_columns: f64 = (0..ka).map(|j| pairs(inner.iter().map(|r| r.get(j).copied().unwrap_or(0)).sum())).sum();
    let expected = sum_rows * sum_columns / pairs(n);
    let max = (sum_rows + sum_columns) / 2.0;
    if max == expected {
        return Some(1.0);
    }
    Some((index - expected) / (max - expected))
}

/// The agreement in words.
pub fn agreement_words(ari: f64) -> &'static str {
    match ari {
        a if a >= 0.9 => "almost the same grouping",
        a if a >= 0.7 => "largely the same grouping",
        a if a >= 0.4 => "partly the same grouping",
        _ => "a different grouping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(segments: &[Option<usize>], names: &[&str]) -> RowSegments {
        RowSegments { segments: segments.to_vec(), names: names.iter().map(|s| (*s).to_owned()).collect(), label: String::new() }
    }

    #[test]
    fn a_split_segment_shows_as_two_flows_and_rows_left_out_are_counted() {
        // Earlier: A = rows 0..4, B = rows 4..6, row 6 left out. Now: A split into X and Y,
        // B became Z, row 6 is in Z.
        let before = rows(&[Some(0), Some(0), Some(0), Some(0), Some(1), Some(1), None], &["A", "B"]);
        let after = rows(&[Some(0), Some(0), Some(0), Some(1), Some(2), Some(2), Some(2)], &["X", "Y", "Z"]);
        let c = compare(&before, &after).unwrap();
        assert_eq!(c.before, ["A", "B", NOT_SEGMENTED]);
        assert_eq!(c.after, ["X", "Y", "Z"]);
        assert_eq!(c.counts, vec![vec![3, 1, 0], vec![0, 0, 2], vec![0, 0, 1]]);
        assert_eq!(c.counts.iter().flatten().sum::<usize>(), 7, "every row of the file");
        assert_eq!(c.flows[0], "3 of the 4 customers of earlier segment 1 “A” (75%) are in segment 1 “X” now.");
        assert_eq!(c.flows[1], "All 2 customers of earlier segment 2 “B” are in segment 3 “Z” now.");
        // scikit-learn: adjusted_rand_score([0,0,0,0,1,1], [0,0,0,1,2,2]) = 0.5871559633027523
        assert!((c.agreement.unwrap() - 0.5871559633027523).abs() < 1e-12, "{:?}", c.agreement);
    }

    #[test]
    fn the_same_grouping_renumbered_agrees_fully_and_other_files_do_not_compare() {
        let before = rows(&[Some(0), Some(0), Some(1), Some(1)], &["A", "B"]);
        let after = rows(&[Some(1), Some(1), Some(0), Some(0)], &["P", "Q"]);
        let c = compare(&before, &after).unwrap();
        assert_eq!(c.agreement, Some(1.0));
        assert_eq!(c.counts, vec![vec![0, 2], vec![2, 0]]);
        assert_eq!(agreement_words(1.0), "almost the same grouping");
        assert!(compare(&before, &rows(&[Some(0)], &["A"])).is_none());
    }
}
