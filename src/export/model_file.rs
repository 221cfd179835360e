//! The versioned, self-describing JSON model file.
//!
//! ```text
//! { "format": "density-workbench-model", "version": 2,
//!   "architecture": { "inputs": [..], "target": "y", "hidden": [{"width", "activation"}..],
//!                     "head": {"kind": "mixture", "components": 16}, "params_size": 48,
//!                     "sigma_floor": 0.001 },
//!   "scalers": { "x": [{"mean", "std"}..], "y": {"mean", "std"} },
//!   "layers": [ { "units", "activation", "kernel": [[n_out floats] × n_in], "bias": [n_out] } .. ],
//!   "training": <RunSummary: data recipe, settings, history, scores> | null }
//! ```
//! Version 1 files still load; their training record named the data only in words.
//! The README documents every field; loading checks every shape and value.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::atomic::{Overwrite, WriteError, write_atomic};
use crate::nn::{
    Activation, EpochRecord, Head, LayerSpec, Mlp, Model, ModelSpec, Scaler, TrainConfig,
};
use crate::run::RunSummary;

pub const FORMAT_NAME: &str = "density-workbench-model";
pub const FORMAT_VERSION: u32 = 2;
/// The oldest version this program still reads (its training record is converted).
const OLDEST_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    pub inputs: Vec<String>,
    pub target: String,
    pub hidden: Vec<LayerSpec>,
    pub head: Head,
    pub params_size: usize,
    /// In standardised units of y.
    pub sigma_floor: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scalers {
    pub x: Vec<Scaler>,
    pub y: Scaler,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DenseLayerFile {
    pub units: usize,
    pub activation: Activation,
    /// n_in rows of n_out weights (Keras kernel layout): outputs = inputs · kernel + bias.
    pub kernel: Vec<Vec<f32>>,
    pub bias: Vec<f32>,
}

/// The training record of version 1 files: data described in words only. Read, never written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct TrainingRecordV1 {
    program_version: String,
    /// `preset:NAME (n=…, noise=…, seed=…)` or a file path.
    data_source: String,
    test_source: Option<String>,
    config: TrainConfig,
    epochs_run: usize,
    steps: u64,
    train_seconds: f64,
    stop_reason: String,
    train_nll: f64,
    test_nll: Option<f64>,
    test_accuracy: Option<f64>,
    history: Vec<EpochRecord>,
}

impl From<TrainingRecordV1> for RunSummary {
    fn from(old: TrainingRecordV1) -> RunSummary {
        let label = match &old.test_source {
            Some(test) => format!("{} · {test}", old.data_source),
            None => old.data_source,
        };
        RunSummary {
            label,
            data: None,
            config: old.config,
            history: old.history,
            epochs_run: old.epochs_run,
            steps: old.steps,
            train_seconds: old.train_seconds,
            train_nll: old.train_nll.is_finite().then_some(old.train_nll),
            test_nll: old.test_nll,
            test_accuracy: old.test_accuracy,
            stop_reason: None,
            note: old.stop_reason,
            program_version: old.program_version,
            id: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    pub format: String,
    pub version: u32,
    pub architecture: Architecture,
    pub scalers: Scalers,
    pub layers: Vec<DenseLayerFile>,
    /// How the model was trained (absent for models built by other means).
    #[serde(default)]
    pub training: Option<RunSummary>,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("{path}: cannot read: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{path}: not a valid model file: {error}")]
    Json {
        path: String,
        error: serde_json::Error,
    },
    #[error(
        "{path}: not a Density Workbench model (format is \"{found}\", expected \"{FORMAT_NAME}\")"
    )]
    WrongFormat { path: String, found: String },
    #[error(
        "{path}: model file version {found} is not supported (this program reads versions {OLDEST_VERSION} to {FORMAT_VERSION})"
    )]
    UnsupportedVersion { path: String, found: u32 },
    #[error("{path}: inconsistent model file: {detail}")]
    Inconsistent { path: String, detail: String },
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl ModelFile {
    pub fn from_model(model: &Model, training: Option<RunSummary>) -> ModelFile {
        let spec = &model.spec;
        let layers = model
            .mlp
            .layers()
            .iter()
            .enumerate()
            .map(|(l, layout)| {
                let (w, b) = model.mlp.layer_params(l);
                DenseLayerFile {
                    units: layout.n_out,
                    activation: layout.activation,
                    kernel: w.chunks_exact(layout.n_out).map(<[f32]>::to_vec).collect(),
                    bias: b.to_vec(),
                }
            })
            .collect();
        ModelFile {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            architecture: Architecture {
                inputs: spec.x_names.clone(),
                target: spec.y_name.clone(),
                hidden: spec.hidden.clone(),
                head: spec.head,
                params_size: spec.head.params_size(),
                sigma_floor: spec.sigma_floor,
            },
            scalers: Scalers {
                x: spec.x_scalers.clone(),
                y: spec.y_scaler,
            },
            layers,
            training,
        }
    }

    /// Checks every shape and value and builds the model.
    pub fn to_model(&self, path: &str) -> Result<Model, ModelFileError> {
        let bad = |detail: String| ModelFileError::Inconsistent {
            path: path.into(),
            detail,
        };
        if self.format != FORMAT_NAME {
            return Err(ModelFileError::WrongFormat {
                path: path.into(),
                found: self.format.clone(),
            });
        }
        if !(OLDEST_VERSION..=FORMAT_VERSION).contains(&self.version) {
            return Err(ModelFileError::UnsupportedVersion {
                path: path.into(),
                found: self.version,
            });
        }
        let arch = &self.architecture;
        let n_inputs = arch.inputs.len();
        if let Head::Mixture { components } = arch.head
            && !(1..=crate::nn::head::MAX_COMPONENTS).contains(&components)
        {
            return Err(bad(format!(
                "a mixture of {components} components is not supported"
            )));
        }
        if arch.params_size != arch.head.params_size() {
            return Err(bad(format!(
                "params_size is {} but the {} head needs {}",
                arch.params_size,
                arch.head.label(),
                arch.head.params_size()
            )));
        }
        if !(arch.sigma_floor.is_finite() && arch.sigma_floor >= 0.0) {
            return Err(bad(format!(
                "sigma_floor {} is not a number ≥ 0",
                arch.sigma_floor
            )));
        }
        if self.scalers.x.len() != n_inputs {
            return Err(bad(format!(
                "{} input scalers for {n_inputs} inputs",
                self.scalers.x.len()
            )));
        }
        if let Some(i) = self.scalers.x.iter().position(|s| !s.is_valid()) {
            return Err(bad(format!(
                "the scaler of input \"{}\" is not finite with std > 0",
                arch.inputs[i]
            )));
        }
        if !self.scalers.y.is_valid() {
            return Err(bad("the target scaler is not finite with std > 0".into()));
        }
        // Finite is not enough: a scale of 1e308 overflows every variance and plot range.
        let scalers = self
            .scalers
            .x
            .iter()
            .zip(arch.inputs.iter().map(String::as_str));
        for (scaler, column) in scalers.chain([(&self.scalers.y, arch.target.as_str())]) {
            let (limit, floor) = (crate::limits::MAX_ABS_VALUE, crate::limits::MIN_SCALE);
            if scaler.mean.abs() > limit || scaler.std > limit || scaler.std < floor {
                return Err(bad(format!(
                    "the scaler of \"{column}\" (mean {:e}, std {:e}) is out of range: |mean| at most {limit:e}, std from {floor:e} to {limit:e}",
                    scaler.mean, scaler.std
                )));
            }
        }
        if self.layers.len() != arch.hidden.len() + 1 {
            return Err(bad(format!(
                "{} layers stored but the architecture has {} hidden layers + 1 output layer",
                self.layers.len(),
                arch.hidden.len()
            )));
        }
        let mut params = Vec::new();
        let mut n_in = n_inputs;
        for (l, layer) in self.layers.iter().enumerate() {
            let (units, activation) = match arch.hidden.get(l) {
                Some(spec) => (spec.width, spec.activation),
                None => (arch.params_size, Activation::Linear),
            };
            let name = format!("layer {}", l + 1);
            if layer.units != units || layer.activation != activation {
                return Err(bad(format!(
                    "{name} is {} {} but the architecture says {units} {}",
                    layer.units,
                    layer.activation.name(),
                    activation.name()
                )));
            }
            if layer.kernel.len() != n_in || layer.kernel.iter().any(|row| row.len() != units) {
                return Err(bad(format!(
                    "{name}: the kernel must be {n_in} rows of {units} weights"
                )));
            }
            if layer.bias.len() != units {
                return Err(bad(format!(
                    "{name}: the bias has {} values, expected {units}",
                    layer.bias.len()
                )));
            }
            let values = layer.kernel.iter().flatten().chain(&layer.bias);
            if values.clone().any(|v| !v.is_finite()) {
                return Err(bad(format!("{name} holds a non-finite weight")));
            }
            params.extend(values);
            n_in = units;
        }
        let mlp = Mlp::from_params(n_inputs, &arch.hidden, arch.params_size, params)
            .ok_or_else(|| bad("parameter count does not match the architecture".into()))?;
        let spec = ModelSpec {
            x_names: arch.inputs.clone(),
            y_name: arch.target.clone(),
            hidden: arch.hidden.clone(),
            head: arch.head,
            sigma_floor: arch.sigma_floor,
            x_scalers: self.scalers.x.clone(),
            y_scaler: self.scalers.y,
        };
        Ok(Model {
            spec,
            mlp,
            other_members: Vec::new(),
        })
    }

    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses a model file of any readable version; version 1's training record becomes a
    /// [`RunSummary`] (its data described in words, in the label).
    pub fn parse(text: &str, path: &str) -> Result<ModelFile, ModelFileError> {
        let json = |error| ModelFileError::Json {
            path: path.into(),
            error,
        };
        let mut value: serde_json::Value = serde_json::from_str(text).map_err(json)?;
        let version = value.get("version").and_then(serde_json::Value::as_u64);
        let old_training = match (version, value.get_mut("training")) {
            (Some(1), Some(training)) if !training.is_null() => {
                let old: TrainingRecordV1 =
                    serde_json::from_value(training.take()).map_err(json)?;
                Some(RunSummary::from(old))
            }
            _ => None,
        };
        let mut file: ModelFile = serde_json::from_value(value).map_err(json)?;
        if old_training.is_some() {
            file.training = old_training;
        }
        Ok(file)
    }
}

/// The format name of an ensemble file: `{"format": "density-workbench-ensemble",
/// "version": 1, "members": [model file, …], "sweep": {…}}`. Each member is a complete model
/// file (with its own training record); the ensemble predicts the uniform mixture of them.
pub const ENSEMBLE_FORMAT_NAME: &str = "density-workbench-ensemble";
pub const ENSEMBLE_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnsembleFile {
    pub format: String,
    pub version: u32,
    pub members: Vec<ModelFile>,
    /// Where the members came from (a sweep's study and trials), free-form.
    #[serde(default)]
    pub sweep: Option<serde_json::Value>,
}

/// Saves an ensemble: `model` with its other members, each with its training record.
pub fn save_ensemble(
    path: &Path,
    model: &Model,
    training: Vec<Option<RunSummary>>,
    sweep: Option<serde_json::Value>,
    overwrite: Overwrite,
) -> Result<(), ModelFileError> {
    let json = ensemble_json(model, training, sweep);
    write_atomic(path, json.as_bytes(), overwrite)?;
    Ok(())
}

/// The text of an ensemble file (see [`save_ensemble`]).
pub fn ensemble_json(
    model: &Model,
    training: Vec<Option<RunSummary>>,
    sweep: Option<serde_json::Value>,
) -> String {
    let mut training = training.into_iter();
    let file = EnsembleFile {
        format: ENSEMBLE_FORMAT_NAME.into(),
        version: ENSEMBLE_FORMAT_VERSION,
        members: model
            .members()
            .iter()
            .map(|m| ModelFile::from_model(m, training.next().flatten()))
            .collect(),
        sweep,
    };
    // Serialising plain data with string keys cannot fail.
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

fn ensemble_from_text(text: &str, path: &str) -> Result<(Model, ModelFile), ModelFileError> {
    let file: EnsembleFile = serde_json::from_str(text).map_err(|error| ModelFileError::Json {
        path: path.into(),
        error,
    })?;
    if file.version != ENSEMBLE_FORMAT_VERSION {
        return Err(ModelFileError::UnsupportedVersion {
            path: path.into(),
            found: file.version,
        });
    }
    let members = file
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| m.to_model(&format!("{path}, member {}", i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    let model = Model::ensemble(members).map_err(|e| ModelFileError::Inconsistent {
        path: path.into(),
        detail: e.to_string(),
    })?;
    let first = file
        .members
        .into_iter()
        .next()
        .ok_or(ModelFileError::Inconsistent {
            path: path.into(),
            detail: "an ensemble needs at least one member".into(),
        })?;
    Ok((model, first))
}

pub fn save_model(
    path: &Path,
    model: &Model,
    training: Option<RunSummary>,
    overwrite: Overwrite,
) -> Result<(), ModelFileError> {
    let json = ModelFile::from_model(model, training).to_json();
    // Never write a file the loader would refuse (a model trained on ±1e300 data, say, whose
    // NaN metrics JSON writes as null): read it back first, as `load_model` will.
    let name = path.display().to_string();
    ModelFile::parse(&json, &name)?.to_model(&name)?;
    write_atomic(path, json.as_bytes(), overwrite)?;
    Ok(())
}

/// Reads, validates and builds a model; returns the file too (for its training record). An
/// ensemble file gives the ensemble and its first member's file.
pub fn load_model(path: &Path) -> Result<(Model, ModelFile), ModelFileError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| ModelFileError::Read {
        path: name.clone(),
        error,
    })?;
    model_from_text(&text, &name)
}

/// What [`load_model`] does once the file is read: a model or ensemble file's text, validated
/// and built; `name` names the file in errors.
pub fn model_from_text(text: &str, name: &str) -> Result<(Model, ModelFile), ModelFileError> {
    let is_ensemble = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_owned))
        .is_some_and(|f| f == ENSEMBLE_FORMAT_NAME);
    if is_ensemble {
        return ensemble_from_text(text, name);
    }
    let file = ModelFile::parse(text, name)?;
    let model = file.to_model(name)?;
    Ok((model, file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Head, ModelSpec};

    fn model() -> Model {
        let spec = ModelSpec {
            x_names: vec!["a".into(), "b".into()],
            y_name: "y".into(),
            hidden: vec![
                LayerSpec::new(5, Activation::Elu),
                LayerSpec::new(3, Activation::Sigmoid),
            ],
            head: Head::Mixture { components: 4 },
            sigma_floor: 1e-3,
            x_scalers: vec![
                Scaler {
                    mean: 1.0,
                    std: 2.0,
                },
                Scaler {
                    mean: -1.0,
                    std: 0.5,
                },
            ],
            y_scaler: Scaler {
                mean: 3.0,
                std: 4.0,
            },
        };
        Model::new(spec, 9)
    }

    #[test]
    fn save_load_gives_identical_predictions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("m.json");
        let original = model();
        save_model(&path, &original, None, Overwrite::Refuse).expect("save");
        let (loaded, file) = load_model(&path).expect("load");
        assert_eq!(loaded, original);
        assert_eq!(file.version, FORMAT_VERSION);
        for x in [[0.0, 0.0], [1.5, -2.0], [10.0, 3.0]] {
            assert_eq!(loaded.predict(&x), original.predict(&x));
        }
    }

    /// Reproducing a run compares saved losses bit for bit, so every f64 must survive JSON.
    #[test]
    fn floats_survive_json_exactly() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let v = f64::from_bits(state >> 2) * 1e-300 + (state as f64).sqrt() / 3.0;
            let text = serde_json::to_string(&v).expect("json");
            let back: f64 = serde_json::from_str(&text).expect("parse");
            assert_eq!(back.to_bits(), v.to_bits(), "{v:e} came back as {back:e}");
        }
    }

    fn edited(edit: impl Fn(&mut serde_json::Value)) -> Result<Model, ModelFileError> {
        let mut value = serde_json::to_value(ModelFile::from_model(&model(), None)).expect("value");
        edit(&mut value);
        ModelFile::parse(&value.to_string(), "m.json")?.to_model("m.json")
    }

    #[test]
    fn corrupt_files_give_clear_errors() {
        let text = ModelFile::from_model(&model(), None).to_json();
        let truncated = ModelFile::parse(&text[..text.len() / 2], "m.json").unwrap_err();
        assert!(matches!(truncated, ModelFileError::Json { .. }));
        assert!(
            truncated
                .to_string()
                .starts_with("m.json: not a valid model file"),
            "{truncated}"
        );

        let version = edited(|v| v["version"] = 3.into()).unwrap_err();
        assert!(
            matches!(version, ModelFileError::UnsupportedVersion { found: 3, .. }),
            "{version}"
        );
        let format = edited(|v| v["format"] = "keras".into()).unwrap_err();
        assert!(matches!(format, ModelFileError::WrongFormat { .. }));
        let kernel = edited(|v| {
            v["layers"][1]["kernel"]
                .as_array_mut()
                .expect("array")
                .pop();
        })
        .unwrap_err();
        assert!(
            kernel
                .to_string()
                .contains("layer 2: the kernel must be 5 rows of 3 weights"),
            "{kernel}"
        );
        let head = edited(|v| v["architecture"]["params_size"] = 7.into()).unwrap_err();
        assert!(head.to_string().contains("params_size is 7"), "{head}");
        let scaler = edited(|v| v["scalers"]["y"]["std"] = 0.0.into()).unwrap_err();
        assert!(scaler.to_string().contains("target scaler"), "{scaler}");
        let act = edited(|v| v["layers"][0]["activation"] = "tanh".into()).unwrap_err();
        assert!(act.to_string().contains("layer 1 is 5 tanh"), "{act}");
        let missing = load_model(Path::new("/no/such/model.json")).unwrap_err();
        assert!(matches!(missing, ModelFileError::Read { .. }));
    }

    #[test]
    fn an_ensemble_file_loads_back_with_the_same_predictions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ensemble.json");
        let mut second = model();
        second.mlp = Mlp::new(2, &second.spec.hidden, second.spec.head.params_size(), 10);
        let ensemble = Model::ensemble(vec![model(), second]).expect("ensemble");
        save_ensemble(
            &path,
            &ensemble,
            vec![None, None],
            Some(serde_json::json!({"trials": [3, 5]})),
            Overwrite::Refuse,
        )
        .expect("save");
        let (loaded, first) = load_model(&path).expect("load");
        assert_eq!(loaded, ensemble);
        assert_eq!(first, ModelFile::from_model(&model(), None));
        let x = [0.3, -1.0];
        assert_eq!(loaded.predict(&x), ensemble.predict(&x));
        let again = save_ensemble(&path, &ensemble, vec![], None, Overwrite::Refuse).unwrap_err();
        assert!(again.to_string().contains("already exists"), "{again}");
        let text = std::fs::read_to_string(&path).expect("read");
        let bumped = text.replacen("\"version\": 1", "\"version\": 7", 1);
        std::fs::write(&path, bumped).expect("write");
        let err = load_model(&path).unwrap_err().to_string();
        assert!(err.contains("version 7"), "{err}");
    }
}
