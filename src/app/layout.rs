//! The window's layout: which panel goes where, and what each is given. Panels get the
//! narrowest state they need and push [`Command`]s; nothing here does heavy work.

use super::shown::Shown;
use super::state::RunStatus;
use super::{
    WorkbenchApp, data_panel, file_menu, loss_plot, main_plot, model_panel, posterior_plot, runs,
    shortcuts, train_panel,
};

impl WorkbenchApp {
    /// Lays out the whole window, then applies the commands the panels pushed.
    pub fn ui_frame(&mut self, ui: &mut egui::Ui) {
        let training_frame = self
            .session
            .worker
            .as_ref()
            .filter(|_| self.session.status == RunStatus::Running)
            .map(|worker| self.pacer.begin_frame(worker.spare_core().clone()));
        shortcuts::shortcuts_ui(ui.ctx(), &self.session, &mut self.commands);
        egui::Panel::top("menu").show(ui, |ui| {
            file_menu::menu_bar_ui(ui, &self.files, &mut self.commands)
        });
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(330.0)
            .min_size(260.0)
            .show(ui, |ui| self.controls_ui(ui));
        let settings_classifier = self.settings.config.head.is_classifier();
        let shown = self
            .data
            .as_ref()
            .map(|data| Shown::new(&self.session, data, settings_classifier));
        egui::Panel::bottom("bottom")
            .resizable(true)
            .default_size(270.0)
            .min_size(120.0)
            .show(ui, |ui| {
                egui::Panel::right("runs")
                    .resizable(true)
                    .default_size(560.0)
                    .show(ui, |ui| {
                        runs::runs_ui(
                            ui,
                            &mut self.settings.runs,
                            &mut self.settings.runs_table,
                            &mut self.commands,
                        )
                    });
                egui::CentralPanel::default().show(ui, |ui| {
                    loss_plot::loss_plot_ui(
                        ui,
                        &self.session,
                        shown.as_ref().and_then(|s| s.hidden.as_deref()),
                        &self.settings.runs,
                        &mut self.settings.view,
                        self.best_nll,
                    )
                });
            });
        egui::Panel::right("posterior")
            .resizable(true)
            .default_size(380.0)
            .min_size(260.0)
            .show(ui, |ui| {
                if let (Some(data), Some(shown)) = (&self.data, &shown) {
                    posterior_plot::posterior_ui(
                        ui,
                        data,
                        shown,
                        &mut self.settings.view,
                        &mut self.posterior_cache,
                    );
                } else {
                    ui.heading("Posterior p(y | x*)");
                }
            });
        egui::CentralPanel::default().show(ui, |ui| match (&self.data, &shown) {
            (Some(data), Some(shown)) => main_plot::main_plot_ui(
                ui,
                data,
                shown,
                &mut self.settings.view,
                &mut self.caches,
                &mut self.commands,
            ),
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

        if let Some(frame) = training_frame {
            self.pacer.end_frame(ui.ctx(), frame);
        }

        for command in std::mem::take(&mut self.commands) {
            self.apply(command);
        }
        if let (Some(stats), Some(started)) = (&mut self.frame_stats, self.frame_started.take()) {
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
                            data_panel::DataStatus {
                                data: self.data.as_ref(),
                                error: self.data_error.as_deref(),
                                note: self.data_note.as_deref(),
                                best_nll: self.best_nll,
                                task: self
                                    .data_job
                                    .as_ref()
                                    .map(|job| (job.task.what.as_str(), job.task.elapsed_secs())),
                            },
                            &mut self.commands,
                        )
                    });
                egui::CollapsingHeader::new("Model")
                    .default_open(true)
                    .show(ui, |ui| {
                        model_panel::model_ui(ui, &mut self.settings.config, self.data.as_ref())
                    });
                egui::CollapsingHeader::new("Training")
                    .default_open(true)
                    .show(ui, |ui| {
                        train_panel::train_settings_ui(
                            ui,
                            &mut self.settings.config,
                            &mut self.settings.patience,
                        )
                    });
            });
    }
}
