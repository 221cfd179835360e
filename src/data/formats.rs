//! Picks the reader of a data file from its extension.

use std::path::Path;

use super::error::DataError;
use super::fits::parse_fits;
use super::table::{Table, parse_table};

/// Parses `bytes` as the format `source`'s extension names: FITS for `.fits`, `.fit`, `.fts`;
/// CSV/TSV for any other name.
pub fn parse_by_extension(bytes: &[u8], source: &str) -> Result<Table, DataError> {
    let lower = source.to_ascii_lowercase();
    if [".fits", ".fit", ".fts"].iter().any(|e| lower.ends_with(e)) {
        return parse_fits(bytes, source);
    }
    parse_table(bytes, source)
}

/// Reads and parses a data file: FITS (`.fits`, `.fit`, `.fts`) or CSV/TSV (anything else,
/// see [`parse_table`]).
pub fn load_table(path: &Path) -> Result<Table, DataError> {
    let source = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| DataError::Io {
        file: source.clone(),
        error: e,
    })?;
    parse_by_extension(&bytes, &source)
}
