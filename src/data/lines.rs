//! Where a text file's data rows are (their line numbers, for messages) and the header check,
//! shared by the serial reader (`table.rs`) and the parallel one (`csv_parallel.rs`).

use super::error::DataError;

/// Line numbers of data rows as `(first row, offset)` breaks: `line = row + 2 + offset`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineMap {
    /// Signed: a lone `\r` ends a record without counting as a line.
    breaks: Vec<(usize, i64)>,
}

impl LineMap {
    pub(super) fn push(&mut self, row: usize, line: u64) {
        let offset = line as i64 - row as i64 - 2;
        if self.breaks.last().is_none_or(|&(_, o)| o != offset) {
            self.breaks.push((row, offset));
        }
    }

    pub(super) fn line(&self, row: usize) -> u64 {
        let k = self.breaks.partition_point(|&(r, _)| r <= row);
        let offset = k.checked_sub(1).map_or(0, |k| self.breaks[k].1);
        (row as i64 + 2 + offset).max(1) as u64
    }
}

/// Empty (after the first) or repeated column names are refused, naming the column.
pub(crate) fn check_header(names: &[String], source: &str) -> Result<(), DataError> {
    for (i, name) in names.iter().enumerate() {
        // pandas writes its index under an empty first name (see `index_columns.rs`).
        if name.is_empty() && i > 0 {
            return Err(DataError::EmptyColumnName {
                file: source.to_string(),
                column_number: i + 1,
            });
        }
        if let Some(j) = names[..i].iter().position(|other| other == name) {
            return Err(DataError::DuplicateColumn {
                file: source.to_string(),
                name: name.clone(),
                first: j + 1,
                second: i + 1,
            });
        }
    }
    Ok(())
}
