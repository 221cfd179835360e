//! A sweep started from the window: the core's `run_sweep_until` on a background task, on
//! the loaded training rows (less a seeded validation split, the objective) with the loaded
//! held-out set reported as each trial's test NLL. It writes an Optuna journal like the CLI
//! does; the view follows that file like any other. Cancel stops starting trials and ends
//! running ones after their epoch (marked FAIL, "cancelled").

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::json;

use crate::data::Dataset;
use crate::nn::Model;
use crate::run::{RunData, RunSummary};
use crate::sweep::{Space, Study, SweepData, SweepOptions, TrainedTrial, run_sweep_until};
use crate::worker::WakeFn;

use super::super::tasks::Task;
use super::define::SweepForm;

/// A finished (or cancelled) window sweep: its completed trials with their models.
pub struct SweepOutcome {
    pub study_name: String,
    pub trials: Vec<FinishedTrial>,
    pub wall_secs: f64,
    pub started: usize,
}

pub struct FinishedTrial {
    pub number: usize,
    pub trained: TrainedTrial,
    pub val_nll: f64,
    pub test_nll: Option<f64>,
    pub test_accuracy: Option<f64>,
}

impl FinishedTrial {
    /// The trial as a run of the runs table: trained on the loaded data (less the
    /// validation split), scored on the loaded held-out set.
    pub fn summary(&self, recipe: &RunData, study: &str, form: &SweepForm) -> RunSummary {
        let t = &self.trained;
        RunSummary {
            label: format!("sweep \"{study}\", trial {}", self.number),
            data: Some(recipe.clone()),
            config: t.config.clone(),
            history: t.history.clone(),
            epochs_run: t.history.len(),
            steps: t.steps,
            train_seconds: t.train_secs,
            train_nll: t
                .history
                .last()
                .map(|r| r.train_nll)
                .filter(|v| v.is_finite()),
            test_nll: self.test_nll,
            test_accuracy: self.test_accuracy,
            note: format!(
                "sweep \"{study}\", trial {}: trained on the training rows less the {:.0} % validation split (seed {}); validation NLL {:.4}",
                self.number,
                form.val_fraction * 100.0,
                form.seed,
                self.val_nll
            ),
            ..RunSummary::default()
        }
    }

    pub fn model(&self) -> Arc<Model> {
        Arc::new(self.trained.model.clone())
    }
}

/// What a start needs, taken from the window on the UI thread (cheap clones).
pub struct LaunchInput {
    pub space: Space,
    pub space_text: String,
    pub form: SweepForm,
    pub journal: PathBuf,
    pub train: Arc<Dataset>,
    pub test: Option<Arc<Dataset>>,
    pub recipe: RunData,
}

pub fn spawn(input: LaunchInput, wake: Option<WakeFn>) -> Result<Task<SweepOutcome>, String> {
    let what = format!("sweep \"{}\"", input.form.study_name);
    Task::spawn(what, wake, move |cancel| run(&input, cancel.as_atomic()))
}

fn run(
    input: &LaunchInput,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<SweepOutcome, String> {
    let form = &input.form;
    let (train, val) = input
        .train
        .split(form.val_fraction, form.seed)
        .map_err(|e| format!("validation fraction {}: {e}", form.val_fraction))?;
    // The space file beside the journal, so the sweep can be resumed from the command line.
    // (An existing one is kept: the journal itself refuses a different space.)
    let space_file = space_file_of(&input.journal);
    if !space_file.exists() {
        crate::export::atomic::write_atomic(
            &space_file,
            input.space_text.as_bytes(),
            crate::export::atomic::Overwrite::Refuse,
        )
        .map_err(|e| e.to_string())?;
    }
    let fingerprint = json!({
        "source": input.recipe.describe(),
        "x": train.x_names(),
        "y": train.y_name(),
        "rows": input.train.len(),
        "val_fraction": form.val_fraction,
        "split_seed": form.seed,
    });
    let prefix = format!("{}-", crate::sweep::ids::uuid4());
    let mut study = Study::open(
        &input.journal,
        &form.study_name,
        &input.space,
        &fingerprint,
        &format!("{prefix}main"),
    )
    .map_err(|e| e.to_string())?;
    let options = SweepOptions {
        space: input.space.clone(),
        sampler: form.sampler,
        seed: form.seed,
        parallel: form.workers.max(1),
        pruner: form.pruner,
        trials: form.trials,
    };
    let data = SweepData {
        train: &train,
        val: &val,
        test: input.test.as_deref(),
    };
    let stats = run_sweep_until(&mut study, &options, &data, &prefix, &|_| {}, cancel)
        .map_err(|e| e.to_string())?;
    let values: std::collections::BTreeMap<usize, f64> = study
        .trials()
        .iter()
        .filter_map(|t| Some((t.number, t.value()?)))
        .collect();
    let trials = stats
        .models
        .into_iter()
        .map(|(number, trained)| {
            let scores = input.test.as_deref().map(|t| trained.model.score(t));
            FinishedTrial {
                number,
                val_nll: values.get(&number).copied().unwrap_or(f64::NAN),
                test_nll: scores.as_ref().map(|s| s.nll),
                test_accuracy: scores.and_then(|s| s.accuracy),
                trained,
            }
        })
        .collect();
    Ok(SweepOutcome {
        study_name: form.study_name.clone(),
        trials,
        wall_secs: stats.wall_secs,
        started: stats.started,
    })
}

/// `JOURNAL.space.toml`.
pub fn space_file_of(journal: &std::path::Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".space.toml");
    PathBuf::from(name)
}
