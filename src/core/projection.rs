//! PCA to two components for the scatter chart, as scikit-learn's `PCA(n_components=2)`.
//!
//! The data are centred, their `d × d` covariance (divisor n − 1) is diagonalised by a
//! cyclic Jacobi eigen-solver (d is small; Jacobi is simple, needs no dependency and is
//! accurate to rounding for symmetric matrices), and the eigenvectors of the largest
//! eigenvalues are the components.
//!
//! **Sign convention** (scikit-learn's `svd_flip(u_based_decision=False)`): each component
//! is flipped so that its entry of largest absolute value (the first such on a tie) is
//! positive. The same data then always give the same picture, here and in scikit-learn.

use thiserror::Error;

/// Components, how much variance each explains, and the projected rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// `n_components × d`, row-major, unit length, by decreasing variance.
    pub components: Vec<f64>,
    pub n_components: usize,
    pub n_features: usize,
    /// Variance along each component (divisor n − 1).
    pub explained_variance: Vec<f64>,
    /// Share of the total variance along each component (0 when the data have none).
    pub explained_variance_ratio: Vec<f64>,
    /// `n × n_components`, row-major: the centred rows times the components.
    pub points: Vec<f64>,
    /// Column means removed before projecting.
    pub mean: Vec<f64>,
}

#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ProjectionError {
    #[error("the matrix has {len} values, not a whole number of rows of {n_features} features")]
    BadShape { len: usize, n_features: usize },
    #[error("at least 2 rows are needed for a projection (got {0})")]
    TooFewRows(usize),
    #[error("the matrix holds a value that is not a finite number")]
    NonFinite,
}

/// Projects row-major `n × d` data onto its first `min(2, d)` principal components.
pub fn pca_2d(data: &[f64], d: usize) -> Result<Projection, ProjectionError> {
    pca(data, d, 2)
}

/// Projects onto the first `min(n_components, d)` principal components.
pub fn pca(data: &[f64], d: usize, n_components: usize) -> Result<Projection, ProjectionError> {
    if d == 0 || data.len() % d != 0 {
        return Err(ProjectionError::BadShape { len: data.len(), n_features: d });
    }
    let n = data.len() / d;
    if n < 2 {
        return Err(ProjectionError::TooFewRows(n));
    }
    if data.iter().any(|v| !v.is_finite()) {
        return Err(ProjectionError::NonFinite);
    }
    let mut mean = vec![0.0; d];
    for row in data.chunks_exact(d) {
        mean.iter_mut().zip(row).for_each(|(m, v)| *m += v);
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);

    let mut cov = vec![0.0; d * d];
    let mut centred = vec![0.0; d];
    for row in data.chunks_exact(d) {
        centred.iter_mut().zip(row.iter().zip(&mean)).for_each(|(c, (v, m))| *c = v - m);
        for (cov_row, &a) in cov.chunks_exact_mut(d).zip(&centred) {
            cov_row.iter_mut().zip(&centred).for_each(|(c, &b)| *c += a * b);
        }
    }
    cov.iter_mut().for_each(|c| *c /= (n - 1) as f64);

    let (values, vectors) = symmetric_eigen(cov, d);
    let total: f64 = values.iter().map(|v| v.max(0.0)).sum();
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&a, &b| {
        let (va, vb) = (values.get(a).copied().unwrap_or(0.0), values.get(b).copied().unwrap_or(0.0));
        vb.total_cmp(&va).then(a.cmp(&b))
    });
    let m = n_components.min(d);
    let mut components = Vec::with_capacity(m * d);
    let mut explained_variance = Vec::with_capacity(m);
    for &j in order.iter().take(m) {
        // Column j of the eigenvector matrix.
        let mut v: Vec<f64> = vectors.chunks_exact(d).map(|row| row.get(j).copied().unwrap_or(0.0)).collect();
        let mut largest = 0.0f64;
        let mut sign = 1.0;
        for &x in &v {
            if x.abs() > largest {
                largest = x.abs();
                sign = if x < 0.0 { -1.0 } else { 1.0 };
            }
        }
        v.iter_mut().for_each(|x| *x *= sign);
        components.extend_from_slice(&v);
        explained_variance.push(values.get(j).copied().unwrap_or(0.0).max(0.0));
    }
    let explained_variance_ratio = explained_variance.iter().map(|v| if total > 0.0 { v / total } else { 0.0 }).collect();
    let mut points = Vec::with_capacity(n * m);
    for row in data.chunks_exact(d) {
        for c in components.chunks_exact(d) {
            points.push(row.iter().zip(&mean).zip(c).map(|((v, mu), w)| (v - mu) * w).sum());
        }
    }
    Ok(Projection { components, n_components: m, n_features: d, explained_variance, explained_variance_ratio, points, mean })
}

/// Eigenvalues and eigenvectors (as the columns of a row-major `d × d` matrix) of a
/// symmetric matrix, by cyclic Jacobi rotations until the off-diagonal part is negligible.
pub fn symmetric_eigen(mut a: Vec<f64>, d: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0; d * d];
    for (i, row) in v.chunks_exact_mut(d).enumerate() {
        if let Some(x) = row.get_mut(i) {
            *x = 1.0;
        }
    }
    let at = |m: &[f64], i: usize, j: usize| m.get(i * d + j).copied().unwrap_or(0.0);
    let norm: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _sweep in 0..100 {
        let off: f64 = (0..d)
            .flat_map(|i| (0..d).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| at(&a, i, j).powi(2))
            .sum::<f64>()
            .sqrt();
        if off <= 1e-300 || off <= 1e-15 * norm * f64::EPSILON.sqrt() {
            break;
        }
        for p in 0..d {
            for q in p + 1..d {
                let apq = at(&a, p, q);
                if apq == 0.0 {
                    continue;
                }
                let theta = (at(&a, q, q) - at(&a, p, p)) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                rotate_columns(&mut a, d, p, q, c, s);
                rotate_rows(&mut a, d, p, q, c, s);
                rotate_columns(&mut v, d, p, q, c, s);
            }
        }
    }
    let values = (0..d).map(|i| at(&a, i, i)).collect();
    (values, v)
}

/// `M ← M·P` for the rotation `P` with `P_pp = P_qq = c`, `P_pq = s`, `P_qp = −s`.
fn rotate_columns(m: &mut [f64], d: usize, p: usize, q: usize, c: f64, s: f64) {
    for row in m.chunks_exact_mut(d) {
        let (mp, mq) = (row.get(p).copied().unwrap_or(0.0), row.get(q).copied().unwrap_or(0.0));
        if let Some(x) = row.get_mut(p) {
            *x = c * mp - s * mq;
        }
        if let Some(x) = row.get_mut(q) {
            *x = s * mp + c * mq;
        }
    }
}

/// `M ← Pᵀ·M`.
fn rotate_rows(m: &mut [f64], d: usize, p: usize, q: usize, c: f64, s: f64) {
    for col in 0..d {
        let (mp, mq) = (m.get(p * d + col).copied().unwrap_or(0.0), m.get(q * d + col).copied().unwrap_or(0.0));
        if let Some(x) = m.get_mut(p * d + col) {
            *x = c * mp - s * mq;
        }
        if let Some(x) = m.get_mut(q * d + col) {
            *x = s * mp + c * mq;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_of_a_two_by_two_worked_out_by_hand() {
        // [[2, 1], [1, 2]]: eigenvalues 3 (along (1, 1)/√2) and 1 (along (1, −1)/√2).
        let (values, vectors) = symmetric_eigen(vec![2.0, 1.0, 1.0, 2.0], 2);
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        assert!((sorted[0] - 1.0).abs() < 1e-14 && (sorted[1] - 3.0).abs() < 1e-14);
        let big = if values[0] > values[1] { 0 } else { 1 };
        let r = std::f64::consts::FRAC_1_SQRT_2;
        assert!((vectors[big].abs() - r).abs() < 1e-14 && (vectors[2 + big] - vectors[big]).abs() < 1e-14);
    }

    #[test]
    fn points_on_a_line_have_one_component_explaining_everything() {
        // Rows (t, −2t): the direction is (−1, 2)/√5, made positive at its largest entry.
        let data: Vec<f64> = (0..5).flat_map(|t| [t as f64, -2.0 * t as f64]).collect();
        let p = pca_2d(&data, 2).unwrap();
        let s5 = 5f64.sqrt();
        assert!((p.components[0] + 1.0 / s5).abs() < 1e-12 && (p.components[1] - 2.0 / s5).abs() < 1e-12);
        assert!((p.explained_variance_ratio[0] - 1.0).abs() < 1e-12);
        assert!(p.explained_variance_ratio[1].abs() < 1e-12);
        // Variance of t·√5 for t = 0..4 (mean 2): 5 · 10/4 = 12.5. First point: (0, 0) − (2, −4)
        // = (−2, 4), times (−1, 2)/√5 = 10/√5 = 2√5.
        assert!((p.explained_variance[0] - 12.5).abs() < 1e-12);
        assert!((p.points[0] - 2.0 * s5).abs() < 1e-12);
    }

    #[test]
    fn one_feature_gives_one_component() {
        let p = pca_2d(&[1.0, 2.0, 4.0], 1).unwrap();
        assert_eq!((p.n_components, p.components.clone()), (1, vec![1.0]));
        assert_eq!(p.points.len(), 3);
        assert_eq!(pca_2d(&[1.0, 2.0], 2), Err(ProjectionError::TooFewRows(1)));
    }
}
