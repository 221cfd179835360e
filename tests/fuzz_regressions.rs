//! Every input a fuzz target once crashed on (`fuzz/regressions/<target>/`), read again by
//! the same library entry point in the normal test suite: each must be accepted or refused
//! with an error naming the file, never panic. A new crash becomes a test by adding its file.

use std::path::Path;

use density_workbench::data::parse_by_extension;
use density_workbench::export::experiment::Experiment;
use density_workbench::export::model_from_text;
use density_workbench::sweep::Space;

/// What each fuzz target parses, as an error message (or `None` when accepted).
fn parse(target: &str, bytes: &[u8], name: &str) -> Option<String> {
    let text = || String::from_utf8_lossy(bytes).into_owned();
    match target {
        "table_csv" => parse_by_extension(bytes, name).err().map(|e| e.to_string()),
        "table_fits" => parse_by_extension(bytes, name).err().map(|e| e.to_string()),
        "model_file" | "ensemble_file" => {
            model_from_text(&text(), name).err().map(|e| e.to_string())
        }
        "experiment_file" => Experiment::parse(&text(), name)
            .err()
            .map(|e| e.to_string()),
        "sweep_space" => Space::parse(&text(), name).err().map(|e| e.to_string()),
        "optuna_journal" => {
            for line in text().lines() {
                let _ = density_workbench::sweep::journal::parse_line(line);
            }
            None
        }
        other => panic!("fuzz/regressions/{other}: no such fuzz target"),
    }
}

#[test]
fn every_input_that_once_crashed_a_fuzz_target_is_read_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut checked = 0;
    for target in std::fs::read_dir(&root).expect("fuzz/regressions") {
        let target = target.expect("entry").path();
        let target_name = target
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for file in std::fs::read_dir(&target).expect("target folder") {
            let path = file.expect("entry").path();
            let bytes = std::fs::read(&path).expect("read");
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            if let Some(message) = parse(&target_name, &bytes, &name) {
                assert!(message.contains(&name), "{target_name}/{name}: {message}");
            }
            checked += 1;
        }
    }
    assert!(
        checked > 0,
        "no regression inputs found under {}",
        root.display()
    );
}
