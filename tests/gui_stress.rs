//! Stress in the window (issue 13): Train and Stop clicked 200 times in a row; afterwards the
//! app still trains a run to the end and shows it finished, and the stopped runs are in the
//! runs table.

#![cfg(feature = "gui")]

mod common;

use std::time::Duration;

use common::{finished, harness, small_settings, step_until};
use density_workbench::app::state::{MAX_RUNS, RunStatus};
use egui_kittest::kittest::Queryable;

#[test]
fn train_and_stop_clicked_200_times_leave_a_working_app() {
    let mut settings = small_settings();
    // Long enough that every Stop lands on a running run.
    settings.config.epochs = 10_000;
    settings.config.hidden = Vec::new();
    let mut h = harness(settings);
    for cycle in 0..200 {
        h.get_by_label("Train").click();
        h.step();
        assert!(
            matches!(h.state().session.status, RunStatus::Running),
            "cycle {cycle}: the run started"
        );
        h.get_by_label("Stop").click();
        h.step();
        step_until(&mut h, Duration::from_secs(30), "the run to stop", |h| {
            !h.state().session.is_active()
        });
    }
    assert_eq!(
        h.state().settings.runs.len(),
        200,
        "every stopped run is kept"
    );
    assert!(
        h.state()
            .settings
            .runs
            .iter()
            .all(|r| r.summary.epochs_run < 10_000),
        "each ended early"
    );

    // A normal run afterwards trains to the end and is shown finished.
    h.state_mut().settings.config.epochs = 3;
    h.run_ok();
    h.get_by_label("Train").click();
    h.step();
    step_until(
        &mut h,
        Duration::from_secs(60),
        "the last run to finish",
        finished,
    );
    let RunStatus::Finished(text) = &h.state().session.status else {
        panic!("finished");
    };
    assert!(!text.contains("stopped"), "it ran to the end: {text}");
    // The table keeps the newest MAX_RUNS (200): the oldest stopped run made room.
    let runs = &h.state().settings.runs;
    assert_eq!(runs.len(), MAX_RUNS);
    assert_eq!(
        runs.last().map(|r| r.id()),
        Some(201),
        "the last run is in the table"
    );
    assert_eq!(h.state().session.history.len(), 3, "its three epochs");
}
