//! Value per segment: for each segment, a pale bar for its share of the customers beside a
//! solid bar for its share of the value ("Segment 3: 20% of customers, 41% of spend"). The
//! percentages written above the bars are rounded so that each series adds to 100.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::hits::{short_number, Hit};
use super::palette::segment_color;
use crate::core::value::{rounded_percents, ValueShares};

/// Characters of a segment's name kept in a tooltip.
const NAME_CHARS: usize = 60;

/// Draws the paired bars; `word` names the value in sentences ("spend", "monetary"),
/// `names[s]` is segment `s`'s name. Returns a hit per bar: customers then value, by segment.
pub fn draw_value_share<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    shares: &ValueShares,
    word: &str,
    names: &[String],
) -> Result<Vec<Hit>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let k = shares.value.len().max(1);
    let top = shares.value.iter().chain(&shares.customers).copied().filter(|v| v.is_finite()).fold(0.0_f64, f64::max).max(0.01) * 100.0;
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .caption(format!("Share of customers (pale) and of {word} (solid), per segment"), ("sans-serif", 15))
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..k as f64, 0.0..top * 1.18)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_labels(0)
        .y_label_formatter(&|v| format!("{v:.0}%"))
        .y_desc("Share (%)")
        .axis_desc_style(("sans-serif", 13))
        .label_style(("sans-serif", 12))
        .draw()?;
    let customers_pct = rounded_percents(&shares.customers);
    let value_pct = rounded_percents(&shares.value);
    let mut hits = Vec::with_capacity(2 * k);
    for i in 0..shares.value.len() {
        let color = segment_color(i);
        let c = shares.customers.get(i).copied().unwrap_or(0.0) * 100.0;
        let v = shares.value.get(i).copied().unwrap_or(0.0) * 100.0;
        let (cp, vp) = (customers_pct.get(i).copied().unwrap_or(0), value_pct.get(i).copied().unwrap_or(0));
        let x = i as f64;
        let name = names.get(i).map_or_else(String::new, |n| {
            if n.chars().count() > NAME_CHARS {
                n.chars().take(NAME_CHARS - 1).chain(['…']).collect()
            } else {
                n.clone()
            }
        });
        let who = if name.is_empty() { format!("Segment {}", i + 1) } else { format!("Segment {} ({name})", i + 1) };
        let sum = shares.sums.get(i).copied().unwrap_or(0.0);
        let tip = format!("{who}: {cp}% of customers, {vp}% of {word} ({})", short_number(sum));
        // The segment's label under its pair of bars (the axis has no labels of its own).
        let (lx, ly) = chart.backend_coord(&(x + 0.5, 0.0));
        let label = format!("Segment {}", i + 1);
        let half = label.chars().count() as i32 * 3;
        root.draw(&Text::new(label, (lx - half, ly + 8), ("sans-serif", 12).into_font().color(&BLACK)))?;
        for (x0, x1, share, pct, style) in
            [(x + 0.12, x + 0.48, c, cp, color.mix(0.35).filled()), (x + 0.52, x + 0.88, v, vp, color.filled())]
        {
            chart.draw_series(std::iter::once(Rectangle::new([(x0, 0.0), (x1, share)], style)))?;
            chart.draw_series(std::iter::once(Rectangle::new([(x0, 0.0), (x1, share)], color.stroke_width(1))))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("{pct}%"),
                (x0 + 0.02, share + top * 0.06),
                ("sans-serif", 12).into_font().color(&BLACK),
            )))?;
            let (l, t) = chart.backend_coord(&(x0, share.max(top * 0.02)));
            let (r, b) = chart.backend_coord(&(x1, 0.0));
            hits.push(Hit::rect(l as f64, t as f64, r as f64, b as f64, tip.clone()));
        }
    }
    root.present()?;
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::hits::Shape;

    #[test]
    fn a_pale_and_a_solid_bar_per_segment_with_tooltips() {
        let shares = ValueShares {
            label: "Spend".into(),
            customers: vec![0.5, 0.3, 0.2],
            value: vec![0.2, 0.39, 0.41],
            sums: vec![200.0, 390.0, 1_200_000.0],
            total: 1_200_590.0,
        };
        let mut out = String::new();
        let hits = {
            let root = SVGBackend::with_string(&mut out, (720, 400)).into_drawing_area();
            draw_value_share(&root, &shares, "spend", &["Big".into(), String::new(), "VIP".into()]).unwrap()
        };
        assert_eq!(hits.len(), 6);
        assert!(out.contains("Segment 3"), "{out}");
        assert!(out.contains("41%") && out.contains("50%"));
        assert_eq!(hits[4].text, "Segment 3 (VIP): 20% of customers, 41% of spend (1.2M)");
        assert_eq!(hits[2].text, "Segment 2: 30% of customers, 39% of spend (390)");
        for h in &hits {
            let Shape::Rect([l, t, r, b]) = h.shape else { panic!("{h:?}") };
            assert!(l >= 0.0 && r <= 720.0 && t >= 0.0 && b <= 400.0 && l < r && t < b, "{h:?}");
        }
        // The taller value bar of segment 3 reaches higher than its customers bar.
        let top = |h: &Hit| match h.shape {
            Shape::Rect([_, t, _, _]) => t,
            Shape::Point([_, y]) => y,
        };
        assert!(top(&hits[5]) < top(&hits[4]));
    }
}
