//! The one error type of the data module.
//!
//! Every variant produced while reading a file names the file (as given by the caller) and,
//! where it applies, the 1-based line number in the file (the header is line 1) and the column
//! name, so a user can open the file and go straight to the problem.

use std::fmt;

/// Everything that can go wrong while loading, selecting, building or splitting data.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read at all.
    #[error("{file}: cannot read the file: {error}")]
    Io { file: String, error: std::io::Error },
    /// The file has no bytes (or only whitespace).
    #[error("{file}: the file is empty (a header row and at least one data row are needed)")]
    EmptyFile { file: String },
    /// The file has a header row but no data rows.
    #[error("{file}: the file has a header row but no data rows")]
    NoDataRows { file: String },
    /// A line holds bytes that are not valid UTF-8.
    #[error("{file}, line {line}: the line is not valid UTF-8 text")]
    NonUtf8 { file: String, line: u64 },
    /// A data row has a different number of fields than the header.
    #[error("{file}, line {line}: expected {expected} fields (as in the header) but found {found}")]
    RaggedRow {
        file: String,
        line: u64,
        expected: usize,
        found: usize,
    },
    /// Two header cells have the same name.
    #[error(
        "{file}, line 1: column name \"{name}\" appears twice (columns {first} and {second}); column names must be unique"
    )]
    DuplicateColumn {
        file: String,
        name: String,
        first: usize,
        second: usize,
    },
    /// A header cell is empty.
    #[error("{file}, line 1: column {column_number} has an empty name")]
    EmptyColumnName { file: String, column_number: usize },
    /// The CSV parser itself failed (should be rare: the reader is flexible).
    #[error("{file}{}: {message}", LineSuffix(*line))]
    Csv {
        file: String,
        line: Option<u64>,
        message: String,
    },
    /// A selected cell is not a number.
    #[error("{file}, line {line}, column \"{column}\": \"{text}\" is not a number")]
    NotANumber {
        file: String,
        line: u64,
        column: String,
        text: String,
    },
    /// A selected cell is empty (or `NA`) and the missing-value policy is `Error`.
    #[error(
        "{file}, line {line}, column \"{column}\": the cell is missing (use the drop-rows policy to skip such rows)"
    )]
    MissingValue {
        file: String,
        line: u64,
        column: String,
    },
    /// A selected cell is `nan`, `inf` or `-inf`.
    #[error("{file}, line {line}, column \"{column}\": \"{text}\" is not a finite number")]
    NonFiniteValue {
        file: String,
        line: u64,
        column: String,
        text: String,
    },
    /// A selected cell of a binary file (Parquet, FITS) is null and the policy is `Error`.
    #[error(
        "{file}, row {row}, column \"{column}\": the value is null (use the drop-rows policy to skip such rows)"
    )]
    NullValue {
        file: String,
        row: u64,
        column: String,
    },
    /// A selected value of a binary file is NaN or infinite.
    #[error("{file}, row {row}, column \"{column}\": {text} is not a finite number")]
    NonFiniteAtRow {
        file: String,
        row: u64,
        column: String,
        text: String,
    },
    /// A selected column of a binary file holds no numbers (text, dates, vectors, …).
    #[error("{file}, column \"{column}\": the column holds {type_name}, not numbers")]
    NotNumericColumn {
        file: String,
        column: String,
        type_name: String,
    },
    /// A binary file (Parquet, FITS) is malformed or uses a feature this reader lacks.
    #[error("{file}{}: {message}", ColumnSuffix(column.as_deref()))]
    BadFile {
        file: String,
        column: Option<String>,
        message: String,
    },
    /// A column role names a column that the file does not have.
    #[error(
        "{file}: no column named \"{name}\"; the columns are: {}",
        QuotedList(available)
    )]
    UnknownColumn {
        file: String,
        name: String,
        available: Vec<String>,
    },
    /// The target column is also listed among the inputs.
    #[error("{file}: column \"{name}\" is the target and cannot also be an input")]
    TargetAlsoInput { file: String, name: String },
    /// An input column is listed twice.
    #[error("{file}: input column \"{name}\" is listed twice")]
    DuplicateInput { file: String, name: String },
    /// Every value of a selected column is the same, so it cannot be standardised.
    #[error(
        "{file}, column \"{column}\": every value is {value}; a constant column cannot be standardised"
    )]
    ConstantColumn {
        file: String,
        column: String,
        value: f64,
    },
    /// The drop-rows policy dropped every row.
    #[error("{file}: all {dropped} data rows have a missing cell in a selected column")]
    AllRowsDropped { file: String, dropped: usize },
    /// `Dataset::new` was given vectors of inconsistent lengths.
    #[error(
        "inconsistent dataset shape: {n_rows} targets and {n_inputs} inputs need {expected} input values, found {found}"
    )]
    ShapeMismatch {
        n_rows: usize,
        n_inputs: usize,
        expected: usize,
        found: usize,
    },
    /// `Dataset::from_arrays` was given an input array of another shape than rows × inputs.
    #[error(
        "inconsistent dataset shape: {n_rows} targets and {n_inputs} inputs need a {n_rows} × {n_inputs} input array, found {rows} × {columns}"
    )]
    ArrayShapeMismatch {
        n_rows: usize,
        n_inputs: usize,
        rows: usize,
        columns: usize,
    },
    /// Datasets to join have different columns.
    #[error("the datasets have different columns: {first} and {second}")]
    ColumnsDiffer { first: String, second: String },
    /// `Dataset::new` was given no rows.
    #[error("a dataset needs at least one row")]
    EmptyDataset,
    /// `Dataset::new` was given a NaN or infinite value.
    #[error("row {row} (0-based), column \"{column}\": {value} is not a finite number")]
    NonFiniteInDataset {
        row: usize,
        column: String,
        value: f64,
    },
    /// The test fraction is not strictly between 0 and 1.
    #[error("the test fraction must be strictly between 0 and 1, got {fraction}")]
    InvalidTestFraction { fraction: f64 },
    /// The split would leave the training or the test part empty.
    #[error(
        "cannot split {n_rows} rows with test fraction {fraction}: both parts need at least one row"
    )]
    SplitTooSmall { n_rows: usize, fraction: f64 },
    /// Preset parameters out of range.
    #[error("invalid preset parameters: {reason}")]
    InvalidPresetParams { reason: String },
    /// Writing a dataset failed.
    #[error("{file}: cannot write the data: {message}")]
    Write { file: String, message: String },
}

/// Formats `, line N` when the line is known.
struct LineSuffix(Option<u64>);

impl fmt::Display for LineSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, ", line {line}"),
            None => Ok(()),
        }
    }
}

/// Formats `, column "name"` when the column is known.
struct ColumnSuffix<'a>(Option<&'a str>);

impl fmt::Display for ColumnSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(name) => write!(f, ", column \"{name}\""),
            None => Ok(()),
        }
    }
}

/// Formats `"a", "b", "c"`.
struct QuotedList<'a>(&'a [String]);

impl fmt::Display for QuotedList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "\"{name}\"")?;
        }
        Ok(())
    }
}
