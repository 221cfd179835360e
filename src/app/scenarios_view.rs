//! Scenario comparison (the Scenarios tab): pin several inputs x* and compare their
//! predictives p(y|x*), overlaid as densities or CDFs, with a table of mean, median, mode, σ,
//! central intervals and highest-density regions — the same table and colours as
//! `figure --kind scenarios`. The current x* is always the first scenario, so the posterior
//! panel reads its HDRs from here too.
//!
//! HDRs cost ~10 ms per scenario, so the scenarios are computed in the background whenever
//! the model, the data, x* or the pins change (at most one computation at a time).

use std::time::{Duration, Instant};

use egui::{Color32, RichText, Ui};
use egui_plot::{Corner, Line, PlotPoints};

use crate::diagnostics::{LevelSummary, PredictiveSummary};
use crate::export::figures::scenarios::{MAX_SCENARIOS, Scenario, table, y_range};
use crate::export::figures::style::colors;
use crate::labels::format_value;
use crate::nn::{Model, Predictive};

use super::WorkbenchApp;
use super::state::{self, LoadedData, ViewSettings};
use super::tasks::{Poll, Task};

/// Points of each plotted curve.
const GRID: usize = 300;

/// What the scenarios were computed for: the model, the data and the input rows (the current
/// x* first, then the pins).
#[derive(Debug, Clone, PartialEq)]
struct ScenarioKey {
    model_id: u64,
    data_generation: u64,
    rows: Vec<Vec<f64>>,
}

/// While training, scenarios are recomputed at most this often (the model changes with
/// every snapshot; the background work must not slow training down).
const TRAINING_REFRESH: Duration = Duration::from_secs(1);

/// Points of one plotted curve.
type Curve = Vec<[f64; 2]>;

/// Scenarios with their density and CDF curves on one shared y grid, all computed in the
/// background so a frame only draws them.
struct Computed {
    scenarios: Vec<Scenario>,
    /// Per scenario: (density, CDF) points, empty when the range is degenerate.
    curves: Vec<(Curve, Curve)>,
}

/// The latest scenarios, and the computation of newer ones.
#[derive(Default)]
pub struct ScenarioState {
    done: Option<(ScenarioKey, Result<Computed, String>)>,
    job: Option<(ScenarioKey, Task<Computed>)>,
    last_started: Option<Instant>,
}

impl ScenarioState {
    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// The current x*'s summary, if it was computed for this data and row: for this model, or
    /// (while training) an earlier snapshot of it at most [`TRAINING_REFRESH`] old.
    pub fn current_summary(
        &self,
        model_id: u64,
        data_generation: u64,
        row: &[f64],
        training: bool,
    ) -> Option<&PredictiveSummary> {
        let (key, result) = self.done.as_ref()?;
        let fresh = (key.model_id == model_id || training)
            && key.data_generation == data_generation
            && key.rows.first().is_some_and(|r| r == row);
        result
            .as_ref()
            .ok()
            .and_then(|c| c.scenarios.first())
            .filter(|_| fresh)
            .map(|s| &s.summary)
    }
}

/// "x = 0.8" or "x1 = 0.5, x2 = −1".
fn row_label(names: &[String], row: &[f64]) -> String {
    names
        .iter()
        .zip(row)
        .map(|(n, v)| format!("{n} = {}", format_value(*v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn compute(model: &Model, names: &[String], rows: &[Vec<f64>]) -> Result<Computed, String> {
    let scenarios = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            match model.predict(row) {
            Predictive::Mixture(m) => {
                let label = row_label(names, row);
                let label = if i == 0 {
                    format!("{label} (x*)")
                } else {
                    label
                };
                Ok(Scenario::new(label, m))
            }
            Predictive::Bernoulli { .. } => Err(
                "Scenarios compare densities; a classifier's p(y=1 | x*) is in the posterior panel."
                    .to_string(),
            ),
        }
        })
        .collect::<Result<Vec<_>, String>>()?;
    let (lo, hi) = y_range(&scenarios);
    let ys = if lo.is_finite() && hi.is_finite() && hi > lo {
        crate::nn::view::linspace(lo, hi, GRID)
    } else {
        Vec::new()
    };
    let curves = scenarios
        .iter()
        .map(|s| {
            let density = ys.iter().map(|&y| [y, s.mixture.pdf(y)]).collect();
            let cdf = ys.iter().map(|&y| [y, s.mixture.cdf(y)]).collect();
            (density, cdf)
        })
        .collect();
    Ok(Computed { scenarios, curves })
}

impl WorkbenchApp {
    /// Keeps the scenarios (the current x* and the pins) computed for the shown model.
    pub(crate) fn sync_scenarios(&mut self) {
        let state = &mut self.scenarios;
        if let Some((key, task)) = state.job.take() {
            match task.poll() {
                Poll::Pending => {
                    state.job = Some((key, task));
                    return;
                }
                Poll::Done(s) => state.done = Some((key, Ok(s))),
                Poll::Failed(e) => state.done = Some((key, Err(e))),
            }
        }
        let Some(data) = &self.data else {
            return;
        };
        let view = &mut self.settings.view;
        // Pins made on data with other inputs no longer apply.
        view.pinned.retain(|row| row.len() == data.n_inputs());
        let classifier = self.settings.config.head.is_classifier();
        let Some(model) = self.drawable_model().cloned() else {
            return;
        };
        let view = &self.settings.view;
        let current = state::x_star_row(data, view, classifier);
        // A pin at the current x* is listed once, as the current x*.
        let mut rows = vec![current.clone()];
        rows.extend(view.pinned.iter().filter(|r| **r != current).cloned());
        let key = ScenarioKey {
            model_id: self.session.model_id,
            data_generation: data.generation,
            rows,
        };
        if self.scenarios.done.as_ref().is_some_and(|(k, _)| *k == key) {
            return;
        }
        let training = self.session.is_active();
        if let Some(started) = self.scenarios.last_started
            && training
            && started.elapsed() < TRAINING_REFRESH
        {
            return;
        }
        // Only the current x* while training and the tab is not looked at.
        let mut key = key;
        if training && view.bottom_tab != state::BottomTab::Scenarios {
            key.rows.truncate(1);
        }
        if self.scenarios.done.as_ref().is_some_and(|(k, _)| *k == key) {
            return;
        }
        self.scenarios.last_started = Some(Instant::now());
        let names = data.train.x_names().to_vec();
        let rows = key.rows.clone();
        match Task::spawn("the scenarios", self.wake.clone(), move |_| {
            compute(&model, &names, &rows)
        }) {
            Ok(task) => self.scenarios.job = Some((key, task)),
            Err(error) => self.data_error = Some(error),
        }
    }
}

fn color(i: usize) -> Color32 {
    let c = colors::CYCLE[i % colors::CYCLE.len()];
    // The figure's darkest colour (black) would vanish on the dark theme.
    if c == colors::BLACK {
        Color32::from_gray(230)
    } else {
        Color32::from_rgb(c.0, c.1, c.2)
    }
}

/// "Pin x*": adds the current input row to the scenarios (the posterior panel and this tab).
pub fn pin_button(ui: &mut Ui, data: &LoadedData, view: &mut ViewSettings, classifier: bool) {
    let row = state::x_star_row(data, view, classifier);
    let full = view.pinned.len() + 1 >= MAX_SCENARIOS;
    let already = view.pinned.contains(&row);
    let response = ui
        .add_enabled(
            !full && !already && !row.is_empty(),
            egui::Button::new("Pin x*"),
        )
        .on_hover_text("Compare p(y | x*) here with other inputs in the Scenarios tab")
        .on_disabled_hover_text(if already {
            "This x* is pinned already"
        } else {
            "At most 6 pins (colours would repeat)"
        });
    if response.clicked() {
        view.pinned.push(row);
    }
}

/// The Scenarios tab.
pub fn scenarios_ui(
    ui: &mut Ui,
    data: &LoadedData,
    has_model: bool,
    state: &ScenarioState,
    view: &mut ViewSettings,
    classifier: bool,
) {
    ui.horizontal(|ui| {
        pin_button(ui, data, view, classifier);
        if ui
            .add_enabled(!view.pinned.is_empty(), egui::Button::new("Clear pins"))
            .clicked()
        {
            view.pinned.clear();
        }
        ui.separator();
        ui.selectable_value(&mut view.scenarios_cdf, false, "density");
        ui.selectable_value(&mut view.scenarios_cdf, true, "CDF");
        if state.is_busy() {
            ui.label(RichText::new("updating…").small().weak());
        }
    });
    if !has_model {
        ui.label("Train a model (or restore a run) to compare its predictives at several inputs.");
        return;
    }
    let (key, computed) = match state.done.as_ref() {
        Some((key, Ok(c))) => (key, c),
        Some((_, Err(e))) => {
            super::widgets::error_label(ui, e);
            return;
        }
        None => {
            ui.label("Computing the scenarios…");
            return;
        }
    };
    if view.pinned.is_empty() {
        ui.label(
            RichText::new("Pin inputs (“Pin x*”, here or in the posterior panel) to compare them with the current x*.")
                .weak(),
        );
    }
    let pinned: Vec<bool> = key.rows.iter().map(|r| view.pinned.contains(r)).collect();
    let mut remove = None;
    scenario_table_ui(ui, &computed.scenarios, &pinned, &mut remove);
    if let Some(row) = remove.and_then(|i| key.rows.get(i)) {
        view.pinned.retain(|p| p != row);
    }
    scenario_plot_ui(ui, computed, view.scenarios_cdf, data.train.y_name());
}

/// `pinned[i]`: scenario i is a pin (and gets an "unpin" button).
fn scenario_table_ui(
    ui: &mut Ui,
    scenarios: &[Scenario],
    pinned: &[bool],
    remove: &mut Option<usize>,
) {
    let (header, rows) = table(scenarios);
    egui::ScrollArea::horizontal()
        .id_salt("scenario table")
        .show(ui, |ui| {
            egui::Grid::new("scenarios")
                .striped(true)
                .num_columns(header.len() + 1)
                .show(ui, |ui| {
                    ui.label("");
                    for h in &header {
                        ui.label(RichText::new(h).strong());
                    }
                    ui.end_row();
                    for (i, row) in rows.iter().enumerate() {
                        if !pinned.get(i).copied().unwrap_or(false) {
                            ui.label("");
                        } else if ui
                            .small_button("unpin")
                            .on_hover_text("Remove this scenario")
                            .clicked()
                        {
                            *remove = Some(i);
                        }
                        for (c, cell) in row.iter().enumerate() {
                            if c == 0 {
                                ui.colored_label(color(i), cell);
                            } else {
                                ui.label(cell);
                            }
                        }
                        ui.end_row();
                    }
                });
        });
}

fn scenario_plot_ui(ui: &mut Ui, computed: &Computed, cdf: bool, target: &str) {
    super::widgets::fixed_plot("scenario plot")
        .legend(super::widgets::legend(Corner::RightTop))
        .include_y(0.0)
        .custom_x_axes(super::widgets::x_axis(target))
        .y_axis_label(if cdf { "F(y | x*)" } else { "p(y | x*)" })
        .show(ui, |plot_ui| {
            for (i, (s, (density, cdfs))) in
                computed.scenarios.iter().zip(&computed.curves).enumerate()
            {
                let points = if cdf { cdfs } else { density };
                plot_ui.line(
                    Line::new(s.label.clone(), PlotPoints::new(points.clone()))
                        .color(color(i))
                        .width(if i == 0 { 2.5 } else { 1.8 }),
                );
            }
        });
}

/// The HDR rows of the posterior panel's summary ("68 % HDR  [a, b] ∪ [c, d]").
pub fn hdr_rows(levels: &[LevelSummary]) -> Vec<(String, String)> {
    levels
        .iter()
        .map(|l| {
            (
                format!("{} HDR", crate::diagnostics::level_label(l.level)),
                crate::diagnostics::format_intervals(&l.hdr.intervals, format_value),
            )
        })
        .collect()
}
