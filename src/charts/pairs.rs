//! The pair plot (scatter matrix): for up to [`MAX_FEATURES`] features, every pair as a
//! small scatter and each feature's histogram on the diagonal, bars stacked by segment.
//! Laid out by hand in the backend's pixels; the page draws it one row of cells per task
//! (`rows`), so no task holds the main thread long.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::hits::{short_number, Hit};
use super::palette::segment_color;
use crate::core::clean::format_value;
use crate::core::resample::sample_row_indices;

/// At most this many features in the matrix.
pub const MAX_FEATURES: usize = 6;
/// At most this many rows drawn (a seeded sample beyond).
pub const MAX_POINTS: usize = 2_000;
/// The canvas: a 6 × 6 matrix fits the page's 760 px.
pub const SIZE: (u32, u32) = (760, 760);
/// Histogram bars on the diagonal.
const BINS: usize = 12;
/// Room for the names on the left and below.
const LEFT: f64 = 30.0;
const BOTTOM: f64 = 40.0;
const GAP: f64 = 6.0;

/// What the pair plot shows: `values` row-major `rows × names.len()` (NaN: missing), the
/// group (segment) of each row, or none before a run (one colour).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PairData {
    pub names: Vec<String>,
    pub values: Vec<f64>,
    /// One per row, or empty: every row in the first colour.
    pub groups: Vec<usize>,
    /// Who each row is, for the tooltips.
    pub ids: Vec<String>,
}

impl PairData {
    /// Picks the `chosen` columns of a row-major table `width` wide, on a seeded sample of at
    /// most [`MAX_POINTS`] of its rows (`groups` and `ids` follow the rows when given).
    pub fn pick(values: &[f64], width: usize, names: &[String], chosen: &[usize], groups: &[usize], ids: &[String], seed: u64) -> Self {
        let width = width.max(1);
        let n = values.len() / width;
        let rows = sample_row_indices(n, MAX_POINTS, seed);
        let chosen: Vec<usize> = chosen.iter().copied().filter(|&c| c < width).take(MAX_FEATURES).collect();
        PairData {
            names: chosen.iter().map(|&c| names.get(c).cloned().unwrap_or_default()).collect(),
            values: rows
                .iter()
                .flat_map(|&r| chosen.iter().map(move |&c| values.get(r * width + c).copied().unwrap_or(f64::NAN)))
                .collect(),
            groups: if groups.is_empty() { Vec::new() } else { rows.iter().map(|&r| groups.get(r).copied().unwrap_or(0)).collect() },
            ids: rows.iter().map(|&r| ids.get(r).cloned().unwrap_or_else(|| format!("row {}", r + 1))).collect(),
        }
    }

    pub fn n_features(&self) -> usize {
        self.names.len()
    }

    pub fn n_rows(&self) -> usize {
        self.values.len() / self.n_features().max(1)
    }

    fn value(&self, row: usize, feature: usize) -> f64 {
        self.values.get(row * self.n_features() + feature).copied().unwrap_or(f64::NAN)
    }

    fn group(&self, row: usize) -> usize {
        self.groups.get(row).copied().unwrap_or(0)
    }

    fn n_groups(&self) -> usize {
        self.groups.iter().max().map_or(1, |&g| g + 1)
    }

    /// Lowest and highest value of a feature (a unit around a single value).
    fn range(&self, feature: usize) -> (f64, f64) {
        let (lo, hi) = (0..self.n_rows())
            .map(|r| self.value(r, feature))
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if !lo.is_finite() {
            (0.0, 1.0)
        } else if hi > lo {
            (lo, hi)
        } else {
            (lo - 0.5, hi + 0.5)
        }
    }
}

/// Each cell's rectangle `[left, top, right, bottom]` for `p` features on a canvas of
/// `size`, row-major (row `i`: the vertical feature `i`; column `j`: the horizontal one).
pub fn cells(p: usize, size: (u32, u32)) -> Vec<[f64; 4]> {
    let side = ((f64::from(size.0) - LEFT - 4.0).min(f64::from(size.1) - BOTTOM - 4.0) / p.max(1) as f64).floor();
    (0..p)
        .flat_map(|i| {
            (0..p).map(move |j| {
                let (x0, y0) = (LEFT + side * j as f64, 4.0 + side * i as f64);
                [x0 + GAP / 2.0, y0 + GAP / 2.0, x0 + side - GAP / 2.0, y0 + side - GAP / 2.0]
            })
        })
        .collect()
}

/// Draws the whole matrix's frame: the white background and each feature's name and range
/// along the left and the bottom (the page draws it in a task of its own, then the cells).
pub fn draw_pair_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &PairData,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let p = data.n_features();
    let grid = cells(p, root.dim_in_pixel());
    let px = |v: f64| v.round() as i32;
    root.fill(&WHITE)?;
    // The names: on the left (rotated) and below, with each feature's range below.
    for (f, name) in data.names.iter().enumerate() {
        let (Some(row_cell), Some(col_cell)) = (grid.get(f * p), grid.get((p - 1) * p + f)) else { continue };
        let short: String = name.chars().take(28).collect();
        let left = TextStyle::from(("sans-serif", 12).into_font().transform(FontTransform::Rotate270))
            .pos(Pos::new(HPos::Center, VPos::Top))
            .color(&BLACK);
        root.draw(&Text::new(short.clone(), (2, px((row_cell[1] + row_cell[3]) / 2.0)), left))?;
        let below = TextStyle::from(("sans-serif", 12).into_font()).pos(Pos::new(HPos::Center, VPos::Top)).color(&BLACK);
        let centre = px((col_cell[0] + col_cell[2]) / 2.0);
        root.draw(&Text::new(short, (centre, px(col_cell[3] + 4.0)), below))?;
        let (lo, hi) = data.range(f);
        let range = TextStyle::from(("sans-serif", 10).into_font()).pos(Pos::new(HPos::Center, VPos::Top)).color(&RGBColor(90, 90, 90));
        root.draw(&Text::new(format!("{} – {}", short_number(lo), short_number(hi)), (centre, px(col_cell[3] + 19.0)), range))?;
    }
    Ok(())
}

/// Draws the cells of rows `rows` and columns `columns` of the matrix (all: `0..p` and
/// `0..p`; the frame, [`draw_pair_frame`], with the first cell) on any backend of [`SIZE`];
/// returns the hits of what it drew: each point (the row's ID and its two values) and each
/// histogram bar (its range and count).
pub fn draw_pairs<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &PairData,
    rows: Range<usize>,
    columns: Range<usize>,
    unit: &str,
) -> Result<Vec<Hit>, DrawingAreaErrorKind<DB::ErrorType>> {
    if rows.start == 0 && columns.start == 0 {
        draw_pair_frame(root, data)?;
    }
    draw_pair_cells(root, data, rows, columns, unit)
}

/// The cells of [`draw_pairs`], without the frame.
pub fn draw_pair_cells<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &PairData,
    rows: Range<usize>,
    columns: Range<usize>,
    unit: &str,
) -> Result<Vec<Hit>, DrawingAreaErrorKind<DB::ErrorType>> {
    let p = data.n_features();
    let size = root.dim_in_pixel();
    let grid = cells(p, size);
    let ranges: Vec<(f64, f64)> = (0..p).map(|f| data.range(f)).collect();
    let grouped = !data.groups.is_empty();
    let px = |v: f64| v.round() as i32;
    let mut hits = Vec::new();
    let to_unit = |v: f64, f: usize| {
        let (lo, hi) = ranges.get(f).copied().unwrap_or((0.0, 1.0));
        (v - lo) / (hi - lo)
    };
    for i in rows.filter(|&i| i < p) {
        for j in columns.clone().filter(|&j| j < p) {
            let Some(&[l, t, r, b]) = grid.get(i * p + j) else { continue };
            root.draw(&Rectangle::new([(px(l), px(t)), (px(r), px(b))], RGBColor(250, 250, 250).filled()))?;
            root.draw(&Rectangle::new([(px(l), px(t)), (px(r), px(b))], RGBColor(200, 200, 200)))?;
            let (w, h) = (r - l - 6.0, b - t - 6.0);
            if i == j {
                hits.extend(histogram(root, data, i, [l + 3.0, t + 3.0, w, h], ranges.get(i).copied().unwrap_or((0.0, 1.0)), unit)?);
                continue;
            }
            let (x_name, y_name) = (data.names.get(j).map_or("", String::as_str), data.names.get(i).map_or("", String::as_str));
            for row in 0..data.n_rows() {
                let (x, y) = (data.value(row, j), data.value(row, i));
                if !x.is_finite() || !y.is_finite() {
                    continue;
                }
                let (cx, cy) = (l + 3.0 + to_unit(x, j) * w, b - 3.0 - to_unit(y, i) * h);
                let color = segment_color(data.group(row)).mix(0.65);
                root.draw(&Rectangle::new([(px(cx) - 1, px(cy) - 1), (px(cx) + 1, px(cy) + 1)], color.filled()))?;
                // Each pair once: points of the lower triangle carry the tooltips.
                if i > j {
                    let id = data.ids.get(row).map_or("", String::as_str);
                    let segment = if grouped { format!("\nSegment {}", data.group(row) + 1) } else { String::new() };
                    hits.push(Hit::point(cx, cy, format!("{id}\n{x_name}: {}\n{y_name}: {}{segment}", format_value(x), format_value(y))));
                }
            }
        }
    }
    root.present()?;
    Ok(hits)
}

/// One feature's histogram in the box `[left, top, width, height]`: bars stacked by group.
fn histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &PairData,
    feature: usize,
    [left, top, width, height]: [f64; 4],
    (lo, hi): (f64, f64),
    unit: &str,
) -> Result<Vec<Hit>, DrawingAreaErrorKind<DB::ErrorType>> {
    let groups = data.n_groups();
    let mut counts = vec![vec![0usize; groups]; BINS];
    for row in 0..data.n_rows() {
        let v = data.value(row, feature);
        if !v.is_finite() {
            continue;
        }
        let bin = (((v - lo) / (hi - lo) * BINS as f64).floor().max(0.0) as usize).min(BINS - 1);
        if let Some(c) = counts.get_mut(bin).and_then(|c| c.get_mut(data.group(row))) {
            *c += 1;
        }
    }
    let tallest = counts.iter().map(|c| c.iter().sum::<usize>()).max().unwrap_or(0).max(1) as f64;
    let bar = width / BINS as f64;
    let name = data.names.get(feature).map_or("", String::as_str);
    let px = |v: f64| v.round() as i32;
    let mut hits = Vec::new();
    for (bin, per_group) in counts.iter().enumerate() {
        let (x0, x1) = (left + bar * bin as f64, left + bar * (bin + 1) as f64 - 1.0);
        let (from, to) = (lo + (hi - lo) * bin as f64 / BINS as f64, lo + (hi - lo) * (bin + 1) as f64 / BINS as f64);
        let mut below = 0usize;
        for (g, &n) in per_group.iter().enumerate().filter(|(_, &n)| n > 0) {
            let y1 = top + height - below as f64 / tallest * height;
            let y0 = top + height - (below + n) as f64 / tallest * height;
            root.draw(&Rectangle::new([(px(x0), px(y0)), (px(x1), px(y1))], segment_color(g).mix(0.85).filled()))?;
            let who = if data.groups.is_empty() { String::new() } else { format!("Segment {}: ", g + 1) };
            hits.push(Hit::rect(x0, y0, x1, y1, format!("{name} {} – {}\n{who}{n} {unit}", short_number(from), short_number(to))));
            below += n;
        }
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::hits::Shape;

    fn six(groups: bool) -> PairData {
        let n = 60;
        let names: Vec<String> = (0..6).map(|f| format!("F{f}")).collect();
        let values: Vec<f64> = (0..n).flat_map(|r| (0..6).map(move |f| ((r * (f + 3)) % 17) as f64 + f as f64)).collect();
        PairData {
            names,
            values,
            groups: if groups { (0..n).map(|r| r % 3).collect() } else { Vec::new() },
            ids: (0..n).map(|r| format!("C{r}")).collect(),
        }
    }

    fn draw(data: &PairData) -> (String, Vec<Hit>) {
        let mut svg = String::new();
        let hits = {
            let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            draw_pairs(&root, data, 0..data.n_features(), 0..data.n_features(), "customers").unwrap()
        };
        (svg, hits)
    }

    #[test]
    fn a_six_by_six_matrix_has_36_cells_inside_the_canvas() {
        let grid = cells(6, SIZE);
        assert_eq!(grid.len(), 36);
        for [l, t, r, b] in &grid {
            assert!(*l >= 0.0 && *t >= 0.0 && *r <= f64::from(SIZE.0) && *b <= f64::from(SIZE.1) - BOTTOM + 4.0);
            assert!(r - l > 100.0, "cells stay readable: {}", r - l);
        }
        let (svg, hits) = draw(&six(true));
        // Each cell's frame is drawn in the frame grey.
        assert_eq!(svg.matches(r##"stroke="#C8C8C8""##).count(), 36, "{}", &svg[..2000.min(svg.len())]);
        for hit in &hits {
            let (x, y) = hit.anchor();
            assert!(x >= 0.0 && x <= f64::from(SIZE.0) && y >= 0.0 && y <= f64::from(SIZE.1), "{hit:?}");
        }
        // Points: the lower triangle's 15 cells × 60 rows carry tooltips.
        let points = hits.iter().filter(|h| matches!(h.shape, Shape::Point(_))).count();
        assert_eq!(points, 15 * 60);
        let first = hits.iter().find(|h| matches!(h.shape, Shape::Point(_))).unwrap();
        assert!(first.text.starts_with("C0\nF0: "), "{}", first.text);
        assert!(first.text.contains("Segment 1"));
    }

    #[test]
    fn the_diagonal_holds_histograms_by_segment() {
        let data = six(true);
        let (svg, hits) = draw(&data);
        let bars: Vec<&Hit> = hits.iter().filter(|h| matches!(h.shape, Shape::Rect(_))).collect();
        // Every row counted once per feature, in its segment's bar.
        let total: usize =
            bars.iter().map(|h| h.text.rsplit(": ").next().unwrap().split(' ').next().unwrap().parse::<usize>().unwrap()).sum();
        assert_eq!(total, 60 * 6);
        for g in 1..=3 {
            assert!(bars.iter().any(|h| h.text.contains(&format!("Segment {g}: "))), "segment {g} has bars");
        }
        // Segment colours are used: palette blue, orange and green.
        for colour in ["#0072B2", "#E69F00", "#009E73"] {
            assert!(svg.contains(colour), "{colour}");
        }
        // Before a run: one colour, counts without a segment.
        let (plain, hits) = draw(&six(false));
        assert!(!plain.contains("#E69F00"));
        assert!(hits.iter().all(|h| !h.text.contains("Segment")));
    }

    #[test]
    fn pick_samples_at_most_2000_rows_of_the_chosen_columns() {
        let width = 3;
        let n = 5_000;
        let values: Vec<f64> = (0..n * width).map(|v| v as f64).collect();
        let names: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        let groups: Vec<usize> = (0..n).map(|r| r % 4).collect();
        let ids: Vec<String> = (0..n).map(|r| format!("id{r}")).collect();
        let data = PairData::pick(&values, width, &names, &[2, 0], &groups, &ids, 42);
        assert_eq!(data.names, vec!["c", "a"]);
        assert_eq!(data.n_rows(), MAX_POINTS);
        let row: usize = data.ids[0].trim_start_matches("id").parse().unwrap();
        assert_eq!(data.values[0], (row * 3 + 2) as f64);
        assert_eq!(data.groups[0], row % 4);
        // A missing value is left out of its cells, never a panic.
        let mut sparse = six(false);
        sparse.values[0] = f64::NAN;
        let (_, hits) = draw(&sparse);
        assert!(!hits.is_empty());
    }
}
