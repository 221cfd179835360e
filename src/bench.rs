//! Training-speed benchmark: the reference workloads of the PyTorch comparison, timed with the
//! same fast path the CLI and the GUI worker use, against the machine's measured
//! matrix-multiply peak. Run with `density-workbench bench` or `cargo bench`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use crate::data::{Dataset, Preset, PresetParams, load_table};
use crate::nn::{Activation, Head, LayerSpec, TrainConfig, Trainer};

/// One reference workload (names and settings as in `shared/reference/torch_models.py`).
#[derive(Debug, Clone)]
pub struct Workload {
    pub name: &'static str,
    pub config: TrainConfig,
    /// File names in the reference data directory, and the preset used without one.
    pub train_file: &'static str,
    pub test_file: &'static str,
    pub preset: Preset,
    pub n_train: usize,
    pub n_test: usize,
}

pub fn workloads() -> Vec<Workload> {
    let mdn = TrainConfig::default();
    vec![
        Workload {
            name: "mdn100k",
            config: mdn.clone(),
            train_file: "sine_train_100000.csv",
            test_file: "sine_test.csv",
            preset: Preset::InverseSine,
            n_train: 100_000,
            n_test: 2_000,
        },
        Workload {
            name: "mdn10k",
            config: mdn,
            train_file: "sine_train_10000.csv",
            test_file: "sine_test.csv",
            preset: Preset::InverseSine,
            n_train: 10_000,
            n_test: 2_000,
        },
        Workload {
            name: "hetero",
            config: TrainConfig {
                hidden: Vec::new(),
                head: Head::Normal,
                epochs: 500,
                batch_size: 32,
                learning_rate: 1e-2,
                ..TrainConfig::default()
            },
            train_file: "hetero_train.csv",
            test_file: "hetero_test.csv",
            preset: Preset::Heteroscedastic,
            n_train: 1_000,
            n_test: 500,
        },
        Workload {
            name: "moons",
            config: TrainConfig {
                hidden: vec![
                    LayerSpec::new(32, Activation::Relu),
                    LayerSpec::new(32, Activation::Relu),
                ],
                head: Head::Bernoulli,
                epochs: 50,
                batch_size: 64,
                learning_rate: 1e-3,
                ..TrainConfig::default()
            },
            train_file: "moons_train.csv",
            test_file: "moons_test.csv",
            preset: Preset::Moons,
            n_train: 2_000,
            n_test: 1_000,
        },
    ]
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    pub task: String,
    pub data: String,
    pub threads: usize,
    pub seed: u64,
    pub steps: u64,
    /// Training loop only, median over the repeats.
    pub train_seconds: f64,
    pub steps_per_second: f64,
    /// 6 × parameters × samples × epochs / train_seconds.
    pub gflops: f64,
    /// gflops over the measured matrix-multiply peak of the same thread count.
    pub peak_fraction: f64,
    pub train_nll: f64,
    pub test_nll: f64,
    pub test_accuracy: Option<f64>,
    /// Held-out NLL of every repeat, in seed order.
    pub test_nll_per_seed: Vec<f64>,
}

/// Measured f32 matrix-multiply throughput (GFLOP/s) of 1024³ products on `threads` threads,
/// each multiplying its own matrices (the best of a few runs). Measured with `matrixmultiply`,
/// a tuned general GEMM, so that the peak does not depend on our own small-block kernel.
pub fn matmul_peak_gflops(threads: usize) -> f64 {
    const N: usize = 1024;
    let run = || {
        let a = vec![1.0f32; N * N];
        let b = vec![0.5f32; N * N];
        let mut c = vec![0.0f32; N * N];
        let product = |c: &mut [f32]| {
            // SAFETY: a, b and c are N×N row-major, matching the sizes and strides given.
            unsafe {
                let n = N as isize;
                matrixmultiply::sgemm(
                    N,
                    N,
                    N,
                    1.0,
                    a.as_ptr(),
                    n,
                    1,
                    b.as_ptr(),
                    n,
                    1,
                    0.0,
                    c.as_mut_ptr(),
                    n,
                    1,
                );
            }
        };
        product(&mut c);
        let started = Instant::now();
        for _ in 0..3 {
            product(&mut c);
        }
        started.elapsed().as_secs_f64() / 3.0
    };
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let secs = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads.max(1)).map(|_| s.spawn(run)).collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().ok())
                .fold(0.0, f64::max)
        });
        best = best.min(secs);
    }
    threads.max(1) as f64 * 2.0 * (N * N * N) as f64 / best / 1e9
}

fn load_pair(dir: &Path, workload: &Workload) -> Result<(Dataset, Dataset, String)> {
    let read = |file: &str| -> Result<Dataset> {
        let table = load_table(&dir.join(file))?;
        Ok(table
            .select(&table.default_roles(), crate::data::MissingPolicy::Error)?
            .dataset)
    };
    Ok((
        read(workload.train_file)?,
        read(workload.test_file)?,
        dir.display().to_string(),
    ))
}

fn generate_pair(workload: &Workload) -> Result<(Dataset, Dataset, String)> {
    let params = PresetParams {
        n: workload.n_train + workload.n_test,
        ..workload.preset.default_params()
    };
    let all = workload.preset.try_generate(&params)?;
    let train: Vec<usize> = (0..workload.n_train).collect();
    let test: Vec<usize> = (workload.n_train..params.n).collect();
    Ok((
        all.subset(&train)?,
        all.subset(&test)?,
        format!("preset:{}", workload.preset.name()),
    ))
}

/// Trains `workload` `repeats` times (seeds seed, seed+1, …) and reports the median time.
pub fn run_workload(
    workload: &Workload,
    data_dir: Option<&Path>,
    threads: usize,
    seed: u64,
    repeats: usize,
    peak: f64,
) -> Result<BenchResult> {
    let (train, test, data) = match data_dir {
        Some(dir) => load_pair(dir, workload)?,
        None => generate_pair(workload)?,
    };
    let mut runs = Vec::new();
    for r in 0..repeats.max(1) {
        let config = TrainConfig {
            seed: seed + r as u64,
            threads,
            ..workload.config.clone()
        };
        let mut trainer = Trainer::new(config.validate(&train, Some(&test))?, &train, Some(&test));
        trainer.run(|_| {});
        let params = trainer.model().mlp.params.len();
        let scores = (trainer.score(&train), trainer.score(&test));
        runs.push((
            trainer.train_secs(),
            trainer.steps(),
            trainer.threads(),
            params,
            scores,
        ));
    }
    let test_nll_per_seed = runs.iter().map(|r| r.4.1.nll).collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (secs, steps, used_threads, params, (train_scores, test_scores)) = runs[runs.len() / 2];
    let flops = 6.0 * params as f64 * train.len() as f64 * workload.config.epochs as f64;
    let gflops = flops / secs / 1e9;
    Ok(BenchResult {
        task: workload.name.into(),
        data,
        threads: used_threads,
        seed,
        steps,
        train_seconds: secs,
        steps_per_second: steps as f64 / secs,
        gflops,
        peak_fraction: gflops / peak,
        train_nll: train_scores.nll,
        test_nll: test_scores.nll,
        test_accuracy: test_scores.accuracy,
        test_nll_per_seed,
    })
}

/// Default location of the reference data (`shared/reference/make_data.py --data-dir`).
pub fn default_data_dir() -> Option<PathBuf> {
    std::env::var_os("DW_REFDATA")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
}
