//! What happens between frames: the training worker's events are taken under a time budget,
//! background tasks are polled, and the prediction view is kept in step with the data and
//! the view settings.

use std::sync::Arc;
use std::time::Instant;

use crate::nn::PredictionView;
use crate::run::RunSummary;
use crate::worker::{Command as WorkerCommand, Event, RunOutcome};

use super::state::{self, RunEntry, RunStatus};
use super::tasks::{Poll, Task};
use super::{DRAIN_BUDGET, WorkbenchApp};

impl WorkbenchApp {
    pub(crate) fn drain_worker(&mut self, ctx: &egui::Context) {
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
            Event::Failed(message) => {
                session.status = RunStatus::Finished(message);
                // The thread has sent its last event: joining is immediate.
                session.worker = None;
            }
            Event::Finished(outcome) => self.finish_run(&outcome, ctx),
        }
    }

    /// The run's end: the final model and scores into the session, a row into the runs table.
    fn finish_run(&mut self, outcome: &RunOutcome, ctx: &egui::Context) {
        let session = &mut self.session;
        session.history = outcome.history.clone();
        session.steps = outcome.steps;
        session.train_secs = outcome.phases.total();
        session.epoch = outcome.history.last().map_or(0, |r| r.epoch);
        // The final view was computed for the view the worker had last; a view for an older
        // spec would be stale, so none is kept unless this one matches (else it is recomputed).
        session.view = None;
        session.set_model(outcome.model.clone(), outcome.view.clone());
        self.sent_view = outcome.view.as_ref().map(|v| v.spec.clone());
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
        let id = self.settings.next_run_id;
        session.run_name = format!("run {id}");
        let summary = RunSummary {
            id,
            label: session.run_name.clone(),
            data: session.data.clone(),
            config: session.config.clone(),
            history: outcome.history.clone(),
            epochs_run: outcome.history.len(),
            steps: outcome.steps,
            train_seconds: outcome.phases.total(),
            train_nll: Some(outcome.train_scores.nll).filter(|v| v.is_finite()),
            test_nll,
            test_accuracy,
            stop_reason: Some(outcome.reason.clone()),
            ..RunSummary::default()
        };
        self.settings.next_run_id += 1;
        if let Some(store) = &self.run_store {
            store.save(&summary, &outcome.model);
        }
        self.settings
            .runs
            .push(RunEntry::new(summary, Some(outcome.model.clone())));
        if self.settings.runs.len() > state::MAX_RUNS {
            let oldest = self.settings.runs.remove(0);
            if let Some(store) = &self.run_store {
                store.remove([oldest.id()]);
            }
        }
        if let Some(stats) = &mut self.frame_stats {
            stats.set_run(outcome.steps, outcome.phases, outcome.active_secs);
        }
        if self.autotrain_started && self.options.exit_after_training {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    /// Takes the prediction view computed for a finished model.
    pub(crate) fn poll_view_job(&mut self) {
        let Some((model_id, task)) = &self.view_job else {
            return;
        };
        match task.poll() {
            Poll::Pending => return,
            Poll::Done(view) => {
                if *model_id == self.session.model_id {
                    self.session.set_view(Arc::new(view));
                }
            }
            Poll::Failed(error) => self.data_error = Some(error),
        }
        self.view_job = None;
    }

    /// Keeps the prediction view in step with the data and view settings: the worker
    /// recomputes it for a live run; a background task does it for a finished model.
    pub(crate) fn sync_view(&mut self) {
        let Some(data) = &self.data else {
            return;
        };
        if !self.session.fits(data) && !self.session.is_active() {
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
        } else if let Some(model) = self.session.model.clone()
            && !view_matches
        {
            let task = Task::spawn("the prediction view", self.wake.clone(), move |_| {
                Ok(PredictionView::compute(&model, &spec))
            });
            match task {
                Ok(task) => self.view_job = Some((self.session.model_id, task)),
                Err(error) => self.data_error = Some(error),
            }
        }
    }
}

impl WorkbenchApp {
    /// Keeps the Diagnostics tab's numbers for the shown model: a new computation starts
    /// when the model or the data changed and the last one has finished (so at most one runs,
    /// and while training they follow the snapshots as fast as they can be computed).
    pub(crate) fn sync_diagnostics(&mut self) {
        if let Some(job) = self.diagnostics_job.take() {
            let bin = self.diagnostics.as_ref().and_then(|d| d.picked_bin);
            match job.finish(bin) {
                Ok(state) => self.diagnostics = Some(state),
                Err(job) => {
                    self.diagnostics_job = Some(*job);
                    return;
                }
            }
        }
        if self.settings.view.bottom_tab != super::state::BottomTab::Diagnostics {
            return;
        }
        let (Some(data), Some(model)) = (&self.data, self.drawable_model()) else {
            self.diagnostics = None;
            return;
        };
        let model_id = self.session.model_id;
        let along = super::health_view::along_x(model, data, &self.settings.view);
        let current = self.diagnostics.as_ref().is_some_and(|d| {
            d.model_id == model_id && d.data_generation == data.generation && d.along == along
        });
        if current {
            return;
        }
        let rows = data.test.as_deref().unwrap_or(&data.train);
        match super::diagnostics_view::DiagnosticsJob::start(
            model.clone(),
            model_id,
            data.generation,
            rows,
            along,
            self.wake.clone(),
        ) {
            Ok(job) => self.diagnostics_job = Some(job),
            Err(error) => self.data_error = Some(error),
        }
    }
}
