//! Calibration of a binary classifier: the reliability diagram (10 equal-width bins of p̂,
//! empty bins kept), expected and maximum calibration error, the Brier score with its
//! Murphy decomposition, log loss and accuracy.

use serde::{Deserialize, Serialize};

/// Bins of the reliability diagram.
pub const RELIABILITY_BINS: usize = 10;

/// One bin of p̂ = p(y = 1 | x).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    pub lo: f64,
    pub hi: f64,
    pub count: usize,
    /// Mean p̂ of the bin's rows; `None` for an empty bin.
    pub mean_predicted: Option<f64>,
    /// Fraction of the bin's rows with y = 1; `None` for an empty bin.
    pub observed_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifierDiagnostics {
    pub n: usize,
    pub bins: Vec<ReliabilityBin>,
    /// Σ_b (n_b/N) |observed_b − predicted_b| over non-empty bins.
    pub ece: f64,
    /// max_b |observed_b − predicted_b| over non-empty bins.
    pub mce: f64,
    /// mean (p̂ − y)².
    pub brier: f64,
    /// Murphy (1973) over the bins: reliability Σ n_b (p̄_b − ō_b)²/N, resolution
    /// Σ n_b (ō_b − ō)²/N, uncertainty ō (1 − ō). With binned p̂ the identity
    /// brier = reliability − resolution + uncertainty holds up to `brier_within_bin`, the
    /// part of the Brier score due to p̂ varying inside a bin (0 when p̂ is constant per bin).
    pub brier_reliability: f64,
    pub brier_resolution: f64,
    pub brier_uncertainty: f64,
    pub brier_within_bin: f64,
    /// mean −[y ln p̂ + (1 − y) ln(1 − p̂)], p̂ clamped to [1e-15, 1 − 1e-15].
    pub log_loss: f64,
    /// Fraction of rows with (p̂ > ½) = (y = 1).
    pub accuracy: f64,
}

/// `p`: p̂ per row, `y`: labels 0/1 (any value > ½ counts as 1). Needs at least one row.
pub fn classifier_diagnostics(p: &[f64], y: &[f64]) -> ClassifierDiagnostics {
    let n = p.len().min(y.len());
    let nf = n as f64;
    let label = |v: f64| if v > 0.5 { 1.0 } else { 0.0 };
    let mut count = [0usize; RELIABILITY_BINS];
    let mut sum_p = [0.0f64; RELIABILITY_BINS];
    let mut sum_y = [0.0f64; RELIABILITY_BINS];
    let (mut brier, mut log_loss, mut correct, mut positives) = (0.0, 0.0, 0usize, 0.0);
    for (&pi, &yi) in p.iter().zip(y).take(n) {
        let t = label(yi);
        let b =
            ((pi * RELIABILITY_BINS as f64).floor().max(0.0) as usize).min(RELIABILITY_BINS - 1);
        count[b] += 1;
        sum_p[b] += pi;
        sum_y[b] += t;
        brier += (pi - t) * (pi - t);
        let clamped = pi.clamp(1e-15, 1.0 - 1e-15);
        log_loss -= t * clamped.ln() + (1.0 - t) * (1.0 - clamped).ln();
        correct += usize::from((pi > 0.5) == (t == 1.0));
        positives += t;
    }
    let base_rate = positives / nf;
    let mut bins = Vec::with_capacity(RELIABILITY_BINS);
    let (mut ece, mut mce, mut reliability, mut resolution) = (0.0, 0.0f64, 0.0, 0.0);
    for b in 0..RELIABILITY_BINS {
        let (mean_predicted, observed_rate) = if count[b] > 0 {
            let c = count[b] as f64;
            let (pb, ob) = (sum_p[b] / c, sum_y[b] / c);
            let gap = (ob - pb).abs();
            ece += c / nf * gap;
            mce = mce.max(gap);
            reliability += c * (pb - ob) * (pb - ob) / nf;
            resolution += c * (ob - base_rate) * (ob - base_rate) / nf;
            (Some(pb), Some(ob))
        } else {
            (None, None)
        };
        bins.push(ReliabilityBin {
            lo: b as f64 / RELIABILITY_BINS as f64,
            hi: (b + 1) as f64 / RELIABILITY_BINS as f64,
            count: count[b],
            mean_predicted,
            observed_rate,
        });
    }
    let brier = brier / nf;
    let uncertainty = base_rate * (1.0 - base_rate);
    ClassifierDiagnostics {
        n,
        bins,
        ece,
        mce,
        brier,
        brier_reliability: reliability,
        brier_resolution: resolution,
        brier_uncertainty: uncertainty,
        brier_within_bin: brier - (reliability - resolution + uncertainty),
        log_loss: log_loss / nf,
        accuracy: correct as f64 / nf,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_forecasts_per_bin_decompose_exactly() {
        let p = [0.05, 0.05, 0.35, 0.35, 0.35, 0.95];
        let y = [0.0, 1.0, 0.0, 0.0, 1.0, 1.0];
        let d = classifier_diagnostics(&p, &y);
        assert_eq!(d.bins.len(), 10);
        assert_eq!(d.bins[0].count, 2);
        assert_eq!(d.bins[1].count, 0);
        assert_eq!(d.bins[1].observed_rate, None);
        assert!(d.brier_within_bin.abs() < 1e-15, "{}", d.brier_within_bin);
        // |0.5 − 0.05|·2/6 + |1/3 − 0.35|·3/6 + |1 − 0.95|·1/6
        let ece = 0.45 * 2.0 / 6.0 + (0.35 - 1.0 / 3.0) * 0.5 + 0.05 / 6.0;
        assert!((d.ece - ece).abs() < 1e-15);
        assert!((d.mce - 0.45).abs() < 1e-15);
        assert!((d.accuracy - 4.0 / 6.0).abs() < 1e-15);
    }
}
