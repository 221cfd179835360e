//! The Sweep tab: a study followed live from its Optuna journal (any journal our CLI, a
//! Slurm job or the window wrote), shown as a sortable trial table, parallel coordinates,
//! slice plots with each parameter's importance, the objective's history and the selected
//! trial's epochs; and a form to define and start a sweep on the loaded data (`define.rs`,
//! `launch.rs`). The journal is read on a background thread (`follow.rs`); the tab only draws
//! what it last received.

mod actions;
pub mod define;
mod ensemble;
mod follow;
mod launch;
mod plots;
mod slices;
pub mod slurm;
mod table;
pub mod trials;

use std::sync::Arc;
use std::time::Instant;

use egui::{RichText, Ui};

pub use define::SweepForm;
pub use follow::POLL_INTERVAL;
pub use plots::SweepPlot;
pub use table::{SortKey, TableSort};

use super::Command;
use super::tasks::Task;
use super::widgets::error_label;
use crate::sweep::{PrunerKind, SamplerKind};
use follow::Follower;
use trials::StudyView;

/// What the tab asks for; applied after layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepAction {
    StopFollowing,
    /// Start the form's sweep on the loaded data.
    Start,
    /// Submit the form's sweep as a Slurm job array.
    StartSlurm,
    Cancel,
    /// The ticked runs of the runs table as one ensemble model.
    EnsembleTicked,
}

/// The tab's runtime state (never saved).
#[derive(Default)]
pub struct SweepView {
    pub(crate) follower: Option<Follower>,
    /// The journal's replay as last read, and the study shown from it.
    study_names: Vec<String>,
    pub study: Option<StudyView>,
    pub lines: usize,
    pub cut_tail: bool,
    pub error: Option<String>,
    pub message: Option<String>,
    pub sort: TableSort,
    pub selected: Option<usize>,
    pub plot: SweepPlot,
    /// The parameter of the slice plot; `None` shows the most important one.
    pub slice_param: Option<String>,
    /// Each parameter's share of the objective's variance (from the follower's thread).
    pub importance: Vec<crate::sweep::importance::Importance>,
    /// The narrow layout shows a plot instead of the table.
    pub narrow_plot: bool,
    pub show_define: bool,
    pub(crate) launch: Option<Launch>,
    /// When the journal was last read, for the status line.
    last_read: Option<Instant>,
    /// A Slurm submission in progress, and the journal it will write.
    pub(crate) slurm: Option<(Task<String>, std::path::PathBuf)>,
    /// The ensemble made from ticked runs, with its members' records (for Save model).
    pub(crate) ensemble: Option<(Arc<crate::nn::Model>, Vec<Option<crate::run::RunSummary>>)>,
}

/// A sweep the window is running.
pub(crate) struct Launch {
    pub task: Task<launch::SweepOutcome>,
    pub journal: std::path::PathBuf,
    pub recipe: crate::run::RunData,
    pub form: SweepForm,
}

impl SweepView {
    /// Takes what the follower found since the last frame; true when something changed.
    pub fn poll(&mut self) -> bool {
        let Some(follower) = &self.follower else {
            return false;
        };
        let mut changed = false;
        let mut fatal = false;
        while let Ok(news) = follower.news.try_recv() {
            changed = true;
            match news {
                follow::FollowNews::Study {
                    study,
                    importance,
                    study_names,
                    lines,
                    cut_tail,
                } => {
                    self.importance = importance;
                    self.study = study;
                    self.study_names = study_names;
                    self.lines = lines;
                    self.cut_tail = cut_tail;
                    self.error = None;
                    self.last_read = Some(Instant::now());
                }
                follow::FollowNews::Error { message, fatal: f } => {
                    self.error = Some(message);
                    fatal |= f;
                }
            }
        }
        if fatal {
            self.follower = None;
        }
        changed
    }

    pub fn is_following(&self) -> bool {
        self.follower.is_some()
    }

    pub fn is_running(&self) -> bool {
        self.launch.is_some()
    }

    fn study_names(&self) -> Vec<String> {
        self.study_names.clone()
    }
}

/// The tab itself.
pub fn sweep_ui(ui: &mut Ui, view: &mut SweepView, commands: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        ui.strong("Sweep");
        if let Some(follower) = &view.follower {
            ui.label(RichText::new(follower.path.display().to_string()).small())
                .on_hover_text(format!(
                    "followed live: read again when it changes (looked at every {} s); {} lines{}",
                    POLL_INTERVAL.as_secs_f32(),
                    view.lines,
                    if view.cut_tail {
                        ", the last one still being written"
                    } else {
                        ""
                    }
                ));
        } else {
            ui.label(RichText::new("Follow a journal (File menu) or define a sweep here").weak());
        }
        let names = view.study_names();
        if names.len() > 1 {
            let current = view
                .study
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default();
            egui::ComboBox::from_id_salt("sweep study")
                .selected_text(&current)
                .show_ui(ui, |ui| {
                    for name in names {
                        if ui.selectable_label(name == current, &name).clicked() {
                            view.selected = None;
                            if let Some(follower) = &view.follower {
                                follower.choose_study(name);
                            }
                        }
                    }
                });
        }
        if ui
            .button("Define…")
            .on_hover_text(
                "Define a sweep over the training settings and start it on the loaded data",
            )
            .clicked()
        {
            view.show_define = !view.show_define;
        }
        if view.launch.is_some() {
            ui.spinner();
            if ui.button("Cancel sweep").clicked() {
                commands.push(Command::Sweep(SweepAction::Cancel));
            }
        }
        if view.follower.is_some()
            && view.launch.is_none()
            && ui.small_button("Stop following").clicked()
        {
            commands.push(Command::Sweep(SweepAction::StopFollowing));
        }
    });
    if let Some(error) = &view.error {
        error_label(ui, error);
    }
    if let Some(message) = &view.message {
        ui.label(RichText::new(message).small());
    }
    let Some(study) = &view.study else {
        if view.follower.is_some() {
            ui.label(RichText::new("no study in the journal yet").weak());
        }
        return;
    };
    let (running, complete, pruned, failed) = study.counts();
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "study \"{}\": {} trials — {complete} complete, {pruned} pruned, {failed} failed, {running} running",
            study.name,
            study.trials.len()
        ));
        ui.label(RichText::new(table::best_label(study)).strong());
    });
    // Taken out while drawn (the plots edit the selection), put back after.
    let Some(study) = view.study.take() else {
        return;
    };
    if ui.available_width() > 700.0 {
        let table_width = ui.available_width() * 0.5;
        ui.horizontal_top(|ui| {
            ui.allocate_ui(egui::vec2(table_width, ui.available_height()), |ui| {
                table::table_ui(ui, &study, &mut view.sort, &mut view.selected);
            });
            ui.separator();
            ui.vertical(|ui| {
                plot_tabs_ui(ui, view, false);
                plot_ui(ui, view, &study);
            });
        });
    } else {
        plot_tabs_ui(ui, view, true);
        if view.narrow_plot {
            plot_ui(ui, view, &study);
        } else {
            table::table_ui(ui, &study, &mut view.sort, &mut view.selected);
        }
    }
    view.study = Some(study);
}

fn plot_tabs_ui(ui: &mut Ui, view: &mut SweepView, with_table: bool) {
    ui.horizontal(|ui| {
        if with_table && ui.selectable_label(!view.narrow_plot, "Trials").clicked() {
            view.narrow_plot = false;
        }
        for plot in SweepPlot::ALL {
            let on = view.plot == plot && (!with_table || view.narrow_plot);
            if ui.selectable_label(on, plot.label()).clicked() {
                view.plot = plot;
                view.narrow_plot = true;
            }
        }
    });
}

fn plot_ui(ui: &mut Ui, view: &mut SweepView, study: &StudyView) {
    match view.plot {
        SweepPlot::Parallel => plots::parallel_ui(ui, study, &mut view.selected),
        SweepPlot::History => plots::history_ui(ui, study),
        SweepPlot::Epochs => plots::epochs_ui(ui, study, view.selected),
        SweepPlot::Slices => slices::slices_ui(ui, study, &view.importance, &mut view.slice_param),
    }
}

/// The define window, when open.
pub fn windows_ui(
    ctx: &egui::Context,
    view: &mut SweepView,
    form: &mut SweepForm,
    ready: Result<(), String>,
    commands: &mut Vec<Command>,
) {
    if !view.show_define {
        return;
    }
    let mut open = true;
    // Over the main plot's right side: the menu bar and the sweep tab stay visible.
    let screen = ctx.content_rect();
    egui::Window::new("Define a sweep")
        .open(&mut open)
        .default_width(520.0)
        .default_pos(egui::pos2(
            (screen.right() - 580.0).max(screen.left()),
            screen.top() + 40.0,
        ))
        .collapsible(false)
        .show(ctx, |ui| {
            define_ui(ui, form, view.launch.is_some(), ready, commands);
            if let Some(error) = &view.error {
                error_label(ui, error);
            }
        });
    if !open {
        view.show_define = false;
    }
}

fn define_ui(
    ui: &mut Ui,
    form: &mut SweepForm,
    running: bool,
    ready: Result<(), String>,
    commands: &mut Vec<Command>,
) {
    ui.label(
        RichText::new(
            "Tick the settings to search; the others keep the window's training settings.",
        )
        .small(),
    );
    egui::Grid::new("sweep form params")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for p in &mut form.params {
                ui.checkbox(&mut p.searched, &p.name);
                ui.add_enabled_ui(p.searched, |ui| match p.kind {
                    define::FormKind::Float | define::FormKind::Int => {
                        let (speed, decimals) = if p.kind == define::FormKind::Int {
                            (0.1, 0)
                        } else {
                            (0.0, 8)
                        };
                        ui.horizontal(|ui| {
                            let from = ui.label("from");
                            ui.add(
                                egui::DragValue::new(&mut p.low)
                                    .speed(speed)
                                    .max_decimals(decimals),
                            )
                            .labelled_by(from.id);
                            let to = ui.label("to");
                            ui.add(
                                egui::DragValue::new(&mut p.high)
                                    .speed(speed)
                                    .max_decimals(decimals),
                            )
                            .labelled_by(to.id);
                            if p.kind == define::FormKind::Float {
                                ui.checkbox(&mut p.log, "log");
                            }
                        });
                    }
                    define::FormKind::Choices => {
                        let label = ui.label("values");
                        ui.add(egui::TextEdit::singleline(&mut p.choices).desired_width(200.0))
                            .labelled_by(label.id);
                    }
                });
                ui.label(
                    RichText::new(match p.kind {
                        define::FormKind::Float if p.log => "log-uniform",
                        define::FormKind::Float => "uniform",
                        define::FormKind::Int => "whole numbers",
                        define::FormKind::Choices => "choices, comma-separated",
                    })
                    .small()
                    .weak(),
                );
                ui.end_row();
            }
        });
    ui.separator();
    egui::Grid::new("sweep form options").num_columns(2).show(ui, |ui| {
        ui.label("Sampler");
        ui.horizontal(|ui| {
            for (kind, name) in [(SamplerKind::Tpe, "TPE"), (SamplerKind::Random, "random"), (SamplerKind::Grid, "grid")] {
                ui.radio_value(&mut form.sampler, kind, name);
            }
        });
        ui.end_row();
        ui.label("Pruner");
        ui.horizontal(|ui| {
            for (kind, name) in [(PrunerKind::None, "none"), (PrunerKind::Median, "median"), (PrunerKind::Asha, "ASHA")] {
                ui.radio_value(&mut form.pruner, kind, name);
            }
        });
        ui.end_row();
        let trials = ui.label("Trials");
        ui.add(egui::DragValue::new(&mut form.trials).range(1..=10_000)).labelled_by(trials.id);
        ui.end_row();
        let workers = ui.label("Workers");
        ui.add(egui::DragValue::new(&mut form.workers).range(1..=256))
            .labelled_by(workers.id)
            .on_hover_text("Trials trained at once: threads here, array tasks on Slurm");
        ui.end_row();
        let seed = ui.label("Sweep seed");
        ui.add(egui::DragValue::new(&mut form.seed)).labelled_by(seed.id);
        ui.end_row();
        let val = ui.label("Validation fraction");
        ui.add(egui::DragValue::new(&mut form.val_fraction).range(0.01..=0.9).speed(0.01))
            .labelled_by(val.id)
            .on_hover_text("The objective is the NLL on this seeded split of the training rows; the held-out set is only reported");
        ui.end_row();
        let name = ui.label("Study name");
        ui.text_edit_singleline(&mut form.study_name).labelled_by(name.id);
        ui.end_row();
        let journal = ui.label("Journal file");
        ui.add(egui::TextEdit::singleline(&mut form.journal_path).hint_text("default: a new file under the run store").desired_width(300.0))
            .labelled_by(journal.id);
        ui.end_row();
    });
    ui.horizontal(|ui| {
        let can = ready.is_ok() && !running;
        if ui
            .add_enabled(can, egui::Button::new("Start sweep"))
            .clicked()
        {
            commands.push(Command::Sweep(SweepAction::Start));
        }
        let sbatch = slurm::sbatch_on_path();
        if ui
            .add_enabled(can && sbatch, egui::Button::new("Run on Slurm"))
            .on_disabled_hover_text(if sbatch {
                "load data first"
            } else {
                "sbatch is not on the PATH"
            })
            .on_hover_text("Submit a job array of workers sharing the journal; the view follows it")
            .clicked()
        {
            commands.push(Command::Sweep(SweepAction::StartSlurm));
        }
        if running {
            ui.spinner();
            ui.label("a sweep is running");
        }
    });
    if let Err(why) = ready {
        ui.label(RichText::new(why).weak());
    }
}
