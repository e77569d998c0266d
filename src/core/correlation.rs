//! How the numeric columns move together, before any clustering: Pearson's and Spearman's
//! r for every pair of numeric columns (pairwise-complete rows: a row counts for a pair
//! when both cells hold a number), on a seeded uniform sample of rows above
//! [`CORRELATION_SAMPLE`]; and a small sample of rows of the same columns
//! ([`PAIR_SAMPLE`]) for the page's pair plot before a run. [`explore`] makes both.
//!
//! Spearman's r is Pearson's r of the ranks, ties given their average rank, the ranks
//! taken over the pair's complete rows (as pandas' `DataFrame.corr(method="spearman")`).

use serde::{Deserialize, Serialize};

use super::ingest::Table;
use super::profile::{ColumnKind, TableProfile};
use super::resample::sample_row_indices;

/// Above this many rows, the correlations are computed on a seeded sample of this many.
pub const CORRELATION_SAMPLE: usize = 50_000;
/// Rows of the numeric columns sent to the page for the pair plot before a run.
pub const PAIR_SAMPLE: usize = 2_000;
/// At most this many columns in the heatmap (default features first).
pub const MAX_COLUMNS: usize = 30;
/// From this |r| on, two columns are near-duplicates: one can be left out.
pub const NEAR_DUPLICATE: f64 = 0.9;
/// The seed of both samples.
pub const SEED: u64 = 42;

/// Which correlation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Pearson,
    Spearman,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Pearson => "pearson",
            Method::Spearman => "spearman",
        }
    }

    /// The name the page shows.
    pub fn title(self) -> &'static str {
        match self {
            Method::Pearson => "Pearson",
            Method::Spearman => "Spearman",
        }
    }
}

/// The correlations of the numeric columns, both methods, row-major `d × d`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Correlations {
    /// The columns in the heatmap (indices into the table), default features first.
    pub columns: Vec<usize>,
    pub names: Vec<String>,
    /// How many of the first columns are default features (the rest are numeric columns
    /// that are not: possible category codes, mostly missing).
    pub n_default: usize,
    /// Pearson's r per pair; `None` where undefined (fewer than 3 complete rows, or one
    /// column constant over them).
    pub pearson: Vec<Option<f64>>,
    /// Spearman's r per pair (average ranks for ties); `None` where undefined.
    pub spearman: Vec<Option<f64>>,
    /// Complete rows per pair (both cells numbers), in the sample.
    pub n: Vec<usize>,
    /// Rows the correlations were computed on (all of them up to [`CORRELATION_SAMPLE`]).
    pub sample_rows: usize,
    pub total_rows: usize,
    /// Numeric columns beyond [`MAX_COLUMNS`], not in the heatmap.
    pub left_out: Vec<String>,
}

/// One pair of columns and its r.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// Positions in [`Correlations::columns`].
    pub a: usize,
    pub b: usize,
    pub r: f64,
    pub n: usize,
}

impl Correlations {
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// r of columns `i` and `j` (positions in [`Self::columns`]).
    pub fn r(&self, method: Method, i: usize, j: usize) -> Option<f64> {
        let values = match method {
            Method::Pearson => &self.pearson,
            Method::Spearman => &self.spearman,
        };
        values.get(i * self.len() + j).copied().flatten()
    }

    /// Complete rows of columns `i` and `j`.
    pub fn n_of(&self, i: usize, j: usize) -> usize {
        self.n.get(i * self.len() + j).copied().unwrap_or(0)
    }

    /// Every pair with an r, strongest (largest |r|) first; ties in column order.
    pub fn strongest_pairs(&self, method: Method) -> Vec<Pair> {
        let d = self.len();
        let mut pairs: Vec<Pair> = (0..d)
            .flat_map(|a| (a + 1..d).map(move |b| (a, b)))
            .filter_map(|(a, b)| self.r(method, a, b).map(|r| Pair { a, b, r, n: self.n_of(a, b) }))
            .collect();
        pairs.sort_by(|x, y| y.r.abs().total_cmp(&x.r.abs()).then(x.a.cmp(&y.a)).then(x.b.cmp(&y.b)));
        pairs
    }

    /// "all 2,240 rows" or "a seeded sample of 50,000 of 1,000,000 rows".
    pub fn basis(&self) -> String {
        if self.sample_rows < self.total_rows {
            format!("a seeded sample of {} of {} rows", grouped(self.sample_rows), grouped(self.total_rows))
        } else {
            format!("all {} rows", grouped(self.total_rows))
        }
    }
}

/// A seeded sample of rows of the heatmap's columns, for the pair plot before a run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RowSample {
    /// Same columns as [`Correlations::columns`].
    pub names: Vec<String>,
    /// Row-major `rows × names.len()`, NaN where a cell is missing or not a number.
    #[serde(with = "super::packed::f64s")]
    pub values: Vec<f64>,
    /// Who each row is: the file's first ID column, else `line N`.
    pub ids: Vec<String>,
    pub total_rows: usize,
}

impl RowSample {
    pub fn n_rows(&self) -> usize {
        self.ids.len()
    }
}

/// What the page shows about the numeric columns before a run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Explore {
    pub correlations: Correlations,
    pub sample: RowSample,
}

/// The correlations and the pair-plot sample of a profiled table's numeric columns.
pub fn explore(table: &Table, profile: &TableProfile) -> Explore {
    let (columns, n_default, left_out) = chosen_columns(profile);
    let names: Vec<String> = columns.iter().map(|&c| profile.columns.get(c).map_or_else(String::new, |p| p.name.clone())).collect();
    let total_rows = table.n_rows();
    let numbers: Vec<&[f64]> =
        columns.iter().map(|&c| profile.numbers.get(c).and_then(Option::as_ref).map_or(&[][..], |n| n.values.as_slice())).collect();
    let value = |col: &[f64], row: usize| col.get(row).copied().filter(|v| v.is_finite()).unwrap_or(f64::NAN);

    let rows = sample_row_indices(total_rows, CORRELATION_SAMPLE, SEED);
    let sampled: Vec<Vec<f64>> = numbers.iter().map(|col| rows.iter().map(|&r| value(col, r)).collect()).collect();
    let matrices = correlation_matrices(&sampled);

    let pair_rows = sample_row_indices(total_rows, PAIR_SAMPLE, SEED);
    let values = pair_rows.iter().flat_map(|&r| numbers.iter().map(move |col| value(col, r))).collect();
    let id_column = profile.columns.iter().find(|c| c.kind == ColumnKind::Identifier).map(|c| c.index);
    let ids = pair_rows
        .iter()
        .map(|&r| {
            let id = id_column.map(|c| table.cell(r, c).trim()).filter(|t| !t.is_empty());
            match (id, table.row_lines.get(r)) {
                (Some(id), _) => id.chars().take(40).collect(),
                (None, Some(line)) => format!("line {line}"),
                (None, None) => format!("row {}", r + 1),
            }
        })
        .collect();
    Explore {
        correlations: Correlations {
            columns,
            names: names.clone(),
            n_default,
            pearson: matrices.pearson,
            spearman: matrices.spearman,
            n: matrices.n,
            sample_rows: rows.len(),
            total_rows,
            left_out,
        },
        sample: RowSample { names, values, ids, total_rows },
    }
}

/// Numeric columns that vary: default features first, then the others (possible codes,
/// mostly missing), each in file order; at most [`MAX_COLUMNS`], the names of the rest.
fn chosen_columns(profile: &TableProfile) -> (Vec<usize>, usize, Vec<String>) {
    let varies = |c: &&super::profile::ColumnProfile| {
        c.kind == ColumnKind::Numeric
            && c.numeric.as_ref().is_some_and(|s| s.max > s.min)
            && profile.numbers.get(c.index).is_some_and(Option::is_some)
    };
    let defaults = profile.columns.iter().filter(varies).filter(|c| c.is_default_feature());
    let others = profile.columns.iter().filter(varies).filter(|c| !c.is_default_feature());
    let n_default_all = profile.columns.iter().filter(varies).filter(|c| c.is_default_feature()).count();
    let all: Vec<&super::profile::ColumnProfile> = defaults.chain(others).collect();
    let columns: Vec<usize> = all.iter().take(MAX_COLUMNS).map(|c| c.index).collect();
    let left_out = all.iter().skip(MAX_COLUMNS).map(|c| c.name.clone()).collect();
    (columns, n_default_all.min(MAX_COLUMNS), left_out)
}

/// Both correlation matrices of some columns (NaN: missing), row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrices {
    pub pearson: Vec<Option<f64>>,
    pub spearman: Vec<Option<f64>>,
    pub n: Vec<usize>,
}

/// Pearson's and Spearman's r of every pair of `columns` (all the same length; NaN is a
/// missing value), on each pair's complete rows. The diagonal is 1 where a column varies.
pub fn correlation_matrices(columns: &[Vec<f64>]) -> Matrices {
    let d = columns.len();
    let m = columns.first().map_or(0, Vec::len);
    // Each column's present rows sorted by value: ranks of any subset in one pass. Sorted
    // as (value, row) pairs, without looking each value up at every comparison; the order
    // among equal values does not matter, as equal values share their rank.
    let orders: Vec<Vec<usize>> = columns
        .iter()
        .map(|col| {
            let mut keyed: Vec<(f64, usize)> =
                col.iter().take(m).copied().enumerate().filter(|(_, v)| !v.is_nan()).map(|(r, v)| (v, r)).collect();
            keyed.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
            keyed.into_iter().map(|(_, r)| r).collect()
        })
        .collect();
    // A column with a number on every row has the same ranks in every pair: ranked once.
    let full_ranks: Vec<Option<Vec<f64>>> = columns
        .iter()
        .zip(&orders)
        .map(|(col, order)| {
            (order.len() == m).then(|| {
                let mut ranks = vec![f64::NAN; m];
                average_ranks(col, order, |_| true, &mut ranks);
                ranks
            })
        })
        .collect();
    let mut pearson = vec![None; d * d];
    let mut spearman = vec![None; d * d];
    let mut n = vec![0usize; d * d];
    let (mut rank_a, mut rank_b) = (vec![f64::NAN; m], vec![f64::NAN; m]);
    for a in 0..d {
        for b in a..d {
            let (Some(x), Some(y), Some(order_a), Some(order_b)) = (columns.get(a), columns.get(b), orders.get(a), orders.get(b)) else {
                continue;
            };
            let p = pearson_r(x, y);
            let both = |r: usize| !value_at(x, r).is_nan() && !value_at(y, r).is_nan();
            let s = match (full_ranks.get(a).and_then(Option::as_ref), full_ranks.get(b).and_then(Option::as_ref)) {
                (Some(ranks_a), Some(ranks_b)) => pearson_r(ranks_a, ranks_b),
                _ => {
                    average_ranks(x, order_a, both, &mut rank_a);
                    average_ranks(y, order_b, both, &mut rank_b);
                    pearson_r(&rank_a, &rank_b)
                }
            };
            for (i, j) in [(a, b), (b, a)] {
                if let Some(slot) = pearson.get_mut(i * d + j) {
                    *slot = p.map(|p| p.0);
                }
                if let Some(slot) = spearman.get_mut(i * d + j) {
                    *slot = s.map(|s| s.0);
                }
                if let Some(slot) = n.get_mut(i * d + j) {
                    *slot = p.map_or_else(|| (0..m).filter(|&r| both(r)).count(), |p| p.1);
                }
            }
        }
    }
    Matrices { pearson, spearman, n }
}

fn value_at(col: &[f64], row: usize) -> f64 {
    col.get(row).copied().unwrap_or(f64::NAN)
}

/// Writes into `out` the average rank (1-based) of each row of `order` (rows sorted by
/// `col`) that `keep`s, among the kept rows; NaN for every other row.
fn average_ranks(col: &[f64], order: &[usize], keep: impl Fn(usize) -> bool, out: &mut [f64]) {
    out.iter_mut().for_each(|v| *v = f64::NAN);
    let kept: Vec<usize> = order.iter().copied().filter(|&r| keep(r)).collect();
    let mut start = 0;
    while start < kept.len() {
        let v = kept.get(start).map_or(f64::NAN, |&r| value_at(col, r));
        let mut end = start + 1;
        while kept.get(end).is_some_and(|&r| value_at(col, r) == v) {
            end += 1;
        }
        // Ranks start + 1 ..= end share their mean.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &r in kept.get(start..end).unwrap_or(&[]) {
            if let Some(slot) = out.get_mut(r) {
                *slot = rank;
            }
        }
        start = end;
    }
}

/// Pearson's r over the rows where both hold a number, with that count; `None` with fewer
/// than 3 such rows or when one of them does not vary over them.
pub fn pearson_r(x: &[f64], y: &[f64]) -> Option<(f64, usize)> {
    let pairs = || x.iter().zip(y).filter(|(a, b)| !a.is_nan() && !b.is_nan());
    let (mut n, mut sx, mut sy) = (0usize, 0.0, 0.0);
    for (a, b) in pairs() {
        n += 1;
        sx += a;
        sy += b;
    }
    if n < 3 {
        return None;
    }
    let (mx, my) = (sx / n as f64, sy / n as f64);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (a, b) in pairs() {
        let (dx, dy) = (a - mx, b - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    // A column whose values are all equal (up to rounding of the mean) has no r.
    let tiny = |s: f64, m: f64| s <= (m.abs() * 1e-12).powi(2) * n as f64;
    if sxx <= 0.0 || syy <= 0.0 || tiny(sxx, mx) || tiny(syy, my) {
        return None;
    }
    let r = sxy / (sxx.sqrt() * syy.sqrt());
    r.is_finite().then_some((r.clamp(-1.0, 1.0), n))
}

/// Spearman's r of two columns (NaN: missing) over their complete rows, ties at their
/// average rank.
pub fn spearman_r(x: &[f64], y: &[f64]) -> Option<(f64, usize)> {
    let m = correlation_matrices(&[x.to_vec(), y.to_vec()]);
    let r = m.spearman.get(1).copied().flatten()?;
    Some((r, m.n.get(1).copied().unwrap_or(0)))
}

/// `1234567` → `"1,234,567"`.
pub fn grouped(n: usize) -> String {
    super::stability::grouped(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::{parse_csv, IngestOptions};
    use crate::core::profile::profile_columns;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn pearson_by_hand() {
        // x = 1..5, y = 2, 4, 5, 4, 5: mean x 3, mean y 4; Σdxdy = 6, Σdx² = 10, Σdy² = 6:
        // r = 6 / √60 = 0.774596669…
        let (r, n) = pearson_r(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 4.0, 5.0, 4.0, 5.0]).unwrap();
        assert!(close(r, 6.0 / 60f64.sqrt()), "{r}");
        assert_eq!(n, 5);
    }

    #[test]
    fn perfect_lines_give_plus_and_minus_one() {
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let up: Vec<f64> = x.iter().map(|v| 3.0 * v + 7.0).collect();
        let down: Vec<f64> = x.iter().map(|v| -0.5 * v + 1.0).collect();
        assert!(close(pearson_r(&x, &up).unwrap().0, 1.0));
        assert!(close(pearson_r(&x, &down).unwrap().0, -1.0));
        // Monotone but not a line: Spearman 1, Pearson below.
        let cube: Vec<f64> = x.iter().map(|v| v.powi(3)).collect();
        assert!(close(spearman_r(&x, &cube).unwrap().0, 1.0));
        assert!(pearson_r(&x, &cube).unwrap().0 < 0.95);
    }

    #[test]
    fn independent_columns_are_near_zero() {
        // Two independent streams from the engine's own sampler.
        let n = 20_000;
        let a: Vec<f64> = sample_row_indices(1_000_000, n, 1).iter().map(|&v| (v * 7919 % 1000) as f64).collect();
        let b: Vec<f64> = sample_row_indices(1_000_000, n, 2).iter().map(|&v| (v * 104_729 % 997) as f64).collect();
        let (r, _) = pearson_r(&a, &b).unwrap();
        assert!(r.abs() < 0.03, "{r}");
        let (s, _) = spearman_r(&a, &b).unwrap();
        assert!(s.abs() < 0.03, "{s}");
    }

    #[test]
    fn spearman_ties_take_their_average_rank() {
        // x = 1, 2, 2, 3 → ranks 1, 2.5, 2.5, 4; y = 1, 3, 2, 4 → ranks 1, 3, 2, 4.
        // Pearson of the ranks: mean 2.5 each; dx = −1.5, 0, 0, 1.5; dy = −1.5, 0.5, −0.5, 1.5;
        // Σdxdy = 4.5; Σdx² = 4.5; Σdy² = 5 → r = 4.5 / √22.5 = 0.948683…
        let (s, n) = spearman_r(&[1.0, 2.0, 2.0, 3.0], &[1.0, 3.0, 2.0, 4.0]).unwrap();
        assert!(close(s, 4.5 / 22.5f64.sqrt()), "{s}");
        assert_eq!(n, 4);
        let mut out = vec![0.0; 5];
        average_ranks(&[5.0, 1.0, 5.0, 5.0, 2.0], &[1, 4, 0, 2, 3], |_| true, &mut out);
        assert_eq!(out, vec![4.0, 1.0, 4.0, 4.0, 2.0]);
    }

    #[test]
    fn pairs_use_their_complete_rows_only() {
        let nan = f64::NAN;
        // Row 2 misses y, row 4 misses x: the pair uses rows 0, 1, 3, 5 (a perfect line).
        let x = vec![1.0, 2.0, 3.0, 4.0, nan, 6.0];
        let y = vec![2.0, 4.0, nan, 8.0, 100.0, 12.0];
        let m = correlation_matrices(&[x.clone(), y.clone()]);
        assert!(close(m.pearson[1].unwrap(), 1.0));
        assert!(close(m.spearman[1].unwrap(), 1.0));
        assert_eq!(m.n[1], 4);
        assert_eq!(m.n[0], 5, "x alone has 5 numbers");
        assert!(close(m.pearson[0].unwrap(), 1.0), "the diagonal");
        // Spearman ranks y among the pair's rows only: with row 4's 100 left out, the
        // four ranks are 1..4 in both columns.
        let (s, n) = spearman_r(&x, &y).unwrap();
        assert!(close(s, 1.0) && n == 4, "{s} {n}");
    }

    #[test]
    fn constant_or_tiny_columns_have_no_r() {
        assert_eq!(pearson_r(&[1.0, 1.0, 1.0, 1.0], &[1.0, 2.0, 3.0, 4.0]), None);
        assert_eq!(pearson_r(&[1.0, 2.0], &[1.0, 2.0]), None, "fewer than 3 rows");
        assert_eq!(spearman_r(&[f64::NAN; 4], &[1.0, 2.0, 3.0, 4.0]), None);
    }

    #[test]
    fn explore_names_the_near_duplicates_first_and_samples_big_files() {
        // a and b nearly the same, c independent of both, id an identifier.
        let mut csv = String::from("id,a,b,c\n");
        for i in 0..300u32 {
            let a = f64::from(i * 13 % 300) + 0.5;
            let b = a + f64::from(i * 37 % 11);
            let c = f64::from(i * 7919 % 301);
            csv.push_str(&format!("C{i:04},{a},{b},{c}\n"));
        }
        let table = parse_csv(csv.as_bytes(), &IngestOptions::default()).unwrap();
        let profile = profile_columns(&table);
        let e = explore(&table, &profile);
        let c = &e.correlations;
        assert_eq!(c.names, vec!["a", "b", "c"]);
        assert_eq!(c.sample_rows, 300);
        assert_eq!(c.basis(), "all 300 rows");
        let pairs = c.strongest_pairs(Method::Pearson);
        assert_eq!((pairs[0].a, pairs[0].b), (0, 1));
        assert!(pairs[0].r > 0.99, "{}", pairs[0].r);
        assert!(pairs[1].r.abs() < 0.2);
        assert_eq!(e.sample.n_rows(), 300);
        assert_eq!(e.sample.values.len(), 900);
        assert_eq!(e.sample.ids[0], "C0000");
    }

    #[test]
    fn a_big_file_is_sampled_and_says_so() {
        let mut csv = String::from("x,y\n");
        for i in 0..60_000u32 {
            csv.push_str(&format!("{i},{}\n", i % 1000));
        }
        let table = parse_csv(csv.as_bytes(), &IngestOptions::default()).unwrap();
        let e = explore(&table, &profile_columns(&table));
        assert_eq!(e.correlations.sample_rows, CORRELATION_SAMPLE);
        assert_eq!(e.correlations.basis(), "a seeded sample of 50,000 of 60,000 rows");
        assert_eq!(e.sample.n_rows(), PAIR_SAMPLE);
        let c = Correlations { sample_rows: 50_000, total_rows: 1_000_000, ..Correlations::default() };
        assert_eq!(c.basis(), "a seeded sample of 50,000 of 1,000,000 rows");
    }
}
