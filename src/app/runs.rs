//! The runs table: every finished or stopped run with its settings and final scores. Ticking
//! a run overlays its loss curves; Restore puts its settings back into the controls.

use egui::{RichText, Ui};

use super::Command;
use super::loss_plot::run_color;
use super::state::Settings;
use super::widgets::{fmt_num, fmt_secs};

pub fn runs_ui(ui: &mut Ui, settings: &mut Settings, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.strong("Runs");
        ui.label(RichText::new(format!("({})", settings.runs.len())).weak());
        if !settings.runs.is_empty() && ui.small_button("Clear all").clicked() {
            commands.push(Command::ClearRuns);
        }
    });
    if settings.runs.is_empty() {
        ui.label(RichText::new("Finished and stopped runs appear here.").weak());
        return;
    }
    egui::ScrollArea::both()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("runs table")
                .striped(true)
                .num_columns(12)
                .show(ui, |ui| {
                    for head in [
                        "",
                        "#",
                        "data",
                        "head",
                        "hidden",
                        "lr",
                        "batch",
                        "epochs",
                        "train NLL",
                        "held-out NLL",
                        "accuracy",
                        "",
                    ] {
                        ui.label(RichText::new(head).small().strong());
                    }
                    ui.end_row();
                    for run in settings.runs.iter_mut().rev() {
                        let id = ui.colored_label(run_color(run.id), format!("run {}", run.id));
                        ui.add(egui::Checkbox::without_text(&mut run.overlay))
                            .labelled_by(id.id)
                            .on_hover_text("Overlay this run's loss curves");
                        ui.label(RichText::new(&run.data_label).small())
                            .on_hover_text(&run.data_label);
                        ui.label(run.config.head.label());
                        ui.label(run.config.hidden_label());
                        ui.label(format!("{:.0e}", run.config.learning_rate));
                        ui.label(format!("{}", run.config.batch_size));
                        ui.label(format!("{}/{}", run.epochs_done, run.config.epochs))
                            .on_hover_text(format!(
                                "{} steps in {}: {}",
                                run.steps,
                                fmt_secs(run.train_secs),
                                run.reason
                            ));
                        ui.label(fmt_num(run.train_nll));
                        ui.label(run.test_nll.map_or("–".into(), fmt_num));
                        ui.label(
                            run.test_accuracy
                                .map_or("–".into(), |a| format!("{:.1} %", a * 100.0)),
                        );
                        ui.horizontal(|ui| {
                            if ui
                                .small_button("Restore")
                                .on_hover_text("Put this run's settings back into the controls")
                                .clicked()
                            {
                                commands.push(Command::RestoreRun(run.id));
                            }
                            if ui.small_button("Delete").clicked() {
                                commands.push(Command::DeleteRun(run.id));
                            }
                        });
                        ui.end_row();
                    }
                });
        });
}
