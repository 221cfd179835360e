//! The sweep tab's actions, applied after layout: follow a journal, start or cancel a sweep
//! (here or on Slurm), and turn a finished window sweep's trials into runs.

use std::path::{Path, PathBuf};

use super::super::WorkbenchApp;
use super::super::state::{self, RunEntry};
use super::super::tasks::{Poll, Task};
use super::follow::{Follower, POLL_INTERVAL};
use super::launch::{self, LaunchInput, space_file_of};
use super::{Launch, SweepAction, SweepView};
use crate::run::RunSummary;

impl WorkbenchApp {
    pub(crate) fn apply_sweep(&mut self, action: SweepAction) {
        match action {
            SweepAction::StopFollowing => self.sweep.follower = None,
            SweepAction::Start => {
                if let Err(error) = self.start_sweep() {
                    self.sweep.error = Some(error);
                }
            }
            SweepAction::StartSlurm => {
                if let Err(error) = self.start_slurm_sweep() {
                    self.sweep.error = Some(error);
                }
            }
            SweepAction::Cancel => {
                if let Some(launch) = &self.sweep.launch {
                    launch.task.cancel();
                    self.sweep.message =
                        Some("cancelling: running trials end after their epoch".into());
                }
            }
            SweepAction::EnsembleTicked => self.ensemble_ticked_runs(),
        }
    }

    /// Follows `path` in the sweep tab (File → Open sweep journal…).
    pub(crate) fn open_sweep_journal(&mut self, path: &Path) -> Result<(), String> {
        self.sweep.follow(path, self.wake.clone())?;
        self.settings.view.bottom_tab = state::BottomTab::Sweep;
        self.files.open = None;
        Ok(())
    }

    /// Whether the form can start now, or why not.
    pub(crate) fn sweep_ready(&self) -> Result<(), String> {
        if self.data.is_none() {
            return Err("load or generate data first".into());
        }
        if self.data_job.is_some() {
            return Err("wait for the data to load".into());
        }
        Ok(())
    }

    fn journal_for_form(&self) -> Result<PathBuf, String> {
        let form = &self.settings.sweep;
        let typed = form.journal_path.trim();
        if !typed.is_empty() {
            let path = PathBuf::from(typed);
            return Ok(std::path::absolute(&path).unwrap_or(path));
        }
        let dir = self
            .options
            .run_store
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("density-workbench"))
            .join("sweeps");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let name: String = form
            .study_name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Ok(dir.join(format!(
            "{name}-{}.journal",
            crate::sweep::ids::unix_secs() as u64
        )))
    }

    fn start_sweep(&mut self) -> Result<(), String> {
        self.sweep_ready()?;
        if self.sweep.launch.is_some() {
            return Err("a sweep is already running".into());
        }
        let Some(data) = &self.data else {
            return Err("load or generate data first".into());
        };
        let form = self.settings.sweep.clone();
        let space = form.space(&self.settings.config)?;
        let space_text = form.space_text(&self.settings.config);
        let journal = self.journal_for_form()?;
        let recipe = data.recipe.clone();
        let input = LaunchInput {
            space,
            space_text,
            form: form.clone(),
            journal: journal.clone(),
            train: data.train.clone(),
            test: data.test.clone(),
            recipe: recipe.clone(),
        };
        let task = launch::spawn(input, self.wake.clone())?;
        self.sweep.follower = None;
        self.sweep.study = None;
        self.sweep.error = None;
        self.sweep.message = Some(format!(
            "sweep \"{}\" running: {} trials, {} at once, journal {}",
            form.study_name,
            form.trials,
            form.workers,
            journal.display()
        ));
        self.sweep.launch = Some(Launch {
            task,
            journal,
            recipe,
            form,
        });
        self.settings.view.bottom_tab = state::BottomTab::Sweep;
        Ok(())
    }

    fn start_slurm_sweep(&mut self) -> Result<(), String> {
        self.sweep_ready()?;
        let Some(data) = &self.data else {
            return Err("load or generate data first".into());
        };
        let form = self.settings.sweep.clone();
        form.space(&self.settings.config)?;
        let journal = self.journal_for_form()?;
        // An existing space file is kept (resuming): the CLI refuses a journal of another space.
        let space_file = space_file_of(&journal);
        if !space_file.exists() {
            crate::export::atomic::write_atomic(
                &space_file,
                form.space_text(&self.settings.config).as_bytes(),
                crate::export::atomic::Overwrite::Refuse,
            )
            .map_err(|e| e.to_string())?;
        }
        let args = super::slurm::sweep_args(&data.recipe, &form, &space_file, &journal);
        let workdir = journal
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let task = Task::spawn("submitting to Slurm", self.wake.clone(), move |_| {
            super::slurm::submit(&args, &workdir)
        })?;
        self.sweep.slurm = Some((task, journal));
        self.sweep.message = Some("submitting the sweep to Slurm…".into());
        self.settings.view.bottom_tab = state::BottomTab::Sweep;
        Ok(())
    }

    /// Per frame: the follower's news, a running sweep's journal appearing, its end.
    pub(crate) fn poll_sweep(&mut self, ctx: &egui::Context) {
        // DW_SWEEP_JOURNAL: followed from the first frame, once the wake-up exists.
        if let Some(journal) = self.options.sweep_journal.take()
            && let Err(error) = self.open_sweep_journal(&journal)
        {
            self.sweep.error = Some(error);
        }
        if self.sweep.poll() {
            ctx.request_repaint();
        }
        if let Some((task, journal)) = &self.sweep.slurm {
            match task.poll() {
                Poll::Pending => {}
                Poll::Done(message) => {
                    let journal = journal.clone();
                    self.sweep.slurm = None;
                    self.sweep.message = Some(message);
                    if let Err(error) = self.sweep.follow(&journal, self.wake.clone()) {
                        self.sweep.error = Some(error);
                    }
                }
                Poll::Failed(error) => {
                    self.sweep.slurm = None;
                    self.sweep.error = Some(error);
                }
            }
        }
        let Some(launch) = &self.sweep.launch else {
            return;
        };
        if self.sweep.follower.is_none() && launch.journal.is_file() {
            let journal = launch.journal.clone();
            if let Err(error) = self.sweep.follow(&journal, self.wake.clone()) {
                self.sweep.error = Some(error);
            }
        }
        let Some(launch) = &self.sweep.launch else {
            return;
        };
        match launch.task.poll() {
            Poll::Pending => {
                // A sweep writes every second at most; this keeps the clock and spinner moving.
                ctx.request_repaint_after(POLL_INTERVAL);
            }
            Poll::Done(outcome) => {
                let Some(launch) = self.sweep.launch.take() else {
                    return;
                };
                self.add_trial_runs(&launch, &outcome);
            }
            Poll::Failed(error) => {
                self.sweep.launch = None;
                self.sweep.error = Some(error);
            }
        }
    }

    /// A window sweep's completed trials into the runs table, each with its model.
    fn add_trial_runs(&mut self, launch: &Launch, outcome: &launch::SweepOutcome) {
        for trial in &outcome.trials {
            let id = self.settings.next_run_id;
            self.settings.next_run_id += 1;
            let summary = RunSummary {
                id,
                ..trial.summary(&launch.recipe, &outcome.study_name, &launch.form)
            };
            let model = trial.model();
            if let Some(store) = &self.run_store {
                store.save(&summary, &model);
            }
            self.settings.runs.push(RunEntry::new(summary, Some(model)));
        }
        while self.settings.runs.len() > state::MAX_RUNS {
            let oldest = self.settings.runs.remove(0);
            if let Some(store) = &self.run_store {
                store.remove([oldest.id()]);
            }
        }
        self.sweep.message = Some(format!(
            "sweep \"{}\" ended: {} trials started, {} completed (now in the runs table), {:.1} s",
            outcome.study_name,
            outcome.started,
            outcome.trials.len(),
            outcome.wall_secs
        ));
        // One last read, so the table shows the final states at once.
        let journal = launch.journal.clone();
        if let Err(error) = self.sweep.follow(&journal, self.wake.clone()) {
            self.sweep.error = Some(error);
        }
    }
}

impl SweepView {
    /// Follows `path` from its start (a new follower; the old one stops).
    pub(crate) fn follow(
        &mut self,
        path: &Path,
        wake: Option<crate::worker::WakeFn>,
    ) -> Result<(), String> {
        let follower = Follower::start(path, wake, POLL_INTERVAL)?;
        self.follower = Some(follower);
        self.study_names.clear();
        self.study = None;
        self.selected = None;
        self.error = None;
        Ok(())
    }
}
