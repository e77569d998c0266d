//! The classic RFM scores and segments.
//!
//! **Quintile scores** follow the usual pandas recipe
//! `qcut(x.rank(method="first"), 5, labels=[1, 2, 3, 4, 5])` (labels reversed for recency,
//! so the most recent customers score 5): customers are ranked 1..n by the value, ties in
//! table order (by id text), and rank r falls in quintile k = the smallest k ≥ 1 with
//! r ≤ 1 + (n − 1)·k/5, computed in integers as max(1, ⌈5(r − 1)/(n − 1)⌉). Checked equal
//! to pandas for every n from 2 to 2,500 (`tests/fixtures/rfm/quintiles.json` keeps a set);
//! a single customer, where pandas raises, gets quintile 1.
//!
//! **Segments** come from the widely used map of the two-digit "RF" score (R then F) by
//! regular expressions, as in most RFM notebooks:
//!
//! | RF | segment |
//! |---|---|
//! | `11` | Lost (our one refinement: the bottom cell of Hibernating) |
//! | `[1-2][1-2]` | Hibernating |
//! | `[1-2][3-4]` | At risk |
//! | `[1-2]5` | Can't lose them |
//! | `3[1-2]` | About to sleep |
//! | `33` | Need attention |
//! | `[3-4][4-5]` | Loyal customers |
//! | `41` | Promising |
//! | `51` | New customers |
//! | `[4-5][2-3]` | Potential loyalists |
//! | `5[4-5]` | Champions |
//!
//! M is reported beside them (and in the `RFM_Score`), not used by the map.

use serde::{Deserialize, Serialize};

use super::CustomerRfm;

/// The standard RFM segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RfmSegment {
    Champions,
    LoyalCustomers,
    PotentialLoyalists,
    NewCustomers,
    Promising,
    NeedAttention,
    AboutToSleep,
    AtRisk,
    CantLoseThem,
    Hibernating,
    Lost,
}

impl RfmSegment {
    /// Every segment, best first.
    pub const ALL: [RfmSegment; 11] = [
        Self::Champions,
        Self::LoyalCustomers,
        Self::PotentialLoyalists,
        Self::NewCustomers,
        Self::Promising,
        Self::NeedAttention,
        Self::AboutToSleep,
        Self::AtRisk,
        Self::CantLoseThem,
        Self::Hibernating,
        Self::Lost,
    ];

    /// The name shown to the user and written in `RFM_Segment`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Champions => "Champions",
            Self::LoyalCustomers => "Loyal customers",
            Self::PotentialLoyalists => "Potential loyalists",
            Self::NewCustomers => "New customers",
            Self::Promising => "Promising",
            Self::NeedAttention => "Need attention",
            Self::AboutToSleep => "About to sleep",
            Self::AtRisk => "At risk",
            Self::CantLoseThem => "Can't lose them",
            Self::Hibernating => "Hibernating",
            Self::Lost => "Lost",
        }
    }
}

/// The segment of an R and an F score (1..=5; values outside are clamped).
pub fn rfm_segment(r: u8, f: u8) -> RfmSegment {
    use RfmSegment::*;
    match (r.clamp(1, 5), f.clamp(1, 5)) {
        (1, 1) => Lost,
        (1..=2, 1..=2) => Hibernating,
        (1..=2, 3..=4) => AtRisk,
        (1..=2, _) => CantLoseThem,
        (3, 1..=2) => AboutToSleep,
        (3, 3) => NeedAttention,
        (3..=4, 4..=5) => LoyalCustomers,
        (4, 1) => Promising,
        (5, 1) => NewCustomers,
        (4..=5, 2..=3) => PotentialLoyalists,
        _ => Champions,
    }
}

/// The quintile (1..=5) of each value, as pandas `qcut(rank(method="first"), 5)`: ranks by
/// value with ties in the given order.
pub fn quintile_scores(values: &[f64]) -> Vec<u8> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    // Stable: equal values keep their order, as rank(method="first").
    order.sort_by(|&a, &b| {
        let x = values.get(a).copied().unwrap_or(f64::NAN);
        let y = values.get(b).copied().unwrap_or(f64::NAN);
        x.total_cmp(&y)
    });
    let mut scores = vec![1u8; n];
    for (position, &i) in order.iter().enumerate() {
        if let Some(s) = scores.get_mut(i) {
            *s = quintile_of_rank(position + 1, n);
        }
    }
    scores
}

/// Quintile of rank `r` (1-based) among `n`: max(1, ⌈5(r − 1)/(n − 1)⌉).
fn quintile_of_rank(r: usize, n: usize) -> u8 {
    if n < 2 {
        return 1;
    }
    let (numerator, denominator) = (5 * (r.saturating_sub(1)) as u128, (n - 1) as u128);
    numerator.div_ceil(denominator).clamp(1, 5) as u8
}

/// Fills in every customer's R, F, M and segment.
pub(super) fn score(customers: &mut [CustomerRfm]) {
    let recency: Vec<f64> = customers.iter().map(|c| c.recency_days as f64).collect();
    let frequency: Vec<f64> = customers.iter().map(|c| c.frequency as f64).collect();
    let monetary: Vec<f64> = customers.iter().map(|c| c.monetary).collect();
    let (r, f, m) = (quintile_scores(&recency), quintile_scores(&frequency), quintile_scores(&monetary));
    for (i, c) in customers.iter_mut().enumerate() {
        c.r = 6 - r.get(i).copied().unwrap_or(1);
        c.f = f.get(i).copied().unwrap_or(1);
        c.m = m.get(i).copied().unwrap_or(1);
        c.segment = rfm_segment(c.r, c.f);
    }
}
