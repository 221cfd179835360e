//! The Sweep tab: following a journal (best first, live appends, sorting), a sweep defined
//! and started in the window (its trials appear, then become runs), and an ensemble of
//! ticked runs saved as an ensemble file.

#![cfg(feature = "gui")]

mod common;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use common::{H, harness, open_dialog, settle, small_settings, step_until};
use egui_kittest::kittest::Queryable;

const LR: &str = r#"{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": null, \"low\": 0.0001, \"high\": 0.1, \"log\": true}}"#;
const WIDTH: &str =
    r#"{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": [8, 16, 32]}}"#;

/// The journal lines of one finished trial, as Optuna writes them.
fn trial_lines(
    trial_id: usize,
    lr: f64,
    width_index: usize,
    state: u8,
    value: Option<f64>,
) -> String {
    let values = value.map_or("null".to_string(), |v| format!("[{v}]"));
    let mut lines = format!(
        "{{\"op_code\": 4, \"worker_id\": \"w\", \"study_id\": 0, \"datetime_start\": \"2026-01-01T00:00:00\"}}\n\
         {{\"op_code\": 5, \"worker_id\": \"w\", \"trial_id\": {trial_id}, \"param_name\": \"lr\", \"param_value_internal\": {lr}, \"distribution\": \"{LR}\"}}\n\
         {{\"op_code\": 5, \"worker_id\": \"w\", \"trial_id\": {trial_id}, \"param_name\": \"width\", \"param_value_internal\": {width_index}, \"distribution\": \"{WIDTH}\"}}\n"
    );
    for epoch in 1..=3 {
        lines.push_str(&format!(
            "{{\"op_code\": 7, \"worker_id\": \"w\", \"trial_id\": {trial_id}, \"step\": {epoch}, \"intermediate_value\": {}}}\n",
            value.unwrap_or(2.0) + 0.1 * (3 - epoch) as f64
        ));
    }
    lines.push_str(&format!(
        "{{\"op_code\": 6, \"worker_id\": \"w\", \"trial_id\": {trial_id}, \"state\": {state}, \"values\": {values}, \"datetime_complete\": \"2026-01-01T00:00:01\"}}\n"
    ));
    lines
}

fn write_journal(path: &Path) -> std::io::Result<()> {
    let mut text = String::from(
        "{\"op_code\": 0, \"worker_id\": \"w\", \"study_name\": \"faithful\", \"directions\": [1]}\n",
    );
    text.push_str(&trial_lines(0, 0.001, 0, 1, Some(1.50)));
    text.push_str(&trial_lines(1, 0.01, 2, 1, Some(0.90)));
    text.push_str(&trial_lines(2, 0.05, 1, 2, None));
    text.push_str(&trial_lines(3, 0.003, 1, 1, Some(1.20)));
    std::fs::write(path, text)
}

fn trials(h: &H) -> usize {
    h.state().sweep.study.as_ref().map_or(0, |s| s.trials.len())
}

fn top_of(h: &H, label: &str) -> f32 {
    h.get_by_label(label).rect().top()
}

fn follow(h: &mut H, journal: &Path) {
    open_dialog(h, "Open sweep journal", journal);
    h.get_by_label("Follow journal").click();
    h.run_ok();
    step_until(h, Duration::from_secs(20), "the journal's trials", |h| {
        trials(h) >= 4
    });
}

#[test]
fn a_followed_journal_shows_its_trials_best_first_and_new_ones_as_they_come() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("faithful.journal");
    write_journal(&journal).expect("write the journal");
    let mut h = harness(small_settings());
    follow(&mut h, &journal);
    assert!(
        h.query_by_label_contains("study \"faithful\": 4 trials")
            .is_some()
    );
    assert!(h.query_by_label_contains("best #1: 0.9000").is_some());
    // Best first: #1 (0.90), #3 (1.20), #0 (1.50), then the pruned #2 without a value.
    let order = ["#1", "#3", "#0", "#2"].map(|l| top_of(&h, l));
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "rows by objective: {order:?}"
    );
    assert!(h.query_by_label("PRUNED").is_some());

    // A trial appended by another process appears without any click.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .expect("open");
    file.write_all(trial_lines(4, 0.02, 0, 1, Some(0.5)).as_bytes())
        .expect("append");
    drop(file);
    step_until(&mut h, Duration::from_secs(20), "the appended trial", |h| {
        trials(h) == 5
    });
    assert!(h.query_by_label_contains("best #4: 0.5000").is_some());
    assert!(
        top_of(&h, "#4") < top_of(&h, "#1"),
        "the new best goes to the top"
    );

    // Sorting by trial number, then the other way round.
    h.get_by_label("trial").click();
    h.run_ok();
    let order = ["#0", "#1", "#2", "#3", "#4"].map(|l| top_of(&h, l));
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "by number: {order:?}"
    );
    h.get_by_label("trial ▲").click();
    h.run_ok();
    assert!(top_of(&h, "#4") < top_of(&h, "#0"), "descending");

    // Selecting a trial shows its epochs.
    h.get_by_label("#3").click();
    h.run_ok();
    h.get_by_label("Trial epochs").click();
    h.run_ok();
    assert_eq!(h.state().sweep.selected, Some(3));
}

#[test]
fn a_journal_that_is_not_one_is_refused_in_plain_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("data.csv");
    std::fs::write(&path, "x,y\n1,2\n").expect("write");
    let mut h = harness(small_settings());
    open_dialog(&mut h, "Open sweep journal", &path);
    h.get_by_label("Follow journal").click();
    h.run_ok();
    step_until(&mut h, Duration::from_secs(20), "the error", |h| {
        h.state().sweep.error.is_some()
    });
    let error = h.state().sweep.error.clone().unwrap_or_default();
    assert!(
        error.contains("data.csv") && error.contains("line 1"),
        "{error}"
    );
    let missing = dir.path().join("nothing.journal");
    open_dialog(&mut h, "Open sweep journal", &missing);
    h.get_by_label("Follow journal").click();
    h.run_ok();
    assert!(h.query_by_label_contains("no such journal file").is_some());
    assert!(!missing.exists(), "following never creates a file");
}

#[test]
fn a_sweep_started_in_the_window_finishes_its_trials_become_runs_and_ensemble() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("window.journal");
    let mut settings = small_settings();
    settings.sweep.trials = 3;
    settings.sweep.workers = 2;
    settings.sweep.journal_path = journal.display().to_string();
    let mut h = harness(settings);
    h.get_by_label("Sweep").click();
    h.run_ok();
    h.get_by_label("Define…").click();
    h.run_ok();
    h.get_by_label("Start sweep").click();
    h.run_ok();
    step_until(&mut h, Duration::from_secs(120), "the sweep to end", |h| {
        !h.state().sweep.is_running()
    });
    step_until(&mut h, Duration::from_secs(20), "its trials", |h| {
        trials(h) == 3
    });
    let study = h.state().sweep.study.clone().expect("a study");
    assert_eq!(study.name, "window-sweep");
    assert!(study.best().is_some(), "a completed trial");
    assert!(
        journal.with_extension("journal.space.toml").exists(),
        "the space beside it"
    );
    let runs = h.state().settings.runs.len();
    assert_eq!(runs, study.counts().1, "each completed trial is a run");

    // Two ticked runs make one ensemble model, saved as an ensemble file.
    assert!(runs >= 2, "two completed trials at least ({runs})");
    for run in h.state_mut().settings.runs.iter_mut().take(2) {
        run.overlay = true;
    }
    h.run_ok();
    h.get_by_label("Ensemble").click();
    h.run_ok();
    settle(&mut h);
    let model = h
        .state()
        .session
        .model
        .clone()
        .expect("the ensemble is shown");
    assert!(model.is_ensemble());
    assert!(h.state().drawable_model().is_some(), "drawn over its data");
    let out = dir.path().join("ensemble.json");
    open_dialog(&mut h, "Save model", &out);
    h.get_by_label("Save model").click();
    h.run_ok();
    settle(&mut h);
    let (loaded, _) = density_workbench::export::load_model(&out).expect("an ensemble file");
    assert_eq!(loaded.members().len(), 2);
}

#[test]
fn a_form_that_does_not_make_a_space_is_refused_naming_the_setting() {
    let mut settings = small_settings();
    settings.sweep.params[0].low = 0.0;
    let mut h = harness(settings);
    h.get_by_label("Sweep").click();
    h.run_ok();
    h.get_by_label("Define…").click();
    h.run_ok();
    h.get_by_label("Start sweep").click();
    h.run_ok();
    assert!(!h.state().sweep.is_running());
    let error = h.state().sweep.error.clone().unwrap_or_default();
    assert!(
        error.contains("`lr`") && error.contains("above 0"),
        "{error}"
    );
    assert!(
        h.query_all_by_label_contains("above 0").count() >= 1,
        "shown in the window"
    );
}

#[test]
fn cancel_stops_a_running_sweep_and_no_trial_is_left_running() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("cancel.journal");
    let mut settings = small_settings();
    settings.config.epochs = 400;
    settings.sweep.trials = 50;
    settings.sweep.workers = 1;
    settings.sweep.journal_path = journal.display().to_string();
    let mut h = harness(settings);
    h.get_by_label("Sweep").click();
    h.run_ok();
    h.get_by_label("Define…").click();
    h.run_ok();
    h.get_by_label("Start sweep").click();
    h.run_ok();
    step_until(&mut h, Duration::from_secs(30), "a trial to start", |h| {
        trials(h) >= 1
    });
    h.get_by_label("Cancel sweep").click();
    h.run_ok();
    step_until(&mut h, Duration::from_secs(60), "the sweep to stop", |h| {
        !h.state().sweep.is_running()
    });
    step_until(&mut h, Duration::from_secs(20), "the final states", |h| {
        h.state()
            .sweep
            .study
            .as_ref()
            .is_some_and(|s| s.counts().0 == 0)
    });
    let study = h.state().sweep.study.clone().expect("study");
    assert!(
        study.trials.len() < 50,
        "stopped early ({})",
        study.trials.len()
    );
    assert!(
        study
            .trials
            .iter()
            .any(|t| t.fail_reason.as_deref() == Some("the sweep was cancelled"))
    );
}

/// "Run on Slurm" runs this program's `sweep --backend slurm` with arguments built from the
/// window's data and form; with `--dry-run` the CLI checks them and prints the job script.
#[test]
fn the_slurm_submission_of_a_window_sweep_is_a_valid_sweep_command() {
    use density_workbench::app::sweep_view::{SweepForm, slurm};
    use density_workbench::data::Preset;
    use density_workbench::run::{DataSourceSpec, RunData, TestSourceSpec};

    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("slurm.journal");
    let space_file = dir.path().join("slurm.journal.space.toml");
    let form = SweepForm {
        workers: 3,
        ..SweepForm::default()
    };
    std::fs::write(
        &space_file,
        form.space_text(&density_workbench::nn::TrainConfig::default()),
    )
    .expect("space");
    let recipe = RunData {
        source: DataSourceSpec::Preset {
            preset: Preset::Lognormal,
            params: density_workbench::data::PresetParams {
                n: 500,
                noise: 1.0,
                seed: 2,
            },
        },
        held_out: TestSourceSpec::Split {
            fraction: 0.5,
            seed: 0,
        },
    };
    let mut args = slurm::sweep_args(&recipe, &form, &space_file, &journal);
    args.push("--dry-run".into());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_density-workbench"))
        .args(&args)
        .output()
        .expect("run");
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(script.contains("--array=0-2"), "{script}");
    assert!(
        script.contains("--worker") && script.contains("preset:lognormal"),
        "{script}"
    );
    assert!(!journal.exists(), "a dry run writes no journal");
}

/// A journal of 30 finished trials where lr alone drives the objective (a bowl in log lr)
/// and width is noise; two trials are pruned.
fn write_lr_driven_journal(path: &Path) -> std::io::Result<()> {
    let mut text = String::from(
        "{\"op_code\": 0, \"worker_id\": \"w\", \"study_name\": \"lr-driven\", \"directions\": [1]}\n",
    );
    for i in 0..30 {
        // Low-discrepancy spread of log10 lr over [-4, -1]; width cycles independently.
        let log_lr = -4.0 + 3.0 * (i as f64 * 0.618_034).fract();
        let wiggle = 0.02 * ((i * 37 % 11) as f64 / 10.0 - 0.5);
        let value = 1.0 + (log_lr + 2.5).powi(2) + wiggle;
        let (state, value) = if i % 13 == 5 {
            (2, None)
        } else {
            (1, Some(value))
        };
        text.push_str(&trial_lines(i, 10f64.powf(log_lr), i * 7 % 3, state, value));
    }
    std::fs::write(path, text)
}

#[test]
fn the_slices_tab_ranks_the_driving_parameter_first_and_plots_the_chosen_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("lr-driven.journal");
    write_lr_driven_journal(&journal).expect("write the journal");
    let mut h = harness(small_settings());
    open_dialog(&mut h, "Open sweep journal", &journal);
    h.get_by_label("Follow journal").click();
    h.run_ok();
    step_until(
        &mut h,
        Duration::from_secs(20),
        "the journal's trials",
        |h| trials(h) == 30,
    );
    h.get_by_label("Slices & importance").click();
    h.run_ok();
    let ranked: Vec<String> = h
        .state()
        .sweep
        .importance
        .iter()
        .map(|i| i.name.clone())
        .collect();
    assert_eq!(ranked, ["lr", "width"], "lr drives the objective");
    let lr_row = h.get_by_label_contains("lr:").rect().top();
    let width_row = h.get_by_label_contains("width:").rect().top();
    assert!(lr_row < width_row, "the bar list is most important first");
    // The most important parameter's slice is shown first, on a log axis.
    assert!(
        h.query_by_label("validation NLL against lr (log axis)")
            .is_some()
    );
    h.get_by_label_contains("width:").click();
    h.run_ok();
    assert_eq!(h.state().sweep.slice_param.as_deref(), Some("width"));
    assert!(h.query_by_label("validation NLL against width").is_some());
    assert!(
        h.query_by_label("validation NLL against lr (log axis)")
            .is_none()
    );
}
