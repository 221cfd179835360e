//! The window's views for a researcher's day, driven with egui_kittest (no display): the
//! classifier plane before training, the posterior's true intervals and its figure's numbers,
//! clamped sample counts, dialogs that remember their folder.

#![cfg(feature = "gui")]

mod common;

use common::{H, finished, harness, open_dialog, settle, small_settings, step_until};

use std::time::Duration;

use density_workbench::app::file_state::FigureKind;
use density_workbench::app::state::Settings;
use density_workbench::data::{Preset, PresetParams};
use density_workbench::labels::{format_interval, format_value};
use density_workbench::nn::{Head, Predictive};
use egui_kittest::kittest::Queryable;

fn train(h: &mut H) {
    h.get_by_label("Train").click();
    h.step();
    step_until(h, Duration::from_secs(60), "the run to finish", finished);
}

fn xor_settings(n: usize) -> Settings {
    let mut settings = small_settings();
    settings.data.preset = Preset::Xor;
    settings.data.params = PresetParams {
        n,
        noise: 0.1,
        seed: 0,
    };
    // A regression head chosen: the plane shows anyway, because the target is 0/1.
    settings.config.head = Head::Normal;
    settings.view.show_test_points = true;
    settings
}

#[test]
fn a_two_input_0_1_target_shows_its_plane_before_training() {
    let h = harness(xor_settings(400));
    let data = h.state().data.as_ref().expect("data");
    assert!(data.is_binary && data.n_inputs() == 2);
    assert!(h.state().session.model.is_none(), "nothing trained");
    // The plane's vertical axis is the second input (a strip of labels has none).
    assert!(
        h.query_by_label("y axis").is_some(),
        "the plane's y-axis picker"
    );
    // Outlined points of both labels are in the legend.
    assert!(h.query_by_label_contains("train, label 0").is_some());
    assert!(h.query_by_label_contains("held-out, label 1").is_some());
    // The regression-only controls do not show on the plane.
    assert!(h.query_by_label("Mode").is_none());
}

#[test]
fn a_big_set_is_drawn_as_a_density_image() {
    let mut settings = small_settings();
    settings.data.params.n = 120_000;
    settings.view.show_test_points = true;
    let h = harness(settings);
    // 60 000 rows each side: both sets are binned images, named with their row counts.
    assert!(
        h.query_by_label_contains("train (60\u{2009}000 rows, binned)")
            .is_some()
    );
    assert!(
        h.query_by_label_contains("held-out (60\u{2009}000 rows, binned)")
            .is_some()
    );
}

#[test]
fn a_big_sets_density_image_is_binned_while_frames_go_on() {
    let mut settings = small_settings();
    settings.data.params.n = 120_000;
    let mut h = harness(settings);
    let first = h.state().data.as_ref().expect("data").generation;
    assert!(
        h.query_by_label_contains("train (60\u{2009}000 rows, binned)")
            .is_some()
    );
    h.state_mut().settings.data.params.n = 130_000;
    h.get_by_label("Generate").click();
    // Frame by frame until the new data are in: that frame draws no image of them yet (the
    // binning has only started) and none of the old data either.
    let started = std::time::Instant::now();
    while h
        .state()
        .data
        .as_ref()
        .is_some_and(|d| d.generation == first)
    {
        assert!(started.elapsed() < Duration::from_secs(60), "no new data");
        h.step();
    }
    assert!(h.query_by_label_contains("rows, binned").is_none());
    assert!(h.state().is_busy(), "the binning runs in the background");
    settle(&mut h);
    assert!(
        h.query_by_label_contains("train (65\u{2009}000 rows, binned)")
            .is_some()
    );
}

#[test]
fn the_posterior_lists_true_intervals_with_the_figures_digits() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = harness(small_settings());
    train(&mut h);
    h.get_by_label("x*").set_value_accesskit(1.2);
    h.run_ok();
    assert!(h.query_by_label_contains("at x = 1.2").is_some());
    let row = [1.2];
    let data = h.state().data.as_ref().expect("data");
    let truth = data.truth.clone().expect("lognormal truth");
    let model = h.state().session.model.clone().expect("model");
    let Predictive::Mixture(m) = model.predict(&row) else {
        panic!("a mixture head");
    };
    let i68 = format_interval(m.interval(0.682_689_492_137_085_9));
    let t95 = format_interval(truth.interval(&row, 0.95).expect("closed form"));
    let mean = format_value(m.mean());
    for (label, value) in [
        ("68 % interval", &i68),
        ("true 95 %", &t95),
        ("mean", &mean),
    ] {
        assert!(h.query_all_by_label(label).count() >= 1, "{label}");
        assert!(h.query_by_label(value).is_some(), "{label}: {value}");
    }
    // The exported posterior figure prints the very same strings.
    let path = dir.path().join("posterior.svg");
    open_dialog(&mut h, "Export figure…", &path);
    h.state_mut().settings.export.figure_kind = FigureKind::Posterior;
    h.run_ok();
    h.get_by_label("Export figure").click();
    h.step();
    step_until(&mut h, Duration::from_secs(60), "the figure", |h| {
        !h.state().files.busy()
    });
    let svg = std::fs::read_to_string(&path)
        .expect("figure")
        .replace('\u{2212}', "-");
    for text in [
        format!("68 % interval {i68}"),
        format!("true 95 % {t95}"),
        format!("mean {mean}"),
        "at x = 1.2".to_string(),
    ] {
        assert!(svg.contains(&text), "the figure lacks {text:?}");
    }
}

#[test]
fn a_sample_count_above_the_maximum_says_it_was_clamped() {
    let mut h = harness(small_settings());
    h.get_by_label("Samples").set_value_accesskit(25_000_000.0);
    h.run_ok();
    assert_eq!(h.state().settings.data.params.n, 10_000_000);
    assert!(
        h.query_by_label_contains(
            "25\u{2009}000\u{2009}000 is above the maximum; clamped to 10\u{2009}000\u{2009}000"
        )
        .is_some()
    );
    // A count within the range clears the note.
    h.get_by_label("Samples").set_value_accesskit(5_000.0);
    h.run_ok();
    assert!(h.query_by_label_contains("clamped").is_none());
    settle(&mut h);
}

#[test]
fn a_dialog_opens_in_the_folder_the_last_one_used() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = harness(small_settings());
    train(&mut h);
    open_dialog(&mut h, "Save model…", &dir.path().join("model.json"));
    h.get_by_label("Save model").click();
    h.step();
    step_until(&mut h, Duration::from_secs(60), "the model", |h| {
        !h.state().files.busy()
    });
    h.state_mut().settings.export.figure_path = "figure.png".into();
    h.get_by_label("File").click();
    h.run_ok();
    h.get_by_label_contains("Export figure…").click();
    h.run_ok();
    assert_eq!(
        std::path::Path::new(&h.state().settings.export.figure_path),
        dir.path().join("figure.png")
    );
}
