//! Runs remember their data: restoring a run, experiment files with runs on several datasets,
//! a model never drawn over data it was not trained for, and data work in the background.

#![cfg(feature = "gui")]

mod common;

use std::time::Duration;

use common::{H, finished, harness, harness_with, open_dialog, settle, small_settings, step_until};
use density_workbench::app::LaunchOptions;
use density_workbench::data::Preset;
use density_workbench::export::experiment::load_experiment;
use density_workbench::run::DataSourceSpec;
use egui_kittest::kittest::Queryable;

fn train(h: &mut H) {
    h.get_by_label("Train").click();
    h.step();
    step_until(h, Duration::from_secs(60), "the run to finish", finished);
}

/// Picks a preset in the Data panel and generates `n` rows of it.
fn generate(h: &mut H, preset: Preset, n: f64) {
    h.get_by_label("Preset").click();
    h.run_ok();
    h.get_by_label(preset.name()).click();
    h.run_ok();
    h.get_by_label("Samples").set_value_accesskit(n);
    h.run_ok();
    h.get_by_label("Generate").click();
    h.run_ok();
    settle(h);
}

fn loaded_preset(h: &H) -> Option<Preset> {
    match &h.state().data.as_ref()?.recipe.source {
        DataSourceSpec::Preset { preset, .. } => Some(*preset),
        DataSourceSpec::File { .. } => None,
    }
}

#[test]
fn restore_brings_back_the_runs_data_and_model() {
    let mut h = harness(small_settings());
    train(&mut h);
    let trained_on = h.state().data.as_ref().expect("data").recipe.clone();
    generate(&mut h, Preset::Moons, 300.0);
    assert_eq!(loaded_preset(&h), Some(Preset::Moons));
    assert_eq!(
        h.query_by_label_contains("lognormal n=600").map(|_| ()),
        Some(()),
        "the runs table names each run's data"
    );

    h.get_by_label("Restore").click_accesskit();
    h.run_ok();
    settle(&mut h);
    let state = h.state();
    assert_eq!(
        state.data.as_ref().expect("data").recipe,
        trained_on,
        "the run's data are back"
    );
    assert!(state.drawable_model().is_some(), "and its model is drawn");
    assert!(state.session.view.is_some(), "with its prediction view");
    assert_eq!(state.session.history.len(), 3, "and its loss curves");
    assert!(h.query_by_label_contains("run 1 restored").is_some());
    assert!(h.query_by_label("68 % interval").is_some(), "the posterior");
    // Train works again at once (the restored data fit the restored settings).
    assert!(h.query_by_label_contains("Cannot train").is_none());
}

#[test]
fn a_model_is_never_drawn_on_data_it_was_not_trained_for() {
    let mut h = harness(small_settings());
    train(&mut h);
    assert!(h.state().drawable_model().is_some());
    // Same input name "x", other data: the old prediction must not be drawn over them.
    generate(&mut h, Preset::Heteroscedastic, 500.0);
    assert!(h.state().session.model.is_some(), "the model is kept");
    assert!(h.state().drawable_model().is_none(), "but not drawn");
    assert!(
        h.query_by_label_contains("The prediction of run 1 is hidden")
            .is_some(),
        "the window says whose prediction is hidden"
    );
    assert!(
        h.query_by_label_contains("its posterior is hidden")
            .is_some(),
        "no posterior numbers of the old model"
    );
    assert!(
        h.query_by_label_contains("the curves of run 1 are hidden")
            .is_some()
    );

    // A way back to the run's data.
    h.get_by_label("Load its data").click();
    h.run_ok();
    settle(&mut h);
    assert_eq!(loaded_preset(&h), Some(Preset::Lognormal));
    assert!(h.state().drawable_model().is_some(), "drawn again");
    assert!(h.query_by_label_contains("is hidden").is_none());
}

#[test]
fn experiment_files_keep_each_runs_data_and_opening_asks_before_touching_the_table() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("runs.json");
    let mut h = harness(small_settings());
    train(&mut h);
    generate(&mut h, Preset::Moons, 300.0);
    train(&mut h);
    open_dialog(&mut h, "Save experiment…", &path);
    h.get_by_label("Save experiment").click();
    h.run_ok();
    settle(&mut h);
    let saved = load_experiment(&path).expect("experiment");
    let presets: Vec<_> = saved
        .runs
        .iter()
        .map(|r| match r.summary.data.as_ref().map(|d| &d.source) {
            Some(DataSourceSpec::Preset { preset, .. }) => Some(*preset),
            _ => None,
        })
        .collect();
    assert_eq!(
        presets,
        vec![Some(Preset::Lognormal), Some(Preset::Moons)],
        "each run keeps its own data"
    );
    assert!(
        saved.runs.iter().all(|r| r.model.is_some()),
        "and its weights"
    );

    // A window with a run of its own: opening asks, and Add keeps all three.
    let mut h2 = harness(small_settings());
    train(&mut h2);
    open_dialog(&mut h2, "Open experiment…", &path);
    h2.get_by_label("Open experiment").click();
    h2.run_ok();
    assert!(
        h2.query_by_label_contains("holds 2 runs; the runs table has 1")
            .is_some(),
        "it asks before changing the table"
    );
    assert_eq!(h2.state().settings.runs.len(), 1, "nothing changed yet");
    h2.get_by_label("Add to the runs").click();
    h2.run_ok();
    settle(&mut h2);
    assert_eq!(h2.state().settings.runs.len(), 3);
    // The moons run restores onto moons, with its model, without retraining.
    h2.get_all_by_label("Restore")
        .next()
        .expect("the newest row")
        .click_accesskit();
    h2.run_ok();
    settle(&mut h2);
    assert_eq!(loaded_preset(&h2), Some(Preset::Moons));
    assert!(h2.state().drawable_model().is_some());

    // Replace: the table holds the experiment's runs only.
    open_dialog(&mut h2, "Open experiment…", &path);
    h2.get_by_label("Open experiment").click();
    h2.run_ok();
    h2.get_by_label("Replace the runs").click();
    h2.run_ok();
    settle(&mut h2);
    assert_eq!(h2.state().settings.runs.len(), 2);
}

#[test]
fn generating_runs_in_the_background_with_cancel() {
    let mut h = harness(small_settings());
    let generation = h.state().data.as_ref().expect("data").generation;
    h.get_by_label("Samples").set_value_accesskit(3_000_000.0);
    h.run_ok();
    h.get_by_label("Generate").click();
    h.step();
    h.step();
    // The frame came back while the rows are being drawn.
    assert!(h.state().is_busy(), "the work is not done on the UI thread");
    assert!(h.query_by_label_contains("generating lognormal").is_some());
    assert!(
        h.query_by_label_contains("Cannot train").is_none(),
        "no validation of half-loaded data"
    );
    h.get_by_label("Cancel").click();
    h.run_ok();
    assert_eq!(
        h.state().data.as_ref().expect("data").generation,
        generation,
        "Cancel keeps the data shown"
    );
    assert!(h.query_by_label_contains("cancelled").is_some());
    // Later frames do not install the cancelled result.
    std::thread::sleep(Duration::from_millis(200));
    settle(&mut h);
    assert_eq!(
        h.state().data.as_ref().expect("data").generation,
        generation
    );
}

#[test]
fn a_run_of_an_earlier_launch_restores_its_model_from_the_run_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = LaunchOptions {
        run_store: Some(dir.path().to_path_buf()),
        ..LaunchOptions::default()
    };
    let mut h = harness_with(small_settings(), options.clone());
    train(&mut h);
    let model = h.state().session.model.clone().expect("model");
    // The weights reach the store in the background.
    let stored = dir.path().join("run-1.json");
    let started = std::time::Instant::now();
    while !stored.exists() {
        assert!(started.elapsed() < Duration::from_secs(30), "no {stored:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
    // The next launch: settings and the runs table come back from storage, weights do not.
    let stored_settings = serde_json::to_string(&h.state().settings).expect("settings");
    let settings = serde_json::from_str(&stored_settings).expect("settings load");
    drop(h);
    let mut h2 = harness_with(settings, options);
    assert!(h2.state().settings.runs[0].model.is_none());
    h2.get_by_label("Restore").click_accesskit();
    h2.run_ok();
    settle(&mut h2);
    let restored = h2
        .state()
        .drawable_model()
        .expect("the run's model is back");
    assert_eq!(restored.mlp, model.mlp, "the same weights");
    assert!(h2.query_by_label_contains("run 1 restored").is_some());

    // Deleting the run forgets its file.
    h2.get_by_label("Delete").click_accesskit();
    h2.run_ok();
    assert!(!stored.exists(), "a deleted run's weights are removed");
}

#[test]
fn the_diagnostics_tab_follows_the_model_and_a_pit_bin_lights_up_its_rows() {
    let mut h = harness(small_settings());
    h.get_by_label("Diagnostics").click();
    h.run_ok();
    assert!(
        h.query_by_label_contains("see whether its density is calibrated")
            .is_some()
    );
    train(&mut h);
    settle(&mut h);
    assert!(
        h.query_by_label_contains("PIT KS").is_some(),
        "the numbers beside the plots"
    );
    assert!(h.query_by_label_contains("coverage 50/68/90/95").is_some());
    // Click the first tenth of the PIT histogram: that bin's rows light up in the main plot.
    let pit = h.get_by_label_contains("PIT histogram").rect();
    let pos = egui::pos2(pit.left() + pit.width() * 0.12, pit.center().y);
    common::click_at(&mut h, pos);
    assert!(
        h.query_by_label_contains("rows of the picked bin")
            .is_some(),
        "the picked bin's rows are highlighted in the main plot"
    );
}
