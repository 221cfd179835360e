//! Density networks: MLP layers and activations, distribution heads, predictive
//! distributions, Adam and the training loop.

pub mod activation;
pub mod adam;
mod clipping;
pub mod config;
mod data_parallel;
pub mod early_stopping;
pub(crate) mod fastmath;
pub(crate) mod gemm;
pub mod head;
pub(crate) mod lanes;
pub mod mlp;
pub mod model;
pub mod predictive;
pub mod recipe;
pub mod records;
pub(crate) mod scalar;
pub mod scaler;
pub mod schedule;
pub mod trainer;
pub mod view;

pub use activation::Activation;
pub use adam::{Adam, AdamConfig};
pub use config::{ConfigError, TrainConfig, ValidConfig};
pub use early_stopping::EarlyStopping;
pub use head::Head;
pub use lanes::SpareCore;
pub use mlp::{LayerSpec, Mlp};
pub use model::{EnsembleError, Model, ModelSpec, Scores};
pub use predictive::{NormalMixture, Predictive};
pub use records::{EpochRecord, StepPhases, StepReport, StopReason};
pub use scaler::Scaler;
pub use schedule::{LrSchedule, PlateauState, ScheduleSyntaxError};
pub use trainer::Trainer;
pub use view::{Curves, PredictionView, ViewSpec};
