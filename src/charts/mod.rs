//! Chart drawing, written against plotters' `DrawingBackend` so the same function draws to
//! a canvas in the browser (plotters-canvas) and to SVG in a native test.

pub mod elbow;
pub mod hits;
pub mod palette;
pub mod scatter;
pub mod segments;
