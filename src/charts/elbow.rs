//! The elbow chart: inertia against k, the knee found automatically marked, the
//! recommended k highlighted, and the silhouette on a second axis.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::hits::{short_number, value_text, Hit};

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
    /// More lines for each k's tooltip (the other indexes), in the order of `ks`; may be empty.
    pub details: &'a [String],
}

const INERTIA: RGBColor = RGBColor(0, 114, 178);
const SILHOUETTE: RGBColor = RGBColor(213, 94, 0);

/// Draws the chart; returns one hit per k: its column of the plot, with k, the inertia, the
/// silhouette and `details`.
pub fn draw_elbow<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ElbowData<'_>,
) -> Result<Vec<Hit>, DrawingAreaErrorKind<DB::ErrorType>> {
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
        .y_label_formatter(&|v| short_number(*v))
        .axis_desc_style(("sans-serif", 14))
        .label_style(("sans-serif", 12))
        .light_line_style(RGBColor(240, 240, 240))
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("Silhouette (higher is better)")
        .y_label_formatter(&|v| short_number(*v))
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
    let hits = data
        .ks
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let x = k as f64;
            let (left, t) = chart.backend_coord(&(x - 0.5, top));
            let (right, b) = chart.backend_coord(&(x + 0.5, 0.0));
            let mut text = format!("k = {k}");
            if data.recommended == Some(k) {
                text.push_str(" (recommended)");
            }
            if data.knee == Some(k) {
                text.push_str(" · the knee");
            }
            let inertia = data.inertia.get(i).copied().unwrap_or(f64::NAN);
            // Short form as on the axis, with the whole number beside it when they differ.
            let (short, whole) = (short_number(inertia), value_text(inertia));
            if inertia.abs() >= 1e3 && short != whole {
                text.push_str(&format!("\nInertia: {short} ({whole})"));
            } else {
                text.push_str(&format!("\nInertia: {whole}"));
            }
            if let Some(s) = data.silhouette.get(i).filter(|s| s.is_finite()) {
                text.push_str(&format!("\nSilhouette: {s:.3}"));
            }
            if let Some(more) = data.details.get(i).filter(|d| !d.is_empty()) {
                text.push('\n');
                text.push_str(more);
            }
            Hit::rect(left as f64, t as f64, right as f64, b as f64, text)
        })
        .collect();
    root.present()?;
    Ok(hits)
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
        let hits;
        {
            let root = SVGBackend::with_string(&mut svg, (640, 360)).into_drawing_area();
            let data = ElbowData {
                ks: &ks,
                inertia: &inertia,
                silhouette: &silhouette,
                knee: Some(5),
                recommended: Some(5),
                rule: Some("a rule"),
                details: &[],
            };
            hits = draw_elbow(&root, &data).unwrap();
        }
        assert!(svg.contains("knee: k = 5"));
        assert!(svg.contains("Recommended k = 5 (a rule)"), "{svg}");
        assert!(svg.contains("k (number of segments)"));
        // Five inertia points, the knee ring, the legend's markers.
        assert!(svg.matches("<circle").count() >= 6, "{svg}");
        // One hit per k, inside the canvas, left to right, each naming its k and inertia.
        assert_eq!(hits.len(), ks.len());
        for (hit, k) in hits.iter().zip(ks) {
            let crate::charts::hits::Shape::Rect([l, t, r, b]) = hit.shape else { panic!("a column") };
            assert!(l >= 0.0 && r <= 640.0 && t >= 0.0 && b <= 360.0 && l < r && t < b, "{hit:?}");
            assert!(hit.text.starts_with(&format!("k = {k}")), "{}", hit.text);
            assert!(hit.text.contains("Inertia: "), "{}", hit.text);
        }
        assert!(hits[3].text.contains("(recommended) · the knee"), "{}", hits[3].text);
        assert!(hits[0].text.contains("Inertia: 400\nSilhouette: 0.300"), "{}", hits[0].text);
    }

    #[test]
    fn a_million_rows_of_inertia_read_in_short_form() {
        let ks = [2, 3, 4];
        let inertia = [6_000_000.0, 3_500_000.0, 2_000_000.0];
        let silhouette = [0.3, 0.4, 0.35];
        let mut svg = String::new();
        let hits;
        {
            let root = SVGBackend::with_string(&mut svg, (720, 360)).into_drawing_area();
            let data =
                ElbowData { ks: &ks, inertia: &inertia, silhouette: &silhouette, knee: None, recommended: None, rule: None, details: &[] };
            hits = draw_elbow(&root, &data).unwrap();
        }
        assert!(hits[0].text.contains("Inertia: 6M (6000000)"), "{}", hits[0].text);
        assert!(svg.contains("\n5M\n") && svg.contains("\n1M\n"), "{svg}");
        let long_number = |l: &str| l.len() > 5 && l.chars().all(|c| c.is_ascii_digit() || c == '.');
        assert!(!svg.lines().any(|l| long_number(l.trim())), "no long numbers on the axis: {svg}");
    }
}
