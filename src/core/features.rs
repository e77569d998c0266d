//! Table + chosen columns → the matrix K-Means sees: numbers parsed, rows that cannot be
//! used named (not dropped), features standardised.
//!
//! Invariant: every table row is either a matrix row (`row_of[i]`) or in `excluded` with a
//! reason, never neither.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::ingest::Table;
use super::profile::{is_missing, parse_number};

/// Why no matrix could be built.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum FeatureError {
    #[error(
        "no numeric column to cluster on: the file needs at least one column whose cells are all \
         numbers (identifier columns such as CustomerID are not used)"
    )]
    NoNumericColumn,
    #[error(
        "every row has a missing or non-numeric value in the chosen columns (first: row {row}, \
         column “{column}”): fill those cells or choose other columns"
    )]
    NoUsableRow { row: usize, column: String },
}

/// A row left out of clustering, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExcludedRow {
    /// 0-based index of the table row.
    pub row: usize,
    pub reason: String,
}

/// Row-major feature matrix with the bookkeeping back to the table.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    /// `n_rows × n_features` values, row-major, in the data's own units.
    pub values: Vec<f64>,
    pub n_rows: usize,
    pub n_features: usize,
    /// Table column of each feature.
    pub columns: Vec<usize>,
    /// Table row of each matrix row.
    pub row_of: Vec<usize>,
    pub excluded: Vec<ExcludedRow>,
}

impl FeatureMatrix {
    /// One row of the matrix.
    pub fn row(&self, i: usize) -> &[f64] {
        let start = i * self.n_features;
        self.values.get(start..start + self.n_features).unwrap_or(&[])
    }
}

/// Parses the chosen columns of every row. A row with a missing or non-numeric cell in any
/// of them is left out of the matrix and named in `excluded` (first offending column).
pub fn build_features(table: &Table, columns: &[usize]) -> Result<FeatureMatrix, FeatureError> {
    if columns.is_empty() {
        return Err(FeatureError::NoNumericColumn);
    }
    let mut values = Vec::with_capacity(table.n_rows() * columns.len());
    let mut row_of = Vec::with_capacity(table.n_rows());
    let mut excluded = Vec::new();
    let mut row_values = Vec::with_capacity(columns.len());
    for row in 0..table.n_rows() {
        row_values.clear();
        let mut problem = None;
        for &column in columns {
            let cell = table.cell(row, column);
            let name = table.headers.get(column).map_or("", String::as_str);
            if is_missing(cell) {
                problem = Some(format!("missing value in {name}"));
                break;
            }
            match parse_number(cell) {
                Some(v) => row_values.push(v),
                None => {
                    problem = Some(format!("“{}” in {name} is not a number", cell.trim()));
                    break;
                }
            }
        }
        match problem {
            Some(reason) => excluded.push(ExcludedRow { row, reason }),
            None => {
                values.extend_from_slice(&row_values);
                row_of.push(row);
            }
        }
    }
    if row_of.is_empty() {
        let column = columns
            .first()
            .and_then(|&c| table.headers.get(c))
            .cloned()
            .unwrap_or_default();
        return Err(FeatureError::NoUsableRow { row: 1, column });
    }
    Ok(FeatureMatrix {
        n_rows: row_of.len(),
        n_features: columns.len(),
        values,
        columns: columns.to_vec(),
        row_of,
        excluded,
    })
}

/// Per-feature centring and scaling, kept so centres can be shown in the data's own units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    pub means: Vec<f64>,
    /// Population standard deviation (as scikit-learn's `StandardScaler`); 1 for a constant feature.
    pub scales: Vec<f64>,
}

impl StandardScaler {
    /// Learns means and standard deviations of a row-major matrix.
    pub fn fit(values: &[f64], n_features: usize) -> Self {
        let n_rows = if n_features == 0 { 0 } else { values.len() / n_features };
        let mut means = vec![0.0; n_features];
        let mut scales = vec![1.0; n_features];
        if n_rows == 0 {
            return Self { means, scales };
        }
        for row in values.chunks_exact(n_features) {
            for (m, v) in means.iter_mut().zip(row) {
                *m += v;
            }
        }
        means.iter_mut().for_each(|m| *m /= n_rows as f64);
        let mut sq = vec![0.0; n_features];
        for row in values.chunks_exact(n_features) {
            for ((s, v), m) in sq.iter_mut().zip(row).zip(&means) {
                *s += (v - m) * (v - m);
            }
        }
        for (scale, s) in scales.iter_mut().zip(&sq) {
            let std = (s / n_rows as f64).sqrt();
            *scale = if std > f64::EPSILON * 1e3 { std } else { 1.0 };
        }
        Self { means, scales }
    }

    /// z = (x − mean) / scale, row-major.
    pub fn transform(&self, values: &[f64]) -> Vec<f64> {
        let d = self.means.len().max(1);
        values
            .chunks_exact(d)
            .flat_map(|row| {
                row.iter()
                    .zip(&self.means)
                    .zip(&self.scales)
                    .map(|((v, m), s)| (v - m) / s)
            })
            .collect()
    }

    /// x = z · scale + mean, row-major: scaled centres back to the data's units.
    pub fn inverse_transform(&self, values: &[f64]) -> Vec<f64> {
        let d = self.means.len().max(1);
        values
            .chunks_exact(d)
            .flat_map(|row| {
                row.iter()
                    .zip(&self.means)
                    .zip(&self.scales)
                    .map(|((z, m), s)| z * s + m)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ingest::{parse_csv, IngestOptions};

    #[test]
    fn rows_with_missing_numbers_are_named_not_dropped() {
        let table = parse_csv(b"id,a,b\n1,1,2\n2,,3\n3,4,x\n4,5,6\n", &IngestOptions::default()).unwrap();
        let m = build_features(&table, &[1, 2]).unwrap();
        assert_eq!(m.n_rows, 2);
        assert_eq!(m.row_of, [0, 3]);
        assert_eq!(m.values, [1.0, 2.0, 5.0, 6.0]);
        assert_eq!(m.excluded.len(), 2);
        assert_eq!(m.excluded[0], ExcludedRow { row: 1, reason: "missing value in a".into() });
        assert_eq!(m.excluded[1].row, 2);
        assert!(m.excluded[1].reason.contains("“x” in b is not a number"));
    }

    #[test]
    fn no_columns_or_no_rows_are_errors() {
        let table = parse_csv(b"a\nx\n", &IngestOptions::default()).unwrap();
        assert_eq!(build_features(&table, &[]), Err(FeatureError::NoNumericColumn));
        assert!(matches!(build_features(&table, &[0]), Err(FeatureError::NoUsableRow { .. })));
    }

    #[test]
    fn standard_scaler_matches_hand_computation() {
        // Column 0: 1,2,3 → mean 2, population std sqrt(2/3). Column 1 constant → scale 1.
        let x = [1.0, 5.0, 2.0, 5.0, 3.0, 5.0];
        let s = StandardScaler::fit(&x, 2);
        assert_eq!(s.means, [2.0, 5.0]);
        assert!((s.scales[0] - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(s.scales[1], 1.0);
        let z = s.transform(&x);
        assert!((z[0] + 1.224_744_871_391_589).abs() < 1e-12);
        assert_eq!(z[1], 0.0);
        let back = s.inverse_transform(&z);
        for (a, b) in back.iter().zip(&x) {
            assert!((a - b).abs() < 1e-12);
        }
    }
}
