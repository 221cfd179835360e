//! Where a run's data come from: a generator preset with its parameters, or a file with its
//! SHA-256, column roles and missing-value policy; and how its held-out set is made.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::data::{
    ColumnRoles, DataError, Dataset, MissingPolicy, Preset, PresetParams, Table, load_table,
    sha256_hex,
};

/// Why a recorded data source cannot be rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: cannot read: {error}")]
    Read { path: String, error: std::io::Error },
    /// The file changed, is missing or cannot be read.
    #[error("{0}")]
    Changed(DataCheck),
    #[error(transparent)]
    Data(#[from] DataError),
}

/// Where a dataset comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataSourceSpec {
    /// Generated: the same parameters always give the same rows.
    Preset {
        preset: Preset,
        params: PresetParams,
    },
    /// A CSV/TSV file, identified by the SHA-256 of its bytes (lower-case hex).
    File {
        path: PathBuf,
        sha256: String,
        roles: ColumnRoles,
        #[serde(default)]
        missing: MissingPolicy,
    },
}

/// Where the held-out data come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TestSourceSpec {
    /// A seeded split of the data source (`Dataset::split(fraction, seed)`).
    Split { fraction: f64, seed: u64 },
    /// A separate source with the same columns.
    Separate { source: DataSourceSpec },
    /// No held-out set.
    None,
}

/// The state of a data source compared with what the experiment recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataCheck {
    /// A preset, or a file whose bytes still have the recorded hash.
    Unchanged,
    /// The file's content differs from when the experiment was saved.
    Changed {
        path: PathBuf,
        expected: String,
        found: String,
    },
    /// The file is not there any more.
    Missing { path: PathBuf },
    /// The file exists but cannot be read.
    Unreadable { path: PathBuf, reason: String },
}

impl DataCheck {
    pub fn is_unchanged(&self) -> bool {
        matches!(self, DataCheck::Unchanged)
    }
}

impl fmt::Display for DataCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataCheck::Unchanged => write!(f, "the data are unchanged"),
            DataCheck::Changed {
                path,
                expected,
                found,
            } => write!(
                f,
                "{}: the data file has changed since the experiment was saved (SHA-256 was {}…, is now {}…); results will not reproduce",
                path.display(),
                &expected[..expected.len().min(12)],
                &found[..found.len().min(12)]
            ),
            DataCheck::Missing { path } => write!(
                f,
                "{}: the data file of this experiment is missing (moved or deleted?)",
                path.display()
            ),
            DataCheck::Unreadable { path, reason } => {
                write!(f, "{}: cannot read the data file: {reason}", path.display())
            }
        }
    }
}

/// Re-hashes a file source; presets are always unchanged.
pub fn check_data_source(spec: &DataSourceSpec) -> DataCheck {
    let DataSourceSpec::File { path, sha256, .. } = spec else {
        return DataCheck::Unchanged;
    };
    match std::fs::read(path) {
        Ok(bytes) => {
            let found = sha256_hex(&bytes);
            if found.eq_ignore_ascii_case(sha256) {
                DataCheck::Unchanged
            } else {
                DataCheck::Changed {
                    path: path.clone(),
                    expected: sha256.clone(),
                    found,
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            DataCheck::Missing { path: path.clone() }
        }
        Err(e) => DataCheck::Unreadable {
            path: path.clone(),
            reason: e.to_string(),
        },
    }
}

impl DataSourceSpec {
    /// A file source with the hash of the file's current bytes.
    pub fn file(
        path: impl Into<PathBuf>,
        roles: ColumnRoles,
        missing: MissingPolicy,
    ) -> Result<DataSourceSpec, SourceError> {
        let path = path.into();
        let bytes = std::fs::read(&path).map_err(|error| SourceError::Read {
            path: path.display().to_string(),
            error,
        })?;
        Ok(DataSourceSpec::File {
            sha256: sha256_hex(&bytes),
            path,
            roles,
            missing,
        })
    }

    /// A file source for a table already read: the hash is that of the bytes that were parsed,
    /// so a file edited after loading is noticed later instead of being recorded.
    pub fn for_table(
        table: &Table,
        path: impl Into<PathBuf>,
        roles: ColumnRoles,
        missing: MissingPolicy,
    ) -> DataSourceSpec {
        DataSourceSpec::File {
            path: path.into(),
            sha256: table.sha256.clone(),
            roles,
            missing,
        }
    }

    /// Generates or reads the dataset, refusing a file whose content changed.
    pub fn load(&self) -> Result<Dataset, SourceError> {
        match self {
            DataSourceSpec::Preset { preset, params } => Ok(preset.try_generate(params)?),
            DataSourceSpec::File {
                path,
                roles,
                missing,
                ..
            } => {
                let check = check_data_source(self);
                if !check.is_unchanged() {
                    return Err(SourceError::Changed(check));
                }
                Ok(load_table(path)?.select(roles, *missing)?.dataset)
            }
        }
    }

    /// A relative file path read from a file in `folder` (an experiment's) is relative to that
    /// folder, not to the current directory: this makes it a path the process can open.
    pub fn resolve_from(&mut self, folder: &Path) {
        if let DataSourceSpec::File { path, .. } = self
            && path.is_relative()
        {
            *path = folder.join(&*path);
        }
    }

    /// The file path as a file saved in `folder` records it: relative to `folder` when the
    /// data lie under it (the two move together), absolute otherwise.
    pub fn relative_to(&mut self, folder: &Path) {
        let DataSourceSpec::File { path, .. } = self else {
            return;
        };
        let (Ok(absolute), Ok(folder)) = (std::path::absolute(&*path), std::path::absolute(folder))
        else {
            return; // no current directory: keep the path as it was given
        };
        *path = match absolute.strip_prefix(&folder) {
            Ok(inside) => inside.to_path_buf(),
            Err(_) => absolute,
        };
    }

    /// One line for the GUI and reports: `preset:lognormal (n=…, noise=…, seed=…)` or the path.
    pub fn describe(&self) -> String {
        match self {
            DataSourceSpec::Preset { preset, params } => format!(
                "preset:{} (n={}, noise={}, seed={})",
                preset.name(),
                params.n,
                params.noise,
                params.seed
            ),
            DataSourceSpec::File { path, .. } => path.display().to_string(),
        }
    }
}
