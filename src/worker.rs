//! The background training thread. Commands go in, events come out over crossbeam channels;
//! the worker wakes the UI through an injected callback, so this module knows nothing of the
//! GUI toolkit. Dropping the handle stops the thread and joins it. A thread that cannot start
//! is an error of [`TrainingWorker::spawn`]; a panic inside it arrives as [`Event::Failed`].

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};

use crate::data::Dataset;
use crate::nn::{
    EpochRecord, Model, PredictionView, Scores, SpareCore, StepPhases, StopReason, Trainer,
    ValidConfig, ViewSpec,
};

/// The UI's wake-up call (in the app: `ctx.request_repaint()`).
pub type WakeFn = Arc<dyn Fn() + Send + Sync>;

/// Shortest time between two prediction snapshots. Besides, a snapshot is computed only once
/// the window has taken the previous one ([`TrainingWorker::snapshot_taken`]): no more often
/// than it repaints.
const SNAPSHOT_INTERVAL: Duration = Duration::from_millis(200);
/// Snapshots may take at most this fraction of the worker's time.
const SNAPSHOT_BUDGET: f64 = 0.05;
/// Per-step losses are sent in batches at most this often.
const LOSS_FLUSH_INTERVAL: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Pause,
    Resume,
    /// While paused: train one more epoch, then pause again.
    StepEpoch,
    Stop,
    /// The slice of input space that snapshots should cover.
    SetView(ViewSpec),
}

#[derive(Debug, Clone)]
pub enum Event {
    Started {
        steps_per_epoch: usize,
        epochs: usize,
        threads: usize,
    },
    /// Per-step batch losses (original units; NaN for a skipped step), from step `first_step`.
    Losses {
        first_step: u64,
        losses: Vec<f32>,
    },
    Progress {
        steps: u64,
        epoch: usize,
        /// Steps per second of training steps, over the last few hundredths of a second.
        steps_per_sec: f64,
        train_secs: f64,
        /// Wall time of the run so far, pauses excluded: the steps, the evaluation at epoch
        /// ends and the snapshots.
        active_secs: f64,
    },
    Epoch(EpochRecord),
    /// The live model and, when a view is set, its predictions over it.
    Snapshot {
        model: Arc<Model>,
        view: Option<Arc<PredictionView>>,
    },
    Paused,
    Resumed,
    Finished(Box<RunOutcome>),
    /// The training thread panicked (a bug): the run is over, with this message. No event
    /// follows.
    Failed(String),
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("could not start the training thread: {0}")]
    ThreadStart(#[from] std::io::Error),
}

/// Starts the training thread with its body (the seam where tests inject a failing start).
type ThreadStarter = fn(Box<dyn FnOnce() + Send>) -> std::io::Result<JoinHandle<()>>;

fn start_named_thread(body: Box<dyn FnOnce() + Send>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("training".into())
        .spawn(body)
}

/// The end of a run: why it ended, the final model and its scores on the whole sets.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub reason: StopReason,
    pub model: Arc<Model>,
    pub view: Option<Arc<PredictionView>>,
    pub history: Vec<EpochRecord>,
    pub steps: u64,
    /// Where the time of the steps went; their total is the run's training time.
    pub phases: StepPhases,
    /// Wall time of the run, pauses excluded: the steps, the evaluation at epoch ends and the
    /// snapshots.
    pub active_secs: f64,
    pub train_scores: Scores,
    pub test_scores: Option<Scores>,
}

pub struct TrainingWorker {
    commands: Sender<Command>,
    events: Receiver<Event>,
    handle: Option<JoinHandle<()>>,
    spare_core: Arc<SpareCore>,
    snapshot_wanted: Arc<AtomicBool>,
}

impl TrainingWorker {
    /// Trains on a new thread with settings already checked against these data sets.
    pub fn spawn(
        config: ValidConfig,
        train: Arc<Dataset>,
        test: Option<Arc<Dataset>>,
        view: Option<ViewSpec>,
        wake: WakeFn,
    ) -> Result<TrainingWorker, WorkerError> {
        Self::spawn_with(start_named_thread, config, train, test, view, wake)
    }

    fn spawn_with(
        start: ThreadStarter,
        config: ValidConfig,
        train: Arc<Dataset>,
        test: Option<Arc<Dataset>>,
        view: Option<ViewSpec>,
        wake: WakeFn,
    ) -> Result<TrainingWorker, WorkerError> {
        let (command_tx, command_rx) = crossbeam_channel::unbounded();
        let (event_tx, event_rx) = crossbeam_channel::unbounded();
        let spare_core = Arc::new(SpareCore::default());
        let spare = spare_core.clone();
        let snapshot_wanted = Arc::new(AtomicBool::new(true));
        let wanted = snapshot_wanted.clone();
        let handle = start(Box::new(move || {
            let mut run = WorkerLoop {
                events: event_tx,
                commands: command_rx,
                wake,
                view,
                spare,
                snapshot_wanted: wanted,
                paused: false,
                epoch_then_pause: false,
                paused_for: Duration::ZERO,
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                run.train(config, &train, test.as_deref());
            }));
            if let Err(payload) = outcome {
                run.emit(Event::Failed(panic_message(payload.as_ref())));
            }
        }))?;
        Ok(TrainingWorker {
            commands: command_tx,
            events: event_rx,
            handle: Some(handle),
            spare_core,
            snapshot_wanted,
        })
    }

    /// Ask for a core through this while the training threads should leave one free (the
    /// window does, while it paints a frame).
    pub fn spare_core(&self) -> &Arc<SpareCore> {
        &self.spare_core
    }

    /// The latest snapshot has been taken: the worker may compute the next one. Until then it
    /// computes none, so a window that repaints rarely (or not at all) costs training nothing.
    pub fn snapshot_taken(&self) {
        self.snapshot_wanted.store(true, Ordering::Release);
    }

    /// Sends a command; a worker that has finished ignores it.
    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    /// Takes pending events until `budget` has elapsed (the UI calls this every frame).
    pub fn drain(&self, budget: Duration) -> Vec<Event> {
        let started = Instant::now();
        let mut out = Vec::new();
        while started.elapsed() < budget {
            match self.events.try_recv() {
                Ok(event) => out.push(event),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        out
    }

    /// Blocks until the next event (tests and the CLI); `None` once the worker has ended.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Event> {
        self.events.recv_timeout(timeout).ok()
    }

    pub fn is_running(&self) -> bool {
        self.handle.as_ref().is_some_and(|h| !h.is_finished())
    }
}

impl Drop for TrainingWorker {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Stop);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// The text of a panic's payload (what `panic!` was given, when it was a string).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    format!("the training thread panicked: {text}")
}

struct WorkerLoop {
    events: Sender<Event>,
    commands: Receiver<Command>,
    wake: WakeFn,
    view: Option<ViewSpec>,
    spare: Arc<SpareCore>,
    /// Set by the window once it has taken the latest snapshot.
    snapshot_wanted: Arc<AtomicBool>,
    paused: bool,
    epoch_then_pause: bool,
    /// Time spent waiting for commands while paused.
    paused_for: Duration,
}

impl WorkerLoop {
    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
        (self.wake)();
    }

    fn train(&mut self, config: ValidConfig, train: &Dataset, test: Option<&Dataset>) {
        let mut trainer = Trainer::new(config, train, test);
        trainer.spare_core_on_request(self.spare.clone());
        self.emit(Event::Started {
            steps_per_epoch: trainer.steps_per_epoch(),
            epochs: trainer.config().epochs,
            threads: trainer.threads(),
        });
        let mut losses: Vec<f32> = Vec::new();
        let mut first_step = 0;
        let mut last_flush = Instant::now();
        let mut next_snapshot = Instant::now();
        let (mut rate_steps, mut rate_secs) = (0u64, 0.0f64);
        let started = Instant::now();
        while !trainer.is_finished() {
            if !self.handle_commands(&trainer) {
                break;
            }
            if self.paused {
                continue;
            }
            let secs_before = trainer.train_secs();
            let report = trainer.step();
            rate_steps += 1;
            rate_secs += trainer.train_secs() - secs_before;
            losses.push(report.loss.map_or(f32::NAN, |l| l as f32));
            if last_flush.elapsed() >= LOSS_FLUSH_INTERVAL || report.epoch.is_some() {
                let steps = trainer.steps();
                self.emit(Event::Losses {
                    first_step,
                    losses: std::mem::take(&mut losses),
                });
                first_step = steps;
                self.emit(Event::Progress {
                    steps,
                    epoch: trainer.epochs_done(),
                    steps_per_sec: if rate_secs > 0.0 {
                        rate_steps as f64 / rate_secs
                    } else {
                        0.0
                    },
                    train_secs: trainer.train_secs(),
                    active_secs: self.active_secs(started),
                });
                (rate_steps, rate_secs) = (0, 0.0);
                last_flush = Instant::now();
            }
            if let Some(record) = report.epoch {
                self.emit(Event::Epoch(record));
                if self.epoch_then_pause {
                    self.epoch_then_pause = false;
                    self.pause(&trainer);
                }
            }
            // A run that has just paused has sent its snapshot already.
            let due = Instant::now() >= next_snapshot || report.epoch.is_some();
            if due && !self.paused && self.snapshot_wanted.swap(false, Ordering::AcqRel) {
                let computing = Instant::now();
                self.send_snapshot(&trainer);
                let cost = computing.elapsed();
                next_snapshot =
                    Instant::now() + SNAPSHOT_INTERVAL.max(cost.div_f64(SNAPSHOT_BUDGET));
            }
        }
        trainer.stop(); // no-op unless the loop was left by a Stop command
        let model = Arc::new(trainer.model().clone());
        let outcome = RunOutcome {
            reason: trainer
                .stop_reason()
                .cloned()
                .unwrap_or(StopReason::StoppedByUser),
            view: self
                .view
                .as_ref()
                .map(|v| Arc::new(trainer.prediction_view(v))),
            history: trainer.history().to_vec(),
            steps: trainer.steps(),
            phases: trainer.step_phases(),
            active_secs: self.active_secs(started),
            train_scores: trainer.score(train),
            test_scores: test.map(|t| trainer.score(t)),
            model,
        };
        self.emit(Event::Finished(Box::new(outcome)));
    }

    /// Wall time since `started`, less the time spent paused.
    fn active_secs(&self, started: Instant) -> f64 {
        started
            .elapsed()
            .saturating_sub(self.paused_for)
            .as_secs_f64()
    }

    /// Pauses, first sending a snapshot whether or not the window has taken the last one: a
    /// paused window shows (and saves) exactly the model its epoch count and losses describe.
    fn pause(&mut self, trainer: &Trainer) {
        self.paused = true;
        self.send_snapshot(trainer);
        self.emit(Event::Paused);
    }

    fn send_snapshot(&self, trainer: &Trainer) {
        let model = Arc::new(trainer.model().clone());
        let view = self
            .view
            .as_ref()
            .map(|v| Arc::new(trainer.prediction_view(v)));
        self.emit(Event::Snapshot { model, view });
    }

    /// Applies pending commands (blocking while paused). Returns false to stop the run.
    fn handle_commands(&mut self, trainer: &Trainer) -> bool {
        loop {
            let command = if self.paused {
                let waiting = Instant::now();
                let received = self.commands.recv();
                self.paused_for += waiting.elapsed();
                match received {
                    Ok(c) => c,
                    Err(_) => return false, // the handle is gone
                }
            } else {
                match self.commands.try_recv() {
                    Ok(c) => c,
                    Err(TryRecvError::Empty) => return true,
                    Err(TryRecvError::Disconnected) => return false,
                }
            };
            match command {
                Command::Stop => return false,
                Command::Pause => {
                    if !self.paused {
                        self.pause(trainer);
                    }
                }
                Command::Resume => {
                    self.epoch_then_pause = false;
                    if self.paused {
                        self.paused = false;
                        self.emit(Event::Resumed);
                    }
                    return true;
                }
                Command::StepEpoch => {
                    self.epoch_then_pause = true;
                    self.paused = false;
                    return true;
                }
                Command::SetView(view) => {
                    self.view = Some(view);
                    if self.paused {
                        self.send_snapshot(trainer);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
