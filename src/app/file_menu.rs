//! The File menu and its dialogs: open/save a model, export predictions and figures,
//! open/save an experiment. Every dialog has a typed path (the system file dialog is a
//! convenience that may be missing) and shows its errors in plain words; a file that exists
//! is replaced only after the user confirms. The actions live in `export_actions.rs`.

use egui::{DragValue, RichText, Ui};
use serde::{Deserialize, Serialize};

use super::widgets::{error_label, fmt_num, grid_row};
use super::{Command, WorkbenchApp};
use crate::export::TrainingRecord;

/// The dialogs of the File menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    OpenModel,
    SaveModel,
    ExportPredictions,
    ExportFigure,
    OpenExperiment,
    SaveExperiment,
}

impl Dialog {
    pub const ALL: [Dialog; 6] = [
        Dialog::OpenModel,
        Dialog::SaveModel,
        Dialog::ExportPredictions,
        Dialog::ExportFigure,
        Dialog::OpenExperiment,
        Dialog::SaveExperiment,
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
        }
    }

    pub fn writes(self) -> bool {
        !matches!(self, Dialog::OpenModel | Dialog::OpenExperiment)
    }

    /// (filter name, extensions) for the system dialog.
    pub fn filter(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Dialog::OpenModel | Dialog::SaveModel => ("Model (JSON)", &["json"]),
            Dialog::ExportPredictions => ("CSV", &["csv"]),
            Dialog::ExportFigure => ("Figure (PNG or SVG)", &["png", "svg"]),
            Dialog::OpenExperiment | Dialog::SaveExperiment => ("Experiment (JSON)", &["json"]),
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
        }
    }
}

impl ExportSettings {
    pub fn path_mut(&mut self, dialog: Dialog) -> &mut String {
        match dialog {
            Dialog::OpenModel | Dialog::SaveModel => &mut self.model_path,
            Dialog::ExportPredictions => &mut self.predictions_path,
            Dialog::ExportFigure => &mut self.figure_path,
            Dialog::OpenExperiment | Dialog::SaveExperiment => &mut self.experiment_path,
        }
    }
}

/// What the menu and dialogs ask for; applied after layout.
#[derive(Debug, Clone, PartialEq)]
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
}

/// A message in plain words: the outcome of the last action.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// A write that found its file existing: the bytes wait for Replace / Keep.
pub struct PendingReplace {
    pub path: std::path::PathBuf,
    pub bytes: std::sync::Arc<Vec<u8>>,
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
    pub training: Option<TrainingRecord>,
}

/// Runtime state of the File menu.
#[derive(Default)]
pub struct FileUi {
    pub open: Option<Dialog>,
    pub message: Option<Message>,
    /// The background write in progress (one at a time).
    pub(crate) job: Option<super::export_actions::WriteJob>,
    pub pending: Option<PendingReplace>,
    pub model_info: Option<ModelInfo>,
    /// The model opened from a file with its training record (saved again as it was).
    pub(crate) opened_model: Option<(std::sync::Arc<crate::nn::Model>, Option<TrainingRecord>)>,
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

/// The menu bar: File menu on the left, the last message on the right.
pub fn menu_bar_ui(ui: &mut Ui, app: &mut WorkbenchApp) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            for (i, dialog) in Dialog::ALL.into_iter().enumerate() {
                if i == 2 || i == 4 {
                    ui.separator();
                }
                if ui.button(dialog.menu_label()).clicked() {
                    app.commands.push(Command::File(FileAction::Show(dialog)));
                }
            }
        });
        if let Some(job) = &app.files.job {
            ui.spinner();
            ui.label(format!("writing {}…", job.what));
        } else if let Some(message) = &app.files.message
            && app.files.open.is_none()
        {
            // (An open dialog shows the message itself.)
            status_label(ui, message);
        }
    });
}

fn status_label(ui: &mut Ui, message: &Message) {
    let text = if message.text.chars().count() > 160 {
        let short: String = message.text.chars().take(157).collect();
        format!("{short}…")
    } else {
        message.text.clone()
    };
    let label = if message.error {
        ui.colored_label(ui.visuals().error_fg_color, text)
    } else {
        ui.label(text)
    };
    label.on_hover_text(&message.text);
}

/// The dialog windows, the replace confirmation and the model info window.
pub fn windows_ui(ctx: &egui::Context, app: &mut WorkbenchApp) {
    if let Some(dialog) = app.files.open {
        let mut open = true;
        egui::Window::new(dialog.title())
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .default_width(460.0)
            .anchor(egui::Align2::CENTER_TOP, [0.0, 80.0])
            .show(ctx, |ui| dialog_ui(ui, app, dialog));
        if !open {
            app.commands.push(Command::File(FileAction::Close));
        }
    }
    if let Some(pending) = &app.files.pending {
        let name = pending.path.display().to_string();
        egui::Window::new("Replace file?")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label(format!(
                    "{name} exists — replace it with the new {}?",
                    pending.what
                ));
                ui.horizontal(|ui| {
                    if ui.button("Replace").clicked() {
                        app.commands.push(Command::File(FileAction::Replace));
                    }
                    if ui.button("Cancel").clicked() {
                        app.commands.push(Command::File(FileAction::KeepExisting));
                    }
                });
            });
    }
    if app.files.model_info.is_some() {
        let mut open = true;
        egui::Window::new("Model file")
            .open(&mut open)
            .default_width(380.0)
            // Over the lower right (loss plot and runs), movable, so the plots stay visible.
            .default_pos({
                let r = ctx.content_rect();
                egui::pos2(
                    (r.right() - 410.0).max(r.left()),
                    (r.bottom() - 400.0).max(r.top() + 30.0),
                )
            })
            .show(ctx, |ui| model_info_ui(ui, app));
        if !open {
            app.commands.push(Command::File(FileAction::CloseModelInfo));
        }
    }
}

fn dialog_ui(ui: &mut Ui, app: &mut WorkbenchApp, dialog: Dialog) {
    let commands = &mut app.commands;
    let export = &mut app.settings.export;
    match dialog {
        Dialog::OpenModel => {
            ui.label("Shows the model's predictions on the current data (its inputs must be the data's inputs) and its metadata.");
        }
        Dialog::SaveModel => {
            ui.label("Saves the current model with its training record (data source, settings, history, metrics) as versioned JSON.");
        }
        Dialog::ExportPredictions => {
            ui.label("One row per data row: inputs, target, mean, std, median, mode, 5 %/95 % quantiles (or p1) and log_prob.");
            ui.horizontal(|ui| {
                let label = ui.label("Rows");
                egui::ComboBox::from_id_salt("prediction rows")
                    .selected_text(export.predictions_set.label())
                    .show_ui(ui, |ui| {
                        for set in PredictionSet::ALL {
                            ui.selectable_value(&mut export.predictions_set, set, set.label());
                        }
                    })
                    .response
                    .labelled_by(label.id);
            });
        }
        Dialog::ExportFigure => {
            egui::Grid::new("figure options")
                .num_columns(2)
                .show(ui, |ui| {
                    let label = ui.label("Figure");
                    egui::ComboBox::from_id_salt("figure kind")
                        .selected_text(export.figure_kind.label())
                        .width(240.0)
                        .show_ui(ui, |ui| {
                            for kind in FigureKind::ALL {
                                ui.selectable_value(&mut export.figure_kind, kind, kind.label());
                            }
                        })
                        .response
                        .labelled_by(label.id);
                    ui.end_row();
                    grid_row(
                        ui,
                        "Width (px)",
                        DragValue::new(&mut export.figure_width_px).range(64..=20_000),
                    );
                    grid_row(
                        ui,
                        "Height (px)",
                        DragValue::new(&mut export.figure_height_px).range(64..=20_000),
                    );
                    grid_row(
                        ui,
                        "Resolution (dpi, 0 = auto)",
                        DragValue::new(&mut export.figure_dpi)
                            .range(0.0..=2400.0)
                            .speed(1.0),
                    );
                });
            let dpi = if export.figure_dpi > 0.0 {
                export.figure_dpi
            } else {
                crate::export::figures::RenderOptions::new(
                    export.figure_width_px,
                    export.figure_height_px,
                )
                .effective_dpi()
            };
            ui.label(
                RichText::new(format!(
                    "{:.1} × {:.1} in at {dpi:.0} dpi. The format follows the extension: .png or .svg. \
                     Heat maps use the colour map and scaling chosen above the main plot.",
                    export.figure_width_px as f64 / dpi,
                    export.figure_height_px as f64 / dpi,
                ))
                .small()
                .weak(),
            );
        }
        Dialog::OpenExperiment => {
            ui.label("Restores the data source, the settings and the runs table; says so if the data file changed or is missing.");
        }
        Dialog::SaveExperiment => {
            ui.label("Saves the data source (preset and parameters, or file path, SHA-256 and columns), the split, the settings and the runs table.");
        }
    }
    ui.add_space(4.0);
    let path = export.path_mut(dialog);
    ui.horizontal(|ui| {
        let label = ui.label("File path");
        let edit = ui
            .add(
                egui::TextEdit::singleline(path)
                    .hint_text(if dialog == Dialog::ExportFigure {
                        "/path/to/figure.png"
                    } else {
                        "/path/to/file"
                    })
                    .desired_width(300.0),
            )
            .labelled_by(label.id);
        if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            commands.push(Command::File(FileAction::Run(dialog)));
        }
        if ui
            .button("Browse…")
            .on_hover_text("Choose with the system file dialog (if none appears, type the path)")
            .clicked()
        {
            commands.push(Command::File(FileAction::Browse(dialog)));
        }
    });
    ui.horizontal(|ui| {
        let busy = app.files.job.is_some() || app.files.pending.is_some();
        if ui
            .add_enabled(!busy, egui::Button::new(dialog.action_label()))
            .clicked()
        {
            commands.push(Command::File(FileAction::Run(dialog)));
        }
        if ui.button("Close").clicked() {
            commands.push(Command::File(FileAction::Close));
        }
        if busy && app.files.job.is_some() {
            ui.spinner();
        }
    });
    if let Some(message) = &app.files.message {
        if message.error {
            error_label(ui, &message.text);
        } else {
            ui.label(&message.text);
        }
    }
}

fn model_info_ui(ui: &mut Ui, app: &mut WorkbenchApp) {
    let Some(info) = &app.files.model_info else {
        return;
    };
    ui.label(RichText::new(&info.path).small());
    egui::Grid::new("model info grid")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let row = |ui: &mut Ui, k: &str, v: &str| {
                ui.label(RichText::new(k).strong());
                ui.label(v);
                ui.end_row();
            };
            row(ui, "inputs", &info.inputs);
            row(ui, "target", &info.target);
            row(ui, "architecture", &info.architecture);
            row(ui, "head", &info.head);
            row(ui, "parameters", &info.params.to_string());
            if let Some(t) = &info.training {
                row(ui, "data source", &t.data_source);
                if let Some(test) = &t.test_source {
                    row(ui, "held-out data", test);
                }
                let c = &t.config;
                row(
                    ui,
                    "settings",
                    &format!(
                        "{} epochs, batch {}, lr {:e}, seed {}, {}",
                        c.epochs,
                        c.batch_size,
                        c.learning_rate,
                        c.seed,
                        match c.threads {
                            0 => "all cores".to_string(),
                            1 => "1 thread".to_string(),
                            n => format!("{n} threads"),
                        }
                    ),
                );
                row(
                    ui,
                    "trained",
                    &format!(
                        "{} epochs, {} steps, {:.1} s: {}",
                        t.epochs_run, t.steps, t.train_seconds, t.stop_reason
                    ),
                );
                row(ui, "train NLL", &fmt_num(t.train_nll));
                if let Some(nll) = t.test_nll {
                    row(ui, "held-out NLL", &fmt_num(nll));
                }
                if let Some(acc) = t.test_accuracy {
                    row(ui, "accuracy", &format!("{:.1} %", acc * 100.0));
                }
                row(ui, "program", &t.program_version);
            } else {
                row(ui, "training", "no training record in the file");
            }
        });
    if info.training.is_some()
        && ui
            .button("Use its settings")
            .on_hover_text("Put the model's training settings into the controls")
            .clicked()
    {
        app.commands
            .push(Command::File(FileAction::UseModelSettings));
    }
}
