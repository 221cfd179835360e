//! Data: a generator preset with its parameters, or a CSV/TSV file with column roles; a
//! summary of what is loaded and the last error in plain words.

use egui::{DragValue, Slider, Ui};

use super::Command;
use super::state::{DataSettings, LoadedData, SourceKind};
use super::tasks::Stage;
use super::widgets::{error_label, fmt_count, fmt_num, grid_row};

/// What the data panel shows besides the controls.
#[derive(Clone, Copy)]
pub struct DataStatus<'a> {
    pub data: Option<&'a LoadedData>,
    /// The last error, in plain words.
    pub error: Option<&'a str>,
    /// What the window changed to suit the data.
    pub note: Option<&'a str>,
    pub best_nll: Option<f64>,
    /// The data task in progress: what it does, for how long it has, and the part it is at.
    pub task: Option<(&'a str, f64, Option<Stage>)>,
}

pub fn data_ui(
    ui: &mut Ui,
    settings: &mut DataSettings,
    status: &DataStatus<'_>,
    commands: &mut Vec<Command>,
) {
    let DataStatus {
        data,
        error,
        note,
        best_nll,
        task,
    } = *status;
    ui.horizontal(|ui| {
        ui.radio_value(&mut settings.source, SourceKind::Preset, "Generator");
        ui.radio_value(&mut settings.source, SourceKind::File, "CSV/TSV file");
    });
    match settings.source {
        SourceKind::Preset => preset_ui(ui, settings, commands),
        SourceKind::File => file_ui(ui, settings, data, commands),
    }
    if let Some((what, secs, stage)) = task {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("{what}… {secs:.1} s"));
            if ui
                .small_button("Cancel")
                .on_hover_text("Keep the data shown now")
                .clicked()
            {
                commands.push(Command::CancelData);
            }
        });
        if let Some(stage) = stage {
            ui.add(
                egui::ProgressBar::new(stage.fraction_done())
                    .desired_height(14.0)
                    .text(format!("{} of {}: {}", stage.step, stage.of, stage.name)),
            );
        }
    }
    if let Some(error) = error {
        error_label(ui, error);
    }
    if let Some(note) = note {
        ui.add(
            egui::Label::new(egui::RichText::new(note).color(ui.visuals().warn_fg_color)).wrap(),
        );
    }
    ui.separator();
    if let Some(data) = data {
        summary_ui(ui, data, best_nll);
    }
}

/// The most rows the window generates (the CLI goes to `Preset::MAX_ROWS`).
pub const MAX_WINDOW_SAMPLES: usize = 10_000_000;

fn preset_ui(ui: &mut Ui, settings: &mut DataSettings, commands: &mut Vec<Command>) {
    let before = settings.preset;
    egui::ComboBox::from_label("Preset")
        .selected_text(settings.preset.name())
        .show_ui(ui, |ui| {
            for preset in crate::data::Preset::ALL {
                ui.selectable_value(&mut settings.preset, preset, preset.name());
            }
        });
    if settings.preset != before {
        settings.params = settings.preset.default_params();
    }
    ui.add(egui::Label::new(egui::RichText::new(settings.preset.description()).small()).wrap());
    egui::Grid::new("preset params")
        .num_columns(2)
        .show(ui, |ui| {
            // The drag value accepts more so a typed count above the window's maximum is
            // clamped here, where the panel can say so.
            let samples = grid_row(
                ui,
                "Samples",
                DragValue::new(&mut settings.params.n)
                    .range(2..=usize::MAX)
                    .speed(100.0),
            );
            let clamped_id = samples.id.with("clamped from");
            if settings.params.n > MAX_WINDOW_SAMPLES {
                let asked = settings.params.n;
                settings.params.n = MAX_WINDOW_SAMPLES;
                ui.data_mut(|d| d.insert_temp(clamped_id, asked));
            }
            let clamped: Option<usize> = ui.data(|d| d.get_temp(clamped_id));
            if let Some(asked) = clamped {
                if settings.params.n == MAX_WINDOW_SAMPLES {
                    ui.label("");
                    ui.add(
                        egui::Label::new(
                            egui::RichText::new(format!(
                                "{} is above the maximum; clamped to {}",
                                fmt_count(asked as u64),
                                fmt_count(MAX_WINDOW_SAMPLES as u64)
                            ))
                            .small()
                            .color(ui.visuals().warn_fg_color),
                        )
                        .wrap(),
                    );
                    ui.end_row();
                } else {
                    ui.data_mut(|d| d.remove::<usize>(clamped_id));
                }
            }
            grid_row(
                ui,
                "Noise",
                DragValue::new(&mut settings.params.noise)
                    .range(0.0..=10.0)
                    .speed(0.01),
            );
            grid_row(ui, "Data seed", DragValue::new(&mut settings.params.seed));
            grid_row(
                ui,
                "Held-out fraction",
                Slider::new(settings.held_out_fraction_mut(), 0.0..=0.9).step_by(0.05),
            );
        });
    if ui
        .button("Generate")
        .on_hover_text("Draw a new dataset with these parameters")
        .clicked()
    {
        commands.push(Command::Generate);
    }
}

fn file_ui(
    ui: &mut Ui,
    settings: &mut DataSettings,
    data: Option<&LoadedData>,
    commands: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        let label = ui.label("Path");
        let edit = ui.add(
            egui::TextEdit::singleline(&mut settings.csv_path)
                .hint_text("/path/to/data.csv")
                .desired_width(ui.available_width() - 8.0),
        );
        let edit = edit.labelled_by(label.id);
        if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            commands.push(Command::LoadFile);
        }
    });
    ui.horizontal(|ui| {
        if ui.button("Load").clicked() {
            commands.push(Command::LoadFile);
        }
        if ui
            .button("Open CSV…")
            .on_hover_text("Choose a file with the system dialog")
            .clicked()
        {
            commands.push(Command::BrowseFile);
        }
    });
    ui.checkbox(&mut settings.drop_missing, "Drop rows with missing cells");
    egui::Grid::new("file params")
        .num_columns(2)
        .show(ui, |ui| {
            grid_row(
                ui,
                "Held-out fraction",
                Slider::new(settings.held_out_fraction_mut(), 0.0..=0.9).step_by(0.05),
            );
            grid_row(ui, "Split seed", DragValue::new(&mut settings.split_seed));
        });
    let Some(table) = data.and_then(|d| d.table.as_ref()) else {
        return;
    };
    ui.label("Columns");
    let names = &table.names;
    egui::ComboBox::from_label("Target (y)")
        .selected_text(settings.y_column.as_str())
        .show_ui(ui, |ui| {
            for name in names {
                ui.selectable_value(&mut settings.y_column, name.clone(), name.as_str());
            }
        });
    ui.label("Inputs (x):");
    ui.horizontal_wrapped(|ui| {
        for name in names {
            if *name == settings.y_column {
                continue;
            }
            let mut on = settings.x_columns.contains(name);
            if ui.checkbox(&mut on, name.as_str()).changed() {
                if on {
                    settings.x_columns.push(name.clone());
                    // Keep the file's column order.
                    settings
                        .x_columns
                        .sort_by_key(|c| table.column_index(c).unwrap_or(usize::MAX));
                } else {
                    settings.x_columns.retain(|c| c != name);
                }
            }
        }
    });
    settings.x_columns.retain(|c| *c != settings.y_column);
    if ui.button("Apply columns").clicked() {
        commands.push(Command::ApplyColumns);
    }
}

fn summary_ui(ui: &mut Ui, data: &LoadedData, best_nll: Option<f64>) {
    ui.label(egui::RichText::new(&data.label).strong());
    let test = data.test.as_ref().map_or(0, |t| t.len());
    ui.label(format!(
        "{} rows: {} train, {} held out · {} input{}",
        fmt_count(data.n_rows() as u64),
        fmt_count(data.train.len() as u64),
        fmt_count(test as u64),
        data.n_inputs(),
        if data.n_inputs() == 1 { "" } else { "s" }
    ));
    if data.dropped_rows > 0 {
        ui.label(format!(
            "{} rows with missing cells dropped",
            data.dropped_rows
        ));
    }
    egui::Grid::new("column stats")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            for head in ["column", "min", "max", "mean"] {
                ui.label(egui::RichText::new(head).small().weak());
            }
            ui.end_row();
            let n = data.stats.len();
            for (i, s) in data.stats.iter().enumerate() {
                let role = if i + 1 == n { " (y)" } else { "" };
                ui.label(format!("{}{role}", s.name));
                ui.label(fmt_num(s.min));
                ui.label(fmt_num(s.max));
                ui.label(fmt_num(s.mean));
                ui.end_row();
            }
        });
    if data.is_binary {
        ui.label("Target is 0/1: a Bernoulli head applies.");
    }
    if let Some(nll) = best_nll {
        ui.label(format!("Best achievable NLL (true density): {nll:.4} nats"));
    } else if data.truth.is_some() {
        ui.label(egui::RichText::new("Computing the best achievable NLL…").weak());
    }
}
