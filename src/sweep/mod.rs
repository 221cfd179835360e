//! Hyperparameter sweeps: a search space file, samplers (grid, random, TPE), pruners (median,
//! ASHA) and trials trained in parallel, recorded in an Optuna JournalStorage file that Optuna,
//! optuna-dashboard and other copies of this program can read and append to.

pub mod ids;
pub mod importance;
pub mod journal;
pub mod lock;
pub mod optuna_distribution;
pub mod pruner;
pub mod pyjson;
pub mod replay;
pub mod retry;
pub mod runner;
pub mod sampler;
pub mod settings;
pub mod slurm;
pub mod space;
pub mod study;
pub mod tpe;
pub mod values;

pub use pruner::PrunerKind;
pub use replay::{TrialRecord, TrialState};
pub use runner::{
    RunStats, SweepData, SweepOptions, TrainedTrial, TrialEvent, retrain, run_sweep,
    run_sweep_until,
};
pub use sampler::SamplerKind;
pub use space::{Distribution, ParamValue, Params, Space, SpaceError};
pub use study::Study;
