//! Density Workbench: train and inspect density networks p(y|x).
//!
//! The core (`data`, `nn`, `worker`, `export`) never depends on the GUI; the `app` module
//! exists only with the `gui` feature.

/// The ndarray version whose arrays and views the API takes (`Dataset`, `Model::predict_rows`).
pub use ndarray;

pub mod bench;
pub mod cli;
pub mod colormap;
pub mod data;
pub mod diagnostics;
pub mod export;
pub mod labels;
pub mod limits;
pub mod nn;
pub mod palette;
pub mod run;
pub mod sweep;
pub mod worker;

#[cfg(feature = "gui")]
pub mod app;
