//! PCA to two components for the scatter chart, as scikit-learn's `PCA(n_components=2)`.
//!
//! Two methods, by width:
//!
//! - **Up to [`JACOBI_MAX_FEATURES`] features**: the data are centred, their `d × d`
//!   covariance (divisor n − 1) is diagonalised by a cyclic Jacobi eigen-solver (simple, no
//!   dependency, accurate to rounding for symmetric matrices), and the eigenvectors of the
//!   largest eigenvalues are the components. `O(n·d²)` to form the covariance, `O(d³)` per
//!   sweep: cheap for narrow data, hopeless for a thousand features.
//! - **Wider**: subspace iteration with Rayleigh–Ritz on the covariance, never formed. A
//!   block of [`BLOCK`] orthonormal vectors `Q` (a fixed pseudo-random start, the same on
//!   every platform) is multiplied by the covariance one pass over the rows at a time
//!   (`Xcᵀ(Xc·Q)/(n − 1)`, rows centred on the fly: `O(n·d·BLOCK)` time, `O(d·BLOCK)`
//!   memory), the small `BLOCK × BLOCK` projected matrix is diagonalised by Jacobi, and the
//!   block is replaced by the orthonormalised images of its Ritz vectors. It stops when
//!   every wanted Ritz pair's residual `‖Cv − θv‖` is below [`RESIDUAL_TOLERANCE`] times the
//!   largest θ, or after [`MAX_ITERATIONS`] passes (the Ritz vectors then still span the
//!   best plane found). Only `+ − × ÷ √` in a fixed order: the same bits natively and in wasm.
//!
//! Either way the total variance (for `explained_variance_ratio`) is the sum of the column
//! variances, the trace of the covariance.
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

/// Widest data whose PCA uses the exact Jacobi path; wider data use subspace iteration.
pub const JACOBI_MAX_FEATURES: usize = 64;

/// Vectors in the iterated block: the wanted components and some spare, so that each pass
/// shrinks the error of component i by about `λ_(BLOCK+1) / λ_i`.
pub const BLOCK: usize = 10;

/// A Ritz pair counts as converged when `‖Cv − θv‖ ≤ RESIDUAL_TOLERANCE · θ_max`.
pub const RESIDUAL_TOLERANCE: f64 = 1e-11;

/// At most this many passes over the rows in subspace iteration.
pub const MAX_ITERATIONS: usize = 150;

/// Projects row-major `n × d` data onto its first `min(2, d)` principal components.
pub fn pca_2d(data: &[f64], d: usize) -> Result<Projection, ProjectionError> {
    pca(data, d, 2)
}

/// [`pca_2d`] with only `rows` projected (`points` in their order; a row past the data is
/// left out): the same components and the same bits for those rows, without 16 bytes a row
/// for rows nobody draws.
pub fn pca_2d_of_rows(data: &[f64], d: usize, rows: &[usize]) -> Result<Projection, ProjectionError> {
    let mean = checked_mean(data, d)?;
    let m = 2.min(d);
    let (components, explained_variance, total) =
        if d <= JACOBI_MAX_FEATURES { jacobi_components(data, d, &mean, m) } else { iterative_components(data, d, &mean, m).0 };
    let chosen = rows.iter().filter_map(|&r| data.get(r * d..(r + 1) * d));
    Ok(finish(chosen, d, mean, components, explained_variance, total))
}

/// Projects onto the first `min(n_components, d)` principal components: Jacobi up to
/// [`JACOBI_MAX_FEATURES`] features, subspace iteration beyond (see the module docs).
pub fn pca(data: &[f64], d: usize, n_components: usize) -> Result<Projection, ProjectionError> {
    let mean = checked_mean(data, d)?;
    let m = n_components.min(d);
    let (components, explained_variance, total) =
        if d <= JACOBI_MAX_FEATURES { jacobi_components(data, d, &mean, m) } else { iterative_components(data, d, &mean, m).0 };
    Ok(finish(data.chunks_exact(d), d, mean, components, explained_variance, total))
}

/// The column means, after checking the shape and the values.
fn checked_mean(data: &[f64], d: usize) -> Result<Vec<f64>, ProjectionError> {
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
    Ok(mean)
}

/// Signs the components (svd_flip), projects the rows and divides by the total variance.
fn finish<'a>(
    rows: impl Iterator<Item = &'a [f64]>,
    d: usize,
    mean: Vec<f64>,
    mut components: Vec<f64>,
    explained_variance: Vec<f64>,
    total: f64,
) -> Projection {
    for v in components.chunks_exact_mut(d) {
        let mut largest = 0.0f64;
        let mut sign = 1.0;
        for &x in v.iter() {
            if x.abs() > largest {
                largest = x.abs();
                sign = if x < 0.0 { -1.0 } else { 1.0 };
            }
        }
        v.iter_mut().for_each(|x| *x *= sign);
    }
    let m = explained_variance.len();
    let explained_variance_ratio = explained_variance.iter().map(|v| if total > 0.0 { v / total } else { 0.0 }).collect();
    let mut points = Vec::with_capacity(rows.size_hint().0 * m);
    for row in rows {
        for c in components.chunks_exact(d) {
            points.push(row.iter().zip(&mean).zip(c).map(|((v, mu), w)| (v - mu) * w).sum());
        }
    }
    Projection { components, n_components: m, n_features: d, explained_variance, explained_variance_ratio, points, mean }
}

/// The exact path: the `d × d` covariance diagonalised by Jacobi. Components (unsigned),
/// their variances, and the total variance.
fn jacobi_components(data: &[f64], d: usize, mean: &[f64], m: usize) -> (Vec<f64>, Vec<f64>, f64) {
    let n = data.len() / d;
    let mut cov = vec![0.0; d * d];
    let mut centred = vec![0.0; d];
    for row in data.chunks_exact(d) {
        centred.iter_mut().zip(row.iter().zip(mean)).for_each(|(c, (v, m))| *c = v - m);
        // The upper triangle only (the diagonal on): a · b and b · a are the same bits, so
        // the lower one is a copy, made once below.
        for (i, (cov_row, &a)) in cov.chunks_exact_mut(d).zip(&centred).enumerate() {
            let (Some(cov_row), Some(others)) = (cov_row.get_mut(i..), centred.get(i..)) else { continue };
            cov_row.iter_mut().zip(others).for_each(|(c, &b)| *c += a * b);
        }
    }
    for i in 0..d {
        for j in 0..i {
            if let Some(&upper) = cov.get(j * d + i) {
                if let Some(lower) = cov.get_mut(i * d + j) {
                    *lower = upper;
                }
            }
        }
    }
    cov.iter_mut().for_each(|c| *c /= (n - 1) as f64);

    let (values, vectors) = symmetric_eigen(cov, d);
    let total: f64 = values.iter().map(|v| v.max(0.0)).sum();
    let order = descending(&values);
    let mut components = Vec::with_capacity(m * d);
    let mut explained_variance = Vec::with_capacity(m);
    for &j in order.iter().take(m) {
        // Column j of the eigenvector matrix.
        components.extend(vectors.chunks_exact(d).map(|row| row.get(j).copied().unwrap_or(0.0)));
        explained_variance.push(values.get(j).copied().unwrap_or(0.0).max(0.0));
    }
    (components, explained_variance, total)
}

/// Indices of `values` from the largest down (ties to the lower index).
fn descending(values: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        let (va, vb) = (values.get(a).copied().unwrap_or(0.0), values.get(b).copied().unwrap_or(0.0));
        vb.total_cmp(&va).then(a.cmp(&b))
    });
    order
}

/// The wide path: subspace iteration with Rayleigh–Ritz (see the module docs). Same
/// outputs as [`jacobi_components`], and the passes made; `O(n·d·BLOCK)` per pass.
fn iterative_components(data: &[f64], d: usize, mean: &[f64], m: usize) -> ((Vec<f64>, Vec<f64>, f64), usize) {
    let n = data.len() / d;
    let scale = 1.0 / (n - 1) as f64;
    let mut variances = vec![0.0; d];
    for row in data.chunks_exact(d) {
        variances.iter_mut().zip(row.iter().zip(mean)).for_each(|(s, (v, mu))| *s += (v - mu) * (v - mu));
    }
    let total: f64 = variances.iter().sum::<f64>() * scale;
    if total <= 0.0 {
        // No variance: as Jacobi on a zero matrix, the first unit vectors.
        let components = (0..m).flat_map(|j| (0..d).map(move |i| if i == j { 1.0 } else { 0.0 })).collect();
        return ((components, vec![0.0; m], 0.0), 0);
    }
    let p = BLOCK.max(m).min(d);
    let mut q: Vec<f64> = (0..p * d).map(|i| start_entry(i as u64)).collect();
    orthonormalise(&mut q, d);
    let mut w = vec![0.0; p * d];
    let mut centred = vec![0.0; d];
    let mut z = vec![0.0; p];
    let mut ritz = vec![0.0; p * d];
    let mut images = vec![0.0; p * d];
    let mut result = (Vec::new(), Vec::new());
    let mut passes = 0;
    for iteration in 0..MAX_ITERATIONS {
        // W = C·Q, one pass: each centred row x adds (x·q_j) x to w_j.
        w.iter_mut().for_each(|v| *v = 0.0);
        for row in data.chunks_exact(d) {
            centred.iter_mut().zip(row.iter().zip(mean)).for_each(|(c, (v, mu))| *c = v - mu);
            for (zj, qj) in z.iter_mut().zip(q.chunks_exact(d)) {
                *zj = dot(&centred, qj);
            }
            for (&zj, wj) in z.iter().zip(w.chunks_exact_mut(d)) {
                wj.iter_mut().zip(&centred).for_each(|(a, &c)| *a += zj * c);
            }
        }
        w.iter_mut().for_each(|v| *v *= scale);
        passes = iteration + 1;
        // Rayleigh–Ritz: H = Qᵀ C Q (symmetrised), diagonalised exactly.
        let mut h = vec![0.0; p * p];
        for (i, qi) in q.chunks_exact(d).enumerate() {
            for (j, wj) in w.chunks_exact(d).enumerate() {
                if let Some(x) = h.get_mut(i * p + j) {
                    *x = dot(qi, wj);
                }
            }
        }
        for i in 0..p {
            for j in i + 1..p {
                let s = (h.get(i * p + j).copied().unwrap_or(0.0) + h.get(j * p + i).copied().unwrap_or(0.0)) / 2.0;
                if let Some(x) = h.get_mut(i * p + j) {
                    *x = s;
                }
                if let Some(x) = h.get_mut(j * p + i) {
                    *x = s;
                }
            }
        }
        let (theta, s) = symmetric_eigen(h, p);
        let order = descending(&theta);
        // Ritz vectors v_b = Q·s_b and their images C·v_b = W·s_b, by decreasing θ.
        for (slot, &b) in order.iter().enumerate() {
            let (Some(v), Some(cv)) = (ritz.get_mut(slot * d..(slot + 1) * d), images.get_mut(slot * d..(slot + 1) * d)) else {
                continue;
            };
            v.iter_mut().for_each(|x| *x = 0.0);
            cv.iter_mut().for_each(|x| *x = 0.0);
            for (a, (qa, wa)) in q.chunks_exact(d).zip(w.chunks_exact(d)).enumerate() {
                let coefficient = s.get(a * p + b).copied().unwrap_or(0.0);
                v.iter_mut().zip(qa).for_each(|(x, &y)| *x += coefficient * y);
                cv.iter_mut().zip(wa).for_each(|(x, &y)| *x += coefficient * y);
            }
        }
        let values: Vec<f64> = order.iter().map(|&b| theta.get(b).copied().unwrap_or(0.0)).collect();
        let largest = values.first().copied().unwrap_or(0.0).max(0.0);
        let converged = ritz.chunks_exact(d).zip(images.chunks_exact(d)).zip(&values).take(m).all(|((v, cv), &t)| {
            let r2: f64 = v.iter().zip(cv).map(|(&x, &y)| (y - t * x) * (y - t * x)).sum();
            r2.sqrt() <= RESIDUAL_TOLERANCE * largest
        });
        if converged || iteration + 1 == MAX_ITERATIONS {
            let components = ritz.get(..m * d).unwrap_or(&[]).to_vec();
            result = (components, values.iter().take(m).map(|v| v.max(0.0)).collect());
            break;
        }
        // The next block: the images of the Ritz vectors, orthonormalised.
        q.copy_from_slice(&images);
        orthonormalise(&mut q, d);
    }
    ((result.0, result.1, total), passes)
}

/// Entry `i` of the fixed start block: a SplitMix64 hash of `i` as a float in [−1, 1).
fn start_entry(i: u64) -> f64 {
    let mut z = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// A dot product summed in four fixed lanes (vectorises; the same bits everywhere).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut lanes = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for ((l, xi), yi) in lanes.iter_mut().zip(x).zip(y) {
            *l += xi * yi;
        }
    }
    let [l0, l1, l2, l3] = lanes;
    ((l0 + l1) + (l2 + l3)) + tail
}

/// Orthonormalises the rows of `q` (each of length `d`) in place by Gram–Schmidt, twice.
/// A row that vanishes (the data have lower rank) is replaced by a unit vector orthogonal
/// to the rows before it.
fn orthonormalise(q: &mut [f64], d: usize) {
    let p = q.len() / d.max(1);
    for j in 0..p {
        let (done, rest) = q.split_at_mut(j * d);
        let Some(v) = rest.get_mut(..d) else { return };
        let before = dot(v, v).sqrt();
        let mut norm = project_out(v, done, d);
        if norm <= 1e-10 * before {
            // Replace by the first unit vector e_(j + t) that keeps a fair part of its
            // length once made orthogonal to the rows before (one exists: p ≤ d).
            for t in 0..d {
                v.iter_mut().enumerate().for_each(|(i, x)| *x = if i == (j + t) % d { 1.0 } else { 0.0 });
                norm = project_out(v, done, d);
                if norm > 0.1 {
                    break;
                }
            }
        }
        if norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= norm);
        }
    }
}

/// Removes from `v` its components along the (orthonormal) rows of `basis`, twice, and
/// returns the remaining norm.
fn project_out(v: &mut [f64], basis: &[f64], d: usize) -> f64 {
    for _ in 0..2 {
        for b in basis.chunks_exact(d) {
            let c = dot(v, b);
            v.iter_mut().zip(b).for_each(|(x, &y)| *x -= c * y);
        }
    }
    dot(v, v).sqrt()
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
    fn the_covariance_from_its_upper_triangle_is_the_full_sum_bit_for_bit() {
        // Every product summed over every row, as the full matrix would be: the eigen
        // decomposition then gets the same bits.
        let d = 5;
        let data: Vec<f64> = (0..700).map(|i| ((i * 7919) % 1013) as f64 / 37.0 - 9.5 + (i % d) as f64 * 0.1).collect();
        let n = data.len() / d;
        let mean: Vec<f64> = (0..d).map(|j| data.iter().skip(j).step_by(d).sum::<f64>() / n as f64).collect();
        let mut full = vec![0.0; d * d];
        for row in data.chunks_exact(d) {
            let c: Vec<f64> = row.iter().zip(&mean).map(|(v, m)| v - m).collect();
            for i in 0..d {
                for j in 0..d {
                    full[i * d + j] += c[i] * c[j];
                }
            }
        }
        full.iter_mut().for_each(|c| *c /= (n - 1) as f64);
        let (values, vectors) = symmetric_eigen(full, d);
        let order = descending(&values);
        let (components, explained, total) = jacobi_components(&data, d, &mean, 2);
        let expected: Vec<f64> = order.iter().take(2).flat_map(|&j| vectors.chunks_exact(d).map(move |row| row[j])).collect();
        assert_eq!(components.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), expected.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
        assert_eq!(explained, order.iter().take(2).map(|&j| values[j].max(0.0)).collect::<Vec<_>>());
        assert_eq!(total, values.iter().map(|v| v.max(0.0)).sum::<f64>());
    }

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
    fn projecting_chosen_rows_gives_the_whole_projection_s_bits_for_them() {
        let d = 5;
        let data: Vec<f64> = (0..300 * d).map(|i| ((i * 7919) % 1013) as f64 / 17.0 + (i % d) as f64).collect();
        let whole = pca_2d(&data, d).unwrap();
        let rows = [0, 3, 150, 299, 1000];
        let some = pca_2d_of_rows(&data, d, &rows).unwrap();
        assert_eq!(some.components, whole.components);
        assert_eq!(some.explained_variance_ratio, whole.explained_variance_ratio);
        let expected: Vec<f64> = rows.iter().filter(|&&r| r < 300).flat_map(|&r| whole.points[r * 2..r * 2 + 2].to_vec()).collect();
        assert_eq!(some.points, expected, "row 1000 is past the data: left out");
    }

    #[test]
    fn one_feature_gives_one_component() {
        let p = pca_2d(&[1.0, 2.0, 4.0], 1).unwrap();
        assert_eq!((p.n_components, p.components.clone()), (1, vec![1.0]));
        assert_eq!(p.points.len(), 3);
        assert_eq!(pca_2d(&[1.0, 2.0], 2), Err(ProjectionError::TooFewRows(1)));
    }

    /// Seeded test data: `n × d`, rows around `clusters` random centres (spread `spread`)
    /// plus unit noise.
    fn clustered(n: usize, d: usize, clusters: usize, spread: f64, seed: u64) -> Vec<f64> {
        let mut i = seed << 32;
        let mut draw = || {
            i += 1;
            start_entry(i)
        };
        let centres: Vec<f64> = (0..clusters * d).map(|_| spread * draw()).collect();
        (0..n).flat_map(|r| (0..d).map(move |c| (r, c))).map(|(r, c)| centres[(r % clusters) * d + c] + draw() + draw()).collect()
    }

    /// Both paths on the same data, whatever the width, and the passes subspace iteration made.
    fn both(data: &[f64], d: usize, m: usize) -> (Projection, Projection, usize) {
        let mean = checked_mean(data, d).unwrap();
        let (c, v, t) = jacobi_components(data, d, &mean, m);
        let exact = finish(data.chunks_exact(d), d, mean.clone(), c, v, t);
        let ((c, v, t), passes) = iterative_components(data, d, &mean, m);
        (exact, finish(data.chunks_exact(d), d, mean, c, v, t), passes)
    }

    fn assert_close(exact: &Projection, ours: &Projection, tolerance: f64) {
        assert_eq!((exact.n_components, exact.n_features), (ours.n_components, ours.n_features));
        for (a, b) in exact.components.iter().zip(&ours.components) {
            assert!((a - b).abs() < tolerance, "component {a} vs {b}");
        }
        for (a, b) in exact.explained_variance.iter().zip(&ours.explained_variance) {
            assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "variance {a} vs {b}");
        }
        for (a, b) in exact.explained_variance_ratio.iter().zip(&ours.explained_variance_ratio) {
            assert!((a - b).abs() <= 1e-9, "ratio {a} vs {b}");
        }
        for (a, b) in exact.points.iter().zip(&ours.points) {
            assert!((a - b).abs() <= tolerance * a.abs().max(1.0), "point {a} vs {b}");
        }
    }

    #[test]
    fn subspace_iteration_agrees_with_jacobi_at_thirty_features() {
        // Clustered (clear gaps), and plain noise (small gaps between the eigenvalues).
        for (clusters, spread) in [(4, 3.0), (1, 0.0)] {
            let data = clustered(300, 30, clusters, spread, 5);
            for m in [1, 2, 3] {
                let (exact, ours, passes) = both(&data, 30, m);
                assert_close(&exact, &ours, 1e-6);
                assert!(passes < MAX_ITERATIONS, "{passes} passes");
            }
        }
    }

    #[test]
    fn subspace_iteration_handles_low_rank_and_constant_data() {
        // Three rows in 100 dimensions: rank 2, so the block needs replacement vectors.
        let data = clustered(3, 70, 3, 2.0, 9);
        let (exact, ours, passes) = both(&data, 70, 2);
        assert!(passes < MAX_ITERATIONS);
        assert_close(&exact, &ours, 1e-8);
        // Two rows: one component carries everything, the second none.
        let data = clustered(2, 70, 2, 2.0, 10);
        let (_, ours, _) = both(&data, 70, 2);
        assert!((ours.explained_variance_ratio[0] - 1.0).abs() < 1e-12 && ours.explained_variance_ratio[1].abs() < 1e-12);
        // No variance: the first unit vectors, as Jacobi gives.
        let (exact, ours, _) = both(&vec![1.5; 70 * 4], 70, 2);
        assert_eq!(exact, ours);
        assert_eq!(ours.explained_variance_ratio, vec![0.0, 0.0]);
    }

    #[test]
    fn wide_data_use_subspace_iteration_and_finish_fast() {
        let (n, d) = (200, 1_000);
        let data = clustered(n, d, 4, 3.0, 3);
        // Speed is measured by `examples/wide.rs`, not asserted here (a loaded machine).
        let p = pca_2d(&data, d).unwrap();
        // Unit length, orthogonal, and eigenvectors of the covariance: ‖Cv − λv‖ tiny.
        let (c0, c1) = p.components.split_at(d);
        assert!((dot(c0, c0) - 1.0).abs() < 1e-12 && (dot(c1, c1) - 1.0).abs() < 1e-12 && dot(c0, c1).abs() < 1e-12);
        for (v, &lambda) in p.components.chunks_exact(d).zip(&p.explained_variance) {
            let mut cv = vec![0.0; d];
            for row in data.chunks_exact(d) {
                let centred: Vec<f64> = row.iter().zip(&p.mean).map(|(x, m)| x - m).collect();
                let z = dot(&centred, v) / (n - 1) as f64;
                cv.iter_mut().zip(&centred).for_each(|(a, c)| *a += z * c);
            }
            let residual = cv.iter().zip(v).map(|(a, b)| (a - lambda * b).powi(2)).sum::<f64>().sqrt();
            assert!(residual < 1e-9 * lambda, "residual {residual} for λ = {lambda}");
        }
        // Ratios from the total variance (the trace); the projected points' variance is λ.
        let total: f64 = (0..d)
            .map(|j| {
                let mu = p.mean[j];
                data.chunks_exact(d).map(|r| (r[j] - mu).powi(2)).sum::<f64>() / (n - 1) as f64
            })
            .sum();
        assert!((p.explained_variance_ratio[0] - p.explained_variance[0] / total).abs() < 1e-12);
        let var0 = p.points.chunks_exact(2).map(|pt| pt[0] * pt[0]).sum::<f64>() / (n - 1) as f64;
        assert!((var0 - p.explained_variance[0]).abs() < 1e-9 * var0);
        // svd_flip: the largest entry of each component is positive.
        for c in p.components.chunks_exact(d) {
            let top = c.iter().copied().fold(0.0f64, |a, x| if x.abs() > a.abs() { x } else { a });
            assert!(top > 0.0);
        }
    }
}
