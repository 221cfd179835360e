//! Stress (issue 13): 1 000 start/pause/stop cycles of the training worker leak neither
//! threads (counted in /proc/self/task) nor memory (resident pages in /proc/self/statm). One
//! test in its own binary, so no other test's threads are counted.
#![cfg(target_os = "linux")]
#![expect(
    clippy::expect_used,
    reason = "test helpers: a failed setup step is a failed test"
)]

use std::sync::Arc;
use std::time::Duration;

use density_workbench::data::Dataset;
use density_workbench::nn::{Activation, Head, LayerSpec, TrainConfig};
use density_workbench::worker::{Command, Event, TrainingWorker};

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .count()
}

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("resident pages");
    pages * 4096
}

fn data(n: usize, offset: usize) -> Arc<Dataset> {
    let x: Vec<f64> = (0..n)
        .map(|i| ((i + offset) as f64 * 0.618_034).fract() * 2.0 - 1.0)
        .collect();
    let y = x.iter().map(|v| 2.0 * v + (v * 7.0).sin() * 0.3).collect();
    Arc::new(Dataset::new(vec!["x".into()], "y".into(), x, y).expect("dataset"))
}

/// Waits for the first event `wanted` accepts; the timeout only guards against a hang.
fn wait_for(worker: &TrainingWorker, wanted: impl Fn(&Event) -> bool, what: &str) {
    while let Some(event) = worker.recv_timeout(Duration::from_secs(30)) {
        if wanted(&event) {
            return;
        }
    }
    panic!("the worker ended or hung before {what}");
}

/// One cycle: start, pause once it runs, resume, stop, and drop the handle.
fn cycle(config: &TrainConfig, train: &Arc<Dataset>, test: &Arc<Dataset>) {
    let valid = config.validate(train, Some(test)).expect("valid");
    let worker = TrainingWorker::spawn(
        valid,
        train.clone(),
        Some(test.clone()),
        None,
        Arc::new(|| {}),
    )
    .expect("the thread starts");
    wait_for(&worker, |e| matches!(e, Event::Started { .. }), "Started");
    worker.send(Command::Pause);
    wait_for(&worker, |e| matches!(e, Event::Paused), "Paused");
    worker.send(Command::Resume);
    worker.send(Command::Stop);
    wait_for(&worker, |e| matches!(e, Event::Finished(_)), "Finished");
}

#[test]
fn a_thousand_start_pause_stop_cycles_leak_no_threads_and_no_memory() {
    let (train, test) = (data(256, 0), data(64, 1000));
    let config = TrainConfig {
        hidden: vec![LayerSpec::new(256, Activation::Tanh)],
        head: Head::Mixture { components: 2 },
        epochs: 1000,
        batch_size: 32,
        threads: 2,
        ..TrainConfig::default()
    };
    // Warm up first: the allocator's per-thread arenas and lazily built tables settle.
    for _ in 0..50 {
        cycle(&config, &train, &test);
    }
    let (threads_before, resident_before) = (threads(), resident_bytes());
    for _ in 0..1000 {
        cycle(&config, &train, &test);
    }
    let (threads_after, resident_after) = (threads(), resident_bytes());
    eprintln!(
        "threads {threads_before} → {threads_after}, resident {:.1} → {:.1} MiB",
        resident_before as f64 / 1048576.0,
        resident_after as f64 / 1048576.0
    );
    assert_eq!(
        threads_after, threads_before,
        "every worker thread was joined"
    );
    // One leaked run (its weights, Adam moments, data copy) is ≥ 40 kB here, so 1 000 of
    // them would be ≥ 40 MB; 8 MiB leaves room for the allocator's own noise.
    let growth = resident_after.saturating_sub(resident_before);
    assert!(
        growth < 8 << 20,
        "resident memory grew by {:.1} MiB over 1 000 cycles",
        growth as f64 / 1048576.0
    );
}
