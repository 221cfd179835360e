//! Training: optimiser settings, run controls and the progress of the current run.

use egui::{DragValue, Slider, Ui};

use crate::nn::recipe::Recipe;
use crate::nn::{ConfigError, EarlyStopping, LrSchedule, TrainConfig};

use super::Command;
use super::state::{RunStatus, Session};
use super::widgets::{error_label, fmt_count, fmt_secs, grid_row};

/// Learning rate, batch size, epochs, seed, threads, early stopping, then the schedule,
/// weight decay and gradient clipping.
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
    optimizer_ui(ui, config);
}

/// The measured recipe for this experiment, with a button that sets it, while the network,
/// batch size and epochs are those it was measured on.
pub fn recipe_ui(ui: &mut Ui, config: &mut TrainConfig, recipe: &Recipe) {
    if !recipe.suits(config) {
        return;
    }
    let what = format!(
        "{}, lr {:.1e}",
        schedule_label(&recipe.schedule),
        recipe.learning_rate
    );
    let details = format!("{}\n{}", recipe.describe(), recipe.evidence);
    ui.horizontal_wrapped(|ui| {
        if recipe.is_applied(config) {
            ui.label(format!("Suggested recipe in use: {what}"))
                .on_hover_text(details);
        } else {
            if ui
                .button("Use the suggested recipe")
                .on_hover_text(&details)
                .clicked()
            {
                recipe.apply(config);
            }
            ui.label(what).on_hover_text(details);
        }
    });
}

/// What the schedule menu calls each schedule.
fn schedule_label(schedule: &LrSchedule) -> &'static str {
    match schedule {
        LrSchedule::Constant => "Constant",
        LrSchedule::Cosine { .. } => "Cosine with warmup",
        LrSchedule::Step { .. } => "Step decay",
        LrSchedule::Plateau { .. } => "Reduce on plateau",
    }
}

/// Learning-rate schedule and its settings, AdamW weight decay, gradient-norm clipping.
fn optimizer_ui(ui: &mut Ui, config: &mut TrainConfig) {
    let epochs = config.epochs;
    egui::Grid::new("optimizer settings")
        .num_columns(2)
        .show(ui, |ui| {
            let label = ui.label("LR schedule");
            let before = config.schedule.name();
            let mut chosen = before;
            egui::ComboBox::from_id_salt("lr schedule")
                .selected_text(schedule_label(&config.schedule))
                .show_ui(ui, |ui| {
                    for name in LrSchedule::NAMES {
                        if let Some(schedule) = LrSchedule::from_name(name) {
                            ui.selectable_value(&mut chosen, name, schedule_label(&schedule));
                        }
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
            if chosen != before
                && let Some(schedule) = LrSchedule::from_name(chosen)
            {
                config.schedule = schedule;
            }
            schedule_settings_ui(ui, &mut config.schedule, epochs);
            grid_row(
                ui,
                "Weight decay",
                DragValue::new(&mut config.weight_decay)
                    .range(0.0..=1.0)
                    .speed(1e-4)
                    .custom_formatter(|v, _| {
                        if v == 0.0 {
                            "off".into()
                        } else {
                            format!("{v:.1e}")
                        }
                    }),
            )
            .on_hover_text(
                "Decoupled weight decay λ (AdamW): each step multiplies the weights by 1 − lr·λ",
            );
        });
    let mut clip = config.clip_norm.is_some();
    ui.horizontal(|ui| {
        ui.checkbox(&mut clip, "Clip gradient norm")
            .on_hover_text("Scale the whole gradient down to this L2 norm when it is longer");
        if let Some(norm) = config.clip_norm.as_mut().filter(|_| clip) {
            let label = ui.label("max");
            ui.add(DragValue::new(norm).range(1e-6..=1e6).speed(0.01))
                .labelled_by(label.id);
        }
    });
    config.clip_norm = clip.then(|| config.clip_norm.unwrap_or(1.0));
}

/// The settings of the chosen schedule, as grid rows.
fn schedule_settings_ui(ui: &mut Ui, schedule: &mut LrSchedule, epochs: usize) {
    match schedule {
        LrSchedule::Constant => {}
        LrSchedule::Cosine {
            warmup_epochs,
            min_factor,
        } => {
            grid_row(
                ui,
                "Warmup epochs",
                DragValue::new(warmup_epochs).range(0..=epochs.saturating_sub(1)),
            );
            grid_row(
                ui,
                "Final fraction of the rate",
                DragValue::new(min_factor).range(0.0..=1.0).speed(0.01),
            );
        }
        LrSchedule::Step {
            every_epochs,
            gamma,
        } => {
            grid_row(
                ui,
                "Decay every",
                DragValue::new(every_epochs)
                    .range(1..=100_000)
                    .suffix(" epochs"),
            );
            grid_row(
                ui,
                "Decay factor",
                DragValue::new(gamma).range(0.01..=1.0).speed(0.01),
            );
        }
        LrSchedule::Plateau {
            patience, factor, ..
        } => {
            grid_row(
                ui,
                "Plateau patience",
                DragValue::new(patience).range(1..=1000).suffix(" epochs"),
            );
            grid_row(
                ui,
                "Plateau factor",
                DragValue::new(factor).range(0.01..=0.99).speed(0.01),
            );
        }
    }
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

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;

    fn panel() -> Harness<'static, TrainConfig> {
        Harness::new_ui_state(
            |ui, config: &mut TrainConfig| train_settings_ui(ui, config, &mut 5),
            TrainConfig::default(),
        )
    }

    #[test]
    fn the_suggested_recipe_is_offered_for_the_seed_network_and_set_by_one_click() {
        let recipe = crate::nn::recipe::seed_experiment();
        let mut h = Harness::new_ui_state(
            move |ui, config: &mut TrainConfig| recipe_ui(ui, config, &recipe),
            TrainConfig::default(),
        );
        h.get_by_label("Cosine with warmup, lr 4.0e-3");
        h.get_by_label("Use the suggested recipe").click();
        h.run();
        assert_eq!(h.state().learning_rate, 4e-3);
        assert!(matches!(
            h.state().schedule,
            LrSchedule::Cosine {
                warmup_epochs: 1,
                ..
            }
        ));
        h.get_by_label("Suggested recipe in use: Cosine with warmup, lr 4.0e-3");
        // Another network: the recipe was not measured on it, so it is not offered.
        h.state_mut().epochs = 300;
        h.state_mut().learning_rate = 1e-3;
        h.run();
        assert_eq!(
            h.query_all_by_label_contains("suggested recipe").count(),
            0,
            "no offer for a 300-epoch run"
        );
    }

    #[test]
    fn the_schedule_is_chosen_and_set_by_label() {
        let mut h = panel();
        h.get_by_label("LR schedule").click();
        h.run();
        h.get_by_label("Cosine with warmup").click();
        h.run();
        assert_eq!(
            h.state().schedule,
            LrSchedule::from_name("cosine").expect("known")
        );
        h.get_by_label("Warmup epochs").set_value_accesskit(3.0);
        h.run();
        h.get_by_label("Final fraction of the rate")
            .set_value_accesskit(0.1);
        h.run();
        assert_eq!(
            h.state().schedule,
            LrSchedule::Cosine {
                warmup_epochs: 3,
                min_factor: 0.1
            }
        );
        h.get_by_label("LR schedule").click();
        h.run();
        h.get_by_label("Reduce on plateau").click();
        h.run();
        h.get_by_label("Plateau patience").set_value_accesskit(3.0);
        h.run();
        assert!(
            matches!(h.state().schedule, LrSchedule::Plateau { patience: 3, .. }),
            "{:?}",
            h.state().schedule
        );
    }

    #[test]
    fn weight_decay_and_clipping_are_set_by_label() {
        let mut h = panel();
        h.get_by_label("Weight decay").set_value_accesskit(0.01);
        h.run();
        assert_eq!(h.state().weight_decay, 0.01);
        assert_eq!(h.state().clip_norm, None, "off by default");
        h.get_by_label("Clip gradient norm").click();
        h.run();
        assert_eq!(h.state().clip_norm, Some(1.0));
        h.get_by_label("max").set_value_accesskit(2.5);
        h.run();
        assert_eq!(h.state().clip_norm, Some(2.5));
        h.get_by_label("Clip gradient norm").click();
        h.run();
        assert_eq!(h.state().clip_norm, None);
    }
}
