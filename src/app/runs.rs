//! The runs table: every finished or stopped run with its data, settings and final scores.
//! The run's name stays in view while the other columns scroll sideways; headers sort; the
//! held-out NLL and the settings that differ between runs come first ("only differences"
//! hides the rest). Ticking a run overlays its loss curves; Restore brings back its data,
//! settings and model.

use egui::{RichText, Ui};

use super::Command;
use super::loss_plot::run_color;
use super::run_columns::{RunColumn, RunsTableSettings};
use super::state::RunEntry;

pub fn runs_ui(
    ui: &mut Ui,
    runs: &mut [RunEntry],
    table: &mut RunsTableSettings,
    commands: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        ui.strong("Runs");
        ui.label(RichText::new(format!("({})", runs.len())).weak());
        ui.checkbox(&mut table.only_differences, "only differences")
            .on_hover_text("Show only the settings that differ between runs");
        if !runs.is_empty() && ui.small_button("Clear all").clicked() {
            commands.push(Command::ClearRuns);
        }
        let ticked = runs.iter().filter(|r| r.overlay).count();
        if ui
            .add_enabled(ticked >= 2, egui::Button::new("Ensemble").small())
            .on_hover_text("One model from the ticked runs: the uniform mixture of their predictive distributions (Save model writes it)")
            .on_disabled_hover_text("Tick two or more runs to combine them")
            .clicked()
        {
            commands.push(Command::Sweep(super::sweep_view::SweepAction::EnsembleTicked));
        }
    });
    if runs.is_empty() {
        ui.label(RichText::new("Finished and stopped runs appear here.").weak());
        return;
    }
    let order = table.order(runs);
    let columns = table.columns(runs);
    // Only the rows in view are laid out: with hundreds of stored runs, laying out every row
    // took more of each frame than the rest of the window together. Row 0 is the header.
    let row_height = ui.spacing().interact_size.y;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, row_height, order.len() + 1, |ui, rows| {
            let first = rows.start.saturating_sub(1);
            let last = rows.end.saturating_sub(1).min(order.len());
            let shown = &order[first..last];
            ui.horizontal_top(|ui| {
                // The frozen part: name, overlay, actions.
                egui::Grid::new("runs names")
                    .striped(true)
                    .min_row_height(row_height)
                    .start_row(rows.start)
                    .show(ui, |ui| {
                        if rows.start == 0 {
                            header(ui, table, RunColumn::Run);
                            ui.label(RichText::new("plot").small().strong());
                            ui.label("");
                            ui.end_row();
                        }
                        for &i in shown {
                            name_cells(ui, &mut runs[i], commands);
                            ui.end_row();
                        }
                    });
                egui::ScrollArea::horizontal()
                    .id_salt("runs columns")
                    .auto_shrink([false, true])
                    .show(ui, |ui| {
                        egui::Grid::new("runs values")
                            .striped(true)
                            .min_row_height(row_height)
                            .start_row(rows.start)
                            .show(ui, |ui| {
                                if rows.start == 0 {
                                    for &column in &columns {
                                        header(ui, table, column);
                                    }
                                    ui.end_row();
                                }
                                for &i in shown {
                                    value_cells(ui, &runs[i], &columns);
                                    ui.end_row();
                                }
                            });
                    });
            });
        });
}

/// A header that sorts by its column; the key shows its direction.
fn header(ui: &mut Ui, table: &mut RunsTableSettings, column: RunColumn) {
    let mut title = column.title().to_string();
    if table.sort_by == column {
        title.push_str(if table.descending { " ▼" } else { " ▲" });
    }
    if ui
        .add(egui::Button::new(RichText::new(title).small().strong()).frame(false))
        .on_hover_text(format!("Sort by {}", column.title()))
        .clicked()
    {
        table.click(column);
    }
}

/// Interactive cells take their ids from the run, not from their place among the rows laid
/// out, which shifts as the table scrolls.
fn name_cells(ui: &mut Ui, entry: &mut RunEntry, commands: &mut Vec<Command>) {
    let id = entry.id();
    let label = ui.colored_label(run_color(id), format!("run {id}"));
    ui.push_id(("overlay", id), |ui| {
        ui.add(egui::Checkbox::without_text(&mut entry.overlay))
            .labelled_by(label.id)
            .on_hover_text("Overlay this run's loss curves");
    });
    ui.push_id(("actions", id), |ui| {
        ui.horizontal(|ui| {
            if ui
                .small_button("Restore")
                .on_hover_text("Bring back this run's data, settings and model")
                .clicked()
            {
                commands.push(Command::RestoreRun(id));
            }
            if ui.small_button("Delete").clicked() {
                commands.push(Command::DeleteRun(id));
            }
        })
    });
}

fn value_cells(ui: &mut Ui, entry: &RunEntry, columns: &[RunColumn]) {
    let id = entry.id();
    for &column in columns {
        let text = column.text(entry);
        ui.push_id((column.title(), id), |ui| {
            let response = match column {
                RunColumn::HeldOutNll => ui.label(RichText::new(text).strong()),
                RunColumn::Data => ui.label(RichText::new(text).small()),
                _ => ui.label(text),
            };
            match column {
                RunColumn::Data => {
                    response.on_hover_text(entry.summary.describe_data());
                }
                RunColumn::Epochs => {
                    response.on_hover_text(format!(
                        "{} steps: {}",
                        entry.summary.steps,
                        entry.summary.outcome()
                    ));
                }
                _ => {}
            }
        });
    }
}
