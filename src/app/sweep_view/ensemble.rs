//! An ensemble of runs picked in the runs table (ticked): the uniform mixture of their
//! models (`Model::ensemble`, as `sweep --ensemble` and the `density-workbench-ensemble`
//! file), shown like an opened model and saved by Save model as an ensemble file with each
//! member's run record.

use std::sync::Arc;

use super::super::WorkbenchApp;
use super::super::state::{RunEntry, RunStatus, Session};
use crate::nn::Model;
use crate::run::RunSummary;

/// The ticked runs' models as one; each run needs its weights in memory.
pub fn ensemble(runs: &[&RunEntry]) -> Result<(Model, Vec<Option<RunSummary>>), String> {
    if runs.len() < 2 {
        return Err("Ensemble: tick at least two runs in the runs table".into());
    }
    let mut members = Vec::with_capacity(runs.len());
    for run in runs {
        let model = run.model.as_ref().ok_or_else(|| {
            format!(
                "Ensemble: {} has no weights in memory (Restore it first)",
                run.summary.name()
            )
        })?;
        if model.is_ensemble() {
            return Err(format!(
                "Ensemble: {} is an ensemble already",
                run.summary.name()
            ));
        }
        members.push(Model::clone(model));
    }
    if let Some(other) = runs.iter().find(|r| r.summary.data != runs[0].summary.data) {
        return Err(format!(
            "Ensemble: {} was trained on other data than {}",
            other.summary.name(),
            runs[0].summary.name()
        ));
    }
    let model = Model::ensemble(members).map_err(|e| format!("Ensemble: {e}"))?;
    Ok((
        model,
        runs.iter().map(|r| Some(r.summary.clone())).collect(),
    ))
}

impl WorkbenchApp {
    /// The ticked runs as one model, shown as the session's model.
    pub(crate) fn ensemble_ticked_runs(&mut self) {
        if self.session.is_active() {
            self.data_error = Some("stop the training run before making an ensemble".into());
            return;
        }
        let ticked: Vec<&RunEntry> = self.settings.runs.iter().filter(|r| r.overlay).collect();
        let names: Vec<String> = ticked.iter().map(|r| r.summary.name()).collect();
        let data = ticked.first().and_then(|r| r.summary.data.clone());
        match ensemble(&ticked) {
            Ok((model, records)) => {
                let model = Arc::new(model);
                self.retire_worker();
                let name = format!("ensemble of {}", names.join(", "));
                let mut session = Session {
                    status: RunStatus::Finished(format!("made the {name}")),
                    data,
                    run_name: name.clone(),
                    ..Session::default()
                };
                session.set_model(model.clone(), None);
                self.session = session;
                self.sent_view = None;
                self.view_job = None;
                self.sweep.ensemble = Some((model, records));
                self.files.ok(format!(
                    "{name}: a uniform mixture of their predictive distributions (saving the model writes an ensemble file)"
                ));
            }
            Err(error) => self.files.error(error),
        }
    }
}
