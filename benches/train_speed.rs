//! `cargo bench`: the reference training workloads (see `density-workbench bench --help`).
//! Set DW_REFDATA to the directory written by shared/reference/make_data.py to time the exact
//! comparison files; otherwise the same tasks run on generated preset data.

use density_workbench::bench::{default_data_dir, matmul_peak_gflops, run_workload, workloads};

fn main() -> anyhow::Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let peak = matmul_peak_gflops(threads);
    println!("f32 matmul peak (1024³, {threads} threads): {peak:.1} GFLOP/s");
    let dir = default_data_dir();
    for workload in workloads() {
        let r = run_workload(&workload, dir.as_deref(), 0, 0, 3, peak)?;
        println!(
            "{:<8} {:>7.3} s  {:>8.0} steps/s  {:>6.1} GFLOP/s  {:>5.1} % of peak  test NLL {:.4}",
            r.task,
            r.train_seconds,
            r.steps_per_second,
            r.gflops,
            100.0 * r.peak_fraction,
            r.test_nll
        );
    }
    Ok(())
}
