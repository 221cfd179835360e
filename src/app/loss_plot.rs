//! The loss plot: train and held-out NLL per epoch, the smoothed per-step batch loss, the best
//! achievable NLL for presets, and the curves of runs ticked in the runs table.

use egui::{Color32, Ui};
use egui_plot::{Corner, HLine, Legend, Line, LineStyle, MarkerShape, Plot, PlotPoints, Points};

use super::WorkbenchApp;
use super::widgets::fmt_num;

const TRAIN: Color32 = Color32::from_rgb(90, 170, 255);
const TEST: Color32 = Color32::from_rgb(255, 150, 60);
const STEP: Color32 = Color32::from_rgba_premultiplied(110, 110, 140, 160);
/// At most this many points of the per-step curve are drawn.
const MAX_STEP_POINTS: usize = 2_000;

pub fn loss_plot_ui(ui: &mut Ui, app: &mut WorkbenchApp) {
    let session = &app.session;
    ui.horizontal(|ui| {
        ui.strong("Loss (NLL, nats per sample)");
        ui.checkbox(&mut app.settings.view.show_step_losses, "per-step");
        if let Some(last) = session.history.last() {
            let mut text = format!("epoch {}: train {}", last.epoch, fmt_num(last.train_nll));
            if let Some(t) = last.test_nll {
                text.push_str(&format!(", held-out {}", fmt_num(t)));
            }
            if let Some(a) = last.test_accuracy {
                text.push_str(&format!(", accuracy {:.1} %", a * 100.0));
            }
            ui.label(text);
        } else if let Some(last) = session.smoothed.last() {
            ui.label(format!("batch loss {}", fmt_num(last[1])));
        }
        if let Some(best) = app.best_nll {
            ui.label(egui::RichText::new(format!("best achievable {best:.4}")).weak());
        }
    });
    let show_steps = app.settings.view.show_step_losses;
    let smoothed = &session.smoothed;
    let history = &session.history;
    let runs = &app.settings.runs;
    let best = app.best_nll;
    // Keep the first steps (often huge) from squashing the picture: the y range covers the
    // epoch values and the smoothed curve after its first 5 %.
    let mut y_max = f64::NEG_INFINITY;
    let mut y_min = f64::INFINITY;
    for r in history {
        y_max = y_max.max(r.train_nll);
        y_min = y_min.min(r.train_nll);
        if let Some(t) = r.test_nll {
            y_max = y_max.max(t);
            y_min = y_min.min(t);
        }
    }
    if show_steps {
        for p in smoothed.iter().skip(smoothed.len() / 20) {
            y_max = y_max.max(p[1]);
            y_min = y_min.min(p[1]);
        }
    }
    if let Some(b) = best {
        y_min = y_min.min(b);
    }
    Plot::new("loss plot")
        .legend(Legend::default().position(Corner::RightTop))
        .x_axis_label("epoch")
        .y_axis_label("NLL")
        .allow_scroll(false)
        .show(ui, |plot_ui| {
            if y_min.is_finite()
                && y_max.is_finite()
                && y_max > y_min
                && history.len() + smoothed.len() > 1
            {
                let pad = 0.08 * (y_max - y_min);
                let bounds = plot_ui.plot_bounds();
                if plot_ui.auto_bounds().y {
                    plot_ui.set_plot_bounds_y(y_min - pad..=y_max + pad);
                    plot_ui.set_auto_bounds([true, true]);
                } else {
                    let _ = bounds;
                }
            }
            if show_steps && !smoothed.is_empty() {
                let step = smoothed.len().div_ceil(MAX_STEP_POINTS).max(1);
                let pts: Vec<[f64; 2]> = smoothed.iter().step_by(step).copied().collect();
                plot_ui.line(
                    Line::new("batch loss (smoothed)", PlotPoints::new(pts))
                        .color(STEP)
                        .width(1.0),
                );
            }
            if !history.is_empty() {
                let train: Vec<[f64; 2]> = history
                    .iter()
                    .map(|r| [r.epoch as f64, r.train_nll])
                    .collect();
                plot_ui.line(
                    Line::new("train NLL", PlotPoints::new(train.clone()))
                        .color(TRAIN)
                        .width(2.0),
                );
                plot_ui.points(
                    Points::new("train NLL", train)
                        .color(TRAIN)
                        .radius(3.0)
                        .shape(MarkerShape::Circle),
                );
                let test: Vec<[f64; 2]> = history
                    .iter()
                    .filter_map(|r| r.test_nll.map(|t| [r.epoch as f64, t]))
                    .collect();
                if !test.is_empty() {
                    plot_ui.line(
                        Line::new("held-out NLL", PlotPoints::new(test.clone()))
                            .color(TEST)
                            .width(2.0),
                    );
                    plot_ui.points(Points::new("held-out NLL", test).color(TEST).radius(3.0));
                }
            }
            for run in runs.iter().filter(|r| r.overlay) {
                let train: Vec<[f64; 2]> = run
                    .history
                    .iter()
                    .map(|(e, t, _)| [*e as f64, *t])
                    .collect();
                let test: Vec<[f64; 2]> = run
                    .history
                    .iter()
                    .filter_map(|(e, _, t)| t.map(|t| [*e as f64, t]))
                    .collect();
                let color = run_color(run.id);
                plot_ui.line(
                    Line::new(format!("run {} train", run.id), PlotPoints::new(train))
                        .color(color)
                        .style(LineStyle::Dashed { length: 5.0 }),
                );
                if !test.is_empty() {
                    plot_ui.line(
                        Line::new(format!("run {} held-out", run.id), PlotPoints::new(test))
                            .color(color),
                    );
                }
            }
            if let Some(b) = best {
                plot_ui.hline(
                    HLine::new("best achievable", b)
                        .color(Color32::from_rgb(120, 220, 120))
                        .style(LineStyle::dashed_loose()),
                );
            }
        });
}

/// A distinct colour per run id.
pub fn run_color(id: u64) -> Color32 {
    let h = (id as f32 * 0.618_034).fract();
    egui::ecolor::Hsva::new(h, 0.6, 0.9, 1.0).into()
}
