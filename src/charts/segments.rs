//! Charts of the segments: their sizes, a profile heatmap (how far each segment's mean is
//! from the whole, in standard deviations, labelled with the mean in the data's units), and
//! one feature's distribution in each segment (box: quartiles; whiskers: min and max).

use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::RangedCoordusize;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::palette::segment_color;
use crate::core::clean::format_value;
use crate::core::pipeline::Segmentation;

fn number(v: f64) -> String {
    if v.is_finite() {
        format_value((v * 10.0).round() / 10.0)
    } else {
        "–".to_owned()
    }
}

/// `n` bands on a segmented axis: plotters' `0..m` holds m + 1 values, so the range ends
/// at n − 1 (with `0..n` a k = 5 chart had a "Segment 6" row). A single band keeps `0..1`
/// (a range of one value has no length to map onto; its second band stays empty).
fn bands(n: usize) -> SegmentedCoord<RangedCoordusize> {
    if n >= 2 {
        (0..n - 1).into_segmented()
    } else {
        (0..1_usize).into_segmented()
    }
}

/// "Segment 3" at the centre of a segment's band on a segmented axis, nothing elsewhere.
fn segment_label(v: &SegmentValue<usize>) -> String {
    match v {
        SegmentValue::CenterOf(i) => format!("Segment {}", i + 1),
        _ => String::new(),
    }
}

/// Horizontal bars, one per segment, with the count and share.
pub fn draw_sizes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Segmentation,
    names: &[String],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let k = s.segments.len().max(1);
    let biggest = s.segments.iter().map(|x| x.size).max().unwrap_or(1).max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .caption("Segment sizes", ("sans-serif", 16))
        .x_label_area_size(36)
        .y_label_area_size(110)
        .build_cartesian_2d(0.0..biggest * 1.25, bands(k))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("Customers")
        .y_label_formatter(&segment_label)
        .axis_desc_style(("sans-serif", 14))
        .label_style(("sans-serif", 12))
        .draw()?;
    for (i, seg) in s.segments.iter().enumerate() {
        let color = segment_color(i);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, SegmentValue::Exact(i)), (seg.size as f64, SegmentValue::Exact(i + 1))],
            color.filled(),
        )))?;
        let name = names.get(i).filter(|n| !n.is_empty()).cloned().unwrap_or_else(|| seg.name.clone());
        let short: String = name.chars().take(40).collect();
        chart.draw_series(std::iter::once(Text::new(
            format!("{} ({:.0}%) {short}", seg.size, seg.share * 100.0),
            (seg.size as f64 + biggest * 0.01, SegmentValue::CenterOf(i)),
            ("sans-serif", 12),
        )))?;
    }
    root.present()
}

/// Diverging colour for a z-score: blue below the average, orange above (colour-blind safe).
fn heat(z: f64) -> RGBColor {
    let t = (z.abs() / 1.5).min(1.0);
    let (r, g, b) = if z >= 0.0 { (230.0, 159.0, 0.0) } else { (0.0, 114.0, 178.0) };
    let mix = |c: f64| (255.0 + (c - 255.0) * t) as u8;
    RGBColor(mix(r), mix(g), mix(b))
}

/// Segments × features; colour: the segment mean's z-score; text: the mean, in the data's units.
pub fn draw_heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Segmentation,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let k = s.segments.len().max(1);
    let d = s.overall.len().max(1);
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .caption("Segment profiles: mean per feature (colour: above / below the average)", ("sans-serif", 15))
        .x_label_area_size(70)
        .y_label_area_size(90)
        .build_cartesian_2d(bands(d), bands(k))?;
    let names: Vec<String> = s.overall.iter().map(|f| f.name.chars().take(22).collect()).collect();
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(d)
        .y_labels(k)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&segment_label)
        .label_style(("sans-serif", 11))
        .draw()?;
    for (si, seg) in s.segments.iter().enumerate() {
        for (fi, f) in seg.features.iter().enumerate() {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(SegmentValue::Exact(fi), SegmentValue::Exact(si)), (SegmentValue::Exact(fi + 1), SegmentValue::Exact(si + 1))],
                heat(f.z).filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                number(f.mean),
                (SegmentValue::CenterOf(fi), SegmentValue::CenterOf(si)),
                ("sans-serif", 12).into_font().color(&BLACK),
            )))?;
        }
    }
    root.present()
}

/// One feature in every segment: boxes from the quartiles, whiskers to min and max, the
/// mean marked; in the feature's own units.
pub fn draw_distribution<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Segmentation,
    feature: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let k = s.segments.len().max(1);
    let name = s.overall.get(feature).map_or_else(String::new, |f| f.name.clone());
    let (lo, hi) = s
        .segments
        .iter()
        .filter_map(|seg| seg.features.get(feature))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), f| (lo.min(f.five[0]), hi.max(f.five[4])));
    let (lo, hi) = if lo.is_finite() && hi > lo { (lo, hi) } else { (0.0, 1.0) };
    let pad = (hi - lo) * 0.05;
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .caption(format!("{name} by segment"), ("sans-serif", 16))
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(bands(k), (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_desc(name.as_str())
        .x_label_formatter(&segment_label)
        .axis_desc_style(("sans-serif", 14))
        .label_style(("sans-serif", 12))
        .draw()?;
    for (i, seg) in s.segments.iter().enumerate() {
        let Some(f) = seg.features.get(feature) else { continue };
        let [min, q1, median, q3, max] = f.five;
        let color = segment_color(i);
        let x0 = || SegmentValue::Exact(i);
        let x1 = || SegmentValue::Exact(i + 1);
        let c = || SegmentValue::CenterOf(i);
        chart.draw_series(std::iter::once(PathElement::new(vec![(c(), min), (c(), max)], BLACK.stroke_width(1))))?;
        chart.draw_series(std::iter::once(Rectangle::new([(x0(), q1), (x1(), q3)], color.mix(0.6).filled())))?;
        chart.draw_series(std::iter::once(PathElement::new(vec![(x0(), median), (x1(), median)], BLACK.stroke_width(2))))?;
        chart.draw_series(std::iter::once(Cross::new((c(), f.mean), 5, BLACK.stroke_width(2))))?;
    }
    root.present()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clean::CleaningOptions;
    use crate::core::ingest::IngestOptions;
    use crate::core::pipeline::{clean, load, segment, SegmentOptions};

    fn segmentation() -> Segmentation {
        let bytes = include_bytes!("../../tests/fixtures/customers.csv");
        let file = load("customers.csv", bytes, &IngestOptions::default(), &mut |_| {}).unwrap();
        let cleaned = clean(&file, &CleaningOptions::suggested(&file.profile)).unwrap();
        segment(&file, &cleaned, &SegmentOptions { n_clusters: 5, seed: 42 }).unwrap()
    }

    fn svg(draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>)) -> String {
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (720, 400)).into_drawing_area();
            draw(&root);
        }
        out
    }

    #[test]
    fn sizes_heatmap_and_distribution_draw_every_segment() {
        let s = segmentation();
        let sizes = svg(|r| draw_sizes(r, &s, &[]).unwrap());
        assert_eq!(sizes.matches("<rect").count() - 1, 5, "a bar per segment (and the background)");
        assert!(sizes.contains("Segment 5"));
        // Exactly the k segments on every axis: no "Segment 6" band with k = 5.
        assert!(!sizes.contains("Segment 6"), "sizes: {sizes}");
        let heat = svg(|r| draw_heatmap(r, &s).unwrap());
        assert!(heat.matches("<rect").count() > 15, "a cell per segment and feature");
        assert!(heat.contains("Spending Score (1-100)"));
        let dist = svg(|r| draw_distribution(r, &s, 2).unwrap());
        assert!(dist.contains("Spending Score (1-100) by segment"));
    }

    #[test]
    fn heat_colours_diverge_from_white() {
        assert_eq!(heat(0.0), RGBColor(255, 255, 255));
        assert_eq!(heat(2.0), RGBColor(230, 159, 0));
        assert_eq!(heat(-2.0), RGBColor(0, 114, 178));
    }
}
