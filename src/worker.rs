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
mod tests {
    use super::*;
    use crate::nn::{Activation, Head, LayerSpec, TrainConfig};

    /// Validates `config` for the data and starts a worker.
    #[expect(
        clippy::needless_pass_by_value,
        reason = "the tests build the settings in place"
    )]
    fn spawn(
        config: TrainConfig,
        train: Arc<Dataset>,
        test: Option<Arc<Dataset>>,
        view: Option<ViewSpec>,
        wake: WakeFn,
    ) -> TrainingWorker {
        let valid = config.validate(&train, test.as_deref()).expect("valid");
        TrainingWorker::spawn(valid, train, test, view, wake).expect("the thread starts")
    }

    /// Runs `body` on a thread of its own and fails if it has not finished within a minute, so
    /// that a worker that never stops fails the test instead of hanging the suite.
    fn within_a_minute(body: impl FnOnce() + Send + 'static) {
        let (done_tx, done_rx) = crossbeam_channel::bounded(1);
        let handle = std::thread::spawn(move || {
            body();
            let _ = done_tx.send(());
        });
        match done_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(()) => assert!(handle.join().is_ok(), "the test body panicked"),
            // Disconnected: the body panicked before finishing; join to report it.
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                if let Err(payload) = handle.join() {
                    std::panic::resume_unwind(payload);
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                panic!("still running after 60 s: the worker did not stop")
            }
        }
    }

    /// Receives events until one matches `wanted`, returning the ones before it; `None` when
    /// the worker ended first. The timeout only guards against a hang.
    fn events_until(
        worker: &TrainingWorker,
        wanted: impl Fn(&Event) -> bool,
    ) -> Option<Vec<Event>> {
        let mut before = Vec::new();
        while let Some(event) = worker.recv_timeout(Duration::from_secs(30)) {
            if wanted(&event) {
                return Some(before);
            }
            before.push(event);
        }
        None
    }

    fn data(n: usize) -> Arc<Dataset> {
        let x: Vec<f64> = (0..n)
            .map(|i| (i as f64 * 0.618_034).fract() * 2.0 - 1.0)
            .collect();
        let y = x
            .iter()
            .enumerate()
            .map(|(i, v)| 2.0 * v + (i as f64 * 1.7).sin() * 0.3)
            .collect();
        Arc::new(Dataset {
            x_names: vec!["x".into()],
            y_name: "y".into(),
            x,
            y,
        })
    }

    fn config(epochs: usize) -> TrainConfig {
        TrainConfig {
            hidden: vec![LayerSpec::new(8, Activation::Tanh)],
            head: Head::Mixture { components: 2 },
            epochs,
            batch_size: 16,
            learning_rate: 1e-2,
            threads: 1,
            ..TrainConfig::default()
        }
    }

    fn view() -> ViewSpec {
        ViewSpec {
            x_column: 0,
            plane_column: None,
            base_inputs: vec![0.0],
            x_range: (-1.0, 1.0),
            y_range: (-3.0, 3.0),
            nx: 20,
            ny: 30,
        }
    }

    fn wait_finished(worker: &TrainingWorker) -> (Vec<Event>, RunOutcome) {
        let mut seen = Vec::new();
        while let Some(event) = worker.recv_timeout(Duration::from_secs(30)) {
            if let Event::Finished(outcome) = event {
                return (seen, *outcome);
            }
            seen.push(event);
        }
        panic!("the worker ended without a Finished event");
    }

    #[test]
    fn runs_to_completion_and_reports_everything() {
        let wakes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = wakes.clone();
        let wake: WakeFn = Arc::new(move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        let worker = spawn(config(3), data(200), Some(data(50)), Some(view()), wake);
        let (events, outcome) = wait_finished(&worker);
        assert_eq!(outcome.reason, StopReason::Completed);
        assert_eq!(outcome.history.len(), 3);
        assert_eq!(outcome.steps, 3 * 13);
        let epochs = events
            .iter()
            .filter(|e| matches!(e, Event::Epoch(_)))
            .count();
        assert_eq!(epochs, 3);
        let losses: usize = events
            .iter()
            .map(|e| {
                if let Event::Losses { losses, .. } = e {
                    losses.len()
                } else {
                    0
                }
            })
            .sum();
        assert_eq!(losses, 39);
        let view = outcome.view.expect("view");
        assert_eq!(view.grid.len(), 20 * 30);
        assert_eq!(view.curves.mean.len(), 20);
        assert!(wakes.load(std::sync::atomic::Ordering::Relaxed) >= events.len());
        assert!(outcome.test_scores.is_some());
    }

    /// A 1000-epoch run, paused (its Paused acknowledgement received).
    fn long_run_paused() -> TrainingWorker {
        let worker = spawn(config(1000), data(400), None, None, Arc::new(|| {}));
        worker.send(Command::Pause);
        while let Some(e) = worker.recv_timeout(Duration::from_secs(10)) {
            if matches!(e, Event::Paused) {
                break;
            }
        }
        worker
    }

    #[test]
    fn pause_step_resume_and_stop() {
        let worker = long_run_paused();
        // Nothing but possibly already-queued events arrives while paused; then one epoch on request.
        worker.send(Command::StepEpoch);
        let mut got_epoch = false;
        while let Some(e) = worker.recv_timeout(Duration::from_secs(10)) {
            match e {
                Event::Epoch(_) => got_epoch = true,
                Event::Paused if got_epoch => break,
                _ => {}
            }
        }
        assert!(got_epoch);
        worker.send(Command::Resume);
        worker.send(Command::Stop);
        let (_, outcome) = wait_finished(&worker);
        assert_eq!(outcome.reason, StopReason::StoppedByUser);
        assert!(outcome.history.len() < 1000);
    }

    #[test]
    fn time_spent_paused_is_not_counted_as_active() {
        let spawned = Instant::now();
        let worker = long_run_paused();
        let pause = Duration::from_millis(300);
        std::thread::sleep(pause);
        worker.send(Command::Resume);
        let mut active = None;
        while let Some(e) = worker.recv_timeout(Duration::from_secs(10)) {
            match e {
                Event::Resumed => active = Some(0.0),
                Event::Progress { active_secs, .. } if active.is_some() => {
                    active = Some(active_secs);
                    break;
                }
                _ => {}
            }
        }
        let active = active.expect("progress after resuming");
        assert!(active > 0.0);
        assert!(
            active <= spawned.elapsed().checked_sub(pause).unwrap().as_secs_f64(),
            "{active} s active in {:?} with a {pause:?} pause",
            spawned.elapsed()
        );
        worker.send(Command::Stop);
        wait_finished(&worker);
    }

    /// A run with far more epochs than a test lasts, with a view for snapshots.
    fn endless_run_with_view() -> TrainingWorker {
        spawn(
            config(1_000_000),
            data(400),
            None,
            Some(view()),
            Arc::new(|| {}),
        )
    }

    #[test]
    fn a_new_snapshot_waits_until_the_last_one_is_taken() {
        let worker = endless_run_with_view();
        let is_snapshot = |e: &Event| matches!(e, Event::Snapshot { .. });
        assert!(
            events_until(&worker, is_snapshot).is_some(),
            "the first one"
        );
        // A snapshot is due at every epoch end, but nobody took the last one: three epochs
        // go by without another.
        for epoch in 1..=3 {
            let before =
                events_until(&worker, |e| matches!(e, Event::Epoch(_))).expect("training goes on");
            assert!(
                !before.iter().any(is_snapshot),
                "a snapshot nobody asked for before epoch {epoch}"
            );
        }
        worker.snapshot_taken();
        assert!(events_until(&worker, is_snapshot).is_some(), "the next one");
        worker.send(Command::Stop);
    }

    #[test]
    fn pausing_shows_the_model_as_it_is_even_if_no_snapshot_was_asked_for() {
        let worker = endless_run_with_view();
        // The snapshot that arrives before the Paused acknowledgement.
        let snapshot_then_paused = || {
            let mut snapshot = None;
            while let Some(e) = worker.recv_timeout(Duration::from_secs(10)) {
                match e {
                    Event::Snapshot { model, .. } => snapshot = Some(model),
                    Event::Paused => return snapshot,
                    _ => {}
                }
            }
            panic!("no Paused event");
        };
        // The first snapshot is never marked taken, so none follows on its own.
        while !matches!(
            worker.recv_timeout(Duration::from_secs(10)),
            Some(Event::Snapshot { .. }) | None
        ) {}
        worker.send(Command::Pause);
        assert!(snapshot_then_paused().is_some(), "a snapshot on pausing");
        worker.send(Command::StepEpoch);
        let after_epoch = snapshot_then_paused().expect("a snapshot after the stepped epoch");
        worker.send(Command::Stop);
        let (_, outcome) = wait_finished(&worker);
        assert_eq!(
            *after_epoch, *outcome.model,
            "the paused window showed the final model"
        );
    }

    #[test]
    fn a_thread_that_cannot_start_is_an_error() {
        let train = data(10);
        let valid = config(1).validate(&train, None).expect("valid");
        let no_threads: ThreadStarter = |_| Err(std::io::Error::other("no more threads"));
        let result =
            TrainingWorker::spawn_with(no_threads, valid, train, None, None, Arc::new(|| {}));
        let message = result.err().map(|e| e.to_string());
        assert_eq!(
            message.as_deref(),
            Some("could not start the training thread: no more threads")
        );
    }

    #[test]
    fn a_panic_in_the_training_thread_arrives_as_an_event() {
        within_a_minute(|| {
            // The wake-up call runs on the training thread: make its first call panic there.
            let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let wake: WakeFn = Arc::new(move || {
                assert!(calls.fetch_add(1, Ordering::Relaxed) != 0, "injected fault");
            });
            let worker = spawn(config(1_000_000), data(100), None, None, wake);
            let before = events_until(&worker, |e| matches!(e, Event::Failed(_)));
            let before = before.expect("a Failed event, not a silent end");
            assert!(
                matches!(before.as_slice(), [Event::Started { .. }]),
                "the run had started: {before:?}"
            );
            assert!(
                worker.recv_timeout(Duration::from_secs(10)).is_none(),
                "nothing follows Failed"
            );
            assert!(!worker.is_running(), "the thread has ended");
        });
    }

    #[test]
    fn the_failure_message_carries_the_panic_text() {
        let payload = std::panic::catch_unwind(|| panic!("bad {}", 42)).expect_err("panicked");
        assert_eq!(
            panic_message(payload.as_ref()),
            "the training thread panicked: bad 42"
        );
    }

    #[test]
    fn dropping_the_handle_stops_the_thread() {
        within_a_minute(|| {
            let worker = spawn(config(100_000), data(1000), None, None, Arc::new(|| {}));
            // Wait until it trains, then drop it: the drop joins the thread.
            assert!(
                events_until(&worker, |e| matches!(e, Event::Losses { .. })).is_some(),
                "training started"
            );
            drop(worker);
        });
    }
}
