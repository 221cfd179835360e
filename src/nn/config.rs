//! Training settings with documented defaults (the seed experiment), and their validation
//! into [`ValidConfig`], the only form the trainer and the worker accept.

use std::ops::Deref;

use serde::{Deserialize, Serialize};

use super::activation::Activation;
use super::early_stopping::EarlyStopping;
use super::head::{Head, MAX_COMPONENTS};
use super::mlp::LayerSpec;
use super::schedule::LrSchedule;
use crate::data::Dataset;

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
    /// How the learning rate changes over the run; default constant.
    pub schedule: LrSchedule,
    /// Decoupled weight decay λ (AdamW): every step multiplies the weights by 1 − lr·λ.
    /// Default 0 (plain Adam).
    pub weight_decay: f64,
    /// Scale the gradient down to this global L2 norm when it is longer; default none.
    pub clip_norm: Option<f64>,
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
            schedule: LrSchedule::Constant,
            weight_decay: 0.0,
            clip_norm: None,
        }
    }
}

/// Settings checked against the data they will train on: made only by
/// [`TrainConfig::validate`], so whoever holds one need not check again.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidConfig {
    config: TrainConfig,
}

impl ValidConfig {
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    pub fn into_inner(self) -> TrainConfig {
        self.config
    }
}

impl Deref for ValidConfig {
    type Target = TrainConfig;

    fn deref(&self) -> &TrainConfig {
        &self.config
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "the Bernoulli head needs a 0/1 target, but column \"{column}\" has the value {}",
        crate::labels::format_non_binary(*value)
    )]
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
    #[error("the schedule reduce-on-plateau needs a held-out set (a test file or a test fraction)")]
    PlateauWithoutTest,
    #[error("schedule {schedule}: {problem}")]
    Schedule { schedule: String, problem: String },
    #[error("the weight decay must be a finite number ≥ 0, not {0}")]
    WeightDecay(f64),
    #[error("the gradient clipping norm must be a positive number, not {0}")]
    ClipNorm(f64),
    #[error(
        "the network would have {} parameters; at most {} are allowed (narrower or fewer hidden layers)",
        count.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string()),
        crate::limits::MAX_PARAMETERS
    )]
    TooManyParameters { count: Option<usize> },
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
                let width: usize = width.trim().parse().map_err(|_not_a_number| {
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
    pub fn validate(
        &self,
        train: &Dataset,
        test: Option<&Dataset>,
    ) -> Result<ValidConfig, ConfigError> {
        self.check(train, test)?;
        Ok(ValidConfig {
            config: self.clone(),
        })
    }

    fn check(&self, train: &Dataset, test: Option<&Dataset>) -> Result<(), ConfigError> {
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
        self.check_optimizer()?;
        // Before anything is allocated: a width from the command line or a file can be 2^62.
        let widths: Vec<usize> = self.hidden.iter().map(|l| l.width).collect();
        let count =
            crate::limits::parameter_count(train.x_names().len(), &widths, self.head.params_size());
        if count.is_none_or(|n| n > crate::limits::MAX_PARAMETERS) {
            return Err(ConfigError::TooManyParameters { count });
        }
        if train.is_empty() {
            return Err(ConfigError::EmptyTrainingSet);
        }
        let no_test = test.is_none_or(Dataset::is_empty);
        if self.early_stopping.is_some() && no_test {
            return Err(ConfigError::EarlyStoppingWithoutTest);
        }
        if matches!(self.schedule, LrSchedule::Plateau { .. }) && no_test {
            return Err(ConfigError::PlateauWithoutTest);
        }
        if let Some(test) = test
            && (test.x_names() != train.x_names() || test.y_name() != train.y_name())
        {
            let names = |d: &Dataset| {
                let mut v = d.x_names().to_vec();
                v.push(d.y_name().to_string());
                v
            };
            return Err(ConfigError::ColumnMismatch {
                train: names(train),
                test: names(test),
            });
        }
        if self.head.is_classifier() {
            for data in std::iter::once(train).chain(test) {
                if let Some(&value) = data.y().iter().find(|&&v| v != 0.0 && v != 1.0) {
                    return Err(ConfigError::NonBinaryTarget {
                        column: data.y_name().to_string(),
                        value,
                    });
                }
            }
        }
        Ok(())
    }

    /// The schedule, the weight decay and the clipping norm.
    fn check_optimizer(&self) -> Result<(), ConfigError> {
        let problem = match self.schedule {
            LrSchedule::Constant => None,
            LrSchedule::Cosine {
                warmup_epochs,
                min_factor,
            } => {
                if warmup_epochs >= self.epochs {
                    Some(format!(
                        "the warmup ({warmup_epochs} epochs) must be shorter than the run ({} epochs)",
                        self.epochs
                    ))
                } else if !(0.0..=1.0).contains(&min_factor) {
                    Some("min (the final fraction of the rate) must lie in [0, 1]".to_owned())
                } else {
                    None
                }
            }
            LrSchedule::Step {
                every_epochs,
                gamma,
            } => {
                if every_epochs == 0 {
                    Some("every must be at least 1 epoch".to_owned())
                } else if !(gamma > 0.0 && gamma <= 1.0) {
                    Some("gamma must lie in (0, 1]".to_owned())
                } else {
                    None
                }
            }
            LrSchedule::Plateau {
                patience,
                factor,
                min_delta,
            } => {
                if patience == 0 {
                    Some("patience must be at least 1 epoch".to_owned())
                } else if !(factor > 0.0 && factor < 1.0) {
                    Some("factor must lie in (0, 1)".to_owned())
                } else if !(min_delta.is_finite() && min_delta >= 0.0) {
                    Some("min_delta must be a finite number ≥ 0".to_owned())
                } else {
                    None
                }
            }
        };
        if let Some(problem) = problem {
            return Err(ConfigError::Schedule {
                schedule: self.schedule.to_string(),
                problem,
            });
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(ConfigError::WeightDecay(self.weight_decay));
        }
        if let Some(norm) = self.clip_norm
            && !(norm.is_finite() && norm > 0.0)
        {
            return Err(ConfigError::ClipNorm(norm));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(y: Vec<f64>) -> Dataset {
        Dataset::new(vec!["x".into()], "y".into(), vec![0.0; y.len()], y).unwrap()
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
        assert_eq!(
            bernoulli.validate(&ok, None).map(ValidConfig::into_inner),
            Ok(bernoulli.clone())
        );
        let err = bernoulli.validate(&data(vec![0.0, 2.5]), None).unwrap_err();
        assert_eq!(
            err,
            ConfigError::NonBinaryTarget {
                column: "y".into(),
                value: 2.5
            }
        );
        assert!(err.to_string().contains("\"y\""));
        // A generated value is printed briefly, not with 16 digits.
        let err = bernoulli
            .validate(&data(vec![0.0, 0.374_540_118_847_362_5]), None)
            .unwrap_err();
        assert!(err.to_string().ends_with("has the value 0.37454"), "{err}");

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
            (
                TrainConfig {
                    weight_decay: f64::NAN,
                    ..TrainConfig::default()
                },
                ConfigError::WeightDecay(f64::NAN),
            ),
            (
                TrainConfig {
                    clip_norm: Some(0.0),
                    ..TrainConfig::default()
                },
                ConfigError::ClipNorm(0.0),
            ),
            (
                TrainConfig {
                    schedule: LrSchedule::from_name("plateau").expect("known"),
                    ..TrainConfig::default()
                },
                ConfigError::PlateauWithoutTest,
            ),
        ];
        for (config, expected) in cases {
            let err = config.validate(&ok, None).expect_err("refused");
            // NaN ≠ NaN: compare the messages.
            assert_eq!(err.to_string(), expected.to_string());
        }
    }

    #[test]
    fn schedule_settings_are_checked_with_the_schedule_named() {
        let ok = data(vec![0.0, 1.0, 2.0]);
        let message = |schedule: &str| {
            let config = TrainConfig {
                schedule: LrSchedule::parse(schedule).expect("syntax"),
                epochs: 10,
                ..TrainConfig::default()
            };
            config
                .validate(&ok, Some(&ok))
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        assert_eq!(message("cosine:warmup=2"), Ok(()));
        let warmup = message("cosine:warmup=10").expect_err("too long");
        assert!(
            warmup
                == "schedule cosine:warmup=10,min=0: the warmup (10 epochs) must be shorter than the run (10 epochs)",
            "{warmup}"
        );
        assert!(message("cosine:min=1.5").is_err_and(|e| e.contains("min")));
        assert!(message("step:every=0").is_err_and(|e| e.contains("every")));
        assert!(message("step:every=2,gamma=0").is_err_and(|e| e.contains("gamma")));
        assert!(message("plateau:patience=0").is_err_and(|e| e.contains("patience")));
        assert!(message("plateau:factor=1").is_err_and(|e| e.contains("factor")));
        assert_eq!(message("plateau:patience=3,factor=0.5"), Ok(()));
    }

    #[test]
    fn files_without_the_optimizer_settings_load_with_todays_behaviour() {
        let mut value = serde_json::to_value(TrainConfig::default()).expect("serialise");
        for field in ["schedule", "weight_decay", "clip_norm"] {
            value
                .as_object_mut()
                .and_then(|o| o.remove(field))
                .expect("field present");
        }
        let old: TrainConfig = serde_json::from_value(value).expect("old form loads");
        assert_eq!(old, TrainConfig::default());
        let cosine = TrainConfig {
            schedule: LrSchedule::parse("cosine:warmup=1,min=0.1").expect("syntax"),
            clip_norm: Some(1.0),
            weight_decay: 1e-4,
            ..TrainConfig::default()
        };
        let text = serde_json::to_string(&cosine).expect("serialise");
        assert_eq!(
            serde_json::from_str::<TrainConfig>(&text).expect("load"),
            cosine
        );
    }
}
