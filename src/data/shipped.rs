//! Tests over the files shipped in `datasets/`, and the helper that (re)writes the generated
//! ones: `cargo test --no-default-features write_shipped_datasets -- --ignored`.

use std::path::PathBuf;

use super::{DataError, MissingPolicy, Preset, PresetParams, load_table};

fn datasets_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets")
}

/// Rows shipped for each preset (lognormal gets more: it is the reference experiment).
fn shipped_params(preset: Preset) -> PresetParams {
    let n = if preset == Preset::Lognormal {
        2_000
    } else {
        1_000
    };
    PresetParams {
        n,
        seed: 0,
        ..preset.default_params()
    }
}

#[test]
#[ignore = "writes datasets/*.csv; run by hand after changing a preset"]
fn write_shipped_datasets() {
    for preset in Preset::ALL {
        let path = datasets_dir().join(format!("{}.csv", preset.name()));
        preset
            .generate(&shipped_params(preset))
            .unwrap()
            .save_csv(&path)
            .unwrap();
        if let Some(truth) = preset.truth(&shipped_params(preset)) {
            let data = preset.generate(&shipped_params(preset)).unwrap();
            eprintln!(
                "{}: best achievable mean NLL {:.4}",
                preset.name(),
                truth.mean_nll(&data)
            );
        }
    }
    let params = Preset::Lognormal.default_params();
    if let Some(truth) = Preset::Lognormal.truth(&params) {
        let data = Preset::Lognormal.generate(&params).unwrap();
        let nll = truth.mean_nll(&data);
        eprintln!("lognormal, default 200k rows: best mean NLL {nll:.4}");
    }
}

#[test]
fn shipped_presets_match_the_generators() {
    for preset in Preset::ALL {
        let path = datasets_dir().join(format!("{}.csv", preset.name()));
        let table = load_table(&path).unwrap();
        let selection = table
            .select(&table.default_roles(), MissingPolicy::Error)
            .unwrap();
        assert_eq!(selection.dropped_rows, 0);
        assert_eq!(
            selection.dataset,
            preset.generate(&shipped_params(preset)).unwrap(),
            "{} is stale: rerun write_shipped_datasets",
            path.display()
        );
    }
}

#[test]
fn faithful_loads() {
    let table = load_table(&datasets_dir().join("faithful.csv")).unwrap();
    assert_eq!(table.names, vec!["rownames", "eruptions", "waiting"]);
    assert_eq!(table.n_rows(), 272);
    let roles = super::ColumnRoles {
        x: vec!["waiting".into()],
        y: "eruptions".into(),
    };
    let data = table.select(&roles, MissingPolicy::Error).unwrap().dataset;
    assert_eq!(data.len(), 272);
    assert_eq!((data.x_flat()[0], data.y()[0]), (79.0, 3.6));
}

#[test]
fn bad_files_give_their_specific_errors() {
    let load = |name: &str| {
        let path = datasets_dir().join("bad").join(name);
        let table = load_table(&path)?;
        table.select(&table.default_roles(), MissingPolicy::Error)
    };
    let err = load("non_numeric.csv").unwrap_err();
    assert!(
        matches!(err, DataError::NotANumber { line: 4, ref column, .. } if column == "y"),
        "{err}"
    );
    assert!(
        err.to_string()
            .ends_with("non_numeric.csv, line 4, column \"y\": \"abc\" is not a number"),
        "{err}"
    );
    let err = load("ragged.csv").unwrap_err();
    assert!(
        matches!(
            err,
            DataError::RaggedRow {
                line: 5,
                expected: 2,
                found: 1,
                ..
            }
        ),
        "{err}"
    );
    let err = load("missing.csv").unwrap_err();
    assert!(
        matches!(err, DataError::MissingValue { line: 3, ref column, .. } if column == "y"),
        "{err}"
    );
    let err = load("nan.csv").unwrap_err();
    assert!(
        matches!(err, DataError::NonFiniteValue { line: 3, .. }),
        "{err}"
    );
    // the missing cell can be dropped instead
    let path = datasets_dir().join("bad").join("missing.csv");
    let table = load_table(&path).unwrap();
    let selection = table
        .select(&table.default_roles(), MissingPolicy::DropRows)
        .unwrap();
    assert_eq!((selection.dropped_rows, selection.dataset.len()), (1, 3));
}
