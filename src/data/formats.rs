//! Picks the reader of a data file from its extension.

use std::path::Path;

use super::error::DataError;
use super::fits::parse_fits;
use super::parquet::parse_parquet;
use super::table::{Table, parse_table, sha256_hex, sha256_hex_of};

/// Extensions (lower case, no dot) of the files [`load_table`] reads, for file dialogs.
pub const TABLE_EXTENSIONS: [&str; 8] =
    ["csv", "tsv", "txt", "fits", "fit", "fts", "parquet", "pq"];

/// The file formats [`load_table`] tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Fits,
    Parquet,
}

fn format_of(source: &str) -> Format {
    let lower = source.to_ascii_lowercase();
    let ends = |exts: &[&str]| exts.iter().any(|e| lower.ends_with(e));
    if ends(&[".fits", ".fit", ".fts"]) {
        Format::Fits
    } else if ends(&[".parquet", ".pq"]) {
        Format::Parquet
    } else {
        Format::Text
    }
}

/// Parses `bytes` as the format `source`'s extension names: FITS for `.fits`, `.fit`, `.fts`;
/// Parquet for `.parquet`, `.pq`; CSV/TSV for any other name.
pub fn parse_by_extension(bytes: &[u8], source: &str) -> Result<Table, DataError> {
    match format_of(source) {
        Format::Fits => parse_fits(bytes, source),
        Format::Parquet => parse_parquet(
            bytes::Bytes::copy_from_slice(bytes),
            sha256_hex(bytes),
            source,
        ),
        Format::Text => parse_table(bytes, source),
    }
}

/// Reads and parses a data file: FITS (`.fits`, `.fit`, `.fts`), Parquet (`.parquet`, `.pq`)
/// or CSV/TSV (anything else, see [`parse_table`]).
pub fn load_table(path: &Path) -> Result<Table, DataError> {
    let source = path.display().to_string();
    let io = |error| DataError::Io {
        file: source.clone(),
        error,
    };
    if format_of(&source) == Format::Parquet {
        // Hashed as a stream and read a column chunk at a time: a Parquet file's bytes need
        // not all be in memory next to its columns.
        let file = std::fs::File::open(path).map_err(io)?;
        let sha256 = sha256_hex_of(&file).map_err(io)?;
        return parse_parquet(file, sha256, &source);
    }
    let bytes = std::fs::read(path).map_err(io)?;
    parse_by_extension(&bytes, &source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dialog_extension_has_its_reader() {
        for ext in TABLE_EXTENSIONS {
            let expected = match ext {
                "fits" | "fit" | "fts" => Format::Fits,
                "parquet" | "pq" => Format::Parquet,
                _ => Format::Text,
            };
            assert_eq!(
                format_of(&format!("dir/Data.{}", ext.to_uppercase())),
                expected,
                "{ext}"
            );
        }
        assert_eq!(format_of("a.parquet.csv"), Format::Text);
    }
}
