//! The File menu driven by its labels with egui_kittest (no display): models, predictions,
//! figures, experiments, the replace confirmation and errors in plain words.

#![cfg(feature = "gui")]

mod common;

use common::{H, harness, open_dialog, settle, small_settings, step_until};

use std::path::Path;
use std::time::Duration;

use density_workbench::app::file_state::{FigureKind, PredictionSet};
use density_workbench::app::state::{RunStatus, SourceKind};
use density_workbench::data::Preset;
use density_workbench::export::experiment::load_experiment;
use density_workbench::export::{prediction_columns, prediction_values};
use density_workbench::nn::Head;
use egui_kittest::kittest::Queryable;

fn train(h: &mut H) {
    h.get_by_label("Train").click();
    h.step();
    step_until(h, Duration::from_secs(60), "the run to finish", |h| {
        matches!(h.state().session.status, RunStatus::Finished(_))
    });
}

/// Clicks the dialog's action button and waits for the background write.
fn act(h: &mut H, button: &str) {
    h.get_by_label(button).click();
    h.step();
    step_until(h, Duration::from_secs(60), "the file to be written", |h| {
        !h.state().files.busy()
    });
}

fn message(h: &H) -> String {
    h.state()
        .files
        .message
        .as_ref()
        .map_or_else(String::new, |m| m.text.clone())
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "the IHDR chunk comes first");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn save_model_then_open_it_in_a_fresh_app_gives_identical_predictions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("model.json");
    let mut h = harness(small_settings());
    train(&mut h);
    open_dialog(&mut h, "Save model…", &path);
    act(&mut h, "Save model");
    assert!(message(&h).starts_with("Saved model to"), "{}", message(&h));
    assert!(h.query_by_label_contains("Saved model to").is_some());
    assert!(path.exists());
    let saved = h.state().session.model.clone().expect("model");

    // A fresh window with other settings opens it: the plots use it, its metadata is shown.
    let mut other = small_settings();
    other.config.epochs = 9;
    let mut h2 = harness(other);
    assert!(h2.state().session.model.is_none());
    open_dialog(&mut h2, "Open model…", &path);
    h2.get_by_label("Open model").click();
    h2.run_ok();
    assert!(message(&h2).starts_with("Opened model"), "{}", message(&h2));
    let opened = h2.state().session.model.clone().expect("opened model");
    let data = h2.state().data.as_ref().expect("data");
    for i in (0..data.train.len()).step_by(37) {
        let x = data.train.row(i);
        let y = Some(data.train.y()[i]);
        assert_eq!(
            prediction_values(&saved.predict(x), y),
            prediction_values(&opened.predict(x), y),
            "row {i}"
        );
    }
    assert!(h2.query_by_label("Model file").is_some(), "metadata window");
    assert!(
        h2.query_by_label_contains("Dense(16, tanh) → Dense(9)")
            .is_some()
    );
    assert!(
        h2.query_by_label_contains("preset:lognormal (n=600")
            .is_some()
    );
    assert!(h2.query_by_label_contains("3 epochs, batch 32").is_some());
    assert_eq!(h2.state().session.history.len(), 3, "the saved history");
    // The opened model is drawn: its prediction view gets computed.
    step_until(
        &mut h2,
        Duration::from_secs(30),
        "the prediction view",
        |h| h.state().session.view.is_some(),
    );
    // "Use its settings" puts the training settings into the controls.
    assert_eq!(h2.state().settings.config.epochs, 9);
    h2.get_by_label("Use its settings").click();
    h2.run_ok();
    assert_eq!(h2.state().settings.config, h.state().settings.config);

    // Saving the opened model again keeps its training record.
    let again = dir.path().join("again.json");
    open_dialog(&mut h2, "Save model…", &again);
    act(&mut h2, "Save model");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        std::fs::read_to_string(&again).expect("read")
    );
}

#[test]
fn exports_predictions_with_the_right_header_rows_and_values() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = harness(small_settings());
    train(&mut h);
    let model = h.state().session.model.clone().expect("model");
    let data = h.state().data.as_ref().expect("data");
    let (train_rows, test_rows) = (
        data.train.len(),
        data.test.as_ref().expect("held-out").len(),
    );
    let test = data.test.clone().expect("held-out");
    for (set, rows) in [
        (PredictionSet::Train, train_rows),
        (PredictionSet::Test, test_rows),
        (PredictionSet::All, train_rows + test_rows),
    ] {
        let path = dir.path().join(format!("{set:?}.csv"));
        open_dialog(&mut h, "Export predictions…", &path);
        h.state_mut().settings.export.predictions_set = set;
        h.run_ok();
        act(&mut h, "Export predictions");
        assert!(
            message(&h).starts_with("Saved predictions"),
            "{}",
            message(&h)
        );
        let text = std::fs::read_to_string(&path).expect("csv");
        let mut lines = text.lines();
        let header = lines.next().expect("header");
        assert_eq!(header, prediction_columns(&model, true).join(","));
        assert_eq!(
            header, "x,y,mean,std,median,mode,q05,q95,log_prob",
            "inputs, target, statistics"
        );
        assert_eq!(lines.clone().count(), rows, "{set:?}");
        if set == PredictionSet::Test {
            // Values match the predictive distribution, row by row.
            for (i, line) in lines.enumerate().step_by(50) {
                let values: Vec<f64> = line
                    .split(',')
                    .map(|v| v.parse().expect("number"))
                    .collect();
                assert_eq!(values[0], test.x()[[i, 0]]);
                assert_eq!(values[1], test.y()[i]);
                let expected = prediction_values(&model.predict(test.row(i)), Some(test.y()[i]));
                assert_eq!(&values[2..], expected.as_slice(), "row {i}");
            }
        }
    }
    // The rows selector is a labelled combo box.
    open_dialog(&mut h, "Export predictions…", &dir.path().join("x.csv"));
    assert!(h.query_by_label("Rows").is_some());
}

#[test]
fn every_figure_kind_exports_as_svg_and_png_at_the_requested_size() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = harness(small_settings());
    train(&mut h);
    train(&mut h);
    // Tick both runs for the comparison figure.
    for run in ["run 1", "run 2"] {
        h.get_by_role_and_label(egui::Role::CheckBox, run).click();
    }
    h.run_ok();
    let ticked = h.state().settings.runs.iter().filter(|r| r.overlay).count();
    assert_eq!(ticked, 2);
    for kind in FigureKind::ALL {
        for (ext, (w, hgt)) in [("png", (700u32, 450u32)), ("svg", (820, 500))] {
            let path = dir.path().join(format!("{kind:?}.{ext}"));
            open_dialog(&mut h, "Export figure…", &path);
            h.state_mut().settings.export.figure_kind = kind;
            h.get_by_label("Width (px)").set_value_accesskit(w as f64);
            h.get_by_label("Height (px)")
                .set_value_accesskit(hgt as f64);
            h.run_ok();
            act(&mut h, "Export figure");
            assert!(
                message(&h).starts_with("Saved figure"),
                "{kind:?} {ext}: {}",
                message(&h)
            );
            let bytes = std::fs::read(&path).expect("figure file");
            // To look at them: GUI_EXPORT_SAMPLES=/some/dir cargo test --test gui_export
            if let Ok(samples) = std::env::var("GUI_EXPORT_SAMPLES") {
                let name = path.file_name().expect("name");
                std::fs::write(Path::new(&samples).join(name), &bytes).expect("sample");
            }
            if ext == "png" {
                assert_eq!(png_size(&bytes), (w, hgt), "{kind:?}");
            } else {
                let text = String::from_utf8(bytes).expect("utf-8");
                assert!(text.starts_with("<svg"), "{kind:?}");
                assert!(
                    text.contains(&format!("viewBox=\"0 0 {w} {hgt}\"")),
                    "{kind:?}"
                );
                assert!(text.trim_end().ends_with("</svg>"));
            }
        }
    }
    // The kind is chosen in a labelled combo box; a wrong extension is explained.
    open_dialog(&mut h, "Export figure…", &dir.path().join("figure.jpg"));
    assert!(h.query_by_label("Figure").is_some());
    h.get_by_label("Export figure").click();
    h.run_ok();
    assert!(
        h.query_by_label_contains("must end in .svg or .png")
            .is_some(),
        "{}",
        message(&h)
    );
}

#[test]
fn an_existing_file_is_replaced_only_after_confirmation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("predictions.csv");
    std::fs::write(&path, "precious").expect("write");
    let mut h = harness(small_settings());
    train(&mut h);
    open_dialog(&mut h, "Export predictions…", &path);
    act(&mut h, "Export predictions");
    assert!(h.query_by_label("Replace file?").is_some(), "confirmation");
    assert!(h.query_by_label_contains("exists — replace it").is_some());
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "precious");
    h.get_by_label("Cancel").click();
    h.run_ok();
    assert!(h.query_by_label("Replace file?").is_none());
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "precious");
    assert!(message(&h).contains("not replaced"), "{}", message(&h));

    act(&mut h, "Export predictions");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "precious");
    act(&mut h, "Replace");
    assert!(h.query_by_label("Replace file?").is_none());
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        text.starts_with("x,y,mean"),
        "{}",
        &text[..40.min(text.len())]
    );
    // No temporary files are left behind.
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
}

#[test]
fn write_errors_are_shown_and_the_app_keeps_running() {
    let mut h = harness(small_settings());
    train(&mut h);
    open_dialog(
        &mut h,
        "Save model…",
        Path::new("/nonexistent-dir/sub/model.json"),
    );
    act(&mut h, "Save model");
    let text = message(&h);
    assert!(
        text.contains("/nonexistent-dir/sub/model.json") && text.contains("cannot write"),
        "{text}"
    );
    assert!(h.state().files.message.as_ref().is_some_and(|m| m.error));
    assert!(h.query_by_label_contains("cannot write").is_some());
    // Still works: training again.
    train(&mut h);
    assert_eq!(h.state().settings.runs.len(), 2);
}

#[test]
fn experiment_save_open_retrain_reproduces_the_loss_history() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("experiment.json");
    let mut h = harness(small_settings());
    train(&mut h);
    open_dialog(&mut h, "Save experiment…", &path);
    act(&mut h, "Save experiment");
    assert!(
        message(&h).starts_with("Saved experiment"),
        "{}",
        message(&h)
    );
    let saved = load_experiment(&path).expect("experiment file");
    assert_eq!(saved.runs.len(), 1);
    assert_eq!(saved.runs[0].summary.history.len(), 3);
    assert_eq!(saved.config, small_settings().config);

    // A fresh window with other data and settings.
    let mut other = small_settings();
    other.data.params.n = 400;
    other.data.params.seed = 3;
    other.data.test_fraction = 0.25;
    other.config.epochs = 7;
    other.config.seed = 99;
    let mut h2 = harness(other);
    open_dialog(&mut h2, "Open experiment…", &path);
    h2.get_by_label("Open experiment").click();
    h2.run_ok();
    settle(&mut h2);
    assert!(
        message(&h2).starts_with("Opened experiment"),
        "{}",
        message(&h2)
    );
    assert_eq!(h2.state().settings.config, saved.config);
    assert_eq!(h2.state().settings.data.params.n, 600);
    assert_eq!(h2.state().settings.data.test_fraction, 0.5);
    assert_eq!(h2.state().data.as_ref().expect("data").n_rows(), 600);
    assert_eq!(h2.state().settings.runs.len(), 1);
    assert!(h2.query_by_label("run 1").is_some(), "the runs table");

    train(&mut h2);
    let retrained = &h2.state().settings.runs[1].summary.history;
    let losses = |h: &[density_workbench::nn::EpochRecord]| -> Vec<(usize, u64, u64, Option<u64>)> {
        h.iter()
            .map(|r| {
                (
                    r.epoch,
                    r.steps,
                    r.train_nll.to_bits(),
                    r.test_nll.map(f64::to_bits),
                )
            })
            .collect()
    };
    assert_eq!(losses(retrained), losses(&saved.runs[0].summary.history));
    assert_eq!(
        losses(retrained),
        losses(&h.state().settings.runs[0].summary.history),
        "bit for bit"
    );
}

#[test]
fn an_experiment_whose_data_file_changed_or_vanished_says_so_and_keeps_the_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("data.csv");
    let rows: String = (0..60)
        .map(|i| format!("{},{}\n", i as f64 / 10.0, (i * 7 % 11) as f64))
        .collect();
    std::fs::write(&csv, format!("a,b\n{rows}")).expect("write");
    let mut settings = small_settings();
    settings.data.source = SourceKind::File;
    settings.data.csv_path = csv.display().to_string();
    let mut h = harness(settings);
    assert_eq!(h.state().data.as_ref().expect("data").train.y_name(), "b");
    let path = dir.path().join("exp.json");
    open_dialog(&mut h, "Save experiment…", &path);
    act(&mut h, "Save experiment");
    let saved = load_experiment(&path).expect("experiment");
    assert!(
        saved.to_json().contains("\"sha256\""),
        "the file source records its hash"
    );

    // Unchanged: opens and loads the file.
    let mut h2 = harness(small_settings());
    open_dialog(&mut h2, "Open experiment…", &path);
    h2.get_by_label("Open experiment").click();
    h2.run_ok();
    settle(&mut h2);
    assert!(
        !h2.state().files.message.as_ref().expect("msg").error,
        "{}",
        message(&h2)
    );
    assert_eq!(h2.state().data.as_ref().expect("data").n_rows(), 60);

    // Changed: says so, keeps the current data.
    std::fs::write(&csv, format!("a,b\n{rows}9,9\n")).expect("write");
    let mut h3 = harness(small_settings());
    let generation = h3.state().data.as_ref().expect("data").generation;
    open_dialog(&mut h3, "Open experiment…", &path);
    h3.get_by_label("Open experiment").click();
    h3.run_ok();
    settle(&mut h3);
    let text = message(&h3);
    assert!(
        text.contains("has changed since the experiment was saved"),
        "{text}"
    );
    assert!(text.contains("current data were kept"), "{text}");
    assert!(h3.query_by_label_contains("has changed").is_some());
    assert_eq!(
        h3.state().data.as_ref().expect("data").generation,
        generation
    );

    // Missing.
    std::fs::remove_file(&csv).expect("remove");
    h3.get_by_label("Open experiment").click();
    h3.run_ok();
    settle(&mut h3);
    let text = message(&h3);
    assert!(text.contains("is missing"), "{text}");
    assert_eq!(
        h3.state().data.as_ref().expect("data").generation,
        generation
    );
}

#[test]
fn corrupt_model_and_experiment_files_give_clear_errors_and_keep_the_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = dir.path().join("model.json");
    std::fs::write(&model, "{\"format\": \"density-workbench-model\", \"vers").expect("write");
    let experiment = dir.path().join("experiment.json");
    std::fs::write(&experiment, "[1, 2, 3]").expect("write");
    let mut h = harness(small_settings());
    train(&mut h);
    let generation = h.state().data.as_ref().expect("data").generation;
    let model_before = h.state().session.model.clone();

    open_dialog(&mut h, "Open model…", &model);
    h.get_by_label("Open model").click();
    h.run_ok();
    let text = message(&h);
    assert!(
        text.contains("model.json: not a valid model file"),
        "{text}"
    );
    assert!(
        h.query_by_label_contains("not a valid model file")
            .is_some()
    );

    open_dialog(&mut h, "Open experiment…", &experiment);
    h.get_by_label("Open experiment").click();
    h.run_ok();
    settle(&mut h);
    let text = message(&h);
    assert!(
        text.contains("experiment.json: not a Density Workbench experiment"),
        "{text}"
    );

    open_dialog(&mut h, "Open model…", &dir.path().join("nope.json"));
    h.get_by_label("Open model").click();
    h.run_ok();
    assert!(
        message(&h).contains("nope.json: cannot read"),
        "{}",
        message(&h)
    );

    assert_eq!(
        h.state().data.as_ref().expect("data").generation,
        generation
    );
    assert_eq!(h.state().settings.runs.len(), 1);
    assert!(h.state().session.model.is_some());
    assert!(std::sync::Arc::ptr_eq(
        h.state().session.model.as_ref().expect("model"),
        model_before.as_ref().expect("model")
    ));
}

#[test]
fn a_model_for_other_inputs_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("moons.json");
    let mut settings = small_settings();
    settings.data.preset = Preset::from_name("moons").expect("moons");
    settings.data.params = settings.data.preset.default_params();
    settings.data.params.n = 300;
    settings.config.head = Head::Bernoulli;
    let mut h = harness(settings);
    train(&mut h);
    open_dialog(&mut h, "Save model…", &path);
    act(&mut h, "Save model");
    let mut h2 = harness(small_settings());
    open_dialog(&mut h2, "Open model…", &path);
    h2.get_by_label("Open model").click();
    h2.run_ok();
    let text = message(&h2);
    assert!(text.contains("are not the data's inputs"), "{text}");
    assert!(h2.state().session.model.is_none());
}

#[test]
fn nothing_to_save_is_explained() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = harness(small_settings());
    open_dialog(&mut h, "Save model…", &dir.path().join("m.json"));
    h.get_by_label("Save model").click();
    h.run_ok();
    assert!(message(&h).contains("no model yet"), "{}", message(&h));
    assert!(!dir.path().join("m.json").exists());
    h.get_by_label("Close").click();
    h.run_ok();
    assert!(h.state().files.open.is_none());
}
