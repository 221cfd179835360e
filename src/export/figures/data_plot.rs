//! The data with the model's predictive distribution: points (train and held-out), the
//! density heat map or the 68 %/95 % bands, mean/median/mode curves and the true curves when
//! the data come from a preset; p(y=1|x) for a one-input classifier; a probability map with
//! class-coloured points for a two-input classifier.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::FigureError;
use super::common::{
    self, Chart, LegendPosition, band_glyph, dot_glyph, draw_band, draw_error, draw_line,
    legend_entry, line_glyph,
};
use super::heatmap::{draw_colorbar, draw_heatmap, split_for_colorbar};
use super::style::{self, Style, colors};
use crate::colormap::{Colormap, HeatNorm, normalize_density, probability_rgb};
use crate::data::{Dataset, Truth};
use crate::nn::{Model, PredictionView, ViewSpec};

/// What the data figure shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataPlotOptions {
    /// Density heat map of p(y|x) behind everything (regression), with a colour bar.
    pub heatmap: bool,
    /// Shaded 68 % and 95 % central intervals.
    pub bands: bool,
    pub mean: bool,
    pub median: bool,
    pub mode: bool,
    pub points: bool,
    /// True curves (dashed) when a [`Truth`] is given.
    pub truth: bool,
    /// Points drawn per dataset; above this an evenly strided subsample is drawn.
    pub max_points: usize,
    pub legend: LegendPosition,
    /// Colour map of the density heat map (the window's choice when exported from it).
    pub colormap: Colormap,
    /// Per-column or global scaling of the density heat map, as on screen.
    pub heat_norm: HeatNorm,
}

impl Default for DataPlotOptions {
    fn default() -> Self {
        DataPlotOptions {
            heatmap: false,
            bands: true,
            mean: true,
            median: true,
            mode: true,
            points: true,
            truth: true,
            max_points: super::MAX_POINTS,
            legend: LegendPosition::UpperLeft,
            colormap: Colormap::default(),
            heat_norm: HeatNorm::default(),
        }
    }
}

impl DataPlotOptions {
    /// The density heat map with the curves (no bands, no points: they hide the density).
    pub fn density() -> Self {
        DataPlotOptions {
            heatmap: true,
            bands: false,
            points: false,
            ..DataPlotOptions::default()
        }
    }
}

/// Inputs of the data figure. `view` comes from [`PredictionView::compute`] (e.g. with a
/// spec from [`suggest_view`]).
#[derive(Debug, Clone)]
pub struct DataFigure<'a> {
    pub view: &'a PredictionView,
    pub train: Option<&'a Dataset>,
    pub test: Option<&'a Dataset>,
    pub truth: Option<&'a Truth>,
    /// Horizontal axis title (the x column's name).
    pub x_label: String,
    /// Vertical axis title (the target's name, or the second input for a plane map).
    pub y_label: String,
    /// Target name, used in "p(y | x)" labels.
    pub target: String,
    pub title: Option<String>,
    pub options: DataPlotOptions,
    /// Legend names of the two point sets (default "training data", "held-out data").
    pub point_names: (String, String),
}

impl<'a> DataFigure<'a> {
    /// Labels from the model's column names; no data, truth or title yet.
    pub fn for_model(model: &Model, view: &'a PredictionView) -> DataFigure<'a> {
        let names = &model.spec.x_names;
        let name = |i: usize| names.get(i).cloned().unwrap_or_else(|| format!("x{i}"));
        let x_label = name(view.spec.x_column);
        let y_label = match view.spec.plane_column {
            Some(p) if model.head().is_classifier() => name(p),
            _ => model.spec.y_name.clone(),
        };
        DataFigure {
            view,
            train: None,
            test: None,
            truth: None,
            x_label,
            y_label,
            target: model.spec.y_name.clone(),
            title: None,
            options: DataPlotOptions::default(),
            point_names: ("training data".into(), "held-out data".into()),
        }
    }
}

/// A view over the data: x range of column `x_column`, y range from the 0.5 %–99.5 %
/// quantiles of the target (heavy tails do not squash the plot), other inputs at their
/// median; a probability map over the first two inputs for a two-input (or wider) classifier.
pub fn suggest_view(model: &Model, data: &Dataset, x_column: usize) -> ViewSpec {
    let d = data.n_inputs().max(1);
    let x_column = x_column.min(d - 1);
    let column =
        |j: usize| -> Vec<f64> { data.x_column(j).map(|c| c.to_vec()).unwrap_or_default() };
    let base_inputs: Vec<f64> = (0..d)
        .map(|j| common::quantile(&column(j), 0.5).unwrap_or(0.0))
        .collect();
    let range_of = |values: &[f64], lo_q: f64, hi_q: f64, pad: f64| -> (f64, f64) {
        let lo = common::quantile(values, lo_q).unwrap_or(0.0);
        let hi = common::quantile(values, hi_q).unwrap_or(1.0);
        let r = common::padded(lo, hi, pad);
        (r.start, r.end)
    };
    let xs = column(x_column);
    let x_range = {
        let (lo, hi) = common::min_max(xs.iter().copied()).unwrap_or((0.0, 1.0));
        let r = common::padded(lo, hi, 0.0);
        (r.start, r.end)
    };
    if model.head().is_classifier() && d >= 2 {
        let plane = usize::from(x_column == 0);
        return ViewSpec {
            x_column,
            plane_column: Some(plane),
            base_inputs,
            x_range: range_of(&xs, 0.0, 1.0, 0.05),
            y_range: range_of(&column(plane), 0.0, 1.0, 0.05),
            nx: 200,
            ny: 200,
        };
    }
    let y_range = if model.head().is_classifier() {
        (-0.1, 1.1)
    } else {
        range_of(&data.y().to_vec(), 0.005, 0.995, 0.08)
    };
    ViewSpec {
        x_column,
        plane_column: None,
        base_inputs,
        x_range,
        y_range,
        nx: 240,
        ny: 200,
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &DataFigure<'_>,
    style: &Style,
) -> Result<(), FigureError> {
    let area = common::with_title(root, fig.title.as_deref(), style)?;
    let view = fig.view;
    if view.xs.is_empty() {
        return Err(FigureError::Empty(
            "the prediction view has no x values".into(),
        ));
    }
    let plane = view.spec.plane_column.is_some()
        && view.curves.p1.is_empty()
        && view.curves.mean.is_empty()
        && view.grid.len() == view.xs.len() * view.ys.len();
    if plane {
        draw_plane(&area, fig, style)
    } else if !view.curves.p1.is_empty() {
        draw_bernoulli(&area, fig, style)
    } else if !view.curves.mean.is_empty() {
        draw_regression(&area, fig, style)
    } else {
        Err(FigureError::Empty(
            "the prediction view has no curves".into(),
        ))
    }
}

/// (x, vertical value, target) of up to `max` rows; `vertical` is a column of x, or the
/// target when `None`.
fn points_of(
    data: &Dataset,
    x_column: usize,
    vertical: Option<usize>,
    max: usize,
) -> Vec<(f64, f64, f64)> {
    let d = data.n_inputs();
    if x_column >= d || vertical.is_some_and(|v| v >= d) {
        return Vec::new();
    }
    common::subsample(data.len(), max)
        .into_iter()
        .map(|i| {
            let (x, y) = (data.x(), data.y());
            let v = vertical.map_or(y[i], |c| x[[i, c]]);
            (x[[i, x_column]], v, y[i])
        })
        .collect()
}

fn in_range(p: &(f64, f64, f64), x: &Range<f64>, y: &Range<f64>) -> bool {
    p.0 >= x.start && p.0 <= x.end && p.1 >= y.start && p.1 <= y.end
}

fn point_style(color: RGBColor, alpha: f64, filled: bool) -> ShapeStyle {
    if filled {
        color.mix(alpha).filled()
    } else {
        color.mix(alpha).stroke_width(1)
    }
}

fn draw_points<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    points: &[(f64, f64, f64)],
    radius: i32,
    shape: impl Fn(f64) -> ShapeStyle,
) -> Result<(), FigureError> {
    let (xr, yr) = (chart.x_range(), chart.y_range());
    chart
        .draw_series(
            points
                .iter()
                .filter(|p| in_range(p, &xr, &yr))
                .map(|p| Circle::new((p.0, p.1), radius, shape(p.2))),
        )
        .map_err(draw_error)?;
    Ok(())
}

fn draw_regression<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &DataFigure<'_>,
    style: &Style,
) -> Result<(), FigureError> {
    let view = fig.view;
    let opts = &fig.options;
    let heatmap = opts.heatmap && view.grid.len() == view.xs.len() * view.ys.len();
    let (main, bar) = if heatmap {
        let (m, b) = split_for_colorbar(area, style);
        (m, Some(b))
    } else {
        (area.clone(), None)
    };
    let x_range = view.spec.x_range.0..view.spec.x_range.1;
    let y_range = view.spec.y_range.0..view.spec.y_range.1;
    let mut chart = common::cartesian(&main, style, x_range, y_range, &fig.x_label, &fig.y_label)?;
    if let Some(bar) = bar {
        let (scaled, global_max) = normalize_density(&view.grid, view.xs.len(), opts.heat_norm);
        let map = opts.colormap;
        draw_heatmap(&mut chart, view, &scaled, |t| map.rgb(t))?;
        let (vmax, label) = match opts.heat_norm {
            HeatNorm::Global => (
                global_max as f64,
                format!("p({} | {})", fig.target, fig.x_label),
            ),
            HeatNorm::PerColumn => (
                1.0,
                format!(
                    "p({} | {}) / max over {}",
                    fig.target, fig.x_label, fig.target
                ),
            ),
        };
        draw_colorbar(&bar, style, vmax.max(f64::MIN_POSITIVE), &label, |t| {
            map.rgb(t as f32)
        })?;
    }
    let xs = &view.xs;
    let c = &view.curves;
    if opts.bands && !heatmap {
        draw_band(
            &mut chart,
            xs,
            &c.q025,
            &c.q975,
            style::BAND_COLOR.mix(0.14),
        )?;
        draw_band(&mut chart, xs, &c.q16, &c.q84, style::BAND_COLOR.mix(0.26))?;
    }
    let radius = style.px(1.1).max(1.0) as i32;
    let (train_color, test_color) = if heatmap {
        (colors::WHITE, colors::ORANGE)
    } else {
        (style::TRAIN_COLOR, style::TEST_COLOR)
    };
    let mut legend_points = Vec::new();
    if opts.points {
        for (data, color, name) in [
            (fig.train, train_color, fig.point_names.0.as_str()),
            (fig.test, test_color, fig.point_names.1.as_str()),
        ] {
            if let Some(data) = data {
                let pts = points_of(data, view.spec.x_column, None, opts.max_points);
                let alpha = if pts.len() > 5_000 { 0.25 } else { 0.45 };
                draw_points(&mut chart, &pts, radius, |_| {
                    point_style(color, alpha, true)
                })?;
                legend_points.push((name, color));
            }
        }
    }
    for (name, color) in legend_points {
        legend_entry(&mut chart, name, dot_glyph(style, color.mix(0.8), true))?;
    }
    if opts.bands && !heatmap {
        legend_entry(
            &mut chart,
            "68 % interval",
            band_glyph(style, style::BAND_COLOR.mix(0.4)),
        )?;
        legend_entry(
            &mut chart,
            "95 % interval",
            band_glyph(style, style::BAND_COLOR.mix(0.14)),
        )?;
    }
    let width = style.line_px();
    let halo = ShapeStyle::from(&colors::WHITE.mix(0.9)).stroke_width(width + style.px_u32(1.2));
    let mut curves: Vec<(&str, &Vec<f64>, RGBColor)> = Vec::new();
    if opts.mean {
        curves.push(("mean", &c.mean, style::MEAN_COLOR));
    }
    if opts.median {
        curves.push(("median", &c.median, style::MEDIAN_COLOR));
    }
    if opts.mode {
        curves.push(("mode", &c.mode, style::MODE_COLOR));
    }
    // True curves first (dashed), so the model's curves stay on top.
    let truth = fig.truth.filter(|_| opts.truth);
    if let Some(truth) = truth {
        let row = |x: f64| {
            let mut r = view.spec.base_inputs.clone();
            if r.len() <= view.spec.x_column {
                r.resize(view.spec.x_column + 1, 0.0);
            }
            r[view.spec.x_column] = x;
            r
        };
        let dash = Some((style.px(4.0), style.px(3.0)));
        for (name, _, color) in &curves {
            let stroke = ShapeStyle::from(color).stroke_width(width);
            match *name {
                "mean" | "median" => {
                    let pts: Vec<(f64, f64)> = xs
                        .iter()
                        .map(|&x| {
                            let r = row(x);
                            (
                                x,
                                if *name == "mean" {
                                    truth.mean(&r)
                                } else {
                                    truth.median(&r)
                                },
                            )
                        })
                        .collect();
                    if heatmap {
                        draw_line(&mut chart, &pts, halo, dash)?;
                    }
                    draw_line(&mut chart, &pts, stroke, dash)?;
                }
                _ => {
                    // Modes can be several per x (bimodal data): small dots.
                    let yr = chart.y_range();
                    let dots: Vec<(f64, f64)> = xs
                        .iter()
                        .step_by(2)
                        .flat_map(|&x| truth.modes(&row(x)).into_iter().map(move |m| (x, m)))
                        .filter(|p| p.1 >= yr.start && p.1 <= yr.end)
                        .collect();
                    let r = style.px(1.3).max(1.0) as i32;
                    chart
                        .draw_series(dots.iter().map(|&p| Circle::new(p, r, color.filled())))
                        .map_err(draw_error)?;
                }
            }
        }
    }
    for (name, values, color) in &curves {
        let pts: Vec<(f64, f64)> = xs.iter().copied().zip(values.iter().copied()).collect();
        if heatmap {
            draw_line(&mut chart, &pts, halo, None)?;
        }
        draw_line(
            &mut chart,
            &pts,
            ShapeStyle::from(color).stroke_width(width),
            None,
        )?;
        legend_entry(&mut chart, name, line_glyph(style, *color, width))?;
    }
    if truth.is_some() && !curves.is_empty() {
        let len = style.px(14.0) as i32;
        let stroke = ShapeStyle::from(&colors::BLACK).stroke_width(width);
        legend_entry(&mut chart, "true curves (dashed)", move |(x, y)| {
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (len * 2 / 5, 0)], stroke)
                + PathElement::new(vec![(len * 3 / 5, 0), (len, 0)], stroke)
        })?;
    }
    common::legend(&mut chart, style, opts.legend)
}

fn draw_bernoulli<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &DataFigure<'_>,
    style: &Style,
) -> Result<(), FigureError> {
    let view = fig.view;
    let opts = &fig.options;
    let x_range = view.spec.x_range.0..view.spec.x_range.1;
    let y_label = format!("p({} = 1 | {})", fig.target, fig.x_label);
    let mut chart = common::cartesian(area, style, x_range, -0.1..1.1, &fig.x_label, &y_label)?;
    let radius = style.px(1.3).max(1.0) as i32;
    if opts.points {
        for (data, color, name, offset) in [
            (
                fig.train,
                style::TRAIN_COLOR,
                fig.point_names.0.as_str(),
                -0.025,
            ),
            (
                fig.test,
                style::TEST_COLOR,
                fig.point_names.1.as_str(),
                0.025,
            ),
        ] {
            if let Some(data) = data {
                // Train slightly below and held-out slightly above each class value, with a
                // small deterministic jitter so that stacked points stay visible.
                let pts: Vec<(f64, f64, f64)> =
                    points_of(data, view.spec.x_column, None, opts.max_points)
                        .into_iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let jitter = ((i * 7919) % 101) as f64 / 100.0 - 0.5;
                            (p.0, p.1 + offset + 0.03 * jitter, p.2)
                        })
                        .collect();
                draw_points(&mut chart, &pts, radius, |_| point_style(color, 0.4, true))?;
                legend_entry(
                    &mut chart,
                    &format!("{name} ({} = 0 or 1)", fig.y_label),
                    dot_glyph(style, color.mix(0.8), true),
                )?;
            }
        }
    }
    let width = style.line_px();
    if let Some(truth) = fig.truth.filter(|t| opts.truth && t.is_discrete()) {
        let pts: Vec<(f64, f64)> = view
            .xs
            .iter()
            .map(|&x| {
                let mut r = view.spec.base_inputs.clone();
                r.resize(r.len().max(view.spec.x_column + 1), 0.0);
                r[view.spec.x_column] = x;
                (x, truth.log_pdf(&r, 1.0).exp())
            })
            .collect();
        draw_line(
            &mut chart,
            &pts,
            ShapeStyle::from(&colors::BLACK).stroke_width(width),
            Some((style.px(4.0), style.px(3.0))),
        )?;
        legend_entry(
            &mut chart,
            "true p(y = 1 | x)",
            line_glyph(style, colors::BLACK, style.thin_px()),
        )?;
    }
    let pts: Vec<(f64, f64)> = view
        .xs
        .iter()
        .copied()
        .zip(view.curves.p1.iter().copied())
        .collect();
    draw_line(
        &mut chart,
        &pts,
        ShapeStyle::from(&style::MEAN_COLOR).stroke_width(width),
        None,
    )?;
    legend_entry(
        &mut chart,
        &y_label,
        line_glyph(style, style::MEAN_COLOR, width),
    )?;
    common::legend(&mut chart, style, opts.legend)
}

fn draw_plane<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &DataFigure<'_>,
    style: &Style,
) -> Result<(), FigureError> {
    let view = fig.view;
    let opts = &fig.options;
    let (main, bar) = split_for_colorbar(area, style);
    let x_range = view.spec.x_range.0..view.spec.x_range.1;
    let y_range = view.spec.y_range.0..view.spec.y_range.1;
    let mut chart = common::cartesian(&main, style, x_range, y_range, &fig.x_label, &fig.y_label)?;
    draw_heatmap(&mut chart, view, &view.grid, probability_rgb)?;
    draw_colorbar(
        &bar,
        style,
        1.0,
        &format!("p({} = 1 | inputs)", fig.target),
        |p| probability_rgb(p as f32),
    )?;
    let radius = style.px(1.8).max(1.5) as i32;
    let plane = view.spec.plane_column;
    if opts.points {
        for (data, filled, name) in [
            (fig.train, true, fig.point_names.0.as_str()),
            (fig.test, false, fig.point_names.1.as_str()),
        ] {
            if let Some(data) = data {
                let pts = points_of(data, view.spec.x_column, plane, opts.max_points);
                draw_points(&mut chart, &pts, radius, |label| {
                    let color = if label >= 0.5 {
                        style::CLASS1_COLOR
                    } else {
                        style::CLASS0_COLOR
                    };
                    point_style(color, 0.9, filled)
                })?;
                if filled {
                    // A dark rim keeps filled points visible on the same-coloured region.
                    draw_points(&mut chart, &pts, radius, |_| {
                        colors::BLACK.mix(0.55).stroke_width(1)
                    })?;
                }
                for (class, color) in [(0, style::CLASS0_COLOR), (1, style::CLASS1_COLOR)] {
                    legend_entry(
                        &mut chart,
                        &format!("{name}, {} = {class}", fig.target),
                        dot_glyph(style, color.mix(0.9), filled),
                    )?;
                }
            }
        }
    }
    common::legend(&mut chart, style, opts.legend)
}

#[cfg(test)]
#[path = "data_plot_tests.rs"]
mod tests;
