//! Central-interval coverage from the PIT values, and sharpness (interval widths and the
//! spread of the predictive standard deviations).
//!
//! y lies in the central p-interval iff |2u − 1| ≤ p, so the whole coverage curve comes from
//! u; only the widths need the quantile function.

use serde::{Deserialize, Serialize};

/// The levels reported as single numbers (`coverage_50`, … in `eval --json`).
pub const REPORTED_LEVELS: [f64; 4] = [0.5, 0.68, 0.9, 0.95];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// (nominal level, observed fraction of rows inside the central interval), levels evenly
    /// spaced over [0, 1].
    pub curve: Vec<(f64, f64)>,
    /// ∫₀¹ |observed(p) − p| dp, computed exactly for the step function of the data (0 for a
    /// calibrated model with many rows; at most ½).
    pub miscalibration_area: f64,
    /// (level, observed) at [`REPORTED_LEVELS`].
    pub at_levels: Vec<(f64, f64)>,
}

/// How far each row's PIT value sits from the centre: c = |2u − 1|, the smallest central
/// level whose interval contains y.
pub fn centrality(u: f64) -> f64 {
    (2.0 * u - 1.0).abs()
}

impl Coverage {
    /// From the PIT values; `curve_points` ≥ 2 levels on the curve.
    pub fn from_pit(u: &[f64], curve_points: usize) -> Coverage {
        let mut c: Vec<f64> = u.iter().map(|&v| centrality(v)).collect();
        c.sort_by(f64::total_cmp);
        let observed = |level: f64| fraction_at_most(&c, level);
        let points = curve_points.max(2);
        let curve = (0..points)
            .map(|i| {
                let level = i as f64 / (points - 1) as f64;
                (level, observed(level))
            })
            .collect();
        Coverage {
            curve,
            miscalibration_area: miscalibration_area(&c),
            at_levels: REPORTED_LEVELS.iter().map(|&l| (l, observed(l))).collect(),
        }
    }

    /// Observed coverage at a reported level (one of [`REPORTED_LEVELS`]).
    pub fn at(&self, level: f64) -> Option<f64> {
        self.at_levels
            .iter()
            .find(|(l, _)| (l - level).abs() < 1e-12)
            .map(|p| p.1)
    }
}

/// Fraction of `sorted` values ≤ `level`.
fn fraction_at_most(sorted: &[f64], level: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted.partition_point(|&v| v <= level) as f64 / sorted.len() as f64
}

/// ∫₀¹ |F_n(p) − p| dp for the empirical cdf F_n of `sorted` (values in [0, 1]): F_n is
/// constant between consecutive values, and each piece integrates in closed form.
fn miscalibration_area(sorted: &[f64]) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let n = sorted.len() as f64;
    let piece = |a: f64, b: f64, f: f64| -> f64 {
        if b <= a {
            0.0
        } else if f <= a {
            ((b - f).powi(2) - (a - f).powi(2)) / 2.0
        } else if f >= b {
            ((f - a).powi(2) - (f - b).powi(2)) / 2.0
        } else {
            ((f - a).powi(2) + (b - f).powi(2)) / 2.0
        }
    };
    let mut area = 0.0;
    let mut start = 0.0;
    for (i, &v) in sorted.iter().enumerate() {
        let v = v.clamp(0.0, 1.0);
        area += piece(start, v, i as f64 / n);
        start = v;
    }
    area + piece(start, 1.0, 1.0)
}

/// Equal-width histogram of values over their own finite range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// bins + 1 edges.
    pub edges: Vec<f64>,
    pub counts: Vec<usize>,
}

impl Histogram {
    pub fn new(values: &[f64], bins: usize) -> Histogram {
        let bins = bins.max(1);
        let finite = values.iter().copied().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if lo > hi {
            return Histogram {
                edges: Vec::new(),
                counts: Vec::new(),
            };
        }
        let width = if hi > lo {
            (hi - lo) / bins as f64
        } else {
            1.0
        };
        let edges = (0..=bins).map(|i| lo + width * i as f64).collect();
        let mut counts = vec![0; bins];
        for &v in values.iter().filter(|v| v.is_finite()) {
            counts[(((v - lo) / width) as usize).min(bins - 1)] += 1;
        }
        Histogram { edges, counts }
    }
}

/// How concentrated the predictive distributions are, in units of y.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sharpness {
    /// Mean width of the central 50 % interval (q75 − q25).
    pub width_50: f64,
    /// Mean width of the central 90 % interval (q95 − q05).
    pub width_90: f64,
    pub mean_std: f64,
    /// Histogram of the predictive standard deviations.
    pub std_histogram: Histogram,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_counts_rows_inside_the_central_interval() {
        // c = 0.8, 0.2, 0.6, 1.0
        let u = [0.1, 0.6, 0.8, 1.0];
        let cov = Coverage::from_pit(&u, 11);
        assert_eq!(cov.at(0.5), Some(0.25));
        assert_eq!(cov.at(0.68), Some(0.5));
        assert_eq!(cov.at(0.9), Some(0.75));
        assert_eq!(cov.at(0.95), Some(0.75));
        assert_eq!(cov.curve[0], (0.0, 0.0));
        assert_eq!(cov.curve[10], (1.0, 1.0));
    }

    #[test]
    fn area_matches_a_fine_riemann_sum() {
        let c = [0.05, 0.3, 0.31, 0.7, 0.95];
        let n = 1_000_000;
        let riemann: f64 = (0..n)
            .map(|i| {
                let p = (i as f64 + 0.5) / n as f64;
                (fraction_at_most(&c, p) - p).abs()
            })
            .sum::<f64>()
            / n as f64;
        assert!((miscalibration_area(&c) - riemann).abs() < 1e-6);
        // All rows dead centre (c = 0): observed coverage 1 everywhere, area ½.
        assert!((miscalibration_area(&[0.0, 0.0]) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn histogram_spans_the_values() {
        let h = Histogram::new(&[1.0, 2.0, 2.0, 3.0, f64::NAN], 2);
        assert_eq!(h.edges, vec![1.0, 2.0, 3.0]);
        assert_eq!(h.counts, vec![1, 3]);
    }
}
