//! Where a command's data comes from: `preset:NAME` (generated) or a CSV/TSV path.

use std::path::Path;

use anyhow::{Context, Result, bail};
use ndarray::{Array1, Array2, ArrayRef1, ArrayRef2};

use crate::data::{
    ColumnRoles, DataError, Dataset, MissingPolicy, Preset, PresetParams, load_table,
};

use super::output::errln;
use crate::limits::first_out_of_range;

/// Options that shape how a data source is read.
#[derive(Debug, Clone, Default)]
pub struct SourceOptions {
    /// Input columns (default: all but the target).
    pub x: Option<Vec<String>>,
    /// Target column (default: the last).
    pub y: Option<String>,
    pub drop_missing: bool,
    /// Preset overrides.
    pub n: Option<usize>,
    pub noise: Option<f64>,
    pub data_seed: u64,
}

/// A loaded dataset and a one-line description of where it came from.
pub struct Loaded {
    pub dataset: Dataset,
    pub description: String,
    pub preset: Option<(Preset, PresetParams)>,
    /// SHA-256 of the file's bytes as parsed (files only).
    pub sha256: Option<String>,
}

pub fn parse_preset(spec: &str) -> Option<Result<Preset>> {
    let name = spec.strip_prefix("preset:")?;
    Some(Preset::from_name(name).with_context(|| {
        let names: Vec<_> = Preset::ALL.iter().map(|p| p.name()).collect();
        format!("unknown preset \"{name}\" (one of: {})", names.join(", "))
    }))
}

pub fn load(spec: &str, options: &SourceOptions) -> Result<Loaded> {
    if let Some(preset) = parse_preset(spec) {
        let preset = preset?;
        let defaults = preset.default_params();
        let params = PresetParams {
            n: options.n.unwrap_or(defaults.n),
            noise: options.noise.unwrap_or(defaults.noise),
            seed: options.data_seed,
        };
        let dataset = preset.try_generate(&params)?;
        // `--x ""`: the target alone, to fit p(y) (the preset's conditional truth no longer
        // applies, so the data is no longer described as the preset).
        if options.x.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Loaded {
                dataset: dataset.without_inputs(),
                description: format!(
                    "y of preset:{} (n={}, noise={}, seed={}) without inputs",
                    preset.name(),
                    params.n,
                    params.noise,
                    params.seed
                ),
                preset: None,
                sha256: None,
            });
        }
        let x_differs = options.x.as_ref().is_some_and(|x| *x != dataset.x_names());
        let y_differs = options.y.as_ref().is_some_and(|y| *y != dataset.y_name());
        if x_differs || y_differs {
            bail!(
                "{spec} has inputs {:?} and target \"{}\"; --x/--y cannot choose other columns",
                dataset.x_names(),
                dataset.y_name()
            );
        }
        let description = format!(
            "preset:{} (n={}, noise={}, seed={})",
            preset.name(),
            params.n,
            params.noise,
            params.seed
        );
        return Ok(Loaded {
            dataset,
            description,
            preset: Some((preset, params)),
            sha256: None,
        });
    }
    check_input_file(spec)?;
    let table = load_table(Path::new(spec))?;
    let defaults = table.default_roles();
    let y = options.y.clone().unwrap_or(defaults.y);
    let x = if let Some(x) = &options.x {
        x.clone()
    } else {
        let index = table.index_columns();
        for name in index.iter().filter(|n| **n != y) {
            eprintln!(
                "{spec}: column \"{name}\" is a row index (1…n or 0…n−1) and is not used as an input; name it in --x to use it"
            );
        }
        table
            .names
            .iter()
            .filter(|n| **n != y && !index.contains(n))
            .cloned()
            .collect()
    };
    let policy = if options.drop_missing {
        MissingPolicy::DropRows
    } else {
        MissingPolicy::Error
    };
    let selection = table.select(&ColumnRoles { x, y }, policy)?;
    if selection.dropped_rows > 0 {
        errln!(
            "{spec}: dropped {} rows with a missing value (--drop-missing)",
            selection.dropped_rows
        );
    }
    check_range(
        spec,
        selection.dataset.x_names(),
        &selection.dataset.x(),
        &selection.dataset.y(),
        selection.dataset.y_name(),
    )?;
    Ok(Loaded {
        dataset: selection.dataset,
        description: spec.to_string(),
        preset: None,
        sha256: Some(table.sha256.clone()),
    })
}

/// Rows for a trained model: its inputs, and its target when the data has that column.
pub struct ModelData {
    /// Rows × the model's inputs (rows × 0 for a model without inputs).
    pub x: Array2<f64>,
    pub y: Option<Array1<f64>>,
    /// Where the rows came from and the columns it has, for "no target column" messages.
    pub source: String,
    pub columns: Vec<String>,
}

impl ModelData {
    pub fn len(&self) -> usize {
        self.x.nrows()
    }

    /// As a dataset (for scoring and plotting); without the target column, the error names
    /// the file, the missing column and the columns it has.
    pub fn dataset(&self, x_names: &[String], y_name: &str) -> Result<Dataset, DataError> {
        let y = self.y.clone().ok_or_else(|| DataError::UnknownColumn {
            file: self.source.clone(),
            name: y_name.into(),
            available: self.columns.clone(),
        })?;
        Dataset::from_arrays(x_names.to_vec(), y_name.into(), self.x.clone(), y)
    }
}

/// `options` for loading a preset for a model: a model without inputs takes the target alone.
pub fn options_for_model(options: &SourceOptions, x_names: &[String]) -> SourceOptions {
    let mut options = options.clone();
    if x_names.is_empty() {
        options.x = Some(Vec::new());
    }
    options
}

/// Loads `spec` with the columns a model expects.
pub fn load_for_model(
    spec: &str,
    x_names: &[String],
    y_name: &str,
    options: &SourceOptions,
) -> Result<ModelData> {
    if parse_preset(spec).is_some() {
        let loaded = load(spec, &options_for_model(options, x_names))?;
        if loaded.dataset.x_names() != x_names {
            bail!(
                "{spec} has inputs {:?} but the model expects {:?}",
                loaded.dataset.x_names(),
                x_names
            );
        }
        let (mut columns, y_name, x, y) = loaded.dataset.into_parts();
        columns.push(y_name);
        return Ok(ModelData {
            x,
            y: Some(y),
            source: spec.into(),
            columns,
        });
    }
    check_input_file(spec)?;
    let table = load_table(Path::new(spec))?;
    let policy = if options.drop_missing {
        MissingPolicy::DropRows
    } else {
        MissingPolicy::Error
    };
    let rows = table.select_for_model(x_names, y_name, policy)?;
    if rows.dropped_rows > 0 {
        errln!(
            "{spec}: dropped {} rows with a missing value (--drop-missing)",
            rows.dropped_rows
        );
    }
    let no_targets = Array1::zeros(0);
    check_range(
        spec,
        x_names,
        &rows.x,
        rows.y.as_ref().unwrap_or(&no_targets),
        y_name,
    )?;
    Ok(ModelData {
        x: rows.x,
        y: rows.y,
        source: spec.into(),
        columns: table.names.clone(),
    })
}

/// Refuses a value beyond ±[`MAX_ABS_VALUE`] (`x`: rows × inputs), naming the row and column.
fn check_range(
    spec: &str,
    x_names: &[String],
    x: &ArrayRef2<f64>,
    y: &ArrayRef1<f64>,
    y_name: &str,
) -> Result<()> {
    let limit = crate::limits::MAX_ABS_VALUE;
    let d = x_names.len();
    let found = first_out_of_range(x.iter().copied())
        .map(|(i, v)| {
            (
                i / d.max(1),
                x_names.get(i % d.max(1)).map_or("", String::as_str),
                v,
            )
        })
        .or_else(|| first_out_of_range(y.iter().copied()).map(|(i, v)| (i, y_name, v)));
    if let Some((row, column, value)) = found {
        bail!(
            "{spec}: data row {}, column \"{column}\": the value {value:e} lies beyond ±{limit:e}, the largest magnitude accepted (rescale the column)",
            row + 1
        );
    }
    Ok(())
}

/// The check `train` makes for the Bernoulli head (0/1 targets), for commands that score or
/// predict with such a model, naming the file, row and column.
pub fn check_binary(spec: &str, y: &ArrayRef1<f64>, y_name: &str) -> Result<()> {
    if let Some((row, value)) = y.iter().enumerate().find(|&(_, &v)| v != 0.0 && v != 1.0) {
        bail!(
            "{spec}: data row {}, column \"{y_name}\": the Bernoulli head needs a 0/1 target, not {}",
            row + 1,
            crate::labels::format_non_binary(*value)
        );
    }
    Ok(())
}

/// What the CSV reader cannot say well: a device or pipe (`/dev/zero` would fill memory) and a
/// UTF-16 file (which is only "not valid UTF-8" to it).
fn check_input_file(spec: &str) -> Result<()> {
    use std::io::Read;
    let path = Path::new(spec);
    let meta = std::fs::metadata(path).with_context(|| format!("{spec}: cannot read the file"))?;
    if meta.is_dir() {
        bail!("{spec}: is a directory, not a data file");
    }
    if !meta.is_file() {
        bail!("{spec}: is not a regular file (a device, pipe or socket)");
    }
    let mut start = [0u8; 2];
    let mut file =
        std::fs::File::open(path).with_context(|| format!("{spec}: cannot read the file"))?;
    let n = file
        .read(&mut start)
        .with_context(|| format!("{spec}: cannot read the file"))?;
    if n == 2 && (start == [0xFF, 0xFE] || start == [0xFE, 0xFF]) {
        bail!("{spec}: the file is UTF-16 text; save it as UTF-8 (or ASCII) CSV");
    }
    Ok(())
}
