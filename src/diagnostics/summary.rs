//! The numbers that describe one predictive p(y|x*): mean, median, mode, σ, the central
//! intervals and the highest-density regions at the same levels. The window's posterior panel
//! and scenario table and `figure --kind scenarios` show these, so they agree wherever they
//! are read.

use serde::{Deserialize, Serialize};

use super::hdr::{Hdr, highest_density_region};
use crate::nn::NormalMixture;

/// P(|Z| ≤ 1) for a standard Normal: the "68 %" level, one σ either side.
pub const ONE_SIGMA_LEVEL: f64 = 0.682_689_492_137_085_9;
/// The levels every summary reports, in this order.
pub const SUMMARY_LEVELS: [f64; 2] = [ONE_SIGMA_LEVEL, 0.95];

/// How a level is named on screen and in files ("68 %", "95 %").
pub fn level_label(level: f64) -> String {
    format!("{:.0} %", 100.0 * level)
}

/// One level's central interval [F⁻¹((1−l)/2), F⁻¹((1+l)/2)] and HDR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelSummary {
    pub level: f64,
    pub central: (f64, f64),
    pub hdr: Hdr,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictiveSummary {
    pub mean: f64,
    pub median: f64,
    pub mode: f64,
    pub std: f64,
    /// One entry per [`SUMMARY_LEVELS`] level.
    pub levels: Vec<LevelSummary>,
}

impl PredictiveSummary {
    pub fn of(m: &NormalMixture) -> PredictiveSummary {
        PredictiveSummary {
            mean: m.mean(),
            median: m.median(),
            mode: m.mode(),
            std: m.std(),
            levels: SUMMARY_LEVELS
                .iter()
                .map(|&level| LevelSummary {
                    level,
                    central: m.interval(level),
                    hdr: highest_density_region(m, level),
                })
                .collect(),
        }
    }

    /// The summary at `level`, if it is one of [`SUMMARY_LEVELS`].
    pub fn at(&self, level: f64) -> Option<&LevelSummary> {
        self.levels.iter().find(|l| (l.level - level).abs() < 1e-12)
    }

    /// Whether some HDR is split into several intervals: the central interval then spans a
    /// valley between modes.
    pub fn is_multimodal(&self) -> bool {
        self.levels.iter().any(|l| l.hdr.intervals.len() > 1)
    }
}

/// "[1.89, 4.08]" or "[1.6, 2.4] ∪ [3.5, 4.9]", each value through `format`.
pub fn format_intervals(intervals: &[(f64, f64)], format: impl Fn(f64) -> String) -> String {
    intervals
        .iter()
        .map(|&(a, b)| format!("[{}, {}]", format(a), format(b)))
        .collect::<Vec<_>>()
        .join(" ∪ ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bimodal() -> NormalMixture {
        NormalMixture {
            weights: vec![0.35, 0.65],
            locs: vec![2.0, 4.4],
            scales: vec![0.25, 0.35],
        }
    }

    #[test]
    fn bimodal_hdr_leaves_out_the_valley_the_central_interval_spans() {
        let s = PredictiveSummary::of(&bimodal());
        let one_sigma = s.at(ONE_SIGMA_LEVEL).expect("68 % level");
        assert_eq!(one_sigma.hdr.intervals.len(), 2, "{one_sigma:?}");
        let (a, b) = one_sigma.central;
        // The valley at y = 3 is inside the central interval but outside the HDR.
        assert!(a < 3.0 && 3.0 < b, "{one_sigma:?}");
        assert!(!one_sigma.hdr.contains(3.0));
        assert!(one_sigma.hdr.total_width() < b - a);
        assert!(s.is_multimodal());
        assert!((s.mode - 4.4).abs() < 0.05, "mode {}", s.mode);
        assert_eq!(level_label(ONE_SIGMA_LEVEL), "68 %");
        assert_eq!(level_label(0.95), "95 %");
    }

    #[test]
    fn unimodal_hdr_is_one_interval_no_wider_than_the_central_one() {
        let m = NormalMixture {
            weights: vec![1.0],
            locs: vec![1.0],
            scales: vec![2.0],
        };
        let s = PredictiveSummary::of(&m);
        for l in &s.levels {
            assert_eq!(l.hdr.intervals.len(), 1);
            // A symmetric density: the HDR is the central interval.
            let (a, b) = l.hdr.intervals[0];
            assert!(
                (a - l.central.0).abs() < 1e-6 && (b - l.central.1).abs() < 1e-6,
                "{l:?}"
            );
        }
        assert!(!s.is_multimodal());
        assert_eq!(
            format_intervals(&[(1.0, 2.0), (3.0, 4.5)], |v| format!("{v}")),
            "[1, 2] ∪ [3, 4.5]"
        );
    }
}
