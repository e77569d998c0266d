//! Feature scaling: standard (z-score), min-max, robust (median / IQR), or none. The
//! fitted parameters are kept so centres can be mapped back and a saved model reapplied.

use serde::{Deserialize, Serialize};

use crate::core::profile::quantile;

/// How features are put on a common scale before distances are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scaling {
    /// (x − mean) / std (population), as scikit-learn's StandardScaler. The default: every
    /// feature weighs the same whatever its unit.
    #[default]
    Standard,
    /// (x − min) / (max − min).
    MinMax,
    /// (x − median) / IQR: outliers pull less.
    Robust,
    /// The values as they are.
    None,
}

/// A fitted scaler: z = (x − center) / scale, per feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    pub scaling: Scaling,
    pub centers: Vec<f64>,
    /// Never 0: a constant feature gets scale 1.
    pub scales: Vec<f64>,
}

impl Scaler {
    /// Learns the parameters from a row-major matrix.
    pub fn fit(scaling: Scaling, values: &[f64], n_features: usize) -> Self {
        let d = n_features.max(1);
        let n = values.len() / d;
        if n == 0 {
            return Self { scaling, centers: vec![0.0; n_features], scales: vec![1.0; n_features] };
        }
        let rows = || values.chunks_exact(d);
        // Each feature's sums are taken down its column in row order, as over the column
        // alone (the same bits), but in passes along the rows: the matrix is row-major, and
        // reading it a column at a time read all of it once per feature.
        let (centers, spreads): (Vec<f64>, Vec<f64>) = match scaling {
            Scaling::Standard => {
                let mut sums = vec![0.0; n_features];
                for row in rows() {
                    sums.iter_mut().zip(row).for_each(|(s, v)| *s += v);
                }
                let means: Vec<f64> = sums.iter().map(|s| s / n as f64).collect();
                let mut squares = vec![0.0; n_features];
                for row in rows() {
                    squares.iter_mut().zip(row).zip(&means).for_each(|((s, v), m)| *s += (v - m) * (v - m));
                }
                let stds = squares.iter().map(|s| (s / n as f64).sqrt()).collect();
                (means, stds)
            }
            Scaling::MinMax => {
                let mut lo = vec![f64::INFINITY; n_features];
                let mut hi = vec![f64::NEG_INFINITY; n_features];
                for row in rows() {
                    for ((l, h), &v) in lo.iter_mut().zip(hi.iter_mut()).zip(row) {
                        *l = l.min(v);
                        *h = h.max(v);
                    }
                }
                let ranges = hi.iter().zip(&lo).map(|(h, l)| h - l).collect();
                (lo, ranges)
            }
            Scaling::Robust => {
                let mut column = Vec::with_capacity(n);
                (0..n_features)
                    .map(|f| {
                        column.clear();
                        column.extend(rows().filter_map(|r| r.get(f).copied()));
                        column.sort_by(f64::total_cmp);
                        (quantile(&column, 0.5), quantile(&column, 0.75) - quantile(&column, 0.25))
                    })
                    .unzip()
            }
            Scaling::None => (vec![0.0; n_features], vec![1.0; n_features]),
        };
        // scikit-learn's rule: a scale too close to zero is replaced by 1.
        let scales = spreads
            .iter()
            .zip(&centers)
            .map(|(&scale, center)| if scale.is_finite() && scale > 10.0 * f64::EPSILON * center.abs().max(1.0) { scale } else { 1.0 })
            .collect();
        Self { scaling, centers, scales }
    }

    /// z = (x − center) / scale, row-major.
    pub fn transform(&self, values: &[f64]) -> Vec<f64> {
        let d = self.centers.len().max(1);
        values.chunks_exact(d).flat_map(|row| row.iter().zip(&self.centers).zip(&self.scales).map(|((v, c), s)| (v - c) / s)).collect()
    }

    /// [`Scaler::transform`] of `values` in place (the same bits).
    pub fn transform_in_place(&self, values: &mut [f64]) {
        let d = self.centers.len().max(1);
        for row in values.chunks_exact_mut(d) {
            for ((v, c), s) in row.iter_mut().zip(&self.centers).zip(&self.scales) {
                *v = (*v - c) / s;
            }
        }
    }

    /// x = z · scale + center, row-major.
    pub fn inverse_transform(&self, values: &[f64]) -> Vec<f64> {
        let d = self.centers.len().max(1);
        values.chunks_exact(d).flat_map(|row| row.iter().zip(&self.centers).zip(&self.scales).map(|((z, c), s)| z * s + c)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fit in passes along the rows gives each feature's parameters as computed down
    /// its column alone, bit for bit.
    #[test]
    fn fitting_along_the_rows_is_fitting_each_column() {
        let (n, d) = (1_001, 5);
        let mut seed = 3u64;
        let x: Vec<f64> = (0..n * d)
            .map(|i| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                if i % d == 3 {
                    7.25
                } else {
                    ((seed >> 11) as f64 / (1u64 << 53) as f64) * 1e3 - 300.0
                }
            })
            .collect();
        for scaling in [Scaling::Standard, Scaling::MinMax, Scaling::Robust, Scaling::None] {
            let fitted = Scaler::fit(scaling, &x, d);
            for f in 0..d {
                let mut column: Vec<f64> = x.iter().skip(f).step_by(d).copied().collect();
                let (center, scale) = match scaling {
                    Scaling::Standard => {
                        let mean = column.iter().sum::<f64>() / n as f64;
                        (mean, (column.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64).sqrt())
                    }
                    Scaling::MinMax => {
                        let (lo, hi) = column.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
                        (lo, hi - lo)
                    }
                    Scaling::Robust => {
                        column.sort_by(f64::total_cmp);
                        (quantile(&column, 0.5), quantile(&column, 0.75) - quantile(&column, 0.25))
                    }
                    Scaling::None => (0.0, 1.0),
                };
                let scale = if scale > 10.0 * f64::EPSILON * center.abs().max(1.0) { scale } else { 1.0 };
                assert_eq!(
                    (fitted.centers[f].to_bits(), fitted.scales[f].to_bits()),
                    (center.to_bits(), scale.to_bits()),
                    "{scaling:?} feature {f}"
                );
            }
        }
    }

    #[test]
    fn standard_scaling_matches_hand_computation() {
        // Column 0: 1,2,3 → mean 2, population std sqrt(2/3). Column 1 constant → scale 1.
        let x = [1.0, 5.0, 2.0, 5.0, 3.0, 5.0];
        let s = Scaler::fit(Scaling::Standard, &x, 2);
        assert_eq!(s.centers, [2.0, 5.0]);
        assert!((s.scales[0] - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(s.scales[1], 1.0);
        let z = s.transform(&x);
        assert!((z[0] + 1.224_744_871_391_589).abs() < 1e-12);
        assert_eq!(z[1], 0.0);
        for (a, b) in s.inverse_transform(&z).iter().zip(&x) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn min_max_and_robust_scaling() {
        let x = [0.0, 10.0, 5.0, 100.0];
        let m = Scaler::fit(Scaling::MinMax, &x, 1);
        assert_eq!(m.transform(&x), [0.0, 0.1, 0.05, 1.0]);
        // Sorted 0, 5, 10, 100: median 7.5, q1 3.75, q3 32.5 → IQR 28.75.
        let r = Scaler::fit(Scaling::Robust, &x, 1);
        assert_eq!((r.centers[0], r.scales[0]), (7.5, 28.75));
        let n = Scaler::fit(Scaling::None, &x, 1);
        assert_eq!(n.transform(&x), x);
    }
}
