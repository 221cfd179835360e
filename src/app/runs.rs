//! The runs table: every finished or stopped run with its data, settings and final scores.
//! Ticking a run overlays its loss curves; Restore brings back its data, settings and model.

use egui::{RichText, Ui};

use super::Command;
use super::loss_plot::run_color;
use super::state::RunEntry;
use super::widgets::{fmt_num, fmt_secs};

pub fn runs_ui(ui: &mut Ui, runs: &mut [RunEntry], commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.strong("Runs");
        ui.label(RichText::new(format!("({})", runs.len())).weak());
        if !runs.is_empty() && ui.small_button("Clear all").clicked() {
            commands.push(Command::ClearRuns);
        }
    });
    if runs.is_empty() {
        ui.label(RichText::new("Finished and stopped runs appear here.").weak());
        return;
    }
    // Only the rows in view are laid out: with hundreds of stored runs, laying out every row
    // took more of each frame than the rest of the window together. Row 0 is the header.
    let row_height = ui.spacing().interact_size.y;
    let count = runs.len();
    egui::ScrollArea::both()
        .auto_shrink([false, false])
        .show_rows(ui, row_height, count + 1, |ui, rows| {
            egui::Grid::new("runs table")
                .striped(true)
                .num_columns(12)
                .min_row_height(row_height)
                .start_row(rows.start)
                .show(ui, |ui| {
                    if rows.start == 0 {
                        for head in [
                            "run",
                            "plot",
                            "head",
                            "hidden",
                            "lr",
                            "batch",
                            "epochs",
                            "train NLL",
                            "held-out NLL",
                            "accuracy",
                            "",
                            "data",
                        ] {
                            ui.label(RichText::new(head).small().strong());
                        }
                        ui.end_row();
                    }
                    // Newest first; run k is on row k + 1.
                    let first = rows.start.saturating_sub(1);
                    let last = rows.end.saturating_sub(1);
                    let newest_first = runs.iter_mut().rev();
                    for entry in newest_first.skip(first).take(last - first) {
                        run_row(ui, entry, commands);
                    }
                });
        });
}

/// One row. Interactive cells take their ids from the run, not from their place among the
/// rows laid out, which shifts as the table scrolls.
fn run_row(ui: &mut Ui, entry: &mut RunEntry, commands: &mut Vec<Command>) {
    let id = entry.id();
    let data_label = entry.data_label();
    let run = &entry.summary;
    let label = ui.colored_label(run_color(id), format!("run {id}"));
    ui.push_id(("overlay", id), |ui| {
        ui.add(egui::Checkbox::without_text(&mut entry.overlay))
            .labelled_by(label.id)
            .on_hover_text("Overlay this run's loss curves");
    });
    ui.label(run.config.head.label());
    ui.label(run.config.hidden_label());
    ui.label(format!("{:.0e}", run.config.learning_rate));
    ui.label(format!("{}", run.config.batch_size));
    ui.push_id(("epochs", id), |ui| {
        ui.label(format!("{}/{}", run.epochs_run, run.config.epochs))
            .on_hover_text(format!(
                "{} steps in {}: {}",
                run.steps,
                fmt_secs(run.train_seconds),
                run.outcome()
            ));
    });
    ui.label(run.train_nll.map_or("–".into(), fmt_num));
    ui.label(run.test_nll.map_or("–".into(), fmt_num));
    ui.label(
        run.test_accuracy
            .map_or("–".into(), |a| format!("{:.1} %", a * 100.0)),
    );
    ui.push_id(("actions", id), |ui| {
        ui.horizontal(|ui| action_buttons(ui, id, commands))
    });
    ui.push_id(("data", id), |ui| {
        ui.label(RichText::new(data_label).small())
            .on_hover_text(run.describe_data());
    });
    ui.end_row();
}

fn action_buttons(ui: &mut Ui, run: u64, commands: &mut Vec<Command>) {
    if ui
        .small_button("Restore")
        .on_hover_text("Bring back this run's data, settings and model")
        .clicked()
    {
        commands.push(Command::RestoreRun(run));
    }
    if ui.small_button("Delete").clicked() {
        commands.push(Command::DeleteRun(run));
    }
}
