//! Experiment files: everything needed to reproduce runs — the current data source and
//! settings (what Train would run next) and every run with its own data source, settings,
//! history, scores and trained weights.
//!
//! ```text
//! { "format": "density-workbench-experiment", "version": 2, "program_version": "0.1.0",
//!   "data": { "kind": "preset", "preset": "lognormal", "params": {"n", "noise", "seed"} }
//!         | { "kind": "file", "path", "sha256", "roles": {"x": [..], "y"}, "missing": "Error" },
//!   "test": { "kind": "split", "fraction": 0.5, "seed": 0 } | { "kind": "separate", "source": <data> }
//!         | { "kind": "none" },
//!   "config": <TrainConfig>,
//!   "runs": [ { <RunSummary: "id", "label", "data": {"source", "held_out"}, "config",
//!               "history", "epochs_run", "steps", "train_seconds", "train_nll", "test_nll",
//!               "test_accuracy", "stop_reason", "note">, "model": <model file> | absent } .. ] }
//! ```
//! Version 1 files (no per-run data, no weights) still open: their runs get the file's data
//! source. Rebuilding a run's datasets ([`RunData::datasets`]) and training with its config
//! gives the same losses, bit for bit, on the same machine.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::atomic::{Overwrite, WriteError, write_atomic};
use super::model_file::ModelFile;
use crate::data::Dataset;
use crate::nn::TrainConfig;
pub use crate::run::{DataCheck, DataSourceSpec, SourceError, TestSourceSpec, check_data_source};
use crate::run::{RunData, RunSummary};

pub const EXPERIMENT_FORMAT: &str = "density-workbench-experiment";
pub const EXPERIMENT_VERSION: u32 = 2;
/// The oldest version this program still opens.
const OLDEST_VERSION: u32 = 1;

/// One run of an experiment: its record and, when saved, its trained weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentRun {
    #[serde(flatten)]
    pub summary: RunSummary,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelFile>,
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
    pub runs: Vec<ExperimentRun>,
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
        "{path}: experiment file version {found} is not supported (this program reads versions {OLDEST_VERSION} to {EXPERIMENT_VERSION})"
    )]
    UnsupportedVersion { path: String, found: u32 },
    #[error("{path}: run {run}: {detail}")]
    BadRun {
        path: String,
        run: usize,
        detail: String,
    },
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Write(#[from] WriteError),
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

    /// The current data recipe (what Train would use next).
    pub fn run_data(&self) -> RunData {
        RunData {
            source: self.data.clone(),
            held_out: self.test.clone(),
        }
    }

    /// Checks every file source of the experiment and of its runs; returns the problems
    /// (empty: all unchanged), each file once.
    pub fn check_sources(&self) -> Vec<DataCheck> {
        let mut checks = self.run_data().check();
        for run in &self.runs {
            for check in run.summary.data.iter().flat_map(RunData::check) {
                if !checks.contains(&check) {
                    checks.push(check);
                }
            }
        }
        checks
    }

    /// Rebuilds the current (train, held-out) datasets exactly as they were.
    pub fn datasets(&self) -> Result<(Dataset, Option<Dataset>), ExperimentError> {
        Ok(self.run_data().datasets()?)
    }

    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The text of this experiment saved as `path`: data files under the experiment's folder
    /// are recorded relative to it (so the folder can move), others with absolute paths.
    pub fn to_json_at(&self, path: &Path) -> String {
        let mut saved = self.clone();
        let folder = match folder_of(path) {
            f if f.as_os_str().is_empty() => Path::new("."),
            f => f,
        };
        saved.for_each_source(|source| source.relative_to(folder));
        saved.to_json()
    }

    /// Every data source: the current recipe's and each run's.
    fn for_each_source(&mut self, mut adjust: impl FnMut(&mut DataSourceSpec)) {
        adjust(&mut self.data);
        if let TestSourceSpec::Separate { source } = &mut self.test {
            adjust(source);
        }
        for run in &mut self.runs {
            for source in run.summary.data.iter_mut().flat_map(RunData::sources_mut) {
                adjust(source);
            }
        }
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
        if !(u64::from(OLDEST_VERSION)..=u64::from(EXPERIMENT_VERSION)).contains(&version) {
            return Err(ExperimentError::UnsupportedVersion {
                path: path.into(),
                found: version.min(u64::from(u32::MAX)) as u32,
            });
        }
        let mut experiment: Experiment =
            serde_json::from_value(value).map_err(|error| ExperimentError::Json {
                path: path.into(),
                error,
            })?;
        // Version 1 recorded one data source for the whole file: it is every run's.
        let data = experiment.run_data();
        for run in &mut experiment.runs {
            run.summary.data.get_or_insert_with(|| data.clone());
        }
        for (i, run) in experiment.runs.iter().enumerate() {
            if let Some(model) = &run.model {
                model
                    .to_model(path)
                    .map_err(|error| ExperimentError::BadRun {
                        path: path.into(),
                        run: i + 1,
                        detail: format!("its model does not load: {error}"),
                    })?;
            }
        }
        experiment.version = EXPERIMENT_VERSION;
        Ok(experiment)
    }
}

pub fn save_experiment(
    path: &Path,
    experiment: &Experiment,
    overwrite: Overwrite,
) -> Result<(), ExperimentError> {
    let json = experiment.to_json_at(path);
    // Never write a file the loader would refuse: parse it back first.
    Experiment::parse(&json, &path.display().to_string())?;
    write_atomic(path, json.as_bytes(), overwrite)?;
    Ok(())
}

pub fn load_experiment(path: &Path) -> Result<Experiment, ExperimentError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| ExperimentError::Read {
        path: name.clone(),
        error,
    })?;
    let mut experiment = Experiment::parse(&text, &name)?;
    // Relative data paths are relative to the experiment's own folder.
    let folder = folder_of(path);
    experiment.for_each_source(|source| source.resolve_from(folder));
    Ok(experiment)
}

/// The folder a file lies in: empty for a bare file name (the current directory), so that
/// joining a path to it leaves the path as it was.
fn folder_of(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ColumnRoles, MissingPolicy, Preset, PresetParams, sha256_hex};
    use crate::nn::{EpochRecord, Head, Trainer};

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
        experiment.runs.push(ExperimentRun {
            summary: RunSummary::from_trainer(
                &trainer,
                Some(experiment.run_data()),
                &train_set,
                test_set.as_ref(),
            ),
            model: Some(ModelFile::from_model(trainer.model(), None)),
        });
        save_experiment(&path, &experiment, Overwrite::Refuse).expect("save");
        assert!(save_experiment(&path, &experiment, Overwrite::Refuse).is_err());

        let loaded = load_experiment(&path).expect("load");
        assert_eq!(loaded.config, experiment.config);
        assert_eq!(loaded.data, experiment.data);
        assert_eq!(loaded.runs.len(), 1);
        assert_eq!(
            loaded.runs[0]
                .model
                .as_ref()
                .and_then(|m| m.to_model("x").ok())
                .map(|m| m.mlp),
            Some(trainer.model().mlp.clone()),
            "the run's weights come back"
        );
        for (a, b) in loaded.runs[0].summary.history.iter().zip(&original) {
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
        let newer = write("v3.json", &text.replace("\"version\": 2", "\"version\": 3"));
        let err = load_experiment(&newer).unwrap_err();
        assert!(
            err.to_string()
                .contains("v3.json: experiment file version 3 is not supported"),
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

    #[test]
    fn version_1_files_open_with_the_files_data_for_every_run() {
        // A version 1 file as the previous release wrote it: one data source for all runs.
        let v1 = r#"{"format": "density-workbench-experiment", "version": 1,
            "program_version": "0.1.0",
            "data": {"kind": "preset", "preset": "moons", "params": {"n": 500, "noise": 0.1, "seed": 4}},
            "test": {"kind": "split", "fraction": 0.2, "seed": 0},
            "config": {"epochs": 3},
            "runs": [{"label": "run 1", "config": {"epochs": 2}, "history": [],
                      "epochs_run": 2, "steps": 40, "train_seconds": 0.1, "train_nll": 0.4,
                      "test_nll": 0.5, "test_accuracy": 0.9, "stop_reason": {"reason": "completed"}}]}"#;
        let experiment = Experiment::parse(v1, "old.json").expect("a version 1 file opens");
        assert_eq!(experiment.runs.len(), 1);
        let run = &experiment.runs[0];
        assert_eq!(run.summary.data, Some(experiment.run_data()));
        assert_eq!(run.summary.steps, 40);
        assert!(run.model.is_none(), "version 1 stored no weights");
    }

    #[test]
    fn a_run_whose_weights_do_not_load_is_refused_naming_it() {
        let mut experiment = Experiment::new(
            DataSourceSpec::Preset {
                preset: Preset::Xor,
                params: Preset::Xor.default_params(),
            },
            TestSourceSpec::None,
            config(),
        );
        let (train_set, _) = experiment.datasets().expect("xor");
        let valid = config().validate(&train_set, None).expect("valid");
        let trainer = Trainer::new(valid, &train_set, None);
        let mut file = ModelFile::from_model(trainer.model(), None);
        file.layers[0].bias.pop();
        experiment.runs.push(ExperimentRun {
            summary: RunSummary::default(),
            model: Some(file),
        });
        let err = Experiment::parse(&experiment.to_json(), "exp.json").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("exp.json: run 1: its model does not load"),
            "{err}"
        );
    }
}
