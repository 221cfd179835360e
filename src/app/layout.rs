//! The window's layout: which panel goes where, and what each is given. Panels get the
//! narrowest state they need and push [`Command`]s; nothing here does heavy work.

use super::shown::Shown;
use super::state::{BottomTab, RunStatus, Settings, SourceKind, ViewSettings};
use crate::data::Preset;

/// Windows narrower than this (logical points) get the compact layout.
const COMPACT_WIDTH: f32 = 1150.0;
use super::{
    WorkbenchApp, data_panel, diagnostics_view, file_menu, frame_pacing, loss_plot, main_plot,
    model_panel, posterior_plot, runs, scenarios_view, shortcuts, sweep_view, train_panel,
};

impl WorkbenchApp {
    /// Lays out the whole window, then applies the commands the panels pushed.
    pub fn ui_frame(&mut self, ui: &mut egui::Ui) {
        let training_frame = self
            .session
            .worker
            .as_ref()
            .filter(|_| self.session.status == RunStatus::Running)
            .map(|worker| frame_pacing::FramePacer::begin_frame(worker.spare_core().clone()));
        shortcuts::shortcuts_ui(ui.ctx(), &self.session, &mut self.commands);
        egui::Panel::top("menu").show(ui, |ui| {
            file_menu::menu_bar_ui(ui, &self.files, &mut self.commands);
        });
        // Below this width the posterior joins the bottom tabs, so the main plot keeps at
        // least half of a laptop-sized window.
        let compact = ui.available_width() < COMPACT_WIDTH;
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(if compact { 270.0 } else { 330.0 })
            .min_size(240.0)
            .max_size(480.0)
            .show(ui, |ui| self.controls_ui(ui));
        let settings_classifier = self.settings.config.head.is_classifier();
        // Disjoint borrows: the shown model borrows the session and data while the panels
        // edit settings and caches.
        let WorkbenchApp {
            settings,
            session,
            data,
            commands,
            posterior_cache,
            caches,
            best_nll,
            diagnostics,
            diagnostics_job,
            scenarios,
            sweep,
            ..
        } = self;
        let computing_diagnostics = diagnostics_job.is_some();
        let shown = data
            .as_ref()
            .map(|data| Shown::new(session, data, settings_classifier));
        let hidden = shown.as_ref().and_then(|s| s.hidden.as_deref());
        let x_name = data
            .as_ref()
            .and_then(|d| {
                let last = d.n_inputs().saturating_sub(1);
                d.train
                    .x_names()
                    .get(settings.view.x_column.min(last))
                    .cloned()
            })
            .unwrap_or_default();
        let scenarios = &*scenarios;
        let training = session.is_active();
        let mut posterior =
            |ui: &mut egui::Ui, view: &mut ViewSettings| match (data.as_ref(), &shown) {
                (Some(data), Some(shown)) => {
                    let row = super::state::x_star_row(data, view, shown.classifier);
                    let summary =
                        scenarios.current_summary(shown.model_id, data.generation, &row, training);
                    posterior_plot::posterior_ui(ui, data, shown, view, posterior_cache, summary);
                }
                _ => {
                    ui.heading("Posterior p(y | x*)");
                }
            };
        egui::Panel::bottom("bottom")
            .resizable(true)
            .default_size(if compact { 150.0 } else { 270.0 })
            .min_size(120.0)
            .show(ui, |ui| {
                let runs = |ui: &mut egui::Ui, settings: &mut Settings, commands: &mut Vec<_>| {
                    runs::runs_ui(ui, &mut settings.runs, &mut settings.runs_table, commands);
                };
                let loss = |ui: &mut egui::Ui, settings: &mut Settings| {
                    loss_plot::loss_plot_ui(
                        ui,
                        session,
                        hidden,
                        &settings.runs,
                        &mut settings.view,
                        *best_nll,
                    );
                };
                let mut diagnostics_tab = |ui: &mut egui::Ui, settings: &mut Settings| {
                    diagnostics_view::diagnostics_ui(
                        ui,
                        diagnostics.as_mut().filter(|_| hidden.is_none()),
                        computing_diagnostics,
                        &mut settings.view.component_parameter,
                        &mut settings.view.diagnostics_components,
                        &x_name,
                    );
                };
                let scenarios_tab = |ui: &mut egui::Ui, settings: &mut Settings| {
                    if let (Some(data), Some(shown)) = (data.as_ref(), &shown) {
                        scenarios_view::scenarios_ui(
                            ui,
                            data,
                            shown.model.is_some(),
                            scenarios,
                            &mut settings.view,
                            shown.classifier,
                        );
                    }
                };
                if compact {
                    tabs_ui(ui, &mut settings.view.bottom_tab, &BottomTab::ALL);
                    match settings.view.bottom_tab {
                        BottomTab::Loss => loss(ui, settings),
                        BottomTab::Diagnostics => diagnostics_tab(ui, settings),
                        BottomTab::Scenarios => scenarios_tab(ui, settings),
                        BottomTab::Runs => runs(ui, settings, commands),
                        BottomTab::Posterior => posterior(ui, &mut settings.view),
                        BottomTab::Sweep => sweep_view::sweep_ui(ui, sweep, commands),
                    }
                } else {
                    egui::Panel::right("runs")
                        .resizable(true)
                        .default_size(520.0)
                        .min_size(380.0)
                        .show(ui, |ui| runs(ui, settings, commands));
                    egui::CentralPanel::default().show(ui, |ui| {
                        tabs_ui(ui, &mut settings.view.bottom_tab, &BottomTab::WIDE);
                        match settings.view.bottom_tab {
                            BottomTab::Diagnostics => diagnostics_tab(ui, settings),
                            BottomTab::Scenarios => scenarios_tab(ui, settings),
                            BottomTab::Sweep => sweep_view::sweep_ui(ui, sweep, commands),
                            _ => loss(ui, settings),
                        }
                    });
                }
            });
        if !compact {
            egui::Panel::right("posterior")
                .resizable(true)
                .default_size(360.0)
                .min_size(260.0)
                .max_size(520.0)
                .show(ui, |ui| posterior(ui, &mut settings.view));
        }
        egui::CentralPanel::default().show(ui, |ui| match (data.as_ref(), &shown) {
            (Some(data), Some(shown)) => {
                let picked = diagnostics
                    .as_ref()
                    .filter(|d| d.picked_bin.is_some() && shown.model.is_some())
                    .map(|d| {
                        d.picked_points(
                            settings
                                .view
                                .x_column
                                .min(data.n_inputs().saturating_sub(1)),
                        )
                    })
                    .unwrap_or_default();
                main_plot::main_plot_ui(
                    ui,
                    data,
                    shown,
                    &picked,
                    &mut settings.view,
                    caches,
                    commands,
                );
            }
            _ => {
                ui.label("No data loaded.");
            }
        });
        file_menu::windows_ui(
            ui.ctx(),
            &self.files,
            &mut self.settings.export,
            self.settings.runs.len(),
            &mut self.commands,
        );
        let ready = self.sweep_ready();
        sweep_view::windows_ui(
            ui.ctx(),
            &mut self.sweep,
            &mut self.settings.sweep,
            ready,
            &mut self.commands,
        );

        if let Some(frame) = training_frame {
            self.pacer.end_frame(ui.ctx(), frame);
        }

        for command in std::mem::take(&mut self.commands) {
            self.apply(command);
        }
        if let (Some(stats), Some(started)) = (&mut self.frame_stats, self.frame_started.take()) {
            if let Some(secs) = self.caches.bins.take_finished_secs() {
                stats.note(&format!("density images binned in {secs:.2} s"));
            }
            let training = self.session.status == RunStatus::Running;
            stats.record(started, started.elapsed(), training);
        }
    }

    /// The left panel: run controls on top (always visible), settings below (scrolling).
    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Density Workbench");
        let validation = self.validate();
        let loading = self.data_job.as_ref().map(|job| &job.task.what);
        train_panel::run_controls_ui(
            ui,
            &self.session,
            validation.as_ref().err(),
            loading,
            &mut self.commands,
        );
        ui.separator();
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                egui::CollapsingHeader::new("Data")
                    .default_open(true)
                    .show(ui, |ui| {
                        data_panel::data_ui(
                            ui,
                            &mut self.settings.data,
                            &data_panel::DataStatus {
                                data: self.data.as_ref(),
                                error: self.data_error.as_deref(),
                                note: self.data_note.as_deref(),
                                best_nll: self.best_nll,
                                task: self.data_job.as_ref().map(|job| {
                                    (
                                        job.task.what.as_str(),
                                        job.task.elapsed_secs(),
                                        job.task.stage(),
                                    )
                                }),
                            },
                            &mut self.commands,
                        );
                    });
                egui::CollapsingHeader::new("Model")
                    .default_open(true)
                    .show(ui, |ui| {
                        model_panel::model_ui(ui, &mut self.settings.config, self.data.as_ref());
                    });
                egui::CollapsingHeader::new("Training")
                    .default_open(true)
                    .show(ui, |ui| {
                        let seed_data = self.settings.data.source == SourceKind::Preset
                            && self.settings.data.preset == Preset::Lognormal;
                        if seed_data {
                            train_panel::recipe_ui(
                                ui,
                                &mut self.settings.config,
                                &crate::nn::recipe::seed_experiment(),
                            );
                        }
                        train_panel::train_settings_ui(
                            ui,
                            &mut self.settings.config,
                            &mut self.settings.patience,
                        );
                    });
            });
    }
}

/// The bottom panel's tab row; a tab that this layout lacks falls back to the first.
fn tabs_ui(ui: &mut egui::Ui, current: &mut BottomTab, tabs: &[BottomTab]) {
    if !tabs.contains(current) {
        *current = tabs[0];
    }
    ui.horizontal(|ui| {
        for &tab in tabs {
            ui.selectable_value(current, tab, tab.label());
        }
    });
}
