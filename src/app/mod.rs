//! The eframe/egui workbench window (feature `gui`).
//!
//! [`WorkbenchApp`] holds persisted [`state::Settings`] and runtime state. Each frame,
//! [`WorkbenchApp::logic`] takes the training worker's events under a time budget and polls
//! the background tasks (`events.rs`, `tasks.rs`); then [`WorkbenchApp::ui_frame`] lays out
//! the panels (`layout.rs`), which only edit settings or push a [`Command`], applied after
//! layout (`command.rs`). Data come in through background tasks (`data_source.rs`). The
//! `eframe::App` impl only delegates, so `egui_kittest` drives the same code.

pub mod colormap;
mod command;
mod data_panel;
mod data_source;
mod density_image;
mod diagnostics_view;
mod events;
mod experiment_actions;
mod export_actions;
pub mod file_menu;
pub mod file_state;
mod frame_pacing;
mod frame_stats;
mod health_view;
mod launch;
mod layout;
mod loss_plot;
mod main_plot;
mod model_panel;
mod native;
mod plot_curves;
mod posterior_plot;
mod run_columns;
mod run_entry;
mod run_store;
mod runs;
mod scenarios_view;
mod shortcuts;
mod shown;
pub mod state;
pub mod sweep_view;
mod tasks;
mod train_panel;
mod widgets;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::nn::{ConfigError, PredictionView, TrainConfig, ValidConfig};

pub use command::Command;
pub use launch::LaunchOptions;
pub use native::{install_fonts, run};

use data_source::DataJob;
use frame_stats::FrameStats;
use state::{LoadedData, Session, Settings, SourceKind};
use tasks::Task;

/// The key of the settings in eframe's storage.
pub const STORAGE_KEY: &str = "density-workbench";
/// Time the UI spends taking worker events per frame.
const DRAIN_BUDGET: Duration = Duration::from_millis(3);
/// The worker's news is shown at most this often (4 frames/s and a little more, as a frame's
/// own latency comes on top); slower when frames are costly (see [`frame_pacing`]). User
/// input still repaints at once.
const WAKE_INTERVAL: Duration = Duration::from_millis(220);

/// The automatic run starts this long after the first frame, as a person would press Train:
/// the first frames build the font atlas and, without a GPU, compile the shaders on the CPU,
/// which would otherwise be counted against the run's throughput.
const AUTOTRAIN_SETTLE: Duration = Duration::from_millis(1500);

pub struct WorkbenchApp {
    pub settings: Settings,
    pub data: Option<LoadedData>,
    /// The last data error, in plain words (the previous data stays loaded).
    pub data_error: Option<String>,
    /// What the window changed to suit the loaded data (small data: early stopping on).
    pub data_note: Option<String>,
    pub session: Session,
    /// Best achievable mean NLL on the held-out (else training) data, when known.
    pub best_nll: Option<f64>,
    /// The File menu's dialogs, background writes and messages.
    pub files: file_state::FileUi,
    commands: Vec<Command>,
    next_generation: u64,
    /// Loading or generating data, when in progress.
    data_job: Option<DataJob>,
    /// The prediction view of a finished model, for the model with this id.
    view_job: Option<(u64, Task<PredictionView>)>,
    /// The truth's entropy on the data of this generation.
    best_nll_job: Option<(u64, Task<f64>)>,
    /// The shown model's calibration diagnostics, and their background computation.
    diagnostics: Option<diagnostics_view::DiagnosticsState>,
    diagnostics_job: Option<diagnostics_view::DiagnosticsJob>,
    /// The scenario comparison (the current x* and the pinned inputs) of the shown model.
    scenarios: scenarios_view::ScenarioState,
    /// Runs' weights between launches.
    run_store: Option<run_store::RunStore>,
    /// A stored run's weights being read, for Restore of run `id`.
    model_load: Option<(u64, Task<crate::nn::Model>)>,
    /// The view spec last sent to the worker or computed.
    sent_view: Option<crate::nn::ViewSpec>,
    validation: Option<(TrainConfig, u64, Result<ValidConfig, ConfigError>)>,
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
    /// The sweep tab: a followed journal, a running sweep.
    pub sweep: sweep_view::SweepView,
}

impl WorkbenchApp {
    /// A window on `settings`; starts generating or loading its data right away.
    pub fn new(settings: Settings, options: LaunchOptions) -> Self {
        let mut settings = if options.fresh || options.autotrain {
            Settings {
                runs: settings.runs,
                next_run_id: settings.next_run_id,
                ..Settings::default()
            }
        } else {
            settings
        };
        options.apply_data_choice(&mut settings.data);
        let pacer = frame_pacing::FramePacer::new(options.refresh.unwrap_or(WAKE_INTERVAL));
        let mut app = WorkbenchApp {
            settings,
            data: None,
            data_error: None,
            data_note: None,
            session: Session::default(),
            best_nll: None,
            files: Default::default(),
            commands: Vec::new(),
            next_generation: 1,
            data_job: None,
            view_job: None,
            best_nll_job: None,
            diagnostics: None,
            diagnostics_job: None,
            scenarios: Default::default(),
            run_store: options.run_store.clone().map(run_store::RunStore::new),
            model_load: None,
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
            sweep: Default::default(),
        };
        if app.settings.data.source == SourceKind::File
            && app.settings.data.csv_path.trim().is_empty()
        {
            app.settings.data.source = SourceKind::Preset;
        }
        app.request_data(false, None);
        app
    }

    /// The app with default settings (tests).
    pub fn with_defaults() -> Self {
        Self::new(Settings::default(), LaunchOptions::default())
    }

    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Is background work in progress that the user waits for (data, a view, a write)?
    pub fn is_busy(&self) -> bool {
        self.data_job.is_some()
            || self.model_load.is_some()
            || self.view_job.is_some()
            || self.best_nll_job.is_some()
            || self.diagnostics_job.is_some()
            || self.scenarios.is_busy()
            || self.caches.bins.is_busy()
            || self.files.busy()
    }

    /// Per-frame work that is not layout: take worker events, finish background tasks.
    pub fn logic(&mut self, ctx: &egui::Context) {
        self.frame_started = Some(Instant::now());
        if self.wake.is_none() {
            let ctx = ctx.clone();
            let pacer = self.pacer.clone();
            self.wake = Some(Arc::new(move || {
                ctx.request_repaint_after(pacer.interval());
            }));
        }
        if self.autotrain_pending && self.data_job.is_none() {
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
        self.poll_data_task();
        self.poll_model_load();
        self.poll_view_job();
        self.poll_best_nll();
        self.poll_file_jobs();
        self.poll_sweep(ctx);
        self.sync_diagnostics();
        self.sync_scenarios();
        self.sync_view();
        if self.session.is_active() || self.is_busy() {
            // Tasks wake the window when they finish; this also keeps elapsed times moving.
            ctx.request_repaint_after(self.pacer.interval());
        }
    }

    /// Validates the settings against the data, cached until either changes.
    pub fn validate(&mut self) -> Result<ValidConfig, ConfigError> {
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

    /// The model to draw: the session's, if it was trained on the loaded data.
    pub fn drawable_model(&self) -> Option<&Arc<crate::nn::Model>> {
        let data = self.data.as_ref()?;
        self.session
            .model
            .as_ref()
            .filter(|_| self.session.fits(data))
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

impl eframe::App for WorkbenchApp {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        if let (Some(stats), Some(secs)) = (&mut self.frame_stats, frame.info().cpu_usage) {
            stats.record_whole(secs);
        }
        WorkbenchApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_frame(ui);
    }

    /// The window's background: panels are see-through (see `native::cheap_panels`), so the
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
