//! The charts' canvas: plotters' own [`CanvasBackend`], with runs of filled circles and
//! rectangles of one colour (a scatter's points cluster by cluster, a pair plot's cell) drawn
//! as one path filled once. Drawn one by one, each point costs a colour string, calls into
//! the canvas and a fill; 5,000 of them took one task past 50 ms on the main thread. Shapes
//! of one colour that overlap are filled as their union (their overlap is not darker).

use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};
use plotters_canvas::CanvasBackend;

/// plotters-canvas does not export its error type by name.
type CanvasError = <CanvasBackend as DrawingBackend>::ErrorType;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// A [`CanvasBackend`] that batches filled circles and rectangles; everything else is the
/// plain backend's.
pub struct BatchedCanvas {
    inner: CanvasBackend,
    context: CanvasRenderingContext2d,
    /// The open path's colour (RGB, alpha's bits): shapes added to it are filled together.
    open: Option<((u8, u8, u8), u64)>,
}

impl BatchedCanvas {
    pub fn new(canvas: HtmlCanvasElement) -> Option<Self> {
        let context = canvas.get_context("2d").ok()??.dyn_into::<CanvasRenderingContext2d>().ok()?;
        let inner = CanvasBackend::with_canvas_object(canvas)?;
        Some(Self { inner, context, open: None })
    }

    /// Starts a path of `color` unless the open one is of it (filling that first).
    fn open_path(&mut self, color: BackendColor) {
        let key = (color.rgb, color.alpha.to_bits());
        if self.open != Some(key) {
            self.flush();
            self.context.set_fill_style_str(&css(color));
            self.context.begin_path();
            self.open = Some(key);
        }
    }

    /// Fills the open path, if any.
    fn flush(&mut self) {
        if self.open.take().is_some() {
            self.context.fill();
        }
    }
}

impl Drop for BatchedCanvas {
    fn drop(&mut self) {
        self.flush();
    }
}

fn css(color: BackendColor) -> String {
    let (r, g, b) = color.rgb;
    format!("rgba({r},{g},{b},{})", color.alpha)
}

impl DrawingBackend for BatchedCanvas {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.flush();
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.flush();
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.flush();
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        let color = style.color();
        if !fill || color.alpha == 0.0 {
            self.flush();
            return self.inner.draw_rect(upper_left, bottom_right, style, fill);
        }
        self.open_path(color);
        // Drawn clockwise whichever corners came first: shapes of a path that turn the same
        // way fill as their union (the non-zero rule), never leaving a hole.
        let (left, right) = (upper_left.0.min(bottom_right.0), upper_left.0.max(bottom_right.0));
        let (top, bottom) = (upper_left.1.min(bottom_right.1), upper_left.1.max(bottom_right.1));
        self.context.rect(f64::from(left), f64::from(top), f64::from(right - left), f64::from(bottom - top));
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.flush();
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        let color = style.color();
        if !fill || color.alpha == 0.0 {
            self.flush();
            return self.inner.draw_circle(center, radius, style, fill);
        }
        self.open_path(color);
        let (x, y, r) = (f64::from(center.0), f64::from(center.1), f64::from(radius));
        // A sub-path of its own: no line joins it to the last circle.
        self.context.move_to(x + r, y);
        // `arc` throws only for a negative radius, and a `u32` is never one.
        let _ = self.context.arc(x, y, r, 0.0, std::f64::consts::TAU);
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.flush();
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<T: BackendTextStyle>(&mut self, text: &str, style: &T, pos: BackendCoord) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.flush();
        self.inner.draw_text(text, style, pos)
    }

    fn estimate_text_size<T: BackendTextStyle>(&self, text: &str, style: &T) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
        self.inner.estimate_text_size(text, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, (iw, ih): (u32, u32), src: &[u8]) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.flush();
        self.inner.blit_bitmap(pos, (iw, ih), src)
    }
}
