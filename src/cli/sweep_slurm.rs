//! `sweep --backend slurm`: the job script of a sweep's workers, its submission and, with
//! `--wait`, following it until every task has ended.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::sweep_args::SweepArgs;
use crate::sweep::slurm::{self, JobSpec};

/// Options of the submitting command that its workers do not take (with whether each takes a
/// value): Slurm's own, the saving of models (done by the submitter) and --parallel (set anew).
const NOT_FOR_WORKERS: &[(&str, bool)] = &[
    ("--backend", true),
    ("--workers", true),
    ("--sbatch-arg", true),
    ("--parallel", true),
    ("--out", true),
    ("--ensemble", true),
    ("--wait", false),
    ("--dry-run", false),
    ("--force", false),
    ("--json", false),
    ("--worker", false),
];

/// The worker's arguments: this command's, less [`NOT_FOR_WORKERS`], plus `--parallel` and
/// `--worker`.
pub fn worker_args(args: &[String], parallel: usize) -> Vec<String> {
    let mut kept = Vec::new();
    let mut skip_value = false;
    for arg in args {
        if skip_value {
            skip_value = false;
            continue;
        }
        let name = arg.split_once('=').map_or(arg.as_str(), |(n, _)| n);
        match NOT_FOR_WORKERS.iter().find(|(n, _)| *n == name) {
            Some(&(_, takes_value)) => skip_value = takes_value && !arg.contains('='),
            None => kept.push(arg.clone()),
        }
    }
    kept.extend(["--parallel".into(), parallel.to_string(), "--worker".into()]);
    kept
}

/// The job array for this sweep command.
pub fn job_spec(args: &SweepArgs, study_name: &str, parallel: usize) -> Result<JobSpec> {
    if args.workers == 0 {
        bail!("--workers: must be at least 1");
    }
    if let Some(bad) = args.sbatch_args.iter().find(|a| !a.starts_with('-')) {
        bail!(
            "--sbatch-arg {bad:?}: not an sbatch option (write it as --sbatch-arg=--partition=NAME)"
        );
    }
    let workdir = std::env::current_dir().context("the current directory")?;
    let program = std::env::current_exe().context("this program's path")?;
    let mut command = vec![program.display().to_string()];
    command.extend(worker_args(
        &std::env::args().skip(1).collect::<Vec<_>>(),
        parallel,
    ));
    Ok(JobSpec {
        job_name: format!("dw-{study_name}"),
        workers: args.workers,
        cpus_per_task: parallel,
        log_pattern: workdir.join(slurm::log_pattern(&args.journal)),
        workdir,
        sbatch_args: args.sbatch_args.clone(),
        command,
    })
}

/// Submits the job; with `wait`, returns once every task has ended (true), else false.
pub fn submit(spec: &JobSpec, journal: &Path, wait: bool) -> Result<bool> {
    let script = slurm::job_script(spec);
    let job_id = slurm::submit(&script)?;
    let logs = spec.log_pattern.display().to_string();
    eprintln!(
        "submitted Slurm job {job_id}: {} workers on {} (logs {})",
        spec.workers,
        journal.display(),
        logs.replace("%A", &job_id.to_string())
    );
    if !wait {
        println!("{job_id}");
        eprintln!(
            "follow it with `squeue --array --jobs {job_id}` (or `sacct -j {job_id}`); rerun this command with --wait, or on the journal alone, for the summary"
        );
        return Ok(false);
    }
    slurm::wait_for(job_id, Duration::from_secs(2), &|account| {
        eprintln!("job {job_id}: {account}");
    })?;
    match slurm::task_ends(job_id) {
        Some(ends) => {
            let problems: Vec<String> = ends
                .iter()
                .filter_map(|e| e.problem().map(|p| format!("task {}: {p}", e.task)))
                .collect();
            if problems.is_empty() {
                eprintln!("job {job_id}: all {} tasks completed", ends.len());
            }
            for p in &problems {
                eprintln!(
                    "warning: job {job_id}, {p}; rerun the same command to complete the study"
                );
            }
        }
        None => eprintln!("job {job_id}: every task has ended (no accounting; see the task logs)"),
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn workers_get_the_sweep_less_slurm_and_saving_options() {
        let args = strings(&[
            "sweep",
            "--data",
            "d.csv",
            "--backend",
            "slurm",
            "--workers=3",
            "--sbatch-arg",
            "--partition=x",
            "--wait",
            "--out",
            "m.json",
            "--parallel",
            "4",
            "--trials",
            "12",
            "--json",
        ]);
        assert_eq!(
            worker_args(&args, 2),
            strings(&[
                "sweep",
                "--data",
                "d.csv",
                "--trials",
                "12",
                "--parallel",
                "2",
                "--worker"
            ])
        );
    }
}
