//! Helpers shared by the egui_kittest suites: a small experiment and a harness around the app.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use density_workbench::app::state::{DataSettings, RunStatus, Settings, SourceKind};
use density_workbench::app::{LaunchOptions, WorkbenchApp};
use density_workbench::data::{Preset, PresetParams};
use density_workbench::nn::{Activation, Head, LayerSpec, TrainConfig};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

pub type H = Harness<'static, WorkbenchApp>;

/// A small, fast experiment: 600 lognormal rows, one narrow layer, 3 epochs.
pub fn small_settings() -> Settings {
    Settings {
        data: DataSettings {
            source: SourceKind::Preset,
            preset: Preset::Lognormal,
            params: PresetParams {
                n: 600,
                noise: 1.0,
                seed: 0,
            },
            test_fraction: 0.5,
            ..DataSettings::default()
        },
        config: TrainConfig {
            hidden: vec![LayerSpec::new(16, Activation::Tanh)],
            head: Head::Mixture { components: 3 },
            epochs: 3,
            batch_size: 32,
            learning_rate: 1e-2,
            threads: 1,
            ..TrainConfig::default()
        },
        ..Settings::default()
    }
}

/// The real app in a harness, driven the way eframe drives it (logic, then the layout).
pub fn harness(settings: Settings) -> H {
    harness_with(settings, LaunchOptions::default())
}

/// The app with launch options (a run store, …) in a harness.
pub fn harness_with(settings: Settings, options: LaunchOptions) -> H {
    harness_sized(settings, options, [1500.0, 1100.0])
}

/// The app in a window of `size` logical points.
pub fn harness_sized(settings: Settings, options: LaunchOptions, size: [f32; 2]) -> H {
    let app = WorkbenchApp::new(settings, options);
    let mut harness = Harness::builder()
        .with_size(size)
        .with_context_setup(density_workbench::app::install_fonts)
        .build_ui_state(
            |ui, app: &mut WorkbenchApp| {
                app.logic(ui.ctx());
                app.ui_frame(ui);
            },
            app,
        );
    settle(&mut harness);
    harness
}

/// Steps frames until the background tasks (data, views, writes) have finished.
pub fn settle(h: &mut H) {
    step_until(h, Duration::from_secs(60), "background tasks", |h| {
        !h.state().is_busy()
    });
    h.run_ok();
}

/// Steps frames until `done` holds (polling the worker), or fails after `timeout`.
pub fn step_until(h: &mut H, timeout: Duration, what: &str, done: impl Fn(&H) -> bool) {
    let started = Instant::now();
    while !done(h) {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.step();
    h.step();
}

pub fn finished(h: &H) -> bool {
    matches!(h.state().session.status, RunStatus::Finished(_))
}

/// File → `entry`, then types `path` into the dialog. The entry's name may carry its
/// shortcut ("Save model… Ctrl+S").
pub fn open_dialog(h: &mut H, entry: &str, path: &std::path::Path) {
    h.get_by_label("File").click();
    h.run_ok();
    h.get_by_label_contains(entry).click();
    h.run_ok();
    h.get_by_label("File path")
        .set_text_value_accesskit(&path.display().to_string());
    h.run_ok();
}

/// A primary click at `pos` (press and release), then frames until the UI settles.
pub fn click_at(h: &mut H, pos: egui::Pos2) {
    h.event(egui::Event::PointerMoved(pos));
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::default(),
        });
    }
    h.run_ok();
}
