//! Experiments in the window: saving every run with its own data source and weights, and
//! opening one — asking whether its runs replace the table's or join them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::WorkbenchApp;
use super::export_actions::Producer;
use super::file_state::{PendingExperiment, RunsMerge};
use super::state::RunEntry;
use crate::export::experiment::{Experiment, ExperimentRun, load_experiment};
use crate::export::{ModelFile, Overwrite};
use crate::run::RunSummary;

impl WorkbenchApp {
    pub(crate) fn save_experiment(&mut self, path: PathBuf) -> Result<(), String> {
        let Some(data) = &self.data else {
            return Err("no data loaded".into());
        };
        let mut experiment = Experiment::new(
            data.recipe.source.clone(),
            data.recipe.held_out.clone(),
            self.settings.config.clone(),
        );
        let runs: Vec<RunEntry> = self.settings.runs.clone();
        let saved_as = path.clone();
        let producer: Producer = Box::new(move || {
            // Each run keeps its own data source and, when the window still has them, its
            // weights.
            experiment.runs = runs
                .into_iter()
                .map(|entry| ExperimentRun {
                    model: entry.model.map(|m| ModelFile::from_model(&m, None)),
                    summary: entry.summary,
                })
                .collect();
            // Data paths as the file's own folder sees them (Open experiment reads them so).
            Ok(experiment.to_json_at(&saved_as).into_bytes())
        });
        self.spawn_write("experiment".into(), path, Overwrite::Refuse, producer);
        Ok(())
    }

    /// Reads an experiment; asks before its runs replace or join a table that has runs.
    pub(crate) fn open_experiment(&mut self, path: &Path) -> Result<(), String> {
        if self.session.is_active() {
            return Err(
                "a training run is in progress: stop it before opening an experiment".into(),
            );
        }
        let experiment = load_experiment(path).map_err(|e| e.to_string())?;
        let pending = PendingExperiment {
            path: path.to_path_buf(),
            experiment,
        };
        if self.settings.runs.is_empty() || pending.experiment.runs.is_empty() {
            self.apply_experiment(pending, RunsMerge::Add);
        } else {
            self.files.pending_experiment = Some(pending);
        }
        Ok(())
    }

    /// Settings and runs come back at once; the experiment's data load in the background
    /// (when a file changed or vanished, the current data stay and the message says why).
    pub(crate) fn apply_experiment(&mut self, pending: PendingExperiment, merge: RunsMerge) {
        let PendingExperiment { path, experiment } = pending;
        self.settings.config = experiment.config.clone();
        if let Some(es) = experiment.config.early_stopping {
            self.settings.patience = es.patience;
        }
        if merge == RunsMerge::Replace {
            self.settings.runs.clear();
        }
        let mut unreadable = 0;
        let count = experiment.runs.len();
        for run in experiment.runs.iter().cloned() {
            let model = run.model.and_then(|file| {
                let model = file.to_model(&path.display().to_string()).ok();
                unreadable += usize::from(model.is_none());
                model.map(Arc::new)
            });
            let id = self.settings.next_run_id;
            self.settings.next_run_id += 1;
            let summary = RunSummary { id, ..run.summary };
            if let (Some(store), Some(model)) = (&self.run_store, &model) {
                store.save(&summary, model);
            }
            self.settings.runs.push(RunEntry::new(summary, model));
        }
        let recipe = experiment.run_data();
        let mut summary = format!(
            "Opened experiment {}: settings and {count} run{} {}",
            path.display(),
            if count == 1 { "" } else { "s" },
            if merge == RunsMerge::Replace {
                "(replacing the table's)"
            } else {
                "added to the table"
            }
        );
        if unreadable > 0 {
            summary.push_str(&format!("; {unreadable} run(s) without usable weights"));
        }
        let problems = recipe.check();
        if problems.is_empty() {
            self.apply(super::Command::Reset);
            let name = format!("experiment {}", path.display());
            self.load_recipe(&recipe, None, &name);
            self.files.open = None;
            self.files.ok(format!(
                "{summary}; loading its data: {}",
                recipe.describe()
            ));
        } else {
            let notes: Vec<String> = problems.iter().map(ToString::to_string).collect();
            self.files.error(format!(
                "{summary}, but the current data were kept: {}",
                notes.join("; ")
            ));
        }
    }
}
