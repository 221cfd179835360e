//! The predictive distribution p(y|x) at one x, in the original units of y. The GUI, the CLI
//! and the figures all ask this one type.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// A mixture of Normals (one component for the Normal head).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NormalMixture {
    pub weights: Vec<f64>,
    pub locs: Vec<f64>,
    pub scales: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Predictive {
    /// p(y = 1 | x).
    Bernoulli {
        p: f64,
    },
    Mixture(NormalMixture),
}

impl Predictive {
    pub fn log_prob(&self, y: f64) -> f64 {
        match self {
            Predictive::Bernoulli { p } => {
                if y == 1.0 {
                    p.ln()
                } else if y == 0.0 {
                    (1.0 - p).ln()
                } else {
                    f64::NEG_INFINITY
                }
            }
            Predictive::Mixture(m) => m.log_prob(y),
        }
    }

    pub fn mean(&self) -> f64 {
        match self {
            Predictive::Bernoulli { p } => *p,
            Predictive::Mixture(m) => m.mean(),
        }
    }

    pub fn std(&self) -> f64 {
        match self {
            Predictive::Bernoulli { p } => (p * (1.0 - p)).sqrt(),
            Predictive::Mixture(m) => m.variance().sqrt(),
        }
    }

    pub fn as_mixture(&self) -> Option<&NormalMixture> {
        match self {
            Predictive::Mixture(m) => Some(m),
            Predictive::Bernoulli { .. } => None,
        }
    }
}

impl NormalMixture {
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    pub fn log_prob(&self, y: f64) -> f64 {
        let term = |c: usize| {
            let z = (y - self.locs[c]) / self.scales[c];
            self.weights[c].ln() - 0.5 * z * z - self.scales[c].ln() - LN_SQRT_2PI
        };
        log_sum_exp((0..self.len()).map(term))
    }

    /// Density (linear space: far in the tails it underflows to 0, unlike `log_prob`).
    pub fn pdf(&self, y: f64) -> f64 {
        (0..self.len()).map(|c| self.component_pdf(c, y)).sum()
    }

    /// Density of each component weighted by its mixture weight.
    pub fn component_pdf(&self, component: usize, y: f64) -> f64 {
        let (w, mu, s) = (
            self.weights[component],
            self.locs[component],
            self.scales[component],
        );
        let z = (y - mu) / s;
        w * (-0.5 * z * z).exp() / (s * LN_SQRT_2PI.exp())
    }

    pub fn cdf(&self, y: f64) -> f64 {
        self.iter()
            .map(|(w, mu, s)| w * 0.5 * libm::erfc(-(y - mu) / (s * std::f64::consts::SQRT_2)))
            .sum::<f64>()
            .clamp(0.0, 1.0)
    }

    pub fn mean(&self) -> f64 {
        self.iter().map(|(w, mu, _)| w * mu).sum()
    }

    pub fn variance(&self) -> f64 {
        let mean = self.mean();
        self.iter()
            .map(|(w, mu, s)| w * (s * s + (mu - mean) * (mu - mean)))
            .sum::<f64>()
            .max(0.0)
    }

    pub fn std(&self) -> f64 {
        self.variance().sqrt()
    }

    /// A range holding all but a negligible part of the mass: every component's ±`k`σ.
    pub fn support(&self, k: f64) -> (f64, f64) {
        self.iter().filter(|(w, _, _)| *w > 1e-12).fold(
            (f64::INFINITY, f64::NEG_INFINITY),
            |(lo, hi), (_, mu, s)| (lo.min(mu - k * s), hi.max(mu + k * s)),
        )
    }

    /// The q-quantile by bisection on the cdf (to ~1e-12 of the support width).
    pub fn quantile(&self, q: f64) -> f64 {
        self.quantile_near(q, self.mean())
    }

    /// [`NormalMixture::quantile`] starting from `guess` (a good one, such as the Normal
    /// approximation's quantile, saves Newton steps when many quantiles are needed).
    pub fn quantile_near(&self, q: f64, guess: f64) -> f64 {
        let q = q.clamp(0.0, 1.0);
        let (mut lo, mut hi) = self.support(12.0);
        let tolerance = 1e-10 * (hi - lo).max(1e-300);
        // Safeguarded Newton: a Newton step on cdf(y) − q when it stays inside the bracket,
        // bisection otherwise. Converges in a handful of steps where bisection needs ~40.
        let mut y = if guess.is_finite() {
            guess
        } else {
            self.mean()
        }
        // max/min, not clamp: a NaN or reversed bracket must not panic.
        .max(lo)
        .min(hi);
        for _ in 0..100 {
            let f = self.cdf(y) - q;
            if f < 0.0 {
                lo = y;
            } else {
                hi = y;
            }
            let density = self.pdf(y);
            let newton = y - f / density;
            let next = if density > 0.0 && newton > lo && newton < hi {
                newton
            } else {
                0.5 * (lo + hi)
            };
            if (next - y).abs() <= tolerance || hi - lo <= tolerance {
                return next;
            }
            y = next;
        }
        y
    }

    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    /// Central interval holding `level` of the mass, e.g. 0.95 → (q 2.5 %, q 97.5 %).
    pub fn interval(&self, level: f64) -> (f64, f64) {
        let tail = 0.5 * (1.0 - level);
        (self.quantile(tail), self.quantile(1.0 - tail))
    }

    /// The global mode. Mixtures have no closed form: the best local maxima of a 129-point
    /// grid, plus any component whose own peak could beat the grid, are refined by mean-shift
    /// iterations (which climb the density monotonically); the highest end point wins.
    pub fn mode(&self) -> f64 {
        let (lo, hi) = self.support(4.0);
        let n = 129;
        let grid: Vec<(f64, f64)> = (0..n)
            .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
            .map(|y| (y, self.pdf(y).ln()))
            .collect();
        let mut peaks: Vec<(f64, f64)> = (0..n)
            .filter(|&i| {
                let v = grid[i].1;
                (i == 0 || grid[i - 1].1 <= v) && (i == n - 1 || grid[i + 1].1 <= v)
            })
            .map(|i| grid[i])
            .collect();
        peaks.sort_by(|a, b| b.1.total_cmp(&a.1));
        peaks.truncate(3);
        let grid_best = peaks.first().map_or(f64::NEG_INFINITY, |p| p.1);
        let sharp_components = self
            .iter()
            .filter(|(w, _, s)| (w / s).ln() - LN_SQRT_2PI > grid_best)
            .map(|(_, mu, _)| mu);
        peaks
            .iter()
            .map(|p| p.0)
            .chain(sharp_components)
            .map(|start| {
                let y = self.mean_shift(start);
                (y, self.log_prob(y))
            })
            .fold(
                (lo, f64::NEG_INFINITY),
                |best, c| if c.1 > best.1 { c } else { best },
            )
            .0
    }

    fn mean_shift(&self, mut y: f64) -> f64 {
        for _ in 0..100 {
            let (mut num, mut den) = (0.0, 0.0);
            for c in 0..self.len() {
                let precision = 1.0 / (self.scales[c] * self.scales[c]);
                let r = self.component_pdf(c, y) * precision;
                num += r * self.locs[c];
                den += r;
            }
            if den <= 0.0 || !den.is_finite() {
                break;
            }
            let next = num / den;
            let done = (next - y).abs() <= 1e-10 * (1.0 + y.abs());
            y = next;
            if done {
                break;
            }
        }
        y
    }

    /// Density on `n` evenly spaced points of [lo, hi].
    pub fn pdf_grid(&self, lo: f64, hi: f64, n: usize) -> Vec<(f64, f64)> {
        let step = if n > 1 {
            (hi - lo) / (n - 1) as f64
        } else {
            0.0
        };
        (0..n)
            .map(|i| {
                let y = lo + step * i as f64;
                (y, self.pdf(y))
            })
            .collect()
    }

    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, n: usize) -> Vec<f64> {
        (0..n)
            .map(|_| {
                let u: f64 = rng.random();
                let mut acc = 0.0;
                let mut c = self.len() - 1;
                for (i, w) in self.weights.iter().enumerate() {
                    acc += w;
                    if u < acc {
                        c = i;
                        break;
                    }
                }
                let z: f64 = StandardNormal.sample(rng);
                self.locs[c] + self.scales[c] * z
            })
            .collect()
    }

    /// (weight, loc, scale) of each component.
    pub fn iter(&self) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        self.weights
            .iter()
            .zip(&self.locs)
            .zip(&self.scales)
            .map(|((&w, &mu), &s)| (w, mu, s))
    }

    /// Index of the heaviest component and its weight (to report a collapsed mixture).
    pub fn dominant_component(&self) -> (usize, f64) {
        self.weights
            .iter()
            .copied()
            .enumerate()
            .fold(
                (0, f64::NEG_INFINITY),
                |best, c| if c.1 > best.1 { c } else { best },
            )
    }
}

pub fn log_sum_exp(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let max = values.clone().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + values.map(|v| (v - max).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn two_bumps() -> NormalMixture {
        NormalMixture {
            weights: vec![0.3, 0.7],
            locs: vec![-2.0, 3.0],
            scales: vec![0.5, 1.0],
        }
    }

    #[test]
    fn single_normal_has_closed_form_answers() {
        let n = NormalMixture {
            weights: vec![1.0],
            locs: vec![1.5],
            scales: vec![2.0],
        };
        assert!((n.mean() - 1.5).abs() < 1e-12);
        assert!((n.std() - 2.0).abs() < 1e-12);
        assert!((n.median() - 1.5).abs() < 1e-9);
        assert!((n.mode() - 1.5).abs() < 1e-9);
        assert!((n.cdf(1.5) - 0.5).abs() < 1e-12);
        let (lo, hi) = n.interval(0.95);
        assert!((lo - (1.5 - 1.959_963_984_540_054 * 2.0)).abs() < 1e-7);
        assert!((hi - (1.5 + 1.959_963_984_540_054 * 2.0)).abs() < 1e-7);
        assert!((n.log_prob(3.5) - (-0.5 - 2f64.ln() - LN_SQRT_2PI)).abs() < 1e-12);
    }

    #[test]
    fn mixture_moments_mode_and_quantiles() {
        let m = two_bumps();
        assert!((m.mean() - (0.3 * -2.0 + 0.7 * 3.0)).abs() < 1e-12);
        let mean = 1.5;
        let expected_var =
            0.3 * (0.25 + (-2.0f64 - mean).powi(2)) + 0.7 * (1.0 + (3.0f64 - mean).powi(2));
        assert!((m.variance() - expected_var).abs() < 1e-12);
        // Mode: the peak heights are 0.3/(0.5√2π) = 0.239 at −2 and 0.7/√2π = 0.279 at 3.
        assert!((m.mode() - 3.0).abs() < 1e-3);
        for q in [0.01, 0.2, 0.5, 0.77, 0.99] {
            assert!((m.cdf(m.quantile(q)) - q).abs() < 1e-9);
        }
        // The density integrates to one.
        let grid = m.pdf_grid(-10.0, 12.0, 20_001);
        let integral: f64 = grid.iter().map(|(_, p)| p).sum::<f64>() * 22.0 / 20_000.0;
        assert!((integral - 1.0).abs() < 1e-6);
        // The components add up to the total.
        let y = 0.4;
        assert!((m.component_pdf(0, y) + m.component_pdf(1, y) - m.pdf(y)).abs() < 1e-14);
    }

    #[test]
    fn samples_follow_the_distribution() {
        let m = two_bumps();
        let mut rng = StdRng::seed_from_u64(1);
        let s = m.sample(&mut rng, 200_000);
        let mean = s.iter().sum::<f64>() / s.len() as f64;
        assert!((mean - m.mean()).abs() < 0.02);
        let below = s.iter().filter(|&&v| v < m.median()).count() as f64 / s.len() as f64;
        assert!((below - 0.5).abs() < 0.01);
    }

    #[test]
    fn bernoulli_answers() {
        let b = Predictive::Bernoulli { p: 0.8 };
        assert!((b.log_prob(1.0) - 0.8f64.ln()).abs() < 1e-15);
        assert!((b.log_prob(0.0) - 0.2f64.ln()).abs() < 1e-15);
        assert_eq!(b.log_prob(0.5), f64::NEG_INFINITY);
        assert!((b.mean() - 0.8).abs() < 1e-15);
        assert!((b.std() - 0.4).abs() < 1e-12);
    }
}
