//! Datasets: named columns with roles, CSV import, generator presets, train/test split.
//!
//! * [`Dataset`]: numeric inputs (an ndarray `Array2`, rows × inputs, row-major) and one
//!   target (`Array1`), checked once at construction: shapes agree, at least one row, finite.
//! * [`Table`] ([`load_table`], [`parse_table`]): a CSV/TSV file, FITS binary table or Parquet
//!   file as typed f64 [`Column`]s (bad cells remembered, not stored as text); [`Table::select`]
//!   turns chosen columns into a [`Dataset`], [`Table::describe`] summarises every column, and
//!   [`Table::index_columns`] finds written row indices (not inputs by default).
//! * [`Preset`]: seeded synthetic datasets, with the exact conditional density ([`Truth`]) for
//!   the regression presets and `xor`.
//! * [`Dataset::split`] (seeded train/test split) (standardisation lives in `nn::Scaler`, fitted by the trainer).
//!
//! Every error is a [`DataError`] whose message names the file, the 1-based line and the column
//! where that applies.

mod column;
mod csv_parallel;
mod dataset;
mod describe;
mod error;
mod fits;
mod formats;
mod index_columns;
mod inverse_sine;
mod lines;
mod parquet;
mod presets;
mod select;
#[cfg(test)]
mod shipped;
mod split;
mod table;
mod truth;

pub use column::{BadCell, Column};
pub use dataset::{ColumnStats, Dataset};
pub use describe::{ColumnSummary, TableSummary};
pub use error::DataError;
pub use formats::{TABLE_EXTENSIONS, load_table, parse_by_extension};
pub use presets::{Preset, PresetParams};
pub use select::{ColumnRoles, MissingPolicy, ModelRows, Selection, is_missing};
pub use table::{LineMap, RowPlaces, Table, parse_table, sha256_hex};
pub use truth::Truth;
