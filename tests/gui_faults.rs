//! Faults in the window (issue 13): a typed path that does not exist in each file dialog and
//! in the data panel, corrupt model files of several kinds, a data file changed before Restore
//! and an experiment whose folder moved. Each shows a message, keeps what was loaded, and the
//! app still trains afterwards.

#![cfg(feature = "gui")]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{H, finished, harness, open_dialog, settle, small_settings, step_until};
use density_workbench::app::state::SourceKind;
use egui_kittest::kittest::Queryable;

fn train(h: &mut H) {
    h.get_by_label("Train").click();
    h.step();
    step_until(h, Duration::from_secs(60), "the run to finish", finished);
}

/// The File menu's message line (its text), empty when there is none.
fn file_message(h: &H) -> String {
    h.state()
        .files
        .message
        .as_ref()
        .map_or_else(String::new, |m| m.text.clone())
}

/// Opens `path` through the File menu's dialog `entry` and presses its `action` button.
fn open_through(h: &mut H, entry: &str, action: &str, path: &Path) {
    open_dialog(h, entry, path);
    h.get_by_label(action).click();
    h.run_ok();
    settle(h);
}

/// The app still works: a new run trains to the end on the data that stayed.
fn still_trains(h: &mut H) {
    let runs = h.state().settings.runs.len();
    train(h);
    assert_eq!(
        h.state().settings.runs.len(),
        runs + 1,
        "one more finished run"
    );
}

fn csv_rows(n: usize, bump: f64) -> String {
    let rows: String = (0..n)
        .map(|i| format!("{},{}\n", i as f64 / 10.0, (i * 7 % 11) as f64 + bump))
        .collect();
    format!("a,b\n{rows}")
}

#[test]
fn typed_paths_that_do_not_exist_show_a_message_and_keep_the_app_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = harness(small_settings());
    let generation = h.state().data.as_ref().expect("data").generation;

    let model = dir.path().join("no-model.json");
    open_through(&mut h, "Open model…", "Open model", &model);
    let text = file_message(&h);
    assert!(text.contains("no-model.json: cannot read"), "{text}");
    assert!(
        h.query_by_label_contains("no-model.json").is_some(),
        "shown"
    );

    let experiment = dir.path().join("no-experiment.json");
    open_through(&mut h, "Open experiment…", "Open experiment", &experiment);
    let text = file_message(&h);
    assert!(text.contains("no-experiment.json: cannot read"), "{text}");

    // The data panel's typed path.
    h.get_by_label("CSV/TSV file").click();
    h.run_ok();
    let csv = dir.path().join("no-data.csv");
    h.get_by_label("Path")
        .set_text_value_accesskit(&csv.display().to_string());
    h.run_ok();
    h.get_by_label("Load").click();
    h.run_ok();
    settle(&mut h);
    assert!(
        h.query_by_label_contains("no-data.csv").is_some(),
        "the data panel names the missing file"
    );

    assert_eq!(
        h.state().data.as_ref().expect("data").generation,
        generation,
        "the data loaded before stay"
    );
    // Back to the generator the data came from, then train.
    h.get_by_label("Generator").click();
    h.run_ok();
    still_trains(&mut h);
}

#[test]
fn corrupt_model_files_of_every_kind_show_a_message_and_keep_the_model() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = harness(small_settings());
    train(&mut h);
    let good = dir.path().join("good.json");
    open_dialog(&mut h, "Save model…", &good);
    h.get_by_label("Save model").click();
    h.step();
    step_until(&mut h, Duration::from_secs(60), "the model file", |h| {
        !h.state().files.busy()
    });
    let text = std::fs::read_to_string(&good).expect("saved model");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let edited = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = value.clone();
        edit(&mut v);
        v.to_string().into_bytes()
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "binary.json",
            vec![0xFF, 0xFE, 0x00, 0x9F, 0x92],
            "cannot read",
        ),
        (
            "cut.json",
            text.as_bytes()[..text.len() / 2].to_vec(),
            "not a valid model file",
        ),
        (
            "scale.json",
            edited(&|v| v["scalers"]["y"]["std"] = 1e308.into()),
            "out of range",
        ),
        (
            "width.json",
            edited(&|v| {
                v["architecture"]["hidden"][0]["width"] = 4_611_686_018_427_387_904_u64.into();
            }),
            "width.json",
        ),
        (
            "ensemble.json",
            br#"{"format": "density-workbench-ensemble", "version": 1, "members": []}"#.to_vec(),
            "at least one member",
        ),
    ];
    let model_before = h.state().session.model.clone().expect("a trained model");
    for (name, bytes, expected) in &cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        open_through(&mut h, "Open model…", "Open model", &path);
        let text = file_message(&h);
        assert!(
            text.contains(name) && text.contains(expected),
            "{name}: {text}"
        );
        assert!(
            h.state().files.message.as_ref().is_some_and(|m| m.error),
            "{name}: an error"
        );
        let model = h.state().session.model.clone().expect("a model");
        assert!(
            std::sync::Arc::ptr_eq(&model, &model_before),
            "{name}: the model stays"
        );
    }
    h.get_by_label("Close").click();
    h.run_ok();
    still_trains(&mut h);
}

#[test]
fn restore_of_a_run_whose_data_file_changed_says_so_and_keeps_the_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("data.csv");
    std::fs::write(&csv, csv_rows(60, 0.0)).expect("write");
    let mut settings = small_settings();
    settings.data.source = SourceKind::File;
    settings.data.csv_path = csv.display().to_string();
    let mut h = harness(settings);
    train(&mut h);
    // Other data now, so that Restore has to read the file again, which has changed.
    h.get_by_label("Generator").click();
    h.run_ok();
    h.get_by_label("Generate").click();
    h.run_ok();
    settle(&mut h);
    let generation = h.state().data.as_ref().expect("data").generation;
    std::fs::write(&csv, csv_rows(60, 0.5)).expect("change the file");

    h.get_by_label("Restore").click_accesskit();
    h.run_ok();
    settle(&mut h);
    let shown = h
        .query_by_label_contains("has changed since")
        .expect("the change is shown");
    let text = format!("{shown:?}");
    assert!(
        text.contains("data.csv") && text.contains("SHA-256"),
        "{text}"
    );
    assert_eq!(
        h.state().data.as_ref().expect("data").generation,
        generation,
        "the current data stay"
    );
    still_trains(&mut h);
}

#[test]
fn an_experiment_moved_with_its_data_opens_them_from_its_own_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = dir.path().join("first");
    std::fs::create_dir_all(&first).expect("dir");
    std::fs::write(first.join("data.csv"), csv_rows(60, 0.0)).expect("write");
    let mut settings = small_settings();
    settings.data.source = SourceKind::File;
    settings.data.csv_path = first.join("data.csv").display().to_string();
    let mut h = harness(settings);
    open_dialog(&mut h, "Save experiment…", &first.join("exp.json"));
    h.get_by_label("Save experiment").click();
    h.step();
    step_until(
        &mut h,
        Duration::from_secs(60),
        "the experiment file",
        |h| !h.state().files.busy(),
    );
    let saved = std::fs::read_to_string(first.join("exp.json")).expect("saved");
    assert!(
        saved.contains("\"path\": \"data.csv\""),
        "relative to its folder: {saved}"
    );

    // The folder moves; the experiment still finds its data beside it.
    let moved = dir.path().join("moved");
    std::fs::rename(&first, &moved).expect("move");
    let mut h2 = harness(small_settings());
    open_through(
        &mut h2,
        "Open experiment…",
        "Open experiment",
        &moved.join("exp.json"),
    );
    let text = file_message(&h2);
    assert!(text.starts_with("Opened experiment"), "{text}");
    let data = h2.state().data.as_ref().expect("data");
    assert_eq!(data.n_rows(), 60, "the moved file was read");
    assert_eq!(data.train.y_name(), "b");
}
