//! The Diagnostics tab: is the shown model's density right on the held-out rows? The PIT
//! histogram with its 95 % band and the coverage curve (regression heads), or the reliability
//! diagram (the Bernoulli head), with the numbers beside them. Clicking a PIT or reliability
//! bin highlights its rows in the main plot. Beside them, a mixture's components along x with
//! their health warnings (`health_view`). The numbers come from `crate::diagnostics`,
//! computed in the background whenever the shown model changes (live while training).

use std::sync::Arc;

use egui::{Color32, RichText, Ui};
use egui_plot::{Bar, BarChart, HLine, Line, LineStyle, PlotPoints};

use crate::data::Dataset;
use crate::diagnostics::{
    AlongX, Diagnostics, DiagnosticsOptions, MixtureHealth, bin_of, diagnose, probabilities,
};

use super::health_view::health_ui;
use super::state::ComponentParameter;
use super::tasks::{Poll, Task};
use super::widgets::fmt_num;
use crate::worker::WakeFn;

/// Live diagnostics use at most this many held-out rows, so they keep up with training.
pub const MAX_DIAGNOSED_ROWS: usize = 20_000;
const PIT_BINS: usize = 20;
/// Narrower than this (points), the components plot takes turns with the calibration plots.
const WIDTH_FOR_THREE: f32 = 900.0;
pub const HIGHLIGHT_COLOR: Color32 = Color32::from_rgb(80, 255, 200);

/// The diagnostics of one model on its rows, and the bin the user picked.
pub struct DiagnosticsState {
    pub model_id: u64,
    pub data_generation: u64,
    /// The rows diagnosed (the first held-out rows), in the order of the per-row values.
    pub rows: Arc<Dataset>,
    /// Held-out rows in all (the diagnosed ones may be fewer).
    pub held_out_rows: usize,
    pub result: Result<Diagnostics, String>,
    /// Each diagnosed row's PIT or reliability bin.
    pub row_bins: Vec<usize>,
    /// The picked PIT or reliability bin.
    pub picked_bin: Option<usize>,
    /// Where the mixture's components were followed, and what they did there (mixtures of
    /// several components with inputs).
    pub along: Option<AlongX>,
    pub health: Option<Result<MixtureHealth, String>>,
}

/// The background computation for `model_id`.
pub struct DiagnosticsJob {
    pub model_id: u64,
    pub data_generation: u64,
    pub rows: Arc<Dataset>,
    pub held_out_rows: usize,
    pub along: Option<AlongX>,
    pub task: Task<DiagnosticsResult>,
}

/// What the background computation returns.
pub struct DiagnosticsResult {
    diagnostics: Diagnostics,
    row_bins: Vec<usize>,
    health: Option<Result<MixtureHealth, String>>,
}

impl DiagnosticsJob {
    pub fn start(
        model: Arc<crate::nn::Model>,
        model_id: u64,
        data_generation: u64,
        held_out: &Dataset,
        along: Option<AlongX>,
        wake: Option<WakeFn>,
    ) -> Result<DiagnosticsJob, String> {
        let first: Vec<usize> = (0..held_out.len().min(MAX_DIAGNOSED_ROWS)).collect();
        let rows = Arc::new(held_out.subset(&first).map_err(|e| e.to_string())?);
        let work_rows = rows.clone();
        let work_along = along.clone();
        let task = Task::spawn("the diagnostics", wake, move |_| {
            let options = DiagnosticsOptions {
                pit_bins: PIT_BINS,
                // One core: training (or the window) has the other.
                threads: 1,
                ..DiagnosticsOptions::default()
            };
            let diagnostics = diagnose(&model, &work_rows, &options).map_err(|e| e.to_string())?;
            let row_bins = match &diagnostics {
                Diagnostics::Regression(r) => {
                    r.pit.iter().map(|&u| r.pit_histogram.bin_of(u)).collect()
                }
                Diagnostics::Classifier(c) => probabilities(&model, &work_rows, 1)
                    .into_iter()
                    .map(|p| bin_of(p, c.bins.len()))
                    .collect(),
            };
            let health = work_along
                .map(|along| MixtureHealth::compute(&model, &along).map_err(|e| e.to_string()));
            Ok(DiagnosticsResult {
                diagnostics,
                row_bins,
                health,
            })
        })?;
        Ok(DiagnosticsJob {
            model_id,
            data_generation,
            rows,
            held_out_rows: held_out.len(),
            along,
            task,
        })
    }

    /// The finished state, or the job back while it runs.
    pub fn finish(
        self,
        previous_bin: Option<usize>,
    ) -> Result<DiagnosticsState, Box<DiagnosticsJob>> {
        let (result, row_bins, health) = match self.task.poll() {
            Poll::Pending => return Err(Box::new(self)),
            Poll::Done(r) => (Ok(r.diagnostics), r.row_bins, r.health),
            Poll::Failed(e) => (Err(e), Vec::new(), None),
        };
        Ok(DiagnosticsState {
            model_id: self.model_id,
            data_generation: self.data_generation,
            rows: self.rows,
            held_out_rows: self.held_out_rows,
            result,
            row_bins,
            picked_bin: previous_bin,
            along: self.along,
            health,
        })
    }
}

impl DiagnosticsState {
    /// (x, y) of the rows in the picked bin, input column `x_column` on the horizontal axis.
    pub fn picked_points(&self, x_column: usize) -> Vec<[f64; 2]> {
        let Some(bin) = self.picked_bin else {
            return Vec::new();
        };
        let (x, y) = (self.rows.x(), self.rows.y());
        let x_at = |i: usize| x.get((i, x_column)).copied().unwrap_or(0.0);
        (0..self.rows.len().min(self.row_bins.len()))
            .filter(|&i| self.row_bins[i] == bin)
            .take(super::state::MAX_DRAWN_POINTS)
            .map(|i| [x_at(i), y[i]])
            .collect()
    }
}

/// The tab. `state`: the latest diagnostics of the shown model (`None`: none yet).
pub fn diagnostics_ui(
    ui: &mut Ui,
    state: Option<&mut DiagnosticsState>,
    computing: bool,
    parameter: &mut ComponentParameter,
    show_components: &mut bool,
    x_name: &str,
) {
    let Some(state) = state else {
        ui.label(if computing {
            "Computing the diagnostics…"
        } else {
            "Train a model (or restore a run) to see whether its density is calibrated."
        });
        return;
    };
    let note = format!(
        "held-out rows: {}{}{}",
        state.rows.len(),
        if state.rows.len() < state.held_out_rows {
            format!(" of {} (the first ones)", state.held_out_rows)
        } else {
            String::new()
        },
        if computing { " · updating…" } else { "" }
    );
    match &state.result {
        Err(error) => {
            super::widgets::error_label(ui, error);
        }
        Ok(Diagnostics::Regression(r)) => {
            let picked = &mut state.picked_bin;
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(note).small().weak());
                let at = |level: f64| r.coverage.at(level).map_or("–".into(), |v| format!("{v:.3}"));
                ui.label(format!(
                    "NLL {} · CRPS {} · PIT KS {} (p = {}) · coverage 50/68/90/95 %: {} / {} / {} / {} · widths 50/90 %: {} / {}",
                    fmt_num(r.nll),
                    fmt_num(r.crps),
                    fmt_num(r.uniformity.ks),
                    fmt_p(r.uniformity.ks_pvalue),
                    at(0.5),
                    at(0.68),
                    at(0.9),
                    at(0.95),
                    fmt_num(r.sharpness.width_50),
                    fmt_num(r.sharpness.width_90),
                ));
            });
            let calibration = |ui: &mut Ui, picked: &mut Option<usize>| {
                ui.columns(2, |columns| {
                    pit_plot_ui(&mut columns[0], r, picked);
                    coverage_plot_ui(&mut columns[1], r);
                });
            };
            match &state.health {
                // Side by side where there is room for three readable plots.
                Some(health) if ui.available_width() >= WIDTH_FOR_THREE => {
                    ui.columns(3, |columns| {
                        pit_plot_ui(&mut columns[0], r, picked);
                        coverage_plot_ui(&mut columns[1], r);
                        health_ui(&mut columns[2], health, parameter, x_name);
                    });
                }
                Some(health) => {
                    ui.horizontal(|ui| {
                        ui.selectable_value(show_components, false, "calibration");
                        ui.selectable_value(show_components, true, "components");
                        if let Some(w) = health.as_ref().ok().map(|h| h.warnings.len())
                            && w > 0
                        {
                            ui.colored_label(
                                super::health_view::WARNING_COLOR,
                                format!("⚠ {w} component warning{}", if w == 1 { "" } else { "s" }),
                            );
                        }
                    });
                    if *show_components {
                        health_ui(ui, health, parameter, x_name);
                    } else {
                        calibration(ui, picked);
                    }
                }
                None => calibration(ui, picked),
            }
        }
        Ok(Diagnostics::Classifier(c)) => {
            let picked = &mut state.picked_bin;
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(note).small().weak());
                ui.label(format!(
                    "accuracy {:.1} % · ECE {} · MCE {} · Brier {} (reliability {}, resolution {}, uncertainty {}) · log loss {}",
                    c.accuracy * 100.0,
                    fmt_num(c.ece),
                    fmt_num(c.mce),
                    fmt_num(c.brier),
                    fmt_num(c.brier_reliability),
                    fmt_num(c.brier_resolution),
                    fmt_num(c.brier_uncertainty),
                    fmt_num(c.log_loss),
                ));
            });
            reliability_plot_ui(ui, c, picked);
        }
    }
}

fn fmt_p(p: f64) -> String {
    if p < 1e-3 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

/// PIT histogram: counts per bin with the binomial 95 % band; a click picks a bin.
fn pit_plot_ui(
    ui: &mut Ui,
    r: &crate::diagnostics::RegressionDiagnostics,
    picked: &mut Option<usize>,
) {
    let hist = &r.pit_histogram;
    let bins = hist.counts.len().max(1);
    let width = 1.0 / bins as f64;
    let bars: Vec<Bar> = hist
        .counts
        .iter()
        .enumerate()
        .map(|(i, &count)| {
            let fill = if Some(i) == *picked {
                HIGHLIGHT_COLOR
            } else {
                Color32::from_rgb(120, 150, 230)
            };
            Bar::new((i as f64 + 0.5) * width, count as f64)
                .width(width * 0.95)
                .fill(fill)
        })
        .collect();
    let response = super::widgets::fixed_plot("pit histogram")
        .include_x(0.0)
        .include_x(1.0)
        .include_y(0.0)
        .x_axis_label("PIT u = F(y | x)")
        .y_axis_label("rows")
        .show(ui, |plot_ui| {
            plot_ui.bar_chart(BarChart::new("PIT histogram", bars));
            let band = Color32::from_rgba_unmultiplied(255, 255, 255, 120);
            for (name, level) in [
                ("95 % band", hist.band.0),
                ("95 % band", hist.band.1),
                ("uniform", hist.expected),
            ] {
                plot_ui.hline(
                    HLine::new(name, level)
                        .color(band)
                        .style(LineStyle::dashed_dense()),
                );
            }
        });
    pick_bin_on_click(
        &response,
        bins,
        picked,
        "PIT histogram: click a bin to highlight its rows",
    );
}

/// Observed against nominal coverage of the central intervals, with the diagonal.
fn coverage_plot_ui(ui: &mut Ui, r: &crate::diagnostics::RegressionDiagnostics) {
    let curve: Vec<[f64; 2]> = r
        .coverage
        .curve
        .iter()
        .map(|&pair| <[f64; 2]>::from(pair))
        .collect();
    super::widgets::fixed_plot("coverage curve")
        .data_aspect(1.0)
        .include_x(0.0)
        .include_x(1.0)
        .include_y(0.0)
        .include_y(1.0)
        .x_axis_label("nominal level")
        .y_axis_label("observed coverage")
        .show(ui, |plot_ui| {
            plot_ui.line(
                Line::new("calibrated", PlotPoints::new(vec![[0.0, 0.0], [1.0, 1.0]]))
                    .color(Color32::GRAY)
                    .style(LineStyle::dashed_dense()),
            );
            plot_ui.line(
                Line::new(
                    format!(
                        "coverage (miscalibration area {})",
                        fmt_num(r.coverage.miscalibration_area)
                    ),
                    PlotPoints::new(curve),
                )
                .color(Color32::from_rgb(255, 190, 90))
                .width(2.0),
            );
        });
}

/// Reliability diagram: observed rate against mean p̂ per bin, bar width = bin, count in the
/// hover; empty bins stay empty. A click picks a bin.
fn reliability_plot_ui(
    ui: &mut Ui,
    c: &crate::diagnostics::ClassifierDiagnostics,
    picked: &mut Option<usize>,
) {
    let bars: Vec<Bar> = c
        .bins
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            let observed = b.observed_rate?;
            let fill = if Some(i) == *picked {
                HIGHLIGHT_COLOR
            } else {
                Color32::from_rgb(120, 150, 230)
            };
            Some(
                Bar::new((b.lo + b.hi) / 2.0, observed)
                    .width((b.hi - b.lo) * 0.95)
                    .fill(fill)
                    .name(format!("{} rows", b.count)),
            )
        })
        .collect();
    let response = super::widgets::fixed_plot("reliability diagram")
        .data_aspect(1.0)
        .include_x(0.0)
        .include_x(1.0)
        .include_y(0.0)
        .include_y(1.0)
        .x_axis_label("predicted p(y=1)")
        .y_axis_label("observed frequency")
        .show(ui, |plot_ui| {
            plot_ui.bar_chart(BarChart::new("observed frequency", bars));
            plot_ui.line(
                Line::new("calibrated", PlotPoints::new(vec![[0.0, 0.0], [1.0, 1.0]]))
                    .color(Color32::GRAY)
                    .style(LineStyle::dashed_dense()),
            );
        });
    pick_bin_on_click(
        &response,
        c.bins.len(),
        picked,
        "Reliability diagram: click a bin to highlight its rows",
    );
}

/// A click on a plot of `bins` equal-width bins over [0, 1] picks that bin (again: unpicks);
/// `label` names the plot for screen readers and tests.
fn pick_bin_on_click(
    response: &egui_plot::PlotResponse<()>,
    bins: usize,
    picked: &mut Option<usize>,
    label: &'static str,
) {
    let r = &response.response;
    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, label));
    if r.clicked()
        && let Some(pos) = r.interact_pointer_pos()
    {
        let bin = bin_of(response.transform.value_from_position(pos).x, bins);
        *picked = if *picked == Some(bin) {
            None
        } else {
            Some(bin)
        };
    }
}
