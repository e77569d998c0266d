//! The correlation heatmap: one cell per pair of numeric columns, coloured by r (orange
//! moving together, blue moving apart, white unrelated), the r written in the cell. Laid
//! out by hand in the backend's pixels, so each cell's hit is its own rectangle.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::hits::Hit;
use crate::core::correlation::{grouped, Correlations, Method};

/// Width of the heatmap's canvas.
pub const WIDTH: u32 = 760;
/// Room for the row names on the left and the rotated column names on top.
const LEFT: f64 = 160.0;
const TOP: f64 = 120.0;
/// Largest cell side.
const MAX_CELL: f64 = 64.0;

/// The side of one cell for `d` columns.
fn cell_side(d: usize) -> f64 {
    ((f64::from(WIDTH) - LEFT - 8.0) / d.max(1) as f64).floor().min(MAX_CELL)
}

/// Canvas size for `d` columns: as wide as the page's charts, as tall as the cells need.
pub fn size(d: usize) -> (u32, u32) {
    let height = TOP + cell_side(d) * d.max(1) as f64 + 8.0;
    (WIDTH, height.ceil() as u32)
}

/// `0.72`, `−0.35`, `1`.
pub fn format_r(r: f64) -> String {
    let s = format!("{r:.2}");
    let s = if s == "1.00" {
        "1".to_owned()
    } else if s == "-1.00" {
        "-1".to_owned()
    } else {
        s
    };
    let s = if s == "-0.00" { "0.00".to_owned() } else { s };
    s.replace('-', "−")
}

/// Diverging colour for r: orange above zero, blue below, white at zero (colour-blind safe).
pub fn r_color(r: f64) -> RGBColor {
    let t = r.abs().min(1.0);
    let (red, green, blue) = if r >= 0.0 { (230.0, 159.0, 0.0) } else { (0.0, 114.0, 178.0) };
    let mix = |c: f64| (255.0 + (c - 255.0) * t).round() as u8;
    RGBColor(mix(red), mix(green), mix(blue))
}

fn truncated(name: &str, max: usize) -> String {
    if name.chars().count() > max {
        name.chars().take(max - 1).chain(std::iter::once('…')).collect()
    } else {
        name.to_owned()
    }
}

/// Draws the heatmap of `method`'s r on any backend of [`size`]; returns each cell's hit.
pub fn draw_correlation<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &Correlations,
    method: Method,
) -> Result<Vec<Hit>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let d = c.len();
    let side = cell_side(d);
    let name_size = if d > 20 { 10.0 } else { 12.0 };
    let value_size = (side * 0.34).clamp(7.0, 13.0);
    let mut hits = Vec::with_capacity(d * d);
    let px = |v: f64| v.round() as i32;
    for (i, name) in c.names.iter().enumerate() {
        let centre = TOP + side * (i as f64 + 0.5);
        let row_label = TextStyle::from(("sans-serif", name_size).into_font()).pos(Pos::new(HPos::Right, VPos::Center)).color(&BLACK);
        root.draw(&Text::new(truncated(name, 24), (px(LEFT - 6.0), px(centre)), row_label))?;
        let column_label = TextStyle::from(("sans-serif", name_size).into_font().transform(FontTransform::Rotate270))
            .pos(Pos::new(HPos::Left, VPos::Center))
            .color(&BLACK);
        root.draw(&Text::new(truncated(name, 18), (px(LEFT + side * (i as f64 + 0.5)), px(TOP - 6.0)), column_label))?;
    }
    for i in 0..d {
        for j in 0..d {
            let (x0, y0) = (LEFT + side * j as f64, TOP + side * i as f64);
            let (x1, y1) = (x0 + side, y0 + side);
            let r = c.r(method, i, j);
            let fill = r.map_or(RGBColor(225, 225, 225), r_color);
            root.draw(&Rectangle::new([(px(x0), px(y0)), (px(x1) - 1, px(y1) - 1)], fill.filled()))?;
            let text = r.map_or_else(|| "–".to_owned(), format_r);
            let ink = if r.is_some_and(|r| r < -0.6) { WHITE } else { BLACK };
            let style = TextStyle::from(("sans-serif", value_size).into_font()).pos(Pos::new(HPos::Center, VPos::Center)).color(&ink);
            root.draw(&Text::new(text.clone(), (px((x0 + x1) / 2.0), px((y0 + y1) / 2.0)), style))?;
            let (a, b) = (c.names.get(i).map_or("", String::as_str), c.names.get(j).map_or("", String::as_str));
            let n = grouped(c.n_of(i, j));
            let tip = match r {
                Some(_) => format!("{a} × {b}: r = {text} ({}, n = {n})", method.title()),
                None => format!("{a} × {b}: no r (fewer than 3 rows with both, or one does not vary; n = {n})"),
            };
            hits.push(Hit::rect(x0, y0, x1, y1, tip));
        }
    }
    root.present()?;
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three() -> Correlations {
        let d = 3;
        let r = [1.0, 0.72, -0.8, 0.72, 1.0, 0.05, -0.8, 0.05, 1.0];
        Correlations {
            columns: vec![1, 2, 3],
            names: vec!["MntWines".into(), "MntMeatProducts".into(), "Recency".into()],
            n_default: 3,
            pearson: r.iter().map(|&v| Some(v)).collect(),
            spearman: r.iter().map(|&v| Some(v * 0.9)).collect(),
            n: vec![2216; d * d],
            sample_rows: 2216,
            total_rows: 2240,
            left_out: vec![],
        }
    }

    #[test]
    fn every_cell_is_drawn_with_its_r_and_a_hit_inside_the_canvas() {
        let c = three();
        let (w, h) = size(3);
        let mut svg = String::new();
        let hits = {
            let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
            draw_correlation(&root, &c, Method::Pearson).unwrap()
        };
        assert_eq!(hits.len(), 9);
        for hit in &hits {
            let (x, y) = hit.anchor();
            assert!(x >= 0.0 && x <= f64::from(w) && y >= 0.0 && y <= f64::from(h), "{hit:?}");
        }
        assert_eq!(hits[1].text, "MntWines × MntMeatProducts: r = 0.72 (Pearson, n = 2,216)");
        assert!(svg.contains("0.72") && svg.contains("−0.80"), "{svg}");
        assert!(svg.contains("MntMeatProducts"));
        let mut spearman = String::new();
        {
            let root = SVGBackend::with_string(&mut spearman, (w, h)).into_drawing_area();
            let hits = draw_correlation(&root, &c, Method::Spearman).unwrap();
            assert!(hits[1].text.contains("r = 0.65 (Spearman"), "{}", hits[1].text);
        }
        assert!(spearman.contains("0.65"));
    }

    #[test]
    fn thirty_columns_fit_the_width() {
        let (w, h) = size(30);
        assert_eq!(w, WIDTH);
        assert!(cell_side(30) >= 19.0);
        assert!(f64::from(h) >= TOP + 30.0 * cell_side(30));
        assert_eq!(size(3).1 as f64, (TOP + 3.0 * MAX_CELL + 8.0).ceil());
    }

    #[test]
    fn r_reads_and_colours_as_expected() {
        assert_eq!(format_r(0.7249), "0.72");
        assert_eq!(format_r(-0.35), "−0.35");
        assert_eq!(format_r(1.0), "1");
        assert_eq!(format_r(-0.001), "0.00");
        assert_eq!(r_color(0.0), RGBColor(255, 255, 255));
        assert_eq!(r_color(1.0), RGBColor(230, 159, 0));
        assert_eq!(r_color(-1.0), RGBColor(0, 114, 178));
    }
}
