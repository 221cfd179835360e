//! What the File menu does: open and save models and experiments, export predictions and
//! figures.
//!
//! Everything that writes runs on a background thread (a [`WriteJob`]): it computes the
//! bytes (predictions for 100 000 rows, a figure's prediction grid and rendering), then
//! writes them with [`write_atomic`] refusing to replace an existing file. When the file
//! exists, the bytes come back and wait for the user's Replace / Cancel. The UI thread only
//! gathers the inputs (cheap `Arc` clones) and reads small files (models, experiments).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::WorkbenchApp;
use super::file_state::{
    Dialog, FigureKind, FileAction, ModelInfo, PendingReplace, PredictionSet, WriteJob,
    WriteOutcome,
};
use super::state::{self, RunStatus, Session};
use super::tasks::{Poll, Task};
use crate::data::{Dataset, Truth};
use crate::export::figures::{
    DataFigure, DataPlotOptions, Figure, ImageFormat, LossFigure, PosteriorFigure, RenderOptions,
    RunCurve, RunsFigure, render_figure,
};
use crate::export::{ModelFile, Overwrite, WriteError, load_model, write_atomic};
use crate::nn::{EpochRecord, Model, PredictionView};
use crate::run::RunSummary;

pub(crate) type Producer = Box<dyn FnOnce() -> Result<Vec<u8>, String> + Send>;

impl WorkbenchApp {
    pub(crate) fn apply_file_action(&mut self, action: FileAction) {
        match action {
            FileAction::Show(dialog) => {
                self.settings.export.place_in_last_folder(dialog);
                self.files.open = Some(dialog);
                self.files.message = None;
            }
            FileAction::Close => self.files.open = None,
            FileAction::Browse(dialog) => self.browse(dialog),
            FileAction::Run(dialog) => self.run_dialog(dialog),
            FileAction::Replace => {
                if let Some(pending) = self.files.pending.take() {
                    let bytes = pending.bytes;
                    self.spawn_write(
                        pending.what,
                        pending.path,
                        Overwrite::Allow,
                        Box::new(move || Ok(Arc::unwrap_or_clone(bytes))),
                    );
                }
            }
            FileAction::KeepExisting => {
                if let Some(pending) = self.files.pending.take() {
                    self.files.ok(format!(
                        "{} not replaced; nothing written",
                        pending.path.display()
                    ));
                }
            }
            FileAction::UseModelSettings => {
                if let Some(t) = self
                    .files
                    .model_info
                    .as_ref()
                    .and_then(|i| i.training.as_ref())
                {
                    self.settings.config = t.config.clone();
                    if let Some(es) = t.config.early_stopping {
                        self.settings.patience = es.patience;
                    }
                    self.files
                        .ok("the model's training settings are in the controls");
                }
            }
            FileAction::CloseModelInfo => self.files.model_info = None,
            FileAction::OpenExperimentRuns(merge) => {
                if let Some(pending) = self.files.pending_experiment.take() {
                    self.apply_experiment(pending, merge);
                }
            }
            FileAction::CancelExperiment => {
                if let Some(pending) = self.files.pending_experiment.take() {
                    self.files.ok(format!(
                        "{} not opened; nothing changed",
                        pending.path.display()
                    ));
                }
            }
            FileAction::CancelWrite => {
                if let Some(job) = self.files.job.take() {
                    job.task.cancel();
                    self.files.ok(format!(
                        "writing the {} was cancelled; no file was written unless it had already begun",
                        job.what
                    ));
                }
            }
        }
    }

    /// Takes finished background writes.
    pub(crate) fn poll_file_jobs(&mut self) {
        let Some(job) = &self.files.job else {
            return;
        };
        let outcome = match job.task.poll() {
            Poll::Pending => return,
            Poll::Done(outcome) => Ok(outcome),
            Poll::Failed(error) => Err(error),
        };
        let what = job.what.clone();
        self.files.job = None;
        match outcome {
            Ok(WriteOutcome::Written { path, bytes }) => {
                self.files.ok(format!(
                    "Saved {what} to {} ({})",
                    path.display(),
                    human_bytes(bytes)
                ));
                if self.files.pending.is_none() {
                    self.files.open = None;
                }
            }
            Ok(WriteOutcome::Exists { path, bytes }) => {
                // The confirmation window asks.
                self.files.message = None;
                self.files.pending = Some(PendingReplace { path, bytes, what });
            }
            Err(error) => self.files.error(error),
        }
    }

    fn browse(&mut self, dialog: Dialog) {
        let (name, extensions) = dialog.filter();
        let current = self.settings.export.path_mut(dialog).clone();
        let mut picker = rfd::FileDialog::new().add_filter(name, extensions);
        let current = Path::new(current.trim());
        if let Some(dir) = self.settings.export.start_folder(dialog) {
            picker = picker.set_directory(dir);
        }
        let picked = if dialog.writes() {
            if let Some(file) = current.file_name() {
                picker = picker.set_file_name(file.to_string_lossy());
            }
            picker.save_file()
        } else {
            picker.pick_file()
        };
        match picked {
            Some(path) => {
                self.settings.export.remember_folder(&path);
                *self.settings.export.path_mut(dialog) = path.display().to_string();
            }
            None => self.files.error(
                "no file chosen (if no dialog appeared, type the path and press the button)",
            ),
        }
    }

    fn typed_path(&mut self, dialog: Dialog) -> Option<PathBuf> {
        let path = self.settings.export.path_mut(dialog).trim().to_string();
        if path.is_empty() {
            self.files.error("type a file path first");
            return None;
        }
        // Absolute, so messages say where the file went.
        let path = PathBuf::from(path);
        let path = std::path::absolute(&path).unwrap_or(path);
        if path.parent().is_some_and(Path::is_dir) {
            self.settings.export.remember_folder(&path);
        }
        Some(path)
    }

    fn run_dialog(&mut self, dialog: Dialog) {
        if self.files.job.is_some() || self.files.pending.is_some() {
            self.files
                .error("another file is being written; wait for it to finish");
            return;
        }
        let Some(path) = self.typed_path(dialog) else {
            return;
        };
        self.files.message = None;
        let result = match dialog {
            Dialog::OpenModel => self.open_model(&path),
            Dialog::SaveModel => self.save_model(path),
            Dialog::ExportPredictions => self.export_predictions(path),
            Dialog::ExportFigure => self.export_figure(path),
            Dialog::OpenExperiment => self.open_experiment(&path),
            Dialog::SaveExperiment => self.save_experiment(path),
            Dialog::OpenSweepJournal => self.open_sweep_journal(&path),
        };
        if let Err(error) = result {
            self.files.error(error);
        }
    }

    /// Runs `produce` then the atomic write on a background thread; a write cancelled
    /// before it begins writes nothing.
    pub(crate) fn spawn_write(
        &mut self,
        what: String,
        path: PathBuf,
        overwrite: Overwrite,
        produce: Producer,
    ) {
        let task = Task::spawn(
            format!("writing the {what}"),
            self.wake.clone(),
            move |cancel| {
                let bytes = produce()?;
                if cancel.is_cancelled() {
                    return Err("cancelled".into());
                }
                match write_atomic(&path, &bytes, overwrite) {
                    Ok(()) => Ok(WriteOutcome::Written {
                        path,
                        bytes: bytes.len(),
                    }),
                    Err(WriteError::AlreadyExists { path }) => Ok(WriteOutcome::Exists {
                        path,
                        bytes: Arc::new(bytes),
                    }),
                    Err(error @ WriteError::Io { .. }) => Err(error.to_string()),
                }
            },
        );
        match task {
            Ok(task) => self.files.job = Some(WriteJob { what, task }),
            Err(error) => self.files.error(error),
        }
    }

    // ----- models ------------------------------------------------------------------------

    fn save_model(&mut self, path: PathBuf) -> Result<(), String> {
        let Some(model) = self.session.model.clone() else {
            return Err("no model yet: train one (or open a model file) first".into());
        };
        let training = self.training_record(&model);
        // An ensemble made in the window is written with each member's run record.
        let members = self
            .sweep
            .ensemble
            .as_ref()
            .filter(|(m, _)| Arc::ptr_eq(m, &model) && model.is_ensemble())
            .map(|(_, records)| records.clone());
        let producer: Producer = Box::new(move || {
            Ok(match members {
                Some(records) => crate::export::ensemble_json(&model, records, None),
                None => ModelFile::from_model(&model, training).to_json(),
            }
            .into_bytes())
        });
        self.spawn_write("model".into(), path, Overwrite::Refuse, producer);
        Ok(())
    }

    /// The training record of the session's model: the opened file's when the model came
    /// from a file, else the session's run.
    fn training_record(&self, model: &Arc<Model>) -> Option<RunSummary> {
        if let Some((opened, record)) = &self.files.opened_model
            && Arc::ptr_eq(opened, model)
        {
            return record.clone();
        }
        Some(self.session.summary())
    }

    fn open_model(&mut self, path: &Path) -> Result<(), String> {
        if self.session.is_active() {
            return Err("a training run is in progress: stop it before opening a model".into());
        }
        let (model, file) = load_model(path).map_err(|e| e.to_string())?;
        let Some(data) = &self.data else {
            return Err("load or generate data first".into());
        };
        if model.spec.x_names != data.train.x_names() {
            return Err(format!(
                "{}: the model's inputs ({}) are not the data's inputs ({}); load matching data first",
                path.display(),
                model.spec.x_names.join(", "),
                data.train.x_names().join(", ")
            ));
        }
        let target_note = if model.spec.y_name != data.train.y_name() {
            format!(
                " (note: the model predicts \"{}\", the data's target is \"{}\")",
                model.spec.y_name,
                data.train.y_name()
            )
        } else {
            String::new()
        };
        let params: usize = file
            .layers
            .iter()
            .map(|l| l.kernel.iter().map(Vec::len).sum::<usize>() + l.bias.len())
            .sum();
        let architecture = {
            let mut parts: Vec<String> = file
                .architecture
                .hidden
                .iter()
                .map(|l| format!("Dense({}, {})", l.width, l.activation.name()))
                .collect();
            parts.push(format!("Dense({})", file.architecture.params_size));
            parts.join(" → ")
        };
        let training = file.training.clone();
        let model = Arc::new(model);
        self.retire_worker();
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        let mut session = Session {
            status: RunStatus::Finished(format!("opened model {name}")),
            data: training.as_ref().and_then(|t| t.data.clone()),
            run_name: name.clone(),
            ..Session::default()
        };
        if let Some(t) = &training {
            session.config = t.config.clone();
            session.history = t.history.clone();
            session.epoch = t.history.last().map_or(0, |r| r.epoch);
            session.steps = t.steps;
            session.train_secs = if t.train_seconds.is_finite() {
                t.train_seconds
            } else {
                0.0
            };
        }
        session.set_model(model.clone(), None);
        self.session = session;
        self.sent_view = None;
        self.view_job = None;
        self.files.opened_model = Some((model, training.clone()));
        self.files.model_info = Some(ModelInfo {
            path: path.display().to_string(),
            architecture,
            head: file.architecture.head.label(),
            inputs: file.architecture.inputs.join(", "),
            target: file.architecture.target.clone(),
            params,
            training,
        });
        self.files.open = None;
        if self.session.fits(data_now(&self.data)?) {
            self.files.ok(format!(
                "Opened model {}: its predictions are shown{target_note}",
                path.display()
            ));
        } else {
            self.files.ok(format!(
                "Opened model {}: it was trained on other data, so its predictions are hidden until its data are loaded (\"Load its data\" above the plot)",
                path.display()
            ));
        }
        Ok(())
    }

    // ----- predictions -------------------------------------------------------------------

    fn export_predictions(&mut self, path: PathBuf) -> Result<(), String> {
        let model = self.model_for_data()?;
        let Some(data) = &self.data else {
            return Err("no data loaded".into());
        };
        let set = self.settings.export.predictions_set;
        let train = data.train.clone();
        let test = data.test.clone();
        if set == PredictionSet::Test && test.is_none() {
            return Err("there is no held-out set (set a held-out fraction above 0)".into());
        }
        let producer: Producer = Box::new(move || {
            let joined;
            let rows: &Dataset = match (set, &test) {
                (PredictionSet::Test, Some(test)) => test,
                (PredictionSet::All, Some(test)) => {
                    joined = train
                        .concat(test)
                        .map_err(|e| format!("cannot write the predictions: {e}"))?;
                    &joined
                }
                (PredictionSet::Train, _) | (_, None) => &train,
            };
            crate::export::predictions_csv(&model, &rows.x(), Some(&rows.y()))
                .map_err(|e| format!("cannot write the predictions: {e}"))
        });
        self.spawn_write("predictions".into(), path, Overwrite::Refuse, producer);
        Ok(())
    }

    /// The session's model, if it was trained on the loaded data.
    fn model_for_data(&self) -> Result<Arc<Model>, String> {
        if self.session.model.is_none() {
            return Err("no model yet: train one (or open a model file) first".into());
        }
        self.drawable_model().cloned().ok_or_else(|| {
            format!(
                "the model of {} was trained on other data: load its data first",
                self.session.run_name
            )
        })
    }

    // ----- figures -----------------------------------------------------------------------

    fn export_figure(&mut self, path: PathBuf) -> Result<(), String> {
        let format = ImageFormat::from_path(&path).map_err(|e| e.to_string())?;
        let export = &self.settings.export;
        let options = RenderOptions {
            width_px: export.figure_width_px,
            height_px: export.figure_height_px,
            dpi: (export.figure_dpi > 0.0).then_some(export.figure_dpi),
        };
        options.validate().map_err(|e| e.to_string())?;
        let producer = match export.figure_kind {
            kind @ (FigureKind::DataBands | FigureKind::DataDensity) => {
                self.data_figure(kind, format, options)?
            }
            FigureKind::Posterior => self.posterior_figure(format, options)?,
            FigureKind::Loss => {
                let history = self.session.history.clone();
                if history.is_empty() {
                    return Err("no loss curves yet: train for at least one epoch".into());
                }
                let best_nll = self.best_nll;
                Box::new(move || {
                    let mut figure = LossFigure::new(&history);
                    figure.best_nll = best_nll;
                    render_figure(&Figure::Loss(figure), format, &options)
                        .map_err(|e| e.to_string())
                }) as Producer
            }
            FigureKind::Runs => {
                let runs: Vec<(String, Vec<EpochRecord>)> = self
                    .settings
                    .runs
                    .iter()
                    .filter(|r| r.overlay)
                    .map(|r| {
                        let label =
                            super::run_columns::distinguishing_label(r, &self.settings.runs);
                        (label, r.summary.history.clone())
                    })
                    .collect();
                if runs.is_empty() {
                    return Err(
                        "tick the runs to compare in the Runs table (the \"plot\" column)".into(),
                    );
                }
                let best_nll = self.best_nll;
                Box::new(move || {
                    let curves = runs
                        .iter()
                        .map(|(label, history)| RunCurve {
                            label: label.clone(),
                            history,
                        })
                        .collect();
                    let mut figure = RunsFigure::new(curves);
                    figure.best_nll = best_nll;
                    render_figure(&Figure::Runs(figure), format, &options)
                        .map_err(|e| e.to_string())
                })
            }
        };
        self.spawn_write("figure".into(), path, Overwrite::Refuse, producer);
        Ok(())
    }

    fn data_figure(
        &self,
        kind: FigureKind,
        format: ImageFormat,
        options: RenderOptions,
    ) -> Result<Producer, String> {
        let model = self.model_for_data()?;
        let Some(data) = &self.data else {
            return Err("no data loaded".into());
        };
        let view = &self.settings.view;
        let classifier = model.head().is_classifier();
        // The on-screen view (axes, ranges, other inputs), on a finer grid.
        let mut spec = state::view_spec(data, view, classifier);
        if spec.plane_column.is_some() {
            (spec.nx, spec.ny) = (200, 200);
        } else {
            (spec.nx, spec.ny) = (240, 200);
        }
        let train = view.show_train_points.then(|| data.train.clone());
        let test = if view.show_test_points {
            data.test.clone()
        } else {
            None
        };
        let truth: Option<Truth> = data.truth.clone().filter(|_| view.show_truth);
        let mut plot = if kind == FigureKind::DataDensity {
            DataPlotOptions::density()
        } else {
            DataPlotOptions::default()
        };
        plot.mean = view.show_mean;
        plot.median = view.show_median;
        plot.mode = view.show_mode;
        plot.truth = view.show_truth;
        plot.colormap = view.colormap;
        plot.heat_norm = view.heat_norm;
        if kind == FigureKind::DataBands {
            plot.points = train.is_some() || test.is_some();
        }
        Ok(Box::new(move || {
            let prediction = PredictionView::compute(&model, &spec);
            let mut figure = DataFigure::for_model(&model, &prediction);
            figure.train = train.as_deref();
            figure.test = test.as_deref();
            figure.truth = truth.as_ref();
            figure.options = plot;
            render_figure(&Figure::Data(figure), format, &options).map_err(|e| e.to_string())
        }))
    }

    fn posterior_figure(
        &self,
        format: ImageFormat,
        options: RenderOptions,
    ) -> Result<Producer, String> {
        let model = self.model_for_data()?;
        let Some(data) = &self.data else {
            return Err("no data loaded".into());
        };
        let classifier = model.head().is_classifier();
        let row = state::x_star_row(data, &self.settings.view, classifier);
        let varied = state::x_star_columns(data, &self.settings.view, classifier);
        let truth = data.truth.clone().filter(|_| self.settings.view.show_truth);
        let full_range = self.settings.view.posterior_full_range;
        Ok(Box::new(move || {
            let predictive = model.predict(&row);
            let mut figure = PosteriorFigure::for_model(&model, &predictive, row);
            figure.truth = truth.as_ref();
            figure.varied = varied;
            // The y range the posterior panel shows.
            if let crate::nn::Predictive::Mixture(m) = &predictive {
                figure.y_range = super::posterior_plot::plotted_range(m, full_range);
            }
            // Weighted components as in the posterior panel (which always draws them).
            render_figure(&Figure::Posterior(figure), format, &options).map_err(|e| e.to_string())
        }))
    }
}

/// The loaded data, or the error that there are none.
fn data_now(data: &Option<state::LoadedData>) -> Result<&state::LoadedData, String> {
    data.as_ref()
        .ok_or_else(|| "load or generate data first".to_string())
}

fn human_bytes(n: usize) -> String {
    if n < 10_000 {
        format!("{n} bytes")
    } else if n < 10_000_000 {
        format!("{} kB", n / 1000)
    } else {
        format!("{} MB", n / 1_000_000)
    }
}
