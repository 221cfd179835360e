//! Time of the full regression diagnostics (PIT, tests, coverage, widths, CRPS) on 100 000
//! rows with the seed architecture (128 relu → 128 tanh → mixture of 16), median of 5 runs.
//! `cargo bench --bench diagnostics_speed`; `DW_BENCH_MODEL=model.json` times a trained
//! model instead of a freshly initialised one (`eval --json` also reports
//! `diagnostics_seconds`).

use std::time::Instant;

/// CPU seconds this process has used so far (all threads; user + system), from
/// /proc/self/stat in clock ticks of 1/100 s. On a loaded machine wall time overstates the
/// work; CPU time does not.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 14 and 15.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

use density_workbench::data::{Preset, PresetParams};
use density_workbench::diagnostics::{DiagnosticsOptions, diagnose};
use density_workbench::export::load_model;
use density_workbench::nn::{Model, TrainConfig, Trainer};

fn main() -> anyhow::Result<()> {
    let data = Preset::Lognormal.generate(&PresetParams {
        n: 100_000,
        noise: 1.0,
        seed: 7,
    })?;
    let model: Model = match std::env::var("DW_BENCH_MODEL") {
        Ok(path) => load_model(std::path::Path::new(&path))?.0,
        Err(_) => Trainer::new(TrainConfig::default().validate(&data, None)?, &data, None)
            .model()
            .clone(),
    };
    // The forward pass alone (p(y|x) of every row), for comparison.
    let start = Instant::now();
    let mut rows = 0usize;
    model.for_each_output_chunk(&data.x(), |o| rows += o.len());
    std::hint::black_box(rows);
    println!(
        "forward pass alone, 1 thread: {:.3} s",
        start.elapsed().as_secs_f64()
    );
    for threads in [1, 0] {
        let options = DiagnosticsOptions {
            threads,
            ..DiagnosticsOptions::default()
        };
        let cpu_before = cpu_seconds();
        let mut times: Vec<f64> = (0..5)
            .map(|_| {
                let start = Instant::now();
                let result = diagnose(&model, &data, &options);
                let secs = start.elapsed().as_secs_f64();
                std::hint::black_box(result.is_ok());
                secs
            })
            .collect();
        let cpu_per_run = (cpu_seconds() - cpu_before) / 5.0;
        times.sort_by(f64::total_cmp);
        println!(
            "diagnostics of {} rows, {}: {:.3} s (median of 5; fastest {:.3} s; CPU {:.3} s per run)",
            data.len(),
            if threads == 0 {
                format!(
                    "all {} cores",
                    std::thread::available_parallelism().map_or(1, |n| n.get())
                )
            } else {
                "1 thread".to_string()
            },
            times[2],
            times[0],
            cpu_per_run
        );
    }
    Ok(())
}
