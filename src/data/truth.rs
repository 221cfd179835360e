//! The exact conditional density p(y|x) of the presets that have one.
//!
//! Closed forms for lognormal, heteroscedastic and bimodal; xor is a Bernoulli pmf;
//! inverse-sine is normalised numerically on a fine grid over y (see `inverse_sine.rs`).

use super::dataset::Dataset;
use std::sync::Mutex;

use super::inverse_sine::{InverseSineGrid, log_pdf_with};

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// The true conditional distribution of a preset's target given its inputs.
///
/// `x` is the preset's input row (`[x]` for regression, `[x1, x2]` for xor); extra values are
/// ignored and a missing value reads as 0. Outside the generated x range the formulas are
/// simply extended (lognormal uses s = noise·|x|; at x = 0 it has no density and `log_pdf` is
/// `-inf` everywhere while mean = median = mode = 1).
///
/// Inverse-sine normalises over a grid for each new x (≈ 4 000 evaluations; the last x's
/// normaliser is cached, so a y-grid at one x is cheap); `mean_nll` over n rows costs n such
/// normalisations.
#[derive(Debug, Clone, PartialEq)]
pub struct Truth {
    kind: Kind,
    /// Inverse-sine only: log Z(x) of the last x, so a y-grid at one x costs one normalisation.
    cache: LogZCache,
}

#[derive(Default)]
struct LogZCache(Mutex<Option<(u64, f64)>>);

impl LogZCache {
    fn get_or_compute(&self, x: f64, compute: impl FnOnce() -> f64) -> f64 {
        let key = x.to_bits();
        if let Ok(guard) = self.0.lock()
            && let Some((k, v)) = *guard
            && k == key
        {
            return v;
        }
        let value = compute();
        if let Ok(mut guard) = self.0.lock() {
            *guard = Some((key, value));
        }
        value
    }
}

impl Clone for LogZCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for LogZCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogZCache")
    }
}

impl PartialEq for LogZCache {
    /// A cache never makes two truths differ.
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// y = 2x + exp(s z), s = noise·|x|.
    Lognormal { noise: f64 },
    /// y = x + noise (0.1 + 0.5|x|) z.
    Heteroscedastic { noise: f64 },
    /// y = ±x² + noise z.
    Bimodal { noise: f64 },
    /// p(y|x) ∝ N(x; 7 sin(0.75y) + 0.5y, noise²) on [-10.5, 10.5].
    InverseSine { noise: f64 },
    /// P(label = 1 | x) = 1 − flip if x1·x2 > 0 else flip.
    Xor { flip: f64 },
}

impl Truth {
    fn with(kind: Kind) -> Self {
        Self {
            kind,
            cache: LogZCache::default(),
        }
    }

    pub(crate) fn lognormal(noise: f64) -> Self {
        Self::with(Kind::Lognormal { noise })
    }

    pub(crate) fn heteroscedastic(noise: f64) -> Self {
        Self::with(Kind::Heteroscedastic { noise })
    }

    pub(crate) fn bimodal(noise: f64) -> Self {
        Self::with(Kind::Bimodal { noise })
    }

    pub(crate) fn inverse_sine(noise: f64) -> Self {
        Self::with(Kind::InverseSine { noise })
    }

    pub(crate) fn xor(flip: f64) -> Self {
        Self::with(Kind::Xor { flip })
    }

    /// True for a discrete target (xor): `log_pdf` is then a log probability mass.
    pub fn is_discrete(&self) -> bool {
        matches!(self.kind, Kind::Xor { .. })
    }

    /// log p(y|x); `-inf` outside the support. For xor, log P(label = y | x).
    pub fn log_pdf(&self, x: &[f64], y: f64) -> f64 {
        let x0 = first(x);
        match self.kind {
            Kind::Lognormal { noise } => {
                let s = noise * x0.abs();
                let shifted = y - 2.0 * x0;
                if s <= 0.0 || shifted <= 0.0 {
                    return f64::NEG_INFINITY;
                }
                let u = shifted.ln();
                -u - s.ln() - LN_SQRT_2PI - 0.5 * (u / s) * (u / s)
            }
            Kind::Heteroscedastic { noise } => {
                normal_log_pdf(y, x0, noise * (0.1 + 0.5 * x0.abs()))
            }
            Kind::Bimodal { noise } => {
                let a = x0 * x0;
                let l1 = normal_log_pdf(y, a, noise);
                let l2 = normal_log_pdf(y, -a, noise);
                let m = l1.max(l2);
                m + (0.5 * ((l1 - m).exp() + (l2 - m).exp())).ln()
            }
            Kind::InverseSine { noise } => {
                let log_z = self
                    .cache
                    .get_or_compute(x0, || InverseSineGrid::new(x0, noise).log_z());
                log_pdf_with(x0, y, noise, log_z)
            }
            Kind::Xor { flip } => {
                let p1 = xor_p1(x, flip);
                if y == 1.0 {
                    p1.ln()
                } else if y == 0.0 {
                    (1.0 - p1).ln()
                } else {
                    f64::NEG_INFINITY
                }
            }
        }
    }

    /// E[y|x] (for xor, P(label = 1 | x)).
    pub fn mean(&self, x: &[f64]) -> f64 {
        let x0 = first(x);
        match self.kind {
            Kind::Lognormal { noise } => {
                let s = noise * x0.abs();
                2.0 * x0 + (0.5 * s * s).exp()
            }
            Kind::Heteroscedastic { .. } => x0,
            Kind::Bimodal { .. } => 0.0,
            Kind::InverseSine { noise } => InverseSineGrid::new(x0, noise).mean(),
            Kind::Xor { flip } => xor_p1(x, flip),
        }
    }

    /// Median of y given x (for xor: 1, 0, or 0.5 when both labels are equally likely).
    pub fn median(&self, x: &[f64]) -> f64 {
        let x0 = first(x);
        match self.kind {
            Kind::Lognormal { .. } => 2.0 * x0 + 1.0,
            Kind::Heteroscedastic { .. } => x0,
            Kind::Bimodal { .. } => 0.0,
            Kind::InverseSine { noise } => InverseSineGrid::new(x0, noise).median(),
            Kind::Xor { flip } => {
                let p1 = xor_p1(x, flip);
                if p1 > 0.5 {
                    1.0
                } else if p1 < 0.5 {
                    0.0
                } else {
                    0.5
                }
            }
        }
    }

    /// The mode(s), ascending. Bimodal: both branches when the density has two peaks
    /// (x² > noise), else the single peak at 0. Inverse-sine: every local maximum whose density
    /// is at least 10% of the highest one.
    pub fn modes(&self, x: &[f64]) -> Vec<f64> {
        let x0 = first(x);
        match self.kind {
            Kind::Lognormal { noise } => {
                let s = noise * x0.abs();
                vec![2.0 * x0 + (-s * s).exp()]
            }
            Kind::Heteroscedastic { .. } => vec![x0],
            Kind::Bimodal { noise } => bimodal_modes(x0 * x0, noise),
            Kind::InverseSine { noise } => InverseSineGrid::new(x0, noise).modes(0.1),
            Kind::Xor { flip } => {
                let p1 = xor_p1(x, flip);
                if p1 > 0.5 {
                    vec![1.0]
                } else if p1 < 0.5 {
                    vec![0.0]
                } else {
                    vec![0.0, 1.0]
                }
            }
        }
    }

    /// The true p(y|x) as (weight, mean, sd) Normal components, for the presets whose truth
    /// is a Normal mixture (heteroscedastic: one component; bimodal: two).
    pub fn normal_components(&self, x: &[f64]) -> Option<Vec<(f64, f64, f64)>> {
        let x0 = first(x);
        match self.kind {
            Kind::Heteroscedastic { noise } => {
                Some(vec![(1.0, x0, noise * (0.1 + 0.5 * x0.abs()))])
            }
            Kind::Bimodal { noise } => {
                let a = x0 * x0;
                Some(vec![(0.5, a, noise), (0.5, -a, noise)])
            }
            _ => None,
        }
    }

    /// For lognormal: y = shift + e^{s z}, z ~ N(0, 1), as (shift, s).
    pub fn lognormal_shape(&self, x: &[f64]) -> Option<(f64, f64)> {
        let x0 = first(x);
        match self.kind {
            Kind::Lognormal { noise } => Some((2.0 * x0, noise * x0.abs())),
            _ => None,
        }
    }

    /// F(y|x), for the presets with a closed form (lognormal, heteroscedastic, bimodal);
    /// `None` for inverse-sine and xor.
    pub fn cdf(&self, x: &[f64], y: f64) -> Option<f64> {
        if let Some((shift, s)) = self.lognormal_shape(x) {
            let w = y - shift;
            return Some(if w <= 0.0 || s <= 0.0 {
                if w > 0.0 { 1.0 } else { 0.0 }
            } else {
                standard_normal_cdf(w.ln() / s)
            });
        }
        let components = self.normal_components(x)?;
        Some(
            components
                .iter()
                .map(|&(w, mu, sd)| w * standard_normal_cdf((y - mu) / sd))
                .sum(),
        )
    }

    /// The `p`-quantile of y given x: closed-form cdfs inverted by bisection, inverse-sine
    /// on its integration grid; `None` for xor (a discrete target) and p outside (0, 1).
    pub fn quantile(&self, x: &[f64], p: f64) -> Option<f64> {
        if !(p > 0.0 && p < 1.0) {
            return None;
        }
        match self.kind {
            Kind::InverseSine { noise } => Some(InverseSineGrid::new(first(x), noise).quantile(p)),
            Kind::Xor { .. } => None,
            _ => invert_cdf(|y| self.cdf(x, y), self.median(x), p),
        }
    }

    /// The central interval holding `level` of the mass (`[q((1−level)/2), q((1+level)/2)]`),
    /// as the posterior panel shows it for the model.
    pub fn interval(&self, x: &[f64], level: f64) -> Option<(f64, f64)> {
        let tail = 0.5 * (1.0 - level);
        Some((self.quantile(x, tail)?, self.quantile(x, 1.0 - tail)?))
    }

    /// Mean of −log p(y|x) over the rows, in nats: the best NLL any model can expect on data
    /// drawn from this preset. `+inf` if a row lies outside the support.
    pub fn mean_nll(&self, data: &Dataset) -> f64 {
        if data.is_empty() {
            return f64::NAN;
        }
        let (x, d) = (data.x_flat(), data.n_inputs());
        let total: f64 = (data.y().iter().enumerate())
            .map(|(i, &y)| -self.log_pdf(&x[i * d..(i + 1) * d], y))
            .sum();
        total / data.len() as f64
    }
}

/// The y with cdf(y) = p: a bracket grown from `start` by doubling, then bisection to
/// machine precision (the cdfs here are continuous and increasing).
fn invert_cdf(cdf: impl Fn(f64) -> Option<f64>, start: f64, p: f64) -> Option<f64> {
    let mut width = 1.0f64.max(start.abs() * 1e-3);
    let (mut lo, mut hi) = (start - width, start + width);
    for _ in 0..200 {
        if cdf(lo)? <= p && cdf(hi)? >= p {
            break;
        }
        width *= 2.0;
        lo = start - width;
        hi = start + width;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if cdf(mid)? < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

fn first(x: &[f64]) -> f64 {
    x.first().copied().unwrap_or(0.0)
}

fn xor_p1(x: &[f64], flip: f64) -> f64 {
    let x1 = first(x);
    let x2 = x.get(1).copied().unwrap_or(0.0);
    if x1 * x2 > 0.0 { 1.0 - flip } else { flip }
}

fn standard_normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

fn normal_log_pdf(y: f64, mean: f64, sd: f64) -> f64 {
    if sd <= 0.0 {
        return f64::NEG_INFINITY;
    }
    let z = (y - mean) / sd;
    -0.5 * z * z - sd.ln() - LN_SQRT_2PI
}

/// Modes of ½N(a, σ²) + ½N(−a, σ²), a >= 0: a single one at 0 when a <= σ, else ±m with
/// m = a·tanh(a·m/σ²) (the stationarity condition), solved by fixed-point iteration from a.
fn bimodal_modes(a: f64, sigma: f64) -> Vec<f64> {
    if a <= sigma {
        return vec![0.0];
    }
    let k = a / (sigma * sigma);
    let mut m = a;
    for _ in 0..10_000 {
        let next = a * (k * m).tanh();
        let done = (next - m).abs() <= 1e-14 * a;
        m = next;
        if done {
            break;
        }
    }
    vec![-m, m]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Preset, PresetParams};

    /// Composite Simpson on [a, b] with an even number of intervals.
    fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, intervals: usize) -> f64 {
        let h = (b - a) / intervals as f64;
        let mut sum = f(a) + f(b);
        for i in 1..intervals {
            let w = if i % 2 == 1 { 4.0 } else { 2.0 };
            sum += w * f(a + i as f64 * h);
        }
        sum * h / 3.0
    }

    fn truth(preset: Preset) -> Truth {
        preset.truth(&preset.default_params()).unwrap()
    }

    #[test]
    fn regression_densities_integrate_to_one() {
        // lognormal: integrate in u = ln(y − 2x), dy = e^u du
        let t = truth(Preset::Lognormal);
        for x in [0.1, 0.5, 1.0, 1.49] {
            let s = x;
            let total = simpson(
                |u| (t.log_pdf(&[x], 2.0 * x + u.exp()) + u).exp(),
                -12.0 * s,
                12.0 * s,
                4000,
            );
            assert!((total - 1.0).abs() < 1e-6, "lognormal x={x}: {total}");
        }
        let t = truth(Preset::Heteroscedastic);
        for x in [-1.0, -0.3, 0.0, 0.8] {
            let sd = 0.1 + 0.5 * f64::abs(x);
            let total = simpson(
                |y| t.log_pdf(&[x], y).exp(),
                x - 12.0 * sd,
                x + 12.0 * sd,
                4000,
            );
            assert!((total - 1.0).abs() < 1e-6, "hetero x={x}: {total}");
        }
        let t = truth(Preset::Bimodal);
        for x in [-0.9, -0.2, 0.0, 0.5, 1.0] {
            let a = x * x;
            let total = simpson(|y| t.log_pdf(&[x], y).exp(), -a - 1.5, a + 1.5, 4000);
            assert!((total - 1.0).abs() < 1e-6, "bimodal x={x}: {total}");
        }
        let t = truth(Preset::InverseSine);
        for x in [-12.0, -3.0, 0.0, 2.5, 9.0] {
            let total = simpson(|y| t.log_pdf(&[x], y).exp(), -10.5, 10.5, 20_000);
            assert!((total - 1.0).abs() < 1e-4, "inverse-sine x={x}: {total}");
            assert_eq!(t.log_pdf(&[x], 10.6), f64::NEG_INFINITY);
            assert_eq!(t.log_pdf(&[x], -10.6), f64::NEG_INFINITY);
        }
        // a small noise needs a finer internal grid; it still integrates to one
        let t = Preset::InverseSine
            .truth(&PresetParams {
                n: 10,
                noise: 0.1,
                seed: 0,
            })
            .unwrap();
        let total = simpson(|y| t.log_pdf(&[1.0], y).exp(), -10.5, 10.5, 200_000);
        assert!(
            (total - 1.0).abs() < 1e-4,
            "inverse-sine noise 0.1: {total}"
        );
    }

    #[test]
    fn lognormal_closed_forms() {
        let t = truth(Preset::Lognormal);
        assert_eq!(t.log_pdf(&[0.5], 1.0), f64::NEG_INFINITY);
        for x in [0.1, 0.7, 1.4] {
            let mean: f64 = 2.0 * x + (x * x / 2.0_f64).exp();
            assert!((t.mean(&[x]) - mean).abs() < 1e-12);
            assert!((t.median(&[x]) - (2.0 * x + 1.0)).abs() < 1e-12);
            let mode = 2.0 * x + (-x * x).exp();
            assert_eq!(t.modes(&[x]).len(), 1);
            assert!((t.modes(&[x])[0] - mode).abs() < 1e-12);
            // the mode is a local maximum of the density
            let at = |y: f64| t.log_pdf(&[x], y);
            assert!(at(mode) > at(mode - 1e-3) && at(mode) > at(mode + 1e-3));
            // numerical mean: E[y] = 2x + E[e^u]
            let num = simpson(
                |u| (t.log_pdf(&[x], 2.0 * x + u.exp()) + 2.0 * u).exp(),
                -12.0 * x,
                12.0 * x,
                4000,
            );
            assert!((2.0 * x + num - mean).abs() < 1e-6);
            // scipy.stats.lognorm(s=x, loc=2x).logpdf(2x + 1) = -ln(x) - ln(sqrt(2π))
            assert!((at(2.0 * x + 1.0) - (-x.ln() - LN_SQRT_2PI)).abs() < 1e-12);
        }
    }

    #[test]
    fn lognormal_matches_samples_and_best_nll() {
        let params = Preset::Lognormal.default_params();
        let data = Preset::Lognormal.generate(&params).unwrap();
        assert_eq!(data.len(), 200_000);
        let t = Preset::Lognormal.truth(&params).unwrap();
        // Exact expected NLL: E[-log p] = E[ln x] + ln sqrt(2π) + 1/2 with x ~ U(0.1, 1.5)
        // (E[ln(y − 2x)] = E[x z] = 0).
        let antiderivative = |x: f64| x * x.ln() - x;
        let e_ln_x = (antiderivative(1.5) - antiderivative(0.1)) / 1.4;
        let exact = e_ln_x + LN_SQRT_2PI + 0.5;
        assert!((exact - 1.0178).abs() < 1e-3, "{exact}");
        let nll = t.mean_nll(&data);
        assert!((0.98..1.06).contains(&nll), "{nll}");
        assert!((nll - exact).abs() < 0.015, "{nll} vs {exact}");
        // sample median and mean in a narrow x bin agree with the closed forms
        for (lo, hi) in [(0.3, 0.35), (1.0, 1.05)] {
            let mut ys: Vec<f64> = (0..data.len())
                .filter(|&i| (lo..hi).contains(&data.x()[[i, 0]]))
                .map(|i| data.y()[i])
                .collect();
            ys.sort_by(f64::total_cmp);
            let xm = 0.5 * (lo + hi);
            let median = ys[ys.len() / 2];
            assert!((median - t.median(&[xm])).abs() < 0.08, "median {median}");
            let mean = ys.iter().sum::<f64>() / ys.len() as f64;
            assert!((mean - t.mean(&[xm])).abs() < 0.1, "mean {mean}");
        }
    }

    #[test]
    fn heteroscedastic_and_bimodal_summaries() {
        let t = truth(Preset::Heteroscedastic);
        assert_eq!(
            (t.mean(&[0.4]), t.median(&[0.4]), t.modes(&[0.4])),
            (0.4, 0.4, vec![0.4])
        );
        let t = truth(Preset::Bimodal);
        assert_eq!((t.mean(&[0.8]), t.median(&[0.8])), (0.0, 0.0));
        assert_eq!(t.modes(&[0.0]), vec![0.0]);
        assert_eq!(t.modes(&[0.3]), vec![0.0]); // 0.09 < noise 0.1: one peak
        let modes = t.modes(&[0.8]);
        assert_eq!(modes.len(), 2);
        assert!((modes[1] - 0.64).abs() < 1e-3 && (modes[0] + modes[1]).abs() < 1e-15);
        // each mode is a stationary point: a local maximum of the density
        let at = |y: f64| t.log_pdf(&[0.8], y);
        assert!(at(modes[1]) >= at(modes[1] + 1e-4) && at(modes[1]) >= at(modes[1] - 1e-4));
    }

    #[test]
    fn inverse_sine_summaries() {
        let t = truth(Preset::InverseSine);
        for x in [-5.0, 0.0, 4.0] {
            let modes = t.modes(&[x]);
            assert!(!modes.is_empty());
            for &m in &modes {
                let at = |y: f64| t.log_pdf(&[x], y);
                assert!(at(m) >= at(m + 1e-3) - 1e-9 && at(m) >= at(m - 1e-3) - 1e-9);
            }
            // the cdf at the median is 1/2, the mean is the first moment
            let median = t.median(&[x]);
            let cdf = simpson(|y| t.log_pdf(&[x], y).exp(), -10.5, median, 20_000);
            assert!((cdf - 0.5).abs() < 1e-3, "x={x}: cdf(median) = {cdf}");
            let mean = simpson(|y| y * t.log_pdf(&[x], y).exp(), -10.5, 10.5, 20_000);
            assert!((mean - t.mean(&[x])).abs() < 1e-4);
        }
        // x = 0: several branches solve 7 sin(0.75y) + 0.5y = 0
        assert!(t.modes(&[0.0]).len() >= 3, "{:?}", t.modes(&[0.0]));
        // by symmetry p(y|0) = p(−y|0)
        assert!(t.mean(&[0.0]).abs() < 1e-9);
    }

    #[test]
    fn cdfs_match_the_integrated_densities() {
        for (preset, x, lo) in [
            (Preset::Lognormal, 0.8, 1.6),
            (Preset::Heteroscedastic, 0.4, -3.0),
            (Preset::Bimodal, 0.9, -3.0),
        ] {
            let t = truth(preset);
            for y in [lo + 0.3, 0.2, 1.1, 2.9] {
                let integral = simpson(|v| t.log_pdf(&[x], v).exp(), lo, y.max(lo), 20_000);
                let cdf = t.cdf(&[x], y).unwrap();
                assert!(
                    (cdf - integral).abs() < 1e-6,
                    "{preset:?} y={y}: {cdf} vs {integral}"
                );
            }
        }
        assert_eq!(truth(Preset::InverseSine).cdf(&[0.0], 0.0), None);
    }

    #[test]
    fn true_intervals_hold_their_mass() {
        // Lognormal at x = 1: y = 2 + e^z, so the 68.27 % interval is 2 + e^{±1} (literals).
        let t = truth(Preset::Lognormal);
        let (a, b) = t
            .interval(&[1.0], 0.682_689_492_137_085_9)
            .expect("closed form");
        assert!((a - (2.0 + (-1.0f64).exp())).abs() < 1e-9, "{a}");
        assert!((b - (2.0 + 1.0f64.exp())).abs() < 1e-9, "{b}");
        // Heteroscedastic at x = 0.4: N(0.4, (noise·0.3)²), the 95 % interval ±1.959964 sd.
        let t = truth(Preset::Heteroscedastic);
        let sd = Preset::Heteroscedastic.default_params().noise * 0.3;
        let (a, b) = t.interval(&[0.4], 0.95).expect("closed form");
        assert!((a - (0.4 - 1.959_963_985 * sd)).abs() < 1e-8, "{a}");
        assert!((b - (0.4 + 1.959_963_985 * sd)).abs() < 1e-8, "{b}");
        // Bimodal and inverse-sine: the cdf at the quantile is the level's tail.
        let t = truth(Preset::Bimodal);
        let q = t.quantile(&[0.9], 0.1).expect("closed form");
        assert!((t.cdf(&[0.9], q).expect("cdf") - 0.1).abs() < 1e-9);
        let t = truth(Preset::InverseSine);
        let (a, b) = t.interval(&[2.0], 0.95).expect("grid");
        let mass = simpson(|y| t.log_pdf(&[2.0], y).exp(), a, b, 20_000);
        assert!((mass - 0.95).abs() < 2e-3, "{mass}");
        assert_eq!(t.quantile(&[2.0], 0.5), Some(t.median(&[2.0])));
        assert!(truth(Preset::Xor).interval(&[0.5, 0.5], 0.68).is_none());
        assert!(t.quantile(&[2.0], 1.0).is_none());
    }

    #[test]
    fn xor_is_a_bernoulli_pmf() {
        let t = truth(Preset::Xor);
        assert!(t.is_discrete());
        let p1 = t.log_pdf(&[0.5, 0.5], 1.0).exp();
        let p0 = t.log_pdf(&[0.5, 0.5], 0.0).exp();
        assert!((p1 - 0.95).abs() < 1e-12 && (p0 + p1 - 1.0).abs() < 1e-12);
        assert_eq!(t.log_pdf(&[0.5, 0.5], 0.5), f64::NEG_INFINITY);
        assert_eq!(t.modes(&[0.5, -0.5]), vec![0.0]);
        assert!((t.mean(&[0.5, -0.5]) - 0.05).abs() < 1e-12);
        // best achievable BCE = binary entropy of the flip probability
        let data = Preset::Xor
            .generate(&PresetParams {
                n: 20_000,
                ..Preset::Xor.default_params()
            })
            .unwrap();
        let h = -(0.05f64 * 0.05f64.ln() + 0.95 * 0.95f64.ln());
        assert!((t.mean_nll(&data) - h).abs() < 0.02);
    }
}
