//! Probability integral transform u = F(y|x): its histogram with a binomial band and its
//! quantile–quantile comparison with the uniform distribution. A calibrated model gives
//! uniform u; a dome means too wide predictive distributions, a U too narrow ones.

use serde::{Deserialize, Serialize};

/// Counts of u in `bins` equal-width bins of [0, 1] and the 95 % band a calibrated model's
/// counts fall in: n/B ± 1.96 √(n (1/B)(1 − 1/B)) (the Normal approximation of the binomial).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PitHistogram {
    pub counts: Vec<usize>,
    /// n/B, the count of every bin under perfect calibration.
    pub expected: f64,
    /// Lower and upper edge of the 95 % band (counts; the lower one clamped at 0).
    pub band: (f64, f64),
}

impl PitHistogram {
    /// Bins of `u` (values outside [0, 1] are clamped into the end bins).
    pub fn new(u: &[f64], bins: usize) -> PitHistogram {
        let bins = bins.max(1);
        let mut counts = vec![0; bins];
        for &v in u {
            counts[bin_of(v, bins)] += 1;
        }
        let n = u.len() as f64;
        let p = 1.0 / bins as f64;
        let expected = n * p;
        let half_width = 1.96 * (n * p * (1.0 - p)).sqrt();
        PitHistogram {
            counts,
            expected,
            band: ((expected - half_width).max(0.0), expected + half_width),
        }
    }

    /// The bin `u` falls in (for linking a bin to its rows).
    pub fn bin_of(&self, u: f64) -> usize {
        bin_of(u, self.counts.len())
    }

    /// Bins whose count lies outside the band.
    pub fn outside_band(&self) -> usize {
        self.counts
            .iter()
            .filter(|&&c| (c as f64) < self.band.0 || (c as f64) > self.band.1)
            .count()
    }
}

/// The equal-width bin of `u` among `bins` bins of [0, 1]; values outside go to the end bins.
pub fn bin_of(u: f64, bins: usize) -> usize {
    let bins = bins.max(1);
    ((u * bins as f64).floor().max(0.0) as usize).min(bins - 1)
}

/// One point of the PIT-QQ plot: the empirical `level`-quantile of u against the uniform
/// quantile `level`, and their difference ΔQ = empirical − level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QqPoint {
    pub level: f64,
    pub empirical: f64,
    pub delta: f64,
}

/// The QQ points at levels i/(points + 1), i = 1..=points; `sorted` is u in ascending order.
/// Empirical quantiles interpolate linearly between order statistics (numpy's default,
/// "type 7").
pub fn qq_points(sorted: &[f64], points: usize) -> Vec<QqPoint> {
    if sorted.is_empty() {
        return Vec::new();
    }
    (1..=points)
        .map(|i| {
            let level = i as f64 / (points + 1) as f64;
            let empirical = empirical_quantile(sorted, level);
            QqPoint {
                level,
                empirical,
                delta: empirical - level,
            }
        })
        .collect()
}

/// Linear interpolation between order statistics at position q (n − 1).
pub fn empirical_quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let fraction = position - below as f64;
    sorted[below] + fraction * (sorted[above] - sorted[below])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_counts_and_band() {
        let u = [0.0, 0.05, 0.1, 0.55, 0.999, 1.0, 1.2, -0.1];
        let h = PitHistogram::new(&u, 10);
        assert_eq!(h.counts, vec![3, 1, 0, 0, 0, 1, 0, 0, 0, 3]);
        assert!((h.expected - 0.8).abs() < 1e-15);
        let hw = 1.96 * (8.0f64 * 0.1 * 0.9).sqrt();
        assert!((h.band.1 - (0.8 + hw)).abs() < 1e-12);
        assert_eq!(h.band.0, 0.0);
        assert_eq!(h.bin_of(0.55), 5);
    }

    #[test]
    fn qq_of_a_uniform_grid_is_the_diagonal() {
        let sorted: Vec<f64> = (0..=1000).map(|i| i as f64 / 1000.0).collect();
        for p in qq_points(&sorted, 9) {
            assert!(p.delta.abs() < 1e-12, "{p:?}");
        }
        assert!((empirical_quantile(&[1.0, 2.0, 4.0], 0.75) - 3.0).abs() < 1e-15);
    }
}
