//! A CSV/TSV data file, as `train`, `eval`, `describe` and the window read it: parsed, summarised,
//! its default columns selected as `train` does and the model columns as `eval` does.
#![no_main]

use density_workbench::data::{MissingPolicy, parse_by_extension};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    // The first byte picks the name, so both the CSV and the TSV rules are reached.
    let Some((&pick, bytes)) = bytes.split_first() else {
        return;
    };
    let name = if pick % 2 == 0 {
        "fuzz.csv"
    } else {
        "fuzz.tsv"
    };
    let Ok(table) = parse_by_extension(bytes, name) else {
        return;
    };
    let _ = table.describe();
    let roles = table.default_roles();
    for policy in [MissingPolicy::Error, MissingPolicy::DropRows] {
        let _ = table.select(&roles, policy);
        let _ = table.select_for_model(&roles.x, &roles.y, policy);
    }
});
