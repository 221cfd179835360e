//! Held-out loss curves of several runs.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::FigureError;
use super::common::{self, LegendPosition, draw_line, legend_entry, line_glyph};
use super::style::{Style, colors};
use crate::nn::EpochRecord;

/// One run's curve: its label (e.g. "mixture:16, lr 1e-3") and history.
#[derive(Debug, Clone)]
pub struct RunCurve<'a> {
    pub label: String,
    pub history: &'a [EpochRecord],
}

#[derive(Debug, Clone)]
pub struct RunsFigure<'a> {
    pub runs: Vec<RunCurve<'a>>,
    /// Plot the training loss instead of the held-out loss (also used for runs without one).
    pub train: bool,
    pub best_nll: Option<f64>,
    pub title: Option<String>,
    pub legend: LegendPosition,
}

impl<'a> RunsFigure<'a> {
    pub fn new(runs: Vec<RunCurve<'a>>) -> Self {
        RunsFigure {
            runs,
            train: false,
            best_nll: None,
            title: None,
            legend: LegendPosition::UpperRight,
        }
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &RunsFigure<'_>,
    style: &Style,
) -> Result<(), FigureError> {
    let curves: Vec<(&str, Vec<(f64, f64)>)> = fig
        .runs
        .iter()
        .map(|run| {
            let held_out: Vec<(f64, f64)> = run
                .history
                .iter()
                .filter_map(|r| r.test_nll.map(|v| (r.epoch as f64, v)))
                .collect();
            let pts = if fig.train || held_out.is_empty() {
                run.history
                    .iter()
                    .map(|r| (r.epoch as f64, r.train_nll))
                    .collect()
            } else {
                held_out
            };
            (run.label.as_str(), pts)
        })
        .filter(|(_, pts)| !pts.is_empty())
        .collect();
    if curves.is_empty() {
        return Err(FigureError::Empty("no run has any epoch".into()));
    }
    let area = common::with_title(root, fig.title.as_deref(), style)?;
    let values: Vec<f64> = curves
        .iter()
        .flat_map(|(_, p)| p.iter().map(|q| q.1))
        .collect();
    let (first, last) = common::min_max(curves.iter().flat_map(|(_, p)| p.iter().map(|q| q.0)))
        .unwrap_or((1.0, 1.0));
    let x = if last > first {
        (first - 0.3)..(last + 0.3)
    } else {
        (first - 1.0)..(first + 1.0)
    };
    let y_desc = if fig.train {
        "training NLL (nats)"
    } else {
        "held-out NLL (nats)"
    };
    let mut chart = common::cartesian_with(
        &area,
        style,
        x,
        super::loss::loss_range(&values, fig.best_nll),
        "epoch",
        y_desc,
        true,
    )?;
    let width = style.line_px();
    let radius = style.px(1.8).max(2.0) as i32;
    if let Some(best) = fig.best_nll {
        let xr = chart.x_range();
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
    for (k, (label, pts)) in curves.iter().enumerate() {
        let color = colors::CYCLE[k % colors::CYCLE.len()];
        common::draw_epoch_curve(&mut chart, style, label, pts, color, (width, radius))?;
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
    fn run_comparison_renders_a_legend_per_run() {
        let a = trained("heteroscedastic", Head::Normal, 1000, 6);
        let b = trained("heteroscedastic", Head::Mixture { components: 3 }, 1000, 8);
        let mut fig = RunsFigure::new(vec![
            RunCurve {
                label: "normal".into(),
                history: &a.history,
            },
            RunCurve {
                label: "mixture:3".into(),
                history: &b.history,
            },
        ]);
        fig.best_nll = a.truth.as_ref().map(|t| t.mean_nll(&a.test));
        check_both(
            &Figure::Runs(fig.clone()),
            &["epoch", "held-out NLL (nats)", "normal:", "mixture:3:"],
        );
        maybe_save_sample(&Figure::Runs(fig), "runs");
    }
}
