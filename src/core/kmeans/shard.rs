//! The iteration loop, as scikit-learn's `_kmeans_single_lloyd`, split in two so the rows
//! can live in several workers: assign, update, relocate empty clusters to the farthest
//! points, stop when labels repeat or the total squared centre shift falls to the
//! tolerance, then assign once more so labels match the centres.
//!
//! - A [`Shard`] holds a run of whole blocks of rows ([`BLOCK_ROWS`]): their labels and
//!   the assignment step's state (Hamerly's bounds). Each step it labels its rows and
//!   answers with its blocks' partial sums ([`StepPartials`]).
//! - [`Iterations`] holds the centres. It adds the partial sums of every block in block
//!   order, updates the centres, asks for the farthest rows when a cluster is left empty,
//!   decides when to stop and (for [`Algorithm::Auto`]) when Hamerly's bounds stop
//!   paying, on every row of the fit at once.
//!
//! A fit on one worker is one shard of every row ([`drive`]); the page's pool gives each
//! helper a shard and carries the same messages. Every sum is the same additions in the
//! same order whichever way the blocks are shared out, so labels, centres, inertia and
//! iterations are the same bits for 1, 2, 3 or 8 workers.

use serde::{Deserialize, Serialize};

use super::hamerly::{Hamerly, GIVE_UP_ABOVE};
use super::lloyd::{blocks_in, Assigner, Lloyd, BLOCK_ROWS};
use super::{squared_distance, Algorithm};

/// A shard's answer to a step: its blocks' sums and counts, and what the stopping rules
/// need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepPartials {
    /// `blocks × k × d`, in block order.
    #[serde(with = "crate::core::packed::f64s")]
    pub sums: Vec<f64>,
    /// `blocks × k`.
    #[serde(with = "crate::core::packed::indices")]
    pub counts: Vec<usize>,
    /// Some row's label differs from the last step's (always at a run's first step).
    pub changed: bool,
    /// Rows a bounded step scanned in full (`None`: it scanned every row).
    pub full_scans: Option<usize>,
}

/// A row far from its centre, offered to an empty cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FarRow {
    /// Squared distance to the centre of its cluster (at the last step).
    pub distance: f64,
    /// The row's index in the whole matrix.
    pub row: usize,
    pub label: usize,
    pub values: Vec<f64>,
}

/// A shard's answer to the end of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardResult {
    #[serde(with = "crate::core::packed::indices")]
    pub labels: Vec<usize>,
    /// Each block's sum of squared distances to the final centres.
    #[serde(with = "crate::core::packed::f64s")]
    pub inertia: Vec<f64>,
}

/// What the shards are to do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Next {
    /// Label the rows by these centres and send the sums ([`Shard::step`]); `lloyd`: with
    /// Lloyd's step from now on.
    Step {
        #[serde(with = "crate::core::packed::f64s")]
        centers: Vec<f64>,
        lloyd: bool,
    },
    /// Send the `count` rows farthest from their centre ([`Shard::farthest`]).
    Farthest { count: usize },
    /// The run is over: label once more by these centres when `reassign`, then send labels
    /// and inertia ([`Shard::finish`]).
    Finish {
        #[serde(with = "crate::core::packed::f64s")]
        centers: Vec<f64>,
        reassign: bool,
    },
}

/// Rows `start..end` of `n` for each of `parts` shards: whole blocks, as even as blocks
/// allow (fewer shards than asked when there are fewer blocks).
pub fn shard_ranges(n: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    let blocks = blocks_in(n);
    let parts = parts.clamp(1, blocks.max(1));
    (0..parts)
        .map(|p| {
            let (first, last) = (blocks * p / parts, blocks * (p + 1) / parts);
            (first * BLOCK_ROWS).min(n)..(last * BLOCK_ROWS).min(n)
        })
        .collect()
}

/// How a pool shares out a fit's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Each helper makes whole runs on its own copy of the matrix.
    Runs,
    /// Each helper holds a shard of the rows, and every iteration of every run is shared.
    Rows,
}

/// Matrix copies the pool may hold for a split by runs (one per helper), in bytes.
pub const RUN_COPIES_BUDGET: usize = 256 << 20;

/// How `helpers` share out `n_runs` runs over `n_rows` rows of `d` features: by runs when
/// they share out evenly (no helper idle at the end) and a copy of the matrix per helper
/// stays within [`RUN_COPIES_BUDGET`]; else by rows, when there are blocks enough for
/// every helper. The results are the same bits either way.
pub fn split(n_rows: usize, d: usize, n_runs: usize, helpers: usize) -> Split {
    let even = helpers <= 1 || n_runs % helpers == 0;
    let copies = n_rows.saturating_mul(d).saturating_mul(8).saturating_mul(helpers);
    if helpers > 1 && blocks_in(n_rows) >= helpers && (!even || copies > RUN_COPIES_BUDGET) {
        Split::Rows
    } else {
        Split::Runs
    }
}

/// Some rows of a fit, their labels and the assignment step's state between steps.
pub struct Shard {
    /// The index of the first row in the whole matrix (a multiple of [`BLOCK_ROWS`]).
    first_row: usize,
    d: usize,
    labels: Vec<usize>,
    labels_old: Vec<usize>,
    /// The centres of the last step ([`Shard::farthest`] measures by them).
    centers: Vec<f64>,
    hamerly: Option<Hamerly>,
    sums: Vec<f64>,
    counts: Vec<usize>,
}

impl Shard {
    /// A shard of `n` rows starting at row `first_row` of the matrix, for `k` centres of
    /// `d` features, stepping with `algorithm`.
    pub fn new(first_row: usize, n: usize, d: usize, k: usize, algorithm: Algorithm) -> Self {
        let blocks = blocks_in(n);
        Self {
            first_row,
            d,
            labels: vec![0; n],
            labels_old: vec![0; n],
            centers: Vec::new(),
            hamerly: match algorithm {
                Algorithm::Lloyd => None,
                Algorithm::Auto | Algorithm::Hamerly => Some(Hamerly::new(n, k)),
            },
            sums: vec![0.0; blocks * k * d],
            counts: vec![0; blocks * k],
        }
    }

    /// Forgets the last run: a new one starts on the same rows.
    pub fn reset(&mut self) {
        self.centers.clear();
        if let Some(h) = self.hamerly.as_mut() {
            h.reset();
        }
    }

    /// Tells the bounds how the centres moved since the last step.
    fn move_to(&mut self, centers: &[f64]) {
        if let (Some(h), false) = (self.hamerly.as_mut(), self.centers.is_empty()) {
            h.centers_moved(self.d, &self.centers, centers, &self.labels);
        }
        self.centers.clear();
        self.centers.extend_from_slice(centers);
    }

    /// Labels the rows (`data`, this shard's rows) by `centers` and sums them by block.
    pub fn step(&mut self, data: &[f64], centers: &[f64], lloyd: bool) -> StepPartials {
        if let (Some(h), true) = (self.hamerly.as_mut(), lloyd) {
            h.switch_to_lloyd();
        }
        if !self.centers.is_empty() {
            // The bounded step starts from each row's label: copied, not swapped.
            self.labels_old.copy_from_slice(&self.labels);
        } else {
            // A run's first step: the labels left by an earlier run count as no labels.
            self.labels_old.iter_mut().for_each(|l| *l = usize::MAX);
        }
        self.move_to(centers);
        let d = self.d;
        let (mut sums, mut counts) = (std::mem::take(&mut self.sums), std::mem::take(&mut self.counts));
        let full_scans = match self.hamerly.as_mut() {
            Some(h) => h.assign_and_sum(data, d, centers, &mut self.labels, Some((&mut sums, &mut counts))),
            None => Lloyd.assign_and_sum(data, d, centers, &mut self.labels, Some((&mut sums, &mut counts))),
        };
        // Whether any label moved (a comparison that stops at the first difference).
        let changed = self.labels != self.labels_old;
        let partials = StepPartials { sums: sums.clone(), counts: counts.clone(), changed, full_scans };
        (self.sums, self.counts) = (sums, counts);
        partials
    }

    /// The `count` rows farthest from their centre at the last step: by distance, the
    /// lower row first on a tie.
    pub fn farthest(&self, data: &[f64], count: usize) -> Vec<FarRow> {
        let d = self.d;
        let mut by_distance: Vec<(f64, usize)> = data
            .chunks_exact(d)
            .zip(&self.labels)
            .enumerate()
            .map(|(i, (x, &l))| (squared_distance(x, self.centers.get(l * d..(l + 1) * d).unwrap_or(&[])), i))
            .collect();
        let count = count.min(by_distance.len());
        let order = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if count < by_distance.len() && count > 0 {
            by_distance.select_nth_unstable_by(count - 1, order);
        }
        by_distance.truncate(count);
        by_distance.sort_by(order);
        by_distance
            .into_iter()
            .map(|(distance, i)| FarRow {
                distance,
                row: self.first_row + i,
                label: self.labels.get(i).copied().unwrap_or(0),
                values: data.get(i * d..(i + 1) * d).unwrap_or(&[]).to_vec(),
            })
            .collect()
    }

    /// The end of a run: labels by `centers` once more when `reassign`, each block's
    /// inertia by `centers`.
    pub fn finish(&mut self, data: &[f64], centers: &[f64], reassign: bool) -> ShardResult {
        let d = self.d;
        if reassign {
            self.move_to(centers);
            match self.hamerly.as_mut() {
                Some(h) => h.assign_and_sum(data, d, centers, &mut self.labels, None),
                None => Lloyd.assign_and_sum(data, d, centers, &mut self.labels, None),
            };
        }
        let inertia = data
            .chunks(BLOCK_ROWS * d)
            .zip(self.labels.chunks(BLOCK_ROWS))
            .map(|(rows, labels)| {
                rows.chunks_exact(d).zip(labels).map(|(x, &l)| squared_distance(x, centers.get(l * d..(l + 1) * d).unwrap_or(&[]))).sum()
            })
            .collect();
        ShardResult { labels: self.labels.clone(), inertia }
    }
}

/// The centres of one run and its stopping rules, between the shards' answers.
pub struct Iterations {
    d: usize,
    k: usize,
    n_rows: usize,
    max_iterations: usize,
    tolerance: f64,
    centers: Vec<f64>,
    /// [`Algorithm::Auto`]: Hamerly's step until it stops paying.
    auto: bool,
    gave_up: bool,
    iteration: usize,
    shift: f64,
    /// The summed step waiting for the farthest rows (a cluster was left empty).
    pending: Option<(Vec<f64>, Vec<usize>, bool)>,
    /// An iteration ended since [`Iterations::take_progress`] last looked.
    told: bool,
}

/// A run's outcome in the centred units.
pub struct Run {
    pub centers: Vec<f64>,
    pub labels: Vec<usize>,
    pub inertia: f64,
    pub n_iterations: usize,
    /// Lloyd's step ended the run (an Auto run gave Hamerly's up, or a Lloyd run).
    pub gave_up: bool,
}

impl Iterations {
    /// A run of `n_rows` rows from `initial` centres (`k × d`).
    pub fn new(initial: Vec<f64>, d: usize, n_rows: usize, max_iterations: usize, tolerance: f64, algorithm: Algorithm) -> Self {
        let k = initial.len() / d.max(1);
        Self {
            d,
            k,
            n_rows,
            max_iterations,
            tolerance,
            centers: initial,
            auto: algorithm == Algorithm::Auto,
            gave_up: false,
            iteration: 0,
            shift: 0.0,
            pending: None,
            told: false,
        }
    }

    /// The first step (or, with no iteration allowed, the end).
    pub fn start(&self) -> Next {
        if self.max_iterations == 0 {
            return Next::Finish { centers: self.centers.clone(), reassign: true };
        }
        Next::Step { centers: self.centers.clone(), lloyd: false }
    }

    /// `(iteration, shift)` once after each iteration: for progress and cancelling.
    pub fn take_progress(&mut self) -> Option<(usize, f64)> {
        std::mem::take(&mut self.told).then_some((self.iteration, self.shift))
    }

    /// Every shard's answer to a step, in row order.
    pub fn stepped(&mut self, parts: &[StepPartials]) -> Next {
        let (d, k) = (self.d, self.k);
        let mut sums = vec![0.0; k * d];
        let mut counts = vec![0usize; k];
        let (mut changed, mut full) = (false, None::<usize>);
        for part in parts {
            for (block_sums, block_counts) in part.sums.chunks_exact((k * d).max(1)).zip(part.counts.chunks_exact(k.max(1))) {
                sums.iter_mut().zip(block_sums).for_each(|(s, v)| *s += v);
                counts.iter_mut().zip(block_counts).for_each(|(c, v)| *c += v);
            }
            changed |= part.changed;
            if let Some(f) = part.full_scans {
                full = Some(full.unwrap_or(0) + f);
            }
        }
        if let (true, false, Some(full)) = (self.auto, self.gave_up, full) {
            if full as f64 > GIVE_UP_ABOVE * self.n_rows as f64 {
                self.gave_up = true;
            }
        }
        let empty = counts.iter().filter(|&&c| c == 0).count();
        if empty > 0 {
            self.pending = Some((sums, counts, changed));
            return Next::Farthest { count: empty };
        }
        self.update(sums, counts, changed, &[])
    }

    /// Every shard's farthest rows, after [`Next::Farthest`].
    pub fn relocated(&mut self, parts: &[Vec<FarRow>]) -> Next {
        let Some((sums, counts, changed)) = self.pending.take() else {
            return Next::Finish { centers: self.centers.clone(), reassign: true };
        };
        let mut far: Vec<&FarRow> = parts.iter().flatten().collect();
        far.sort_by(|a, b| b.distance.total_cmp(&a.distance).then(a.row.cmp(&b.row)));
        self.update(sums, counts, changed, &far)
    }

    /// New centres as the means of their rows. A cluster left empty takes the row farthest
    /// from its current centre (the farthest for the first empty cluster, and so on),
    /// which leaves the cluster it came from.
    fn update(&mut self, mut sums: Vec<f64>, mut counts: Vec<usize>, changed: bool, far: &[&FarRow]) -> Next {
        let d = self.d;
        let empty: Vec<usize> = (0..self.k).filter(|&j| counts.get(j) == Some(&0)).collect();
        for (&j, row) in empty.iter().zip(far) {
            if let Some(sum) = sums.get_mut(row.label * d..(row.label + 1) * d) {
                sum.iter_mut().zip(&row.values).for_each(|(s, v)| *s -= v);
            }
            if let Some(c) = counts.get_mut(row.label) {
                *c -= 1;
            }
            if let Some(sum) = sums.get_mut(j * d..(j + 1) * d) {
                sum.copy_from_slice(&row.values);
            }
            if let Some(c) = counts.get_mut(j) {
                *c = 1;
            }
        }
        for (c, &count) in sums.chunks_exact_mut(d).zip(counts.iter()) {
            if count > 0 {
                c.iter_mut().for_each(|v| *v /= count as f64);
            }
        }
        self.shift = self.centers.chunks_exact(d).zip(sums.chunks_exact(d)).map(|(a, b)| squared_distance(a, b)).sum();
        self.centers = sums;
        self.iteration += 1;
        self.told = true;
        if !changed {
            // The labels repeat: they already match the centres.
            return Next::Finish { centers: self.centers.clone(), reassign: false };
        }
        if self.shift <= self.tolerance || self.iteration >= self.max_iterations {
            return Next::Finish { centers: self.centers.clone(), reassign: true };
        }
        Next::Step { centers: self.centers.clone(), lloyd: self.gave_up }
    }

    /// Every shard's end of the run, in row order.
    pub fn finished(self, parts: Vec<ShardResult>) -> Run {
        let inertia = parts.iter().flat_map(|p| p.inertia.iter()).fold(0.0, |total, block| total + block);
        let labels = parts.into_iter().flat_map(|p| p.labels).collect();
        Run { centers: self.centers, labels, inertia, n_iterations: self.iteration, gave_up: self.gave_up }
    }
}

/// A run over `shards` (each with its rows, in row order) from `iterations` to the end;
/// `progress(iteration, shift)` after each iteration, `false` to stop (then `None`).
pub fn drive(mut iterations: Iterations, shards: &mut [(&[f64], &mut Shard)], progress: &mut dyn FnMut(usize, f64) -> bool) -> Option<Run> {
    let mut next = iterations.start();
    loop {
        next = match next {
            Next::Step { centers, lloyd } => {
                let parts: Vec<StepPartials> = shards.iter_mut().map(|(data, shard)| shard.step(data, &centers, lloyd)).collect();
                iterations.stepped(&parts)
            }
            Next::Farthest { count } => {
                let parts: Vec<Vec<FarRow>> = shards.iter().map(|(data, shard)| shard.farthest(data, count)).collect();
                iterations.relocated(&parts)
            }
            Next::Finish { centers, reassign } => {
                let parts = shards.iter_mut().map(|(data, shard)| shard.finish(data, &centers, reassign)).collect();
                return Some(iterations.finished(parts));
            }
        };
        if let Some((iteration, shift)) = iterations.take_progress() {
            if !progress(iteration, shift) {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests;
