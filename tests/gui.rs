//! The workbench window driven by its labels with egui_kittest (no display, no GPU).

#![cfg(feature = "gui")]

mod common;

use common::{finished, harness, settle, small_settings, step_until};

use std::time::Duration;

use density_workbench::app::state::{MAX_RUNS, RunEntry};
use density_workbench::data::Preset;
use density_workbench::nn::{Activation, Head, LayerSpec};
use density_workbench::run::RunSummary;
use egui_kittest::kittest::Queryable;

#[test]
fn trains_a_small_model_and_shows_losses_and_the_posterior() {
    let mut h = harness(small_settings());
    assert!(h.query_by_label_contains("Not trained yet").is_some());
    h.get_by_label("Train").click();
    h.step();
    step_until(
        &mut h,
        Duration::from_secs(60),
        "the run to finish",
        finished,
    );
    // The loss values appear (progress text and loss-plot header), and the run is listed.
    assert!(
        h.query_by_label_contains("Finished: all epochs done")
            .is_some()
    );
    assert!(h.query_by_label_contains("Final NLL: train").is_some());
    assert!(h.query_by_label_contains("epoch 3: train").is_some());
    assert_eq!(h.state().settings.runs.len(), 1);
    assert!(h.query_by_label("run 1").is_some());

    // Set x* by its field and read the posterior summary.
    h.get_by_label("x*").set_value_accesskit(1.2);
    h.run_ok();
    assert!((h.state().settings.view.x_star - 1.2).abs() < 1e-9);
    assert!(h.query_by_label_contains("at x = 1.2").is_some());
    assert!(h.query_by_label("68 % interval").is_some());
    assert!(h.query_by_label("95 % interval").is_some());
    assert!(h.query_all_by_label("median").count() >= 1);
    // The lognormal preset knows its truth: listed beside the model's summary.
    assert!(
        h.query_all_by_label("true mean").count() >= 2 && h.query_by_label("4.454").is_some(),
        "true mean 2x + e^(x²/2) at x = 1.2"
    );
}

#[test]
fn clicking_the_main_plot_sets_x_star() {
    let mut h = harness(small_settings());
    let before = h.state().settings.view.x_star;
    // The main plot is the central area; click near its left edge.
    let plot = h.get_by_label_contains("Main plot").rect();
    let pos = egui::pos2(plot.left() + plot.width() * 0.1, plot.center().y);
    common::click_at(&mut h, pos);
    let after = h.state().settings.view.x_star;
    assert!(after != before && after < 0.5, "x* = {after}");
}

#[test]
fn presets_heads_and_layers_are_edited_by_label() {
    let mut h = harness(small_settings());
    // Choose the moons preset and generate it: the head follows (Bernoulli).
    h.get_by_label("Preset").click();
    h.run_ok();
    h.get_by_label("moons").click();
    h.run_ok();
    assert_eq!(h.state().settings.data.preset, Preset::Moons);
    h.get_by_label("Samples").set_value_accesskit(300.0);
    h.run_ok();
    h.get_by_label("Generate").click();
    h.run_ok();
    settle(&mut h);
    let data = h.state().data.as_ref().expect("data");
    assert_eq!(data.n_rows(), 300);
    assert_eq!(data.n_inputs(), 2);
    assert_eq!(h.state().settings.config.head, Head::Bernoulli);

    // Switch heads: Normal on a 0/1 target is fine; Mixture shows K.
    h.get_by_label("Normal").click();
    h.run_ok();
    assert_eq!(h.state().settings.config.head, Head::Normal);
    assert_eq!(h.query_all_by_label("Components K").count(), 0);
    h.get_by_label("Mixture").click();
    h.run_ok();
    assert!(matches!(
        h.state().settings.config.head,
        Head::Mixture { .. }
    ));
    assert!(h.query_all_by_label("Components K").count() >= 1);
    h.get_by_label("Bernoulli").click();
    h.run_ok();
    assert_eq!(h.state().settings.config.head, Head::Bernoulli);

    // Layers: add one, widen it, remove the first.
    assert_eq!(h.state().settings.config.hidden.len(), 1);
    h.get_by_label("Add layer").click();
    h.run_ok();
    assert_eq!(h.state().settings.config.hidden.len(), 2);
    h.get_all_by_label("Layer 2")
        .next()
        .expect("layer 2 width")
        .set_value_accesskit(40.0);
    h.run_ok();
    assert_eq!(h.state().settings.config.hidden[1].width, 40);
    h.get_all_by_label("Remove").next().expect("remove").click();
    h.run_ok();
    assert_eq!(
        h.state().settings.config.hidden,
        vec![LayerSpec::new(40, Activation::Tanh)]
    );
}

#[test]
fn invalid_settings_are_explained_and_block_training() {
    let mut h = harness(small_settings());
    // The lognormal target is not 0/1: the Bernoulli head cannot train on it.
    h.get_by_label("Bernoulli").click();
    h.run_ok();
    assert!(
        h.query_by_label_contains("Cannot train: the Bernoulli head needs a 0/1 target")
            .is_some()
    );
    assert!(h.query_by_label_contains("The target is not 0/1").is_some());
    h.get_by_label("Train").click();
    h.run_ok();
    assert!(
        h.state().session.worker.is_none(),
        "a disabled Train button does nothing"
    );
    h.get_by_label("Normal").click();
    h.run_ok();
    assert!(h.query_by_label_contains("Cannot train").is_none());
}

#[test]
fn pause_resume_and_stop() {
    let mut settings = small_settings();
    settings.config.epochs = 100_000;
    let mut h = harness(settings);
    h.get_by_label("Train").click();
    h.step();
    step_until(&mut h, Duration::from_secs(30), "losses", |h| {
        !h.state().session.step_losses.is_empty()
    });
    // A frame drawn while training asks the trainer for a core. Without OpenGL no paint
    // callback gives it back, so the request stands until it lapses.
    let spare = |h: &common::H| {
        h.state()
            .session
            .worker
            .as_ref()
            .is_some_and(|w| w.spare_core().is_requested())
    };
    h.step();
    assert!(spare(&h), "a frame while training borrows a core");
    h.get_by_label("Pause").click();
    h.step();
    step_until(&mut h, Duration::from_secs(30), "the pause", |h| {
        h.query_by_label("Resume").is_some()
    });
    assert!(h.query_by_label("Paused").is_some());
    std::thread::sleep(Duration::from_millis(150));
    h.step();
    assert!(!spare(&h), "paused frames leave training's cores alone");
    let steps = h.state().session.step_losses.len();
    for _ in 0..20 {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        h.state().session.step_losses.len(),
        steps,
        "no steps while paused"
    );
    h.get_by_label("Resume").click();
    h.step();
    step_until(&mut h, Duration::from_secs(30), "training to resume", |h| {
        h.state().session.step_losses.len() > steps
    });
    h.get_by_label("Stop").click();
    h.step();
    step_until(&mut h, Duration::from_secs(60), "the stop", finished);
    assert!(h.query_by_label_contains("stopped by the user").is_some());
    assert_eq!(h.state().settings.runs.len(), 1, "a stopped run is kept");
    // Reset forgets the model but keeps the run.
    h.get_by_label("Reset").click();
    h.run_ok();
    assert!(h.state().session.model.is_none());
    assert!(h.query_by_label("Not trained yet").is_some());
    assert_eq!(h.state().settings.runs.len(), 1);
}

#[test]
fn a_malformed_csv_shows_its_error_and_keeps_the_previous_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "x,y\n1,2\n2,oops\n3,4\n").expect("write");
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "a,b,target\n1,5,2\n2,4,3\n3,3,5\n4,1,4\n5,2,8\n6,0,9\n",
    )
    .expect("write");

    let mut h = harness(small_settings());
    let rows_before = h.state().data.as_ref().expect("data").n_rows();
    h.get_by_label("CSV/TSV file").click();
    h.run_ok();
    h.get_by_label("Path")
        .set_text_value_accesskit(&bad.display().to_string());
    h.run_ok();
    h.get_by_label("Load").click();
    h.run_ok();
    settle(&mut h);
    let error = h
        .query_by_label_contains("\"oops\" is not a number")
        .expect("the error is shown");
    let text = format!("{error:?}");
    assert!(text.contains("line 3"), "{text}");
    // The previous data stays.
    let data = h.state().data.as_ref().expect("data");
    assert_eq!(data.n_rows(), rows_before);
    assert!(data.label.starts_with("lognormal"));

    // A good file loads, with default roles; choosing columns rebuilds it.
    h.get_by_label("Path")
        .set_text_value_accesskit(&good.display().to_string());
    h.run_ok();
    h.get_by_label("Load").click();
    h.run_ok();
    settle(&mut h);
    assert!(h.query_by_label_contains("is not a number").is_none());
    let data = h.state().data.as_ref().expect("data");
    assert_eq!(data.train.x_names(), vec!["a", "b"]);
    assert_eq!(data.train.y_name(), "target");
    h.get_by_role_and_label(egui::Role::CheckBox, "b").click();
    h.run_ok();
    h.get_by_label("Apply columns").click();
    h.run_ok();
    settle(&mut h);
    assert_eq!(
        h.state().data.as_ref().expect("data").train.x_names(),
        vec!["a"]
    );
}

#[test]
fn restore_puts_a_runs_settings_back() {
    let mut h = harness(small_settings());
    h.get_by_label("Train").click();
    h.step();
    step_until(
        &mut h,
        Duration::from_secs(60),
        "the run to finish",
        finished,
    );
    h.get_by_label("Epochs").set_value_accesskit(7.0);
    h.run_ok();
    assert_eq!(h.state().settings.config.epochs, 7);
    h.get_by_label("Restore").click_accesskit();
    h.run_ok();
    assert_eq!(h.state().settings.config.epochs, 3);
}

#[test]
fn a_long_runs_table_lays_out_only_the_rows_in_view_and_scrolls_to_the_oldest() {
    let mut settings = small_settings();
    settings.runs = (1..=MAX_RUNS as u64)
        .map(|id| {
            let mut run = RunSummary {
                id,
                label: format!("data {id}"),
                ..RunSummary::default()
            };
            run.config.epochs = 1000 + id as usize; // tells the runs apart once restored
            RunEntry::new(run, None)
        })
        .collect();
    settings.next_run_id = MAX_RUNS as u64 + 1;
    let mut h = harness(settings);
    let last = format!("run {MAX_RUNS}");
    assert!(
        h.query_by_label(&last).is_some(),
        "the newest run is on top"
    );
    assert!(
        h.query_by_label("run 1").is_none(),
        "rows out of view are not laid out"
    );
    for _ in 0..MAX_RUNS {
        if h.query_by_label("run 1").is_some() {
            break;
        }
        h.get_all_by_label("Restore")
            .next()
            .expect("a visible row")
            .scroll_down();
        h.run_ok();
    }
    assert!(
        h.query_by_label("run 1").is_some(),
        "scrolled to the oldest run"
    );
    assert!(h.query_by_label(&last).is_none());
    // The rows in view are the real ones: restoring the oldest run works from there.
    h.get_all_by_label("Restore")
        .last()
        .expect("the oldest run's row")
        .click_accesskit();
    h.run_ok();
    assert_eq!(h.state().settings.config.epochs, 1001, "run 1's settings");
}

#[test]
fn the_runs_table_sorts_by_its_headers_and_shows_only_differences() {
    let mut settings = small_settings();
    settings.runs = [(1, 1e-3, 1.30), (2, 1e-2, 1.10), (3, 1e-3, 1.20)]
        .into_iter()
        .map(|(id, lr, nll)| {
            let mut run = RunSummary {
                id,
                test_nll: Some(nll),
                ..RunSummary::default()
            };
            run.config.learning_rate = lr;
            RunEntry::new(run, None)
        })
        .collect();
    settings.next_run_id = 4;
    let mut h = harness(settings);
    let top = |h: &common::H, name: &str| h.get_by_label(name).rect().top();
    assert!(top(&h, "run 3") < top(&h, "run 1"), "newest first");
    h.get_by_label("held-out NLL").click();
    h.run_ok();
    assert!(
        top(&h, "run 2") < top(&h, "run 3"),
        "best held-out NLL first"
    );
    assert!(top(&h, "run 3") < top(&h, "run 1"));
    // The learning rate differs, the batch size does not.
    assert!(h.query_by_label("lr").is_some());
    assert!(h.query_by_label("batch").is_some());
    h.get_by_label("only differences").click();
    h.run_ok();
    assert!(h.query_by_label("batch").is_none(), "equal settings hidden");
    assert!(h.query_by_label("lr").is_some(), "differing settings kept");
}

#[test]
fn small_files_hold_out_a_fifth_and_turn_early_stopping_on_saying_so() {
    let mut h = harness(small_settings());
    assert!(h.state().settings.config.early_stopping.is_none());
    h.get_by_label("CSV/TSV file").click();
    h.run_ok();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/faithful.csv");
    h.get_by_label("Path").set_text_value_accesskit(path);
    h.run_ok();
    h.get_by_label("Load").click();
    h.run_ok();
    settle(&mut h);
    let data = h.state().data.as_ref().expect("faithful");
    let held_out = data.test.as_ref().map_or(0, |t| t.len());
    assert_eq!(
        (held_out as f64 / data.n_rows() as f64 * 10.0).round(),
        2.0,
        "a file holds out 20 % by default, as the CLI does"
    );
    assert!(h.state().settings.config.early_stopping.is_some());
    assert!(h.query_by_label_contains("Small data (").is_some());
    assert!(h.query_by_label_contains("weights for").is_none());
    // A network far larger than the data is warned about.
    h.get_all_by_label("Layer 1")
        .next()
        .expect("layer 1 width")
        .set_value_accesskit(512.0);
    h.run_ok();
    assert!(h.query_by_label_contains("can memorise the data").is_some());
}

#[test]
fn keyboard_shortcuts_open_dialogs_and_start_and_pause_training() {
    let mut settings = small_settings();
    settings.config.epochs = 100_000;
    let mut h = harness(settings);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    h.run_ok();
    assert!(h.query_by_label("Open a model file").is_some(), "Ctrl+O");
    h.get_by_label("Close").click();
    h.run_ok();
    h.key_press(egui::Key::Space);
    h.step();
    assert!(h.state().session.is_active(), "Space trains");
    h.key_press(egui::Key::Space);
    h.step();
    step_until(&mut h, Duration::from_secs(30), "the pause", |h| {
        h.query_by_label("Resume").is_some()
    });
    h.get_by_label("Stop").click();
    h.step();
    step_until(&mut h, Duration::from_secs(60), "the stop", finished);
}

#[test]
fn a_laptop_sized_window_keeps_half_of_it_for_the_main_plot() {
    let mut h = common::harness_sized(
        small_settings(),
        density_workbench::app::LaunchOptions::default(),
        [1024.0, 640.0],
    );
    let plot = h.get_by_label_contains("Main plot").rect();
    assert!(
        plot.width() >= 512.0 && plot.height() >= 320.0,
        "at least half the width and half the height; the main plot is {} × {}",
        plot.width(),
        plot.height()
    );
    // The posterior moved into the bottom tabs.
    assert!(h.query_by_label("68 % interval").is_none());
    h.get_by_label("Posterior").click();
    h.run_ok();
    assert!(h.query_by_label_contains("Train a model").is_some());
}
