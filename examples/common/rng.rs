//! What the data-making examples share: a tiny seeded generator (SplitMix64, the same
//! numbers on every machine, no dependency) and a CSV of rows drawn around centres.

use std::fmt::Write as _;

pub struct Rng(pub u64);

#[allow(dead_code)] // each example uses the draws it needs
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly normal (sum of four uniforms, variance 1).
    pub fn normal(&mut self) -> f64 {
        ((0..4).map(|_| self.uniform()).sum::<f64>() - 2.0) * 3f64.sqrt()
    }
}

/// A CSV with a header `f0,f1,…` and `rows` rows, row `r` drawn around centre
/// `r % centres.len()` with unit noise on each feature.
#[allow(dead_code)] // not every example makes a CSV
pub fn csv_around(centres: &[Vec<f64>], rows: usize, rng: &mut Rng) -> Vec<u8> {
    let d = centres.first().map_or(0, Vec::len);
    let mut out = String::with_capacity(rows * d * 8);
    out.push_str(&(0..d).map(|c| format!("f{c}")).collect::<Vec<_>>().join(","));
    out.push('\n');
    for r in 0..rows {
        for (c, m) in centres[r % centres.len()].iter().enumerate() {
            if c > 0 {
                out.push(',');
            }
            let _ = write!(out, "{:.3}", m + rng.normal());
        }
        out.push('\n');
    }
    out.into_bytes()
}
