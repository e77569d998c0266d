//! The elbow chart: inertia against k, the knee found automatically marked, the
//! recommended k highlighted, and the silhouette on a second axis.

use plotters::coord::Shift;
use plotters::prelude::*;

/// What the elbow chart shows.
#[derive(Debug, Clone, Copy)]
pub struct ElbowData<'a> {
    pub ks: &'a [usize],
    pub inertia: &'a [f64],
    /// Silhouette per k (NaN where not computed).
    pub silhouette: &'a [f64],
    pub knee: Option<usize>,
    pub recommended: Option<usize>,
    /// The rule that picked the recommended k, named in the legend.
    pub rule: Option<&'a str>,
}

const INERTIA: RGBColor = RGBColor(0, 114, 178);
const SILHOUETTE: RGBColor = RGBColor(213, 94, 0);

pub fn draw_elbow<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ElbowData<'_>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let k_lo = data.ks.first().copied().unwrap_or(2) as f64 - 0.5;
    let k_hi = data.ks.last().copied().unwrap_or(10) as f64 + 0.5;
    let top = data.inertia.iter().copied().filter(|v| v.is_finite()).fold(0.0, f64::max) * 1.08;
    let top = if top > 0.0 { top } else { 1.0 };
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .caption("Elbow: within-segment spread by number of segments", ("sans-serif", 16))
        .x_label_area_size(40)
        .y_label_area_size(64)
        .right_y_label_area_size(56)
        .build_cartesian_2d(k_lo..k_hi, 0.0..top)?
        .set_secondary_coord(k_lo..k_hi, -0.1f64..1.0f64);
    chart
        .configure_mesh()
        .x_desc("k (number of segments)")
        .y_desc("Inertia (scaled features)")
        .x_labels(data.ks.len().max(2))
        .x_label_formatter(&|x| format!("{}", x.round()))
        .axis_desc_style(("sans-serif", 14))
        .label_style(("sans-serif", 12))
        .light_line_style(RGBColor(240, 240, 240))
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("Silhouette (higher is better)")
        .axis_desc_style(("sans-serif", 14))
        .label_style(("sans-serif", 12))
        .draw()?;

    if let Some(k) = data.recommended {
        let x = k as f64;
        let band = RGBColor(255, 243, 205);
        let label = match data.rule {
            Some(rule) => format!("Recommended k = {k} ({rule})"),
            None => format!("Recommended k = {k}"),
        };
        chart
            .draw_series(std::iter::once(Rectangle::new([(x - 0.35, 0.0), (x + 0.35, top)], band.filled())))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], band.filled()));
    }
    let points: Vec<(f64, f64)> = data.ks.iter().zip(data.inertia).map(|(&k, &v)| (k as f64, v)).collect();
    chart
        .draw_series(LineSeries::new(points.iter().copied(), INERTIA.stroke_width(2)))?
        .label("Inertia")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], INERTIA.stroke_width(2)));
    chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, INERTIA.filled())))?;
    let silhouettes: Vec<(f64, f64)> =
        data.ks.iter().zip(data.silhouette).filter(|(_, s)| s.is_finite()).map(|(&k, &s)| (k as f64, s)).collect();
    chart
        .draw_secondary_series(LineSeries::new(silhouettes.iter().copied(), SILHOUETTE.stroke_width(2)))?
        .label("Silhouette")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], SILHOUETTE.stroke_width(2)));
    chart.draw_secondary_series(silhouettes.iter().map(|&p| TriangleMarker::new(p, 5, SILHOUETTE.filled())))?;
    if let Some(knee) = data.knee {
        if let Some(&(x, y)) = points.iter().find(|(k, _)| *k == knee as f64) {
            chart.draw_series(std::iter::once(Circle::new((x, y), 9, BLACK.stroke_width(2))))?;
            chart.draw_series(std::iter::once(Text::new(format!("knee: k = {knee}"), (x + 0.15, y + top * 0.06), ("sans-serif", 14))))?;
        }
    }
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
    fn elbow_draws_every_k_and_marks_the_knee() {
        let ks = [2, 3, 4, 5, 6];
        let inertia = [400.0, 250.0, 120.0, 60.0, 55.0];
        let silhouette = [0.3, 0.4, 0.5, 0.6, 0.5];
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (640, 360)).into_drawing_area();
            let data = ElbowData {
                ks: &ks,
                inertia: &inertia,
                silhouette: &silhouette,
                knee: Some(5),
                recommended: Some(5),
                rule: Some("a rule"),
            };
            draw_elbow(&root, &data).unwrap();
        }
        assert!(svg.contains("knee: k = 5"));
        assert!(svg.contains("Recommended k = 5 (a rule)"), "{svg}");
        assert!(svg.contains("k (number of segments)"));
        // Five inertia points, the knee ring, the legend's markers.
        assert!(svg.matches("<circle").count() >= 6, "{svg}");
    }
}
