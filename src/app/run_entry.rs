//! One row of the runs table: the run's record (the core's [`RunSummary`]), whether its loss
//! curves are overlaid, and its trained weights while the window is open. Weights are not
//! persisted with the settings (a few hundred kB per run, written every autosave); an
//! experiment file keeps them.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::nn::{EpochRecord, Model, StopReason, TrainConfig};
use crate::run::RunSummary;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredRun")]
pub struct RunEntry {
    pub summary: RunSummary,
    /// Overlay this run's loss curves on the loss plot.
    pub overlay: bool,
    /// The trained weights (this session's runs and runs opened from an experiment).
    #[serde(skip)]
    pub model: Option<Arc<Model>>,
}

impl RunEntry {
    pub fn new(summary: RunSummary, model: Option<Arc<Model>>) -> RunEntry {
        RunEntry {
            summary,
            overlay: false,
            model,
        }
    }

    pub fn id(&self) -> u64 {
        self.summary.id
    }

    /// The run's data in a few words, for the table.
    pub fn data_label(&self) -> String {
        self.summary
            .data
            .as_ref()
            .map_or_else(|| self.summary.label.clone(), |d| d.short_label())
    }
}

/// What the settings file may hold: today's entry, or a run stored by the previous release.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredRun {
    Current(Box<CurrentEntry>),
    Legacy(Box<LegacyRun>),
}

#[derive(Deserialize)]
struct CurrentEntry {
    /// Required, so that a legacy record is not read as an empty entry.
    summary: RunSummary,
    #[serde(default)]
    overlay: bool,
}

/// A runs-table row as the previous release stored it: its data in words only.
#[derive(Deserialize)]
#[serde(default)]
struct LegacyRun {
    id: u64,
    data_label: String,
    config: TrainConfig,
    epochs_done: usize,
    steps: u64,
    train_secs: f64,
    train_nll: f64,
    test_nll: Option<f64>,
    test_accuracy: Option<f64>,
    reason: String,
    history: Vec<(usize, f64, Option<f64>)>,
    overlay: bool,
    records: Vec<EpochRecord>,
    stop_reason: Option<StopReason>,
}

impl Default for LegacyRun {
    fn default() -> Self {
        LegacyRun {
            id: 0,
            data_label: String::new(),
            config: TrainConfig::default(),
            epochs_done: 0,
            steps: 0,
            train_secs: 0.0,
            train_nll: f64::NAN,
            test_nll: None,
            test_accuracy: None,
            reason: String::new(),
            history: Vec::new(),
            overlay: false,
            records: Vec::new(),
            stop_reason: None,
        }
    }
}

impl From<StoredRun> for RunEntry {
    fn from(stored: StoredRun) -> RunEntry {
        match stored {
            StoredRun::Current(entry) => RunEntry {
                summary: entry.summary,
                overlay: entry.overlay,
                model: None,
            },
            StoredRun::Legacy(old) => {
                let history = if old.records.is_empty() {
                    // The oldest rows kept (epoch, train, held-out) only.
                    old.history
                        .iter()
                        .map(|&(epoch, train_nll, test_nll)| EpochRecord {
                            epoch,
                            steps: 0,
                            train_nll,
                            test_nll,
                            test_accuracy: None,
                            skipped_steps: 0,
                            train_secs: 0.0,
                        })
                        .collect()
                } else {
                    old.records
                };
                let summary = RunSummary {
                    id: old.id,
                    label: old.data_label,
                    data: None,
                    config: old.config,
                    history,
                    epochs_run: old.epochs_done,
                    steps: old.steps,
                    train_seconds: old.train_secs,
                    train_nll: old.train_nll.is_finite().then_some(old.train_nll),
                    test_nll: old.test_nll,
                    test_accuracy: old.test_accuracy,
                    stop_reason: old.stop_reason,
                    note: old.reason,
                    program_version: String::new(),
                };
                RunEntry {
                    summary,
                    overlay: old.overlay,
                    model: None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Preset;
    use crate::run::{DataSourceSpec, RunData, TestSourceSpec};

    /// eframe's storage, in memory: the same RON round trip as the settings file.
    #[derive(Default)]
    struct MemoryStorage(std::collections::HashMap<String, String>);

    impl eframe::Storage for MemoryStorage {
        fn get_string(&self, key: &str) -> Option<String> {
            self.0.get(key).cloned()
        }
        fn set_string(&mut self, key: &str, value: String) {
            self.0.insert(key.into(), value);
        }
        fn remove_string(&mut self, key: &str) {
            self.0.remove(key);
        }
        fn flush(&mut self) {}
    }

    #[test]
    fn entries_round_trip_through_the_settings_storage_without_weights() {
        let summary = RunSummary {
            id: 4,
            data: Some(RunData {
                source: DataSourceSpec::Preset {
                    preset: Preset::Moons,
                    params: Preset::Moons.default_params(),
                },
                held_out: TestSourceSpec::Split {
                    fraction: 0.2,
                    seed: 1,
                },
            }),
            train_nll: Some(0.25),
            ..RunSummary::default()
        };
        let entry = RunEntry {
            overlay: true,
            ..RunEntry::new(summary, None)
        };
        let mut storage = MemoryStorage::default();
        eframe::set_value(&mut storage, "runs", &vec![entry.clone()]);
        let back: Vec<RunEntry> = eframe::get_value(&storage, "runs").expect("entries load");
        assert_eq!(back, vec![entry], "the entry comes back as it was");
    }

    #[test]
    fn runs_stored_by_the_previous_release_still_load() {
        // A runs-table row as the previous release wrote it into the settings (RON).
        let old = r#"[(id: 7, data_label: "geyser.csv (waiting → eruptions)", config: (epochs: 3),
            epochs_done: 3, steps: 30, train_secs: 0.2, train_nll: 1.1, test_nll: Some(1.2),
            test_accuracy: None, reason: "all epochs done",
            history: [(1, 1.5, Some(1.6)), (2, 1.2, Some(1.3)), (3, 1.1, Some(1.2))],
            overlay: true, records: [], stop_reason: None)]"#;
        let mut storage = MemoryStorage::default();
        eframe::Storage::set_string(&mut storage, "runs", old.into());
        let runs: Vec<RunEntry> = eframe::get_value(&storage, "runs").expect("old runs load");
        assert_eq!(runs.len(), 1);
        let run = &runs[0].summary;
        assert_eq!(run.id, 7);
        assert_eq!(run.label, "geyser.csv (waiting → eruptions)");
        assert_eq!(run.data, None, "the old release did not record the recipe");
        assert_eq!(run.history.len(), 3);
        assert_eq!(run.history[2].test_nll, Some(1.2));
        assert_eq!(run.outcome(), "all epochs done");
        assert!(runs[0].overlay);
    }
}
