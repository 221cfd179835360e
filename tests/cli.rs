//! The command line as a user runs it: real files, real processes, including wrong input.

use std::path::Path;
use std::process::{Command, Output};

#[expect(
    clippy::expect_used,
    reason = "a helper of the tests: failing is failing the test"
)]
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

fn datasets() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets")
}

#[test]
fn generate_train_eval_predict_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let out = run(
        d,
        &[
            "generate",
            "--preset",
            "heteroscedastic",
            "--n",
            "600",
            "--seed",
            "3",
            "--out",
            "h.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let again = run(
        d,
        &[
            "generate",
            "--preset",
            "heteroscedastic",
            "--n",
            "600",
            "--out",
            "h.csv",
        ],
    );
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("h.csv: already exists (pass --force"),
        "{}",
        stderr(&again)
    );

    let train = run(
        d,
        &[
            "train",
            "--data",
            "h.csv",
            "--head",
            "normal",
            "--hidden",
            "16:tanh",
            "--epochs",
            "30",
            "--batch-size",
            "32",
            "--lr",
            "0.01",
            "--seed",
            "1",
            "--out",
            "m.json",
            "--json",
        ],
    );
    assert!(train.status.success(), "{}", stderr(&train));
    let stdout = String::from_utf8(train.stdout).expect("utf8");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 31, "30 epochs + summary");
    let summary = lines.last().expect("summary");
    for key in ["epochs", "steps", "train_seconds", "train_nll", "test_nll"] {
        assert!(
            summary.get(key).is_some_and(|v| !v.is_null()),
            "summary lacks {key}: {summary}"
        );
    }
    assert_eq!(summary["epochs"], 30);
    assert_eq!(summary["steps"], 30 * 15); // 480 training rows / 32
    // Where the step time went: the four phases add up to the training time.
    let phases = &summary["step_phase_seconds"];
    let phase_sum: f64 = ["gather", "gradient", "reduce", "update"]
        .iter()
        .map(|k| {
            phases[k]
                .as_f64()
                .unwrap_or_else(|| panic!("no {k}: {summary}"))
        })
        .sum();
    let train_seconds = summary["train_seconds"].as_f64().expect("number");
    assert!(
        (phase_sum - train_seconds).abs() < 1e-6,
        "{phase_sum} vs {train_seconds}"
    );
    // The wall time from first step to last also holds the held-out scoring of every epoch.
    let elapsed = summary["elapsed_seconds"].as_f64().expect("number");
    assert!(elapsed >= train_seconds, "{elapsed} vs {train_seconds}");
    let test_nll = summary["test_nll"].as_f64().expect("number");

    let eval = run(
        d,
        &["eval", "--model", "m.json", "--data", "h.csv", "--json"],
    );
    assert!(eval.status.success(), "{}", stderr(&eval));
    let scores: serde_json::Value = serde_json::from_slice(&eval.stdout).expect("json");
    assert_eq!(scores["rows"], 600);
    // The whole file mixes train and test rows; its NLL is close to the held-out one.
    assert!((scores["nll"].as_f64().expect("nll") - test_nll).abs() < 0.2);

    let predict = run(
        d,
        &[
            "predict", "--model", "m.json", "--data", "h.csv", "--out", "p.csv",
        ],
    );
    assert!(predict.status.success(), "{}", stderr(&predict));
    let text = std::fs::read_to_string(d.join("p.csv")).expect("predictions");
    let mut rows = text.lines();
    assert_eq!(
        rows.next(),
        Some("x,y,mean,std,median,mode,q05,q95,log_prob")
    );
    assert_eq!(rows.count(), 600);
    let mean_log_prob: f64 = text
        .lines()
        .skip(1)
        .map(|l| {
            l.rsplit(',')
                .next()
                .and_then(|v| v.parse::<f64>().ok())
                .expect("log_prob")
        })
        .sum::<f64>()
        / 600.0;
    assert!((-mean_log_prob - scores["nll"].as_f64().expect("nll")).abs() < 1e-4);
}

#[test]
fn classifier_reports_accuracy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let moons = datasets().join("moons.csv");
    let out = run(
        dir.path(),
        &[
            "train",
            "--data",
            moons.to_str().expect("path"),
            "--head",
            "bernoulli",
            "--hidden",
            "16:relu,16:relu",
            "--epochs",
            "40",
            "--batch-size",
            "32",
            "--lr",
            "0.01",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let last = String::from_utf8(out.stdout)
        .expect("utf8")
        .lines()
        .last()
        .map(String::from)
        .expect("summary");
    let summary: serde_json::Value = serde_json::from_str(&last).expect("json");
    assert!(
        summary["test_accuracy"].as_f64().expect("accuracy") > 0.9,
        "{summary}"
    );
}

#[test]
fn optimizer_settings_reach_the_training_and_its_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = |extra: &[&str]| {
        let mut args = vec![
            "train",
            "--data",
            "preset:heteroscedastic",
            "--n",
            "400",
            "--head",
            "normal",
            "--hidden",
            "8:tanh",
            "--epochs",
            "4",
            "--batch-size",
            "32",
            "--lr",
            "0.01",
            "--threads",
            "1",
            "--json",
        ];
        args.extend_from_slice(extra);
        let out = run(dir.path(), &args);
        assert!(out.status.success(), "{extra:?}: {}", stderr(&out));
        let stdout = String::from_utf8(out.stdout).expect("utf8");
        let last = stdout.lines().last().expect("summary").to_owned();
        serde_json::from_str::<serde_json::Value>(&last).expect("json")
    };
    let plain = summary(&[]);
    assert_eq!(plain["schedule"], "constant");
    assert_eq!(plain["final_learning_rate"], 0.01);
    let tuned = summary(&[
        "--schedule",
        "step:every=2,gamma=0.5",
        "--weight-decay",
        "0.01",
        "--clip-norm",
        "0.5",
    ]);
    assert_eq!(tuned["schedule"], "step:every=2,gamma=0.5");
    // After 4 epochs the next epoch is the fifth: two halvings.
    assert_eq!(tuned["final_learning_rate"], 0.0025);
    assert_ne!(
        tuned["test_nll"], plain["test_nll"],
        "the settings took effect"
    );
}

#[test]
fn bad_input_gives_one_clear_line_and_a_failure_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let bad = datasets().join("bad").join("non_numeric.csv");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["train".into(), "--data".into(), bad.display().to_string()],
            "line 4, column \"y\": \"abc\" is not a number",
        ),
        (
            vec!["train".into(), "--data".into(), "missing.csv".into()],
            "missing.csv: cannot read the file",
        ),
        (
            vec!["train".into(), "--data".into(), "preset:nope".into()],
            "unknown preset \"nope\"",
        ),
        (
            vec![
                "train".into(),
                "--data".into(),
                "preset:heteroscedastic".into(),
                "--head".into(),
                "bernoulli".into(),
            ],
            "needs a 0/1 target",
        ),
        (
            vec![
                "train".into(),
                "--data".into(),
                "preset:moons".into(),
                "--hidden".into(),
                "8:swish".into(),
            ],
            "unknown activation \"swish\"",
        ),
        (
            vec![
                "train".into(),
                "--data".into(),
                "preset:moons".into(),
                "--x".into(),
                "x9".into(),
            ],
            "--x/--y cannot choose other columns",
        ),
        (
            vec![
                "train".into(),
                "--data".into(),
                "preset:moons".into(),
                "--schedule".into(),
                "linear".into(),
            ],
            "--schedule <SCHEDULE>': unknown schedule \"linear\"",
        ),
        (
            vec![
                "train".into(),
                "--data".into(),
                "preset:moons".into(),
                "--schedule".into(),
                "step:every=5,warmup=2".into(),
            ],
            "step has no setting \"warmup\" (its settings: every, gamma)",
        ),
        (
            vec![
                "train".into(),
                "--data".into(),
                "preset:moons".into(),
                "--schedule".into(),
                "cosine:warmup=30".into(),
            ],
            "schedule cosine:warmup=30,min=0: the warmup (30 epochs) must be shorter than the run (20 epochs)",
        ),
        (
            vec![
                "train".into(),
                "--data".into(),
                "preset:moons".into(),
                "--clip-norm".into(),
                "0".into(),
            ],
            "the gradient clipping norm must be a positive number, not 0",
        ),
        (
            vec![
                "train".into(),
                "--data".into(),
                "preset:moons".into(),
                "--weight-decay=-1".into(),
            ],
            "the weight decay must be a finite number ≥ 0, not -1",
        ),
        (
            vec![
                "eval".into(),
                "--model".into(),
                bad.display().to_string(),
                "--data".into(),
                "preset:moons".into(),
            ],
            "not a valid model file",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(d, &args);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = stderr(&out);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn experiment_file_reproduces_and_notices_a_changed_data_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let out = run(
        d,
        &[
            "generate", "--preset", "bimodal", "--n", "400", "--out", "b.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let train = run(
        d,
        &[
            "train",
            "--data",
            "b.csv",
            "--head",
            "mixture:2",
            "--hidden",
            "8:tanh",
            "--epochs",
            "4",
            "--batch-size",
            "32",
            "--threads",
            "1",
            "--experiment",
            "e.json",
        ],
    );
    assert!(train.status.success(), "{}", stderr(&train));
    let again = run(d, &["reproduce", "e.json"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(String::from_utf8_lossy(&again.stdout).contains("reproduced exactly (4 epochs)"));

    let mut text = std::fs::read_to_string(d.join("b.csv")).expect("csv");
    text.push_str("0.5,0.25\n");
    std::fs::write(d.join("b.csv"), text).expect("write");
    let changed = run(d, &["reproduce", "e.json"]);
    assert!(!changed.status.success());
    assert!(
        stderr(&changed).contains("the data file has changed"),
        "{}",
        stderr(&changed)
    );
    std::fs::remove_file(d.join("b.csv")).expect("remove");
    let missing = run(d, &["reproduce", "e.json"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("b.csv"), "{}", stderr(&missing));
}
