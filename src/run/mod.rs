//! A run: the unit everything else refers to — the runs table, experiment files, the model
//! file's training record, sweeps' trials. [`RunSummary`] is its one record: where its data
//! came from ([`RunData`]), its validated settings, its history and its final scores. The
//! trained weights travel beside it (a model file holds them; an experiment embeds one per
//! run).

mod source;

use serde::{Deserialize, Serialize};

pub use source::{DataCheck, DataSourceSpec, SourceError, TestSourceSpec, check_data_source};

use crate::data::Dataset;
use crate::nn::{EpochRecord, StopReason, TrainConfig, Trainer};

/// The recipe of a run's data: its source and how the held-out set was made. Two runs whose
/// recipes are equal were trained on the same rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunData {
    pub source: DataSourceSpec,
    pub held_out: TestSourceSpec,
}

impl RunData {
    /// "preset:lognormal (n=…, noise=…, seed=…) · 50 % held out (split seed 0)".
    pub fn describe(&self) -> String {
        match self.describe_held_out() {
            Some(held_out) => format!("{} · {held_out}", self.source.describe()),
            None => self.source.describe(),
        }
    }

    /// How the held-out set was made, in words; `None` without one.
    pub fn describe_held_out(&self) -> Option<String> {
        match &self.held_out {
            TestSourceSpec::Split { fraction, seed } => Some(format!(
                "{:.0} % held out (split seed {seed})",
                fraction * 100.0
            )),
            TestSourceSpec::Separate { source } => Some(format!("held out: {}", source.describe())),
            TestSourceSpec::None => None,
        }
    }

    /// A short name for tables: the preset's name or the file's name.
    pub fn short_label(&self) -> String {
        match &self.source {
            DataSourceSpec::Preset { preset, params } => {
                format!("{} n={} seed={}", preset.name(), params.n, params.seed)
            }
            DataSourceSpec::File { path, .. } => path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into(),
            ),
        }
    }

    /// Every data source of the recipe (the held-out one too), to adjust their paths.
    pub fn sources_mut(&mut self) -> impl Iterator<Item = &mut DataSourceSpec> {
        let held_out = match &mut self.held_out {
            TestSourceSpec::Separate { source } => Some(source),
            TestSourceSpec::Split { .. } | TestSourceSpec::None => None,
        };
        std::iter::once(&mut self.source).chain(held_out)
    }

    /// Every file source that changed, went missing or cannot be read (empty: all unchanged).
    pub fn check(&self) -> Vec<DataCheck> {
        let mut checks = vec![check_data_source(&self.source)];
        if let TestSourceSpec::Separate { source } = &self.held_out {
            checks.push(check_data_source(source));
        }
        checks.retain(|c| !c.is_unchanged());
        checks
    }

    /// Rebuilds the (train, held-out) datasets exactly as they were.
    pub fn datasets(&self) -> Result<(Dataset, Option<Dataset>), SourceError> {
        let data = self.source.load()?;
        match &self.held_out {
            TestSourceSpec::Split { fraction, seed } => {
                let (train, test) = data.split(*fraction, *seed)?;
                Ok((train, Some(test)))
            }
            TestSourceSpec::Separate { source } => Ok((data, Some(source.load()?))),
            TestSourceSpec::None => Ok((data, None)),
        }
    }
}

/// One run's record: data, settings, history and final scores. Fields added later have
/// defaults, so records written by older versions still load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunSummary {
    /// The run's number in the runs table (0: not in a table).
    pub id: u64,
    /// A free label ("cli", a trial's name, a file name).
    pub label: String,
    /// Where the data came from; `None` for records of older versions that did not say.
    pub data: Option<RunData>,
    pub config: TrainConfig,
    pub history: Vec<EpochRecord>,
    pub epochs_run: usize,
    pub steps: u64,
    /// Seconds of training steps (evaluation excluded).
    pub train_seconds: f64,
    /// NLL over the whole sets after training (original units, nats per sample).
    pub train_nll: Option<f64>,
    pub test_nll: Option<f64>,
    pub test_accuracy: Option<f64>,
    /// Why the run ended; `None` when the record was made before it ended (see `note`).
    pub stop_reason: Option<StopReason>,
    /// Free text when there is no stop reason ("saved during training (a snapshot)").
    pub note: String,
    pub program_version: String,
}

impl Default for RunSummary {
    fn default() -> Self {
        RunSummary {
            id: 0,
            label: String::new(),
            data: None,
            config: TrainConfig::default(),
            history: Vec::new(),
            epochs_run: 0,
            steps: 0,
            train_seconds: 0.0,
            train_nll: None,
            test_nll: None,
            test_accuracy: None,
            stop_reason: None,
            note: String::new(),
            program_version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

impl RunSummary {
    /// The record of a (finished or stopped) trainer, scored on the given sets.
    pub fn from_trainer(
        trainer: &Trainer,
        data: Option<RunData>,
        train: &Dataset,
        test: Option<&Dataset>,
    ) -> RunSummary {
        let test_scores = test.map(|t| trainer.score(t));
        RunSummary {
            data,
            config: trainer.config().clone(),
            history: trainer.history().to_vec(),
            epochs_run: trainer.epochs_done(),
            steps: trainer.steps(),
            train_seconds: trainer.train_secs(),
            train_nll: Some(trainer.score(train).nll),
            test_nll: test_scores.as_ref().map(|s| s.nll),
            test_accuracy: test_scores.and_then(|s| s.accuracy),
            stop_reason: trainer.stop_reason().cloned(),
            ..RunSummary::default()
        }
    }

    /// The data in words: the recipe when known, else the label.
    pub fn describe_data(&self) -> String {
        self.data
            .as_ref()
            .map_or_else(|| self.label.clone(), RunData::describe)
    }

    /// Why the run ended, in words.
    pub fn outcome(&self) -> String {
        self.stop_reason
            .as_ref()
            .map_or_else(|| self.note.clone(), ToString::to_string)
    }

    /// "run 3", or the label for a record outside a table.
    pub fn name(&self) -> String {
        if self.id > 0 {
            format!("run {}", self.id)
        } else {
            self.label.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Preset;

    fn preset_data(fraction: f64) -> RunData {
        RunData {
            source: DataSourceSpec::Preset {
                preset: Preset::Moons,
                params: Preset::Moons.default_params(),
            },
            held_out: TestSourceSpec::Split { fraction, seed: 3 },
        }
    }

    #[test]
    fn the_recipe_rebuilds_the_same_rows() {
        let data = preset_data(0.25);
        let (train_a, test_a) = data.datasets().expect("moons");
        let (train_b, test_b) = data.datasets().expect("moons again");
        assert_eq!(train_a.y(), train_b.y(), "same recipe, same training rows");
        assert_eq!(
            test_a.map(|t| t.y().to_vec()),
            test_b.map(|t| t.y().to_vec()),
            "same recipe, same held-out rows"
        );
        assert!(data.check().is_empty(), "a preset never changes");
        assert!(
            data.describe().contains("25 % held out"),
            "{}",
            data.describe()
        );
    }

    #[test]
    fn a_record_without_new_fields_still_loads() {
        // What version 1 experiment files hold for a run.
        let old = r#"{"label":"cli","config":{},"history":[],"epochs_run":2,"steps":10,
            "train_seconds":0.5,"train_nll":1.5,"test_nll":null,"test_accuracy":null,
            "stop_reason":{"reason":"completed"}}"#;
        let run: RunSummary = serde_json::from_str(old).expect("old record");
        assert_eq!(run.data, None, "older records did not name their data");
        assert_eq!(run.steps, 10);
        assert_eq!(run.outcome(), "all epochs done");
        let back: RunSummary =
            serde_json::from_str(&serde_json::to_string(&run).expect("json")).expect("parse");
        assert_eq!(back, run, "a record round-trips");
    }
}
