//! A tiny fork-join pool for the training step: `n − 1` helper threads each run lane `i` of a
//! job while the calling thread runs lane 0. Steps come every few hundred microseconds, so a
//! thread that waits (a helper for the next job, the caller for the helpers) spins briefly
//! first: a futex sleep and wake-up on every join would cost a sizeable part of the step.
//!
//! The spin is short on purpose. When another process — the window's renderer, say — takes
//! the core of one lane, its partner stops spinning and sleeps, so its core falls idle and the
//! scheduler can move the preempted lane there instead of both waiting for the time slice.

use std::cell::UnsafeCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant};

/// How long a waiting thread spins before it sleeps. Longer than the usual imbalance between
/// the lanes of one job (a few microseconds), far shorter than a scheduler time slice.
const SPIN: Duration = Duration::from_micros(50);

/// Spins until `done()` or for [`SPIN`], then sleeps until woken (`unpark`) and `done()`.
fn wait_until(done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        if started.elapsed() < SPIN {
            std::hint::spin_loop();
        } else {
            // A timeout guards against a lost wake-up; wake-ups are normally prompt.
            std::thread::park_timeout(Duration::from_millis(50));
        }
    }
}

type Job = dyn Fn(usize) + Sync + 'static;

struct Shared {
    /// Bumped once per job; helpers run the job when they see a new value.
    generation: AtomicU64,
    /// Helpers still running the current job.
    remaining: AtomicUsize,
    /// A helper's job panicked.
    panicked: AtomicBool,
    stop: AtomicBool,
    /// The current job, with its lifetime erased, and the thread waiting for it. Written only
    /// by `run` while no helper reads them (between jobs); read by helpers only between the
    /// generation bump and their `remaining` decrement, while `run` is waiting for them.
    job: UnsafeCell<Option<(&'static Job, Thread)>>,
}

// SAFETY: `job` is accessed following the protocol described on the field; everything else is
// atomic.
unsafe impl Sync for Shared {}

pub struct LanePool {
    shared: Arc<Shared>,
    helpers: Vec<(JoinHandle<()>, Thread)>,
}

impl LanePool {
    /// A pool running `lanes` lanes in parallel (`lanes − 1` helper threads).
    pub fn new(lanes: usize) -> std::io::Result<LanePool> {
        let shared = Arc::new(Shared {
            generation: AtomicU64::new(0),
            remaining: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            job: UnsafeCell::new(None),
        });
        let mut helpers = Vec::new();
        for lane in 1..lanes.max(1) {
            let shared = shared.clone();
            let handle = std::thread::Builder::new()
                .name(format!("train-lane-{lane}"))
                .spawn(move || helper_loop(&shared, lane))?;
            let thread = handle.thread().clone();
            helpers.push((handle, thread));
        }
        Ok(LanePool { shared, helpers })
    }

    pub fn lanes(&self) -> usize {
        self.helpers.len() + 1
    }

    /// Runs `job(lane)` for every lane, lane 0 on the calling thread; returns when all are done.
    pub fn run<'job>(&self, job: &'job (dyn Fn(usize) + Sync + 'job)) {
        let shared = &*self.shared;
        // SAFETY: no helper reads `job` now (the previous `run` waited for all of them), and
        // this `run` does not return before every helper has finished with it, so the erased
        // borrow never outlives `job`.
        unsafe {
            let job = std::mem::transmute::<&'job (dyn Fn(usize) + Sync + 'job), &'static Job>(job);
            *shared.job.get() = Some((job, std::thread::current()));
        }
        shared
            .remaining
            .store(self.helpers.len(), Ordering::Relaxed);
        shared.generation.fetch_add(1, Ordering::Release);
        for (_, thread) in &self.helpers {
            thread.unpark();
        }
        // Lane 0 may panic too; the helpers must still be waited for before unwinding.
        let own = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(0)));
        wait_until(|| shared.remaining.load(Ordering::Acquire) == 0);
        // SAFETY: every helper is done with the job.
        unsafe {
            *shared.job.get() = None;
        }
        if let Err(payload) = own {
            std::panic::resume_unwind(payload);
        }
        if shared.panicked.swap(false, Ordering::Relaxed) {
            panic!("a training lane panicked");
        }
    }
}

fn helper_loop(shared: &Shared, lane: usize) {
    let mut seen = 0;
    loop {
        wait_until(|| {
            shared.stop.load(Ordering::Acquire) || shared.generation.load(Ordering::Acquire) != seen
        });
        if shared.stop.load(Ordering::Acquire) {
            return;
        }
        seen = shared.generation.load(Ordering::Acquire);
        // SAFETY: the generation bump (Acquire above) happened after `run` stored the job,
        // and `run` keeps it alive until `remaining` reaches zero. The waiter is cloned before
        // that decrement, after which `run` may already be storing the next job.
        let current = unsafe { (*shared.job.get()).clone() };
        let Some((job, waiter)) = current else {
            shared.remaining.fetch_sub(1, Ordering::Release);
            continue;
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(lane)));
        if outcome.is_err() {
            shared.panicked.store(true, Ordering::Relaxed);
        }
        if shared.remaining.fetch_sub(1, Ordering::Release) == 1 {
            // The last helper to finish wakes `run` if it has stopped spinning (cheap if not).
            waiter.unpark();
        }
    }
}

impl Drop for LanePool {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        for (handle, thread) in self.helpers.drain(..) {
            thread.unpark();
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn every_lane_runs_once_per_job() {
        let pool = LanePool::new(3).expect("threads");
        assert_eq!(pool.lanes(), 3);
        let hits = Mutex::new(vec![0usize; 3]);
        for _ in 0..1000 {
            pool.run(&|lane| {
                if let Ok(mut h) = hits.lock() {
                    h[lane] += 1;
                }
            });
        }
        assert_eq!(*hits.lock().expect("lock"), vec![1000, 1000, 1000]);
    }

    #[test]
    fn jobs_borrow_local_data_and_survive_idle_periods() {
        let pool = LanePool::new(2).expect("threads");
        let mut results = [0u64; 2];
        for round in 0..5u64 {
            let cells: Vec<AtomicU64> = (0..2).map(|_| AtomicU64::new(0)).collect();
            pool.run(&|lane| cells[lane].store(round * 10 + lane as u64, Ordering::Relaxed));
            results = [
                cells[0].load(Ordering::Relaxed),
                cells[1].load(Ordering::Relaxed),
            ];
            std::thread::sleep(Duration::from_millis(2)); // helpers park in between
        }
        assert_eq!(results, [40, 41]);
    }

    #[test]
    fn a_panicking_lane_is_reported_not_hung() {
        let pool = LanePool::new(2).expect("threads");
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.run(&|lane| assert!(lane == 0, "lane {lane} fails"));
        }));
        assert!(caught.is_err());
        let ok = AtomicUsize::new(0);
        pool.run(&|_| {
            ok.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(ok.load(Ordering::Relaxed), 2);
    }
}
