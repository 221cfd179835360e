//! Highest-density regions of a 1-D predictive distribution: the smallest set holding a
//! given mass, {y : p(y) ≥ t}, a union of intervals. For a bimodal p(y|x) it leaves out the
//! valley between the modes that a central interval has to include.

use serde::{Deserialize, Serialize};

use crate::nn::NormalMixture;

/// Points of the density grid (component locations are added to it, so no narrow peak is
/// missed between grid points).
const GRID_POINTS: usize = 2049;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hdr {
    pub level: f64,
    /// Disjoint intervals in ascending order.
    pub intervals: Vec<(f64, f64)>,
    /// The density threshold t.
    pub threshold: f64,
    /// Exact mass of the intervals (by the cdf); equals `level` to ~1e-9.
    pub mass: f64,
}

impl Hdr {
    pub fn total_width(&self) -> f64 {
        self.intervals.iter().map(|(a, b)| b - a).sum()
    }

    pub fn contains(&self, y: f64) -> bool {
        self.intervals.iter().any(|&(a, b)| a <= y && y <= b)
    }
}

/// The HDR of `mixture` at `level` (in (0, 1)): the density on a fine grid locates the
/// intervals of {p ≥ t}; each end point is refined by bisection on p(y) − t and the
/// threshold by bisection on the exact mass Σ F(b) − F(a), which decreases with t.
pub fn highest_density_region(mixture: &NormalMixture, level: f64) -> Hdr {
    let level = level.clamp(1e-9, 1.0 - 1e-9);
    let (lo, hi) = mixture.support(9.0);
    let mut ys: Vec<f64> = (0..GRID_POINTS)
        .map(|i| lo + (hi - lo) * i as f64 / (GRID_POINTS - 1) as f64)
        .chain(mixture.iter().map(|(_, mu, _)| mu))
        .collect();
    ys.sort_by(f64::total_cmp);
    ys.dedup();
    let grid: Vec<(f64, f64)> = ys.iter().map(|&y| (y, mixture.pdf(y))).collect();
    let peak = grid.iter().map(|g| g.1).fold(0.0, f64::max);
    let (mut t_lo, mut t_hi) = (0.0, peak);
    let mut best = regions_above(mixture, &grid, 0.0);
    for _ in 0..100 {
        let t = 0.5 * (t_lo + t_hi);
        let intervals = regions_above(mixture, &grid, t);
        if mass(mixture, &intervals) >= level {
            t_lo = t;
            best = intervals;
        } else {
            t_hi = t;
        }
        if t_hi - t_lo <= 1e-13 * peak {
            break;
        }
    }
    Hdr {
        level,
        mass: mass(mixture, &best),
        intervals: best,
        threshold: t_lo,
    }
}

fn mass(mixture: &NormalMixture, intervals: &[(f64, f64)]) -> f64 {
    intervals
        .iter()
        .map(|&(a, b)| mixture.cdf(b) - mixture.cdf(a))
        .sum()
}

/// The intervals where the density is ≥ t, end points refined between grid points.
fn regions_above(mixture: &NormalMixture, grid: &[(f64, f64)], t: f64) -> Vec<(f64, f64)> {
    let mut intervals = Vec::new();
    let mut start: Option<f64> = None;
    for (i, &(y, p)) in grid.iter().enumerate() {
        let above = p >= t;
        match (start, above) {
            (None, true) => {
                start = Some(if i == 0 {
                    y
                } else {
                    crossing(mixture, grid[i - 1].0, y, t)
                });
            }
            (Some(a), false) => {
                intervals.push((a, crossing(mixture, grid[i - 1].0, y, t)));
                start = None;
            }
            _ => {}
        }
    }
    if let (Some(a), Some(&(y, _))) = (start, grid.last()) {
        intervals.push((a, y));
    }
    intervals
}

/// The point in [a, b] where p − t changes sign, by bisection.
fn crossing(mixture: &NormalMixture, mut a: f64, mut b: f64, t: f64) -> f64 {
    let a_above = mixture.pdf(a) >= t;
    for _ in 0..60 {
        let mid = 0.5 * (a + b);
        if (mixture.pdf(mid) >= t) == a_above {
            a = mid;
        } else {
            b = mid;
        }
    }
    0.5 * (a + b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_normal_hdr_is_its_central_interval() {
        let m = NormalMixture {
            weights: vec![1.0],
            locs: vec![2.0],
            scales: vec![0.5],
        };
        let hdr = highest_density_region(&m, 0.9);
        let (a, b) = m.interval(0.9);
        assert_eq!(hdr.intervals.len(), 1);
        assert!((hdr.intervals[0].0 - a).abs() < 1e-7 && (hdr.intervals[0].1 - b).abs() < 1e-7);
        assert!((hdr.mass - 0.9).abs() < 1e-9);
    }

    #[test]
    fn a_bimodal_hdr_leaves_out_the_valley_the_central_interval_spans() {
        let m = NormalMixture {
            weights: vec![0.5, 0.5],
            locs: vec![-3.0, 3.0],
            scales: vec![1.0, 1.0],
        };
        let hdr = highest_density_region(&m, 0.68);
        let (a, b) = m.interval(0.68);
        assert!(a < -3.0 && b > 3.0, "the central interval spans both modes");
        assert_eq!(hdr.intervals.len(), 2, "{:?}", hdr.intervals);
        assert!(!hdr.contains(0.0) && hdr.contains(-3.0) && hdr.contains(3.0));
        assert!(hdr.total_width() < b - a);
        assert!((hdr.mass - 0.68).abs() < 1e-9);
        // Symmetric, and the density is the same at every end point.
        let (l, r) = (hdr.intervals[0], hdr.intervals[1]);
        assert!((l.0 + r.1).abs() < 1e-7 && (l.1 + r.0).abs() < 1e-7);
        for y in [l.0, l.1, r.0, r.1] {
            assert!((m.pdf(y) - hdr.threshold).abs() < 1e-9);
        }
    }
}
