//! The central-interval coverage curve: the fraction of rows inside the central p-interval
//! against p. On the diagonal: calibrated; above: intervals too wide; below: too narrow.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::FigureError;
use super::common::{
    self, LegendPosition, dot_glyph, draw_error, draw_line, legend_entry, line_glyph,
};
use super::style::{Style, colors};
use crate::diagnostics::Coverage;

#[derive(Debug, Clone)]
pub struct CoverageFigure<'a> {
    pub coverage: &'a Coverage,
    /// The true density's curve on the same rows, when known.
    pub truth: Option<&'a Coverage>,
    pub title: Option<String>,
    pub legend: LegendPosition,
}

impl<'a> CoverageFigure<'a> {
    pub fn new(coverage: &'a Coverage) -> Self {
        CoverageFigure {
            coverage,
            truth: None,
            title: None,
            legend: LegendPosition::UpperLeft,
        }
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &CoverageFigure<'_>,
    style: &Style,
) -> Result<(), FigureError> {
    if fig.coverage.curve.is_empty() {
        return Err(FigureError::Empty(
            "the coverage curve has no points".into(),
        ));
    }
    let area = common::with_title(root, fig.title.as_deref(), style)?;
    let mut chart = common::cartesian(
        &area,
        style,
        0.0..1.0,
        0.0..1.0,
        "nominal level of the central interval",
        "observed fraction inside",
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
    if let Some(truth) = fig.truth {
        draw_line(
            &mut chart,
            &truth.curve,
            colors::GREEN.stroke_width(style.line_px()),
            None,
        )?;
        legend_entry(
            &mut chart,
            &format!("true density (area {:.4})", truth.miscalibration_area),
            line_glyph(style, colors::GREEN, style.line_px()),
        )?;
    }
    let curve: Vec<(f64, f64)> = fig.coverage.curve.clone();
    draw_line(
        &mut chart,
        &curve,
        colors::BLUE.stroke_width(style.line_px()),
        None,
    )?;
    legend_entry(
        &mut chart,
        &format!(
            "model (miscalibration area {:.4})",
            fig.coverage.miscalibration_area
        ),
        line_glyph(style, colors::BLUE, style.line_px()),
    )?;
    let radius = style.px(2.8).max(2.0) as i32;
    chart
        .draw_series(
            fig.coverage
                .at_levels
                .iter()
                .map(|&(l, o)| Circle::new((l, o), radius, colors::VERMILLION.filled())),
        )
        .map_err(draw_error)?;
    let levels: Vec<String> = fig
        .coverage
        .at_levels
        .iter()
        .map(|(l, o)| format!("{:.0} %: {:.3}", l * 100.0, o))
        .collect();
    legend_entry(
        &mut chart,
        &levels.join(", "),
        dot_glyph(style, colors::VERMILLION.mix(1.0), true),
    )?;
    common::legend(&mut chart, style, fig.legend)
}
