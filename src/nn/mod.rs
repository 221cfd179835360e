//! Density networks: MLP layers and activations, distribution heads, predictive
//! distributions, Adam and the training loop.

pub mod activation;
pub mod adam;
pub mod fastmath;
pub mod gemm;
pub mod head;
pub mod mlp;
pub mod model;
pub mod predictive;
pub mod scalar;
pub mod scaler;

pub use activation::Activation;
pub use adam::{Adam, AdamConfig};
pub use head::Head;
pub use mlp::{LayerSpec, Mlp};
pub use model::{EnsembleError, Model, ModelSpec, Scores};
pub use predictive::{NormalMixture, Predictive};
pub use scaler::Scaler;
pub mod config;
pub mod trainer;

pub use config::{ConfigError, EarlyStopping, TrainConfig};
pub use trainer::{EpochRecord, StepPhases, StepReport, StopReason, Trainer};
pub mod view;
pub use view::{Curves, PredictionView, ViewSpec};
pub mod lanes;
pub use lanes::SpareCore;
