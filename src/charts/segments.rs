//! Charts of the segments: their sizes, a profile heatmap (how far each segment's mean is
//! from the whole, in standard deviations, labelled with the mean in the data's units), and
//! one feature's distribution in each segment (box: quartiles; whiskers: min and max).

use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::RangedCoordusize;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::hits::{short_number, truncate, value_text, Hit};
use super::palette::segment_color;
use crate::core::pipeline::Segmentation;

/// A mean written in a cell: in full up to 10,000, in short form beyond (12.3k).
fn number(v: f64) -> String {
    if v.abs() >= 1e4 {
        short_number(v)
    } else {
        value_text(v)
    }
}

/// Longest segment name written beside a bar; the tooltip shows it whole.
const NAME_CHARS: usize = 28;

/// Rough width in pixels of `text` in a sans-serif font of `size` pixels (digits and most
/// letters run at about 0.55 of the size; a margin for wide ones).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.6
}

/// "Segment 3 (name)", or "Segment 3" without a name.
fn segment_title(i: usize, names: &[String]) -> String {
    match names.get(i).filter(|n| !n.is_empty()) {
        Some(name) => format!("Segment {} ({name})", i + 1),
        None => format!("Segment {}", i + 1),
    }
}

/// A plotters backend coordinate as `f64`s.
fn px((x, y): (i32, i32)) -> (f64, f64) {
    (x as f64, y as f64)
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

/// Horizontal bars, one per segment, with the count and share; returns one hit per segment
/// (its whole band, so a short bar is easy to point at).
pub fn draw_sizes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Segmentation,
    names: &[String],
) -> Result<Vec<Hit>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let k = s.segments.len().max(1);
    let biggest = s.segments.iter().map(|x| x.size).max().unwrap_or(1).max(1) as f64;
    let names = names_or(s, names);
    let labels: Vec<String> = s
        .segments
        .iter()
        .zip(&names)
        .map(|(seg, name)| format!("{} ({:.0}%) {}", seg.size, seg.share * 100.0, truncate(name, NAME_CHARS)))
        .collect();
    // The axis reaches far enough that every bar's words fit to its right.
    let y_area = 84.0;
    let plot_width = (root.dim_in_pixel().0 as f64 - 24.0 - y_area).max(1.0);
    let x_max = s.segments.iter().zip(&labels).fold(biggest * 1.05, |max, (seg, label)| {
        let room = (plot_width - text_width(label, 12.0) - 8.0).max(plot_width * 0.3);
        max.max(seg.size as f64 * plot_width / room)
    });
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .caption("Segment sizes", ("sans-serif", 16))
        .x_label_area_size(36)
        .y_label_area_size(y_area as u32)
        .build_cartesian_2d(0.0..x_max, bands(k))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("Customers")
        .x_label_formatter(&|v| short_number(*v))
        .y_label_formatter(&segment_label)
        .axis_desc_style(("sans-serif", 14))
        .label_style(("sans-serif", 12))
        .draw()?;
    let mut hits = Vec::with_capacity(k);
    for ((i, seg), label) in s.segments.iter().enumerate().zip(labels) {
        let color = segment_color(i);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, SegmentValue::Exact(i)), (seg.size as f64, SegmentValue::Exact(i + 1))],
            color.filled(),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            label,
            (seg.size as f64 + x_max * 0.01, SegmentValue::CenterOf(i)),
            ("sans-serif", 12),
        )))?;
        let (l, t) = px(chart.backend_coord(&(0.0, SegmentValue::Exact(i + 1))));
        let (r, b) = px(chart.backend_coord(&(x_max, SegmentValue::Exact(i))));
        let customers = if seg.size == 1 { "customer" } else { "customers" };
        hits.push(Hit::rect(
            l,
            t,
            r,
            b,
            format!("{}\n{} {customers}\n{:.1}% of the customers segmented", segment_title(i, &names), seg.size, seg.share * 100.0),
        ));
    }
    root.present()?;
    Ok(hits)
}

/// The names given, else each segment's own.
fn names_or(s: &Segmentation, names: &[String]) -> Vec<String> {
    s.segments
        .iter()
        .enumerate()
        .map(|(i, seg)| names.get(i).filter(|n| !n.is_empty()).cloned().unwrap_or_else(|| seg.name.clone()))
        .collect()
}

/// Diverging colour for a z-score: blue below the average, orange above (colour-blind safe).
fn heat(z: f64) -> RGBColor {
    let t = (z.abs() / 1.5).min(1.0);
    let (r, g, b) = if z >= 0.0 { (230.0, 159.0, 0.0) } else { (0.0, 114.0, 178.0) };
    let mix = |c: f64| (255.0 + (c - 255.0) * t) as u8;
    RGBColor(mix(r), mix(g), mix(b))
}

/// Segments × features; colour: the segment mean's z-score; text: the mean, in the data's
/// units. Returns one hit per cell (segment by segment), with the mean and the z-score.
pub fn draw_heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Segmentation,
    segment_names: &[String],
) -> Result<Vec<Hit>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let k = s.segments.len().max(1);
    let d = s.overall.len().max(1);
    let y_area = 84.0;
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .caption("Segment profiles: mean per feature (colour: above / below the average)", ("sans-serif", 15))
        .x_label_area_size(40)
        .y_label_area_size(y_area as u32)
        .build_cartesian_2d(bands(d), bands(k))?;
    // Each feature's name fits its column (cut with "…"; the tooltip shows it whole).
    let column = (root.dim_in_pixel().0 as f64 - 24.0 - y_area) / d as f64;
    let fit = ((column - 6.0) / (11.0 * 0.6)).floor().clamp(3.0, 22.0) as usize;
    let names: Vec<String> = s.overall.iter().map(|f| truncate(&f.name, fit)).collect();
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
    let titles = names_or(s, segment_names);
    let mut hits = Vec::with_capacity(k * d);
    for (si, seg) in s.segments.iter().enumerate() {
        for (fi, f) in seg.features.iter().enumerate() {
            let (x0, y0) = (SegmentValue::Exact(fi), SegmentValue::Exact(si));
            let (x1, y1) = (SegmentValue::Exact(fi + 1), SegmentValue::Exact(si + 1));
            chart.draw_series(std::iter::once(Rectangle::new([(x0.clone(), y0.clone()), (x1.clone(), y1.clone())], heat(f.z).filled())))?;
            chart.draw_series(std::iter::once(Text::new(
                number(f.mean),
                (SegmentValue::CenterOf(fi), SegmentValue::CenterOf(si)),
                ("sans-serif", 12).into_font().color(&BLACK),
            )))?;
            let (l, b) = px(chart.backend_coord(&(x0, y0)));
            let (r, t) = px(chart.backend_coord(&(x1, y1)));
            let feature = s.overall.get(fi);
            let side = match f.z {
                z if z >= 0.05 => "above the average",
                z if z <= -0.05 => "below the average",
                _ => "about the average",
            };
            hits.push(Hit::rect(
                l,
                t,
                r,
                b,
                format!(
                    "{}\n{}\nMean: {} (all customers: {})\nz = {:+.2}: {side}",
                    segment_title(si, &titles),
                    feature.map_or("", |f| f.name.as_str()),
                    value_text(f.mean),
                    feature.map_or_else(|| "–".to_owned(), |f| value_text(f.mean)),
                    f.z
                ),
            ));
        }
    }
    root.present()?;
    Ok(hits)
}

/// One feature in every segment: boxes from the quartiles, whiskers to min and max, the
/// mean marked; in the feature's own units. Returns one hit per segment (its box and
/// whiskers) with the five numbers and the mean.
pub fn draw_distribution<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Segmentation,
    feature: usize,
    segment_names: &[String],
) -> Result<Vec<Hit>, DrawingAreaErrorKind<DB::ErrorType>> {
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
        .y_desc(truncate(&name, 40))
        .x_label_formatter(&segment_label)
        .y_label_formatter(&|v| short_number(*v))
        .axis_desc_style(("sans-serif", 14))
        .label_style(("sans-serif", 12))
        .draw()?;
    let titles = names_or(s, segment_names);
    let mut hits = Vec::with_capacity(k);
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
        let (l, t) = px(chart.backend_coord(&(x0(), max)));
        let (r, b) = px(chart.backend_coord(&(x1(), min)));
        // A box of one value is a line: the hit stays at least 12 pixels tall.
        let (t, b) = if b - t < 12.0 { ((t + b) / 2.0 - 6.0, (t + b) / 2.0 + 6.0) } else { (t, b) };
        hits.push(Hit::rect(
            l,
            t,
            r,
            b,
            format!(
                "{}\n{name}\nMax: {}\n3rd quartile: {}\nMedian: {}\n1st quartile: {}\nMin: {}\nMean: {}",
                segment_title(i, &titles),
                value_text(max),
                value_text(q3),
                value_text(median),
                value_text(q1),
                value_text(min),
                value_text(f.mean)
            ),
        ));
    }
    root.present()?;
    Ok(hits)
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
        segment(&file, &cleaned, &SegmentOptions::new(5, 42)).unwrap()
    }

    fn svg<T>(draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> T) -> String {
        svg_and(draw).0
    }

    /// The SVG and what the drawing returned (its hits).
    fn svg_and<T>(draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> T) -> (String, T) {
        let mut out = String::new();
        let result;
        {
            let root = SVGBackend::with_string(&mut out, (720, 400)).into_drawing_area();
            result = draw(&root);
        }
        (out, result)
    }

    /// Every hit is a rectangle with some area inside the 720 × 400 canvas.
    fn assert_inside(hits: &[Hit]) {
        for hit in hits {
            let crate::charts::hits::Shape::Rect([l, t, r, b]) = hit.shape else { panic!("a rectangle: {hit:?}") };
            assert!(l >= 0.0 && t >= 0.0 && r <= 720.0 && b <= 400.0 && l < r && t < b, "{hit:?}");
        }
    }

    #[test]
    fn sizes_heatmap_and_distribution_draw_every_segment() {
        let s = segmentation();
        let sizes = svg(|r| draw_sizes(r, &s, &[]).unwrap());
        assert_eq!(sizes.matches("<rect").count() - 1, 5, "a bar per segment (and the background)");
        assert!(sizes.contains("Segment 5"));
        // Exactly the k segments on every axis: no "Segment 6" band with k = 5.
        assert!(!sizes.contains("Segment 6"), "sizes: {sizes}");
        let heat = svg(|r| draw_heatmap(r, &s, &[]).unwrap());
        assert!(heat.matches("<rect").count() > 15, "a cell per segment and feature");
        assert!(heat.contains("Spending Score (1-100)"));
        let dist = svg(|r| draw_distribution(r, &s, 2, &[]).unwrap());
        assert!(dist.contains("Spending Score (1-100) by segment"));
    }

    #[test]
    fn every_bar_cell_and_box_has_a_hit_with_its_numbers() {
        let s = segmentation();
        let (k, d) = (s.segments.len(), s.overall.len());
        let names = vec!["Big spenders".to_owned()];

        let (_, sizes) = svg_and(|r| draw_sizes(r, &s, &names).unwrap());
        assert_eq!(sizes.len(), k, "one hit per bar");
        assert_inside(&sizes);
        let first = &s.segments[0];
        assert_eq!(
            sizes[0].text,
            format!("Segment 1 (Big spenders)\n{} customers\n{:.1}% of the customers segmented", first.size, first.share * 100.0)
        );
        assert!(sizes[1].text.starts_with(&format!("Segment 2 ({})", s.segments[1].name)), "{}", sizes[1].text);
        // Bars from top to bottom do not overlap.
        for pair in sizes.windows(2) {
            let (crate::charts::hits::Shape::Rect(a), crate::charts::hits::Shape::Rect(b)) = (pair[0].shape, pair[1].shape) else {
                panic!()
            };
            assert!(a[1] >= b[3] - 0.5 || b[1] >= a[3] - 0.5, "{a:?} {b:?}");
        }

        let (_, cells) = svg_and(|r| draw_heatmap(r, &s, &names).unwrap());
        assert_eq!(cells.len(), k * d, "one hit per cell");
        assert_inside(&cells);
        let f = &s.segments[0].features[1];
        assert!(
            cells[1].text.starts_with(&format!("Segment 1 (Big spenders)\n{}\nMean: {}", s.overall[1].name, value_text(f.mean))),
            "{}",
            cells[1].text
        );
        assert!(cells[1].text.contains(&format!("z = {:+.2}", f.z)), "{}", cells[1].text);

        let (_, boxes) = svg_and(|r| draw_distribution(r, &s, 2, &names).unwrap());
        assert_eq!(boxes.len(), k, "one hit per box");
        assert_inside(&boxes);
        let [min, q1, median, q3, max] = s.segments[1].features[2].five;
        for (label, v) in [("Max", max), ("3rd quartile", q3), ("Median", median), ("1st quartile", q1), ("Min", min)] {
            assert!(boxes[1].text.contains(&format!("{label}: {}", value_text(v))), "{}", boxes[1].text);
        }
    }

    #[test]
    fn chart_rows_are_named_by_the_id_column_else_their_line() {
        let s = segmentation();
        assert_eq!(s.chart_ids.len(), s.chart_labels.len());
        assert_eq!(s.chart_ids.first().map(String::as_str), Some("0001"), "the CustomerID cell");
        let csv = "a,b\n1.5,10\n2.5,11\n9.5,30\n9.5,31\n";
        let file = load("no-id.csv", csv.as_bytes(), &IngestOptions::default(), &mut |_| {}).unwrap();
        let cleaned = clean(&file, &CleaningOptions::suggested(&file.profile)).unwrap();
        let s = segment(&file, &cleaned, &SegmentOptions::new(2, 1)).unwrap();
        assert_eq!(s.chart_ids, ["line 2", "line 3", "line 4", "line 5"], "the header is line 1");
    }

    #[test]
    fn long_segment_names_are_cut_and_every_bar_label_fits_the_canvas() {
        let s = segmentation();
        let long = "Customers who buy a great deal during the winter sales and little otherwise".to_owned();
        let names = vec![long.clone(); s.segments.len()];
        let (svg, hits) = svg_and(|r| draw_sizes(r, &s, &names).unwrap());
        assert!(!svg.contains(&long), "the axis never shows the whole long name");
        assert!(svg.contains("Customers who buy a great d…"), "{svg}");
        assert!(hits[0].text.contains(&long), "the tooltip does");
        // Each bar's words end inside the canvas (rough width of a 12 px sans-serif text).
        for seg in &s.segments {
            let label = format!("{} ({:.0}%) Customers who buy a great d…", seg.size, seg.share * 100.0);
            let at = svg.find(&format!("\n{label}\n")).unwrap_or_else(|| panic!("{label} in {svg}"));
            let start = svg[..at].rfind("<text").unwrap();
            let x: f64 = svg[start..at].split("x=\"").nth(1).and_then(|r| r.split('"').next()).and_then(|x| x.parse().ok()).unwrap();
            assert!(x + text_width(&label, 12.0) <= 720.0, "{label} at {x}");
        }
        // Big numbers in short form on the axis, never as long digits.
        assert!(!svg.contains("000<"), "{svg}");
    }

    #[test]
    fn heat_colours_diverge_from_white() {
        assert_eq!(heat(0.0), RGBColor(255, 255, 255));
        assert_eq!(heat(2.0), RGBColor(230, 159, 0));
        assert_eq!(heat(-2.0), RGBColor(0, 114, 178));
    }
}
