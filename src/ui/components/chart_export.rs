//! PNG and SVG downloads of a chart (`export-png-NAME`, `export-svg-NAME`): the PNG is the
//! canvas as drawn; the SVG is the same drawing code run through plotters' SVG backend.

use leptos::prelude::*;

use crate::ui::download::{save_bytes, save_canvas_png};
use crate::ui::state::Actions;

/// The two buttons. `svg` draws the chart to SVG text (`None` when there is nothing yet).
#[component]
pub fn ChartExport(name: &'static str, canvas: NodeRef<leptos::html::Canvas>, svg: Callback<(), Option<String>>) -> impl IntoView {
    let actions = expect_context::<Actions>();
    let png = move |_| {
        if let Some(c) = canvas.get() {
            if let Err(e) = save_canvas_png(&c, &format!("{name}.png")) {
                actions.show_error(format!("could not save the chart as PNG: {e:?}"));
            }
        }
    };
    let svg_download = move |_| match svg.run(()) {
        Some(text) => {
            if let Err(e) = save_bytes(text.as_bytes(), &format!("{name}.svg"), "image/svg+xml") {
                actions.show_error(format!("could not save the chart as SVG: {e:?}"));
            }
        }
        None => actions.show_error("the chart is not drawn yet".to_owned()),
    };
    view! {
        <span class="chart-export">
            <button type="button" class="secondary small" data-testid=format!("export-png-{name}") on:click=png
                aria-label=format!("Download the {name} chart as PNG")>"PNG"</button>
            <button type="button" class="secondary small" data-testid=format!("export-svg-{name}") on:click=svg_download
                aria-label=format!("Download the {name} chart as SVG")>"SVG"</button>
        </span>
    }
}

/// Runs a plotters drawing into an SVG string of the given size.
/// Whatever else the drawing returns (a chart's hits) is dropped.
pub fn to_svg<T, E: std::fmt::Debug>(
    size: (u32, u32),
    draw: impl FnOnce(&plotters::drawing::DrawingArea<plotters::prelude::SVGBackend<'_>, plotters::coord::Shift>) -> Result<T, E>,
) -> Option<String> {
    use plotters::prelude::IntoDrawingArea;
    let mut out = String::new();
    {
        let root = plotters::prelude::SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(&root).ok()?;
    }
    Some(out)
}
