//! Segment colours: the Okabe–Ito palette, distinguishable with the common colour-vision
//! deficiencies, then darker variants when there are more segments than colours.

use plotters::style::RGBColor;

const OKABE_ITO: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(240, 228, 66),  // yellow
];

/// Colour of segment `index` (0-based).
pub fn segment_color(index: usize) -> RGBColor {
    let base = OKABE_ITO[index % OKABE_ITO.len()];
    let round = (index / OKABE_ITO.len()) as u32;
    if round == 0 {
        return base;
    }
    let darken = |c: u8| ((c as u32 * 3) / (3 + round)) as u8;
    RGBColor(darken(base.0), darken(base.1), darken(base.2))
}

/// The same colour as a CSS hex string, for legends drawn in HTML.
pub fn segment_css(index: usize) -> String {
    let RGBColor(r, g, b) = segment_color(index);
    format!("#{r:02x}{g:02x}{b:02x}")
}
