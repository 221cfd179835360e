//! Background tasks of the window: loading or generating data, the best achievable NLL,
//! writing files. A task runs one closure on its own thread and hands back its result; the UI
//! polls it each frame and never waits. A thread that cannot start is an error at once; one
//! that panics or ends without a result is reported as failed, never left pending (a pending
//! task keeps the window repainting).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crossbeam_channel::{Receiver, TryRecvError};

use crate::worker::WakeFn;

/// Set by Cancel; long work may look at it between its parts and stop early. Work made of
/// several parts also says here which part it has reached, for the status line.
#[derive(Clone, Default)]
pub struct CancelFlag {
    cancelled: Arc<AtomicBool>,
    stage: Arc<Mutex<Option<Stage>>>,
}

/// The part of a task's work in progress: `step` of `of` (from 1), and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    pub step: usize,
    pub of: usize,
    pub name: &'static str,
}

impl Stage {
    /// The share of the work done before this part.
    pub fn fraction_done(&self) -> f32 {
        (self.step.saturating_sub(1)) as f32 / self.of.max(1) as f32
    }
}

impl CancelFlag {
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// The flag itself, for core code that takes an `AtomicBool` (the sweep runner).
    pub fn as_atomic(&self) -> &AtomicBool {
        &self.cancelled
    }

    /// The work has reached `stage`.
    pub fn set_stage(&self, stage: Stage) {
        *self.stage.lock().unwrap_or_else(|e| e.into_inner()) = Some(stage);
    }

    /// The last stage set.
    pub fn stage(&self) -> Option<Stage> {
        *self.stage.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What [`Task::poll`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Poll<T> {
    Pending,
    Done(T),
    Failed(String),
}

pub struct Task<T> {
    /// "generating lognormal (100 000 rows)", for the status line.
    pub what: String,
    started: Instant,
    cancel: CancelFlag,
    result: Receiver<Result<T, String>>,
}

impl<T: Send + 'static> Task<T> {
    /// Runs `work` on a new thread; `wake` is called when it has a result.
    pub fn spawn(
        what: impl Into<String>,
        wake: Option<WakeFn>,
        work: impl FnOnce(&CancelFlag) -> Result<T, String> + Send + 'static,
    ) -> Result<Task<T>, String> {
        let what = what.into();
        let (tx, rx) = crossbeam_channel::bounded(1);
        let cancel = CancelFlag::default();
        let flag = cancel.clone();
        std::thread::Builder::new()
            .name(what.chars().take(15).collect())
            .spawn(move || {
                let _ = tx.send(work(&flag));
                if let Some(wake) = wake {
                    wake();
                }
            })
            .map_err(|error| format!("cannot start {what}: {error}"))?;
        Ok(Task {
            what,
            started: Instant::now(),
            cancel,
            result: rx,
        })
    }
}

impl<T> Task<T> {
    /// The result if there is one; a thread that ended without one has failed.
    pub fn poll(&self) -> Poll<T> {
        match self.result.try_recv() {
            Ok(Ok(value)) => Poll::Done(value),
            Ok(Err(error)) => Poll::Failed(error),
            Err(TryRecvError::Empty) => Poll::Pending,
            Err(TryRecvError::Disconnected) => Poll::Failed(format!(
                "{} stopped unexpectedly (an internal error; see the terminal)",
                self.what
            )),
        }
    }

    /// Asks the work to stop; the caller drops the task, so a late result is ignored.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// The part of the work in progress, if the work says.
    pub fn stage(&self) -> Option<Stage> {
        self.cancel.stage()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn wait<T>(task: &Task<T>) -> Poll<T> {
        for _ in 0..2000 {
            match task.poll() {
                Poll::Pending => std::thread::sleep(Duration::from_millis(5)),
                done => return done,
            }
        }
        Poll::Pending
    }

    #[test]
    fn a_result_an_error_and_a_panic_each_come_back() {
        let ok = Task::spawn("adding", None, |_| Ok(2 + 2)).expect("spawn");
        assert_eq!(wait(&ok), Poll::Done(4));
        let err =
            Task::<u8>::spawn("failing", None, |_| Err("no such file".into())).expect("spawn");
        assert_eq!(wait(&err), Poll::Failed("no such file".into()));
        let panics = Task::<u8>::spawn("panicking", None, |_| panic!("boom")).expect("spawn");
        match wait(&panics) {
            Poll::Failed(message) => assert!(
                message.starts_with("panicking stopped unexpectedly"),
                "{message}"
            ),
            other => panic!("a panicked task must be reported as failed, not {other:?}"),
        }
    }

    #[test]
    fn cancel_reaches_the_work() {
        let (go_tx, go_rx) = crossbeam_channel::bounded::<()>(1);
        let task = Task::spawn("waiting", None, move |cancel| {
            let _ = go_rx.recv();
            Ok(cancel.is_cancelled())
        })
        .expect("spawn");
        task.cancel();
        go_tx.send(()).expect("send");
        assert_eq!(wait(&task), Poll::Done(true));
    }

    #[test]
    fn the_stage_the_work_reached_is_seen_while_it_runs() {
        let (go_tx, go_rx) = crossbeam_channel::bounded::<()>(1);
        let (reached_tx, reached_rx) = crossbeam_channel::bounded::<()>(1);
        let task = Task::spawn("reading", None, move |handle| {
            handle.set_stage(Stage {
                step: 2,
                of: 4,
                name: "choosing the columns",
            });
            let _ = reached_tx.send(());
            let _ = go_rx.recv();
            Ok(())
        })
        .expect("spawn");
        reached_rx.recv().expect("reached");
        let stage = task.stage().expect("a stage");
        assert_eq!((stage.step, stage.name), (2, "choosing the columns"));
        assert_eq!(stage.fraction_done(), 0.25);
        assert_eq!(task.poll(), Poll::Pending);
        go_tx.send(()).expect("send");
        assert_eq!(wait(&task), Poll::Done(()));
    }
}
