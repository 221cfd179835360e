//! An Optuna journal (`sweep --journal`), as a sweep resuming it reads it: each line parsed as
//! `JournalFile::read_new` does and replayed, then every trial decoded against a space.
#![no_main]

use density_workbench::sweep::Space;
use density_workbench::sweep::journal::parse_line;
use density_workbench::sweep::replay::Replay;
use density_workbench::sweep::study::decode_params;
use libfuzzer_sys::fuzz_target;

const SPACE: &str = r#"
[search]
lr = { log_uniform = [1e-4, 3e-2] }
width = { choice = [8, 16] }
depth = { int = [1, 2] }
"#;

fuzz_target!(|bytes: &[u8]| {
    let Ok(space) = Space::parse(SPACE, "space.toml") else {
        return;
    };
    let mut replay = Replay::default();
    for raw in bytes.split_inclusive(|&b| b == b'\n') {
        let text = String::from_utf8_lossy(raw);
        if let Ok(log) = parse_line(text.trim_end()) {
            replay.apply(&log);
        }
    }
    for name in replay.study_names() {
        if let Some(study) = replay.study_by_name(&name) {
            for trial in replay.trials_of(study.study_id) {
                let _ = trial.value();
                let _ = decode_params(trial, &space);
            }
        }
    }
});
