//! Experiment files: everything needed to reproduce a run — the data source (preset and its
//! parameters, or a file with its SHA-256 and column roles), the held-out source, the training
//! settings (architecture, head, optimiser, seed) and the history of the runs made.
//!
//! ```text
//! { "format": "density-workbench-experiment", "version": 1, "program_version": "0.1.0",
//!   "data": { "kind": "preset", "preset": "lognormal", "params": {"n", "noise", "seed"} }
//!         | { "kind": "file", "path", "sha256", "roles": {"x": [..], "y"}, "missing": "Error" },
//!   "test": { "kind": "split", "fraction": 0.5, "seed": 0 } | { "kind": "separate", "source": <data> }
//!         | { "kind": "none" },
//!   "config": <TrainConfig>,
//!   "runs": [ { "label", "config", "history": [<EpochRecord>..], "epochs_run", "steps",
//!               "train_seconds", "train_nll", "test_nll", "test_accuracy", "stop_reason" } .. ] }
//! ```
//! Rebuilding the datasets ([`Experiment::datasets`]) and training with the saved config gives
//! the same losses, bit for bit, on the same machine.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::atomic::{Overwrite, WriteError, write_atomic};
use crate::data::{
    ColumnRoles, DataError, Dataset, MissingPolicy, Preset, PresetParams, Table, load_table,
    sha256_hex,
};
use crate::nn::{EpochRecord, StopReason, TrainConfig, Trainer};

pub const EXPERIMENT_FORMAT: &str = "density-workbench-experiment";
pub const EXPERIMENT_VERSION: u32 = 1;

/// Where a dataset comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataSourceSpec {
    /// Generated: the same parameters always give the same rows.
    Preset {
        preset: Preset,
        params: PresetParams,
    },
    /// A CSV/TSV file, identified by the SHA-256 of its bytes (lower-case hex).
    File {
        path: PathBuf,
        sha256: String,
        roles: ColumnRoles,
        #[serde(default)]
        missing: MissingPolicy,
    },
}

/// Where the held-out data come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TestSourceSpec {
    /// A seeded split of the data source (`Dataset::split(fraction, seed)`).
    Split { fraction: f64, seed: u64 },
    /// A separate source with the same columns.
    Separate { source: DataSourceSpec },
    /// No held-out set.
    None,
}

/// One training run and its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    #[serde(default)]
    pub label: String,
    pub config: TrainConfig,
    pub history: Vec<EpochRecord>,
    pub epochs_run: usize,
    pub steps: u64,
    pub train_seconds: f64,
    /// NLL over the whole sets after training (original units, nats per sample).
    pub train_nll: Option<f64>,
    pub test_nll: Option<f64>,
    pub test_accuracy: Option<f64>,
    pub stop_reason: Option<StopReason>,
}

impl RunRecord {
    /// The record of a (finished or stopped) trainer, scored on the given sets.
    pub fn from_trainer(
        label: impl Into<String>,
        trainer: &Trainer,
        train: &Dataset,
        test: Option<&Dataset>,
    ) -> RunRecord {
        let test_scores = test.map(|t| trainer.score(t));
        RunRecord {
            label: label.into(),
            config: trainer.config().clone(),
            history: trainer.history().to_vec(),
            epochs_run: trainer.epochs_done(),
            steps: trainer.steps(),
            train_seconds: trainer.train_secs(),
            train_nll: Some(trainer.score(train).nll),
            test_nll: test_scores.as_ref().map(|s| s.nll),
            test_accuracy: test_scores.and_then(|s| s.accuracy),
            stop_reason: trainer.stop_reason().cloned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub program_version: String,
    pub data: DataSourceSpec,
    pub test: TestSourceSpec,
    /// The current settings (what "Train" would run next).
    pub config: TrainConfig,
    #[serde(default)]
    pub runs: Vec<RunRecord>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error("{path}: cannot read: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{path}: not a valid experiment file: {error}")]
    Json {
        path: String,
        error: serde_json::Error,
    },
    #[error(
        "{path}: not a Density Workbench experiment (format is \"{found}\", expected \"{EXPERIMENT_FORMAT}\")"
    )]
    WrongFormat { path: String, found: String },
    #[error(
        "{path}: experiment file version {found} is not supported (this program reads version {EXPERIMENT_VERSION})"
    )]
    UnsupportedVersion { path: String, found: u32 },
    #[error("{0}")]
    Source(DataCheck),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The state of a data source compared with what the experiment recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataCheck {
    /// A preset, or a file whose bytes still have the recorded hash.
    Unchanged,
    /// The file's content differs from when the experiment was saved.
    Changed {
        path: PathBuf,
        expected: String,
        found: String,
    },
    /// The file is not there any more.
    Missing { path: PathBuf },
    /// The file exists but cannot be read.
    Unreadable { path: PathBuf, reason: String },
}

impl DataCheck {
    pub fn is_unchanged(&self) -> bool {
        matches!(self, DataCheck::Unchanged)
    }
}

impl fmt::Display for DataCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataCheck::Unchanged => write!(f, "the data are unchanged"),
            DataCheck::Changed {
                path,
                expected,
                found,
            } => write!(
                f,
                "{}: the data file has changed since the experiment was saved (SHA-256 was {}…, is now {}…); results will not reproduce",
                path.display(),
                &expected[..expected.len().min(12)],
                &found[..found.len().min(12)]
            ),
            DataCheck::Missing { path } => write!(
                f,
                "{}: the data file of this experiment is missing (moved or deleted?)",
                path.display()
            ),
            DataCheck::Unreadable { path, reason } => {
                write!(f, "{}: cannot read the data file: {reason}", path.display())
            }
        }
    }
}

/// SHA-256 of bytes as lower-case hex.
/// Re-hashes a file source; presets are always unchanged.
pub fn check_data_source(spec: &DataSourceSpec) -> DataCheck {
    let DataSourceSpec::File { path, sha256, .. } = spec else {
        return DataCheck::Unchanged;
    };
    match std::fs::read(path) {
        Ok(bytes) => {
            let found = sha256_hex(&bytes);
            if found.eq_ignore_ascii_case(sha256) {
                DataCheck::Unchanged
            } else {
                DataCheck::Changed {
                    path: path.clone(),
                    expected: sha256.clone(),
                    found,
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            DataCheck::Missing { path: path.clone() }
        }
        Err(e) => DataCheck::Unreadable {
            path: path.clone(),
            reason: e.to_string(),
        },
    }
}

impl DataSourceSpec {
    /// A file source with the hash of the file's current bytes.
    pub fn file(
        path: impl Into<PathBuf>,
        roles: ColumnRoles,
        missing: MissingPolicy,
    ) -> Result<DataSourceSpec, ExperimentError> {
        let path = path.into();
        let bytes = std::fs::read(&path).map_err(|error| ExperimentError::Read {
            path: path.display().to_string(),
            error,
        })?;
        Ok(DataSourceSpec::File {
            sha256: sha256_hex(&bytes),
            path,
            roles,
            missing,
        })
    }

    /// A file source for a table already read: the hash is that of the bytes that were parsed,
    /// so a file edited after loading is noticed later instead of being recorded.
    pub fn for_table(
        table: &Table,
        path: impl Into<PathBuf>,
        roles: ColumnRoles,
        missing: MissingPolicy,
    ) -> DataSourceSpec {
        DataSourceSpec::File {
            path: path.into(),
            sha256: table.sha256.clone(),
            roles,
            missing,
        }
    }

    /// Generates or reads the dataset, refusing a file whose content changed.
    pub fn load(&self) -> Result<Dataset, ExperimentError> {
        match self {
            DataSourceSpec::Preset { preset, params } => Ok(preset.try_generate(params)?),
            DataSourceSpec::File {
                path,
                roles,
                missing,
                ..
            } => {
                let check = check_data_source(self);
                if !check.is_unchanged() {
                    return Err(ExperimentError::Source(check));
                }
                Ok(load_table(path)?.select(roles, *missing)?.dataset)
            }
        }
    }

    /// One line for the GUI and reports: `preset:lognormal (n=…, noise=…, seed=…)` or the path.
    pub fn describe(&self) -> String {
        match self {
            DataSourceSpec::Preset { preset, params } => format!(
                "preset:{} (n={}, noise={}, seed={})",
                preset.name(),
                params.n,
                params.noise,
                params.seed
            ),
            DataSourceSpec::File { path, .. } => path.display().to_string(),
        }
    }
}

impl Experiment {
    pub fn new(data: DataSourceSpec, test: TestSourceSpec, config: TrainConfig) -> Experiment {
        Experiment {
            format: EXPERIMENT_FORMAT.into(),
            version: EXPERIMENT_VERSION,
            program_version: env!("CARGO_PKG_VERSION").into(),
            data,
            test,
            config,
            runs: Vec::new(),
        }
    }

    /// Checks every file source; returns the problems (empty: all unchanged).
    pub fn check_sources(&self) -> Vec<DataCheck> {
        let mut checks = vec![check_data_source(&self.data)];
        if let TestSourceSpec::Separate { source } = &self.test {
            checks.push(check_data_source(source));
        }
        checks.retain(|c| !c.is_unchanged());
        checks
    }

    /// Rebuilds the (train, held-out) datasets exactly as they were.
    pub fn datasets(&self) -> Result<(Dataset, Option<Dataset>), ExperimentError> {
        let data = self.data.load()?;
        match &self.test {
            TestSourceSpec::Split { fraction, seed } => {
                let (train, test) = data.split(*fraction, *seed)?;
                Ok((train, Some(test)))
            }
            TestSourceSpec::Separate { source } => Ok((data, Some(source.load()?))),
            TestSourceSpec::None => Ok((data, None)),
        }
    }

    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses and checks format and version; `path` names the file in errors.
    pub fn parse(text: &str, path: &str) -> Result<Experiment, ExperimentError> {
        // Check the header first so that a newer version gets the version error, not a
        // field error.
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| ExperimentError::Json {
                path: path.into(),
                error,
            })?;
        let format = value.get("format").and_then(|v| v.as_str()).unwrap_or("");
        if format != EXPERIMENT_FORMAT {
            return Err(ExperimentError::WrongFormat {
                path: path.into(),
                found: format.into(),
            });
        }
        let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        if version != EXPERIMENT_VERSION as u64 {
            return Err(ExperimentError::UnsupportedVersion {
                path: path.into(),
                found: version.min(u32::MAX as u64) as u32,
            });
        }
        serde_json::from_value(value).map_err(|error| ExperimentError::Json {
            path: path.into(),
            error,
        })
    }
}

pub fn save_experiment(
    path: &Path,
    experiment: &Experiment,
    overwrite: Overwrite,
) -> Result<(), ExperimentError> {
    write_atomic(path, experiment.to_json().as_bytes(), overwrite)?;
    Ok(())
}

pub fn load_experiment(path: &Path) -> Result<Experiment, ExperimentError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| ExperimentError::Read {
        path: name.clone(),
        error,
    })?;
    Experiment::parse(&text, &name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Head;

    fn config() -> TrainConfig {
        TrainConfig {
            hidden: TrainConfig::parse_hidden("16:relu,16:tanh").expect("hidden"),
            head: Head::Mixture { components: 3 },
            epochs: 3,
            batch_size: 32,
            learning_rate: 3e-3,
            seed: 11,
            threads: 1,
            ..TrainConfig::default()
        }
    }

    fn train(experiment: &Experiment) -> (Trainer, Dataset, Option<Dataset>) {
        let (train, test) = experiment.datasets().expect("datasets");
        let valid = experiment
            .config
            .validate(&train, test.as_ref())
            .expect("valid");
        let mut trainer = Trainer::new(valid, &train, test.as_ref());
        trainer.run(|_| {});
        (trainer, train, test)
    }

    fn losses(history: &[EpochRecord]) -> Vec<(u64, Option<u64>)> {
        history
            .iter()
            .map(|r| (r.train_nll.to_bits(), r.test_nll.map(f64::to_bits)))
            .collect()
    }

    #[test]
    fn save_load_retrain_reproduces_the_losses() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("exp.json");
        let mut experiment = Experiment::new(
            DataSourceSpec::Preset {
                preset: Preset::Heteroscedastic,
                params: PresetParams {
                    n: 600,
                    noise: 1.0,
                    seed: 5,
                },
            },
            TestSourceSpec::Split {
                fraction: 0.3,
                seed: 2,
            },
            config(),
        );
        let (trainer, train_set, test_set) = train(&experiment);
        let original = trainer.history().to_vec();
        assert_eq!(original.len(), 3);
        experiment.runs.push(RunRecord::from_trainer(
            "first",
            &trainer,
            &train_set,
            test_set.as_ref(),
        ));
        save_experiment(&path, &experiment, Overwrite::Refuse).expect("save");
        assert!(save_experiment(&path, &experiment, Overwrite::Refuse).is_err());

        let loaded = load_experiment(&path).expect("load");
        assert_eq!(loaded.config, experiment.config);
        assert_eq!(loaded.data, experiment.data);
        assert_eq!(loaded.runs.len(), 1);
        for (a, b) in loaded.runs[0].history.iter().zip(&original) {
            assert!((a.train_nll - b.train_nll).abs() <= 1e-12 * b.train_nll.abs());
        }
        let (again, _, _) = train(&loaded);
        assert_eq!(losses(again.history()), losses(&original), "bit-for-bit");
    }

    #[test]
    fn file_sources_are_hashed_and_changes_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data_path = dir.path().join("data.csv");
        let mut csv = String::from("a,b,y\n");
        for i in 0..200 {
            let x = i as f64 / 50.0;
            csv.push_str(&format!(
                "{x},{},{}\n",
                (i % 7) as f64,
                x.sin() + 0.01 * (i % 5) as f64
            ));
        }
        std::fs::write(&data_path, &csv).expect("write");
        let roles = ColumnRoles {
            x: vec!["a".into(), "b".into()],
            y: "y".into(),
        };
        let source = DataSourceSpec::file(&data_path, roles, MissingPolicy::Error).expect("hash");
        let DataSourceSpec::File { sha256, .. } = &source else {
            panic!("file source");
        };
        assert_eq!(sha256, &sha256_hex(csv.as_bytes()));
        assert_eq!(sha256.len(), 64);
        assert_eq!(check_data_source(&source), DataCheck::Unchanged);
        let experiment = Experiment::new(
            source.clone(),
            TestSourceSpec::Split {
                fraction: 0.25,
                seed: 0,
            },
            config(),
        );
        let (train_set, test_set) = experiment.datasets().expect("datasets");
        assert_eq!(train_set.len() + test_set.expect("test").len(), 200);
        assert!(experiment.check_sources().is_empty());

        // Changed content.
        std::fs::write(&data_path, csv.replace("0.5,", "0.51,")).expect("rewrite");
        let check = check_data_source(&source);
        assert!(matches!(check, DataCheck::Changed { .. }), "{check:?}");
        assert!(check.to_string().contains("has changed"), "{check}");
        let err = experiment.datasets().unwrap_err();
        assert!(err.to_string().contains("data.csv"), "{err}");

        // Gone.
        std::fs::remove_file(&data_path).expect("remove");
        let check = check_data_source(&source);
        assert_eq!(
            check,
            DataCheck::Missing {
                path: data_path.clone()
            }
        );
        assert!(check.to_string().contains("missing"), "{check}");
        assert_eq!(experiment.check_sources().len(), 1);
    }

    #[test]
    fn corrupt_and_foreign_files_give_clear_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let experiment = Experiment::new(
            DataSourceSpec::Preset {
                preset: Preset::Xor,
                params: Preset::Xor.default_params(),
            },
            TestSourceSpec::None,
            config(),
        );
        let text = experiment.to_json();
        let write = |name: &str, content: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, content).expect("write");
            p
        };
        let truncated = write("cut.json", &text[..text.len() / 2]);
        let err = load_experiment(&truncated).unwrap_err();
        assert!(matches!(err, ExperimentError::Json { .. }));
        assert!(
            err.to_string()
                .contains("cut.json: not a valid experiment file"),
            "{err}"
        );
        let newer = write("v2.json", &text.replace("\"version\": 1", "\"version\": 2"));
        let err = load_experiment(&newer).unwrap_err();
        assert!(
            err.to_string()
                .contains("v2.json: experiment file version 2 is not supported"),
            "{err}"
        );
        let model = write(
            "model.json",
            "{\"format\": \"density-workbench-model\", \"version\": 1}",
        );
        let err = load_experiment(&model).unwrap_err();
        assert!(matches!(err, ExperimentError::WrongFormat { .. }), "{err}");
        let err = load_experiment(&dir.path().join("none.json")).unwrap_err();
        assert!(err.to_string().contains("none.json: cannot read"), "{err}");
        let ok = write("ok.json", &text);
        assert_eq!(load_experiment(&ok).expect("load"), experiment);
    }
}
