//! Heat maps on a chart's grid cells and their colour bars (data figures).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::FigureError;
use super::common::{Chart, draw_error};
use super::style::{Style, colors};
use crate::nn::PredictionView;

/// Draws grid cells as rectangles, merging horizontal runs of one colour (small SVGs).
/// Draws `values` (ny × nx, already scaled to [0, 1]) on the view's grid cells.
pub(super) fn draw_heatmap<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    view: &PredictionView,
    values: &[f32],
    color_of: impl Fn(f32) -> [u8; 3],
) -> Result<(), FigureError> {
    let (nx, ny) = (view.xs.len(), view.ys.len());
    let edges = |v: &[f64], range: (f64, f64)| -> Vec<f64> {
        let mut e = Vec::with_capacity(v.len() + 1);
        e.push(range.0);
        e.extend(v.windows(2).map(|w| 0.5 * (w[0] + w[1])));
        e.push(range.1);
        e
    };
    let xe = edges(&view.xs, view.spec.x_range);
    let ye = edges(&view.ys, view.spec.y_range);
    let mut rects = Vec::new();
    for j in 0..ny {
        let mut i = 0;
        while i < nx {
            let c = color_of(values[j * nx + i]);
            let mut k = i + 1;
            while k < nx && color_of(values[j * nx + k]) == c {
                k += 1;
            }
            rects.push(Rectangle::new(
                [(xe[i], ye[j]), (xe[k], ye[j + 1])],
                RGBColor(c[0], c[1], c[2]).filled(),
            ));
            i = k;
        }
    }
    chart.draw_series(rects).map_err(draw_error)?;
    Ok(())
}

/// A vertical colour bar beside the main plot, aligned with its plotting area.
pub(super) fn draw_colorbar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: &Style,
    vmax: f64,
    label: &str,
    color_of: impl Fn(f64) -> [u8; 3],
) -> Result<(), FigureError> {
    let tick = style.px(8.5);
    let mut chart = ChartBuilder::on(area)
        .margin_top(style.px(8.0) as u32)
        .margin_bottom(style.px(4.0) as u32)
        .margin_right(style.px(4.0) as u32)
        .x_label_area_size((tick * 1.2 + style.px(10.0) * 1.2 + style.px(10.0)) as u32)
        .right_y_label_area_size((tick * 3.4 + style.px(10.0) * 1.2 + style.px(8.0)) as u32)
        .build_cartesian_2d(0.0..1.0, 0.0..vmax)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .disable_x_axis()
        .disable_mesh()
        .y_desc(label)
        .y_labels(6)
        .label_style(style.tick_font())
        .axis_desc_style(style.label_font())
        .axis_style(ShapeStyle::from(&colors::BLACK).stroke_width(style.thin_px()))
        .set_all_tick_mark_size(style.px(3.0) as u32)
        .draw()
        .map_err(draw_error)?;
    let n = 128;
    chart
        .draw_series((0..n).map(|k| {
            let (a, b) = (k as f64 / n as f64, (k + 1) as f64 / n as f64);
            let c = color_of(0.5 * (a + b));
            Rectangle::new(
                [(0.0, a * vmax), (1.0, b * vmax)],
                RGBColor(c[0], c[1], c[2]).filled(),
            )
        }))
        .map_err(draw_error)?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(0.0, 0.0), (1.0, vmax)],
            ShapeStyle::from(&colors::BLACK).stroke_width(style.thin_px()),
        )))
        .map_err(draw_error)?;
    Ok(())
}

/// Main plot area and colour bar area.
pub(super) fn split_for_colorbar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: &Style,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let (w, _) = area.dim_in_pixel();
    let bar = (style.px(62.0) as u32).min(w / 3);
    area.split_horizontally(w - bar)
}
