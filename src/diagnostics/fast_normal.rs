//! Φ(z) and φ(z) together, branch-free so that loops over mixture components vectorise, to
//! the absolute accuracy sums over components need (≈ 2e-16; exactly 0 or 1 beyond ±9, like
//! [`super::normal::cdf_abs`]). The per-row diagnostics evaluate Φ and φ a few hundred times
//! per row (quantile steps, the CRPS's pair sum); scalar erfc made up most of their time.
//!
//! Φ(−|z|) = ½ e^{−x²} erfcx(x) with x = |z|/√2, and φ(z) = e^{−x²}/√(2π) shares the
//! exponential. erfcx comes from a Chebyshev series of (1 + 2x) erfcx(x) in
//! t = (x − 3)/(x + 3) (Shepherd & Laframboise 1981); `scripts/erfcx_chebyshev.py` made the
//! coefficients. e^{−x²} is a Taylor polynomial after the usual 2ⁿ range reduction.

/// Beyond this |z| Φ is 0 or 1 and φ is 0 to within 1.1e-19.
const TAIL_CUTOFF: f64 = 9.0;
const K: f64 = 3.0;
// From scripts/erfcx_chebyshev.py; the largest coefficient left out is 4.5e-18.
const T_MAX: f64 = 0.359_245_517_965_918_5;
#[expect(clippy::excessive_precision, reason = "the generator's 17 digits")]
const CHEBYSHEV: [f64; 20] = [
    1.201_021_786_051_244_9,
    0.066_201_920_495_891_801,
    -0.092_206_036_530_863_937,
    0.034_057_755_193_668_008,
    -0.007_489_883_307_775_751_7,
    0.001_011_166_027_664_810_2,
    -6.045_329_898_609_951_1e-5,
    -4.492_695_855_524_402_9e-6,
    9.593_695_724_128_867_2e-7,
    1.101_352_007_727_799_1e-8,
    -1.245_570_414_607_994_5e-8,
    -3.745_254_802_739_382e-11,
    1.762_093_684_513_014_5e-10,
    3.855_165_694_647_813_7e-12,
    -2.603_815_562_873_124_5e-12,
    -1.695_306_337_531_267_9e-13,
    3.447_608_509_376_234_3e-14,
    4.985_826_977_957_790_8e-15,
    -2.626_038_041_225_340_6e-16,
    -1.103_497_401_265_542_6e-16,
];

/// e^a for a in [−41, 0] (the range −x² takes here), relative error ≈ 2e-16.
#[inline(always)]
fn exp_nonpositive(a: f64) -> f64 {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    // Adding 1.5·2⁵² rounds to an integer and leaves it in the low mantissa bits.
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    let shifted = a * LOG2_E + SHIFTER;
    let n = shifted - SHIFTER;
    let r = (a - n * LN2_HI) - n * LN2_LO;
    // Taylor to degree 13 on |r| ≤ ln2/2: the first term left out is < 5e-18.
    let mut p = 1.0 / 6_227_020_800.0;
    for d in [
        479_001_600.0,
        39_916_800.0,
        3_628_800.0,
        362_880.0,
        40_320.0,
        5_040.0,
        720.0,
        120.0,
        24.0,
        6.0,
        2.0,
        1.0,
        1.0,
    ] {
        p = p * r + 1.0 / d;
    }
    let exponent = shifted
        .to_bits()
        .wrapping_sub(SHIFTER.to_bits())
        .wrapping_add(1023)
        << 52;
    p * f64::from_bits(exponent)
}

/// (Φ(z), φ(z)); NaN in gives NaN out.
#[inline(always)]
pub fn cdf_pdf(z: f64) -> (f64, f64) {
    let clamped = z.abs().min(TAIL_CUTOFF);
    let x = clamped * std::f64::consts::FRAC_1_SQRT_2;
    let t = (x - K) / (x + K);
    let u = (t + 1.0) * (2.0 / (T_MAX + 1.0)) - 1.0;
    // Clenshaw's recurrence for Σ c_n T_n(u).
    let (mut b1, mut b2) = (0.0, 0.0);
    for &c in CHEBYSHEV[1..].iter().rev() {
        let b0 = 2.0 * u * b1 - b2 + c;
        b2 = b1;
        b1 = b0;
    }
    let g = u * b1 - b2 + CHEBYSHEV[0];
    // −z²/2 from z itself, as `normal::pdf` computes it (−x² would add its rounding).
    let gauss = exp_nonpositive(-0.5 * clamped * clamped);
    let lower = 0.5 * gauss * g / (1.0 + 2.0 * x);
    let beyond = z.abs() > TAIL_CUTOFF;
    let cdf = if z < 0.0 { lower } else { 1.0 - lower };
    let cdf = if beyond {
        if z < 0.0 { 0.0 } else { 1.0 }
    } else {
        cdf
    };
    let pdf = if beyond {
        0.0
    } else {
        super::normal::INV_SQRT_2PI * gauss
    };
    if z.is_nan() { (z, z) } else { (cdf, pdf) }
}

#[cfg(test)]
mod tests {
    use super::super::normal;
    use super::*;

    #[test]
    fn agrees_with_the_exact_normal() {
        for i in -12_000..=12_000 {
            let z = f64::from(i) * 1e-3 + 1.3e-5;
            let (cdf, pdf) = cdf_pdf(z);
            assert!(
                (cdf - normal::cdf_abs(z)).abs() < 4e-16,
                "Φ({z}): {cdf} vs {}",
                normal::cdf_abs(z)
            );
            let exact = normal::pdf_abs(z);
            assert!(
                (pdf - exact).abs() <= 4e-16 * exact,
                "φ({z}): {pdf} vs {exact}"
            );
        }
    }

    #[test]
    fn tails_and_nan_match_the_scalar_functions() {
        for z in [-1e300, -9.5, 9.5, 40.0, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(
                cdf_pdf(z),
                (normal::cdf_abs(z), normal::pdf_abs(z)),
                "z = {z}"
            );
        }
        let (c, p) = cdf_pdf(f64::NAN);
        assert!(c.is_nan() && p.is_nan());
    }

    #[test]
    fn exponential_is_accurate_over_its_range() {
        for i in 0..=41_000 {
            let a = -f64::from(i) * 1e-3;
            let (fast, exact) = (exp_nonpositive(a), a.exp());
            assert!(
                (fast - exact).abs() <= 3e-16 * exact,
                "e^{a}: {fast} vs {exact}"
            );
        }
    }
}
