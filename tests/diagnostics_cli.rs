//! The diagnostics from the command line: the stable `eval --json` names, the figure kinds,
//! and PIT shapes that tell an under-confident model from an over-confident one.
#![expect(
    clippy::expect_used,
    reason = "helpers outside #[test] functions fail the test on bad fixtures"
)]

use std::path::Path;
use std::process::{Command, Output};

const REGRESSION_FIELDS: [&str; 12] = [
    "crps",
    "pit_ks",
    "pit_ks_pvalue",
    "pit_cvm",
    "pit_ad",
    "coverage_50",
    "coverage_68",
    "coverage_90",
    "coverage_95",
    "miscalibration_area",
    "width_50",
    "width_90",
];
const CLASSIFIER_FIELDS: [&str; 5] = ["accuracy", "brier", "ece", "mce", "log_loss"];

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_density-workbench"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn train(dir: &Path, args: &[&str]) {
    let mut all = vec![
        "train",
        "--epochs",
        "15",
        "--batch-size",
        "64",
        "--lr",
        "0.01",
    ];
    all.extend_from_slice(args);
    ok(run(dir, &all));
}

fn eval_json(dir: &Path, model: &str, data: &[&str]) -> serde_json::Value {
    let mut args = vec!["eval", "--model", model, "--json"];
    args.extend_from_slice(data);
    serde_json::from_str(ok(run(dir, &args)).trim()).expect("one JSON object")
}

fn number(value: &serde_json::Value, key: &str) -> f64 {
    value[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no number {key} in {value}"))
}

#[test]
fn regression_eval_reports_every_contract_name_and_the_truth() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let data = ["--data", "preset:heteroscedastic", "--n", "1200"];
    train(
        d,
        &[
            &data[..],
            &[
                "--head",
                "mixture:3",
                "--hidden",
                "16:tanh",
                "--out",
                "m.json",
            ],
        ]
        .concat(),
    );
    let fresh = [
        "--data",
        "preset:heteroscedastic",
        "--n",
        "2000",
        "--data-seed",
        "9",
    ];
    let value = eval_json(d, "m.json", &fresh);
    for key in REGRESSION_FIELDS.iter().chain(&["nll"]) {
        assert!(number(&value, key).is_finite(), "{key}: {value}");
    }
    for key in [
        "coverage_50",
        "coverage_68",
        "coverage_90",
        "coverage_95",
        "pit_ks_pvalue",
    ] {
        assert!((0.0..=1.0).contains(&number(&value, key)), "{key}: {value}");
    }
    assert!(number(&value, "width_90") > number(&value, "width_50"));
    // The true density on the same rows is calibrated: coverage near nominal.
    let truth = &value["truth"];
    assert!((number(truth, "coverage_90") - 0.9).abs() < 0.03, "{truth}");
    assert!(
        number(truth, "nll") <= number(&value, "nll") + 0.05,
        "{value}"
    );
    for key in CLASSIFIER_FIELDS.iter().filter(|k| **k != "accuracy") {
        assert!(
            value.get(*key).is_none(),
            "{key} is for classifiers: {value}"
        );
    }

    for (kind, file) in [
        ("pit", "pit.png"),
        ("coverage", "cov.svg"),
        ("components", "c.png"),
    ] {
        let args = [
            &["figure", "--model", "m.json", "--kind", kind, "--out", file][..],
            &fresh,
        ]
        .concat();
        ok(run(d, &args));
        assert!(
            d.join(file).metadata().expect("written").len() > 1000,
            "{kind}"
        );
    }
    let out = run(
        d,
        &[
            &[
                "figure",
                "--model",
                "m.json",
                "--kind",
                "reliability",
                "--out",
                "r.png",
            ][..],
            &fresh,
        ]
        .concat(),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Bernoulli"));
}

#[test]
fn classifier_eval_reports_calibration_scores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let data = ["--data", "preset:moons", "--n", "1000"];
    train(
        d,
        &[
            &data[..],
            &[
                "--head",
                "bernoulli",
                "--hidden",
                "16:relu",
                "--out",
                "b.json",
            ],
        ]
        .concat(),
    );
    let value = eval_json(d, "b.json", &data);
    for key in CLASSIFIER_FIELDS.iter().chain(&["nll"]) {
        assert!(number(&value, key).is_finite(), "{key}: {value}");
    }
    assert!(
        (number(&value, "log_loss") - number(&value, "nll")).abs() < 1e-4,
        "{value}"
    );
    assert!(value.get("crps").is_none());
    ok(run(
        d,
        &[
            &[
                "figure",
                "--model",
                "b.json",
                "--kind",
                "reliability",
                "--out",
                "r.png",
            ][..],
            &data,
        ]
        .concat(),
    ));
    let out = run(
        d,
        &[
            &[
                "figure", "--model", "b.json", "--kind", "pit", "--out", "p.png",
            ][..],
            &data,
        ]
        .concat(),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("regression model"));
}

#[test]
fn a_floor_far_too_high_gives_a_dome_shaped_pit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let data = ["--data", "preset:heteroscedastic", "--n", "1200"];
    train(
        d,
        &[
            &data[..],
            &[
                "--head",
                "normal",
                "--hidden",
                "16:tanh",
                "--sigma-floor",
                "1.5",
                "--out",
                "wide.json",
            ],
        ]
        .concat(),
    );
    let value = eval_json(d, "wide.json", &data);
    // Every interval too wide: far more rows inside than nominal, the PIT piled in the middle.
    assert!(number(&value, "coverage_50") > 0.8, "{value}");
    assert!(number(&value, "pit_ks_pvalue") < 1e-6, "{value}");
}

#[test]
fn no_inputs_fits_p_of_y_end_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // Galaxy-like velocities: two clumps, written as a one-column file.
    let mut csv = String::from("velocity\n");
    for i in 0..600 {
        let jitter = ((i * 7919) % 101) as f64 / 50.0 - 1.0;
        let v = if i % 10 < 3 {
            10.0 + jitter
        } else {
            21.0 + jitter
        };
        csv.push_str(&format!("{v}\n"));
    }
    std::fs::write(d.join("galaxies.csv"), csv).expect("write");
    let common = [
        "--head",
        "mixture:2",
        "--hidden",
        "",
        "--epochs",
        "40",
        "--lr",
        "0.02",
    ];
    ok(run(
        d,
        &[
            &[
                "train",
                "--data",
                "galaxies.csv",
                "--x",
                "",
                "--out",
                "py.json",
            ][..],
            &common,
        ]
        .concat(),
    ));
    let value = eval_json(d, "py.json", &["--data", "galaxies.csv"]);
    assert!(
        number(&value, "nll").is_finite() && number(&value, "crps") > 0.0,
        "{value}"
    );
    ok(run(
        d,
        &[
            "predict",
            "--model",
            "py.json",
            "--data",
            "galaxies.csv",
            "--out",
            "p.csv",
        ],
    ));
    let predictions = std::fs::read_to_string(d.join("p.csv")).expect("read");
    assert_eq!(
        predictions.lines().count(),
        601,
        "a header and one line per row"
    );
    ok(run(
        d,
        &[
            "figure",
            "--model",
            "py.json",
            "--kind",
            "posterior",
            "--out",
            "post.svg",
        ],
    ));
    let out = run(
        d,
        &[
            "figure",
            "--model",
            "py.json",
            "--data",
            "galaxies.csv",
            "--kind",
            "data",
            "--out",
            "d.svg",
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no inputs"),
        "{out:?}"
    );

    // Beside a conditional model: the information its inputs carry, in nats.
    let preset = ["--data", "preset:heteroscedastic", "--n", "1500"];
    ok(run(
        d,
        &[
            &["train", "--x", "", "--out", "base.json"][..],
            &preset,
            &common,
        ]
        .concat(),
    ));
    ok(run(
        d,
        &[
            &[
                "train",
                "--head",
                "normal",
                "--hidden",
                "16:tanh",
                "--epochs",
                "30",
                "--lr",
                "0.01",
                "--out",
                "cond.json",
            ][..],
            &preset,
        ]
        .concat(),
    ));
    let value = eval_json(
        d,
        "cond.json",
        &[&preset[..], &["--baseline", "base.json"]].concat(),
    );
    let info = number(&value, "information_nats");
    assert!(
        info > 0.3,
        "the inputs of heteroscedastic data carry information: {value}"
    );
    assert!((number(&value, "baseline_nll") - number(&value, "nll") - info).abs() < 1e-9);
}
