//! What the window holds: persisted settings (serde, `#[serde(default)]` so old files still
//! load) and runtime state (data, the training session, caches) that is never saved.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::data::{ColumnStats, Dataset, Preset, PresetParams, Table, Truth};
use crate::nn::{EpochRecord, Model, PredictionView, TrainConfig, ViewSpec};
use crate::run::RunData;
use crate::worker::TrainingWorker;

use super::colormap::Colormap;
pub use super::file_state::ExportSettings;
pub use super::run_entry::RunEntry;
pub use crate::colormap::HeatNorm;

/// Where the data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SourceKind {
    #[default]
    Preset,
    File,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataSettings {
    pub source: SourceKind,
    pub preset: Preset,
    pub params: PresetParams,
    /// Fraction of a preset's rows held out (0 = no held-out set).
    pub test_fraction: f64,
    /// Fraction of a file's rows held out, 0.2 by default as in the CLI.
    pub file_test_fraction: f64,
    /// Seed of the train/test split.
    pub split_seed: u64,
    pub csv_path: String,
    /// Column roles for a loaded table (empty = the table's defaults).
    pub x_columns: Vec<String>,
    pub y_column: String,
    /// Drop rows with empty / NA cells instead of refusing the file.
    pub drop_missing: bool,
}

impl DataSettings {
    /// The held-out fraction of the selected source kind.
    pub fn held_out_fraction(&self) -> f64 {
        match self.source {
            SourceKind::Preset => self.test_fraction,
            SourceKind::File => self.file_test_fraction,
        }
    }

    pub fn held_out_fraction_mut(&mut self) -> &mut f64 {
        match self.source {
            SourceKind::Preset => &mut self.test_fraction,
            SourceKind::File => &mut self.file_test_fraction,
        }
    }
}

impl Default for DataSettings {
    /// The seed experiment: lognormal, 200 000 rows, half held out.
    fn default() -> Self {
        DataSettings {
            source: SourceKind::Preset,
            preset: Preset::Lognormal,
            params: Preset::Lognormal.default_params(),
            test_fraction: 0.5,
            file_test_fraction: 0.2,
            split_seed: 0,
            csv_path: String::new(),
            x_columns: Vec::new(),
            y_column: String::new(),
            drop_missing: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ViewSettings {
    pub show_heatmap: bool,
    pub show_mean: bool,
    pub show_median: bool,
    pub show_mode: bool,
    pub show_bands: bool,
    pub show_components: bool,
    pub show_truth: bool,
    pub show_train_points: bool,
    pub show_test_points: bool,
    pub heat_norm: HeatNorm,
    pub colormap: Colormap,
    /// Input on the horizontal axis.
    pub x_column: usize,
    /// Input on the vertical axis of a classifier's plane map.
    pub plane_column: usize,
    /// Values of every input (the plotted ones are ignored); empty = column medians.
    pub base_inputs: Vec<f64>,
    /// The x at which the posterior is shown.
    pub x_star: f64,
    /// For a plane map: the vertical coordinate of the posterior point.
    pub plane_star: f64,
    pub show_step_losses: bool,
    /// The posterior's y range covers the whole density, far tails included (else its
    /// central 97 %, so a heavy tail does not squash the picture).
    pub posterior_full_range: bool,
    /// The bottom tab shown in the compact layout.
    pub bottom_tab: BottomTab,
    /// The Diagnostics tab's component plot: weights, locations or scales.
    pub component_parameter: ComponentParameter,
    /// In a narrow Diagnostics tab: the components plot instead of the calibration plots.
    pub diagnostics_components: bool,
    /// Input rows pinned for the scenario comparison (one value per input).
    pub pinned: Vec<Vec<f64>>,
    /// The scenario comparison shows CDFs instead of densities.
    pub scenarios_cdf: bool,
}

/// Which parameter of the mixture's components the Diagnostics tab plots along x.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ComponentParameter {
    #[default]
    Weight,
    Location,
    Scale,
}

impl ComponentParameter {
    pub const ALL: [ComponentParameter; 3] = [
        ComponentParameter::Weight,
        ComponentParameter::Location,
        ComponentParameter::Scale,
    ];

    pub fn short_label(self) -> &'static str {
        match self {
            ComponentParameter::Weight => "weights",
            ComponentParameter::Location => "locations",
            ComponentParameter::Scale => "scales",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ComponentParameter::Weight => "weights π_k(x)",
            ComponentParameter::Location => "locations μ_k(x)",
            ComponentParameter::Scale => "scales σ_k(x)",
        }
    }
}

/// The bottom panel's tabs in the compact layout (narrow windows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum BottomTab {
    #[default]
    Loss,
    Runs,
    Posterior,
    Diagnostics,
    Scenarios,
    Sweep,
}

impl BottomTab {
    /// The compact layout's tabs.
    pub const ALL: [BottomTab; 6] = [
        BottomTab::Loss,
        BottomTab::Diagnostics,
        BottomTab::Scenarios,
        BottomTab::Runs,
        BottomTab::Posterior,
        BottomTab::Sweep,
    ];
    /// The wide layout's tabs (runs and posterior have panels of their own there).
    pub const WIDE: [BottomTab; 4] = [
        BottomTab::Loss,
        BottomTab::Diagnostics,
        BottomTab::Scenarios,
        BottomTab::Sweep,
    ];

    pub fn label(self) -> &'static str {
        match self {
            BottomTab::Loss => "Loss",
            BottomTab::Runs => "Runs",
            BottomTab::Posterior => "Posterior",
            BottomTab::Diagnostics => "Diagnostics",
            BottomTab::Scenarios => "Scenarios",
            BottomTab::Sweep => "Sweep",
        }
    }
}

impl Default for ViewSettings {
    fn default() -> Self {
        ViewSettings {
            show_heatmap: true,
            show_mean: true,
            show_median: true,
            show_mode: true,
            show_bands: false,
            show_components: false,
            show_truth: true,
            show_train_points: true,
            show_test_points: false,
            heat_norm: HeatNorm::PerColumn,
            colormap: Colormap::Magma,
            x_column: 0,
            plane_column: 1,
            base_inputs: Vec::new(),
            x_star: 0.8,
            plane_star: 0.0,
            show_step_losses: true,
            posterior_full_range: false,
            bottom_tab: BottomTab::Loss,
            component_parameter: Default::default(),
            diagnostics_components: false,
            pinned: Vec::new(),
            scenarios_cdf: false,
        }
    }
}

/// Everything that persists between launches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub data: DataSettings,
    pub config: TrainConfig,
    /// Patience remembered while early stopping is off.
    pub patience: usize,
    pub view: ViewSettings,
    /// The runs table (without weights: those stay in memory, see [`RunEntry`]).
    pub runs: Vec<RunEntry>,
    /// Its sorting and filtering.
    pub runs_table: super::run_columns::RunsTableSettings,
    pub next_run_id: u64,
    /// Paths and options of the File menu's dialogs.
    pub export: ExportSettings,
    /// The sweep tab's form.
    pub sweep: super::sweep_view::SweepForm,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data: DataSettings::default(),
            config: TrainConfig::default(),
            patience: 5,
            view: ViewSettings::default(),
            runs: Vec::new(),
            runs_table: Default::default(),
            next_run_id: 1,
            export: Default::default(),
            sweep: Default::default(),
        }
    }
}

/// At most this many runs are kept (the oldest go first).
pub const MAX_RUNS: usize = 200;
/// At most this many points per set are drawn on the main plot.
pub const MAX_DRAWN_POINTS: usize = 4_000;

/// The data the window works on.
pub struct LoadedData {
    /// Increases with every load, so caches know when to refresh.
    pub generation: u64,
    /// Short description for the runs table ("lognormal n=200000", a file name).
    pub label: String,
    pub train: Arc<Dataset>,
    pub test: Option<Arc<Dataset>>,
    /// Statistics over train and test together: inputs then target.
    pub stats: Vec<ColumnStats>,
    pub truth: Option<Truth>,
    /// Robust y range for plotting (0.2 % to 99.5 % quantiles, padded).
    pub y_view: (f64, f64),
    pub dropped_rows: usize,
    /// The table behind a file source (for the column pickers).
    pub table: Option<Arc<Table>>,
    pub is_binary: bool,
    /// Where the data came from and how the held-out set was made: a model is drawn on these
    /// data only if it was trained on the same recipe.
    pub recipe: RunData,
}

impl LoadedData {
    pub fn n_inputs(&self) -> usize {
        self.train.n_inputs()
    }

    pub fn n_rows(&self) -> usize {
        self.train.len() + self.test.as_ref().map_or(0, |t| t.len())
    }

    /// (min, max) of input column `j`.
    pub fn x_range(&self, j: usize) -> (f64, f64) {
        self.stats
            .get(j)
            .map_or((0.0, 1.0), |s| pad_range(s.min, s.max, 0.0))
    }

    /// Median of input column `j`.
    pub fn x_median(&self, j: usize) -> f64 {
        self.stats.get(j).map_or(0.0, |s| s.median)
    }
}

/// Widens a degenerate range and adds `pad` of its width on each side.
pub fn pad_range(lo: f64, hi: f64, pad: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    };
    let w = hi - lo;
    (lo - pad * w, hi + pad * w)
}

/// Where the training run is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStatus {
    Idle,
    Running,
    Paused,
    /// Stop was requested; waiting for the final scores.
    Stopping,
    Finished(String),
}

/// The current (or last) training run and what it reported.
pub struct Session {
    pub worker: Option<TrainingWorker>,
    pub status: RunStatus,
    pub config: TrainConfig,
    /// The data the session's model was trained on (`None`: an opened model that does not
    /// say); it is drawn only over these data.
    pub data: Option<RunData>,
    /// "run 3", "model.json": how messages name the session's model.
    pub run_name: String,
    pub steps_per_epoch: usize,
    pub epochs: usize,
    pub threads: usize,
    pub steps: u64,
    pub epoch: usize,
    pub steps_per_sec: f64,
    pub train_secs: f64,
    /// Wall time of the run so far, pauses excluded (steps, evaluation, snapshots).
    pub active_secs: f64,
    /// Per-step batch losses (NaN = skipped step).
    pub step_losses: Vec<f32>,
    /// Exponential moving average of the step losses, (epoch as fraction, value).
    pub smoothed: Vec<[f64; 2]>,
    /// Raw EMA and the number of finite steps in it (for the bias correction).
    pub(crate) ema: (f64, i32),
    pub history: Vec<EpochRecord>,
    pub skipped_steps: u64,
    /// The model to draw: the latest snapshot, then the final model.
    pub model: Option<Arc<Model>>,
    /// Increases with every new model, for the posterior cache.
    pub model_id: u64,
    pub view: Option<Arc<PredictionView>>,
    /// Increases with every new prediction view, for the heat-map cache (an address is no
    /// key: a new view can be allocated where a freed one was).
    pub view_id: u64,
    /// Final scores: (train NLL, held-out NLL, held-out accuracy).
    pub final_scores: Option<(f64, Option<f64>, Option<f64>)>,
    /// steps / train_secs of the finished run.
    pub final_steps_per_sec: Option<f64>,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            worker: None,
            status: RunStatus::Idle,
            config: TrainConfig::default(),
            data: None,
            run_name: String::new(),
            steps_per_epoch: 0,
            epochs: 0,
            threads: 0,
            steps: 0,
            epoch: 0,
            steps_per_sec: 0.0,
            train_secs: 0.0,
            active_secs: 0.0,
            step_losses: Vec::new(),
            smoothed: Vec::new(),
            ema: (0.0, 0),
            history: Vec::new(),
            skipped_steps: 0,
            model: None,
            model_id: 0,
            view: None,
            view_id: 0,
            final_scores: None,
            final_steps_per_sec: None,
        }
    }
}

/// Smoothing of the per-step loss curve: an EMA whose window is about half an epoch
/// (weight of a new step between 1 % and 30 %), bias-corrected like Adam's moments so the
/// first steps are not pulled towards zero or the initial loss.
fn ema_alpha(steps_per_epoch: usize) -> f64 {
    (2.0 / steps_per_epoch.max(1) as f64).clamp(0.01, 0.3)
}

impl Session {
    pub fn is_active(&self) -> bool {
        matches!(
            self.status,
            RunStatus::Running | RunStatus::Paused | RunStatus::Stopping
        )
    }

    /// Appends per-step losses starting at step `first_step`.
    pub fn push_losses(&mut self, first_step: u64, losses: &[f32]) {
        let per_epoch = self.steps_per_epoch.max(1) as f64;
        let alpha = ema_alpha(self.steps_per_epoch);
        for (i, &loss) in losses.iter().enumerate() {
            self.step_losses.push(loss);
            if !loss.is_finite() {
                continue;
            }
            let (raw, n) = self.ema;
            let raw = raw + alpha * (f64::from(loss) - raw);
            let n = n.saturating_add(1);
            self.ema = (raw, n);
            let corrected = raw / (1.0 - (1.0 - alpha).powi(n));
            let step = first_step + i as u64 + 1;
            self.smoothed.push([step as f64 / per_epoch, corrected]);
        }
    }

    /// Fraction of the planned steps done.
    pub fn progress(&self) -> f32 {
        let total = (self.steps_per_epoch * self.epochs) as f64;
        if total > 0.0 {
            (self.steps as f64 / total).clamp(0.0, 1.0) as f32
        } else {
            0.0
        }
    }

    /// Estimated seconds to the last planned step. The run's wall-clock pace so far counts
    /// what the steps alone leave out (held-out scoring at each epoch end, snapshots), which
    /// for large held-out sets is a third of the time.
    pub fn secs_left(&self) -> Option<f64> {
        let total = (self.steps_per_epoch * self.epochs) as u64;
        let secs_per_step = if self.steps > 0 && self.active_secs > 0.0 {
            self.active_secs / self.steps as f64
        } else if self.steps_per_sec > 0.0 {
            1.0 / self.steps_per_sec
        } else {
            return None;
        };
        (total >= self.steps).then(|| (total - self.steps) as f64 * secs_per_step)
    }

    /// A new model; its view, when given, replaces the last one (without one, the old view
    /// stays until a new one is computed for this model).
    pub fn set_model(&mut self, model: Arc<Model>, view: Option<Arc<PredictionView>>) {
        self.model = Some(model);
        if let Some(view) = view {
            self.set_view(view);
        }
        self.model_id += 1;
    }

    pub fn set_view(&mut self, view: Arc<PredictionView>) {
        self.view = Some(view);
        self.view_id += 1;
    }

    /// Does the session's model belong on `data`? Only if it was trained on the same recipe;
    /// a model that does not say where it was trained (an older or foreign model file) fits
    /// data with its input columns.
    pub fn fits(&self, data: &LoadedData) -> bool {
        let Some(model) = &self.model else {
            return false;
        };
        match &self.data {
            Some(recipe) => *recipe == data.recipe,
            None => model.spec.x_names == data.train.x_names(),
        }
    }

    /// The session's own record: settings, data, history and scores so far.
    pub fn summary(&self) -> crate::run::RunSummary {
        let (train_nll, test_nll, test_accuracy) =
            if let Some((train, test, accuracy)) = self.final_scores {
                (Some(train), test, accuracy)
            } else {
                let last = self.history.last();
                (
                    last.map(|r| r.train_nll),
                    last.and_then(|r| r.test_nll),
                    last.and_then(|r| r.test_accuracy),
                )
            };
        let note = match &self.status {
            RunStatus::Finished(reason) => reason.clone(),
            RunStatus::Idle => String::new(),
            _ => "saved during training (a snapshot)".into(),
        };
        crate::run::RunSummary {
            label: self.run_name.clone(),
            data: self.data.clone(),
            config: self.config.clone(),
            history: self.history.clone(),
            epochs_run: self.history.len(),
            steps: self.steps,
            train_seconds: self.train_secs,
            train_nll: train_nll.filter(|v| v.is_finite()),
            test_nll,
            test_accuracy,
            note,
            ..crate::run::RunSummary::default()
        }
    }
}

/// The view spec the main plot needs for the loaded data and settings.
pub fn view_spec(data: &LoadedData, view: &ViewSettings, classifier: bool) -> ViewSpec {
    let d = data.n_inputs();
    let x_column = view.x_column.min(d.saturating_sub(1));
    let base_inputs = base_inputs(data, view);
    let x_range = data.x_range(x_column);
    if classifier && d >= 2 {
        let plane = plane_column(view, d);
        ViewSpec {
            x_column,
            plane_column: Some(plane),
            base_inputs,
            x_range,
            y_range: data.x_range(plane),
            nx: 120,
            ny: 120,
        }
    } else {
        ViewSpec {
            x_column,
            plane_column: None,
            base_inputs,
            x_range,
            y_range: data.y_view,
            nx: 200,
            ny: 160,
        }
    }
}

/// The plane map's vertical input: the chosen one, or the first that is not the x input.
pub fn plane_column(view: &ViewSettings, d: usize) -> usize {
    let x = view.x_column.min(d.saturating_sub(1));
    let p = view.plane_column.min(d.saturating_sub(1));
    if p != x {
        p
    } else if x == 0 {
        1.min(d.saturating_sub(1))
    } else {
        0
    }
}

/// Input values for the columns not on an axis: the user's, else the medians.
pub fn base_inputs(data: &LoadedData, view: &ViewSettings) -> Vec<f64> {
    (0..data.n_inputs())
        .map(|j| {
            view.base_inputs
                .get(j)
                .copied()
                .filter(|v| v.is_finite())
                .unwrap_or_else(|| data.x_median(j))
        })
        .collect()
}

/// The inputs x* sets (the x axis, and the plane's second axis for a classifier); the others
/// are held at [`base_inputs`].
pub fn x_star_columns(data: &LoadedData, view: &ViewSettings, classifier: bool) -> Vec<usize> {
    let d = data.n_inputs();
    if d == 0 {
        return Vec::new();
    }
    let mut columns = vec![view.x_column.min(d - 1)];
    if classifier && d >= 2 {
        columns.push(plane_column(view, d));
    }
    columns
}

/// The full input row of the posterior point x*.
pub fn x_star_row(data: &LoadedData, view: &ViewSettings, classifier: bool) -> Vec<f64> {
    let mut row = base_inputs(data, view);
    let d = row.len();
    if d == 0 {
        return row;
    }
    let x = view.x_column.min(d - 1);
    row[x] = view.x_star;
    if classifier && d >= 2 {
        row[plane_column(view, d)] = view.plane_star;
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothed_losses_are_bias_corrected() {
        let mut session = Session {
            steps_per_epoch: 4,
            ..Session::default()
        };
        session.push_losses(0, &[2.0, 2.0, f32::NAN, 2.0]);
        assert_eq!(session.step_losses.len(), 4);
        assert_eq!(session.smoothed.len(), 3, "skipped steps are not smoothed");
        for p in &session.smoothed {
            assert!((p[1] - 2.0).abs() < 1e-12, "a constant loss stays constant");
        }
        assert_eq!(session.smoothed[2][0], 1.0, "step 4 of 4 is epoch 1");
    }

    #[test]
    fn time_left_follows_the_runs_wall_clock_pace() {
        let mut session = Session {
            steps_per_epoch: 100,
            epochs: 4,
            steps: 100,
            steps_per_sec: 100.0,
            ..Session::default()
        };
        // Before any wall time is known: the steps' own rate.
        assert_eq!(session.secs_left(), Some(3.0));
        // One epoch took 1.5 s in all, evaluation included: three more take 4.5 s.
        session.active_secs = 1.5;
        assert_eq!(session.secs_left(), Some(4.5));
        session.steps = 500;
        assert_eq!(session.secs_left(), None, "past the planned steps");
    }
}
