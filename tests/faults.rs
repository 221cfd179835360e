//! The fault catalogue (issue 13): bad data, arguments, model files, experiment files, output
//! paths, a closed or full stdout and interruptions, each run as a real process. Every case
//! asserts the exit code, the message (what and where) and, for refusals, that the working
//! directory is byte for byte as it was: no partial output, no file replaced.
#![expect(
    clippy::expect_used,
    reason = "test helpers: a failed setup step is a failed test"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_density-workbench"))
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run the binary")
}

/// Every file of a directory with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read"))
        })
        .collect()
}

fn edit_json(src: &Path, dst: &Path, edit: impl Fn(&mut Value)) {
    let mut value: Value =
        serde_json::from_str(&std::fs::read_to_string(src).expect("read")).expect("json");
    edit(&mut value);
    std::fs::write(dst, value.to_string()).expect("write");
}

/// The fixture folder; removes it when dropped. Statics are never dropped, so the one guard
/// lives in a `Mutex` that a process-exit hook empties.
struct FixtureDir(PathBuf);

impl Drop for FixtureDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

static FIXTURE_GUARD: std::sync::Mutex<Option<FixtureDir>> = std::sync::Mutex::new(None);

extern "C" fn remove_fixtures() {
    let guard = FIXTURE_GUARD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    drop(guard);
}

/// Files every case starts from, built once: data, models (good and broken), experiments.
fn fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("dw-faults-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("fixture dir");
        *FIXTURE_GUARD.lock().expect("guard") = Some(FixtureDir(dir.clone()));
        // SAFETY: `remove_fixtures` is an `extern "C" fn()` that neither unwinds nor calls
        // `exit`; libtest's `main` returns normally (or calls `exit`), which runs it.
        let registered = unsafe { libc::atexit(remove_fixtures) };
        assert_eq!(registered, 0, "atexit");
        let ok = |args: &[&str]| {
            let out = run_in(&dir, args);
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let write =
            |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).expect("write");
        ok(&[
            "generate",
            "--preset",
            "lognormal",
            "--n",
            "60",
            "--out",
            "data.csv",
            "--force",
        ]);
        let small = ["--hidden", "4:relu", "--epochs", "1", "--force"];
        let mut normal = vec![
            "train",
            "--data",
            "data.csv",
            "--head",
            "normal",
            "--out",
            "normal.json",
        ];
        normal.extend(small);
        ok(&normal);
        let mut exp = vec![
            "train",
            "--data",
            "preset:lognormal",
            "--n",
            "60",
            "--head",
            "normal",
            "--experiment",
            "exp.json",
        ];
        exp.extend(small);
        ok(&exp);
        write(
            "binary.csv",
            b"x,y\n0.1,0\n0.2,1\n0.3,0\n0.4,1\n0.5,0\n0.6,1\n0.7,0\n0.8,1\n0.9,0\n1.0,1\n",
        );
        let mut bern = vec![
            "train",
            "--data",
            "binary.csv",
            "--head",
            "bernoulli",
            "--out",
            "bernoulli.json",
        ];
        bern.extend(small);
        ok(&bern);
        write(
            "label2.csv",
            b"x,y\n0.1,0\n0.2,2\n0.3,0\n0.4,1\n0.5,0\n0.6,1\n",
        );
        write("nox.csv", b"a,y\n1,2\n");
        write("noy.csv", b"x,b\n1,2\n2,3\n");
        write("big.csv", b"x,y\n1,2\n2,1e300\n3,4\n4,5\n5,6\n");
        write("negbig.csv", b"x,y\n1,2\n-1e31,3\n3,4\n4,5\n5,6\n");
        write("huge_x.csv", b"x,y\n1,2\n3.5e38,3\n");
        write("inf.csv", b"x,y\n1,2\ninf,3\n3,4\n4,5\n5,6\n");
        write("text.csv", b"x,y\n1,2\n2,abc\n");
        write("empty.csv", b"");
        write("header.csv", b"x,y\n");
        write("ragged.csv", b"x,y\n1,2\n3\n");
        write("missing.csv", b"x,y\n1,2\n2,\n3,4\n4,5\n5,6\n");
        write("bad.tsv", b"x\ty\n1\t2\n2\tbad\n");
        write(
            "long.csv",
            format!("x,y\n1,{}\n", "a".repeat(1_000_000)).as_bytes(),
        );
        write("control.csv", b"x,y\n1,\x1b[31mred\n");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("x,y\n1,2\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        write("utf16.csv", &utf16);
        write("notjson.json", b"this is not json");
        let normal_text = std::fs::read(dir.join("normal.json")).expect("read");
        write("truncated.json", &normal_text[..normal_text.len() / 2]);
        let model = dir.join("normal.json");
        let edit = |name: &str, f: &dyn Fn(&mut Value)| edit_json(&model, &dir.join(name), f);
        edit("wrongformat.json", &|v| {
            v["format"] = "something-else".into();
        });
        edit("version99.json", &|v| v["version"] = 99.into());
        edit("scale308.json", &|v| {
            v["scalers"]["y"]["std"] = 1e308.into();
        });
        edit("mean31.json", &|v| {
            v["scalers"]["x"][0]["mean"] = 1e31.into();
        });
        edit("std0.json", &|v| v["scalers"]["y"]["std"] = 0.0.into());
        edit("nullweight.json", &|v| {
            v["layers"][0]["bias"][0] = Value::Null;
        });
        edit("shape.json", &|v| {
            v["layers"][0]["kernel"] = serde_json::json!([]);
        });
        edit("paramsize.json", &|v| {
            v["architecture"]["params_size"] = 7.into();
        });
        edit("mixture0.json", &|v| {
            v["architecture"]["head"] = serde_json::json!({"kind": "mixture", "components": 0});
        });
        edit("width.json", &|v| {
            v["architecture"]["hidden"][0]["width"] = 4_611_686_018_427_387_904_u64.into();
        });
        let experiment = dir.join("exp.json");
        let edit_exp =
            |name: &str, f: &dyn Fn(&mut Value)| edit_json(&experiment, &dir.join(name), f);
        edit_exp("exp_v99.json", &|v| v["version"] = 99.into());
        edit_exp("exp_wide.json", &|v| {
            v["runs"][0]["config"]["hidden"][0]["width"] = 99_999_999_999_u64.into();
            v["runs"][0]["model"] = Value::Null;
        });
        edit_exp("exp_overflow.json", &|v| {
            v["runs"][0]["config"]["hidden"][0]["width"] = 4_611_686_018_427_387_904_u64.into();
            v["runs"][0]["model"] = Value::Null;
        });
        edit_exp("exp_badmodel.json", &|v| {
            v["runs"][0]["model"]["scalers"]["y"]["std"] = 1e308.into();
        });
        write("exp_notjson.json", b"{\"format\":");
        write("existing.json", b"keep me");
        write("existing.csv", b"keep me too");
        write("existing.svg", b"<svg>keep</svg>");
        std::fs::create_dir_all(dir.join("adir")).expect("dir");
        dir
    })
}

/// A fresh copy of the fixtures for one case.
fn case_dir(name: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(name)
        .tempdir()
        .expect("tempdir");
    for entry in std::fs::read_dir(fixtures()).expect("fixtures") {
        let path = entry.expect("entry").path();
        let target = dir.path().join(path.file_name().expect("name"));
        if path.is_dir() {
            std::fs::create_dir_all(target).expect("dir");
        } else {
            std::fs::copy(&path, target).expect("copy");
        }
    }
    dir
}

const TRAIN: &[&str] = &["train", "--hidden", "4:relu", "--epochs", "1"];
const PRESET: &[&str] = &["--data", "preset:lognormal", "--n", "60"];

/// (name, arguments, messages that must all appear in stderr); each must exit 1.
fn refusals() -> Vec<(&'static str, Vec<&'static str>, Vec<&'static str>)> {
    let train = |rest: &[&'static str]| [TRAIN, rest].concat();
    let preset = |rest: &[&'static str]| [TRAIN, PRESET, rest].concat();
    vec![
        // CSV/TSV data.
        (
            "data_missing",
            train(&["--data", "nothere.csv"]),
            vec!["nothere.csv"],
        ),
        (
            "data_directory",
            train(&["--data", "adir"]),
            vec!["adir", "directory"],
        ),
        (
            "data_device",
            train(&["--data", "/dev/zero"]),
            vec!["/dev/zero", "not a regular file"],
        ),
        (
            "data_utf16",
            train(&["--data", "utf16.csv"]),
            vec!["utf16.csv", "UTF-16"],
        ),
        (
            "data_long_cell",
            train(&["--data", "long.csv"]),
            vec!["long.csv", "line 2", "1000000 characters in all"],
        ),
        (
            "data_control_bytes",
            train(&["--data", "control.csv"]),
            vec!["control.csv", "\\u{1b}[31mred"],
        ),
        (
            "data_text_cell",
            train(&["--data", "text.csv"]),
            vec!["text.csv", "line 3", "\"y\"", "abc"],
        ),
        (
            "data_1e300",
            train(&["--data", "big.csv"]),
            vec!["big.csv", "row 2", "\"y\"", "1e300", "1e30"],
        ),
        (
            "data_minus_1e31",
            train(&["--data", "negbig.csv"]),
            vec!["negbig.csv", "row 2", "\"x\"", "1e31"],
        ),
        (
            "data_infinite",
            train(&["--data", "inf.csv"]),
            vec!["inf.csv"],
        ),
        (
            "data_empty",
            train(&["--data", "empty.csv"]),
            vec!["empty.csv"],
        ),
        (
            "data_header_only",
            train(&["--data", "header.csv"]),
            vec!["header.csv"],
        ),
        (
            "data_ragged",
            train(&["--data", "ragged.csv"]),
            vec!["ragged.csv", "line 3"],
        ),
        (
            "data_missing_value",
            train(&["--data", "missing.csv"]),
            vec!["missing.csv", "line 3"],
        ),
        (
            "data_tsv_text",
            train(&["--data", "bad.tsv"]),
            vec!["bad.tsv", "line 3", "bad"],
        ),
        (
            "data_unknown_y",
            train(&["--data", "data.csv", "--y", "zz"]),
            vec!["zz"],
        ),
        (
            "data_unknown_x",
            train(&["--data", "data.csv", "--x", "zz"]),
            vec!["zz"],
        ),
        (
            "data_bernoulli_label2",
            train(&["--data", "label2.csv", "--head", "bernoulli"]),
            vec!["0/1", "2"],
        ),
        (
            "data_test_missing",
            train(&["--data", "data.csv", "--test", "nothere.csv"]),
            vec!["nothere.csv"],
        ),
        (
            "data_unknown_preset",
            train(&["--data", "preset:nope"]),
            vec!["nope", "lognormal"],
        ),
        // Arguments.
        (
            "arg_lr_negative",
            preset(&["--lr", "-1"]),
            vec!["learning rate", "-1"],
        ),
        ("arg_lr_zero", preset(&["--lr", "0"]), vec!["learning rate"]),
        (
            "arg_lr_nan",
            preset(&["--lr", "NaN"]),
            vec!["learning rate"],
        ),
        (
            "arg_epochs_zero",
            [&["train", "--hidden", "4:relu", "--epochs", "0"], PRESET].concat(),
            vec!["epochs"],
        ),
        (
            "arg_batch_zero",
            preset(&["--batch-size", "0"]),
            vec!["batch size"],
        ),
        (
            "arg_hidden_huge",
            [
                &["train", "--hidden", "99999999999:relu", "--epochs", "1"],
                PRESET,
            ]
            .concat(),
            vec!["parameters", "100000000"],
        ),
        (
            "arg_hidden_overflow",
            [
                &[
                    "train",
                    "--hidden",
                    "4611686018427387904:relu",
                    "--epochs",
                    "1",
                ],
                PRESET,
            ]
            .concat(),
            vec!["more than 2^64 parameters"],
        ),
        (
            "arg_hidden_two_huge",
            [
                &[
                    "train",
                    "--hidden",
                    "100000:relu,100000:relu",
                    "--epochs",
                    "1",
                ],
                PRESET,
            ]
            .concat(),
            vec!["parameters"],
        ),
        (
            "arg_hidden_zero",
            [&["train", "--hidden", "0:relu", "--epochs", "1"], PRESET].concat(),
            vec!["width 0"],
        ),
        (
            "arg_hidden_activation",
            [&["train", "--hidden", "8:nope", "--epochs", "1"], PRESET].concat(),
            vec!["--hidden", "nope"],
        ),
        (
            "arg_hidden_width_text",
            [&["train", "--hidden", "abc:relu", "--epochs", "1"], PRESET].concat(),
            vec!["--hidden", "abc"],
        ),
        (
            "arg_head_mixture0",
            preset(&["--head", "mixture:0"]),
            vec!["mixture:0"],
        ),
        (
            "arg_head_unknown",
            preset(&["--head", "poisson"]),
            vec!["poisson"],
        ),
        (
            "arg_threads",
            preset(&["--threads", "100000"]),
            vec!["--threads 100000", "cores"],
        ),
        (
            "arg_early_stopping0",
            preset(&["--early-stopping", "0"]),
            vec!["--early-stopping 0"],
        ),
        (
            "arg_sigma_floor",
            preset(&["--sigma-floor", "-1"]),
            vec!["floor", "-1"],
        ),
        (
            "arg_weight_decay",
            preset(&["--weight-decay", "-1"]),
            vec!["weight decay", "-1"],
        ),
        (
            "arg_clip_norm",
            preset(&["--clip-norm", "0"]),
            vec!["clipping norm"],
        ),
        (
            "arg_schedule",
            preset(&["--schedule", "bogus"]),
            vec!["bogus"],
        ),
        (
            "arg_bench_threads",
            vec!["bench", "--threads", "100000", "--tasks", "moons"],
            vec!["--threads 100000"],
        ),
        // Model files.
        (
            "model_missing",
            vec!["eval", "--model", "nothere.json", "--data", "data.csv"],
            vec!["nothere.json", "cannot read"],
        ),
        (
            "model_not_json",
            vec!["eval", "--model", "notjson.json", "--data", "data.csv"],
            vec!["notjson.json", "not a valid model file"],
        ),
        (
            "model_truncated",
            vec!["eval", "--model", "truncated.json", "--data", "data.csv"],
            vec!["truncated.json", "not a valid model file"],
        ),
        (
            "model_wrong_format",
            vec!["eval", "--model", "wrongformat.json", "--data", "data.csv"],
            vec!["wrongformat.json", "something-else"],
        ),
        (
            "model_version",
            vec!["eval", "--model", "version99.json", "--data", "data.csv"],
            vec!["version99.json", "99"],
        ),
        (
            "model_scale_1e308",
            vec!["eval", "--model", "scale308.json", "--data", "data.csv"],
            vec!["scale308.json", "\"y\"", "1e308", "out of range"],
        ),
        (
            "model_mean_1e31",
            vec![
                "predict",
                "--model",
                "mean31.json",
                "--data",
                "data.csv",
                "--out",
                "p.csv",
            ],
            vec!["mean31.json", "\"x\"", "1e31"],
        ),
        (
            "model_std_zero",
            vec!["eval", "--model", "std0.json", "--data", "data.csv"],
            vec!["std0.json", "target scaler"],
        ),
        (
            "model_null_weight",
            vec!["eval", "--model", "nullweight.json", "--data", "data.csv"],
            vec!["nullweight.json"],
        ),
        (
            "model_kernel_shape",
            vec!["eval", "--model", "shape.json", "--data", "data.csv"],
            vec!["shape.json", "layer 1", "kernel"],
        ),
        (
            "model_params_size",
            vec!["eval", "--model", "paramsize.json", "--data", "data.csv"],
            vec!["paramsize.json", "params_size"],
        ),
        (
            "model_mixture0",
            vec!["eval", "--model", "mixture0.json", "--data", "data.csv"],
            vec!["mixture0.json", "0 components"],
        ),
        (
            "model_width_overflow",
            vec!["eval", "--model", "width.json", "--data", "data.csv"],
            vec!["width.json", "layer 1"],
        ),
        (
            "model_figure_scale_1e308",
            vec![
                "figure",
                "--model",
                "scale308.json",
                "--kind",
                "posterior",
                "--x-star",
                "1",
                "--out",
                "p.svg",
            ],
            vec!["scale308.json", "out of range"],
        ),
        (
            "model_figure_x_star_1e39",
            vec![
                "figure",
                "--model",
                "normal.json",
                "--kind",
                "posterior",
                "--x-star",
                "1e39",
                "--out",
                "p.svg",
            ],
            vec!["--x-star", "1e39"],
        ),
        (
            "model_figure_x_star_negative",
            vec![
                "figure",
                "--model",
                "normal.json",
                "--kind",
                "posterior",
                "--x-star",
                "-1e39",
                "--out",
                "p.svg",
            ],
            vec!["--x-star", "-1e39"],
        ),
        (
            "model_eval_label2",
            vec!["eval", "--model", "bernoulli.json", "--data", "label2.csv"],
            vec!["label2.csv", "row 2", "\"y\"", "0/1"],
        ),
        (
            "model_predict_label2",
            vec![
                "predict",
                "--model",
                "bernoulli.json",
                "--data",
                "label2.csv",
                "--out",
                "p.csv",
            ],
            vec!["label2.csv", "row 2", "0/1"],
        ),
        (
            "model_eval_preset_label",
            vec![
                "eval",
                "--model",
                "bernoulli.json",
                "--data",
                "preset:lognormal",
                "--n",
                "50",
            ],
            vec!["preset:lognormal", "0/1"],
        ),
        (
            "model_predict_huge_cell",
            vec![
                "predict",
                "--model",
                "normal.json",
                "--data",
                "huge_x.csv",
                "--out",
                "p.csv",
            ],
            vec!["huge_x.csv", "row 2", "\"x\"", "3.5e38"],
        ),
        // Experiment files.
        (
            "exp_missing",
            vec!["reproduce", "nothere.json"],
            vec!["nothere.json"],
        ),
        (
            "exp_not_json",
            vec!["reproduce", "exp_notjson.json"],
            vec!["exp_notjson.json"],
        ),
        (
            "exp_version",
            vec!["reproduce", "exp_v99.json"],
            vec!["exp_v99.json", "99"],
        ),
        (
            "exp_wide",
            vec!["reproduce", "exp_wide.json"],
            vec!["parameters", "100000000"],
        ),
        (
            "exp_overflow",
            vec!["reproduce", "exp_overflow.json"],
            vec!["more than 2^64 parameters"],
        ),
        (
            "exp_bad_model",
            vec!["reproduce", "exp_badmodel.json"],
            vec!["exp_badmodel.json", "run 1", "out of range"],
        ),
        (
            "exp_no_such_run",
            vec!["reproduce", "exp.json", "--run", "5"],
            vec!["exp.json", "no run 5"],
        ),
        (
            "exp_run_zero",
            vec!["reproduce", "exp.json", "--run", "0"],
            vec!["exp.json", "no run 0"],
        ),
        // Output paths, all refused before any training.
        (
            "out_twice",
            preset(&["--out", "x.json", "--experiment", "x.json", "--force"]),
            vec!["--out and --experiment both name x.json"],
        ),
        (
            "out_is_data",
            train(&["--data", "data.csv", "--out", "data.csv", "--force"]),
            vec!["--out data.csv", "input of --data"],
        ),
        (
            "out_is_test",
            train(&[
                "--data",
                "data.csv",
                "--test",
                "binary.csv",
                "--out",
                "binary.csv",
                "--force",
            ]),
            vec!["input of --test"],
        ),
        (
            "out_directory",
            preset(&["--out", "adir"]),
            vec!["--out adir", "directory"],
        ),
        (
            "out_device",
            preset(&["--out", "/dev/null", "--force"]),
            vec!["/dev/null", "not a regular file"],
        ),
        (
            "out_exists",
            preset(&["--out", "existing.json"]),
            vec!["existing.json", "--force"],
        ),
        (
            "out_experiment_exists",
            preset(&["--out", "new.json", "--experiment", "existing.json"]),
            vec!["--experiment existing.json", "--force"],
        ),
        (
            "out_no_directory",
            preset(&["--out", "nowhere/m.json"]),
            vec!["nowhere", "does not exist"],
        ),
        (
            "out_predict_is_model",
            vec![
                "predict",
                "--model",
                "normal.json",
                "--data",
                "data.csv",
                "--out",
                "normal.json",
                "--force",
            ],
            vec!["input of --model"],
        ),
        (
            "out_predict_is_data",
            vec![
                "predict",
                "--model",
                "normal.json",
                "--data",
                "data.csv",
                "--out",
                "data.csv",
                "--force",
            ],
            vec!["input of --data"],
        ),
        (
            "out_predict_exists",
            vec![
                "predict",
                "--model",
                "normal.json",
                "--data",
                "data.csv",
                "--out",
                "existing.csv",
            ],
            vec!["existing.csv", "--force"],
        ),
        (
            "out_generate_exists",
            vec!["generate", "--preset", "lognormal", "--out", "existing.csv"],
            vec!["existing.csv", "--force"],
        ),
        (
            "out_generate_directory",
            vec![
                "generate",
                "--preset",
                "lognormal",
                "--out",
                "adir",
                "--force",
            ],
            vec!["adir", "directory"],
        ),
        (
            "out_figure_exists",
            vec![
                "figure",
                "--model",
                "normal.json",
                "--kind",
                "loss",
                "--out",
                "existing.svg",
            ],
            vec!["existing.svg", "--force"],
        ),
        (
            "out_figure_is_model",
            vec![
                "figure",
                "--model",
                "normal.json",
                "--kind",
                "loss",
                "--out",
                "normal.json",
                "--force",
            ],
            vec![],
        ),
        // A data file without the model's columns: the file, the column and what it has.
        (
            "eval_no_input_column",
            vec!["eval", "--model", "normal.json", "--data", "nox.csv"],
            vec![
                "nox.csv",
                "no column named \"x\"",
                "the columns are: \"a\", \"y\"",
            ],
        ),
        (
            "eval_no_target_column",
            vec!["eval", "--model", "normal.json", "--data", "noy.csv"],
            vec![
                "noy.csv",
                "no column named \"y\"",
                "the columns are: \"x\", \"b\"",
            ],
        ),
        (
            "predict_no_input_column",
            vec![
                "predict",
                "--model",
                "normal.json",
                "--data",
                "nox.csv",
                "--out",
                "p.csv",
            ],
            vec![
                "nox.csv",
                "no column named \"x\"",
                "the columns are: \"a\", \"y\"",
            ],
        ),
        (
            "figure_no_input_column",
            vec![
                "figure",
                "--model",
                "normal.json",
                "--kind",
                "data",
                "--data",
                "nox.csv",
                "--out",
                "f.svg",
            ],
            vec![
                "nox.csv",
                "no column named \"x\"",
                "the columns are: \"a\", \"y\"",
            ],
        ),
        (
            "figure_no_target_column",
            vec![
                "figure",
                "--model",
                "normal.json",
                "--kind",
                "data",
                "--data",
                "noy.csv",
                "--out",
                "f.svg",
            ],
            vec![
                "noy.csv",
                "no column named \"y\"",
                "the columns are: \"x\", \"b\"",
            ],
        ),
    ]
}

#[test]
fn every_fault_is_refused_with_a_clear_message_and_nothing_written() {
    let cases = refusals();
    assert!(cases.len() >= 60, "the catalogue has {} cases", cases.len());
    let mut failures = Vec::new();
    for (name, args, messages) in &cases {
        let dir = case_dir(name);
        let before = snapshot(dir.path());
        let out = run_in(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        let missing: Vec<_> = messages.iter().filter(|m| !stderr.contains(**m)).collect();
        let error_lines = stderr.lines().filter(|l| l.starts_with("error:")).count();
        let unchanged = snapshot(dir.path()) == before;
        // clap's own usage errors exit 2; the program's refusals exit 1.
        let code_ok = matches!(code, Some(1 | 2));
        if !code_ok
            || !missing.is_empty()
            || error_lines != 1
            || !unchanged
            || stderr.contains("panicked")
        {
            failures.push(format!(
                "{name}: exit {code:?}, missing {missing:?}, {error_lines} error lines, files unchanged {unchanged}\n  stderr: {}",
                stderr.chars().take(400).collect::<String>()
            ));
        }
        if stderr.len() > 2000 {
            failures.push(format!("{name}: a {} byte message", stderr.len()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn train_args(out: &str, epochs: &str) -> Vec<String> {
    [
        "train",
        "--data",
        "preset:lognormal",
        "--head",
        "normal",
        "--epochs",
        epochs,
        "--json",
        "--out",
        out,
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect()
}

#[test]
fn a_closed_stdout_stops_quietly_and_the_model_is_saved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = bin()
        .args(train_args("m.json", "3"))
        .args(["--n", "600"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // `| head -0`: the reader goes away before the first line.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("error"),
        "{stderr}"
    );
    let check = run_in(
        dir.path(),
        &[
            "eval",
            "--model",
            "m.json",
            "--data",
            "preset:lognormal",
            "--n",
            "100",
        ],
    );
    assert!(
        check.status.success(),
        "the saved model loads: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_is_one_error_line_and_the_model_is_saved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = bin()
        .args(train_args("m.json", "2"))
        .args(["--n", "600"])
        .current_dir(dir.path())
        .stdout(full)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: cannot write to standard output"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        dir.path().join("m.json").is_file(),
        "saved before the summary"
    );
}

/// Sends `signal` `times` times to a training run once its `after`-th epoch is reported.
fn interrupt_training(signal: &str, times: usize, after: usize) -> (tempfile::TempDir, Output) {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = bin()
        .args(train_args("m.json", "1000"))
        .args(["--n", "20000"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = String::new();
    while !seen.contains(&format!("epoch {after:>3}/")) {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).expect("read") > 0,
            "ended early: {seen}"
        );
        seen.push_str(&line);
    }
    for _ in 0..times {
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("read");
    let status = child.wait().expect("wait");
    let output = Output {
        status,
        stdout: Vec::new(),
        stderr: format!("{seen}{rest}").into_bytes(),
    };
    (dir, output)
}

/// The saved model loads, and it is the epoch the message names: the one with the lowest
/// held-out NLL of its recorded history, scoring as that epoch did.
fn assert_saved_best_epoch(dir: &Path, stderr: &str) {
    let check = run_in(
        dir,
        &[
            "eval",
            "--model",
            "m.json",
            "--data",
            "preset:lognormal",
            "--n",
            "100",
        ],
    );
    assert!(
        check.status.success(),
        "the saved model loads: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let named: usize = stderr
        .split("saved the model of epoch ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("names the epoch saved: {stderr}"));
    let file: Value =
        serde_json::from_slice(&std::fs::read(dir.join("m.json")).expect("read")).expect("json");
    let history = file["training"]["history"].as_array().expect("history");
    assert!(history.len() >= named, "{} epochs", history.len());
    let nll = |e: &Value| e["test_nll"].as_f64().expect("test_nll");
    let best = history
        .iter()
        .min_by(|a, b| nll(a).total_cmp(&nll(b)))
        .expect("an epoch");
    assert_eq!(best["epoch"].as_u64(), Some(named as u64), "the best epoch");
    let saved_nll = file["training"]["test_nll"].as_f64().expect("test_nll");
    assert!(
        (saved_nll - nll(best)).abs() < 1e-6,
        "the saved model scores {saved_nll} as epoch {named} did ({})",
        nll(best)
    );
}

#[test]
fn ctrl_c_stops_at_the_end_of_the_epoch_and_saves_the_best_epoch() {
    let (dir, out) = interrupt_training("-INT", 1, 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted after epoch"), "{stderr}");
    assert!(stderr.contains("(the lowest held-out NLL"), "{stderr}");
    assert!(stderr.contains("to m.json"), "{stderr}");
    assert_saved_best_epoch(dir.path(), &stderr);
}

#[test]
fn sigterm_saves_the_best_epoch_like_ctrl_c() {
    let (dir, out) = interrupt_training("-TERM", 1, 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert_saved_best_epoch(dir.path(), &stderr);
}

#[test]
fn a_second_ctrl_c_exits_at_once_with_no_file_left() {
    let (dir, out) = interrupt_training("-INT", 2, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let left: Vec<_> = snapshot(dir.path()).into_keys().collect();
    assert!(
        left.is_empty() || left == ["m.json"],
        "nothing partial: {left:?}"
    );
}

/// `kill -9` cannot be caught: at whatever moment it lands (before, during or after the
/// save), the model file is either absent or complete and loadable.
#[test]
fn kill_9_at_any_moment_leaves_no_model_or_a_complete_one() {
    let start = |dir: &Path| {
        bin()
            .args(train_args("m.json", "2"))
            .args(["--n", "400", "--hidden", "8:relu"])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    // Kill at fractions of a whole run's length (measured here, not assumed), from 0 (before
    // anything) to past its end (saved).
    let whole = {
        let dir = tempfile::tempdir().expect("tempdir");
        let started = std::time::Instant::now();
        assert!(
            start(dir.path()).wait().expect("wait").success(),
            "a whole run"
        );
        started.elapsed()
    };
    let mut outcomes = BTreeMap::new();
    for tenth in [0u32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15] {
        let delay = whole * tenth / 10;
        let delay_ms = delay.as_millis();
        let dir = tempfile::tempdir().expect("tempdir");
        let mut child = start(dir.path());
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL; the run may have ended already
        let status = child.wait().expect("wait");
        let model = dir.path().join("m.json");
        let outcome = if model.exists() {
            let check = run_in(
                dir.path(),
                &[
                    "eval",
                    "--model",
                    "m.json",
                    "--data",
                    "preset:lognormal",
                    "--n",
                    "50",
                ],
            );
            assert!(
                check.status.success(),
                "after {delay_ms} ms: a model file that does not load: {}",
                String::from_utf8_lossy(&check.stderr)
            );
            "complete"
        } else {
            "absent"
        };
        let others: Vec<_> = snapshot(dir.path())
            .into_keys()
            .filter(|name| name != "m.json" && !is_temporary(name))
            .collect();
        assert!(others.is_empty(), "after {delay_ms} ms: {others:?}");
        outcomes.insert(delay_ms, (outcome, status.code()));
    }
    // Both ends were reached: a run killed before its save and one that had finished.
    let kinds: std::collections::BTreeSet<_> = outcomes.values().map(|(o, _)| *o).collect();
    assert_eq!(kinds.len(), 2, "{outcomes:?}");
}

/// The hidden temporary file of an atomic write (`.dw-*.tmp`), which a SIGKILL in the middle
/// of a save leaves beside the (untouched) target.
fn is_temporary(name: &str) -> bool {
    name.starts_with(".dw-") && name.ends_with(".tmp")
}

/// An experiment records data beside it relative to its own folder, and `reproduce` reads a
/// relative path from that folder whatever the current directory: the folder can move.
#[test]
fn reproduce_reads_an_experiments_relative_data_path_from_its_own_folder() {
    let root = tempfile::tempdir().expect("tempdir");
    let project = root.path().join("project");
    std::fs::create_dir_all(&project).expect("dir");
    let ok = |dir: &Path, args: &[&str]| {
        let out = run_in(dir, args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{args:?}: {stderr}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    ok(
        root.path(),
        &[
            "generate",
            "--preset",
            "lognormal",
            "--n",
            "80",
            "--out",
            "project/data.csv",
        ],
    );
    ok(
        root.path(),
        &[
            "train",
            "--data",
            "project/data.csv",
            "--head",
            "normal",
            "--hidden",
            "4:relu",
            "--epochs",
            "2",
            "--experiment",
            "project/exp.json",
        ],
    );
    let saved: Value =
        serde_json::from_slice(&std::fs::read(project.join("exp.json")).expect("read"))
            .expect("json");
    assert_eq!(
        saved["data"]["path"], "data.csv",
        "relative to the experiment"
    );

    // Moved, and reproduced from a directory that holds no data.
    let moved = root.path().join("elsewhere");
    std::fs::rename(&project, &moved).expect("move");
    let other = root.path().join("other");
    std::fs::create_dir_all(&other).expect("dir");
    let stdout = ok(&other, &["reproduce", "../elsewhere/exp.json"]);
    assert!(stdout.contains("reproduced exactly"), "{stdout}");

    // Data outside the experiment's folder are recorded with their absolute path.
    ok(
        root.path(),
        &[
            "train",
            "--data",
            "elsewhere/data.csv",
            "--head",
            "normal",
            "--hidden",
            "4:relu",
            "--epochs",
            "1",
            "--experiment",
            "other/exp.json",
        ],
    );
    let saved: Value =
        serde_json::from_slice(&std::fs::read(other.join("exp.json")).expect("read"))
            .expect("json");
    let path = saved["data"]["path"].as_str().expect("path");
    assert!(
        Path::new(path).is_absolute() && path.ends_with("elsewhere/data.csv"),
        "{path}"
    );
    let stdout = ok(&moved, &["reproduce", "../other/exp.json"]);
    assert!(stdout.contains("reproduced exactly"), "{stdout}");
}
