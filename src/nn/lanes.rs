//! A tiny fork-join pool for the training step: `n − 1` helper threads each run lane `i` of a
//! job while the calling thread runs lane 0. Steps come every few hundred microseconds, so a
//! thread that waits (a helper for the next job, the caller for the helpers) spins briefly
//! first: a futex sleep and wake-up on every join would cost a sizeable part of the step.
//!
//! The spin is short on purpose. When another process — the window's renderer, say — takes
//! the core of one lane, its partner stops spinning and sleeps, so its core falls idle and the
//! scheduler can move the preempted lane there instead of both waiting for the time slice.
//!
//! The lanes of a step move in lockstep, so a lane that loses its core to another thread holds
//! all of them up. Whoever knows it is about to need a core (the window, for each frame it
//! paints) can ask for one with [`SpareCore`]: until it is released, the last helper sits the
//! jobs out and the caller runs that lane itself, after its own. Each lane's work depends only
//! on its index, so the results are the same bit for bit.

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

/// A request that training leave one core free for a while, shared between the thread that
/// needs the core and the trainer. A request lapses by itself after the time it names, so a
/// requester that never gets to [`release`](SpareCore::release) costs at most that long.
#[derive(Debug)]
pub struct SpareCore {
    origin: Instant,
    /// End of the current request in nanoseconds after `origin`; 0 when there is none.
    until_nanos: AtomicU64,
}

impl Default for SpareCore {
    fn default() -> Self {
        SpareCore {
            origin: Instant::now(),
            until_nanos: AtomicU64::new(0),
        }
    }
}

impl SpareCore {
    /// Asks for a core from now until `release`, or for `at_most`, whichever comes first.
    pub fn request(&self, at_most: Duration) {
        let until = (self.origin.elapsed() + at_most).as_nanos();
        self.until_nanos
            .store(u64::try_from(until).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub fn release(&self) {
        self.until_nanos.store(0, Ordering::Relaxed);
    }

    pub fn is_requested(&self) -> bool {
        let until = self.until_nanos.load(Ordering::Relaxed);
        until != 0 && self.origin.elapsed().as_nanos() < u128::from(until)
    }
}

type Job = dyn Fn(usize) + Sync + 'static;

/// Bits of [`Shared::state`] that hold the number of lanes taking part in the current job.
const PARTICIPANT_BITS: u32 = 8;

struct Shared {
    /// `generation << PARTICIPANT_BITS | participants`: the generation is bumped once per job;
    /// helpers with a lane below `participants` run the job when they see a new generation.
    /// One word, so a helper never pairs one job's generation with another's participants.
    state: AtomicU64,
    /// Participating helpers still running the current job.
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
    spare: Option<Arc<SpareCore>>,
}

impl LanePool {
    /// A pool running `lanes` lanes in parallel (`lanes − 1` helper threads).
    pub fn new(lanes: usize) -> std::io::Result<LanePool> {
        let lanes = lanes.min((1 << PARTICIPANT_BITS) - 1);
        let shared = Arc::new(Shared {
            state: AtomicU64::new(0),
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
        Ok(LanePool {
            shared,
            helpers,
            spare: None,
        })
    }

    pub fn lanes(&self) -> usize {
        self.helpers.len() + 1
    }

    /// From now on, while `spare` is requested, one helper sits the jobs out.
    pub fn spare_core_on_request(&mut self, spare: Arc<SpareCore>) {
        self.spare = Some(spare);
    }

    /// Lanes run by threads of their own in the next job (the caller's counts).
    fn participants(&self) -> usize {
        let lanes = self.lanes();
        match &self.spare {
            Some(spare) if lanes > 1 && spare.is_requested() => lanes - 1,
            _ => lanes,
        }
    }

    /// Runs `job(lane)` for every lane, lane 0 on the calling thread (and the lanes of helpers
    /// sitting out, after it); returns when all are done.
    pub fn run<'job>(&self, job: &'job (dyn Fn(usize) + Sync + 'job)) {
        let shared = &*self.shared;
        let participants = self.participants();
        // SAFETY: no helper reads `job` now (the previous `run` waited for all of its
        // participants; helpers sitting a job out never read it), and this `run` does not
        // return before every participant has finished with it, so the erased borrow never
        // outlives `job`.
        unsafe {
            let job = std::mem::transmute::<&'job (dyn Fn(usize) + Sync + 'job), &'static Job>(job);
            *shared.job.get() = Some((job, std::thread::current()));
        }
        shared.remaining.store(participants - 1, Ordering::Relaxed);
        let generation = (shared.state.load(Ordering::Relaxed) >> PARTICIPANT_BITS) + 1;
        shared.state.store(
            generation << PARTICIPANT_BITS | participants as u64,
            Ordering::Release,
        );
        for (_, thread) in &self.helpers[..participants - 1] {
            thread.unpark();
        }
        // The caller's lanes may panic too; the helpers must still be waited for before
        // unwinding.
        let own = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            job(0);
            (participants..self.lanes()).for_each(job);
        }));
        wait_until(|| shared.remaining.load(Ordering::Acquire) == 0);
        // SAFETY: every helper is done with the job.
        unsafe {
            *shared.job.get() = None;
        }
        if let Err(payload) = own {
            std::panic::resume_unwind(payload);
        }
        assert!(
            !shared.panicked.swap(false, Ordering::Relaxed),
            "a training lane panicked"
        );
    }
}

fn helper_loop(shared: &Shared, lane: usize) {
    let generation = |state: u64| state >> PARTICIPANT_BITS;
    let mut seen = 0;
    loop {
        wait_until(|| {
            shared.stop.load(Ordering::Acquire)
                || generation(shared.state.load(Ordering::Acquire)) != seen
        });
        if shared.stop.load(Ordering::Acquire) {
            return;
        }
        let state = shared.state.load(Ordering::Acquire);
        seen = generation(state);
        let participants = (state & ((1 << PARTICIPANT_BITS) - 1)) as usize;
        if lane >= participants {
            continue; // sitting this job out: the caller runs this lane
        }
        // SAFETY: the state's update (Acquire above) happened after `run` stored the job,
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
    fn a_requested_spare_core_moves_the_last_lane_to_the_caller() {
        let mut pool = LanePool::new(3).expect("threads");
        let spare = Arc::new(SpareCore::default());
        pool.spare_core_on_request(spare.clone());
        let caller = std::thread::current().id();
        let on_caller = |spare_requested: bool| {
            let runs: Vec<Mutex<Vec<bool>>> = (0..3).map(|_| Mutex::new(Vec::new())).collect();
            if spare_requested {
                spare.request(Duration::from_secs(60));
            } else {
                spare.release();
            }
            for _ in 0..200 {
                pool.run(&|lane| {
                    if let Ok(mut r) = runs[lane].lock() {
                        r.push(std::thread::current().id() == caller);
                    }
                });
            }
            runs.into_iter()
                .map(|r| {
                    let r = r.into_inner().expect("lock");
                    assert_eq!(r.len(), 200, "every lane runs once per job");
                    r.iter().all(|&c| c)
                })
                .collect::<Vec<bool>>()
        };
        assert_eq!(on_caller(true), vec![true, false, true]);
        assert_eq!(on_caller(false), vec![true, false, false]);
        // A request lapses by itself.
        spare.request(Duration::from_millis(1));
        std::thread::sleep(Duration::from_millis(5));
        assert!(!spare.is_requested());
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
