//! Running a sweep: `parallel` worker threads, each training one trial at a time on one core
//! (small models gain nothing from splitting a batch; see the README's measurements), all
//! writing to one journal.
//!
//! Determinism: trial n is sampled and pruned using only the trials numbered ≤ n − parallel,
//! waiting for this process's own ones among them to finish. So what trial n sees depends
//! on the seed and `parallel`, never on timing, and the same seed gives the same trials.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::journal::JournalError;
use super::pruner::{PrunerKind, rung_key, should_prune};
use super::replay::TrialState;
use super::sampler::{
    Observed, SamplerKind, grid_points, next_grid_point, sample_random, trial_rng,
};
use super::space::{Params, Space};
use super::study::{self, HEARTBEAT_ATTR, Study};
use crate::data::Dataset;
use crate::nn::{EpochRecord, Model, TrainConfig, Trainer};

/// Intermediate values are written in batches at most this often (and at each trial's end).
const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub space: Space,
    pub sampler: SamplerKind,
    pub seed: u64,
    /// Trials trained at the same time (threads).
    pub parallel: usize,
    pub pruner: PrunerKind,
    /// Trials the study should reach (failed ones do not count).
    pub trials: usize,
}

/// The data of a sweep: the objective is the NLL on `val`; `test` is only reported.
pub struct SweepData<'a> {
    pub train: &'a Dataset,
    pub val: &'a Dataset,
    pub test: Option<&'a Dataset>,
}

/// How one trial of this run went, for progress reports.
#[derive(Debug, Clone)]
pub struct TrialEvent {
    pub number: usize,
    pub state: TrialState,
    pub params: Params,
    pub value: Option<f64>,
    pub test_nll: Option<f64>,
    pub epochs: usize,
    pub seconds: f64,
    pub fail_reason: Option<String>,
}

pub struct RunStats {
    pub wall_secs: f64,
    pub started: usize,
    /// This run's completed trials, by trial number.
    pub models: BTreeMap<usize, TrainedTrial>,
}

/// A trained trial: its model and how the training went.
#[derive(Debug, Clone)]
pub struct TrainedTrial {
    pub model: Model,
    pub config: TrainConfig,
    pub history: Vec<EpochRecord>,
    pub steps: u64,
    pub train_secs: f64,
    pub stop_reason: String,
}

impl TrainedTrial {
    fn from_trainer(trainer: &Trainer) -> TrainedTrial {
        TrainedTrial {
            model: trainer.model().clone(),
            config: trainer.config().clone(),
            history: trainer.history().to_vec(),
            steps: trainer.steps(),
            train_secs: trainer.train_secs(),
            stop_reason: trainer
                .stop_reason()
                .map_or_else(String::new, |r| r.to_string()),
        }
    }
}

struct Shared<'s> {
    study: &'s mut Study,
    /// Numbers of this process's trials still running.
    running: Vec<usize>,
    failed_this_run: usize,
    started: usize,
    /// Set when a worker hit a journal error; the others stop too.
    error: Option<JournalError>,
}

/// Training settings every trial starts from: the program's defaults, the sweep's seed, one
/// thread, no early stopping (pruning takes its place).
pub fn base_config(seed: u64) -> TrainConfig {
    TrainConfig {
        seed,
        threads: 1,
        early_stopping: None,
        ..TrainConfig::default()
    }
}

/// Why a trial stopped when the sweep was cancelled.
pub const CANCELLED: &str = "the sweep was cancelled";

/// Trains trials until the study has `options.trials` (or the grid is exhausted).
pub fn run_sweep(
    study: &mut Study,
    options: &SweepOptions,
    data: &SweepData<'_>,
    worker_prefix: &str,
    on_trial: &(dyn Fn(&TrialEvent) + Sync),
) -> Result<RunStats, JournalError> {
    run_sweep_until(
        study,
        options,
        data,
        worker_prefix,
        on_trial,
        &AtomicBool::new(false),
    )
}

/// [`run_sweep`] that stops when `cancel` is set: no new trial starts, and running ones end
/// after their current epoch, marked FAIL with the reason [`CANCELLED`] (never left RUNNING).
pub fn run_sweep_until(
    study: &mut Study,
    options: &SweepOptions,
    data: &SweepData<'_>,
    worker_prefix: &str,
    on_trial: &(dyn Fn(&TrialEvent) + Sync),
    cancel: &AtomicBool,
) -> Result<RunStats, JournalError> {
    let start = Instant::now();
    let grid =
        (options.sampler == SamplerKind::Grid).then(|| grid_points(&options.space, options.seed));
    let shared = Mutex::new(Shared {
        study,
        running: Vec::new(),
        failed_this_run: 0,
        started: 0,
        error: None,
    });
    let finished = Condvar::new();
    let models = Mutex::new(BTreeMap::new());
    let parallel = options.parallel.max(1);
    std::thread::scope(|scope| {
        for w in 0..parallel {
            let worker = Worker {
                id: format!("{worker_prefix}{w}"),
                options,
                data,
                grid: grid.as_deref(),
                shared: &shared,
                finished: &finished,
                models: &models,
                on_trial,
                cancel,
            };
            scope.spawn(move || worker.run());
        }
    });
    let shared = shared.into_inner().unwrap_or_else(PoisonError::into_inner);
    if let Some(error) = shared.error {
        return Err(error);
    }
    shared.study.sync()?;
    Ok(RunStats {
        wall_secs: start.elapsed().as_secs_f64(),
        started: shared.started,
        models: models.into_inner().unwrap_or_else(PoisonError::into_inner),
    })
}

struct Worker<'a, 's> {
    id: String,
    options: &'a SweepOptions,
    data: &'a SweepData<'a>,
    grid: Option<&'a [Params]>,
    shared: &'a Mutex<Shared<'s>>,
    finished: &'a Condvar,
    models: &'a Mutex<BTreeMap<usize, TrainedTrial>>,
    on_trial: &'a (dyn Fn(&TrialEvent) + Sync),
    cancel: &'a AtomicBool,
}

/// A trial this worker has created, with the settings it will train.
struct Started {
    trial_id: usize,
    number: usize,
    params: Params,
    /// The trials this one may look at (numbers ≤ n − parallel, finished).
    seen: Vec<Observed>,
}

impl<'s> Worker<'_, 's> {
    fn lock(&self) -> MutexGuard<'_, Shared<'s>> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn run(&self) {
        loop {
            let started = match self.start_trial() {
                Ok(Some(started)) => started,
                Ok(None) => return,
                Err(error) => {
                    self.lock().error.get_or_insert(error);
                    self.finished.notify_all();
                    return;
                }
            };
            let number = started.number;
            let result = self.train_trial(started);
            let mut shared = self.lock();
            shared.running.retain(|&n| n != number);
            match result {
                Ok(state) => {
                    if state == TrialState::Fail {
                        shared.failed_this_run += 1;
                    }
                }
                Err(error) => {
                    shared.error.get_or_insert(error);
                }
            }
            drop(shared);
            self.finished.notify_all();
        }
    }

    /// Creates the next trial and picks its settings; `None` when the study is full.
    fn start_trial(&self) -> Result<Option<Started>, JournalError> {
        let options = self.options;
        let mut shared = self.lock();
        shared.study.sync()?;
        let full = shared.study.counted_trials() >= options.trials
            || shared.failed_this_run >= options.trials
            || shared.error.is_some()
            || self.cancel.load(Ordering::Relaxed);
        if full {
            return Ok(None);
        }
        // A grid point is claimed under the lock, before anyone else can take it.
        let grid_point = match self.grid {
            Some(grid) => {
                let taken: Vec<Params> = shared
                    .study
                    .trials()
                    .iter()
                    .filter(|t| t.state != TrialState::Fail)
                    .filter_map(|t| study::decode_params(t, &options.space))
                    .collect();
                match next_grid_point(grid, &taken) {
                    Some(point) => Some(point),
                    None => return Ok(None),
                }
            }
            None => None,
        };
        let Some((trial_id, number)) =
            shared.study.create_trial_within(&self.id, options.trials)?
        else {
            return Ok(None);
        };
        shared.running.push(number);
        shared.started += 1;
        if let Some(params) = grid_point {
            let logs = shared.study.start_logs(trial_id, &options.space, &params);
            shared.study.write(&logs, &self.id)?;
            let seen = self.seen(&shared, number);
            return Ok(Some(Started {
                trial_id,
                number,
                params,
                seen,
            }));
        }
        // Wait until this process's trials numbered ≤ n − parallel have finished.
        let horizon = number.checked_sub(options.parallel.max(1));
        while let Some(h) = horizon
            && shared.running.iter().any(|&n| n <= h)
            && shared.error.is_none()
        {
            shared = self
                .finished
                .wait(shared)
                .unwrap_or_else(PoisonError::into_inner);
        }
        shared.study.sync()?;
        let seen = self.seen(&shared, number);
        drop(shared);
        let mut rng = trial_rng(options.seed, number);
        let params = match options.sampler {
            SamplerKind::Tpe => super::tpe::sample(&options.space, &seen, &mut rng),
            SamplerKind::Random | SamplerKind::Grid => sample_random(&options.space, &mut rng),
        };
        let mut shared = self.lock();
        let logs = shared.study.start_logs(trial_id, &options.space, &params);
        shared.study.write(&logs, &self.id)?;
        Ok(Some(Started {
            trial_id,
            number,
            params,
            seen,
        }))
    }

    /// Finished trials numbered ≤ n − parallel, in this space's terms.
    fn seen(&self, shared: &Shared<'_>, number: usize) -> Vec<Observed> {
        let Some(horizon) = number.checked_sub(self.options.parallel.max(1)) else {
            return Vec::new();
        };
        shared
            .study
            .trials()
            .iter()
            .filter(|t| t.number <= horizon && t.state.is_finished())
            .filter_map(|t| shared.study.observed(t, &self.options.space))
            .collect()
    }

    fn write(&self, logs: &[super::journal::Log]) -> Result<(), JournalError> {
        self.lock().study.write(logs, &self.id)
    }

    /// Trains one trial, reporting each epoch's validation NLL, and records how it ended.
    fn train_trial(&self, started: Started) -> Result<TrialState, JournalError> {
        let Started {
            trial_id,
            number,
            params,
            seen,
        } = started;
        let start = Instant::now();
        let fail = |reason: String, epochs: usize| -> Result<TrialState, JournalError> {
            self.write(&study::finish_logs(
                trial_id,
                TrialState::Fail,
                None,
                Some(&reason),
            ))?;
            (self.on_trial)(&TrialEvent {
                number,
                state: TrialState::Fail,
                params: params.clone(),
                value: None,
                test_nll: None,
                epochs,
                seconds: start.elapsed().as_secs_f64(),
                fail_reason: Some(reason),
            });
            Ok(TrialState::Fail)
        };
        let config = match self
            .options
            .space
            .config(&params, base_config(self.options.seed))
        {
            Ok(config) => config,
            Err(reason) => return fail(reason, 0),
        };
        let mut trainer = match config.validate(self.data.train, Some(self.data.val)) {
            Ok(valid) => Trainer::new(valid, self.data.train, Some(self.data.val)),
            Err(error) => return fail(error.to_string(), 0),
        };
        let mut pending = Vec::new();
        let mut last_flush = Instant::now();
        let mut curve = BTreeMap::new();
        let mut rungs = BTreeMap::new();
        let mut pruned = false;
        while !trainer.is_finished() {
            if self.cancel.load(Ordering::Relaxed) {
                self.write(&pending)?;
                return fail(CANCELLED.into(), trainer.epochs_done());
            }
            let Some(record) = trainer.run_epoch() else {
                break;
            };
            let step = record.epoch as i64;
            let value = record.test_nll.unwrap_or(f64::NAN);
            curve.insert(step, value);
            pending.push(study::intermediate(trial_id, step, value));
            let rungs_before = rungs.len();
            if !trainer.is_finished()
                && should_prune(self.options.pruner, step, &curve, &seen, &mut rungs)
            {
                pruned = true;
            }
            for (&rung, &v) in rungs.iter().skip(rungs_before) {
                pending.push(study::system_attr(trial_id, &rung_key(rung), json!(v)));
            }
            if pruned {
                break;
            }
            if last_flush.elapsed() >= FLUSH_INTERVAL {
                pending.push(study::system_attr(
                    trial_id,
                    HEARTBEAT_ATTR,
                    json!(super::ids::unix_secs()),
                ));
                self.write(&std::mem::take(&mut pending))?;
                last_flush = Instant::now();
            }
        }
        let epochs = trainer.epochs_done();
        let last = curve.values().next_back().copied();
        let test_nll = self.data.test.map(|t| trainer.score(t).nll);
        let state = if pruned {
            TrialState::Pruned
        } else if last.is_some_and(f64::is_finite) {
            TrialState::Complete
        } else {
            self.write(&pending)?;
            return fail(
                format!(
                    "the validation NLL is not finite ({}): {}",
                    last.map_or("none".into(), |v| v.to_string()),
                    trainer
                        .stop_reason()
                        .map_or(String::new(), |r| r.to_string())
                ),
                epochs,
            );
        };
        let train_nll = trainer.history().last().map(|r| r.train_nll);
        let mut attrs: Vec<(&str, Value)> = vec![
            ("epochs", json!(epochs)),
            ("train_seconds", json!(trainer.train_secs())),
            ("seed", json!(trainer.config().seed)),
        ];
        if let Some(v) = train_nll.filter(|v| v.is_finite()) {
            attrs.push(("train_nll", json!(v)));
        }
        if let Some(v) = test_nll.filter(|v| v.is_finite()) {
            attrs.push(("test_nll", json!(v)));
        }
        if let Some(reason) = trainer.stop_reason() {
            attrs.push(("stop_reason", json!(reason.to_string())));
        }
        pending.extend(
            attrs
                .into_iter()
                .map(|(k, v)| study::user_attr(trial_id, k, v)),
        );
        let value = last.filter(|v| v.is_finite());
        pending.extend(study::finish_logs(trial_id, state, value, None));
        self.write(&pending)?;
        if state == TrialState::Complete {
            self.models
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(number, TrainedTrial::from_trainer(&trainer));
        }
        (self.on_trial)(&TrialEvent {
            number,
            state,
            params,
            value,
            test_nll,
            epochs,
            seconds: start.elapsed().as_secs_f64(),
            fail_reason: None,
        });
        Ok(state)
    }
}

/// Trains the model of a trial again from its settings (same seed, one thread: the same
/// weights bit for bit), for trials of earlier runs.
pub fn retrain(
    space: &Space,
    params: &Params,
    seed: u64,
    data: &SweepData<'_>,
) -> Result<TrainedTrial, String> {
    let config = space.config(params, base_config(seed))?;
    let valid = config
        .validate(data.train, Some(data.val))
        .map_err(|e| e.to_string())?;
    let mut trainer = Trainer::new(valid, data.train, Some(data.val));
    trainer.run(|_| {});
    Ok(TrainedTrial::from_trainer(&trainer))
}
