//! The continuous ranked probability score, CRPS(F, y) = ∫ (F(t) − 1{y ≤ t})² dt, in closed
//! form for a Normal and a mixture of Normals (Grimit, Gneiting, Berrocal & Johnson 2006),
//! in the units of y. Lower is better; for a point forecast it is the absolute error.

use super::{fast_normal, normal};
use crate::nn::NormalMixture;
use crate::nn::fastmath::simd_fn;

/// A(m, s) = m (2Φ(m/s) − 1) + 2 s φ(m/s), i.e. E|X| for X ~ N(m, s²).
#[inline(always)]
fn expected_abs(m: f64, s: f64) -> f64 {
    let (cdf, pdf) = fast_normal::cdf_pdf(m / s);
    m * (2.0 * cdf - 1.0) + 2.0 * s * pdf
}

/// Terms handed to the vectorised [`expected_abs`] at a time.
const CHUNK: usize = 32;

/// Σ_i w_i A(m_i, s_i) over equally long slices of at most [`CHUNK`] terms. The map runs
/// over a fixed-size buffer so that it vectorises; the sum stays in order.
#[inline(always)]
fn weighted_expected_abs(w: &[f64], m: &[f64], s: &[f64]) -> f64 {
    let mut a = [0.0; CHUNK];
    for ((a, &m), &s) in a.iter_mut().zip(m).zip(s) {
        *a = expected_abs(m, s);
    }
    w.iter().zip(&a).map(|(w, a)| w * a).sum()
}

/// CRPS of N(μ, σ²) at y: σ [z (2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ, evaluated as
/// (y − μ)(2Φ(z) − 1) + σ (2φ(z) − 1/√π) so that a far y (z overflowing to ±∞) gives the
/// absolute error |y − μ| instead of ∞ · σ.
pub fn crps_normal(mu: f64, sigma: f64, y: f64) -> f64 {
    let d = y - mu;
    let z = d / sigma;
    d * (2.0 * normal::cdf(z) - 1.0)
        + sigma * (2.0 * normal::pdf(z) - 1.0 / std::f64::consts::PI.sqrt())
}

simd_fn! {
    /// CRPS of Σ π_k N(μ_k, σ_k²) at y:
    /// Σ_k π_k A(y − μ_k, σ_k) − ½ Σ_k Σ_l π_k π_l A(μ_k − μ_l, √(σ_k² + σ_l²)).
    /// The double sum is symmetric, so only l > k is evaluated (twice weighted) plus the
    /// diagonal, where A(0, s) = 2s φ(0). The terms go through [`expected_abs`] in chunks.
    pub fn crps_mixture(m: &NormalMixture, y: f64) -> f64 {
        crps_mixture_inline(m, y)
    }
}

#[inline(always)]
pub(super) fn crps_mixture_inline(m: &NormalMixture, y: f64) -> f64 {
    let n = m.len();
    if n == 1 {
        return crps_normal(m.locs[0], m.scales[0], y);
    }
    let (weights, locs, scales) = (&m.weights, &m.locs, &m.scales);
    let mut first = 0.0;
    let mut offsets = [0.0; CHUNK];
    for start in (0..n).step_by(CHUNK) {
        let end = (start + CHUNK).min(n);
        for (o, mu) in offsets.iter_mut().zip(&locs[start..end]) {
            *o = y - mu;
        }
        first += weighted_expected_abs(
            &weights[start..end],
            &offsets[..end - start],
            &scales[start..end],
        );
    }
    // Diagonal terms: A(0, σ√2) = 2σ√2 φ(0).
    let mut spread: f64 = weights
        .iter()
        .zip(scales)
        .map(|(w, s)| w * w * 2.0 * s * std::f64::consts::SQRT_2 * normal::INV_SQRT_2PI)
        .sum();
    let (mut pair_w, mut pair_m, mut pair_s) = ([0.0; CHUNK], [0.0; CHUNK], [0.0; CHUNK]);
    let mut filled = 0;
    for k in 0..n {
        for l in k + 1..n {
            pair_w[filled] = 2.0 * weights[k] * weights[l];
            pair_m[filled] = locs[k] - locs[l];
            // Scales are at most ~1e70 (limits::MAX_ABS_VALUE times an f32 output), so the
            // square cannot overflow, and hypot is several times slower.
            #[expect(clippy::imprecise_flops, reason = "no overflow here; hypot is slow")]
            let pair_scale = (scales[k] * scales[k] + scales[l] * scales[l]).sqrt();
            pair_s[filled] = pair_scale;
            filled += 1;
            if filled == CHUNK {
                spread += weighted_expected_abs(&pair_w, &pair_m, &pair_s);
                filled = 0;
            }
        }
    }
    spread += weighted_expected_abs(&pair_w[..filled], &pair_m[..filled], &pair_s[..filled]);
    first - 0.5 * spread
}

/// CRPS of the log-normal e^{s Z}, Z ~ N(0, 1), at w (Baran & Lerch 2015, μ = 0):
/// w (2Φ(z) − 1) − 2 e^{s²/2} [Φ(z − s) + Φ(s/√2) − 1], z = ln w / s; for w ≤ 0 it is
/// E[X] − w − ½ E|X − X′| = e^{s²/2} (2 − 2Φ(s/√2)) − w.
pub fn crps_lognormal(s: f64, w: f64) -> f64 {
    let half_var = (0.5 * s * s).exp();
    let spread = normal::cdf(s / std::f64::consts::SQRT_2);
    if w <= 0.0 {
        return half_var * (2.0 - 2.0 * spread) - w;
    }
    let z = w.ln() / s;
    w * (2.0 * normal::cdf(z) - 1.0) - 2.0 * half_var * (normal::cdf(z - s) + spread - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_far_y_gives_the_absolute_error_not_infinity() {
        // Found by tests/properties.rs: z = (y − μ)/σ overflowed to ∞ and σ·∞ was returned.
        let (sigma, y) = (1.5e-28, 1.84e300);
        assert_eq!(crps_normal(0.0, sigma, y), y);
        let m = NormalMixture {
            weights: vec![0.5, 0.5],
            locs: vec![0.0, 1.0],
            scales: vec![sigma, sigma],
        };
        let crps = crps_mixture(&m, y);
        assert!(crps.is_finite() && (crps - y).abs() <= 1e-12 * y, "{crps}");
    }

    #[test]
    fn one_component_mixture_is_the_normal_formula() {
        let single = NormalMixture {
            weights: vec![1.0],
            locs: vec![0.3],
            scales: vec![1.7],
        };
        let split = NormalMixture {
            weights: vec![0.25, 0.75],
            locs: vec![0.3, 0.3],
            scales: vec![1.7, 1.7],
        };
        for y in [-4.0, 0.0, 0.3, 2.5] {
            let a = crps_mixture(&single, y);
            let b = crps_mixture(&split, y);
            assert!((a - crps_normal(0.3, 1.7, y)).abs() < 1e-15);
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    #[test]
    fn lognormal_agrees_with_numerical_integration() {
        let s = 0.7;
        let cdf = |t: f64| {
            if t <= 0.0 {
                0.0
            } else {
                normal::cdf(t.ln() / s)
            }
        };
        for w in [-0.5, 0.3, 1.0, 4.0] {
            let (lo, hi, n) = (-1.0, 60.0, 600_000);
            let h = (hi - lo) / n as f64;
            let integral: f64 = (0..n)
                .map(|i| {
                    let t = lo + (i as f64 + 0.5) * h;
                    let step = if w <= t { 1.0 } else { 0.0 };
                    (cdf(t) - step).powi(2) * h
                })
                .sum();
            let closed = crps_lognormal(s, w);
            // The midpoint rule is first order at the step at w: error ~ h.
            assert!(
                (closed - integral).abs() < 5e-5,
                "w = {w}: {closed} vs {integral}"
            );
        }
    }

    #[test]
    fn agrees_with_numerical_integration() {
        let m = NormalMixture {
            weights: vec![0.2, 0.5, 0.3],
            locs: vec![-2.0, 0.5, 3.0],
            scales: vec![0.4, 1.0, 0.7],
        };
        for y in [-3.0, 0.0, 1.2, 6.0] {
            let (lo, hi, n) = (-15.0, 15.0, 300_000);
            let h = (hi - lo) / n as f64;
            let integral: f64 = (0..n)
                .map(|i| {
                    let t = lo + (i as f64 + 0.5) * h;
                    let step = if y <= t { 1.0 } else { 0.0 };
                    (m.cdf(t) - step).powi(2) * h
                })
                .sum();
            assert!((crps_mixture(&m, y) - integral).abs() < 1e-6, "y = {y}");
        }
    }
}
