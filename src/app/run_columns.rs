//! The runs table's columns: what each shows, how it sorts, and which settings differ
//! between runs (those come first, and "only differences" hides the rest, as MLflow's compare
//! view does). Also the short label that names a run by what sets it apart ("lr 1e-2").

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::run_entry::RunEntry;
use super::widgets::{fmt_num, fmt_secs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunColumn {
    Run,
    HeldOutNll,
    TrainNll,
    Accuracy,
    Data,
    Head,
    Hidden,
    LearningRate,
    Batch,
    Epochs,
    Seed,
    SigmaFloor,
    Time,
}

/// The settings columns, in their default order.
const SETTINGS: [RunColumn; 8] = [
    RunColumn::Data,
    RunColumn::Head,
    RunColumn::Hidden,
    RunColumn::LearningRate,
    RunColumn::Batch,
    RunColumn::Epochs,
    RunColumn::Seed,
    RunColumn::SigmaFloor,
];

impl RunColumn {
    pub fn title(self) -> &'static str {
        match self {
            RunColumn::Run => "run",
            RunColumn::HeldOutNll => "held-out NLL",
            RunColumn::TrainNll => "train NLL",
            RunColumn::Accuracy => "accuracy",
            RunColumn::Data => "data",
            RunColumn::Head => "head",
            RunColumn::Hidden => "hidden",
            RunColumn::LearningRate => "lr",
            RunColumn::Batch => "batch",
            RunColumn::Epochs => "epochs",
            RunColumn::Seed => "seed",
            RunColumn::SigmaFloor => "σ floor",
            RunColumn::Time => "time",
        }
    }

    /// The cell's text.
    pub fn text(self, entry: &RunEntry) -> String {
        let run = &entry.summary;
        let c = &run.config;
        match self {
            RunColumn::Run => format!("run {}", run.id),
            RunColumn::HeldOutNll => run.test_nll.map_or("–".into(), fmt_num),
            RunColumn::TrainNll => run.train_nll.map_or("–".into(), fmt_num),
            RunColumn::Accuracy => run
                .test_accuracy
                .map_or("–".into(), |a| format!("{:.1} %", a * 100.0)),
            RunColumn::Data => entry.data_label(),
            RunColumn::Head => c.head.label(),
            RunColumn::Hidden => {
                let label = c.hidden_label();
                if label.is_empty() {
                    "linear".into()
                } else {
                    label
                }
            }
            RunColumn::LearningRate => format!("{:.0e}", c.learning_rate),
            RunColumn::Batch => c.batch_size.to_string(),
            RunColumn::Epochs => format!("{}/{}", run.epochs_run, c.epochs),
            RunColumn::Seed => c.seed.to_string(),
            RunColumn::SigmaFloor => format!("{:.0e}", c.sigma_floor),
            RunColumn::Time => fmt_secs(run.train_seconds),
        }
    }

    /// Orders two runs by this column, ascending; missing scores sort last.
    pub fn compare(self, a: &RunEntry, b: &RunEntry) -> Ordering {
        let (x, y) = (&a.summary, &b.summary);
        let score = |p: Option<f64>, q: Option<f64>| match (p, q) {
            (Some(p), Some(q)) => p.total_cmp(&q),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        match self {
            RunColumn::Run => x.id.cmp(&y.id),
            RunColumn::HeldOutNll => score(x.test_nll, y.test_nll),
            RunColumn::TrainNll => score(x.train_nll, y.train_nll),
            RunColumn::Accuracy => score(x.test_accuracy, y.test_accuracy),
            RunColumn::LearningRate => x.config.learning_rate.total_cmp(&y.config.learning_rate),
            RunColumn::Batch => x.config.batch_size.cmp(&y.config.batch_size),
            RunColumn::Epochs => x.epochs_run.cmp(&y.epochs_run),
            RunColumn::Seed => x.config.seed.cmp(&y.config.seed),
            RunColumn::SigmaFloor => x.config.sigma_floor.total_cmp(&y.config.sigma_floor),
            RunColumn::Time => x.train_seconds.total_cmp(&y.train_seconds),
            RunColumn::Data | RunColumn::Head | RunColumn::Hidden => {
                self.text(a).cmp(&self.text(b))
            }
        }
    }

    /// The short form used to name a run by this setting ("lr 1e-2").
    fn short(self, entry: &RunEntry) -> String {
        match self {
            RunColumn::Epochs => format!("{} epochs", entry.summary.config.epochs),
            RunColumn::Data | RunColumn::Head | RunColumn::Hidden => self.text(entry),
            _ => format!("{} {}", self.title(), self.text(entry)),
        }
    }
}

/// Sorting and filtering of the table (persisted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunsTableSettings {
    pub sort_by: RunColumn,
    pub descending: bool,
    /// Show only the settings that differ between runs.
    pub only_differences: bool,
}

impl Default for RunsTableSettings {
    /// Newest first.
    fn default() -> Self {
        RunsTableSettings {
            sort_by: RunColumn::Run,
            descending: true,
            only_differences: false,
        }
    }
}

impl RunsTableSettings {
    /// A click on a column's header: sort by it, or flip the direction if it is the key.
    pub fn click(&mut self, column: RunColumn) {
        if self.sort_by == column {
            self.descending = !self.descending;
        } else {
            self.sort_by = column;
            // Scores read best first; the run number newest first.
            self.descending = column == RunColumn::Run || column == RunColumn::Accuracy;
        }
    }

    /// Row order: indices into `runs`.
    pub fn order(&self, runs: &[RunEntry]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..runs.len()).collect();
        order.sort_by(|&i, &j| {
            let ordering = self.sort_by.compare(&runs[i], &runs[j]);
            let ordering = if self.descending {
                ordering.reverse()
            } else {
                ordering
            };
            ordering.then(runs[j].id().cmp(&runs[i].id()))
        });
        order
    }

    /// The columns right of the run name: held-out NLL, the settings that differ, the other
    /// scores, then (unless hidden) the settings all runs share.
    pub fn columns(&self, runs: &[RunEntry]) -> Vec<RunColumn> {
        let (differ, same): (Vec<RunColumn>, Vec<RunColumn>) =
            SETTINGS.iter().partition(|c| differs(**c, runs));
        let mut columns = vec![RunColumn::HeldOutNll];
        columns.extend(differ);
        columns.extend([RunColumn::TrainNll, RunColumn::Accuracy]);
        if !self.only_differences {
            columns.extend(same);
        }
        columns.push(RunColumn::Time);
        columns
    }
}

/// Do the runs disagree on this column?
pub fn differs(column: RunColumn, runs: &[RunEntry]) -> bool {
    let mut texts = runs.iter().map(|r| match column {
        // The planned epochs, not how many ran, are the setting.
        RunColumn::Epochs => r.summary.config.epochs.to_string(),
        _ => column.text(r),
    });
    let first = texts.next();
    texts.any(|t| Some(t) != first)
}

/// "run 10 (lr 1e-2, batch 64)": the run named by the settings that differ among `runs`.
pub fn distinguishing_label(entry: &RunEntry, runs: &[RunEntry]) -> String {
    let parts: Vec<String> = SETTINGS
        .iter()
        .filter(|c| differs(**c, runs))
        .take(3)
        .map(|c| c.short(entry))
        .collect();
    if parts.is_empty() {
        format!("run {}", entry.id())
    } else {
        format!("run {} ({})", entry.id(), parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::RunSummary;

    fn run(id: u64, lr: f64, test_nll: Option<f64>) -> RunEntry {
        let mut summary = RunSummary {
            id,
            test_nll,
            ..RunSummary::default()
        };
        summary.config.learning_rate = lr;
        RunEntry::new(summary, None)
    }

    #[test]
    fn sorting_by_held_out_nll_puts_the_best_first_and_missing_last() {
        let runs = vec![
            run(1, 1e-3, Some(1.2)),
            run(2, 1e-2, None),
            run(3, 1e-3, Some(1.1)),
        ];
        let mut table = RunsTableSettings::default();
        assert_eq!(table.order(&runs), vec![2, 1, 0], "newest first by default");
        table.click(RunColumn::HeldOutNll);
        assert_eq!(table.order(&runs), vec![2, 0, 1], "best first, none last");
        table.click(RunColumn::HeldOutNll);
        assert_eq!(table.order(&runs)[2], 2, "flipped: the best is last");
    }

    #[test]
    fn settings_that_differ_come_first_and_name_the_run() {
        let runs = vec![run(1, 1e-3, Some(1.2)), run(10, 1e-2, Some(1.1))];
        let mut table = RunsTableSettings::default();
        let columns = table.columns(&runs);
        assert_eq!(
            columns[..2],
            [RunColumn::HeldOutNll, RunColumn::LearningRate]
        );
        assert!(columns.contains(&RunColumn::Batch));
        table.only_differences = true;
        assert!(!table.columns(&runs).contains(&RunColumn::Batch));
        assert_eq!(distinguishing_label(&runs[1], &runs), "run 10 (lr 1e-2)");
    }
}
