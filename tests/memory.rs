//! Memory over a long run: the training step allocates nothing once its buffers exist, and
//! memory does not grow from epoch to epoch. A counting global allocator sees every
//! allocation of this test binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

use density_workbench::data::{Preset, PresetParams};
use density_workbench::nn::{LrSchedule, TrainConfig, Trainer};

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: defers to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The seed mixture network on 4 096 inverse-sine rows.
fn seed_network_trainer(threads: usize) -> Trainer {
    seed_network_trainer_with(threads, TrainConfig::default())
}

/// The same with `optimizer`'s schedule, weight decay and clipping.
#[expect(
    clippy::expect_used,
    reason = "a helper of the test: failing is failing the test"
)]
fn seed_network_trainer_with(threads: usize, optimizer: TrainConfig) -> Trainer {
    let data = Preset::InverseSine
        .generate(&PresetParams {
            n: 4096,
            noise: 1.0,
            seed: 0,
        })
        .expect("preset");
    let config = TrainConfig {
        epochs: 10,
        threads,
        ..optimizer
    };
    Trainer::new(config.validate(&data, None).expect("valid"), &data, None)
}

/// The counters see every thread of this binary, the test runner's too: it allocates when a
/// test finishes, so a second test here would land in the middle of the other's count. Hence a
/// single test, running the checks one after the other.
#[test]
fn memory_is_flat_across_epochs_and_steps_allocate_nothing() {
    the_training_step_allocates_nothing();
    live_memory_is_flat_across_epochs();
}

fn live_memory_is_flat_across_epochs() {
    for threads in [1, 2] {
        let mut trainer = seed_network_trainer(threads);
        trainer.run_epoch(); // warm-up: buffers reach their final size
        let live_before = LIVE_BYTES.load(Ordering::Relaxed);
        let allocations_before = ALLOCATIONS.load(Ordering::Relaxed);
        let steps_before = trainer.steps();
        for _ in 0..5 {
            trainer.run_epoch();
        }
        let live_after = LIVE_BYTES.load(Ordering::Relaxed);
        let steps = trainer.steps() - steps_before;
        let per_step =
            (ALLOCATIONS.load(Ordering::Relaxed) - allocations_before) as f64 / steps as f64;
        // Epoch records are the only thing that grows: a few dozen bytes per epoch.
        assert!(
            live_after - live_before < 4096,
            "{threads} threads: live memory grew by {} bytes",
            live_after - live_before
        );
        eprintln!(
            "{threads} thread(s): {per_step:.3} allocations per step including epoch ends, live memory change {} bytes over 5 epochs",
            live_after - live_before
        );
    }
}

fn the_training_step_allocates_nothing() {
    // Cosine schedule, AdamW and a clipping norm small enough to clip every step.
    let every_option = TrainConfig {
        schedule: LrSchedule::Cosine {
            warmup_epochs: 1,
            min_factor: 0.0,
        },
        weight_decay: 1e-4,
        clip_norm: Some(1e-3),
        ..TrainConfig::default()
    };
    for (settings, optimizer) in [
        ("default", TrainConfig::default()),
        ("cosine + AdamW + clipping", every_option),
    ] {
        for threads in [1, 2] {
            let mut trainer = seed_network_trainer_with(threads, optimizer.clone());
            trainer.step(); // warm-up: buffers reach their final size
            let allocations_before = ALLOCATIONS.load(Ordering::Relaxed);
            for _ in 0..10 {
                trainer.step();
            }
            let allocations = ALLOCATIONS.load(Ordering::Relaxed) - allocations_before;
            assert_eq!(
                allocations, 0,
                "{settings}, {threads} thread(s): 10 steps allocated"
            );
        }
    }
}
