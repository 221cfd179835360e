//! The eframe/egui workbench window (feature `gui`).
//!
//! [`WorkbenchApp`] holds persisted [`state::Settings`] and runtime state. Each frame,
//! [`WorkbenchApp::logic`] drains the training worker's events under a time budget, then
//! [`WorkbenchApp::ui_frame`] lays out the panels; panels only edit settings or push a
//! [`Command`], and big actions (loading data, starting a run, …) are applied after layout.
//! The `eframe::App` impl only delegates, so `egui_kittest` drives the same code.

pub mod colormap;
mod data_panel;
mod export_actions;
pub mod file_menu;
mod frame_pacing;
mod frame_stats;
mod loss_plot;
mod main_plot;
mod model_panel;
mod posterior_plot;
mod runs;
pub mod state;
mod train_panel;
mod widgets;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use crate::data::{ColumnRoles, Dataset, MissingPolicy, Preset, load_table};
use crate::export::experiment::{DataSourceSpec, TestSourceSpec};
use crate::nn::{ConfigError, PredictionView, TrainConfig, ViewSpec};
use crate::worker::{Command as WorkerCommand, Event, TrainingWorker};

use frame_stats::FrameStats;
use state::{LoadedData, RunRecord, RunStatus, Session, Settings, SourceKind};

/// The key of the settings in eframe's storage.
pub const STORAGE_KEY: &str = "density-workbench";
/// Time the UI spends taking worker events per frame.
const DRAIN_BUDGET: Duration = Duration::from_millis(3);
/// The worker's news is shown at most this often (4 frames/s); slower when frames are costly
/// (see [`frame_pacing`]). User input still repaints at once.
const WAKE_INTERVAL: Duration = Duration::from_millis(250);

/// The automatic run starts this long after the first frame, as a person would press Train:
/// the first frames build the font atlas and, without a GPU, compile the shaders on the CPU,
/// which would otherwise be counted against the run's throughput.
const AUTOTRAIN_SETTLE: Duration = Duration::from_millis(1500);

/// Big actions, pushed by panels during layout and applied after it.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Generate the selected preset with its parameters.
    Generate,
    /// Load the file at the typed path.
    LoadFile,
    /// Ask for a file with the system dialog, then load it.
    BrowseFile,
    /// Rebuild the dataset from the loaded table with the chosen columns.
    ApplyColumns,
    /// Re-split the current data with the current test fraction (file sources).
    Train,
    Pause,
    Resume,
    StepEpoch,
    Stop,
    /// Forget the current model and losses.
    Reset,
    RestoreRun(u64),
    DeleteRun(u64),
    ClearRuns,
    /// File menu: models, predictions, figures, experiments.
    File(file_menu::FileAction),
}

/// Options that the binary reads from the environment (measurements, demos).
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// Start the seed experiment on launch (`DW_AUTOTRAIN=1`), once start-up has settled.
    pub autotrain: bool,
    /// Close the window when that run finishes (`DW_EXIT_AFTER_TRAINING=1`).
    pub exit_after_training: bool,
    /// Write frame-time statistics here on exit (`DW_FRAME_STATS=path`).
    pub frame_stats: Option<std::path::PathBuf>,
    /// Ignore stored settings (`DW_FRESH=1`).
    pub fresh: bool,
    /// Start from this preset with its default parameters (`DW_PRESET=moons`).
    pub preset: Option<Preset>,
    /// Shortest time between two repaints caused by the worker (`DW_REFRESH_MS`, default 250).
    pub refresh: Option<Duration>,
}

impl LaunchOptions {
    pub fn from_env() -> Self {
        let flag = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0");
        LaunchOptions {
            autotrain: flag("DW_AUTOTRAIN"),
            exit_after_training: flag("DW_EXIT_AFTER_TRAINING"),
            frame_stats: std::env::var_os("DW_FRAME_STATS").map(Into::into),
            fresh: flag("DW_FRESH"),
            refresh: std::env::var("DW_REFRESH_MS")
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_millis),
            preset: std::env::var("DW_PRESET")
                .ok()
                .and_then(|name| Preset::from_name(&name)),
        }
    }
}

/// Result of a background job that computes a prediction view for a finished model.
struct ViewJob {
    model_id: u64,
    result: Receiver<PredictionView>,
}

/// Background computation of the best achievable NLL (the truth's entropy on the data).
struct BestNllJob {
    generation: u64,
    result: Receiver<f64>,
}

pub struct WorkbenchApp {
    pub settings: Settings,
    pub data: Option<LoadedData>,
    /// The last data error, in plain words (the previous data stays loaded).
    pub data_error: Option<String>,
    pub session: Session,
    /// Best achievable mean NLL on the held-out (else training) data, when known.
    pub best_nll: Option<f64>,
    /// The File menu's dialogs, background writes and messages.
    pub files: file_menu::FileUi,
    commands: Vec<Command>,
    next_generation: u64,
    view_job: Option<ViewJob>,
    best_nll_job: Option<BestNllJob>,
    /// The view spec last sent to the worker or computed.
    sent_view: Option<ViewSpec>,
    validation: Option<(TrainConfig, u64, Result<(), ConfigError>)>,
    pub(crate) caches: main_plot::PlotCaches,
    pub(crate) posterior_cache: posterior_plot::PosteriorCache,
    options: LaunchOptions,
    frame_stats: Option<FrameStats>,
    frame_started: Option<Instant>,
    /// When the automatic run starts; set at the first frame.
    autotrain_at: Option<Instant>,
    autotrain_pending: bool,
    autotrain_started: bool,
    wake: Option<crate::worker::WakeFn>,
    pacer: frame_pacing::FramePacer,
}

impl WorkbenchApp {
    /// A window on `settings`; generates or loads its data right away.
    pub fn new(settings: Settings, options: LaunchOptions) -> Self {
        let settings = if options.fresh || options.autotrain {
            Settings {
                runs: settings.runs,
                next_run_id: settings.next_run_id,
                ..Settings::default()
            }
        } else {
            settings
        };
        let mut settings = settings;
        if let Some(preset) = options.preset {
            settings.data.source = SourceKind::Preset;
            settings.data.preset = preset;
            settings.data.params = preset.default_params();
        }
        let pacer = frame_pacing::FramePacer::new(options.refresh.unwrap_or(WAKE_INTERVAL));
        let mut app = WorkbenchApp {
            settings,
            data: None,
            data_error: None,
            session: Session::default(),
            best_nll: None,
            files: Default::default(),
            commands: Vec::new(),
            next_generation: 1,
            view_job: None,
            best_nll_job: None,
            sent_view: None,
            validation: None,
            caches: Default::default(),
            posterior_cache: Default::default(),
            frame_stats: options.frame_stats.as_ref().map(|_| FrameStats::default()),
            autotrain_at: None,
            autotrain_pending: options.autotrain,
            autotrain_started: false,
            options,
            frame_started: None,
            wake: None,
            pacer,
        };
        let initial = match app.settings.data.source {
            SourceKind::File if !app.settings.data.csv_path.trim().is_empty() => Command::LoadFile,
            _ => Command::Generate,
        };
        app.apply(initial);
        if app.data.is_none() {
            // A stored file that no longer loads: fall back to the default preset.
            app.settings.data.source = SourceKind::Preset;
            app.apply(Command::Generate);
        }
        app
    }

    /// The app with default settings (tests).
    pub fn with_defaults() -> Self {
        Self::new(Settings::default(), LaunchOptions::default())
    }

    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Per-frame work that is not layout: take worker events, finish background jobs.
    pub fn logic(&mut self, ctx: &egui::Context) {
        self.frame_started = Some(Instant::now());
        if self.wake.is_none() {
            let ctx = ctx.clone();
            let pacer = self.pacer.clone();
            self.wake = Some(Arc::new(move || {
                ctx.request_repaint_after(pacer.interval())
            }));
        }
        if self.autotrain_pending {
            let at = *self
                .autotrain_at
                .get_or_insert_with(|| Instant::now() + AUTOTRAIN_SETTLE);
            if Instant::now() >= at {
                self.autotrain_pending = false;
                self.autotrain_started = true;
                self.apply(Command::Train);
            } else {
                ctx.request_repaint_after(at - Instant::now());
            }
        }
        self.drain_worker(ctx);
        self.poll_jobs();
        self.poll_file_jobs(ctx);
        self.sync_view();
        if self.session.is_active() || self.view_job.is_some() || self.best_nll_job.is_some() {
            // Jobs without a wake-up callback are polled at the same pace.
            ctx.request_repaint_after(self.pacer.interval());
        }
    }

    /// Lays out the whole window, then applies the commands the panels pushed.
    pub fn ui_frame(&mut self, ui: &mut egui::Ui) {
        let training_frame = self
            .session
            .worker
            .as_ref()
            .filter(|_| self.session.status == RunStatus::Running)
            .map(|worker| self.pacer.begin_frame(worker.spare_core().clone()));
        egui::Panel::top("menu").show(ui, |ui| file_menu::menu_bar_ui(ui, self));
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(330.0)
            .min_size(260.0)
            .show(ui, |ui| self.controls_ui(ui));
        egui::Panel::bottom("bottom")
            .resizable(true)
            .default_size(270.0)
            .min_size(120.0)
            .show(ui, |ui| {
                egui::Panel::right("runs")
                    .resizable(true)
                    .default_size(560.0)
                    .show(ui, |ui| {
                        runs::runs_ui(ui, &mut self.settings, &mut self.commands)
                    });
                egui::CentralPanel::default().show(ui, |ui| loss_plot::loss_plot_ui(ui, self));
            });
        egui::Panel::right("posterior")
            .resizable(true)
            .default_size(380.0)
            .min_size(260.0)
            .show(ui, |ui| posterior_plot::posterior_ui(ui, self));
        egui::CentralPanel::default().show(ui, |ui| main_plot::main_plot_ui(ui, self));
        file_menu::windows_ui(ui.ctx(), self);

        if let Some(frame) = training_frame {
            self.pacer.end_frame(ui.ctx(), frame);
        }

        for command in std::mem::take(&mut self.commands) {
            self.apply(command);
        }
        if let (Some(stats), Some(started)) = (&mut self.frame_stats, self.frame_started.take()) {
            let training = self.session.status == RunStatus::Running;
            stats.record(started, started.elapsed(), training);
        }
    }

    /// The left panel: run controls on top (always visible), settings below (scrolling).
    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Density Workbench");
        let validation = self.validate();
        train_panel::run_controls_ui(
            ui,
            &self.session,
            validation.as_ref().err(),
            &mut self.commands,
        );
        ui.separator();
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                egui::CollapsingHeader::new("Data")
                    .default_open(true)
                    .show(ui, |ui| {
                        data_panel::data_ui(
                            ui,
                            &mut self.settings.data,
                            self.data.as_ref(),
                            self.data_error.as_deref(),
                            self.best_nll,
                            &mut self.commands,
                        )
                    });
                egui::CollapsingHeader::new("Model")
                    .default_open(true)
                    .show(ui, |ui| {
                        model_panel::model_ui(ui, &mut self.settings.config, self.data.as_ref())
                    });
                egui::CollapsingHeader::new("Training")
                    .default_open(true)
                    .show(ui, |ui| {
                        train_panel::train_settings_ui(
                            ui,
                            &mut self.settings.config,
                            &mut self.settings.patience,
                        )
                    });
            });
    }

    /// Validates the settings against the data, cached until either changes.
    pub fn validate(&mut self) -> Result<(), ConfigError> {
        let Some(data) = &self.data else {
            return Err(ConfigError::EmptyTrainingSet);
        };
        if let Some((config, generation, result)) = &self.validation
            && *config == self.settings.config
            && *generation == data.generation
        {
            return result.clone();
        }
        let result = self
            .settings
            .config
            .validate(&data.train, data.test.as_deref());
        self.validation = Some((
            self.settings.config.clone(),
            data.generation,
            result.clone(),
        ));
        result
    }

    /// Is the drawn model a classifier? (The session's model if any, else the settings.)
    pub fn classifier(&self) -> bool {
        self.session
            .model
            .as_ref()
            .map_or(self.settings.config.head.is_classifier(), |m| {
                m.head().is_classifier()
            })
    }

    /// The model to draw, if it fits the loaded data's columns.
    pub fn drawable_model(&self) -> Option<&Arc<crate::nn::Model>> {
        let data = self.data.as_ref()?;
        self.session
            .model
            .as_ref()
            .filter(|m| m.spec.x_names == data.train.x_names)
    }

    fn drain_worker(&mut self, ctx: &egui::Context) {
        let Some(worker) = &self.session.worker else {
            return;
        };
        let started = Instant::now();
        let events = worker.drain(DRAIN_BUDGET);
        if events.iter().any(|e| matches!(e, Event::Snapshot { .. })) {
            worker.snapshot_taken();
        }
        if started.elapsed() >= DRAIN_BUDGET {
            // More may be waiting: come back soon.
            ctx.request_repaint_after(self.pacer.interval());
        }
        for event in events {
            self.handle_event(event, ctx);
        }
    }

    fn handle_event(&mut self, event: Event, ctx: &egui::Context) {
        let session = &mut self.session;
        match event {
            Event::Started {
                steps_per_epoch,
                epochs,
                threads,
            } => {
                session.steps_per_epoch = steps_per_epoch;
                session.epochs = epochs;
                session.threads = threads;
            }
            Event::Losses { first_step, losses } => session.push_losses(first_step, &losses),
            Event::Progress {
                steps,
                epoch,
                steps_per_sec,
                train_secs,
                active_secs,
            } => {
                session.steps = steps;
                session.epoch = epoch;
                session.steps_per_sec = steps_per_sec;
                session.train_secs = train_secs;
                session.active_secs = active_secs;
            }
            Event::Epoch(record) => {
                session.skipped_steps += record.skipped_steps;
                session.epoch = record.epoch;
                session.history.push(record);
            }
            Event::Snapshot { model, view } => session.set_model(model, view),
            Event::Paused => {
                if session.status == RunStatus::Running {
                    session.status = RunStatus::Paused;
                }
            }
            Event::Resumed => {
                if session.status == RunStatus::Paused {
                    session.status = RunStatus::Running;
                }
            }
            Event::Finished(outcome) => {
                let outcome = *outcome;
                session.history = outcome.history.clone();
                session.steps = outcome.steps;
                session.train_secs = outcome.phases.total();
                session.epoch = outcome.history.last().map_or(0, |r| r.epoch);
                session.set_model(outcome.model.clone(), outcome.view.clone());
                let test_nll = outcome.test_scores.map(|s| s.nll);
                let test_accuracy = outcome
                    .test_scores
                    .and_then(|s| s.accuracy)
                    .or(outcome.train_scores.accuracy);
                session.final_scores = Some((outcome.train_scores.nll, test_nll, test_accuracy));
                session.final_steps_per_sec = outcome.phases.steps_per_sec(outcome.steps);
                session.status = RunStatus::Finished(outcome.reason.to_string());
                // The thread has sent its last event: joining is immediate.
                session.worker = None;
                let record = RunRecord {
                    id: self.settings.next_run_id,
                    data_label: session.data_label.clone(),
                    config: session.config.clone(),
                    epochs_done: session.history.len(),
                    steps: outcome.steps,
                    train_secs: outcome.phases.total(),
                    train_nll: outcome.train_scores.nll,
                    test_nll,
                    test_accuracy,
                    reason: outcome.reason.to_string(),
                    history: outcome
                        .history
                        .iter()
                        .map(|r| (r.epoch, r.train_nll, r.test_nll))
                        .collect(),
                    overlay: false,
                    records: outcome.history.clone(),
                    stop_reason: Some(outcome.reason.clone()),
                };
                self.settings.next_run_id += 1;
                self.settings.runs.push(record);
                if self.settings.runs.len() > state::MAX_RUNS {
                    self.settings.runs.remove(0);
                }
                if let Some(stats) = &mut self.frame_stats {
                    stats.set_run(outcome.steps, outcome.phases, outcome.active_secs);
                }
                if self.autotrain_started && self.options.exit_after_training {
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            }
        }
    }

    fn poll_jobs(&mut self) {
        if let Some(job) = &self.view_job
            && let Ok(view) = job.result.try_recv()
        {
            if job.model_id == self.session.model_id {
                self.session.view = Some(Arc::new(view));
            }
            self.view_job = None;
        }
        if let Some(job) = &self.best_nll_job
            && let Ok(nll) = job.result.try_recv()
        {
            if self
                .data
                .as_ref()
                .is_some_and(|d| d.generation == job.generation)
            {
                self.best_nll = nll.is_finite().then_some(nll);
            }
            self.best_nll_job = None;
        }
    }

    /// Keeps the prediction view in step with the data and view settings: the worker
    /// recomputes it for a live run; a background job does it for a finished model.
    fn sync_view(&mut self) {
        let Some(data) = &self.data else {
            return;
        };
        if self.drawable_model().is_none() && !self.session.is_active() {
            return;
        }
        let spec = state::view_spec(data, &self.settings.view, self.classifier());
        let view_matches = self.session.view.as_ref().is_some_and(|v| v.spec == spec);
        if self.sent_view.as_ref() == Some(&spec)
            && (view_matches || self.session.is_active() || self.view_job.is_some())
        {
            return;
        }
        self.sent_view = Some(spec.clone());
        if let Some(worker) = &self.session.worker {
            worker.send(WorkerCommand::SetView(spec));
        } else if let Some(model) = self.drawable_model().cloned()
            && !view_matches
        {
            let (tx, rx) = crossbeam_channel::bounded(1);
            let wake = self.wake.clone();
            let spawned = std::thread::Builder::new()
                .name("prediction view".into())
                .spawn(move || {
                    let _ = tx.send(PredictionView::compute(&model, &spec));
                    if let Some(wake) = wake {
                        wake();
                    }
                });
            if spawned.is_ok() {
                self.view_job = Some(ViewJob {
                    model_id: self.session.model_id,
                    result: rx,
                });
            }
        }
    }

    /// Applies one big action.
    pub fn apply(&mut self, command: Command) {
        match command {
            Command::Generate => self.generate(),
            Command::LoadFile => self.load_file(),
            Command::BrowseFile => {
                let picked = rfd::FileDialog::new()
                    .add_filter("CSV / TSV", &["csv", "tsv", "txt"])
                    .pick_file();
                match picked {
                    Some(path) => {
                        self.settings.data.csv_path = path.display().to_string();
                        self.load_file();
                    }
                    None => {
                        self.data_error = Some(
                            "no file chosen (if no dialog appeared, type the path and press Load)"
                                .into(),
                        );
                    }
                }
            }
            Command::ApplyColumns => self.apply_columns(),
            Command::Train => self.start_training(false),
            Command::StepEpoch => {
                if let Some(worker) = &self.session.worker {
                    worker.send(WorkerCommand::StepEpoch);
                    self.session.status = RunStatus::Running;
                } else {
                    self.start_training(true);
                }
            }
            Command::Pause => {
                if let Some(worker) = &self.session.worker {
                    worker.send(WorkerCommand::Pause);
                }
            }
            Command::Resume => {
                if let Some(worker) = &self.session.worker {
                    worker.send(WorkerCommand::Resume);
                    self.session.status = RunStatus::Running;
                }
            }
            Command::Stop => {
                if let Some(worker) = &self.session.worker {
                    worker.send(WorkerCommand::Stop);
                    self.session.status = RunStatus::Stopping;
                }
            }
            Command::Reset => {
                self.retire_worker();
                self.session = Session::default();
                self.sent_view = None;
                self.view_job = None;
            }
            Command::RestoreRun(id) => {
                if let Some(run) = self.settings.runs.iter().find(|r| r.id == id) {
                    self.settings.config = run.config.clone();
                    if let Some(es) = run.config.early_stopping {
                        self.settings.patience = es.patience;
                    }
                }
            }
            Command::DeleteRun(id) => self.settings.runs.retain(|r| r.id != id),
            Command::ClearRuns => self.settings.runs.clear(),
            Command::File(action) => self.apply_file_action(action),
        }
    }

    /// Stops the current worker without blocking the UI (its final scoring can take a while).
    fn retire_worker(&mut self) {
        if let Some(worker) = self.session.worker.take() {
            worker.send(WorkerCommand::Stop);
            let _ = std::thread::Builder::new()
                .name("retire worker".into())
                .spawn(move || drop(worker));
        }
    }

    fn start_training(&mut self, one_epoch: bool) {
        if let Err(error) = self.validate() {
            self.session.status = RunStatus::Finished(format!("cannot train: {error}"));
            return;
        }
        self.retire_worker();
        let Some(data) = &self.data else {
            return;
        };
        let config = self.settings.config.clone();
        let spec = state::view_spec(data, &self.settings.view, config.head.is_classifier());
        let wake = self.wake.clone().unwrap_or_else(|| Arc::new(|| {}));
        match TrainingWorker::spawn(
            config.clone(),
            data.train.clone(),
            data.test.clone(),
            Some(spec.clone()),
            wake,
        ) {
            Ok(worker) => {
                if one_epoch {
                    worker.send(WorkerCommand::StepEpoch);
                }
                self.session = Session {
                    worker: Some(worker),
                    status: RunStatus::Running,
                    config,
                    data_label: data.label.clone(),
                    provenance: data.provenance.clone(),
                    ..Session::default()
                };
                self.sent_view = Some(spec);
                self.view_job = None;
            }
            Err(error) => {
                self.session.status = RunStatus::Finished(format!("cannot train: {error}"));
            }
        }
    }

    fn generate(&mut self) {
        let settings = &self.settings.data;
        let preset = settings.preset;
        let params = settings.params;
        let dataset = match preset.try_generate(&params) {
            Ok(d) => d,
            Err(error) => {
                self.data_error = Some(error.to_string());
                return;
            }
        };
        let label = format!(
            "{} n={} noise={} seed={}",
            preset.name(),
            params.n,
            params.noise,
            params.seed
        );
        self.settings.data.source = SourceKind::Preset;
        let truth = preset.truth(&params);
        let source = DataSourceSpec::Preset { preset, params };
        self.install(dataset, label, truth, None, 0, Some(source));
        if preset.is_classification() != self.settings.config.head.is_classifier() {
            // A classification preset wants the Bernoulli head and vice versa.
            self.settings.config.head = if preset.is_classification() {
                crate::nn::Head::Bernoulli
            } else {
                crate::nn::Head::Mixture { components: 16 }
            };
        }
    }

    fn load_file(&mut self) {
        let path = self.settings.data.csv_path.trim().to_string();
        if path.is_empty() {
            self.data_error = Some("type the path of a CSV or TSV file first".into());
            return;
        }
        match load_table(std::path::Path::new(&path)) {
            Ok(table) => {
                let table = Arc::new(table);
                let defaults = table.default_roles();
                let roles_fit = !self.settings.data.y_column.is_empty()
                    && table.column_index(&self.settings.data.y_column).is_some()
                    && !self.settings.data.x_columns.is_empty()
                    && self
                        .settings
                        .data
                        .x_columns
                        .iter()
                        .all(|c| table.column_index(c).is_some());
                let roles = if roles_fit {
                    ColumnRoles {
                        x: self.settings.data.x_columns.clone(),
                        y: self.settings.data.y_column.clone(),
                    }
                } else {
                    defaults
                };
                self.select_columns(table, roles);
            }
            Err(error) => self.data_error = Some(error.to_string()),
        }
    }

    fn apply_columns(&mut self) {
        let Some(table) = self.data.as_ref().and_then(|d| d.table.clone()) else {
            self.load_file();
            return;
        };
        let roles = ColumnRoles {
            x: self.settings.data.x_columns.clone(),
            y: self.settings.data.y_column.clone(),
        };
        self.select_columns(table, roles);
    }

    fn select_columns(&mut self, table: Arc<crate::data::Table>, roles: ColumnRoles) {
        let policy = if self.settings.data.drop_missing {
            MissingPolicy::DropRows
        } else {
            MissingPolicy::Error
        };
        // The core accepts no inputs (p(y)); the window's views still need an x axis.
        if roles.x.is_empty() {
            self.data_error = Some(format!(
                "{}: choose at least one input column (p(y) without inputs: use the command line, train --x \"\")",
                table.source
            ));
            return;
        }
        match table.select(&roles, policy) {
            Ok(selection) => {
                self.settings.data.x_columns = roles.x.clone();
                self.settings.data.y_column = roles.y.clone();
                self.settings.data.source = SourceKind::File;
                let name = std::path::Path::new(&table.source)
                    .file_name()
                    .map_or(table.source.clone(), |n| n.to_string_lossy().into_owned());
                let label = format!("{name} ({} → {})", roles.x.join(","), roles.y);
                let path = std::path::Path::new(&table.source);
                let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
                let source = Some(DataSourceSpec::for_table(&table, path, roles, policy));
                self.install(
                    selection.dataset,
                    label,
                    None,
                    Some(table),
                    selection.dropped_rows,
                    source,
                );
            }
            Err(error) => self.data_error = Some(error.to_string()),
        }
    }

    /// Splits and installs a new dataset; keeps the previous one on error.
    fn install(
        &mut self,
        dataset: Dataset,
        label: String,
        truth: Option<crate::data::Truth>,
        table: Option<Arc<crate::data::Table>>,
        dropped_rows: usize,
        source: Option<DataSourceSpec>,
    ) {
        let fraction = self.settings.data.test_fraction;
        let provenance = source.map(|data| state::Provenance {
            data,
            test: if fraction > 0.0 {
                TestSourceSpec::Split {
                    fraction,
                    seed: self.settings.data.split_seed,
                }
            } else {
                TestSourceSpec::None
            },
        });
        let (train, test) = if fraction > 0.0 {
            match dataset.split(fraction, self.settings.data.split_seed) {
                Ok((train, test)) => (train, Some(Arc::new(test))),
                Err(error) => {
                    self.data_error = Some(error.to_string());
                    return;
                }
            }
        } else {
            (dataset, None)
        };
        let stats = full_stats(&train, test.as_deref());
        let y_view = robust_y_range(&train);
        let generation = self.next_generation;
        self.next_generation += 1;
        let is_binary =
            train.is_binary_target() && test.as_ref().is_none_or(|t| t.is_binary_target());
        let d = train.n_inputs();
        let view = &mut self.settings.view;
        if view.x_column >= d {
            view.x_column = 0;
        }
        if view.base_inputs.len() != d
            || self
                .data
                .as_ref()
                .is_none_or(|old| old.train.x_names != train.x_names)
        {
            view.base_inputs.clear();
        }
        let x_range = stats
            .get(view.x_column)
            .map_or((0.0, 1.0), |s| (s.min, s.max));
        if !(x_range.0..=x_range.1).contains(&view.x_star) {
            view.x_star = stats.get(view.x_column).map_or(0.0, |s| s.median);
        }
        if d >= 2 {
            let plane = state::plane_column(view, d);
            let r = stats.get(plane).map_or((0.0, 1.0), |s| (s.min, s.max));
            if !(r.0..=r.1).contains(&view.plane_star) {
                view.plane_star = stats.get(plane).map_or(0.0, |s| s.median);
            }
        }
        self.best_nll = None;
        self.best_nll_job = truth.clone().map(|truth| {
            let (tx, rx) = crossbeam_channel::bounded(1);
            let target = test.clone().unwrap_or_else(|| Arc::new(train.clone()));
            let wake = self.wake.clone();
            let _ = std::thread::Builder::new()
                .name("best nll".into())
                .spawn(move || {
                    let _ = tx.send(truth.mean_nll(&target));
                    if let Some(wake) = wake {
                        wake();
                    }
                });
            BestNllJob {
                generation,
                result: rx,
            }
        });
        self.data = Some(LoadedData {
            generation,
            label,
            train: Arc::new(train),
            test,
            stats,
            truth,
            y_view,
            dropped_rows,
            table,
            is_binary,
            provenance,
        });
        self.data_error = None;
        self.sent_view = None;
    }

    /// Writes frame statistics if asked to; stops the worker.
    pub fn shutdown(&mut self) {
        if let (Some(stats), Some(path)) = (&self.frame_stats, &self.options.frame_stats)
            && let Err(error) = stats.write(path)
        {
            eprintln!(
                "cannot write frame statistics to {}: {error}",
                path.display()
            );
        }
        // Dropping joins the training thread.
        self.session.worker = None;
    }
}

/// Column statistics over train and test together.
fn full_stats(train: &Dataset, test: Option<&Dataset>) -> Vec<crate::data::ColumnStats> {
    match test {
        Some(test) => {
            let mut x = train.x.clone();
            x.extend_from_slice(&test.x);
            let mut y = train.y.clone();
            y.extend_from_slice(&test.y);
            Dataset {
                x_names: train.x_names.clone(),
                y_name: train.y_name.clone(),
                x,
                y,
            }
            .column_stats()
        }
        None => train.column_stats(),
    }
}

/// The y range to plot: 0.2 % to 99 % quantiles (long tails would squash the picture),
/// padded by 5 %; the full range for a 0/1 target.
fn robust_y_range(data: &Dataset) -> (f64, f64) {
    if data.is_binary_target() {
        return (-0.1, 1.1);
    }
    let step = (data.len() / 50_000).max(1);
    let mut ys: Vec<f64> = data.y.iter().step_by(step).copied().collect();
    ys.sort_by(f64::total_cmp);
    let at = |q: f64| ys[((ys.len() - 1) as f64 * q).round() as usize];
    if ys.is_empty() {
        return (0.0, 1.0);
    }
    state::pad_range(at(0.002), at(0.99), 0.05)
}

impl eframe::App for WorkbenchApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        WorkbenchApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_frame(ui);
    }

    /// The window's background: panels are see-through (see [`cheap_panels`]), so the
    /// clear colour paints what their fill would have.
    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        let theme = if visuals.dark_mode {
            egui::Visuals::dark()
        } else {
            egui::Visuals::light()
        };
        theme.panel_fill.to_normalized_gamma_f32()
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.shutdown();
    }
}

/// Adds the bundled DejaVu Sans as a fallback font: egui's default fonts lack symbols the
/// window uses (→, ≥, π, θ, −, thin spaces).
pub fn install_fonts(ctx: &egui::Context) {
    use egui::epaint::text::{FontData, FontInsert, FontPriority, InsertFontFamily};
    ctx.add_font(FontInsert::new(
        "DejaVuSans",
        FontData::from_static(include_bytes!("../../assets/fonts/DejaVuSans.ttf")),
        [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
            .into_iter()
            .map(|family| InsertFontFamily {
                family,
                priority: FontPriority::Lowest,
            })
            .collect(),
    ));
}

/// Opens the window; returns when it is closed.
pub fn run() -> anyhow::Result<()> {
    tune_allocator();
    one_software_render_thread();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Density Workbench")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([900.0, 600.0]),
        // Heat maps come from a 256-colour table, so dithering hides no banding; without a
        // GPU it costs ~5 % of the renderer's time per frame (measured under Xvfb).
        dithering: false,
        ..Default::default()
    };
    let launch = LaunchOptions::from_env();
    eframe::run_native(
        "Density Workbench",
        options,
        Box::new(move |cc| {
            install_fonts(&cc.egui_ctx);
            cheap_panels(&cc.egui_ctx);
            let settings: Settings = cc
                .storage
                .and_then(|s| eframe::get_value(s, STORAGE_KEY))
                .unwrap_or_default();
            Ok(Box::new(WorkbenchApp::new(settings, launch)))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}

/// Panels paint no background of their own: the clear colour is the same colour
/// ([`WorkbenchApp::clear_color`]). Each panel's opaque fill covered the window once more per
/// frame, which without a GPU was a quarter of the software renderer's time (under Xvfb: 27
/// → 20 ms of CPU per frame), time taken from training.
fn cheap_panels(ctx: &egui::Context) {
    ctx.all_styles_mut(|style| style.visuals.panel_fill = egui::Color32::TRANSPARENT);
}

/// Without a GPU, Mesa's software renderer (llvmpipe) rasterises with one thread per core. While
/// training runs, each frame is lent one core ([`frame_pacing`]); a second renderer thread would
/// take the other, still training, one. One thread renders this window in 10–25 ms.
fn one_software_render_thread() {
    const VAR: &str = "LP_NUM_THREADS";
    if std::env::var_os(VAR).is_none() {
        // SAFETY: called before the window (or any other thread of this process) exists, so
        // nothing reads the environment concurrently.
        unsafe { std::env::set_var(VAR, "1") };
    }
}

/// glibc allocator settings for the window's process (measured under Xvfb on a 2-core VM):
///
/// * Every frame builds vertex buffers of several megabytes (here and, without a GPU, in the
///   software renderer). glibc hands such blocks back to the system when they are freed and
///   faults fresh zeroed pages in for the next frame, which doubled the UI thread's CPU time
///   while training ran. Keeping freed memory in the process avoids it.
/// * One arena for all threads. By default the training thread allocates the trainer (its
///   parameters, Adam moments and gradients) from an arena of its own; with that, the Adam
///   update took 24–27 µs per step of the seed model against 15–16 µs in the main heap, as
///   for the headless `train` (12 alternating launches each: 3 430 against 3 610 steps/s,
///   medians). Why the arena matters is not established. Training steps do not allocate;
///   snapshots and frames do, a few times a second, and those figures include any waiting
///   for the shared arena that brings.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only changes allocator parameters; it is called before any other
    // thread exists. A rejected parameter leaves the default, which is merely slower.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}
