//! The `sweep` command's arguments (shared by the local runner and the Slurm backend).

use std::path::PathBuf;

use clap::Args;

use super::DataArgs;
use crate::sweep::{PrunerKind, SamplerKind};

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Training data: a CSV/TSV path or preset:NAME (the validation split is taken from it).
    #[arg(long)]
    pub data: String,
    /// A test file, only reported (never tuned on).
    #[arg(long)]
    pub test: Option<String>,
    #[command(flatten)]
    pub data_args: DataArgs,
    /// The search space (TOML; see the README).
    #[arg(long)]
    pub space: PathBuf,
    /// Trials the study should reach in total (failed ones do not count).
    #[arg(long)]
    pub trials: usize,
    #[arg(long, value_enum, default_value_t = SamplerKind::Tpe)]
    pub sampler: SamplerKind,
    /// Seed of the sampler, the validation split and each trial's training.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Trials trained at the same time, one core each (default: all cores).
    #[arg(long)]
    pub parallel: Option<usize>,
    #[arg(long, value_enum, default_value_t = PrunerKind::None)]
    pub prune: PrunerKind,
    /// Fraction of the training rows held out for the objective.
    #[arg(long, default_value_t = 0.2)]
    pub val_fraction: f64,
    /// A validation file whose NLL is the objective, instead of a --val-fraction split of
    /// --data (which then trains on all its rows).
    #[arg(long, conflicts_with = "val_fraction")]
    pub val: Option<String>,
    /// The Optuna journal file (created, or resumed when it holds this study).
    #[arg(long)]
    pub journal: PathBuf,
    /// The study's name in the journal (default: the space file's name).
    #[arg(long)]
    pub study_name: Option<String>,
    /// Save the best trial's model (or the ensemble of the best --ensemble N) here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Combine the best N completed trials into one model (a uniform mixture).
    #[arg(long)]
    pub ensemble: Option<usize>,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
    /// One JSON object per trial and a final summary on stdout.
    #[arg(long)]
    pub json: bool,
    /// Where the trials train: in this process, or in a Slurm job array of --workers tasks.
    #[arg(long, value_enum, default_value_t = Backend::Local)]
    pub backend: Backend,
    /// Slurm array tasks (workers), each training --parallel trials at a time.
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// An extra sbatch option for the job script, such as --sbatch-arg=--partition=short (repeatable).
    #[arg(long = "sbatch-arg", allow_hyphen_values = true)]
    pub sbatch_args: Vec<String>,
    /// Follow the Slurm job until every task has ended, then print the summary.
    #[arg(long)]
    pub wait: bool,
    /// Print the Slurm job script and submit nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run as one worker of a study already in the journal (what each Slurm task runs): train
    /// trials until the study has --trials, then print the summary.
    #[arg(long)]
    pub worker: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    Local,
    Slurm,
}
