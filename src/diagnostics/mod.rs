//! Is the density right? Calibration diagnostics, proper scores and mixture health for a
//! model on a dataset (the held-out set, or any data file), GUI-free.
//!
//! [`diagnose`] runs the model over the rows (batched, on all cores) and returns plain data:
//! for regression heads the PIT values with their histogram, QQ points and uniformity tests,
//! the central-interval coverage curve, sharpness and CRPS ([`RegressionDiagnostics`]); for
//! the Bernoulli head the reliability diagram, ECE/MCE, Brier score with its decomposition,
//! log loss and accuracy ([`ClassifierDiagnostics`]). Everything is in the original units of
//! y; the formulas are DESIGN.md's ("Diagnostics"). [`MixtureHealth`] follows the mixture's
//! components along one input; [`highest_density_region`] gives the HDR of one predictive.

mod coverage;
mod crps;
mod hdr;
mod health;
mod information;
pub mod normal;
mod pit;
mod reliability;
mod rows;
mod truth;
mod uniformity;

use serde::{Deserialize, Serialize};

pub use coverage::{Coverage, Histogram, REPORTED_LEVELS, Sharpness, centrality};
pub use crps::{crps_lognormal, crps_mixture, crps_normal};
pub use hdr::{Hdr, highest_density_region};
pub use health::{
    AlongX, COLLAPSE_WEIGHT, ComponentTrack, ComponentWarning, DEAD_WEIGHT, FLOOR_FACTOR,
    HealthError, MixtureHealth,
};
pub use information::{InformationError, input_information};
pub use pit::{PitHistogram, QqPoint, empirical_quantile, qq_points};
pub use reliability::{
    ClassifierDiagnostics, RELIABILITY_BINS, ReliabilityBin, classifier_diagnostics,
};
pub use rows::{RowScores, probabilities, regression_rows, resolve_threads};
pub use truth::truth_rows;
pub use uniformity::{
    UniformityTests, ad_limit_cdf, cvm_limit_cdf, kolmogorov_sf, uniformity_tests,
};

use crate::data::Dataset;
use crate::nn::Model;

/// Resolution of the returned curves and histograms; the defaults suit plots and the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticsOptions {
    /// Bins of the PIT histogram.
    pub pit_bins: usize,
    /// Points of the PIT-QQ plot.
    pub qq_points: usize,
    /// Levels on the coverage curve (evenly spaced over [0, 1], both ends included).
    pub coverage_points: usize,
    /// Bins of the histogram of predictive standard deviations.
    pub std_bins: usize,
    /// Threads for the forward pass and the per-row scores (0 = all cores).
    pub threads: usize,
}

impl Default for DiagnosticsOptions {
    fn default() -> Self {
        DiagnosticsOptions {
            pit_bins: 20,
            qq_points: 99,
            coverage_points: 101,
            std_bins: 30,
            threads: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DiagnosticsError {
    #[error("no rows to diagnose")]
    NoRows,
    #[error("the data has {data} input columns but the model reads {model}")]
    Inputs { data: usize, model: usize },
    #[error("row {row}: target {value} is not 0 or 1 (the model is a Bernoulli classifier)")]
    NotBinary { row: usize, value: f64 },
}

/// Regression diagnostics of n rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionDiagnostics {
    pub n: usize,
    /// Mean −log p(y|x), nats per row (computed in f64 from the predictive distributions).
    pub nll: f64,
    /// Mean CRPS, units of y.
    pub crps: f64,
    /// u = F(y|x) per row, in the rows' order (for linking a PIT bin back to its rows).
    pub pit: Vec<f64>,
    pub pit_histogram: PitHistogram,
    pub qq: Vec<QqPoint>,
    /// max |ΔQ| over the QQ points.
    pub max_abs_delta_q: f64,
    pub uniformity: UniformityTests,
    pub coverage: Coverage,
    pub sharpness: Sharpness,
}

impl RegressionDiagnostics {
    /// Everything from the rows' scores (at least one row).
    pub fn from_rows(rows: &[RowScores], options: &DiagnosticsOptions) -> RegressionDiagnostics {
        let n = rows.len();
        let nf = n.max(1) as f64;
        let mean = |f: fn(&RowScores) -> f64| rows.iter().map(f).sum::<f64>() / nf;
        let pit: Vec<f64> = rows.iter().map(|r| r.pit).collect();
        let mut sorted = pit.clone();
        sorted.sort_by(f64::total_cmp);
        let qq = qq_points(&sorted, options.qq_points);
        let max_abs_delta_q = qq.iter().map(|p| p.delta.abs()).fold(0.0, f64::max);
        let stds: Vec<f64> = rows.iter().map(|r| r.std).collect();
        RegressionDiagnostics {
            n,
            nll: -mean(|r| r.log_prob),
            crps: mean(|r| r.crps),
            pit_histogram: PitHistogram::new(&pit, options.pit_bins),
            qq,
            max_abs_delta_q,
            uniformity: uniformity_tests(&sorted),
            coverage: Coverage::from_pit(&pit, options.coverage_points),
            sharpness: Sharpness {
                width_50: mean(|r| r.width_50),
                width_90: mean(|r| r.width_90),
                mean_std: mean(|r| r.std),
                std_histogram: Histogram::new(&stds, options.std_bins),
            },
            pit,
        }
    }

    /// The numbers `eval --json` reports, under their stable names.
    pub fn contract_fields(&self) -> Vec<(&'static str, f64)> {
        let at = |level: f64| self.coverage.at(level).unwrap_or(f64::NAN);
        vec![
            ("crps", self.crps),
            ("pit_ks", self.uniformity.ks),
            ("pit_ks_pvalue", self.uniformity.ks_pvalue),
            ("pit_cvm", self.uniformity.cvm),
            ("pit_ad", self.uniformity.ad),
            ("coverage_50", at(0.5)),
            ("coverage_68", at(0.68)),
            ("coverage_90", at(0.9)),
            ("coverage_95", at(0.95)),
            ("miscalibration_area", self.coverage.miscalibration_area),
            ("width_50", self.sharpness.width_50),
            ("width_90", self.sharpness.width_90),
        ]
    }
}

impl ClassifierDiagnostics {
    /// The numbers `eval --json` reports, under their stable names.
    pub fn contract_fields(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("accuracy", self.accuracy),
            ("brier", self.brier),
            ("ece", self.ece),
            ("mce", self.mce),
            ("log_loss", self.log_loss),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Diagnostics {
    Regression(RegressionDiagnostics),
    Classifier(ClassifierDiagnostics),
}

impl Diagnostics {
    pub fn contract_fields(&self) -> Vec<(&'static str, f64)> {
        match self {
            Diagnostics::Regression(r) => r.contract_fields(),
            Diagnostics::Classifier(c) => c.contract_fields(),
        }
    }
}

/// The diagnostics of `model` on `data` (whose inputs are the model's, in its order).
/// Costs one forward pass over the rows plus, per row, a few cdf/quantile evaluations and
/// the O(K²) CRPS; safe to call off the UI thread, it only reads the model.
pub fn diagnose(
    model: &Model,
    data: &Dataset,
    options: &DiagnosticsOptions,
) -> Result<Diagnostics, DiagnosticsError> {
    if data.is_empty() {
        return Err(DiagnosticsError::NoRows);
    }
    if data.n_inputs() != model.n_inputs() {
        return Err(DiagnosticsError::Inputs {
            data: data.n_inputs(),
            model: model.n_inputs(),
        });
    }
    if model.head().is_classifier() {
        if let Some((row, &value)) = data
            .y
            .iter()
            .enumerate()
            .find(|(_, v)| **v != 0.0 && **v != 1.0)
        {
            return Err(DiagnosticsError::NotBinary { row, value });
        }
        let p = probabilities(model, data, options.threads);
        return Ok(Diagnostics::Classifier(classifier_diagnostics(&p, &data.y)));
    }
    let rows = regression_rows(model, data, options.threads);
    Ok(Diagnostics::Regression(RegressionDiagnostics::from_rows(
        &rows, options,
    )))
}
