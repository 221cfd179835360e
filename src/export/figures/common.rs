//! Helpers shared by the figure kinds: error mapping, axes, legends, ranges, subsampling.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::FigureError;
use super::style::{Style, colors};

pub type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

pub fn draw_error<E: std::fmt::Display>(e: E) -> FigureError {
    FigureError::Draw(e.to_string())
}

/// Indices of at most `max` rows out of `n`, evenly strided (deterministic).
pub fn subsample(n: usize, max: usize) -> Vec<usize> {
    if n <= max || max == 0 {
        return (0..n).collect();
    }
    (0..max).map(|i| i * n / max).collect()
}

/// `lo..hi` widened by `pad` of its width on both sides (and made non-empty).
pub fn padded(lo: f64, hi: f64, pad: f64) -> Range<f64> {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() && lo <= hi {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let width = if hi > lo {
        hi - lo
    } else {
        lo.abs().max(1.0) * 0.1
    };
    (lo - pad * width)..(hi + pad * width)
}

/// Finite min and max of values.
pub fn min_max(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// The q-quantile of finite values (nearest rank), if any.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    Some(v[i])
}

/// Splits off a title strip at the top when there is a title.
pub fn with_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: Option<&str>,
    style: &Style,
) -> Result<DrawingArea<DB, Shift>, FigureError> {
    match title {
        Some(t) if !t.is_empty() => root.titled(t, style.title_font()).map_err(draw_error),
        _ => Ok(root.clone()),
    }
}

/// A Cartesian chart with ticks, a light grid and axis titles, in the house style.
pub fn cartesian<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    style: &Style,
    x: Range<f64>,
    y: Range<f64>,
    x_desc: &str,
    y_desc: &str,
) -> Result<Chart<'a, DB>, FigureError> {
    cartesian_with(area, style, x, y, x_desc, y_desc, false)
}

fn integer_label(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        String::new()
    }
}

/// [`cartesian`] with whole-number x tick labels when `integer_x` (epochs).
pub fn cartesian_with<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    style: &Style,
    x: Range<f64>,
    y: Range<f64>,
    x_desc: &str,
    y_desc: &str,
    integer_x: bool,
) -> Result<Chart<'a, DB>, FigureError> {
    let tick = style.px(8.5);
    let label = style.px(10.0);
    let mut chart = ChartBuilder::on(area)
        .margin_top(style.px(8.0) as u32)
        .margin_right(style.px(12.0) as u32)
        .margin_left(style.px(4.0) as u32)
        .margin_bottom(style.px(4.0) as u32)
        .x_label_area_size((tick * 1.2 + label * 1.2 + style.px(10.0)) as u32)
        .y_label_area_size((tick * 3.6 + label * 1.2 + style.px(10.0)) as u32)
        .build_cartesian_2d(x, y)
        .map_err(draw_error)?;
    let mut mesh = chart.configure_mesh();
    if integer_x {
        mesh.x_label_formatter(&integer_label);
    }
    mesh.x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(8)
        .y_labels(7)
        .max_light_lines(0)
        .bold_line_style(ShapeStyle::from(&colors::LIGHT_GREY).stroke_width(style.thin_px()))
        .label_style(style.tick_font())
        .axis_desc_style(style.label_font())
        .axis_style(ShapeStyle::from(&colors::BLACK).stroke_width(style.thin_px()))
        .set_all_tick_mark_size(style.px(3.0) as u32)
        .draw()
        .map_err(draw_error)?;
    Ok(chart)
}

/// Draws the legend box.
pub fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    style: &Style,
    position: LegendPosition,
) -> Result<(), FigureError> {
    let Some(position) = position.to_plotters() else {
        return Ok(());
    };
    chart
        .configure_series_labels()
        .position(position)
        .margin(style.px(6.0) as u32)
        .legend_area_size(style.px(18.0) as u32)
        .label_font(style.legend_font())
        .background_style(WHITE.mix(0.88))
        .border_style(ShapeStyle::from(&colors::GREY).stroke_width(1))
        .draw()
        .map_err(draw_error)
}

/// Adds a legend entry without drawing anything.
pub fn legend_entry<'a, DB, E, F>(
    chart: &mut Chart<'a, DB>,
    label: &str,
    glyph: F,
) -> Result<(), FigureError>
where
    DB: DrawingBackend + 'a,
    E: IntoDynElement<'a, DB, (i32, i32)> + 'a,
    F: Fn((i32, i32)) -> E + 'a,
{
    chart
        .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
        .map_err(draw_error)?
        .label(label)
        .legend(glyph);
    Ok(())
}

/// Where the legend box goes inside the plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum LegendPosition {
    #[default]
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
    /// No legend.
    Hidden,
}

impl LegendPosition {
    pub fn to_plotters(self) -> Option<SeriesLabelPosition> {
        match self {
            LegendPosition::UpperLeft => Some(SeriesLabelPosition::UpperLeft),
            LegendPosition::UpperRight => Some(SeriesLabelPosition::UpperRight),
            LegendPosition::LowerLeft => Some(SeriesLabelPosition::LowerLeft),
            LegendPosition::LowerRight => Some(SeriesLabelPosition::LowerRight),
            LegendPosition::Hidden => None,
        }
    }
}

/// Legend glyph for a line of `color` and width `width` px.
pub fn line_glyph(
    style: &Style,
    color: RGBColor,
    width: u32,
) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    let len = style.px(14.0) as i32;
    move |(x, y)| PathElement::new(vec![(x, y), (x + len, y)], color.stroke_width(width))
}

/// Legend glyph for a filled band.
pub fn band_glyph(style: &Style, color: RGBAColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    let (len, h) = (style.px(14.0) as i32, style.px(3.5) as i32);
    move |(x, y)| Rectangle::new([(x, y - h), (x + len, y + h)], color.filled())
}

/// Legend glyph for a marker.
pub fn dot_glyph(
    style: &Style,
    color: RGBAColor,
    filled: bool,
) -> impl Fn((i32, i32)) -> Circle<(i32, i32), i32> {
    let r = style.px(2.5) as i32;
    let len = style.px(7.0) as i32;
    move |(x, y)| {
        let s = if filled {
            color.filled()
        } else {
            color.stroke_width(2)
        };
        Circle::new((x + len, y), r.max(2), s)
    }
}

/// Splits a polyline into the pieces inside `y` (cutting where it leaves and re-enters,
/// interpolated to the boundary), dropping non-finite points: plotters does not clip.
pub fn clip_polyline(points: &[(f64, f64)], y: &Range<f64>) -> Vec<Vec<(f64, f64)>> {
    let inside = |p: &(f64, f64)| p.0.is_finite() && p.1 >= y.start && p.1 <= y.end;
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| points[j]);
        let crossing = |a: (f64, f64), b: (f64, f64)| -> Option<(f64, f64)> {
            if !(a.1.is_finite() && b.1.is_finite()) || a.1 == b.1 {
                return None;
            }
            let edge = if a.1.max(b.1) > y.end { y.end } else { y.start };
            let t = (edge - a.1) / (b.1 - a.1);
            (0.0..=1.0)
                .contains(&t)
                .then_some((a.0 + t * (b.0 - a.0), edge))
        };
        if inside(p) {
            if current.is_empty()
                && let Some(a) = prev
                && let Some(c) = crossing(a, *p)
            {
                current.push(c);
            }
            current.push(*p);
        } else {
            if !current.is_empty() {
                if let Some(a) = prev
                    && let Some(c) = crossing(a, *p)
                {
                    current.push(c);
                }
                pieces.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces.retain(|p| p.len() > 1);
    pieces
}

/// Dashes along a polyline: `to_px` maps a point to pixels; segments are subdivided to at
/// most 2 px and kept when their midpoint's arc length falls in the "on" part of the period,
/// so steep and flat parts get the same dash length. Returns pieces in data coordinates.
pub fn dashed(
    points: &[(f64, f64)],
    to_px: impl Fn((f64, f64)) -> (f64, f64),
    on_px: f64,
    off_px: f64,
) -> Vec<Vec<(f64, f64)>> {
    let period = on_px + off_px.max(0.0);
    if points.len() < 2 || on_px <= 0.0 || period <= 0.0 {
        return vec![points.to_vec()];
    }
    let mut out = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let mut arc = 0.0;
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (pa, pb) = (to_px(a), to_px(b));
        let len = (pb.0 - pa.0).hypot(pb.1 - pa.1);
        let pieces = ((len / 2.0).ceil() as usize).clamp(1, 10_000);
        for k in 0..pieces {
            let (f0, f1) = (k as f64 / pieces as f64, (k + 1) as f64 / pieces as f64);
            let lerp = |f: f64| (a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1));
            let step = len / pieces as f64;
            let on = (arc + 0.5 * step) % period < on_px;
            arc += step;
            if on {
                if current.is_empty() {
                    current.push(lerp(f0));
                }
                current.push(lerp(f1));
            } else if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        }
    }
    if current.len() > 1 {
        out.push(current);
    }
    out
}

/// Draws a clipped line, solid or dashed (`dash = Some((on_px, off_px))`).
/// A per-epoch curve: the line, a marker on every point inside the y range, and a legend
/// entry ending with the last value.
pub fn draw_epoch_curve<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    style: &'a Style,
    label: &str,
    points: &[(f64, f64)],
    color: RGBColor,
    (width, radius): (u32, i32),
) -> Result<(), FigureError> {
    draw_line(chart, points, color.stroke_width(width), None)?;
    let y = chart.y_range();
    chart
        .draw_series(
            points
                .iter()
                .filter(|p| p.1 >= y.start && p.1 <= y.end)
                .map(|&p| Circle::new(p, radius, color.filled())),
        )
        .map_err(draw_error)?;
    let final_value = points.last().map_or(f64::NAN, |p| p.1);
    legend_entry(
        chart,
        &format!("{label}: {final_value:.4}"),
        line_glyph(style, color, width),
    )
}

pub fn draw_line<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    points: &[(f64, f64)],
    style: ShapeStyle,
    dash: Option<(f64, f64)>,
) -> Result<(), FigureError> {
    let y = chart.y_range();
    let mut pieces = clip_polyline(points, &y);
    if let Some((on, off)) = dash {
        let to_px = |p: (f64, f64)| {
            let (u, v) = chart.backend_coord(&p);
            (u as f64, v as f64)
        };
        pieces = pieces
            .iter()
            .flat_map(|p| dashed(p, to_px, on, off))
            .collect();
    }
    chart
        .draw_series(pieces.into_iter().map(|p| PathElement::new(p, style)))
        .map_err(draw_error)?;
    Ok(())
}

/// Fills between `lower` and `upper` (same xs), clamped to the chart's y range.
pub fn draw_band<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    xs: &[f64],
    lower: &[f64],
    upper: &[f64],
    color: RGBAColor,
) -> Result<(), FigureError> {
    let y = chart.y_range();
    let clamp = |v: f64| {
        if v.is_finite() {
            v.clamp(y.start, y.end)
        } else {
            y.start
        }
    };
    let mut polygon: Vec<(f64, f64)> = xs.iter().zip(upper).map(|(&x, &u)| (x, clamp(u))).collect();
    polygon.extend(xs.iter().zip(lower).rev().map(|(&x, &l)| (x, clamp(l))));
    if polygon.len() < 3 {
        return Ok(());
    }
    chart
        .draw_series(std::iter::once(Polygon::new(polygon, color.filled())))
        .map_err(draw_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsample_is_deterministic_and_bounded() {
        assert_eq!(subsample(5, 10), vec![0, 1, 2, 3, 4]);
        let s = subsample(100_000, 20_000);
        assert_eq!(s.len(), 20_000);
        assert_eq!(s[1], 5);
        assert_eq!(s, subsample(100_000, 20_000));
    }

    #[test]
    fn polylines_are_clipped_at_the_boundary() {
        let pts = [(0.0, 0.0), (1.0, 2.0), (2.0, 0.0), (3.0, 0.5)];
        let pieces = clip_polyline(&pts, &(-1.0..1.0));
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0], vec![(0.0, 0.0), (0.5, 1.0)]);
        assert_eq!(pieces[1], vec![(1.5, 1.0), (2.0, 0.0), (3.0, 0.5)]);
        assert_eq!(
            clip_polyline(&[(0.0, f64::NAN), (1.0, 0.0)], &(-1.0..1.0)).len(),
            0
        );
    }
}
