//! A scatter of two features, points coloured by segment, centres marked with a cross.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::hits::{short_number, value_text, Hit};
use super::palette::segment_color;

/// What the scatter shows. `values` is row-major with `n_features` columns.
#[derive(Debug, Clone, Copy)]
pub struct ScatterData<'a> {
    pub values: &'a [f64],
    pub n_features: usize,
    pub labels: &'a [usize],
    pub centers: &'a [f64],
    pub n_clusters: usize,
    /// Feature index on each axis.
    pub x: usize,
    pub y: usize,
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// For the tooltips: who each row is (`ids[i]` for row i; "row i + 1" when missing).
    pub ids: &'a [String],
    /// Segment names for the tooltips ("Segment 3 (name)"); may be empty.
    pub segment_names: &'a [String],
    /// What a point's tooltip lists: `detail_values` row-major with one column per
    /// `detail_names`, same rows as `values`; `detail_centers` the same for the centres.
    pub detail_names: &'a [String],
    pub detail_values: &'a [f64],
    pub detail_centers: &'a [f64],
    /// Which of the detail columns a tooltip shows, in order.
    pub detail_shown: &'a [usize],
}

impl ScatterData<'_> {
    fn point(&self, row: &[f64]) -> Option<(f64, f64)> {
        Some((*row.get(self.x)?, *row.get(self.y)?))
    }

    fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.values.chunks_exact(self.n_features.max(1)).filter_map(|r| self.point(r))
    }

    fn segment(&self, cluster: usize) -> String {
        match self.segment_names.get(cluster).filter(|n| !n.is_empty()) {
            Some(name) => format!("Segment {} ({name})", cluster + 1),
            None => format!("Segment {}", cluster + 1),
        }
    }

    /// "Annual Income (k$): 87" for each shown detail of row `row` of `table`.
    fn detail_lines(&self, table: &[f64], row: usize) -> String {
        let width = self.detail_names.len();
        self.detail_shown
            .iter()
            .filter_map(|&c| {
                let name = self.detail_names.get(c)?;
                let v = table.get(row * width + c)?;
                Some(format!("\n{name}: {}", value_text(*v)))
            })
            .collect()
    }
}

/// The range of the values with 5 % of room on each side (a unit around a single value).
fn padded_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() || !hi.is_finite() {
        return 0.0..1.0;
    }
    let pad = if hi > lo { (hi - lo) * 0.05 } else { 1.0 };
    (lo - pad)..(hi + pad)
}

/// Draws the scatter on any plotters backend; returns the hits: the centres first, then
/// every point, each in the backend's pixels with who it is and its values.
pub fn draw_scatter<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ScatterData<'_>,
) -> Result<Vec<Hit>, DrawingAreaErrorKind<DB::ErrorType>> {
    let placed = draw_scatter_points(root, data)?;
    Ok(scatter_hits(data, &placed))
}

/// Where the scatter put each centre, then each row (`None`: not drawn), in the backend's
/// pixels: what [`scatter_hits`] words. Apart so a page can draw in one task and word its
/// thousands of tooltips in the next.
pub type Placed = Vec<Option<(f64, f64)>>;

/// Draws the scatter (see [`draw_scatter`]) and returns where each centre and row lies.
pub fn draw_scatter_points<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ScatterData<'_>,
) -> Result<Placed, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let x_range = padded_range(data.points().map(|p| p.0));
    let y_range = padded_range(data.points().map(|p| p.1));
    let mut chart = ChartBuilder::on(root).margin(12).x_label_area_size(44).y_label_area_size(60).build_cartesian_2d(x_range, y_range)?;
    chart
        .configure_mesh()
        .x_desc(data.x_label)
        .y_desc(data.y_label)
        .x_label_formatter(&|v| short_number(*v))
        .y_label_formatter(&|v| short_number(*v))
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()?;

    let d = data.n_features.max(1);
    for cluster in 0..data.n_clusters {
        let color = segment_color(cluster);
        let rows = data.values.chunks_exact(d).zip(data.labels);
        chart
            .draw_series(
                rows.filter(|(_, &l)| l == cluster)
                    .filter_map(|(row, _)| data.point(row))
                    .map(move |p| Circle::new(p, 3, color.mix(0.75).filled())),
            )?
            .label(format!("Segment {}", cluster + 1))
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, color.filled()));
    }
    chart
        .draw_series(data.centers.chunks_exact(d).filter_map(|c| data.point(c)).map(|p| Cross::new(p, 9, BLACK.stroke_width(3))))?
        .label("Centre")
        .legend(|(x, y)| Cross::new((x + 8, y), 5, BLACK.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(120, 120, 120))
        .label_font(("sans-serif", 13))
        .draw()?;

    let pixel = |p: (f64, f64)| {
        let (x, y) = chart.backend_coord(&p);
        (x as f64, y as f64)
    };
    let placed = data.centers.chunks_exact(d).chain(data.values.chunks_exact(d)).map(|row| data.point(row).map(pixel)).collect();
    root.present()?;
    Ok(placed)
}

/// The hits of a drawn scatter: the centres first, then every point, each where
/// [`draw_scatter_points`] placed it, with who it is and its values.
pub fn scatter_hits(data: &ScatterData<'_>, placed: &[Option<(f64, f64)>]) -> Vec<Hit> {
    scatter_hits_of(data, placed, 0..placed.len())
}

/// The hits of `placed[entries]` (the centres first, then the points, as
/// [`draw_scatter_points`] placed them): the page words a large scatter's tooltips a part
/// per task.
pub fn scatter_hits_of(data: &ScatterData<'_>, placed: &[Option<(f64, f64)>], entries: std::ops::Range<usize>) -> Vec<Hit> {
    let d = data.n_features.max(1);
    let n_centers = (data.centers.len() / d).min(placed.len());
    let mut hits = Vec::with_capacity(entries.len());
    for entry in entries.start.min(placed.len())..entries.end.min(placed.len()) {
        let Some(Some((x, y))) = placed.get(entry).copied() else { continue };
        let text = if entry < n_centers {
            format!("Centre of {}{}", data.segment(entry), data.detail_lines(data.detail_centers, entry))
        } else {
            let i = entry - n_centers;
            let Some(&label) = data.labels.get(i) else { continue };
            let who = data.ids.get(i).cloned().unwrap_or_else(|| format!("row {}", i + 1));
            format!("Customer {who} · {}{}", data.segment(label), data.detail_lines(data.detail_values, i))
        };
        hits.push(Hit::point(x, y, text));
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scatter_draws_every_point_and_centre_to_svg() {
        let values = [1.0, 10.0, 2.0, 11.0, 8.0, 1.0, 9.0, 2.0];
        let labels = [0, 0, 1, 1];
        let centers = [1.5, 10.5, 8.5, 1.5];
        let ids = ["C0001".to_owned(), "C0002".to_owned(), "C0003".to_owned(), "C0004".to_owned()];
        let segment_names = ["Big spenders".to_owned(), String::new()];
        let detail_names = ["Annual Income (k$)".to_owned(), "Spending Score (1-100)".to_owned()];
        let data = ScatterData {
            values: &values,
            n_features: 2,
            labels: &labels,
            centers: &centers,
            n_clusters: 2,
            x: 0,
            y: 1,
            x_label: "Annual Income (k$)",
            y_label: "Spending Score (1-100)",
            ids: &ids,
            segment_names: &segment_names,
            detail_names: &detail_names,
            detail_values: &values,
            detail_centers: &centers,
            detail_shown: &[0, 1],
        };
        let mut svg = String::new();
        let hits;
        {
            let root = SVGBackend::with_string(&mut svg, (640, 480)).into_drawing_area();
            hits = draw_scatter(&root, &data).unwrap();
        }
        // Four points plus one legend marker per segment.
        assert_eq!(svg.matches("<circle").count(), 4 + 2, "{svg}");
        assert!(svg.contains("Annual Income (k$)"));
        assert!(svg.contains("Segment 2"));
        assert!(svg.contains("#0072B2") || svg.contains("#0072b2"), "segment 1 is drawn in palette blue");
        // Two centres, then the four points, each inside the canvas, with who and the values.
        assert_eq!(hits.len(), 2 + 4);
        for hit in &hits {
            let crate::charts::hits::Shape::Point([x, y]) = hit.shape else { panic!("a point") };
            assert!((0.0..=640.0).contains(&x) && (0.0..=480.0).contains(&y), "{hit:?}");
        }
        assert_eq!(hits[0].text, "Centre of Segment 1 (Big spenders)\nAnnual Income (k$): 1.5\nSpending Score (1-100): 10.5");
        assert_eq!(hits[2].text, "Customer C0001 · Segment 1 (Big spenders)\nAnnual Income (k$): 1\nSpending Score (1-100): 10");
        assert_eq!(hits[5].text, "Customer C0004 · Segment 2\nAnnual Income (k$): 9\nSpending Score (1-100): 2");
        // The point of the highest income lies right of the lowest's, the highest spending above.
        let at = |i: usize| match hits[i].shape {
            crate::charts::hits::Shape::Point(p) => p,
            crate::charts::hits::Shape::Rect(_) => [0.0, 0.0],
        };
        assert!(at(5)[0] > at(2)[0] && at(2)[1] < at(5)[1]);
    }
}
