//! Loss curves of one run.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::FigureError;
use super::common::{self, LegendPosition, draw_line, legend_entry, line_glyph};
use super::style::{Style, colors};
use crate::nn::EpochRecord;

#[derive(Debug, Clone)]
pub struct LossFigure<'a> {
    pub history: &'a [EpochRecord],
    /// The best achievable NLL (the data's conditional entropy), when known.
    pub best_nll: Option<f64>,
    pub title: Option<String>,
    pub legend: LegendPosition,
}

impl<'a> LossFigure<'a> {
    pub fn new(history: &'a [EpochRecord]) -> Self {
        LossFigure {
            history,
            best_nll: None,
            title: None,
            legend: LegendPosition::UpperRight,
        }
    }
}

/// y range covering `values` (and `extra`), padded; robust to one huge first epoch: the top
/// is at most 3 × the spread of the later values above their maximum.
pub(super) fn loss_range(values: &[f64], extra: Option<f64>) -> std::ops::Range<f64> {
    let all = values.iter().copied().chain(extra);
    let (lo, hi) = common::min_max(all).unwrap_or((0.0, 1.0));
    let later: Vec<f64> = values.iter().copied().skip(values.len() / 5 + 1).collect();
    let hi = match common::min_max(later.iter().copied().chain(extra)) {
        Some((l_lo, l_hi)) if later.len() >= 3 => hi.min(l_hi + 3.0 * (l_hi - l_lo).max(1e-3)),
        _ => hi,
    };
    common::padded(lo, hi, 0.06)
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &LossFigure<'_>,
    style: &Style,
) -> Result<(), FigureError> {
    if fig.history.is_empty() {
        return Err(FigureError::Empty("the run has no epochs".into()));
    }
    let area = common::with_title(root, fig.title.as_deref(), style)?;
    let train: Vec<(f64, f64)> = fig
        .history
        .iter()
        .map(|r| (r.epoch as f64, r.train_nll))
        .collect();
    let test: Vec<(f64, f64)> = fig
        .history
        .iter()
        .filter_map(|r| r.test_nll.map(|v| (r.epoch as f64, v)))
        .collect();
    let values: Vec<f64> = train.iter().chain(&test).map(|p| p.1).collect();
    let last = fig.history.iter().map(|r| r.epoch).max().unwrap_or(1) as f64;
    let first = fig.history.iter().map(|r| r.epoch).min().unwrap_or(1) as f64;
    let x = if last > first {
        (first - 0.3)..(last + 0.3)
    } else {
        (first - 1.0)..(first + 1.0)
    };
    let mut chart = common::cartesian_with(
        &area,
        style,
        x,
        loss_range(&values, fig.best_nll),
        "epoch",
        "NLL (nats)",
        true,
    )?;
    let width = style.line_px();
    let radius = style.px(2.2).max(2.0) as i32;
    let xr = chart.x_range();
    if let Some(best) = fig.best_nll {
        draw_line(
            &mut chart,
            &[(xr.start, best), (xr.end, best)],
            colors::BLACK.stroke_width(style.thin_px()),
            Some((style.px(4.0), style.px(2.5))),
        )?;
        legend_entry(
            &mut chart,
            &format!("best achievable {best:.4}"),
            line_glyph(style, colors::BLACK, style.thin_px()),
        )?;
    }
    for (name, pts, color) in [
        ("training (mean over the epoch)", &train, colors::GREY),
        ("held-out", &test, colors::BLUE),
    ] {
        if pts.is_empty() {
            continue;
        }
        common::draw_epoch_curve(&mut chart, style, name, pts, color, (width, radius))?;
    }
    common::legend(&mut chart, style, fig.legend)
}

#[cfg(test)]
mod tests {
    use super::super::Figure;
    use super::super::test_support::{check_both, maybe_save_sample, trained};
    use super::*;
    use crate::nn::Head;

    #[test]
    fn loss_curves_render_with_best_line() {
        let f = trained("heteroscedastic", Head::Normal, 1000, 8);
        let mut fig = LossFigure::new(&f.history);
        fig.best_nll = f.truth.as_ref().map(|t| t.mean_nll(&f.test));
        let svg = check_both(
            &Figure::Loss(fig.clone()),
            &["epoch", "NLL (nats)", "held-out", "best achievable"],
        );
        assert!(svg.contains("training (mean over the epoch)"));
        maybe_save_sample(&Figure::Loss(fig), "loss");
        let empty = LossFigure::new(&[]);
        let err = super::super::render_figure(
            &Figure::Loss(empty),
            super::super::ImageFormat::Png,
            &super::super::RenderOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("no epochs"), "{err}");
    }

    #[test]
    fn a_huge_first_epoch_does_not_flatten_the_rest() {
        let values = [50.0, 2.0, 1.5, 1.4, 1.35, 1.33, 1.32];
        let r = loss_range(&values, None);
        assert!(r.end < 10.0 && r.start < 1.32, "{r:?}");
    }
}
