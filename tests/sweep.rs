//! `sweep` as a user runs it: the issue's space file, resuming, a killed trial, refused
//! journals and space files, and ensembles that `eval`, `predict` and `figure` accept.
#![expect(
    clippy::expect_used,
    reason = "helpers outside #[test] functions fail the test on bad fixtures"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const ISSUE_SPACE: &str = r#"head = "mixture"
epochs = 300
batch_size = 32

[search]
lr = { log_uniform = [1e-4, 3e-2] }
width = { choice = [8, 16, 32, 64] }
depth = { int = [1, 2] }
components = { int = [1, 8] }
activation = { choice = ["relu", "tanh"] }
"#;

/// Small and fast: a few epochs of narrow networks.
const SMALL_SPACE: &str = r#"epochs = 4
batch_size = 32

[search]
lr = { log_uniform = [1e-3, 3e-2] }
width = { choice = [4, 8] }
components = { int = [1, 3] }
"#;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_density-workbench"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn faithful() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("datasets/faithful.csv")
        .display()
        .to_string()
}

/// Runs a sweep on Old Faithful (eruptions given waiting) and returns its JSON lines.
fn sweep(dir: &Path, space: &str, journal: &str, trials: usize, extra: &[&str]) -> Vec<Value> {
    let out = try_sweep(dir, space, journal, trials, extra);
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn try_sweep(dir: &Path, space: &str, journal: &str, trials: usize, extra: &[&str]) -> Output {
    let data = faithful();
    let trials = trials.to_string();
    let mut args = vec![
        "sweep",
        "--data",
        &data,
        "--x",
        "waiting",
        "--y",
        "eruptions",
        "--space",
        space,
        "--trials",
        &trials,
        "--journal",
        journal,
        "--json",
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

fn trials_of(lines: &[Value]) -> Vec<(u64, Value, Value)> {
    let mut trials: Vec<_> = lines
        .iter()
        .filter(|l| l["type"] == "trial")
        .map(|l| {
            (
                l["number"].as_u64().expect("number"),
                l["params"].clone(),
                l["value"].clone(),
            )
        })
        .collect();
    trials.sort_by_key(|t| t.0);
    trials
}

#[test]
fn the_issue_space_runs_and_the_same_seed_gives_the_same_trials() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "space.toml", ISSUE_SPACE);
    let args = ["--parallel", "2", "--seed", "5"];
    let a = sweep(d, "space.toml", "a.log", 3, &args);
    let b = sweep(d, "space.toml", "b.log", 3, &args);
    let summary = a.last().expect("summary");
    for key in [
        "trials",
        "completed",
        "pruned",
        "failed",
        "best_trial",
        "best_value",
        "best_test_nll",
        "best_params",
        "wall_seconds",
    ] {
        assert!(summary.get(key).is_some(), "summary lacks {key}: {summary}");
    }
    assert_eq!(summary["trials"], 3);
    assert_eq!(summary["completed"], 3);
    assert_eq!(trials_of(&a), trials_of(&b));
    let best = summary["best_value"].as_f64().expect("best value");
    let min = trials_of(&a)
        .iter()
        .filter_map(|t| t.2.as_f64())
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best, min);
    let params = summary["best_params"].as_object().expect("params");
    assert_eq!(params.len(), 5);
    assert!(
        params["lr"]
            .as_f64()
            .is_some_and(|lr| (1e-4..=3e-2).contains(&lr))
    );
    // Per-epoch validation NLL as intermediate values: 300 per trial.
    let journal = std::fs::read_to_string(d.join("a.log")).expect("journal");
    assert_eq!(journal.matches("\"op_code\":7,").count(), 3 * 300);
}

#[test]
fn rerunning_resumes_to_the_total_and_only_appends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "space.toml", SMALL_SPACE);
    let first = sweep(d, "space.toml", "j.log", 3, &["--parallel", "1"]);
    let before = std::fs::read(d.join("j.log")).expect("journal");
    let second = sweep(d, "space.toml", "j.log", 5, &["--parallel", "1"]);
    let after = std::fs::read(d.join("j.log")).expect("journal");
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "the journal was rewritten"
    );
    let summary = second.last().expect("summary");
    assert_eq!(summary["trials"], 5);
    assert_eq!(summary["started_this_run"], 2);
    assert_eq!(
        trials_of(&second).iter().map(|t| t.0).collect::<Vec<_>>(),
        vec![3, 4]
    );
    // A sweep that is already complete starts nothing.
    let third = sweep(d, "space.toml", "j.log", 5, &["--parallel", "1"]);
    assert_eq!(third.last().expect("summary")["started_this_run"], 0);
    // Resuming gives the same trials as one run to the total.
    let straight = sweep(d, "space.toml", "k.log", 5, &["--parallel", "1"]);
    let mut resumed = trials_of(&first);
    resumed.extend(trials_of(&second));
    assert_eq!(resumed, trials_of(&straight));
}

#[test]
fn a_trial_whose_process_died_is_marked_failed_and_not_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "space.toml", SMALL_SPACE);
    sweep(d, "space.toml", "j.log", 2, &["--parallel", "1"]);
    // What a killed process leaves: a RUNNING trial whose owner no longer exists.
    let mut dead = Command::new("true").spawn().expect("spawn");
    let pid = dead.id();
    dead.wait().expect("wait");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    let mut journal = std::fs::read_to_string(d.join("j.log")).expect("journal");
    journal.push_str(&format!(
        "{{\"op_code\":4,\"worker_id\":\"dead-0\",\"study_id\":0,\"datetime_start\":\"2026-12-01T00:00:00.000000+00:00\"}}\n\
         {{\"op_code\":9,\"worker_id\":\"dead-0\",\"trial_id\":2,\"system_attr\":{{\"dw:owner\":{{\"host\":\"{}\",\"pid\":{pid}}}}}}}\n",
        host.trim()
    ));
    std::fs::write(d.join("j.log"), journal).expect("write");
    let lines = sweep(d, "space.toml", "j.log", 3, &["--parallel", "1"]);
    let summary = lines.last().expect("summary");
    assert_eq!(summary["recovered_as_failed"], serde_json::json!([2]));
    assert_eq!(summary["failed"], 1);
    assert_eq!(summary["completed"], 3, "{summary}");
    assert_eq!(summary["trials"], 4);
    let journal = std::fs::read_to_string(d.join("j.log")).expect("journal");
    assert!(journal.contains("\"fail_reason\":"), "{journal}");
}

#[test]
fn malformed_spaces_and_foreign_journals_are_refused_before_any_trial() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "bad.toml",
        "epochs = 4\n[search]\nlr = { log_uniform = [0, 1e-2] }\n",
    );
    let out = try_sweep(d, "bad.toml", "j.log", 2, &[]);
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(
        e.contains("bad.toml, line 3, setting `lr`") && e.contains("above 0"),
        "{e}"
    );
    assert!(
        !d.join("j.log").exists(),
        "a refused sweep created the journal"
    );

    write(d, "space.toml", SMALL_SPACE);
    sweep(d, "space.toml", "j.log", 1, &["--study-name", "mine"]);
    let before = std::fs::read(d.join("j.log")).expect("journal");
    let other_study = try_sweep(d, "space.toml", "j.log", 2, &["--study-name", "yours"]);
    assert!(!other_study.status.success());
    assert!(
        stderr(&other_study).contains("\"mine\""),
        "{}",
        stderr(&other_study)
    );
    write(d, "space.toml", &SMALL_SPACE.replace("[4, 8]", "[4, 16]"));
    let other_space = try_sweep(d, "space.toml", "j.log", 2, &["--study-name", "mine"]);
    assert!(!other_space.status.success());
    assert!(
        stderr(&other_space).contains("another search space"),
        "{}",
        stderr(&other_space)
    );
    write(d, "space.toml", SMALL_SPACE);
    let other_split = try_sweep(
        d,
        "space.toml",
        "j.log",
        2,
        &["--study-name", "mine", "--val-fraction", "0.3"],
    );
    assert!(!other_split.status.success());
    assert!(
        stderr(&other_split).contains("other data"),
        "{}",
        stderr(&other_split)
    );
    assert_eq!(std::fs::read(d.join("j.log")).expect("journal"), before);
    // Not a journal at all (a copy, so that nothing can touch the shipped file).
    std::fs::copy(faithful(), d.join("data.csv")).expect("copy");
    let not_journal = try_sweep(d, "space.toml", "data.csv", 2, &[]);
    assert!(!not_journal.status.success());
    assert!(
        stderr(&not_journal).contains("line 1"),
        "{}",
        stderr(&not_journal)
    );
    assert_eq!(
        std::fs::read(d.join("data.csv")).expect("data"),
        std::fs::read(faithful()).expect("data")
    );
}

#[test]
fn the_ensemble_of_the_best_trials_is_a_model_file_for_eval_predict_and_figure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "space.toml", SMALL_SPACE);
    let data = faithful();
    let test = ["--test", data.as_str(), "--parallel", "2"];
    let mut args = test.to_vec();
    args.extend(["--ensemble", "3", "--out", "ensemble.json"]);
    let lines = sweep(d, "space.toml", "j.log", 4, &args);
    let summary = lines.last().expect("summary");
    assert_eq!(summary["ensemble_size"], 3);
    let ensemble_test = summary["ensemble_test_nll"]
        .as_f64()
        .expect("ensemble test NLL");
    assert!(ensemble_test.is_finite());
    let eval = run(
        d,
        &[
            "eval",
            "--model",
            "ensemble.json",
            "--data",
            &data,
            "--x",
            "waiting",
            "--y",
            "eruptions",
            "--json",
        ],
    );
    assert!(eval.status.success(), "{}", stderr(&eval));
    let scores: Value = serde_json::from_slice(&eval.stdout).expect("json");
    let nll = scores["nll"].as_f64().expect("nll");
    assert!(
        (nll - ensemble_test).abs() < 1e-9,
        "{nll} vs {ensemble_test}"
    );
    let predict = run(
        d,
        &[
            "predict",
            "--model",
            "ensemble.json",
            "--data",
            &data,
            "--x",
            "waiting",
            "--y",
            "eruptions",
            "--out",
            "p.csv",
        ],
    );
    assert!(predict.status.success(), "{}", stderr(&predict));
    let csv = std::fs::read_to_string(d.join("p.csv")).expect("predictions");
    assert_eq!(csv.lines().count(), 273);
    let figure = run(
        d,
        &[
            "figure",
            "--model",
            "ensemble.json",
            "--kind",
            "posterior",
            "--x-star",
            "70",
            "--out",
            "post.svg",
        ],
    );
    assert!(figure.status.success(), "{}", stderr(&figure));
    // Resumed with --ensemble 1: the best trial's own model, trained again bit for bit.
    let mut args = test.to_vec();
    args.extend(["--ensemble", "1", "--out", "best.json"]);
    let again = sweep(d, "space.toml", "j.log", 4, &args);
    let again = again.last().expect("summary");
    assert_eq!(again["started_this_run"], 0);
    assert_eq!(again["ensemble_value"], summary["best_value"]);
    assert_eq!(again["ensemble_test_nll"], summary["best_test_nll"]);
    let replaced = try_sweep(d, "space.toml", "j.log", 4, &["--out", "best.json"]);
    assert!(
        stderr(&replaced).contains("already exists"),
        "{}",
        stderr(&replaced)
    );
}

#[test]
fn a_validation_file_is_the_objective_and_the_data_trains_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "space.toml", SMALL_SPACE);
    let text = std::fs::read_to_string(faithful()).expect("faithful");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let rows: Vec<&str> = lines.collect();
    let file = |name: &str, part: &[&str]| {
        write(d, name, &format!("{header}\n{}\n", part.join("\n")))
            .display()
            .to_string()
    };
    let fit = file("fit.csv", &rows[..200]);
    let val = file("val.csv", &rows[200..]);
    let columns = ["--x", "waiting", "--y", "eruptions"];
    let mut args = vec![
        "sweep",
        "--data",
        &fit,
        "--val",
        &val,
        "--space",
        "space.toml",
    ];
    args.extend(columns);
    args.extend([
        "--trials",
        "3",
        "--journal",
        "j.log",
        "--out",
        "best.json",
        "--json",
    ]);
    let out = run(d, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("200 training rows, 72 validation rows"),
        "{}",
        stderr(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: Value =
        serde_json::from_str(stdout.lines().last().expect("summary")).expect("json");
    let best = summary["best_value"].as_f64().expect("best value");
    // The saved best trial scores on the validation file exactly what the sweep minimised.
    let mut eval_args = vec!["eval", "--model", "best.json", "--data", &val, "--json"];
    eval_args.extend(columns);
    let eval = run(d, &eval_args);
    assert!(eval.status.success(), "{}", stderr(&eval));
    let scores: Value = serde_json::from_slice(&eval.stdout).expect("json");
    let nll = scores["nll"].as_f64().expect("nll");
    assert!((nll - best).abs() < 1e-9, "{nll} vs {best}");

    // --val and --val-fraction together are refused; a bad validation file is named.
    let both = try_sweep(
        d,
        "space.toml",
        "k.log",
        2,
        &["--val", &val, "--val-fraction", "0.3"],
    );
    assert!(!both.status.success());
    assert!(
        stderr(&both).contains("--val-fraction"),
        "{}",
        stderr(&both)
    );
    let bad = file("bad.csv", &[]);
    std::fs::write(&bad, "waiting,other\n1,2\n").expect("write");
    let refused = try_sweep(d, "space.toml", "k.log", 2, &["--val", &bad]);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(
        message.contains("--val") && message.contains("eruptions"),
        "{message}"
    );
    assert!(!d.join("k.log").exists(), "no journal for a refused sweep");
}
