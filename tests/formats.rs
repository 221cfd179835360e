//! FITS tables, `describe`, and the index-column rule, through the library and the CLI.

use std::path::{Path, PathBuf};
use std::process::Command;

use density_workbench::data::{ColumnRoles, DataError, MissingPolicy, load_table};

fn dataset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("datasets")
        .join(name)
}

fn cli(args: &[&str]) -> (bool, String, String) {
    let Ok(out) = Command::new(env!("CARGO_BIN_EXE_density-workbench"))
        .args(args)
        .output()
    else {
        return (false, String::new(), "the binary did not start".to_string());
    };
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn roles(x: &[&str], y: &str) -> ColumnRoles {
    ColumnRoles {
        x: x.iter().map(|s| s.to_string()).collect(),
        y: y.to_string(),
    }
}

#[test]
fn a_fits_table_reads_like_the_same_csv() {
    let csv = load_table(&dataset("faithful.csv")).unwrap();
    let fits = load_table(&dataset("formats/faithful.fits")).unwrap();
    assert_eq!(fits.names, csv.names);
    assert_eq!(fits.n_rows(), 272);
    assert_eq!(fits.default_roles(), csv.default_roles());
    let a = csv
        .select(&csv.default_roles(), MissingPolicy::Error)
        .unwrap();
    let b = fits
        .select(&fits.default_roles(), MissingPolicy::Error)
        .unwrap();
    assert_eq!(a.dataset, b.dataset);
    assert_eq!(csv.describe(), fits.describe());
}

#[test]
fn describe_json_is_the_same_for_csv_and_fits() {
    let (ok, csv, err) = cli(&[
        "describe",
        "--data",
        dataset("faithful.csv").to_str().unwrap(),
        "--json",
    ]);
    assert!(ok, "{err}");
    let (ok, fits, err) = cli(&[
        "describe",
        "--data",
        dataset("formats/faithful.fits").to_str().unwrap(),
        "--json",
    ]);
    assert!(ok, "{err}");
    assert_eq!(csv, fits);
    let v: serde_json::Value = serde_json::from_str(&csv).unwrap();
    assert_eq!(v["rows"], 272);
    let columns = v["columns"].as_array().unwrap();
    assert_eq!(columns.len(), 3);
    assert_eq!(columns[1]["name"], "eruptions");
    for key in ["min", "max", "mean", "std", "missing"] {
        assert!(columns[1].get(key).is_some(), "{key} in {csv}");
    }
    assert_eq!(columns[2]["min"], 43.0); // min waiting time in Old Faithful's data
    let (ok, text, _) = cli(&[
        "describe",
        "--data",
        dataset("faithful.csv").to_str().unwrap(),
    ]);
    assert!(ok);
    assert!(
        text.contains("272 rows") && text.contains("eruptions"),
        "{text}"
    );
}

#[test]
fn fits_non_numeric_columns_fail_only_when_selected() {
    let path = dataset("formats/mixed.fits");
    let t = load_table(&path).unwrap();
    assert_eq!(t.names, vec!["name", "vec", "count", "flux", "y"]);
    let msg = |x: &[&str], policy| t.select(&roles(x, "y"), policy).unwrap_err().to_string();
    let file = path.display().to_string();
    assert_eq!(
        msg(&["name"], MissingPolicy::Error),
        format!("{file}, column \"name\": the column holds text (TFORM 8A), not numbers")
    );
    assert_eq!(
        msg(&["vec"], MissingPolicy::Error),
        format!(
            "{file}, column \"vec\": the column holds vectors of 3 values (TFORM 3D), not numbers"
        )
    );
    // TNULL integer at row 2, NaN float at row 3: nulls, named by row
    assert_eq!(
        msg(&["count"], MissingPolicy::Error),
        format!(
            "{file}, row 2, column \"count\": the value is null (use the drop-rows policy to skip such rows)"
        )
    );
    let err = t
        .select(&roles(&["flux"], "y"), MissingPolicy::Error)
        .unwrap_err();
    assert!(matches!(err, DataError::NullValue { row: 3, .. }), "{err}");
    let s = t
        .select(&roles(&["count", "flux"], "y"), MissingPolicy::DropRows)
        .unwrap();
    assert_eq!(s.dropped_rows, 2);
    assert_eq!(s.dataset.x, vec![3.0, 1.5, 6.0, 4.0]);
    assert_eq!(s.dataset.y, vec![0.1, 0.5]);
}

#[test]
fn bad_fits_files_name_the_file_and_the_problem() {
    for (name, expected) in [
        ("formats/image_only.fits", "has no binary table"),
        ("formats/truncated.fits", "the file is truncated"),
        ("formats/compressed.fits", "tile-compressed"),
    ] {
        let path = dataset(name);
        let err = load_table(&path).unwrap_err().to_string();
        assert!(err.starts_with(&path.display().to_string()), "{err}");
        assert!(err.contains(expected), "{name}: {err}");
    }
    let err = density_workbench::data::parse_table(b"x,y\n1,2\n", "t.csv").map(|_| ());
    assert!(err.is_ok());
}

#[test]
fn the_cli_skips_an_index_column_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let (ok, _, err) = cli(&[
        "train",
        "--data",
        dataset("faithful.csv").to_str().unwrap(),
        "--epochs",
        "1",
        "--head",
        "normal",
        "--hidden",
        "",
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        err.contains("column \"rownames\" is a row index") && err.contains("not used as an input"),
        "{err}"
    );
    let saved = std::fs::read_to_string(&model).unwrap();
    assert!(
        !saved.contains("\"rownames\""),
        "rownames must not be an input"
    );
}
