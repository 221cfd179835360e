//! A model file (`train --out`, the window's run store), as `load_model` reads it, then used
//! as `predict`, `eval` and `figure` use it.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return; // load_model reads text: invalid UTF-8 is refused before parsing
    };
    if let Ok((model, file)) = density_workbench::export::model_from_text(text, "fuzz.json") {
        common::exercise(&model, &file, bytes);
    }
});
