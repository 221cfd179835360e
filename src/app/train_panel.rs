//! Training: optimiser settings, run controls and the progress of the current run.

use egui::{DragValue, Slider, Ui};

use crate::nn::{ConfigError, EarlyStopping, TrainConfig};

use super::Command;
use super::state::{RunStatus, Session};
use super::widgets::{error_label, fmt_count, fmt_secs, grid_row};

/// Learning rate, batch size, epochs, seed, threads, early stopping.
pub fn train_settings_ui(ui: &mut Ui, config: &mut TrainConfig, patience: &mut usize) {
    egui::Grid::new("training settings")
        .num_columns(2)
        .show(ui, |ui| {
            grid_row(
                ui,
                "Learning rate",
                Slider::new(&mut config.learning_rate, 1e-5..=1.0)
                    .logarithmic(true)
                    .custom_formatter(|v, _| format!("{v:.1e}")),
            );
            grid_row(
                ui,
                "Batch size",
                DragValue::new(&mut config.batch_size).range(1..=65_536),
            );
            grid_row(
                ui,
                "Epochs",
                DragValue::new(&mut config.epochs).range(1..=100_000),
            );
            grid_row(ui, "Seed", DragValue::new(&mut config.seed));
            grid_row(
                ui,
                "Threads",
                DragValue::new(&mut config.threads)
                    .range(0..=256)
                    .custom_formatter(|v, _| {
                        if v == 0.0 {
                            "all cores".into()
                        } else {
                            format!("{v}")
                        }
                    }),
            );
        });
    ui.checkbox(&mut config.standardize, "Standardise x and y");
    let mut early = config.early_stopping.is_some();
    ui.horizontal(|ui| {
        ui.checkbox(&mut early, "Early stopping");
        if early {
            let label = ui.label("patience");
            ui.add(DragValue::new(patience).range(1..=1000).suffix(" epochs"))
                .labelled_by(label.id);
        }
    });
    config.early_stopping = early.then(|| EarlyStopping {
        patience: *patience,
        ..config.early_stopping.unwrap_or_default()
    });
}

/// Train / Pause / Resume / Step / Stop / Reset, the validation message and the progress.
/// `loading`: the data task in progress, during which nothing can start.
pub fn run_controls_ui(
    ui: &mut Ui,
    session: &Session,
    invalid: Option<&ConfigError>,
    loading: Option<&String>,
    commands: &mut Vec<Command>,
) {
    if let Some(error) = invalid.filter(|_| loading.is_none()) {
        error_label(ui, &format!("Cannot train: {error}"));
    }

    let active = session.is_active();
    let ready = invalid.is_none() && loading.is_none();
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(ready, egui::Button::new("Train"))
            .on_hover_text("Start a new run with these settings (Space; Space again pauses)")
            .on_disabled_hover_text(if loading.is_some() {
                "Wait for the data to load"
            } else {
                "Fix the settings first"
            })
            .clicked()
        {
            commands.push(Command::Train);
        }
        match session.status {
            RunStatus::Paused => {
                if ui.button("Resume").clicked() {
                    commands.push(Command::Resume);
                }
            }
            _ => {
                if ui
                    .add_enabled(
                        session.status == RunStatus::Running,
                        egui::Button::new("Pause"),
                    )
                    .clicked()
                {
                    commands.push(Command::Pause);
                }
            }
        }
        let can_step = session.status == RunStatus::Paused || (!active && ready);
        if ui
            .add_enabled(can_step, egui::Button::new("Step"))
            .on_hover_text("Train one epoch, then pause")
            .clicked()
        {
            commands.push(Command::StepEpoch);
        }
        if ui
            .add_enabled(
                matches!(session.status, RunStatus::Running | RunStatus::Paused),
                egui::Button::new("Stop"),
            )
            .on_hover_text("End the run; it is kept in the runs table")
            .clicked()
        {
            commands.push(Command::Stop);
        }
        if ui
            .button("Reset")
            .on_hover_text("Forget the current model and its losses")
            .clicked()
        {
            commands.push(Command::Reset);
        }
    });
    progress_ui(ui, session);
}

/// Progress bar, status and final scores, in lines reserved whether or not they have text, so
/// the controls below never move as a run starts and ends.
fn progress_ui(ui: &mut Ui, session: &Session) {
    let status = match &session.status {
        RunStatus::Idle => "Not trained yet".to_string(),
        RunStatus::Running => "Training…".to_string(),
        RunStatus::Paused => "Paused".to_string(),
        RunStatus::Stopping => "Stopping…".to_string(),
        RunStatus::Finished(reason) => format!("Finished: {reason}"),
    };
    // One steps/s figure: the live rate while training, the run's own rate once it is done.
    let rate = session
        .final_steps_per_sec
        .filter(|_| !session.is_active())
        .unwrap_or(session.steps_per_sec);
    let text = if session.epochs > 0 {
        let mut text = format!(
            "epoch {}/{} · {} steps/s",
            session.epoch,
            session.epochs,
            fmt_count(rate.round() as u64)
        );
        if session.is_active()
            && let Some(left) = session.secs_left()
        {
            text.push_str(&format!(" · {} left", fmt_secs(left)));
        }
        text
    } else {
        String::new()
    };
    ui.add(
        egui::ProgressBar::new(session.progress())
            .text(text)
            .desired_height(18.0),
    );
    one_line(ui, egui::RichText::new(status));
    let scores = match session.final_scores {
        Some((train, test, accuracy)) => {
            let mut text = format!("Final NLL: train {train:.4}");
            if let Some(test) = test {
                text.push_str(&format!(", held-out {test:.4}"));
            }
            if let Some(acc) = accuracy {
                text.push_str(&format!(", accuracy {:.1} %", acc * 100.0));
            }
            text
        }
        None => String::new(),
    };
    one_line(ui, egui::RichText::new(scores));
    let work = if session.final_steps_per_sec.is_some() && !session.is_active() {
        format!(
            "{} steps in {} on {} threads",
            fmt_count(session.steps),
            fmt_secs(session.train_secs),
            session.threads
        )
    } else {
        String::new()
    };
    one_line(ui, egui::RichText::new(work).small().weak());
    if session.skipped_steps > 0 {
        ui.label(
            egui::RichText::new(format!(
                "{} steps skipped (non-finite loss or gradient)",
                session.skipped_steps
            ))
            .color(ui.visuals().warn_fg_color),
        );
    }
}

/// A line of its own that never wraps: long text is cut with "…" and shown whole on hover.
fn one_line(ui: &mut Ui, text: egui::RichText) {
    let full = text.text().to_string();
    let response = ui.add(egui::Label::new(text).truncate());
    if !full.is_empty() {
        response.on_hover_text(full);
    }
}
