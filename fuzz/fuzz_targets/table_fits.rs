//! A FITS binary table (`.fits`, `.fit`, `.fts`), as `train`, `eval`, `describe` and the window
//! read it: parsed, summarised, its default columns selected as `train` does and the model columns as `eval` does.
#![no_main]

use density_workbench::data::{MissingPolicy, parse_by_extension};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(table) = parse_by_extension(bytes, "fuzz.fits") else {
        return;
    };
    let _ = table.describe();
    let roles = table.default_roles();
    for policy in [MissingPolicy::Error, MissingPolicy::DropRows] {
        let _ = table.select(&roles, policy);
        let _ = table.select_for_model(&roles.x, &roles.y, policy);
    }
});
