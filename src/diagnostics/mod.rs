//! Is the density right? Calibration diagnostics, proper scores and mixture health for a
//! model on a dataset (the held-out set, or any data file), GUI-free.
//!
//! [`diagnose`] runs the model over the rows (batched, on all cores) and returns plain data:
//! for regression heads the PIT values with their histogram, QQ points and uniformity tests,
//! the central-interval coverage curve, sharpness and CRPS ([`RegressionDiagnostics`]); for
//! the Bernoulli head the reliability diagram, ECE/MCE, Brier score with its decomposition,
//! log loss and accuracy ([`ClassifierDiagnostics`]). Everything is in the original units of
//! y; the formulas are DESIGN.md's ("Diagnostics"). [`MixtureHealth`] follows the mixture's
//! components along one input; [`highest_density_region`] gives the HDR of one predictive and
//! [`PredictiveSummary`] everything the posterior panel and the scenario table list.

mod coverage;
mod crps;
mod erfc;
mod fast_normal;
mod hdr;
mod health;
mod information;
pub mod normal;
mod pit;
mod reliability;
mod rows;
mod summary;
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
pub use pit::{PitHistogram, QqPoint, bin_of, empirical_quantile, qq_points};
pub use reliability::{
    ClassifierDiagnostics, RELIABILITY_BINS, ReliabilityBin, classifier_diagnostics,
};
pub use rows::{RowScores, probabilities, regression_rows, resolve_threads};
pub use summary::{
    LevelSummary, ONE_SIGMA_LEVEL, PredictiveSummary, SUMMARY_LEVELS, format_intervals, level_label,
};
pub use truth::truth_rows;
pub use uniformity::{
    UniformityTests, ad_limit_cdf, cvm_limit_cdf, kolmogorov_sf, uniformity_tests,
};

use crate::data::Dataset;
use crate::nn::Model;

/// Resolution of the returned curves and histograms; the defaults suit plots and the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    #[error(
        "row {row}: target {value} is not 0 or 1 (the model is a Bernoulli classifier; rows count from 1)"
    )]
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
            .y()
            .iter()
            .enumerate()
            .find(|(_, v)| **v != 0.0 && **v != 1.0)
        {
            return Err(DiagnosticsError::NotBinary {
                row: row + 1,
                value,
            });
        }
        let p = probabilities(model, data, options.threads);
        return Ok(Diagnostics::Classifier(classifier_diagnostics(
            &p,
            &data.y().to_vec(),
        )));
    }
    let rows = regression_rows(model, data, options.threads);
    Ok(Diagnostics::Regression(RegressionDiagnostics::from_rows(
        &rows, options,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::mlp::LayerSpec;
    use crate::nn::{Head, ModelSpec, Scaler};

    /// A Normal model that predicts N(0, σ²) everywhere (zero weights: outputs = biases).
    fn constant_normal(sigma: f64) -> Model {
        let spec = ModelSpec {
            x_names: vec!["x".into()],
            y_name: "y".into(),
            hidden: Vec::<LayerSpec>::new(),
            head: Head::Normal,
            sigma_floor: 0.0,
            x_scalers: vec![Scaler::default()],
            y_scaler: Scaler::default(),
        };
        let mut model = Model::new(spec, 0);
        model.mlp.params.iter_mut().for_each(|p| *p = 0.0);
        // softplus⁻¹(σ) = ln(e^σ − 1)
        let raw = sigma.exp_m1().ln() as f32;
        model.mlp.output_bias_mut().copy_from_slice(&[0.0, raw]);
        model
    }

    /// n rows whose targets are the N(0, 1) quantiles at (i + ½)/n: exactly "standard normal".
    fn standard_normal_rows(n: usize) -> Dataset {
        standard_normal_rows_of(n, vec!["x".into()])
    }

    fn standard_normal_rows_of(n: usize, x_names: Vec<String>) -> Dataset {
        let x = vec![0.0; n * x_names.len()];
        let y = (0..n)
            .map(|i| normal::quantile((i as f64 + 0.5) / n as f64))
            .collect();
        Dataset::new(x_names, "y".into(), x, y).unwrap()
    }

    fn regression(model: &Model, data: &Dataset) -> RegressionDiagnostics {
        match diagnose(model, data, &DiagnosticsOptions::default()) {
            Ok(Diagnostics::Regression(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pit_shape_tells_over_from_under_confidence() {
        let data = standard_normal_rows(4000);
        let calibrated = regression(&constant_normal(1.0), &data);
        assert!(
            calibrated.uniformity.ks < 1e-3,
            "{:?}",
            calibrated.uniformity
        );
        assert!((calibrated.coverage.at(0.9).unwrap_or(0.0) - 0.9).abs() < 1e-3);
        assert!(calibrated.coverage.miscalibration_area < 1e-3);
        let h = &calibrated.pit_histogram;
        assert_eq!(h.outside_band(), 0, "{h:?}");
        // σ = 0.5: too narrow, the PIT piles up at 0 and 1 (a U).
        let narrow = regression(&constant_normal(0.5), &data);
        let c = &narrow.pit_histogram.counts;
        assert!(
            c[0] > 2 * c[c.len() / 2] && c[c.len() - 1] > 2 * c[c.len() / 2],
            "{c:?}"
        );
        assert!(narrow.coverage.at(0.5).unwrap_or(1.0) < 0.4);
        // σ = 2: too wide, the PIT piles up in the middle (a dome).
        let wide = regression(&constant_normal(2.0), &data);
        let c = &wide.pit_histogram.counts;
        assert!(c[c.len() / 2] > 2 * c[0], "{c:?}");
        assert!(wide.coverage.at(0.5).unwrap_or(0.0) > 0.6);
        assert!(wide.uniformity.ks_pvalue < 1e-10 && narrow.uniformity.ks_pvalue < 1e-10);
        // Sharpness in closed form: the 50 % interval of N(0, 4) is 2 · 0.6745 · 2 wide.
        assert!((wide.sharpness.width_50 - 4.0 * 0.674_489_750_196_081_7).abs() < 1e-6);
        // CRPS is lowest for the calibrated model.
        assert!(calibrated.crps < narrow.crps && calibrated.crps < wide.crps);
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let data = standard_normal_rows(10_000);
        let model = constant_normal(1.3);
        let one = diagnose(
            &model,
            &data,
            &DiagnosticsOptions {
                threads: 1,
                ..Default::default()
            },
        );
        let four = diagnose(
            &model,
            &data,
            &DiagnosticsOptions {
                threads: 4,
                ..Default::default()
            },
        );
        assert_eq!(one, four);
    }

    #[test]
    fn bad_input_is_named() {
        let model = constant_normal(1.0);
        let two_inputs = standard_normal_rows_of(3, vec!["x".into(), "z".into()]);
        let err = diagnose(&model, &two_inputs, &DiagnosticsOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the data has 2 input columns but the model reads 1"
        );
        let mut classifier = constant_normal(1.0);
        classifier.spec.head = Head::Bernoulli;
        classifier.mlp = crate::nn::Mlp::new(1, &[], 1, 0);
        let err = diagnose(
            &classifier,
            &standard_normal_rows(3),
            &DiagnosticsOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("row 1: target"), "{err}");
    }
}
