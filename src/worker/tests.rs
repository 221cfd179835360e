//! The worker's tests: a whole run, pause/step/resume, snapshots on demand, thread-start
//! failures and panics, and stopping on drop. They wait for events, with timeouts only as
//! guards against a hang; the one that times a pause checks an inequality that holds by
//! construction.

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
fn events_until(worker: &TrainingWorker, wanted: impl Fn(&Event) -> bool) -> Option<Vec<Event>> {
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
    Arc::new(Dataset::new(vec!["x".into()], "y".into(), x, y).unwrap())
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
    let result = TrainingWorker::spawn_with(no_threads, valid, train, None, None, Arc::new(|| {}));
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
