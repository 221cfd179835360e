//! An experiment file (`train --experiment`, the window's Save experiment), as `reproduce` and
//! the window's Open experiment read it; each run's model is then used as `figure` uses it.
//! The data files it names are not read (the fuzzer's paths could name any file).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(experiment) =
        density_workbench::export::experiment::Experiment::parse(text, "fuzz.json")
    else {
        return;
    };
    let _ = experiment.run_data().describe();
    for run in &experiment.runs {
        if let Some(data) = &run.summary.data {
            let _ = data.describe();
        }
        if let Some(file) = &run.model
            && let Ok(model) = file.to_model("fuzz.json")
        {
            common::exercise(&model, file, bytes);
        }
    }
});
