//! The PIT histogram: counts of u = F(y|x) relative to a calibrated model's, with the 95 %
//! binomial band. Flat inside the band: calibrated; a dome: too wide (under-confident); a U:
//! too narrow (over-confident); a slope: biased.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::FigureError;
use super::common::{
    self, LegendPosition, band_glyph, draw_error, draw_line, legend_entry, line_glyph,
};
use super::style::{Style, colors};
use crate::diagnostics::{PitHistogram, UniformityTests};

#[derive(Debug, Clone)]
pub struct PitFigure<'a> {
    pub histogram: &'a PitHistogram,
    pub tests: Option<UniformityTests>,
    pub title: Option<String>,
    pub legend: LegendPosition,
}

impl<'a> PitFigure<'a> {
    pub fn new(histogram: &'a PitHistogram) -> Self {
        PitFigure {
            histogram,
            tests: None,
            title: None,
            legend: LegendPosition::UpperRight,
        }
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &PitFigure<'_>,
    style: &Style,
) -> Result<(), FigureError> {
    let h = fig.histogram;
    let bins = h.counts.len();
    if bins == 0 || h.expected <= 0.0 {
        return Err(FigureError::Empty("the PIT histogram has no rows".into()));
    }
    let area = common::with_title(root, fig.title.as_deref(), style)?;
    // Heights relative to the calibrated count, so 1 is perfect whatever n and the bins.
    let relative: Vec<f64> = h.counts.iter().map(|&c| c as f64 / h.expected).collect();
    let (band_lo, band_hi) = (h.band.0 / h.expected, h.band.1 / h.expected);
    let top = relative.iter().copied().fold(band_hi, f64::max) * 1.25;
    let mut chart = common::cartesian(
        &area,
        style,
        0.0..1.0,
        0.0..top,
        "PIT value u = F(y | x)",
        "density of u (1 = calibrated)",
    )?;
    let width = 1.0 / bins as f64;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(0.0, band_lo), (1.0, band_hi)],
            colors::SKY_BLUE.mix(0.25).filled(),
        )))
        .map_err(draw_error)?;
    let inside = colors::BLUE.mix(0.75);
    let outside = colors::VERMILLION.mix(0.85);
    chart
        .draw_series(relative.iter().enumerate().map(|(i, &r)| {
            let color = if r < band_lo || r > band_hi {
                outside
            } else {
                inside
            };
            let (x0, x1) = (i as f64 * width, (i + 1) as f64 * width);
            Rectangle::new(
                [(x0 + 0.08 * width, 0.0), (x1 - 0.08 * width, r)],
                color.filled(),
            )
        }))
        .map_err(draw_error)?;
    draw_line(
        &mut chart,
        &[(0.0, 1.0), (1.0, 1.0)],
        colors::BLACK.stroke_width(style.thin_px()),
        Some((style.px(4.0), style.px(2.5))),
    )?;
    let n = h.counts.iter().sum::<usize>();
    legend_entry(
        &mut chart,
        &format!(
            "{n} rows in {bins} bins ({} outside the band)",
            h.outside_band()
        ),
        band_glyph(style, inside),
    )?;
    legend_entry(
        &mut chart,
        "95 % band of a calibrated model",
        band_glyph(style, colors::SKY_BLUE.mix(0.4)),
    )?;
    if let Some(t) = fig.tests {
        legend_entry(
            &mut chart,
            &format!(
                "KS D = {:.4} (p = {}), A² = {:.2}",
                t.ks,
                if t.ks_pvalue < 1e-3 {
                    format!("{:.1e}", t.ks_pvalue)
                } else {
                    format!("{:.3}", t.ks_pvalue)
                },
                t.ad
            ),
            line_glyph(style, colors::WHITE, 1),
        )?;
    }
    common::legend(&mut chart, style, fig.legend)
}
