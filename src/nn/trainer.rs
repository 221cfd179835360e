//! The training loop: mini-batch Adam on the mean NLL, data-parallel over a fixed number of
//! threads, with per-epoch evaluation, early stopping and protection against non-finite steps.
//!
//! Determinism: the shuffle, the initial weights and the split of each batch into per-thread
//! chunks depend only on the seed and the thread count, and the per-thread gradients are summed
//! in a fixed order, so the same (seed, threads) gives the same run bit for bit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Instant;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::adam::{Adam, AdamConfig};
use super::config::{ConfigError, TrainConfig};
use super::head::{Head, HeadScratch};
use super::lanes::{LanePool, SpareCore};
use super::mlp::Workspace;
use super::model::{ChunkScore, Model, ModelSpec, Scores, score_chunks};
use super::scaler::Scaler;
use super::view::{PredictionView, ViewSpec};
use crate::data::Dataset;

/// Consecutive non-finite steps after which the run stops as diverged.
pub const MAX_CONSECUTIVE_SKIPS: u64 = 25;

/// Below this many multiply-adds per step a single thread is faster than splitting the batch.
const MIN_PARALLEL_WORK: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based.
    pub epoch: usize,
    /// Optimizer steps so far (whole run).
    pub steps: u64,
    /// Mean of the batch losses during this epoch (original units).
    pub train_nll: f64,
    /// NLL over the whole held-out set after this epoch (original units).
    pub test_nll: Option<f64>,
    pub test_accuracy: Option<f64>,
    /// Steps skipped so far because the loss or gradient was not finite.
    pub skipped_steps: u64,
    /// Seconds spent in training steps so far (evaluation excluded).
    pub train_secs: f64,
}

/// Where the time of the training steps went, in seconds summed over the run; their total is
/// [`Trainer::train_secs`]. The parallel phases (`gradient`, `reduce`, `update`)
/// include waiting for the slowest lane; `reduce` and `update` move each parameter's data
/// between the cores, so they are the ones that suffer when the cores are far apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StepPhases {
    /// Copying the mini-batch rows (one thread).
    pub gather: f64,
    /// Forward and backward pass of every lane.
    pub gradient: f64,
    /// Summing the lanes' gradients.
    pub reduce: f64,
    /// The Adam update.
    pub update: f64,
}

impl StepPhases {
    pub fn total(&self) -> f64 {
        self.gather + self.gradient + self.reduce + self.update
    }

    /// Throughput of `steps` steps that took this long; `None` before any time has passed.
    pub fn steps_per_sec(&self, steps: u64) -> Option<f64> {
        let secs = self.total();
        (secs > 0.0).then(|| steps as f64 / secs)
    }

    /// Mean microseconds per step of each phase, for reports.
    pub fn describe_per_step(&self, steps: u64) -> String {
        let us = |secs: f64| secs * 1e6 / steps.max(1) as f64;
        format!(
            "gather {:.1} µs, gradient {:.1} µs, reduce {:.1} µs, update {:.1} µs",
            us(self.gather),
            us(self.gradient),
            us(self.reduce),
            us(self.update)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum StopReason {
    Completed,
    EarlyStopped {
        best_epoch: usize,
        best_test_nll: f64,
    },
    Diverged {
        consecutive_skipped_steps: u64,
    },
    StoppedByUser,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Completed => write!(f, "all epochs done"),
            StopReason::EarlyStopped {
                best_epoch,
                best_test_nll,
            } => write!(
                f,
                "early stopping: held-out NLL stopped improving; kept the weights of epoch {best_epoch} ({best_test_nll:.4} nats)"
            ),
            StopReason::Diverged {
                consecutive_skipped_steps,
            } => write!(
                f,
                "diverged: {consecutive_skipped_steps} steps in a row had a non-finite loss or gradient; kept the last good weights (try a lower learning rate or a larger σ floor)"
            ),
            StopReason::StoppedByUser => write!(f, "stopped by the user"),
        }
    }
}

/// What one call of [`Trainer::step`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepReport {
    /// Batch loss in original units; `None` when the step was skipped (non-finite).
    pub loss: Option<f64>,
    /// Set when this step completed an epoch.
    pub epoch: Option<EpochRecord>,
}

/// Per-thread buffers: a workspace and a gradient vector.
struct Lane {
    ws: Workspace,
    head: HeadScratch<f32>,
    grads: Vec<f32>,
    loss_sum: f64,
    /// Buffers for scoring, apart from the step's so that these stay small and cache-warm.
    eval_ws: Workspace,
    /// Standardised inputs of the chunk being scored.
    eval_x: Vec<f32>,
}

/// Data already standardised to the network's f32 units.
struct Prepared {
    x: Vec<f32>,
    y: Vec<f32>,
}

pub struct Trainer {
    config: TrainConfig,
    model: Model,
    adam: Adam,
    train: Prepared,
    test: Option<Dataset>,
    order: Vec<usize>,
    rng: StdRng,
    pool: Option<LanePool>,
    lanes: Vec<RwLock<Lane>>,
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
    best: Option<(usize, f64, Vec<f32>)>,
    stop: Option<StopReason>,
}

impl Trainer {
    /// Validates the settings, fits the scalers on `train` and initialises the model.
    pub fn new(
        config: TrainConfig,
        train: &Dataset,
        test: Option<&Dataset>,
    ) -> Result<Self, ConfigError> {
        config.validate(train, test)?;
        let d = train.n_inputs();
        let classifier = config.head.is_classifier();
        let x_scalers = (0..d)
            .map(|j| {
                if config.standardize {
                    Scaler::fit((0..train.len()).map(|i| train.x[i * d + j]))
                } else {
                    Scaler::IDENTITY
                }
            })
            .collect();
        let y_scaler = if config.standardize && !classifier {
            Scaler::fit(train.y.iter().copied())
        } else {
            Scaler::IDENTITY
        };
        let spec = ModelSpec {
            x_names: train.x_names.clone(),
            y_name: train.y_name.clone(),
            hidden: config.hidden.clone(),
            head: config.head,
            sigma_floor: config.sigma_floor,
            x_scalers,
            y_scaler,
        };
        let mut model = Model::new(spec, config.seed);
        let mut x = Vec::new();
        model.standardize_inputs(&train.x, &mut x);
        let y = model.standardize_targets(&train.y);
        if let (Head::Mixture { components }, true) = (config.head, config.spread_mixture_init) {
            spread_mixture_locations(&mut model, components, &y);
        }
        let n_params = model.mlp.params.len();
        let threads = effective_threads(&config, &model);
        // Without threads (an exotic platform), fall back to one lane: same results as threads=1.
        let pool = if threads > 1 {
            LanePool::new(threads).ok()
        } else {
            None
        };
        let lanes = (0..pool.as_ref().map_or(1, LanePool::lanes))
            .map(|_| {
                RwLock::new(Lane {
                    ws: Workspace::default(),
                    head: HeadScratch::default(),
                    grads: vec![0.0; n_params],
                    loss_sum: 0.0,
                    eval_ws: Workspace::default(),
                    eval_x: Vec::new(),
                })
            })
            .collect();
        let batch = config.batch_size.min(train.len());
        Ok(Trainer {
            adam: Adam::new(
                AdamConfig {
                    learning_rate: config.learning_rate,
                    ..AdamConfig::default()
                },
                n_params,
            ),
            order: (0..train.len()).collect(),
            // A different stream from the weight initialisation, still fixed by the seed.
            rng: StdRng::seed_from_u64(config.seed ^ 0x5DEE_CE66_D1CE_5EED),
            pool,
            lanes,
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
            best: None,
            stop: None,
            config,
            model,
        })
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
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
        if let Some(pool) = &mut self.pool {
            pool.spare_core_on_request(spare);
        }
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
        self.lanes.len()
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
        let loss_sum = self.compute_gradient(rows);
        let computed = Instant::now();
        let finite = self.reduce_gradients() && loss_sum.is_finite();
        let reduced = Instant::now();
        let loss = if finite {
            self.apply_adam();
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
        PredictionView::compute_in_parts(&self.model, spec, self.lanes.len(), &|work| {
            run_lanes(&self.pool, work)
        })
    }

    /// Scores of the current model on a dataset (original units): the same numbers as
    /// [`Model::score`], with the chunks shared out among the training threads.
    pub fn score(&self, data: &Dataset) -> Scores {
        let n_chunks = score_chunks(data);
        let next = AtomicUsize::new(0);
        let results = Mutex::new(vec![ChunkScore::default(); n_chunks]);
        let (model, lanes) = (&self.model, &self.lanes);
        run_lanes(&self.pool, &|i| {
            let Some(Ok(mut lane)) = lanes.get(i).map(|l| l.write()) else {
                return;
            };
            let Lane {
                eval_ws, eval_x, ..
            } = &mut *lane;
            loop {
                let c = next.fetch_add(1, Ordering::Relaxed);
                if c >= n_chunks {
                    break;
                }
                let score = model.score_chunk(data, c, eval_ws, eval_x);
                if let Ok(mut r) = results.lock() {
                    r[c] = score;
                }
            }
        });
        let results = results.into_inner().unwrap_or_else(PoisonError::into_inner);
        self.model.scores_from_chunks(data, results)
    }

    fn gather(&mut self, start: usize, end: usize) {
        let d = self.model.n_inputs();
        for (slot, &row) in self.order[start..end].iter().enumerate() {
            self.batch_x[slot * d..(slot + 1) * d]
                .copy_from_slice(&self.train.x[row * d..(row + 1) * d]);
            self.batch_y[slot] = self.train.y[row];
        }
    }

    /// Mean-NLL gradient of the gathered batch into `self.grads`; returns the summed NLL
    /// (standardised units). Each lane takes a fixed contiguous chunk of the batch.
    fn compute_gradient(&mut self, rows: usize) -> f64 {
        let d = self.model.n_inputs();
        let head = self.model.head();
        let floor = self.model.spec.sigma_floor as f32;
        let mlp = &self.model.mlp;
        let lanes_n = self.lanes.len();
        let chunk = rows.div_ceil(lanes_n);
        let scale = 1.0 / rows as f32;
        let (bx, by) = (&self.batch_x, &self.batch_y);
        let lanes = &self.lanes;
        let work = |i: usize| {
            // Each lane is written only by its own thread: the lock is never contended.
            let Ok(mut guard) = lanes[i].write() else {
                return;
            };
            let lane = &mut *guard;
            let start = (i * chunk).min(rows);
            let end = ((i + 1) * chunk).min(rows);
            let r = end - start;
            lane.loss_sum = 0.0;
            if r == 0 {
                lane.grads.fill(0.0);
                return;
            }
            let x = &bx[start * d..end * d];
            mlp.forward(x, r, &mut lane.ws);
            let (outputs, out_grad) = lane.ws.outputs_and_grad(r, head.params_size());
            lane.loss_sum = head.batch_nll(
                outputs,
                &by[start..end],
                floor,
                Some((out_grad, scale)),
                &mut lane.head,
            );
            mlp.backward(x, r, &mut lane.ws, &mut lane.grads);
        };
        run_lanes(&self.pool, &work);
        self.lanes.iter().map(|lane| read_lane(lane).loss_sum).sum()
    }

    /// Sums the lanes' gradients into `self.grads`, each lane thread taking one range of the
    /// parameters (summed in lane order: deterministic for a given thread count). Returns
    /// whether every summed gradient is finite.
    fn reduce_gradients(&mut self) -> bool {
        let lanes = &self.lanes;
        let ranges = split_ranges(&mut self.grads, lanes.len());
        let all_finite = std::sync::atomic::AtomicBool::new(true);
        let work = |i: usize| {
            let Some(Ok(mut slot)) = ranges.get(i).map(|r| r.lock()) else {
                return;
            };
            let Some((offset, out)) = slot.as_mut() else {
                return;
            };
            let range = *offset..*offset + out.len();
            for (j, lane) in lanes.iter().enumerate() {
                let lane = read_lane(lane);
                let part = &lane.grads[range.clone()];
                if j == 0 {
                    out.copy_from_slice(part);
                } else {
                    out.iter_mut().zip(part).for_each(|(g, l)| *g += l);
                }
            }
            if !out.iter().all(|g| g.is_finite()) {
                all_finite.store(false, std::sync::atomic::Ordering::Relaxed);
            }
        };
        run_lanes(&self.pool, &work);
        all_finite.into_inner()
    }

    /// One Adam step, each lane thread updating one range of the parameters.
    fn apply_adam(&mut self) {
        let step = self.adam.next_step();
        let lanes = self.lanes.len();
        let params = split_ranges(&mut self.model.mlp.params, lanes);
        let m = split_ranges(&mut self.adam.m, lanes);
        let v = split_ranges(&mut self.adam.v, lanes);
        let grads = &self.grads;
        let work = |i: usize| {
            let (Some(Ok(mut p)), Some(Ok(mut m)), Some(Ok(mut v))) = (
                params.get(i).map(|r| r.lock()),
                m.get(i).map(|r| r.lock()),
                v.get(i).map(|r| r.lock()),
            ) else {
                return;
            };
            if let (Some((offset, p)), Some((_, m)), Some((_, v))) =
                (p.as_mut(), m.as_mut(), v.as_mut())
            {
                step.apply(p, &grads[*offset..*offset + p.len()], m, v);
            }
        };
        run_lanes(&self.pool, &work);
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
        if let (Some(es), Some(test_nll)) = (self.config.early_stopping, record.test_nll) {
            let improved = self
                .best
                .as_ref()
                .is_none_or(|(_, best, _)| test_nll < best - es.min_delta);
            if improved {
                self.best = Some((self.epoch, test_nll, self.model.mlp.params.clone()));
            } else if let Some((best_epoch, best_nll, params)) = &self.best
                && self.epoch - best_epoch >= es.patience
            {
                self.model.mlp.params.clone_from(params);
                self.stop = Some(StopReason::EarlyStopped {
                    best_epoch: *best_epoch,
                    best_test_nll: *best_nll,
                });
            }
        }
        if self.stop.is_none() && self.epoch >= self.config.epochs {
            self.stop = Some(StopReason::Completed);
        }
        record
    }
}

/// Most lanes a step is split into (ranges are passed around in a fixed-size array).
pub const MAX_LANES: usize = 64;

/// Disjoint ranges of `values`, one per lane (with its offset), in a fixed-size array so that
/// no step allocates. Ranges are multiples of 16 floats so lanes never share a cache line.
type Ranges<'a> = [Mutex<Option<(usize, &'a mut [f32])>>; MAX_LANES];

fn split_ranges(values: &mut [f32], lanes: usize) -> Ranges<'_> {
    let mut ranges: Ranges<'_> = std::array::from_fn(|_| Mutex::new(None));
    let chunk = values
        .len()
        .div_ceil(lanes.max(1))
        .next_multiple_of(16)
        .max(16);
    for (i, part) in values.chunks_mut(chunk).enumerate().take(MAX_LANES) {
        ranges[i] = Mutex::new(Some((i * chunk, part)));
    }
    ranges
}

fn run_lanes(pool: &Option<LanePool>, work: &(dyn Fn(usize) + Sync)) {
    match pool {
        Some(pool) => pool.run(work),
        None => work(0),
    }
}

fn read_lane(lane: &RwLock<Lane>) -> std::sync::RwLockReadGuard<'_, Lane> {
    lane.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Threads actually used: the setting (0 = all cores), capped by the batch, and 1 when a step
/// is too small to be worth splitting. Depends only on the settings, so runs stay reproducible.
fn effective_threads(config: &TrainConfig, model: &Model) -> usize {
    let wanted = match config.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let work = config.batch_size * model.mlp.params.len();
    if work < MIN_PARALLEL_WORK {
        1
    } else {
        wanted.clamp(1, config.batch_size.clamp(1, MAX_LANES))
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
mod tests {
    use super::*;
    use crate::nn::activation::Activation;
    use crate::nn::mlp::LayerSpec;

    /// y = 3x + 1 + 0.5·noise, deterministic pseudo-noise.
    fn line(n: usize, offset: usize) -> Dataset {
        let x: Vec<f64> = (0..n)
            .map(|i| ((i + offset) as f64 * 0.618_034).fract() * 2.0 - 1.0)
            .collect();
        let y = x
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                3.0 * v + 1.0 + 0.5 * (((i + offset) as f64 * 12.9898).sin() * 43758.5453).fract()
            })
            .collect();
        Dataset {
            x_names: vec!["x".into()],
            y_name: "y".into(),
            x,
            y,
        }
    }

    fn small_config() -> TrainConfig {
        TrainConfig {
            hidden: vec![LayerSpec::new(16, Activation::Tanh)],
            head: Head::Mixture { components: 3 },
            epochs: 5,
            batch_size: 32,
            learning_rate: 1e-2,
            seed: 11,
            threads: 1,
            ..TrainConfig::default()
        }
    }

    #[test]
    fn scoring_on_the_lanes_gives_the_model_scores_exactly() {
        // 10 000 rows are three scoring chunks; two lanes share them out.
        let train = line(2_000, 0);
        let test = line(10_000, 7);
        let config = TrainConfig {
            epochs: 1,
            threads: 2,
            ..TrainConfig::default()
        };
        let mut trainer = Trainer::new(config, &train, Some(&test)).expect("valid");
        let record = trainer.run_epoch().expect("one epoch");
        assert_eq!(trainer.threads(), 2);
        let expected = trainer.model().score(&test);
        assert_eq!(trainer.score(&test), expected);
        assert_eq!(record.test_nll, Some(expected.nll));
    }

    #[test]
    fn the_prediction_view_on_the_lanes_is_the_models_view() {
        let train = line(2_000, 0);
        let mut trainer = Trainer::new(two_lanes(1), &train, None).expect("valid");
        trainer.run_epoch();
        assert_eq!(trainer.threads(), 2);
        let spec = ViewSpec {
            x_column: 0,
            plane_column: None,
            base_inputs: vec![0.0],
            x_range: (-1.0, 2.0),
            y_range: (-3.0, 5.0),
            nx: 101,
            ny: 40,
        };
        let view = trainer.prediction_view(&spec);
        assert_eq!(view, PredictionView::compute(trainer.model(), &spec));
        assert_eq!(view.curves.median.len(), 101);
    }

    /// What two runs must share to count as the same: per-epoch NLLs and the final weights.
    type Outcome = (Vec<(f64, Option<f64>)>, Vec<f32>);

    fn history_and_weights(t: &Trainer) -> Outcome {
        let history = t
            .history()
            .iter()
            .map(|r| (r.train_nll, r.test_nll))
            .collect();
        (history, t.model().mlp.params.clone())
    }

    /// The seed settings on two training threads.
    fn two_lanes(epochs: usize) -> TrainConfig {
        TrainConfig {
            epochs,
            threads: 2,
            ..TrainConfig::default()
        }
    }

    #[test]
    fn step_phases_accumulate_and_the_epoch_records_report_their_total() {
        let (train, test) = (line(3_000, 0), line(500, 5_000));
        let mut t = Trainer::new(two_lanes(2), &train, Some(&test)).expect("valid");
        t.run_epoch();
        let first = t.step_phases();
        assert!(first.gradient > 0.0, "{first:?}");
        t.run_epoch();
        let both = t.step_phases();
        for (name, before, after) in [
            ("gather", first.gather, both.gather),
            ("gradient", first.gradient, both.gradient),
            ("reduce", first.reduce, both.reduce),
            ("update", first.update, both.update),
        ] {
            assert!(after >= before, "{name} went back: {first:?} → {both:?}");
        }
        assert!(both.gradient > first.gradient);
        let records: Vec<f64> = t.history().iter().map(|r| r.train_secs).collect();
        assert_eq!(records, vec![first.total(), both.total()]);
    }

    #[test]
    fn elapsed_time_spans_the_steps_and_what_happens_between_them() {
        let train = line(3_000, 0);
        let mut t = Trainer::new(small_config(), &train, None).expect("valid");
        assert_eq!(t.elapsed_secs(), 0.0, "no step yet");
        t.step();
        let pause = std::time::Duration::from_millis(30);
        std::thread::sleep(pause);
        t.run_epoch();
        assert!(
            t.elapsed_secs() >= pause.as_secs_f64(),
            "{}",
            t.elapsed_secs()
        );
        assert!(t.elapsed_secs() >= t.train_secs());
    }

    #[test]
    fn lending_a_core_to_the_window_changes_no_result() {
        // Two lanes; while the spare core is requested, lane 1 runs on the calling thread.
        let (train, test) = (line(3_000, 0), line(500, 5_000));
        let config = two_lanes(2);
        let run = |spare: Option<Arc<SpareCore>>| {
            let mut t = Trainer::new(config.clone(), &train, Some(&test)).expect("valid");
            assert_eq!(t.threads(), 2);
            if let Some(spare) = spare {
                t.spare_core_on_request(spare);
            }
            t.run(|_| {});
            history_and_weights(&t)
        };
        let spare = Arc::new(SpareCore::default());
        spare.request(std::time::Duration::from_secs(3600));
        assert_eq!(run(Some(spare)), run(None));
    }

    #[test]
    fn same_seed_gives_the_same_history_and_weights() {
        let (train, test) = (line(500, 0), line(100, 1000));
        let run = |config: TrainConfig| {
            let mut t = Trainer::new(config, &train, Some(&test)).expect("valid");
            t.run(|_| {});
            history_and_weights(&t)
        };
        let a = run(small_config());
        let b = run(small_config());
        assert_eq!(a, b);
        let c = run(TrainConfig {
            seed: 12,
            ..small_config()
        });
        assert_ne!(a.0, c.0);
    }

    #[test]
    fn training_lowers_the_held_out_nll_and_counts_steps() {
        let (train, test) = (line(1000, 0), line(200, 5000));
        let mut t = Trainer::new(
            TrainConfig {
                epochs: 30,
                ..small_config()
            },
            &train,
            Some(&test),
        )
        .expect("valid");
        let before = t.score(&test).nll;
        let reason = t.run(|_| {}).clone();
        assert_eq!(reason, StopReason::Completed);
        let after = t
            .history()
            .last()
            .and_then(|r| r.test_nll)
            .expect("test nll");
        // The noise is uniform on (−0.5, 0.5): entropy 0 nats; a Normal of the same variance
        // scores 0.18, an untrained network far worse.
        assert!(after < before - 1.0, "before {before} after {after}");
        assert!(after < 0.3, "after {after}");
        assert_eq!(t.steps(), 30 * 32); // 1000 rows / 32 = 31.25 → 32 steps per epoch (last partial kept)
        assert_eq!(t.history().len(), 30);
    }

    #[test]
    fn exploding_learning_rate_stops_as_diverged_with_finite_weights() {
        let train = line(300, 0);
        let config = TrainConfig {
            learning_rate: 1e30,
            epochs: 100,
            ..small_config()
        };
        let mut t = Trainer::new(config, &train, None).expect("valid");
        let reason = t.run(|_| {}).clone();
        assert!(matches!(reason, StopReason::Diverged { .. }), "{reason:?}");
        assert!(t.model().mlp.params.iter().all(|p| p.is_finite()));
        assert!(reason.to_string().contains("non-finite"));
    }

    #[test]
    fn early_stopping_keeps_the_best_epoch() {
        let (train, test) = (line(200, 0), line(50, 900));
        let config = TrainConfig {
            epochs: 400,
            learning_rate: 3e-2,
            hidden: vec![LayerSpec::new(64, Activation::Relu)],
            early_stopping: Some(crate::nn::EarlyStopping {
                patience: 3,
                min_delta: 0.0,
            }),
            ..small_config()
        };
        let mut t = Trainer::new(config, &train, Some(&test)).expect("valid");
        let reason = t.run(|_| {}).clone();
        let StopReason::EarlyStopped {
            best_epoch,
            best_test_nll,
        } = reason
        else {
            panic!("expected early stop, got {reason:?}");
        };
        assert!(t.epochs_done() == best_epoch + 3 && t.epochs_done() < 400);
        assert!((t.score(&test).nll - best_test_nll).abs() < 1e-9);
    }

    #[test]
    fn two_threads_are_deterministic_and_close_to_one_thread() {
        let (train, test) = (line(2000, 0), line(200, 9000));
        let config = TrainConfig {
            hidden: vec![
                LayerSpec::new(128, Activation::Relu),
                LayerSpec::new(128, Activation::Tanh),
            ],
            head: Head::Mixture { components: 16 },
            epochs: 2,
            batch_size: 256,
            learning_rate: 1e-3,
            threads: 2,
            ..small_config()
        };
        let run = |c: TrainConfig| {
            let mut t = Trainer::new(c, &train, Some(&test)).expect("valid");
            t.run(|_| {});
            (
                t.threads(),
                t.history().last().and_then(|r| r.test_nll).expect("nll"),
            )
        };
        let (threads, a) = run(config.clone());
        assert_eq!(threads, 2);
        assert_eq!(run(config.clone()).1, a);
        let (one, b) = run(TrainConfig {
            threads: 1,
            ..config
        });
        assert_eq!(one, 1);
        assert!((a - b).abs() < 1e-3, "{a} vs {b}");
    }
}
