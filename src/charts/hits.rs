//! What a pointer or the keyboard can land on in a chart: a bar, a cell, a point, each with
//! the words its tooltip shows. Drawing functions return them in the backend's pixels (the
//! canvas' own width and height), so the page can tell which one is under the pointer
//! without drawing anything again.

/// Where a hit lies on the chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// A bar or a cell: `[left, top, right, bottom]`.
    Rect([f64; 4]),
    /// A point (scatter, elbow): its centre.
    Point([f64; 2]),
}

/// One thing on a chart with its tooltip text (lines separated by `\n`).
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub shape: Shape,
    pub text: String,
}

impl Hit {
    pub fn rect(left: f64, top: f64, right: f64, bottom: f64, text: impl Into<String>) -> Self {
        let (l, r) = if left <= right { (left, right) } else { (right, left) };
        let (t, b) = if top <= bottom { (top, bottom) } else { (bottom, top) };
        Hit { shape: Shape::Rect([l, t, r, b]), text: text.into() }
    }

    pub fn point(x: f64, y: f64, text: impl Into<String>) -> Self {
        Hit { shape: Shape::Point([x, y]), text: text.into() }
    }

    /// Where the tooltip is anchored: a point, or the top middle of a rectangle.
    pub fn anchor(&self) -> (f64, f64) {
        match self.shape {
            Shape::Rect([l, t, r, _]) => ((l + r) / 2.0, t),
            Shape::Point([x, y]) => (x, y),
        }
    }
}

/// The hit under `(x, y)`: a rectangle containing it (the last drawn, which lies on top),
/// else the nearest point within `radius` pixels.
pub fn hit_at(hits: &[Hit], x: f64, y: f64, radius: f64) -> Option<usize> {
    let inside = hits.iter().rposition(|h| matches!(h.shape, Shape::Rect([l, t, r, b]) if x >= l && x <= r && y >= t && y <= b));
    if inside.is_some() {
        return inside;
    }
    hits.iter()
        .enumerate()
        .filter_map(|(i, h)| match h.shape {
            Shape::Point([px, py]) => Some((i, (px - x).powi(2) + (py - y).powi(2))),
            Shape::Rect(_) => None,
        })
        .filter(|&(_, d2)| d2 <= radius * radius)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// A value in short form for axes and tooltips: 6M, 1.2k, 950, 0.42, −3.5k.
pub fn short_number(v: f64) -> String {
    if !v.is_finite() {
        return "–".to_owned();
    }
    let a = v.abs();
    let (scaled, suffix) = match a {
        a if a >= 1e12 => (v / 1e12, "T"),
        a if a >= 1e9 => (v / 1e9, "B"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let s = if suffix.is_empty() {
        match a {
            a if a >= 100.0 => format!("{:.0}", scaled),
            a if a >= 10.0 => format!("{:.1}", scaled),
            a if a >= 1.0 => format!("{:.2}", scaled),
            0.0 => "0".to_owned(),
            _ => format!("{:.2}", scaled),
        }
    } else if scaled.abs() >= 100.0 {
        format!("{:.0}", scaled)
    } else {
        format!("{:.1}", scaled)
    };
    // 1.50 → 1.5, 2.0k → 2k: no trailing zeros after the point.
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s };
    let s = if s == "-0" { "0".to_owned() } else { s };
    format!("{s}{suffix}").replace('-', "−")
}

/// A value in the data's units for a tooltip: one decimal at most, no trailing zeros.
pub fn value_text(v: f64) -> String {
    if v.is_finite() {
        crate::core::clean::format_value((v * 10.0).round() / 10.0)
    } else {
        "–".to_owned()
    }
}

/// `text` cut to `max` characters, with "…" when cut (axis labels; tooltips show it whole).
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_read_as_people_write_them() {
        assert_eq!(short_number(6_000_000.0), "6M");
        assert_eq!(short_number(1_234.0), "1.2k");
        assert_eq!(short_number(12_345.0), "12.3k");
        assert_eq!(short_number(1_200_000.0), "1.2M");
        assert_eq!(short_number(950.0), "950");
        assert_eq!(short_number(0.4234), "0.42");
        assert_eq!(short_number(2.5), "2.5");
        assert_eq!(short_number(-3_500_000.0), "−3.5M");
        assert_eq!(short_number(0.0), "0");
        assert_eq!(short_number(f64::NAN), "–");
        assert_eq!(short_number(250_000.0), "250k");
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(truncate("short", 28), "short");
        assert_eq!(truncate("abcdefghij", 5), "abcd…");
        assert_eq!(truncate("abcdefghij", 5).chars().count(), 5);
        assert_eq!(value_text(87.04), "87");
        assert_eq!(value_text(f64::NAN), "–");
    }

    #[test]
    fn the_hit_under_the_pointer_is_the_rectangle_holding_it_else_the_nearest_point() {
        let hits = vec![Hit::rect(0.0, 0.0, 10.0, 10.0, "bar"), Hit::point(50.0, 50.0, "a"), Hit::point(58.0, 50.0, "b")];
        assert_eq!(hit_at(&hits, 5.0, 5.0, 8.0), Some(0));
        assert_eq!(hit_at(&hits, 55.0, 50.0, 8.0), Some(2));
        assert_eq!(hit_at(&hits, 53.0, 51.0, 8.0), Some(1));
        assert_eq!(hit_at(&hits, 100.0, 100.0, 8.0), None);
        assert_eq!(Hit::rect(10.0, 20.0, 0.0, 5.0, "x").shape, Shape::Rect([0.0, 5.0, 10.0, 20.0]));
    }
}
