//! The standard Normal's density, distribution and quantile functions, in f64.

use std::f64::consts::SQRT_2;

/// 1/√(2π).
pub const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// φ(z).
pub fn pdf(z: f64) -> f64 {
    INV_SQRT_2PI * (-0.5 * z * z).exp()
}

/// Φ(z), through erfc so that the lower tail keeps its relative accuracy.
pub fn cdf(z: f64) -> f64 {
    0.5 * super::erfc::erfc(-z / SQRT_2)
}

/// Beyond this |z|, Φ is 0 or 1 and φ is 0 to within 1.1e-19 (absolute).
const TAIL_CUTOFF: f64 = 9.0;

/// Φ(z) to an absolute 1e-19: exactly 0 or 1 beyond ±9 without calling erfc. For sums over
/// mixture components (quantile steps, CRPS), where only absolute accuracy matters and far
/// components are common.
pub fn cdf_abs(z: f64) -> f64 {
    if z < -TAIL_CUTOFF {
        0.0
    } else if z > TAIL_CUTOFF {
        1.0
    } else {
        cdf(z)
    }
}

/// φ(z) to an absolute 1.1e-19: 0 beyond ±9.
pub fn pdf_abs(z: f64) -> f64 {
    if z.abs() > TAIL_CUTOFF { 0.0 } else { pdf(z) }
}

/// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error < 1.2e-9)
/// polished by one Halley step on Φ, which brings it to full double precision.
/// Returns ∓∞ at 0 and 1 and NaN outside [0, 1].
pub fn quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let low = 0.024_25;
    let x = if p < low {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - low {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // Halley step: e = Φ(x) − p, u = e/φ(x), x ← x − u / (1 + x u / 2).
    let e = cdf(x) - p;
    let u = e / pdf(x);
    x - u / (1.0 + 0.5 * x * u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert!((cdf(0.0) - 0.5).abs() < 1e-16);
        // scipy.stats.norm.cdf(-1.959963984540054) = 0.025
        assert!((cdf(-1.959_963_984_540_054) - 0.025).abs() < 1e-15);
        // scipy.stats.norm.cdf(-8) = 6.22096057427178e-16
        assert!((cdf(-8.0) / 6.220_960_574_271_78e-16 - 1.0).abs() < 1e-12);
        assert!((quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-13);
        // scipy.stats.norm.ppf(1e-10) = -6.361340902404056
        assert!((quantile(1e-10) + 6.361_340_902_404_056).abs() < 1e-11);
        for p in [1e-300, 1e-8, 0.01, 0.3, 0.5, 0.77, 0.999_999] {
            assert!((cdf(quantile(p)) / p - 1.0).abs() < 1e-12, "p = {p}");
        }
        assert_eq!(quantile(0.0), f64::NEG_INFINITY);
        assert!(quantile(1.5).is_nan());
    }
}
