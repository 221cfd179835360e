//! Big actions: panels push a [`Command`] during layout; [`WorkbenchApp::apply`] carries it
//! out after layout (training control, data, the runs table, the File menu).

use std::sync::Arc;

use crate::run::RunData;
use crate::worker::{Command as WorkerCommand, TrainingWorker};

use super::WorkbenchApp;
use super::data_source::recipe_into_settings;
use super::file_state::FileAction;
use super::state::{RunEntry, RunStatus, Session, view_spec};
use super::tasks::{Poll, Task};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Generate the selected preset with its parameters.
    Generate,
    /// Load the file at the typed path.
    LoadFile,
    /// Ask for a file with the system dialog, then load it.
    BrowseFile,
    /// Rebuild the dataset from the loaded table with the chosen columns.
    ApplyColumns,
    /// Stop the data task in progress; the current data stay.
    CancelData,
    /// Load the data of the shown model's run (after the data changed under it).
    LoadSessionData,
    Train,
    Pause,
    Resume,
    StepEpoch,
    Stop,
    /// Forget the current model and losses.
    Reset,
    /// Bring back a run: its data (regenerated or reloaded), its settings and its model.
    RestoreRun(u64),
    DeleteRun(u64),
    ClearRuns,
    /// File menu: models, predictions, figures, experiments.
    File(FileAction),
    /// The sweep tab: follow, start, cancel; ensembles of ticked runs.
    Sweep(super::sweep_view::SweepAction),
}

impl WorkbenchApp {
    /// Applies one big action.
    pub fn apply(&mut self, command: Command) {
        match command {
            Command::Generate => {
                self.settings.data.source = super::state::SourceKind::Preset;
                self.request_data(true, None);
            }
            Command::LoadFile => {
                self.settings.data.source = super::state::SourceKind::File;
                self.request_data(true, None);
            }
            Command::BrowseFile => {
                let picked = rfd::FileDialog::new()
                    .add_filter(
                        "Tables (CSV, TSV, FITS, Parquet)",
                        &crate::data::TABLE_EXTENSIONS,
                    )
                    .add_filter("All files", &["*"])
                    .pick_file();
                match picked {
                    Some(path) => {
                        self.settings.data.csv_path = path.display().to_string();
                        self.apply(Command::LoadFile);
                    }
                    None => {
                        self.data_error = Some(
                            "no file chosen (if no dialog appeared, type the path and press Load)"
                                .into(),
                        );
                    }
                }
            }
            Command::ApplyColumns => self.request_columns(),
            Command::CancelData => self.cancel_data_task(),
            Command::LoadSessionData => {
                if let Some(recipe) = self.session.data.clone() {
                    self.load_recipe(&recipe, None, &self.session.run_name.clone());
                }
            }
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
            Command::RestoreRun(id) => self.restore_run(id),
            Command::Sweep(action) => self.apply_sweep(action),
            Command::DeleteRun(id) => {
                self.settings.runs.retain(|r| r.id() != id);
                if let Some(store) = &self.run_store {
                    store.remove([id]);
                }
            }
            Command::ClearRuns => {
                if let Some(store) = &self.run_store {
                    store.remove(self.settings.runs.iter().map(RunEntry::id));
                }
                self.settings.runs.clear();
            }
            Command::File(action) => self.apply_file_action(action),
        }
    }

    /// Stops the current worker without blocking the UI (its final scoring can take a while).
    pub(crate) fn retire_worker(&mut self) {
        if let Some(worker) = self.session.worker.take() {
            worker.send(WorkerCommand::Stop);
            let _ = std::thread::Builder::new()
                .name("retire worker".into())
                .spawn(move || drop(worker));
        }
    }

    fn start_training(&mut self, one_epoch: bool) {
        if self.data_job.is_some() {
            self.session.status =
                RunStatus::Finished("cannot train yet: the data are still loading".into());
            return;
        }
        let valid = match self.validate() {
            Ok(valid) => valid,
            Err(error) => {
                self.session.status = RunStatus::Finished(format!("cannot train: {error}"));
                return;
            }
        };
        self.retire_worker();
        let Some(data) = &self.data else {
            return;
        };
        let config = self.settings.config.clone();
        let spec = view_spec(data, &self.settings.view, config.head.is_classifier());
        let wake = self.wake.clone().unwrap_or_else(|| Arc::new(|| {}));
        match TrainingWorker::spawn(
            valid,
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
                    data: Some(data.recipe.clone()),
                    run_name: format!("run {}", self.settings.next_run_id),
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

    /// Restore: the run's settings now; its data (unless already loaded) and then its model.
    fn restore_run(&mut self, id: u64) {
        let Some(entry) = self.settings.runs.iter().find(|r| r.id() == id) else {
            return;
        };
        let config = entry.summary.config.clone();
        let recipe = entry.summary.data.clone();
        let name = entry.summary.name();
        if self.session.is_active() {
            self.data_error = Some(format!("stop the training run before restoring {name}"));
            return;
        }
        if let Some(es) = config.early_stopping {
            self.settings.patience = es.patience;
        }
        self.settings.config = config;
        match recipe {
            Some(recipe) if self.data.as_ref().is_some_and(|d| d.recipe == recipe) => {
                self.show_run_on_loaded_data(id);
            }
            Some(recipe) => self.load_recipe(&recipe, Some(id), &name),
            None => {
                // Older runs did not record their data: show them if the inputs fit.
                self.show_run_on_loaded_data(id);
            }
        }
    }

    /// Puts a run's recipe into the data controls and loads it, then shows `run` if given.
    /// A file that changed or vanished is refused with a message; the current data stay.
    pub(crate) fn load_recipe(&mut self, recipe: &RunData, run: Option<u64>, name: &str) {
        if let Some(problem) = recipe.check().first() {
            self.data_error = Some(format!("{name}: {problem}"));
            return;
        }
        let previous = self.settings.data.clone();
        if let Err(error) = recipe_into_settings(recipe, &mut self.settings.data) {
            self.settings.data = previous;
            self.data_error = Some(format!("{name}: {error}"));
            return;
        }
        self.request_data(false, run);
    }

    /// Makes run `id` the session: its history, scores and model, drawn if it fits the data.
    pub(crate) fn show_run_on_loaded_data(&mut self, id: u64) {
        let Some(entry) = self.settings.runs.iter().find(|r| r.id() == id).cloned() else {
            return;
        };
        let run = &entry.summary;
        if let (Some(recipe), Some(data)) = (&run.data, &self.data)
            && *recipe != data.recipe
        {
            self.data_error = Some(format!(
                "{}: its data could not be brought back ({} is loaded)",
                run.name(),
                data.label
            ));
            return;
        }
        self.retire_worker();
        let mut session = Session {
            status: RunStatus::Finished(format!("{} restored: {}", run.name(), run.outcome())),
            config: run.config.clone(),
            data: run.data.clone(),
            run_name: run.name(),
            history: run.history.clone(),
            steps: run.steps,
            epoch: run.history.last().map_or(0, |r| r.epoch),
            train_secs: run.train_seconds,
            final_scores: run
                .train_nll
                .map(|train| (train, run.test_nll, run.test_accuracy)),
            ..Session::default()
        };
        match entry.model {
            Some(model) => session.set_model(model, None),
            None => {
                if self.start_model_load(id) {
                    session.status =
                        RunStatus::Finished(format!("{}: reading its weights…", run.name()));
                } else {
                    session.status = RunStatus::Finished(format!(
                        "{} restored without its model (its weights were not kept); press Train to retrain it",
                        run.name()
                    ));
                }
            }
        }
        self.session = session;
        self.sent_view = None;
        self.view_job = None;
    }

    /// Reads run `id`'s weights from the run store in the background; false without a store.
    fn start_model_load(&mut self, id: u64) -> bool {
        let Some(store) = self.run_store.clone() else {
            return false;
        };
        match Task::spawn("reading the run's weights", self.wake.clone(), move |_| {
            store.load(id)
        }) {
            Ok(task) => {
                self.model_load = Some((id, task));
                true
            }
            Err(_) => false,
        }
    }

    /// Puts read weights into the table and, if that run is still the session, draws them.
    pub(crate) fn poll_model_load(&mut self) {
        let Some((id, task)) = &self.model_load else {
            return;
        };
        let id = *id;
        let result = match task.poll() {
            Poll::Pending => return,
            Poll::Done(model) => Ok(model),
            Poll::Failed(error) => Err(error),
        };
        self.model_load = None;
        let name = format!("run {id}");
        let is_session = self.session.run_name == name && self.session.worker.is_none();
        match result {
            Ok(model) => {
                let model = Arc::new(model);
                if let Some(entry) = self.settings.runs.iter_mut().find(|r| r.id() == id) {
                    entry.model = Some(model.clone());
                }
                if is_session {
                    self.session.set_model(model, None);
                    self.session.status = RunStatus::Finished(format!("{name} restored"));
                    self.sent_view = None;
                }
            }
            Err(error) => {
                if is_session {
                    self.session.status = RunStatus::Finished(format!(
                        "{name} restored without its model ({error}); press Train to retrain it"
                    ));
                }
            }
        }
    }
}
