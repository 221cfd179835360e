//! The training loop: mini-batch Adam (or AdamW) on the mean NLL, data-parallel over a fixed
//! number of threads, with a learning-rate schedule, optional gradient clipping, per-epoch
//! evaluation, early stopping and protection against non-finite steps.
//!
//! Determinism: the shuffle, the initial weights and the split of each batch into per-thread
//! chunks depend only on the seed and the thread count, and the per-thread gradients are summed
//! in a fixed order, so the same (seed, threads) gives the same run bit for bit.

use std::sync::Arc;
use std::time::Instant;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::adam::{Adam, AdamConfig};
use super::clipping::{clip_factor, scale_in_place};
use super::config::{TrainConfig, ValidConfig};
use super::data_parallel::{DataParallel, effective_threads};
use super::early_stopping::EarlyStopper;
use super::head::Head;
use super::lanes::SpareCore;
use super::model::{Model, ModelSpec, Scores};
use super::records::{EpochRecord, StepPhases, StepReport, StopReason};
use super::scaler::Scaler;
use super::schedule::{LrSchedule, PlateauState, StepPosition};
use super::view::{PredictionView, ViewSpec};
use crate::data::Dataset;

/// Consecutive non-finite steps after which the run stops as diverged.
pub const MAX_CONSECUTIVE_SKIPS: u64 = 25;

/// Data already standardised to the network's f32 units.
struct Prepared {
    x: Vec<f32>,
    y: Vec<f32>,
}

pub struct Trainer {
    config: ValidConfig,
    model: Model,
    adam: Adam,
    plateau: PlateauState,
    train: Prepared,
    test: Option<Dataset>,
    order: Vec<usize>,
    rng: StdRng,
    lanes: DataParallel,
    batch_x: Vec<f32>,
    batch_y: Vec<f32>,
    grads: Vec<f32>,
    // progress
    cursor: usize,
    epoch: usize,
    steps: u64,
    epoch_loss_sum: f64,
    skipped_steps: u64,
    consecutive_skips: u64,
    phases: StepPhases,
    /// Start of the first step and end of the latest one.
    span: Option<(Instant, Instant)>,
    history: Vec<EpochRecord>,
    early_stopping: Option<EarlyStopper>,
    stop: Option<StopReason>,
}

impl Trainer {
    /// Fits the scalers on `train` and initialises the model. `config` must have been
    /// validated against these data sets ([`TrainConfig::validate`]).
    pub fn new(config: ValidConfig, train: &Dataset, test: Option<&Dataset>) -> Self {
        debug_assert!(
            test.is_none_or(|t| t.x_names() == train.x_names() && t.y_name() == train.y_name()),
            "validation checks that the held-out set has the training set's columns"
        );
        let mut model = Model::new(model_spec(&config, train), config.seed);
        let mut x = Vec::new();
        model.standardize_inputs(&train.x(), &mut x);
        let y = model.standardize_targets(&train.y());
        if let (Head::Mixture { components }, true) = (config.head, config.spread_mixture_init) {
            spread_mixture_locations(&mut model, components, &y);
        }
        let n_params = model.mlp.params.len();
        let threads = effective_threads(config.threads, config.batch_size, n_params);
        let batch = config.batch_size.min(train.len());
        let d = train.n_inputs();
        Trainer {
            adam: Adam::new(
                AdamConfig {
                    learning_rate: config.learning_rate,
                    weight_decay: config.weight_decay,
                    ..AdamConfig::default()
                },
                n_params,
            ),
            plateau: PlateauState::default(),
            order: (0..train.len()).collect(),
            // A different stream from the weight initialisation, still fixed by the seed.
            rng: StdRng::seed_from_u64(config.seed ^ 0x5DEE_CE66_D1CE_5EED),
            lanes: DataParallel::new(threads, n_params),
            batch_x: vec![0.0; batch * d],
            batch_y: vec![0.0; batch],
            grads: vec![0.0; n_params],
            train: Prepared { x, y },
            test: test.cloned(),
            cursor: 0,
            epoch: 0,
            steps: 0,
            epoch_loss_sum: 0.0,
            skipped_steps: 0,
            consecutive_skips: 0,
            phases: StepPhases::default(),
            span: None,
            history: Vec::new(),
            early_stopping: config.early_stopping.map(EarlyStopper::new),
            stop: None,
            config,
            model,
        }
    }

    pub fn config(&self) -> &TrainConfig {
        self.config.config()
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn history(&self) -> &[EpochRecord] {
        &self.history
    }

    pub fn steps(&self) -> u64 {
        self.steps
    }

    pub fn epochs_done(&self) -> usize {
        self.epoch
    }

    pub fn steps_per_epoch(&self) -> usize {
        self.order.len().div_ceil(self.config.batch_size)
    }

    /// While `spare` is requested, training runs on one thread fewer (same results).
    pub fn spare_core_on_request(&mut self, spare: Arc<SpareCore>) {
        self.lanes.spare_core_on_request(spare);
    }

    /// Seconds spent in training steps (evaluation excluded).
    pub fn train_secs(&self) -> f64 {
        self.phases.total()
    }

    pub fn step_phases(&self) -> StepPhases {
        self.phases
    }

    /// Wall time from the start of the first step to the end of the latest: the steps plus all
    /// that happened between them (evaluation at epoch ends, and the caller's own work, pauses
    /// included).
    pub fn elapsed_secs(&self) -> f64 {
        self.span
            .map_or(0.0, |(first, last)| (last - first).as_secs_f64())
    }

    pub fn threads(&self) -> usize {
        self.lanes.lanes()
    }

    /// Why the run ended, once it has.
    pub fn stop_reason(&self) -> Option<&StopReason> {
        self.stop.as_ref()
    }

    pub fn is_finished(&self) -> bool {
        self.stop.is_some()
    }

    /// Ends the run now (the current weights are kept).
    pub fn stop(&mut self) {
        if self.stop.is_none() {
            self.stop = Some(StopReason::StoppedByUser);
        }
    }

    /// From now on keeps a copy of the weights of the epoch with the lowest held-out NLL, as
    /// early stopping does, so that [`Trainer::stop_at_best`] can go back to them. Does nothing
    /// with early stopping on (it keeps them already) or without a held-out set.
    pub fn keep_best_epoch(&mut self) {
        if self.test.is_some() && self.early_stopping.is_none() {
            self.early_stopping = Some(EarlyStopper::tracking_only());
        }
    }

    /// Ends the run now with the weights of its best epoch so far (lowest held-out NLL, the
    /// early-stopping criterion) and returns that epoch and its NLL; `None` (current weights
    /// kept) when no epoch has been scored on a held-out set.
    pub fn stop_at_best(&mut self) -> Option<(usize, f64)> {
        self.stop();
        let (epoch, test_nll, params) = self.early_stopping.as_ref()?.best()?;
        self.model.mlp.params.copy_from_slice(params);
        Some((epoch, test_nll))
    }

    /// The learning rate of the next step, as the schedule sets it.
    pub fn learning_rate(&self) -> f64 {
        let base = self.config.learning_rate;
        if self.config.schedule == LrSchedule::Constant {
            return base; // exactly the configured rate, as before schedules existed
        }
        let at = StepPosition {
            step: self.steps,
            epoch: self.epoch,
            steps_per_epoch: self.steps_per_epoch(),
            epochs: self.config.epochs,
        };
        base * self.config.schedule.factor(at) * self.plateau.factor
    }

    /// One optimizer step on the next mini-batch. Does nothing once the run has finished.
    pub fn step(&mut self) -> StepReport {
        if self.stop.is_some() {
            return StepReport {
                loss: None,
                epoch: None,
            };
        }
        let started = Instant::now();
        let n = self.order.len();
        if self.cursor == 0 {
            self.order.shuffle(&mut self.rng);
            self.epoch_loss_sum = 0.0;
        }
        let end = (self.cursor + self.config.batch_size).min(n);
        let rows = end - self.cursor;
        self.gather(self.cursor, end);
        let gathered = Instant::now();
        let loss_sum = self
            .lanes
            .gradient(&self.model, &self.batch_x, &self.batch_y, rows);
        let computed = Instant::now();
        let clip_norm = self.config.clip_norm;
        let reduction = self.lanes.reduce(&mut self.grads, clip_norm.is_some());
        let finite = reduction.all_finite && loss_sum.is_finite();
        let reduced = Instant::now();
        let loss = if finite {
            if let (Some(max_norm), Some(squares)) = (clip_norm, reduction.squared_norm)
                && let Some(factor) = clip_factor(squares.sqrt(), max_norm)
            {
                scale_in_place(&mut self.grads, factor);
            }
            self.apply_update();
            self.consecutive_skips = 0;
            self.epoch_loss_sum += loss_sum;
            Some(loss_sum / rows as f64 + self.model.nll_offset())
        } else {
            self.skipped_steps += 1;
            self.consecutive_skips += 1;
            if self.consecutive_skips >= MAX_CONSECUTIVE_SKIPS {
                self.stop = Some(StopReason::Diverged {
                    consecutive_skipped_steps: self.consecutive_skips,
                });
            }
            None
        };
        self.steps += 1;
        self.cursor = end;
        let finished = Instant::now();
        self.phases.gather += (gathered - started).as_secs_f64();
        self.phases.gradient += (computed - gathered).as_secs_f64();
        self.phases.reduce += (reduced - computed).as_secs_f64();
        self.phases.update += (finished - reduced).as_secs_f64();
        let epoch = (self.cursor == n).then(|| self.finish_epoch());
        let first = self.span.map_or(started, |(first, _)| first);
        self.span = Some((first, Instant::now()));
        StepReport { loss, epoch }
    }

    /// Runs steps until the current epoch ends (or the run stops).
    pub fn run_epoch(&mut self) -> Option<EpochRecord> {
        while self.stop.is_none() {
            if let Some(record) = self.step().epoch {
                return Some(record);
            }
        }
        None
    }

    /// Runs to the end (all epochs, early stopping or divergence).
    pub fn run(&mut self, mut on_epoch: impl FnMut(&EpochRecord)) -> &StopReason {
        while self.stop.is_none() {
            if let Some(record) = self.run_epoch() {
                on_epoch(&record);
            }
        }
        self.stop.get_or_insert(StopReason::Completed)
    }

    /// The current model's predictions over `spec`: the same view as
    /// [`PredictionView::compute`], with the columns shared out among the training threads.
    pub fn prediction_view(&self, spec: &ViewSpec) -> PredictionView {
        self.lanes.prediction_view(&self.model, spec)
    }

    /// Scores of the current model on a dataset (original units): the same numbers as
    /// [`Model::score`], with the chunks shared out among the training threads.
    pub fn score(&self, data: &Dataset) -> Scores {
        self.lanes.score(&self.model, data)
    }

    fn gather(&mut self, start: usize, end: usize) {
        let d = self.model.n_inputs();
        for (slot, &row) in self.order[start..end].iter().enumerate() {
            self.batch_x[slot * d..(slot + 1) * d]
                .copy_from_slice(&self.train.x[row * d..(row + 1) * d]);
            self.batch_y[slot] = self.train.y[row];
        }
    }

    /// One Adam step at the scheduled rate, shared out among the lanes.
    fn apply_update(&mut self) {
        let step = self.adam.next_step_at(self.learning_rate());
        let Adam { m, v, .. } = &mut self.adam;
        self.lanes
            .update(step, &mut self.model.mlp.params, m, v, &self.grads);
    }

    fn finish_epoch(&mut self) -> EpochRecord {
        self.cursor = 0;
        self.epoch += 1;
        let n = self.order.len() as f64;
        let test_scores = self.test.as_ref().map(|t| self.score(t));
        let record = EpochRecord {
            epoch: self.epoch,
            steps: self.steps,
            train_nll: self.epoch_loss_sum / n + self.model.nll_offset(),
            test_nll: test_scores.map(|s| s.nll),
            test_accuracy: test_scores.and_then(|s| s.accuracy),
            skipped_steps: self.skipped_steps,
            train_secs: self.train_secs(),
        };
        self.history.push(record);
        if let Some(test_nll) = record.test_nll {
            self.plateau.observe(&self.config.schedule, test_nll);
            if let Some(stopper) = &mut self.early_stopping
                && let Some(reason) =
                    stopper.observe(self.epoch, test_nll, &mut self.model.mlp.params)
            {
                self.stop = Some(reason);
            }
        }
        if self.stop.is_none() && self.epoch >= self.config.epochs {
            self.stop = Some(StopReason::Completed);
        }
        record
    }
}

/// The network's shape and the scalers fitted on the training set (y only for regression).
fn model_spec(config: &TrainConfig, train: &Dataset) -> ModelSpec {
    let d = train.n_inputs();
    let x_scalers = (0..d)
        .map(|j| {
            if config.standardize {
                Scaler::fit(train.x().column(j).iter().copied())
            } else {
                Scaler::IDENTITY
            }
        })
        .collect();
    let y_scaler = if config.standardize && !config.head.is_classifier() {
        Scaler::fit(train.y().iter().copied())
    } else {
        Scaler::IDENTITY
    };
    ModelSpec {
        x_names: train.x_names().to_vec(),
        y_name: train.y_name().to_string(),
        hidden: config.hidden.clone(),
        head: config.head,
        sigma_floor: config.sigma_floor,
        x_scalers,
        y_scaler,
    }
}

/// Sets the output biases of the component locations to evenly spaced quantiles of y.
fn spread_mixture_locations(model: &mut Model, components: usize, y_standardized: &[f32]) {
    let mut sorted: Vec<f32> = y_standardized.to_vec();
    sorted.sort_by(f32::total_cmp);
    if sorted.is_empty() {
        return;
    }
    let bias = model.mlp.output_bias_mut();
    for c in 0..components {
        let q = (c as f64 + 0.5) / components as f64;
        let index = ((sorted.len() - 1) as f64 * q).round() as usize;
        bias[components + 2 * c] = sorted[index];
    }
}

#[cfg(test)]
mod tests;
