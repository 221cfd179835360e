//! Training settings with documented defaults (the seed experiment), and their validation.

use serde::{Deserialize, Serialize};

use super::activation::Activation;
use super::head::{Head, MAX_COMPONENTS};
use super::mlp::LayerSpec;
use crate::data::Dataset;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EarlyStopping {
    /// Epochs without improvement of the held-out NLL before stopping.
    pub patience: usize,
    /// Improvement smaller than this (nats) does not count.
    pub min_delta: f64,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping {
            patience: 5,
            min_delta: 1e-4,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// Hidden Dense layers; empty = a linear model of the head's parameters.
    pub hidden: Vec<LayerSpec>,
    pub head: Head,
    /// Floor added to every scale, in standardised units of y (TFP has none and NaNs).
    pub sigma_floor: f64,
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub seed: u64,
    /// Standardise x and y with training-set statistics (y only for regression heads).
    pub standardize: bool,
    /// Stop when the held-out NLL stops improving, keeping the best weights.
    pub early_stopping: Option<EarlyStopping>,
    /// Place the initial mixture locations on quantiles of y so components start apart.
    pub spread_mixture_init: bool,
    /// Worker threads for one training step; 0 = all cores.
    pub threads: usize,
}

impl Default for TrainConfig {
    /// The seed experiment: 128 relu → 128 tanh → mixture of 16, Adam 1e-3, batch 256.
    fn default() -> Self {
        TrainConfig {
            hidden: vec![
                LayerSpec::new(128, Activation::Relu),
                LayerSpec::new(128, Activation::Tanh),
            ],
            head: Head::Mixture { components: 16 },
            sigma_floor: 1e-3,
            epochs: 20,
            batch_size: 256,
            learning_rate: 1e-3,
            seed: 0,
            standardize: true,
            early_stopping: None,
            spread_mixture_init: true,
            threads: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("the Bernoulli head needs a 0/1 target, but column \"{column}\" has the value {value}")]
    NonBinaryTarget { column: String, value: f64 },
    #[error("hidden layer {layer} has width 0")]
    ZeroWidth { layer: usize },
    #[error("a mixture needs 1 to {MAX_COMPONENTS} components, not {0}")]
    Components(usize),
    #[error("the learning rate must be a positive number, not {0}")]
    LearningRate(f64),
    #[error("the batch size must be at least 1")]
    BatchSize,
    #[error("the number of epochs must be at least 1")]
    Epochs,
    #[error("the σ floor must be a finite number ≥ 0, not {0}")]
    SigmaFloor(f64),
    #[error("early stopping needs a held-out set (a test file or a test fraction)")]
    EarlyStoppingWithoutTest,
    #[error("the training set is empty")]
    EmptyTrainingSet,
    #[error("the held-out set has columns {test:?} but the training set has {train:?}")]
    ColumnMismatch {
        train: Vec<String>,
        test: Vec<String>,
    },
}

impl TrainConfig {
    /// Parses `128:relu,128:tanh` (empty string = no hidden layer).
    pub fn parse_hidden(text: &str) -> Result<Vec<LayerSpec>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|layer| {
                let (width, act) = layer.split_once(':').unwrap_or((layer, "relu"));
                let width: usize = width.trim().parse().map_err(|_| {
                    format!("layer \"{layer}\": width \"{width}\" is not a whole number")
                })?;
                let activation = Activation::from_name(act).ok_or_else(|| {
                    let names: Vec<_> = Activation::ALL.iter().map(|a| a.name()).collect();
                    format!(
                        "layer \"{layer}\": unknown activation \"{act}\" (one of {})",
                        names.join(", ")
                    )
                })?;
                Ok(LayerSpec::new(width, activation))
            })
            .collect()
    }

    pub fn hidden_label(&self) -> String {
        self.hidden
            .iter()
            .map(|l| format!("{}:{}", l.width, l.activation.name()))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Checks the settings against the data before any work starts.
    pub fn validate(&self, train: &Dataset, test: Option<&Dataset>) -> Result<(), ConfigError> {
        if let Some(layer) = self.hidden.iter().position(|l| l.width == 0) {
            return Err(ConfigError::ZeroWidth { layer: layer + 1 });
        }
        if let Head::Mixture { components } = self.head
            && !(1..=MAX_COMPONENTS).contains(&components)
        {
            return Err(ConfigError::Components(components));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(ConfigError::LearningRate(self.learning_rate));
        }
        if self.batch_size == 0 {
            return Err(ConfigError::BatchSize);
        }
        if self.epochs == 0 {
            return Err(ConfigError::Epochs);
        }
        if !(self.sigma_floor.is_finite() && self.sigma_floor >= 0.0) {
            return Err(ConfigError::SigmaFloor(self.sigma_floor));
        }
        if train.is_empty() {
            return Err(ConfigError::EmptyTrainingSet);
        }
        if self.early_stopping.is_some() && test.is_none_or(|t| t.is_empty()) {
            return Err(ConfigError::EarlyStoppingWithoutTest);
        }
        if let Some(test) = test
            && (test.x_names != train.x_names || test.y_name != train.y_name)
        {
            let names = |d: &Dataset| {
                let mut v = d.x_names.clone();
                v.push(d.y_name.clone());
                v
            };
            return Err(ConfigError::ColumnMismatch {
                train: names(train),
                test: names(test),
            });
        }
        if self.head.is_classifier() {
            for data in std::iter::once(train).chain(test) {
                if let Some(&value) = data.y.iter().find(|&&v| v != 0.0 && v != 1.0) {
                    return Err(ConfigError::NonBinaryTarget {
                        column: data.y_name.clone(),
                        value,
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(y: Vec<f64>) -> Dataset {
        Dataset {
            x_names: vec!["x".into()],
            y_name: "y".into(),
            x: vec![0.0; y.len()],
            y,
        }
    }

    #[test]
    fn hidden_layers_parse() {
        let layers = TrainConfig::parse_hidden("128:relu, 64:TANH,8").expect("valid");
        assert_eq!(
            layers,
            vec![
                LayerSpec::new(128, Activation::Relu),
                LayerSpec::new(64, Activation::Tanh),
                LayerSpec::new(8, Activation::Relu)
            ]
        );
        assert!(TrainConfig::parse_hidden("").expect("empty").is_empty());
        assert!(
            TrainConfig::parse_hidden("12:swish")
                .unwrap_err()
                .contains("swish")
        );
        assert!(
            TrainConfig::parse_hidden("x:relu")
                .unwrap_err()
                .contains("whole number")
        );
    }

    #[test]
    fn validation_explains_bad_combinations() {
        let ok = data(vec![0.0, 1.0, 1.0]);
        let bernoulli = TrainConfig {
            head: Head::Bernoulli,
            ..TrainConfig::default()
        };
        assert_eq!(bernoulli.validate(&ok, None), Ok(()));
        let err = bernoulli.validate(&data(vec![0.0, 2.5]), None).unwrap_err();
        assert_eq!(
            err,
            ConfigError::NonBinaryTarget {
                column: "y".into(),
                value: 2.5
            }
        );
        assert!(err.to_string().contains("\"y\""));

        let cases = [
            (
                TrainConfig {
                    learning_rate: -1.0,
                    ..TrainConfig::default()
                },
                ConfigError::LearningRate(-1.0),
            ),
            (
                TrainConfig {
                    batch_size: 0,
                    ..TrainConfig::default()
                },
                ConfigError::BatchSize,
            ),
            (
                TrainConfig {
                    epochs: 0,
                    ..TrainConfig::default()
                },
                ConfigError::Epochs,
            ),
            (
                TrainConfig {
                    head: Head::Mixture { components: 0 },
                    ..TrainConfig::default()
                },
                ConfigError::Components(0),
            ),
            (
                TrainConfig {
                    hidden: vec![LayerSpec::new(0, Activation::Relu)],
                    ..TrainConfig::default()
                },
                ConfigError::ZeroWidth { layer: 1 },
            ),
            (
                TrainConfig {
                    early_stopping: Some(EarlyStopping::default()),
                    ..TrainConfig::default()
                },
                ConfigError::EarlyStoppingWithoutTest,
            ),
        ];
        for (config, expected) in cases {
            assert_eq!(config.validate(&ok, None), Err(expected));
        }
    }
}
