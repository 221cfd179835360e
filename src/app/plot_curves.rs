//! The main plot's curves: mean, median and mode (the mode broken where it jumps between
//! components), bands or interval lines, component means, p(y=1|x), and the true curves.

use egui::Color32;
use egui_plot::{FilledArea, Line, LineStyle, PlotPoints, Points};

use crate::nn::{Head, PredictionView};

use super::colormap::{CLASS1, color, with_alpha};
use super::state::ViewSettings;
use crate::palette;

pub const MEAN_COLOR: Color32 = color(palette::MEAN);
pub const MEDIAN_COLOR: Color32 = color(palette::MEDIAN);
pub const MODE_COLOR: Color32 = color(palette::MODE);

/// The true mean, median and mode curves of a preset.
pub(super) struct TruthCurves {
    pub mean: Vec<[f64; 2]>,
    pub median: Vec<[f64; 2]>,
    pub modes: Vec<[f64; 2]>,
}

fn line(name: &str, xs: &[f64], ys: &[f64]) -> Line<'static> {
    let pts: Vec<[f64; 2]> = xs
        .iter()
        .zip(ys)
        .filter(|(_, y)| y.is_finite())
        .map(|(&x, &y)| [x, y])
        .collect();
    Line::new(name, PlotPoints::new(pts))
}

pub(super) fn draw_curves(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    view: &PredictionView,
    head: Head,
    settings: &ViewSettings,
) {
    let c = &view.curves;
    let xs = &view.xs;
    if head.is_classifier() {
        plot_ui.line(line("p(y=1|x)", xs, &c.p1).color(CLASS1).width(2.5));
        return;
    }
    if c.mean.len() != xs.len() {
        return;
    }
    if settings.show_bands {
        if head == Head::Normal {
            let band = |k: f64, sign: f64| -> Vec<f64> {
                c.mean
                    .iter()
                    .zip(&c.std)
                    .map(|(m, s)| m + sign * k * s)
                    .collect()
            };
            plot_ui.add(
                FilledArea::new("±2σ", xs, &band(2.0, -1.0), &band(2.0, 1.0))
                    .fill_color(with_alpha(palette::INTERVAL, 40)),
            );
            plot_ui.add(
                FilledArea::new("±1σ", xs, &band(1.0, -1.0), &band(1.0, 1.0))
                    .fill_color(with_alpha(palette::INTERVAL, 70)),
            );
        } else {
            let style = LineStyle::dotted_dense();
            let color = with_alpha(palette::INTERVAL, 200);
            plot_ui.line(line("68 % interval", xs, &c.q16).color(color).style(style));
            plot_ui.line(line("68 % interval", xs, &c.q84).color(color).style(style));
            let color = with_alpha(palette::INTERVAL, 130);
            let style = LineStyle::dotted_loose();
            plot_ui.line(line("95 % interval", xs, &c.q025).color(color).style(style));
            plot_ui.line(line("95 % interval", xs, &c.q975).color(color).style(style));
        }
    }
    if settings.show_components && !c.components.is_empty() {
        // Component means, brighter for larger weights (four alpha buckets).
        let buckets = [
            (0.02, 0.1, 50u8),
            (0.1, 0.25, 100),
            (0.25, 0.5, 170),
            (0.5, 1.01, 255),
        ];
        for (lo, hi, alpha) in buckets {
            let pts: Vec<[f64; 2]> = xs
                .iter()
                .zip(&c.components)
                .flat_map(|(&x, comps)| {
                    comps
                        .iter()
                        .filter(move |(w, _)| *w >= lo && *w < hi)
                        .map(move |&(_, loc)| [x, loc])
                })
                .collect();
            if !pts.is_empty() {
                plot_ui.points(
                    Points::new("component means", pts)
                        .color(with_alpha(palette::COMPONENT, alpha))
                        .radius(1.5)
                        .allow_hover(false),
                );
            }
        }
    }
    let curves = [
        (settings.show_mean, "mean", &c.mean, MEAN_COLOR),
        (settings.show_median, "median", &c.median, MEDIAN_COLOR),
        (settings.show_mode, "mode", &c.mode, MODE_COLOR),
    ];
    let (y0, y1) = view.spec.y_range;
    let max_jump = MODE_JUMP_FRACTION * (y1 - y0).abs();
    for (show, name, ys, color) in curves {
        if !show {
            continue;
        }
        if name == "mode" {
            // The mode jumps where another component takes over: no vertical connector there.
            for piece in unbroken_pieces(xs, ys, max_jump) {
                plot_ui.line(
                    Line::new(name, PlotPoints::new(piece))
                        .color(color)
                        .width(2.0),
                );
            }
        } else {
            plot_ui.line(line(name, xs, ys).color(color).width(2.0));
        }
    }
}

/// A step of the mode curve larger than this fraction of the y range is a jump.
const MODE_JUMP_FRACTION: f64 = 0.08;

/// The curve cut where neighbouring values differ by more than `max_jump`.
fn unbroken_pieces(xs: &[f64], ys: &[f64], max_jump: f64) -> Vec<Vec<[f64; 2]>> {
    let mut pieces: Vec<Vec<[f64; 2]>> = Vec::new();
    let mut current: Vec<[f64; 2]> = Vec::new();
    for (&x, &y) in xs.iter().zip(ys) {
        if let Some(&[_, last]) = current.last()
            && (y - last).abs() > max_jump
        {
            pieces.push(std::mem::take(&mut current));
        }
        current.push([x, y]);
    }
    pieces.push(current);
    pieces.retain(|p| !p.is_empty());
    pieces
}

pub(super) fn draw_truth(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    truth: &TruthCurves,
    settings: &ViewSettings,
) {
    let style = LineStyle::Dashed { length: 6.0 };
    if settings.show_mean {
        plot_ui.line(
            Line::new("true mean", PlotPoints::new(truth.mean.clone()))
                .color(MEAN_COLOR)
                .style(style)
                .width(1.8),
        );
    }
    if settings.show_median {
        plot_ui.line(
            Line::new("true median", PlotPoints::new(truth.median.clone()))
                .color(MEDIAN_COLOR)
                .style(style)
                .width(1.8),
        );
    }
    if settings.show_mode {
        plot_ui.points(
            Points::new("true mode", truth.modes.clone())
                .color(MODE_COLOR)
                .radius(1.3)
                .allow_hover(false),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::unbroken_pieces;

    #[test]
    fn the_mode_curve_breaks_where_it_jumps() {
        let xs = [0.0, 1.0, 2.0, 3.0, 4.0];
        let ys = [1.0, 1.1, 5.0, 5.1, 5.2];
        let pieces = unbroken_pieces(&xs, &ys, 1.0);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert_eq!(pieces[0], vec![[0.0, 1.0], [1.0, 1.1]]);
        assert_eq!(
            unbroken_pieces(&xs, &ys, 10.0).len(),
            1,
            "small steps stay joined"
        );
    }
}
