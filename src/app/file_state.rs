//! What the File menu's dialogs hold: which dialog is open, its paths and options (persisted),
//! the background write, the pending confirmation and the last message. Plain data: the menu
//! (`file_menu.rs`) draws it and the actions (`export_actions.rs`) change it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::tasks::Task;
use crate::export::experiment::Experiment;
use crate::nn::Model;
use crate::run::RunSummary;

/// The dialogs of the File menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    OpenModel,
    SaveModel,
    ExportPredictions,
    ExportFigure,
    OpenExperiment,
    SaveExperiment,
    OpenSweepJournal,
}

impl Dialog {
    pub const ALL: [Dialog; 7] = [
        Dialog::OpenModel,
        Dialog::SaveModel,
        Dialog::ExportPredictions,
        Dialog::ExportFigure,
        Dialog::OpenExperiment,
        Dialog::SaveExperiment,
        Dialog::OpenSweepJournal,
    ];

    /// The menu entry.
    pub fn menu_label(self) -> &'static str {
        match self {
            Dialog::OpenModel => "Open model…",
            Dialog::SaveModel => "Save model…",
            Dialog::ExportPredictions => "Export predictions…",
            Dialog::ExportFigure => "Export figure…",
            Dialog::OpenExperiment => "Open experiment…",
            Dialog::SaveExperiment => "Save experiment…",
            Dialog::OpenSweepJournal => "Open sweep journal…",
        }
    }

    /// The dialog window's title.
    pub fn title(self) -> &'static str {
        match self {
            Dialog::OpenModel => "Open a model file",
            Dialog::SaveModel => "Save the model",
            Dialog::ExportPredictions => "Export predictions as CSV",
            Dialog::ExportFigure => "Export a figure",
            Dialog::OpenExperiment => "Open an experiment file",
            Dialog::SaveExperiment => "Save the experiment",
            Dialog::OpenSweepJournal => "Follow a sweep's journal",
        }
    }

    /// The dialog's action button.
    pub fn action_label(self) -> &'static str {
        match self {
            Dialog::OpenModel => "Open model",
            Dialog::SaveModel => "Save model",
            Dialog::ExportPredictions => "Export predictions",
            Dialog::ExportFigure => "Export figure",
            Dialog::OpenExperiment => "Open experiment",
            Dialog::SaveExperiment => "Save experiment",
            Dialog::OpenSweepJournal => "Follow journal",
        }
    }

    pub fn writes(self) -> bool {
        !matches!(
            self,
            Dialog::OpenModel | Dialog::OpenExperiment | Dialog::OpenSweepJournal
        )
    }

    /// (filter name, extensions) for the system dialog.
    pub fn filter(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Dialog::OpenModel | Dialog::SaveModel => ("Model (JSON)", &["json"]),
            Dialog::ExportPredictions => ("CSV", &["csv"]),
            Dialog::ExportFigure => ("Figure (PNG or SVG)", &["png", "svg"]),
            Dialog::OpenExperiment | Dialog::SaveExperiment => ("Experiment (JSON)", &["json"]),
            Dialog::OpenSweepJournal => ("Optuna journal", &["log", "journal", "jsonl"]),
        }
    }
}

/// Which rows the predictions CSV covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum PredictionSet {
    #[default]
    Train,
    Test,
    /// Training rows, then held-out rows.
    All,
}

impl PredictionSet {
    pub const ALL: [PredictionSet; 3] = [
        PredictionSet::Train,
        PredictionSet::Test,
        PredictionSet::All,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PredictionSet::Train => "training set",
            PredictionSet::Test => "held-out set",
            PredictionSet::All => "all loaded rows",
        }
    }
}

/// The figures the window can export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum FigureKind {
    /// Data points with the mean/median/mode curves and 68 %/95 % bands.
    #[default]
    DataBands,
    /// The density heat map of p(y|x) with the curves.
    DataDensity,
    /// p(y|x*) at the current x*.
    Posterior,
    /// Train and held-out NLL per epoch of the current run.
    Loss,
    /// Held-out NLL of the runs ticked in the Runs table.
    Runs,
}

impl FigureKind {
    pub const ALL: [FigureKind; 5] = [
        FigureKind::DataBands,
        FigureKind::DataDensity,
        FigureKind::Posterior,
        FigureKind::Loss,
        FigureKind::Runs,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FigureKind::DataBands => "data + prediction (bands)",
            FigureKind::DataDensity => "density heat map",
            FigureKind::Posterior => "posterior p(y|x*)",
            FigureKind::Loss => "loss curves",
            FigureKind::Runs => "run comparison (ticked runs)",
        }
    }
}

/// Paths and options of the dialogs (persisted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExportSettings {
    pub model_path: String,
    pub predictions_path: String,
    pub predictions_set: PredictionSet,
    pub figure_path: String,
    pub figure_kind: FigureKind,
    pub figure_width_px: u32,
    pub figure_height_px: u32,
    /// Resolution in dots per inch; 0 = automatic (the height over 5 inches).
    pub figure_dpi: f64,
    pub experiment_path: String,
    /// The sweep journal to follow.
    pub journal_path: String,
    /// The folder of the last file chosen, written or opened through any dialog: a dialog
    /// whose path is a bare file name starts there.
    pub last_folder: String,
}

impl Default for ExportSettings {
    fn default() -> Self {
        ExportSettings {
            model_path: "model.json".into(),
            predictions_path: "predictions.csv".into(),
            predictions_set: PredictionSet::Train,
            figure_path: "figure.png".into(),
            figure_kind: FigureKind::DataBands,
            figure_width_px: 1600,
            figure_height_px: 1000,
            figure_dpi: 0.0,
            experiment_path: "experiment.json".into(),
            journal_path: String::new(),
            last_folder: String::new(),
        }
    }
}

impl ExportSettings {
    /// Remembers the folder of `path` (an absolute path the user chose or used).
    pub fn remember_folder(&mut self, path: &Path) {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            self.last_folder = dir.display().to_string();
        }
    }

    /// Puts a bare file name (no folder typed) into the last folder used, so a dialog opens
    /// where the previous one left off; a path with a folder is the user's and stays.
    pub fn place_in_last_folder(&mut self, dialog: Dialog) {
        let folder = self.last_folder.trim().to_string();
        let path = self.path_mut(dialog);
        let typed = Path::new(path.trim());
        let bare = typed
            .parent()
            .is_none_or(|parent| parent.as_os_str().is_empty());
        if bare && !folder.is_empty() && !path.trim().is_empty() {
            *path = Path::new(&folder).join(typed).display().to_string();
        }
    }

    /// The folder a system dialog starts in: that of its path when it exists, else the last
    /// folder used.
    pub fn start_folder(&mut self, dialog: Dialog) -> Option<PathBuf> {
        let last = PathBuf::from(self.last_folder.trim());
        let current = PathBuf::from(self.path_mut(dialog).trim());
        current
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && d.is_dir())
            .map(Path::to_path_buf)
            .or_else(|| last.is_dir().then_some(last))
    }

    pub fn path_mut(&mut self, dialog: Dialog) -> &mut String {
        match dialog {
            Dialog::OpenModel | Dialog::SaveModel => &mut self.model_path,
            Dialog::ExportPredictions => &mut self.predictions_path,
            Dialog::ExportFigure => &mut self.figure_path,
            Dialog::OpenExperiment | Dialog::SaveExperiment => &mut self.experiment_path,
            Dialog::OpenSweepJournal => &mut self.journal_path,
        }
    }
}

/// What the menu and dialogs ask for; applied after layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileAction {
    /// Show a dialog.
    Show(Dialog),
    /// Close the open dialog.
    Close,
    /// Ask for the path with the system file dialog.
    Browse(Dialog),
    /// Do what the dialog says with its typed path.
    Run(Dialog),
    /// Replace the file of the pending confirmation.
    Replace,
    /// Keep the existing file.
    KeepExisting,
    /// Put the opened model's training settings into the controls.
    UseModelSettings,
    CloseModelInfo,
    /// Apply the pending experiment, its runs replacing or joining the table's.
    OpenExperimentRuns(RunsMerge),
    /// Forget the pending experiment.
    CancelExperiment,
    /// Abandon the background write (nothing is written if it has not started writing).
    CancelWrite,
}

/// A message in plain words: the outcome of the last action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// A write that found its file existing: the bytes wait for Replace / Keep.
pub struct PendingReplace {
    pub path: PathBuf,
    pub bytes: Arc<Vec<u8>>,
    /// "model", "figure", … for the messages.
    pub what: String,
}

/// The opened model file's description (the metadata window).
pub struct ModelInfo {
    pub path: String,
    pub architecture: String,
    pub head: String,
    pub inputs: String,
    pub target: String,
    pub params: usize,
    pub training: Option<RunSummary>,
}

/// Runtime state of the File menu.
#[derive(Default)]
pub struct FileUi {
    pub open: Option<Dialog>,
    pub message: Option<Message>,
    /// The background write in progress (one at a time).
    pub(crate) job: Option<WriteJob>,
    pub pending: Option<PendingReplace>,
    pub model_info: Option<ModelInfo>,
    /// The model opened from a file with its training record (saved again as it was).
    pub(crate) opened_model: Option<(Arc<Model>, Option<RunSummary>)>,
    /// An experiment read from disk, waiting for "replace the runs table or add to it".
    pub pending_experiment: Option<PendingExperiment>,
}

/// An opened experiment whose runs wait for the user's choice.
pub struct PendingExperiment {
    pub path: PathBuf,
    pub experiment: Experiment,
}

/// What to do with an experiment's runs when the table already has some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunsMerge {
    /// The experiment's runs replace the table's.
    Replace,
    /// The experiment's runs are appended, with new numbers.
    Add,
}

/// A background write: computes bytes, then writes them atomically.
pub(crate) struct WriteJob {
    /// "model", "predictions", "figure", "experiment".
    pub what: String,
    pub(crate) task: Task<WriteOutcome>,
}

pub(crate) enum WriteOutcome {
    Written { path: PathBuf, bytes: usize },
    Exists { path: PathBuf, bytes: Arc<Vec<u8>> },
}

impl FileUi {
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    pub fn ok(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: false,
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialogs_start_in_the_last_folder_used() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut export = ExportSettings::default();
        // Nothing used yet: the bare default name stays as it is.
        export.place_in_last_folder(Dialog::ExportFigure);
        assert_eq!(export.figure_path, "figure.png");
        assert_eq!(export.start_folder(Dialog::ExportFigure), None);

        export.remember_folder(&dir.path().join("model.json"));
        export.place_in_last_folder(Dialog::ExportFigure);
        assert_eq!(
            Path::new(&export.figure_path),
            dir.path().join("figure.png"),
            "another dialog's bare name goes to the folder last used"
        );
        assert_eq!(
            export.start_folder(Dialog::ExportPredictions),
            Some(dir.path().to_path_buf())
        );
        // A folder the user typed is kept.
        export.predictions_path = "/somewhere/else/p.csv".into();
        export.place_in_last_folder(Dialog::ExportPredictions);
        assert_eq!(export.predictions_path, "/somewhere/else/p.csv");
    }

    #[test]
    fn old_settings_without_the_folder_still_load() {
        let old: ExportSettings =
            serde_json::from_str(r#"{"model_path": "m.json"}"#).expect("old settings");
        assert_eq!(old.model_path, "m.json");
        assert_eq!(old.last_folder, "");
    }
}
