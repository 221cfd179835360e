//! "Run on Slurm" from the window: this program's own `sweep --backend slurm` (which writes
//! the job script and submits it with the core's `sweep::slurm` functions, after creating
//! the study in the journal) is run as a child process on a background task; the view then
//! follows the journal. The workers load the data source themselves, so it must be a preset
//! or a file, and their validation split is taken from all of its rows (the CLI's rule).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::data::MissingPolicy;
use crate::run::{DataSourceSpec, RunData};
use crate::sweep::{PrunerKind, SamplerKind};

use super::define::SweepForm;

/// Is `sbatch` on the PATH? (Looked up once per launch of the window.)
pub fn sbatch_on_path() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    *FOUND.get_or_init(|| {
        std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| dir.join("sbatch").is_file())
        })
    })
}

/// The `sweep --backend slurm` arguments for the form's sweep on `recipe`'s data source.
pub fn sweep_args(
    recipe: &RunData,
    form: &SweepForm,
    space_file: &Path,
    journal: &Path,
) -> Vec<String> {
    let mut args: Vec<String> = vec!["sweep".into(), "--backend".into(), "slurm".into()];
    let mut push = |k: &str, v: String| {
        args.push(k.into());
        args.push(v);
    };
    match &recipe.source {
        DataSourceSpec::Preset { preset, params } => {
            push("--data", format!("preset:{}", preset.name()));
            push("--n", params.n.to_string());
            push("--noise", params.noise.to_string());
            push("--data-seed", params.seed.to_string());
        }
        DataSourceSpec::File {
            path,
            roles,
            missing,
            ..
        } => {
            push("--data", path.display().to_string());
            push("--x", roles.x.join(","));
            push("--y", roles.y.clone());
            if *missing == MissingPolicy::DropRows {
                args.push("--drop-missing".into());
            }
        }
    }
    let mut push = |k: &str, v: String| {
        args.push(k.into());
        args.push(v);
    };
    push("--space", space_file.display().to_string());
    push("--journal", journal.display().to_string());
    push("--study-name", form.study_name.clone());
    push("--trials", form.trials.to_string());
    push("--workers", form.workers.to_string());
    push("--seed", form.seed.to_string());
    push("--val-fraction", form.val_fraction.to_string());
    push(
        "--sampler",
        match form.sampler {
            SamplerKind::Tpe => "tpe",
            SamplerKind::Random => "random",
            SamplerKind::Grid => "grid",
        }
        .into(),
    );
    push(
        "--prune",
        match form.pruner {
            PrunerKind::None => "none",
            PrunerKind::Median => "median",
            PrunerKind::Asha => "asha",
        }
        .into(),
    );
    args
}

/// Runs the submission (blocking: call it on a background task); the job id line on success,
/// the command's last error line otherwise.
pub fn submit(args: &[String], workdir: &Path) -> Result<String, String> {
    let program: PathBuf =
        std::env::current_exe().map_err(|e| format!("this program's path: {e}"))?;
    let output = std::process::Command::new(&program)
        .args(args)
        .current_dir(workdir)
        .output()
        .map_err(|e| format!("{}: cannot run: {e}", program.display()))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        let job = String::from_utf8_lossy(&output.stdout).trim().to_string();
        Ok(format!("submitted Slurm job {job}"))
    } else {
        Err(stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("sweep --backend slurm failed")
            .to_string())
    }
}
