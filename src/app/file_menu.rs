//! The File menu and its dialogs: open/save a model, export predictions and figures,
//! open/save an experiment. Every dialog has a typed path (the system file dialog is a
//! convenience that may be missing) and shows its errors in plain words; a file that exists
//! is replaced only after the user confirms. The actions live in `export_actions.rs`.

use egui::{DragValue, RichText, Ui};

use super::Command;
use super::file_state::{
    Dialog, ExportSettings, FigureKind, FileAction, FileUi, Message, ModelInfo, PredictionSet,
    RunsMerge,
};
use super::widgets::{error_label, fmt_num, grid_row};

/// The menu bar: File menu on the left, the last message on the right.
pub fn menu_bar_ui(ui: &mut Ui, files: &FileUi, commands: &mut Vec<Command>) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            for (i, dialog) in Dialog::ALL.into_iter().enumerate() {
                if i == 2 || i == 4 || i == 6 {
                    ui.separator();
                }
                let mut button = egui::Button::new(dialog.menu_label());
                if let Some(shortcut) = super::shortcuts::for_dialog(dialog) {
                    button = button.shortcut_text(ui.ctx().format_shortcut(&shortcut));
                }
                if ui.add(button).clicked() {
                    commands.push(Command::File(FileAction::Show(dialog)));
                }
            }
        });
        if let Some(job) = &files.job {
            ui.spinner();
            ui.label(format!("writing {}…", job.what));
            if ui.small_button("Cancel").clicked() {
                commands.push(Command::File(FileAction::CancelWrite));
            }
        } else if let Some(message) = &files.message
            && files.open.is_none()
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
pub fn windows_ui(
    ctx: &egui::Context,
    files: &FileUi,
    export: &mut ExportSettings,
    table_runs: usize,
    commands: &mut Vec<Command>,
) {
    if let Some(dialog) = files.open {
        let mut open = true;
        egui::Window::new(dialog.title())
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .default_width(460.0)
            .anchor(egui::Align2::CENTER_TOP, [0.0, 80.0])
            .show(ctx, |ui| dialog_ui(ui, files, export, dialog, commands));
        if !open {
            commands.push(Command::File(FileAction::Close));
        }
    }
    if let Some(pending) = &files.pending_experiment {
        let runs = pending.experiment.runs.len();
        egui::Window::new("Open experiment: its runs")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label(format!(
                    "{} holds {runs} run{}; the runs table has {table_runs}. Replace the table's runs or add these to them?",
                    pending.path.display(),
                    if runs == 1 { "" } else { "s" }
                ));
                ui.horizontal(|ui| {
                    if ui.button("Replace the runs").clicked() {
                        commands.push(Command::File(FileAction::OpenExperimentRuns(
                            RunsMerge::Replace,
                        )));
                    }
                    if ui.button("Add to the runs").clicked() {
                        commands.push(Command::File(FileAction::OpenExperimentRuns(
                            RunsMerge::Add,
                        )));
                    }
                    if ui.button("Cancel").clicked() {
                        commands.push(Command::File(FileAction::CancelExperiment));
                    }
                });
            });
    }
    if let Some(pending) = &files.pending {
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
                        commands.push(Command::File(FileAction::Replace));
                    }
                    if ui.button("Cancel").clicked() {
                        commands.push(Command::File(FileAction::KeepExisting));
                    }
                });
            });
    }
    if let Some(info) = &files.model_info {
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
            .show(ctx, |ui| model_info_ui(ui, info, commands));
        if !open {
            commands.push(Command::File(FileAction::CloseModelInfo));
        }
    }
}

fn dialog_ui(
    ui: &mut Ui,
    files: &FileUi,
    export: &mut ExportSettings,
    dialog: Dialog,
    commands: &mut Vec<Command>,
) {
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
        Dialog::OpenSweepJournal => {
            ui.label("Follows an Optuna journal written by `density-workbench sweep` (here or on Slurm), by the window or by Optuna: the Sweep tab shows its trials and updates as they finish.");
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
        let busy = files.job.is_some() || files.pending.is_some();
        if ui
            .add_enabled(!busy, egui::Button::new(dialog.action_label()))
            .clicked()
        {
            commands.push(Command::File(FileAction::Run(dialog)));
        }
        if ui.button("Close").clicked() {
            commands.push(Command::File(FileAction::Close));
        }
        if busy && files.job.is_some() {
            ui.spinner();
        }
    });
    if let Some(message) = &files.message {
        if message.error {
            error_label(ui, &message.text);
        } else {
            ui.label(&message.text);
        }
    }
}

fn model_info_ui(ui: &mut Ui, info: &ModelInfo, commands: &mut Vec<Command>) {
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
                match &t.data {
                    Some(data) => {
                        row(ui, "data source", &data.source.describe());
                        if let Some(held_out) = data.describe_held_out() {
                            row(ui, "held-out data", &held_out);
                        }
                    }
                    None => row(ui, "data source", &t.label),
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
                        t.epochs_run,
                        t.steps,
                        t.train_seconds,
                        t.outcome()
                    ),
                );
                if let Some(nll) = t.train_nll {
                    row(ui, "train NLL", &fmt_num(nll));
                }
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
        commands.push(Command::File(FileAction::UseModelSettings));
    }
}
