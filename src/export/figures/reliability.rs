//! The reliability diagram of a binary classifier: observed frequency of y = 1 against the
//! mean predicted p̂ in 10 equal-width bins, with the rows per bin below (empty bins show as
//! empty, with no point).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::FigureError;
use super::common::{
    self, LegendPosition, band_glyph, dot_glyph, draw_error, draw_line, legend_entry, line_glyph,
};
use super::style::{Style, colors};
use crate::diagnostics::ClassifierDiagnostics;

#[derive(Debug, Clone)]
pub struct ReliabilityFigure<'a> {
    pub diagnostics: &'a ClassifierDiagnostics,
    pub title: Option<String>,
    pub legend: LegendPosition,
}

impl<'a> ReliabilityFigure<'a> {
    pub fn new(diagnostics: &'a ClassifierDiagnostics) -> Self {
        ReliabilityFigure {
            diagnostics,
            title: None,
            legend: LegendPosition::UpperLeft,
        }
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &ReliabilityFigure<'_>,
    style: &Style,
) -> Result<(), FigureError> {
    let d = fig.diagnostics;
    if d.n == 0 || d.bins.is_empty() {
        return Err(FigureError::Empty(
            "the reliability diagram has no rows".into(),
        ));
    }
    let area = common::with_title(root, fig.title.as_deref(), style)?;
    let split = (area.dim_in_pixel().1 as f64 * 0.7) as u32;
    let (upper, lower) = area.split_vertically(split);
    let mut chart = common::cartesian(
        &upper,
        style,
        0.0..1.0,
        0.0..1.0,
        "",
        "observed frequency of y = 1",
    )?;
    draw_line(
        &mut chart,
        &[(0.0, 0.0), (1.0, 1.0)],
        colors::BLACK.stroke_width(style.thin_px()),
        Some((style.px(4.0), style.px(2.5))),
    )?;
    legend_entry(
        &mut chart,
        "calibrated",
        line_glyph(style, colors::BLACK, style.thin_px()),
    )?;
    let points: Vec<(f64, f64)> = d
        .bins
        .iter()
        .filter_map(|b| Some((b.mean_predicted?, b.observed_rate?)))
        .collect();
    draw_line(
        &mut chart,
        &points,
        colors::BLUE.stroke_width(style.line_px()),
        None,
    )?;
    let radius = style.px(2.8).max(2.0) as i32;
    chart
        .draw_series(
            points
                .iter()
                .map(|&p| Circle::new(p, radius, colors::BLUE.filled())),
        )
        .map_err(draw_error)?;
    legend_entry(
        &mut chart,
        &format!("model: ECE {:.4}, MCE {:.4}", d.ece, d.mce),
        dot_glyph(style, colors::BLUE.mix(1.0), true),
    )?;
    legend_entry(
        &mut chart,
        &format!(
            "Brier {:.4} = rel {:.4} − res {:.4} + unc {:.4}",
            d.brier, d.brier_reliability, d.brier_resolution, d.brier_uncertainty
        ),
        line_glyph(style, colors::WHITE, 1),
    )?;
    legend_entry(
        &mut chart,
        &format!("log loss {:.4}, accuracy {:.4}", d.log_loss, d.accuracy),
        line_glyph(style, colors::WHITE, 1),
    )?;
    common::legend(&mut chart, style, fig.legend)?;

    let most = d.bins.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    let mut counts = common::cartesian(
        &lower,
        style,
        0.0..1.0,
        0.0..most * 1.15,
        "predicted probability p(y = 1 | x)",
        "rows",
    )?;
    counts
        .draw_series(d.bins.iter().map(|b| {
            let pad = 0.06 * (b.hi - b.lo);
            Rectangle::new(
                [(b.lo + pad, 0.0), (b.hi - pad, b.count as f64)],
                colors::GREY.mix(0.6).filled(),
            )
        }))
        .map_err(draw_error)?;
    let empty = d.bins.iter().filter(|b| b.count == 0).count();
    legend_entry(
        &mut counts,
        &format!("{} rows, {empty} empty bins", d.n),
        band_glyph(style, colors::GREY.mix(0.6)),
    )?;
    common::legend(&mut counts, style, LegendPosition::UpperLeft)
}
