//! The same per-row scores for the true density of a preset, so a model's diagnostics can be
//! read beside the best achievable ones on the same rows.

use super::crps::crps_lognormal;
use super::normal;
use super::rows::RowScores;
use crate::data::{Dataset, Truth};
use crate::nn::NormalMixture;

/// [`RowScores`] of every row under `truth`; `None` when the truth has no closed-form cdf
/// (inverse-sine, xor).
pub fn truth_rows(truth: &Truth, data: &Dataset) -> Option<Vec<RowScores>> {
    let (x, d) = (data.x_flat(), data.n_inputs());
    data.y()
        .iter()
        .enumerate()
        .map(|(i, &y)| row(truth, &x[i * d..(i + 1) * d], y))
        .collect()
}

fn row(truth: &Truth, x: &[f64], y: f64) -> Option<RowScores> {
    if let Some(components) = truth.normal_components(x) {
        let mixture = NormalMixture {
            weights: components.iter().map(|c| c.0).collect(),
            locs: components.iter().map(|c| c.1).collect(),
            scales: components.iter().map(|c| c.2).collect(),
        };
        return Some(RowScores::of_mixture(&mixture, y));
    }
    let (shift, s) = truth.lognormal_shape(x)?;
    let quantile = |p: f64| shift + (s * normal::quantile(p)).exp();
    let variance = (s * s).exp_m1() * (s * s).exp();
    Some(RowScores {
        pit: truth.cdf(x, y)?,
        crps: crps_lognormal(s, y - shift),
        log_prob: truth.log_pdf(x, y),
        width_50: quantile(0.75) - quantile(0.25),
        width_90: quantile(0.95) - quantile(0.05),
        std: variance.sqrt(),
    })
}
