//! FITS tables, Parquet files, `describe`, and the index-column rule, through the library and
//! the CLI.

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
fn describe_json_is_the_same_for_csv_fits_and_parquet() {
    let describe = |name: &str| {
        let (ok, json, err) = cli(&[
            "describe",
            "--data",
            dataset(name).to_str().unwrap(),
            "--json",
        ]);
        assert!(ok, "{name}: {err}");
        json
    };
    let csv = describe("faithful.csv");
    assert_eq!(describe("formats/faithful.fits"), csv);
    assert_eq!(describe("formats/faithful.parquet"), csv);
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
fn a_parquet_file_reads_like_the_same_csv() {
    let csv = load_table(&dataset("faithful.csv")).unwrap();
    let parquet = load_table(&dataset("formats/faithful.parquet")).unwrap();
    assert_eq!(parquet.names, csv.names);
    assert_eq!(parquet.default_roles(), csv.default_roles());
    assert_eq!(parquet.index_columns(), vec!["rownames"]);
    let a = csv
        .select(&csv.default_roles(), MissingPolicy::Error)
        .unwrap();
    let b = parquet
        .select(&parquet.default_roles(), MissingPolicy::Error)
        .unwrap();
    assert_eq!(a.dataset, b.dataset);
    // the same bytes give the same table through the in-memory entry point
    let bytes = std::fs::read(dataset("formats/faithful.parquet")).unwrap();
    let again = density_workbench::data::parse_by_extension(&bytes, "faithful.parquet").unwrap();
    assert_eq!(again.sha256, parquet.sha256);
    assert_eq!(again.describe(), parquet.describe());
}

#[test]
fn every_parquet_codec_but_brotli_reads_the_same_values() {
    let t = load_table(&dataset("formats/codecs.parquet")).unwrap();
    assert_eq!(t.names, vec!["none", "snappy", "gzip", "lz4", "zstd"]);
    for j in 1..t.n_columns() {
        assert_eq!(t.column(j).values(), t.column(0).values(), "{}", t.names[j]);
    }
    assert_eq!(t.column(0).values()[0], 79.0); // faithful.csv's first waiting time
    let path = dataset("formats/brotli.parquet");
    let err = load_table(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}, column \"rownames\": the column is compressed with brotli, which this reader does not support (write the file with snappy, gzip, lz4 or zstd compression)",
            path.display()
        )
    );
}

#[test]
fn parquet_columns_of_every_kind() {
    let path = dataset("formats/mixed.parquet");
    let t = load_table(&path).unwrap();
    assert_eq!(
        t.names,
        vec![
            "name", "vec", "point", "when", "count", "flux", "big", "flag", "price", "y"
        ]
    );
    assert_eq!(t.n_rows(), 4);
    let file = path.display().to_string();
    let msg = |x: &[&str], policy| t.select(&roles(x, "y"), policy).unwrap_err().to_string();
    for (column, holds) in [
        ("name", "text"),
        ("vec", "lists of values"),
        ("point", "nested records (a struct)"),
        ("when", "timestamps"),
    ] {
        assert_eq!(
            msg(&[column], MissingPolicy::Error),
            format!("{file}, column \"{column}\": the column holds {holds}, not numbers")
        );
    }
    // a null at row 2 (two rows per row group: the second group is read too)
    assert_eq!(
        msg(&["count"], MissingPolicy::Error),
        format!(
            "{file}, row 2, column \"count\": the value is null (use the drop-rows policy to skip such rows)"
        )
    );
    assert_eq!(
        msg(&["flux"], MissingPolicy::DropRows),
        format!("{file}, row 3, column \"flux\": NaN is not a finite number")
    );
    let s = t
        .select(
            &roles(&["count", "big", "flag", "price"], "y"),
            MissingPolicy::DropRows,
        )
        .unwrap();
    assert_eq!(s.dropped_rows, 1);
    assert_eq!(
        s.dataset.x_flat(),
        vec![
            3.0, 1.0, 1.0, 1.25, // row 1
            5.0, 3.0, 0.0, -3.75, // row 3
            6.0, 4e9, 1.0, 4.0, // row 4: an unsigned 32-bit value beyond i32
        ]
    );
    assert_eq!(s.dataset.y().to_vec(), vec![0.1, 0.3, 0.5]);
    let summary = t.describe();
    assert_eq!(summary.columns[4].missing, 1);
    assert_eq!(summary.columns[0].mean, None);
}

#[test]
fn bad_parquet_files_name_the_file_and_the_problem() {
    let path = dataset("formats/truncated.parquet");
    let err = load_table(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: the file is truncated (its footer, which must end with PAR1, is missing)",
            path.display()
        )
    );
    // a CSV file named .parquet
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("data.parquet");
    std::fs::write(&fake, "x,y\n1,2\n").unwrap();
    let err = load_table(&fake).unwrap_err().to_string();
    assert!(
        err.ends_with("not a Parquet file (it does not start with PAR1)"),
        "{err}"
    );
    let (ok, _, stderr) = cli(&["describe", "--data", path.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("the file is truncated"), "{stderr}");
}

#[test]
fn fits_non_numeric_columns_fail_only_when_selected() {
    let path = dataset("formats/mixed.fits");
    let t = load_table(&path).unwrap();
    assert_eq!(t.names, vec!["name", "vec", "count", "flux", "flag", "y"]);
    // logical values are 0/1, as Parquet booleans
    assert_eq!(t.column(4).values(), &[1.0, 0.0, 1.0, 1.0]);
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
    assert_eq!(s.dataset.x_flat(), vec![3.0, 1.5, 6.0, 4.0]);
    assert_eq!(s.dataset.y().to_vec(), vec![0.1, 0.5]);
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
