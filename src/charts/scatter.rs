//! A scatter of two features, points coloured by segment, centres marked with a cross.

use plotters::coord::Shift;
use plotters::prelude::*;

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
}

impl ScatterData<'_> {
    fn point(&self, row: &[f64]) -> Option<(f64, f64)> {
        Some((*row.get(self.x)?, *row.get(self.y)?))
    }

    fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.values.chunks_exact(self.n_features.max(1)).filter_map(|r| self.point(r))
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

/// Draws the scatter on any plotters backend.
pub fn draw_scatter<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ScatterData<'_>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let x_range = padded_range(data.points().map(|p| p.0));
    let y_range = padded_range(data.points().map(|p| p.1));
    let mut chart = ChartBuilder::on(root).margin(12).x_label_area_size(44).y_label_area_size(60).build_cartesian_2d(x_range, y_range)?;
    chart
        .configure_mesh()
        .x_desc(data.x_label)
        .y_desc(data.y_label)
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
    root.present()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scatter_draws_every_point_and_centre_to_svg() {
        let values = [1.0, 10.0, 2.0, 11.0, 8.0, 1.0, 9.0, 2.0];
        let labels = [0, 0, 1, 1];
        let centers = [1.5, 10.5, 8.5, 1.5];
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
        };
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (640, 480)).into_drawing_area();
            draw_scatter(&root, &data).unwrap();
        }
        // Four points plus one legend marker per segment.
        assert_eq!(svg.matches("<circle").count(), 4 + 2, "{svg}");
        assert!(svg.contains("Annual Income (k$)"));
        assert!(svg.contains("Segment 2"));
        assert!(svg.contains("#0072B2") || svg.contains("#0072b2"), "segment 1 is drawn in palette blue");
    }
}
