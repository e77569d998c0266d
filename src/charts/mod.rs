//! Chart drawing, written against plotters' `DrawingBackend` so the same function draws to
//! a canvas in the browser (plotters-canvas) and to SVG in a native test.

pub mod correlation;
pub mod elbow;
pub mod hits;
pub mod pairs;
pub mod palette;
pub mod scatter;
pub mod segments;
pub mod value;
