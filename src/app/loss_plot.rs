//! The loss plot: train and held-out NLL per epoch, the smoothed per-step batch loss, the best
//! achievable NLL for presets, and the curves of runs ticked in the runs table.

use egui::{Color32, Ui};
use egui_plot::{Corner, HLine, Line, LineStyle, MarkerShape, Plot, PlotPoints, Points};

use super::run_columns::distinguishing_label;
use super::state::{RunEntry, Session, ViewSettings};
use super::widgets::fmt_num;

const TRAIN: Color32 = Color32::from_rgb(90, 170, 255);
const TEST: Color32 = Color32::from_rgb(255, 150, 60);
const STEP: Color32 = Color32::from_rgba_premultiplied(110, 110, 140, 160);
/// At most this many points of the per-step curve are drawn.
const MAX_STEP_POINTS: usize = 2_000;

/// `hidden`: the session's run belongs to other data, so its curves are not drawn against
/// these data's best achievable NLL.
pub fn loss_plot_ui(
    ui: &mut Ui,
    session: &Session,
    hidden: Option<&str>,
    runs: &[RunEntry],
    view: &mut ViewSettings,
    best_nll: Option<f64>,
) {
    let (history, smoothed): (&[_], &[[f64; 2]]) = match hidden {
        Some(_) => (&[], &[]),
        None => (&session.history, &session.smoothed),
    };
    // Wrapped: a long status must not widen the panel under its neighbours.
    ui.horizontal_wrapped(|ui| {
        ui.strong("Loss (NLL, nats per sample)");
        ui.checkbox(&mut view.show_step_losses, "per-step");
        if hidden.is_some() {
            ui.label(
                egui::RichText::new(format!(
                    "the curves of {} are hidden: other data",
                    session.run_name
                ))
                .weak(),
            );
        } else if let Some(last) = history.last() {
            let mut text = format!("epoch {}: train {}", last.epoch, fmt_num(last.train_nll));
            if let Some(t) = last.test_nll {
                text.push_str(&format!(", held-out {}", fmt_num(t)));
            }
            if let Some(a) = last.test_accuracy {
                text.push_str(&format!(", accuracy {:.1} %", a * 100.0));
            }
            ui.label(text);
        } else if let Some(last) = smoothed.last() {
            ui.label(format!("batch loss {}", fmt_num(last[1])));
        }
        if let Some(best) = best_nll {
            ui.label(egui::RichText::new(format!("best achievable {best:.4}")).weak());
        }
    });
    let show_steps = view.show_step_losses;
    let best = best_nll;
    // Keep the first steps (often huge) from squashing the picture: the y range covers the
    // epoch values, the overlaid runs and the smoothed curve after its first 10 %.
    let mut values: Vec<f64> = Vec::new();
    for r in history {
        values.push(r.train_nll);
        values.extend(r.test_nll);
    }
    if show_steps {
        values.extend(smoothed.iter().skip(smoothed.len() / 10).map(|p| p[1]));
    }
    for run in runs.iter().filter(|r| r.overlay) {
        for r in &run.summary.history {
            values.push(r.train_nll);
            values.extend(r.test_nll);
        }
    }
    values.extend(best);
    values.retain(|v| v.is_finite());
    let y_min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let y_max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let x_max = history
        .iter()
        .map(|r| r.epoch as f64)
        .chain(smoothed.last().map(|p| p[0]))
        .chain(
            runs.iter()
                .filter(|r| r.overlay)
                .map(|r| r.summary.epochs_run as f64),
        )
        .fold(1.0, f64::max);
    Plot::new("loss plot")
        .legend(super::widgets::legend(Corner::RightTop))
        .custom_x_axes(super::widgets::x_axis("epoch"))
        // A loss curve spans a few hundredths of a nat: powers of ten alone label it once.
        .custom_y_axes(super::widgets::fives_y_axis("NLL"))
        .y_grid_spacer(super::widgets::fives_grid_spacer())
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_boxed_zoom(false)
        .show(ui, |plot_ui| {
            if y_min.is_finite() && y_max.is_finite() {
                let pad = (0.08 * (y_max - y_min)).max(0.01);
                plot_ui.set_plot_bounds(egui_plot::PlotBounds::from_min_max(
                    [-0.02 * x_max, y_min - pad],
                    [x_max * 1.02, y_max + pad],
                ));
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
                let history = &run.summary.history;
                let train: Vec<[f64; 2]> = history
                    .iter()
                    .map(|r| [r.epoch as f64, r.train_nll])
                    .collect();
                let test: Vec<[f64; 2]> = history
                    .iter()
                    .filter_map(|r| r.test_nll.map(|t| [r.epoch as f64, t]))
                    .collect();
                let color = run_color(run.id());
                let name = distinguishing_label(run, runs);
                plot_ui.line(
                    Line::new(format!("{name} train"), PlotPoints::new(train))
                        .color(color)
                        .style(LineStyle::Dashed { length: 5.0 }),
                );
                if !test.is_empty() {
                    plot_ui.line(
                        Line::new(format!("{name} held-out"), PlotPoints::new(test)).color(color),
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
