//! Running a sweep's workers as a Slurm job array: the job script, submission with
//! `sbatch --parsable`, and following the array with `squeue` (and `sacct` when the cluster
//! keeps accounting). The workers coordinate only through the journal and its lock.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum SlurmError {
    #[error("{program}: not found on the PATH (is this a Slurm login node?)")]
    NotFound { program: &'static str },
    #[error("{program}: {error}")]
    Io {
        program: &'static str,
        error: std::io::Error,
    },
    #[error("sbatch refused the job: {message}")]
    Rejected { message: String },
    #[error("{program}: unexpected output {output:?}")]
    Unexpected {
        program: &'static str,
        output: String,
    },
}

/// What the job array runs.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub job_name: String,
    pub workers: usize,
    pub cpus_per_task: usize,
    /// `%A` and `%a` in it become the array's job id and the task's index.
    pub log_pattern: PathBuf,
    pub workdir: PathBuf,
    /// Extra `#SBATCH` options, each one argument such as `--partition=gpu`.
    pub sbatch_args: Vec<String>,
    /// The worker's command line: program and arguments.
    pub command: Vec<String>,
}

/// The batch script: `#SBATCH` lines, then the worker command.
pub fn job_script(spec: &JobSpec) -> String {
    let mut lines = vec![
        "#!/bin/sh".to_string(),
        format!("#SBATCH --job-name={}", spec.job_name),
        format!("#SBATCH --array=0-{}", spec.workers.max(1) - 1),
        "#SBATCH --ntasks=1".to_string(),
        format!("#SBATCH --cpus-per-task={}", spec.cpus_per_task.max(1)),
        format!("#SBATCH --output={}", spec.log_pattern.display()),
        format!("#SBATCH --chdir={}", spec.workdir.display()),
    ];
    lines.extend(spec.sbatch_args.iter().map(|a| format!("#SBATCH {a}")));
    lines.push(
        "# Each task is one worker of the study: it trains trials until the journal holds the total."
            .into(),
    );
    let command: Vec<String> = spec.command.iter().map(|a| shell_quote(a)).collect();
    lines.push(format!("exec {}", command.join(" ")));
    let mut script = lines.join("\n");
    script.push('\n');
    script
}

/// One argument for `sh`, single-quoted unless it is plainly safe.
pub fn shell_quote(arg: &str) -> String {
    let safe = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if safe {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// The job id in `sbatch --parsable` output (`123` or `123;cluster`).
pub fn parse_sbatch(output: &str) -> Result<u64, SlurmError> {
    let first = output.lines().map(str::trim).find(|l| !l.is_empty());
    first
        .and_then(|l| l.split(';').next())
        .and_then(|id| id.trim().parse().ok())
        .ok_or_else(|| SlurmError::Unexpected {
            program: "sbatch",
            output: output.trim().to_string(),
        })
}

/// A line of `squeue --array --format=%i|%T|%r`: the tasks it names and their state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedTasks {
    /// Task indices; empty when the line is the job itself, not an array task.
    pub tasks: Vec<u32>,
    pub state: String,
    pub reason: String,
}

/// Lines of `squeue --noheader --array --format=%i|%T|%r` for one job.
pub fn parse_squeue(output: &str) -> Vec<QueuedTasks> {
    output
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| {
            let mut fields = line.trim().split('|');
            let id = fields.next()?;
            let state = fields.next()?.trim().to_string();
            let reason = fields.next().unwrap_or("").trim().to_string();
            Some(QueuedTasks {
                tasks: array_tasks(id),
                state,
                reason,
            })
        })
        .collect()
}

/// The task indices of a job id such as `123_4`, `123_[2-4%25]` or `123_[1,3-5]`.
pub fn array_tasks(job_id: &str) -> Vec<u32> {
    let Some((_, spec)) = job_id.split_once('_') else {
        return Vec::new();
    };
    let spec = spec.trim_start_matches('[').trim_end_matches(']');
    let spec = spec.split('%').next().unwrap_or_default();
    let mut tasks = Vec::new();
    for part in spec.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
                    tasks.extend(a..=b);
                }
            }
            None => tasks.extend(part.parse::<u32>().ok()),
        }
    }
    tasks
}

/// How an array task ended, from `sacct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskEnd {
    pub task: u32,
    pub state: String,
    pub exit_code: i32,
    pub signal: i32,
}

impl TaskEnd {
    pub fn succeeded(&self) -> bool {
        self.state == "COMPLETED" && self.exit_code == 0
    }

    /// Why the task did not end well, in words (node failures, time limits, preemption).
    pub fn problem(&self) -> Option<String> {
        if self.succeeded() {
            return None;
        }
        let why = match self.state.as_str() {
            "NODE_FAIL" => "its node failed".to_string(),
            "TIMEOUT" => "it reached its time limit".to_string(),
            "PREEMPTED" => "it was preempted".to_string(),
            "OUT_OF_MEMORY" => "it ran out of memory".to_string(),
            "CANCELLED" => "it was cancelled".to_string(),
            "FAILED" if self.signal != 0 => format!("it was killed by signal {}", self.signal),
            "FAILED" | "COMPLETED" => format!("it exited with status {}", self.exit_code),
            other => format!("it ended {other}"),
        };
        Some(why)
    }
}

/// Lines of `sacct --noheader --parsable2 --format=JobID,State,ExitCode` for one array job:
/// one entry per task (steps such as `123_4.batch` are left out; `CANCELLED by 0` is
/// `CANCELLED`).
pub fn parse_sacct(output: &str) -> Vec<TaskEnd> {
    let mut ends: Vec<TaskEnd> = Vec::new();
    for line in output.lines().filter(|l| !l.trim().is_empty()) {
        let mut fields = line.trim().split('|');
        let (Some(id), Some(state), Some(code)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if id.contains('.') {
            continue;
        }
        let state = state
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        let (exit_code, signal) = code
            .split_once(':')
            .map(|(e, s)| (e.parse().unwrap_or(-1), s.parse().unwrap_or(0)))
            .unwrap_or((-1, 0));
        for task in array_tasks(id) {
            ends.retain(|e| e.task != task);
            ends.push(TaskEnd {
                task,
                state: state.clone(),
                exit_code,
                signal,
            });
        }
    }
    ends.sort_by_key(|e| e.task);
    ends
}

fn run_program(
    program: &'static str,
    args: &[&str],
    stdin: Option<&str>,
) -> Result<std::process::Output, SlurmError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => SlurmError::NotFound { program },
            _ => SlurmError::Io { program, error },
        })?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .map_err(|error| SlurmError::Io { program, error })?;
    }
    child
        .wait_with_output()
        .map_err(|error| SlurmError::Io { program, error })
}

/// The first non-empty line of a program's complaint, without Slurm's `sbatch: error:` prefix.
fn one_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let line = text
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("no message");
    line.trim_start_matches("sbatch: error: ")
        .trim_start_matches("sbatch: ")
        .to_string()
}

/// Submits the script with `sbatch --parsable` on stdin; the array's job id.
pub fn submit(script: &str) -> Result<u64, SlurmError> {
    let output = run_program("sbatch", &["--parsable"], Some(script))?;
    if !output.status.success() {
        return Err(SlurmError::Rejected {
            message: one_line(&output.stderr),
        });
    }
    parse_sbatch(&String::from_utf8_lossy(&output.stdout))
}

/// The job's tasks still in the queue.
pub fn queued(job_id: u64) -> Result<Vec<QueuedTasks>, SlurmError> {
    let id = job_id.to_string();
    let output = run_program(
        "squeue",
        &["--noheader", "--array", "--jobs", &id, "--format=%i|%T|%r"],
        None,
    )?;
    // squeue fails with "Invalid job id" once the job has left the controller's memory.
    if !output.status.success() {
        let message = one_line(&output.stderr);
        if message.contains("Invalid job id") {
            return Ok(Vec::new());
        }
        return Err(SlurmError::Unexpected {
            program: "squeue",
            output: message,
        });
    }
    Ok(parse_squeue(&String::from_utf8_lossy(&output.stdout)))
}

/// How each task ended, or `None` when the cluster keeps no accounting.
pub fn task_ends(job_id: u64) -> Option<Vec<TaskEnd>> {
    let id = job_id.to_string();
    let output = run_program(
        "sacct",
        &[
            "--noheader",
            "--parsable2",
            "--jobs",
            &id,
            "--format=JobID,State,ExitCode",
        ],
        None,
    )
    .ok()?;
    output
        .status
        .success()
        .then(|| parse_sacct(&String::from_utf8_lossy(&output.stdout)))
}

/// Polls `squeue` until none of the job's tasks is queued or running; calls `on_change` with a
/// one-line account each time the picture changes.
pub fn wait_for(job_id: u64, poll: Duration, on_change: &dyn Fn(&str)) -> Result<(), SlurmError> {
    let mut last = String::new();
    loop {
        let queued = queued(job_id)?;
        if queued.is_empty() {
            return Ok(());
        }
        let account = describe_queue(&queued);
        if account != last {
            on_change(&account);
            last = account;
        }
        std::thread::sleep(poll);
    }
}

/// `2 RUNNING, 1 PENDING (Resources)`.
pub fn describe_queue(queued: &[QueuedTasks]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for q in queued {
        let key = if q.state == "PENDING" && !q.reason.is_empty() && q.reason != "None" {
            format!("{} ({})", q.state, q.reason)
        } else {
            q.state.clone()
        };
        let n = q.tasks.len().max(1);
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, c)) => *c += n,
            None => counts.push((key, n)),
        }
    }
    counts
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a job's task logs go: next to the journal, `<journal stem>-slurm-%A_%a.log`.
pub fn log_pattern(journal: &Path) -> PathBuf {
    let stem = journal
        .file_stem()
        .map_or("sweep".into(), |s| s.to_string_lossy().into_owned());
    journal.with_file_name(format!("{stem}-slurm-%A_%a.log"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sbatch_parsable_output_gives_the_job_id() {
        assert_eq!(parse_sbatch("4242\n").ok(), Some(4242));
        assert_eq!(parse_sbatch("77;cluster-a\n").ok(), Some(77));
        assert!(matches!(
            parse_sbatch("Submitted batch job 5"),
            Err(SlurmError::Unexpected { .. })
        ));
    }

    #[test]
    fn array_job_ids_expand_to_their_tasks() {
        assert_eq!(array_tasks("123_[2-4%25]"), vec![2, 3, 4]);
        assert_eq!(array_tasks("123_[1,3-5]"), vec![1, 3, 4, 5]);
        assert_eq!(array_tasks("123_7"), vec![7]);
        assert_eq!(array_tasks("123"), Vec::<u32>::new());
    }

    #[test]
    fn squeue_lines_give_tasks_states_and_reasons() {
        let recorded =
            "123_[2-4%25]|PENDING|JobArrayTaskLimit\n123_1|RUNNING|None\n123_0|RUNNING|None\n";
        let queued = parse_squeue(recorded);
        assert_eq!(queued.len(), 3);
        assert_eq!(queued[0].tasks, vec![2, 3, 4]);
        assert_eq!(queued[0].reason, "JobArrayTaskLimit");
        assert_eq!(queued[1].state, "RUNNING");
        assert_eq!(
            describe_queue(&queued),
            "3 PENDING (JobArrayTaskLimit), 2 RUNNING"
        );
        assert!(parse_squeue("\n").is_empty());
    }

    #[test]
    fn sacct_lines_give_each_tasks_end_without_its_steps() {
        let recorded = "\
123_0|COMPLETED|0:0
123_0.batch|COMPLETED|0:0
123_1|CANCELLED by 0|0:15
123_1.batch|CANCELLED|0:15
123_2|NODE_FAIL|0:0
123_3|TIMEOUT|0:0
123_4|FAILED|2:0
123_[5-6]|PENDING|0:0
";
        let ends = parse_sacct(recorded);
        let tasks: Vec<u32> = ends.iter().map(|e| e.task).collect();
        assert_eq!(tasks, vec![0, 1, 2, 3, 4, 5, 6]);
        assert!(ends[0].succeeded());
        assert_eq!(ends[1].state, "CANCELLED");
        assert_eq!(ends[1].signal, 15);
        assert_eq!(ends[1].problem().as_deref(), Some("it was cancelled"));
        assert_eq!(ends[2].problem().as_deref(), Some("its node failed"));
        assert_eq!(
            ends[3].problem().as_deref(),
            Some("it reached its time limit")
        );
        assert_eq!(ends[4].exit_code, 2);
        assert_eq!(
            ends[4].problem().as_deref(),
            Some("it exited with status 2")
        );
        assert_eq!(ends[5].state, "PENDING");
    }

    #[test]
    fn the_job_script_runs_one_worker_per_array_task() {
        let spec = JobSpec {
            job_name: "dw-faithful".into(),
            workers: 3,
            cpus_per_task: 2,
            log_pattern: PathBuf::from("/shared/s-slurm-%A_%a.log"),
            workdir: PathBuf::from("/shared"),
            sbatch_args: vec!["--partition=short".into(), "--time=00:30:00".into()],
            command: vec![
                "/opt/dw".into(),
                "sweep".into(),
                "--x".into(),
                "it's here".into(),
                "--worker".into(),
            ],
        };
        let script = job_script(&spec);
        assert!(script.starts_with("#!/bin/sh\n"));
        for line in [
            "#SBATCH --array=0-2",
            "#SBATCH --cpus-per-task=2",
            "#SBATCH --output=/shared/s-slurm-%A_%a.log",
            "#SBATCH --partition=short",
            "#SBATCH --time=00:30:00",
            r"exec /opt/dw sweep --x 'it'\''s here' --worker",
        ] {
            assert!(
                script.lines().any(|l| l == line),
                "{line} missing in\n{script}"
            );
        }
    }

    #[test]
    fn a_missing_program_is_named() {
        let error = run_program("dw-no-such-sbatch", &[], None).map(|_| ());
        assert!(matches!(error, Err(SlurmError::NotFound { .. })));
    }

    #[test]
    fn sbatch_complaints_become_one_line() {
        let stderr = b"sbatch: error: invalid partition specified: nope\nsbatch: error: Batch job submission failed: Invalid partition name specified\n";
        assert_eq!(
            one_line(stderr),
            "Batch job submission failed: Invalid partition name specified"
        );
    }
}
