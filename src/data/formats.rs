//! Picks the reader of a data file from its extension.

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
