//! Branch-free f32 approximations written so the compiler vectorises them. Plain `a * b + c`
//! rather than `mul_add`: without FMA enabled at compile time `mul_add` becomes a libm call.
//!
//! libm's `tanhf`/`expf` are scalar calls; the seed network evaluates ~33 000 tanh and ~20 000
//! exp per training step, which would cost more than its matrix products.

/// Defines a function whose body is compiled twice: for AVX2+FMA, used when the CPU has them,
/// and for the baseline target. The default x86-64 target has only SSE2, which lacks the blend
/// instructions that the branch-free selects of this module vectorise to. Everything the body
/// calls must be `#[inline(always)]` so it is compiled in the enabled context. Results are
/// bit-identical either way: no fused multiply-adds are formed.
macro_rules! simd_fn {
    ($(#[$meta:meta])* $vis:vis fn $name:ident $(<$($g:ident : $bound:path),*>)?
        ($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        $vis fn $name $(<$($g: $bound),*>)? ($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body $(<$($g: $bound),*>)? ($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                fn avx2 $(<$($g: $bound),*>)? ($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the CPU supports every feature enabled on `avx2`.
                    return unsafe { avx2($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}
pub(crate) use simd_fn;

/// tanh as a 13/6 rational approximation on [−7.9, 7.9] (Eigen's `ptanh_float`),
/// |error| < 3e-7 everywhere; saturates to ±1 outside.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    const A1: f32 = 4.893_524_6e-3;
    const A3: f32 = 6.372_619_3e-4;
    const A5: f32 = 1.485_722_4e-5;
    const A7: f32 = 5.122_297e-8;
    const A9: f32 = -8.604_672e-11;
    const A11: f32 = 2.000_188e-13;
    const A13: f32 = -2.760_768_5e-16;
    const B0: f32 = 4.893_525e-3;
    const B2: f32 = 2.268_434_6e-3;
    const B4: f32 = 1.185_347e-4;
    const B6: f32 = 1.198_258_4e-6;
    let x = x.clamp(-CLAMP, CLAMP);
    let x2 = x * x;
    let mut p = x2 * A13 + A11;
    p = p * x2 + A9;
    p = p * x2 + A7;
    p = p * x2 + A5;
    p = p * x2 + A3;
    p = p * x2 + A1;
    p *= x;
    let mut q = x2 * B6 + B4;
    q = q * x2 + B2;
    q = q * x2 + B0;
    p / q
}

#[inline(always)]
pub fn tanh_in_place(values: &mut [f32]) {
    values.iter_mut().for_each(|v| *v = tanh(*v));
}

/// e^x with relative error < 2e-7 for x in [−87.3, 88]; 0 below, +inf above.
/// Range reduction x = n·ln2 + r, degree-6 polynomial for e^r, 2^n built in the exponent bits.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let xc = x.clamp(-87.3, 88.0);
    // Round to nearest by adding and removing 1.5·2^23 (exact for |v| < 2^22; no libm call).
    const ROUND: f32 = 12_582_912.0;
    let n = (xc * LOG2E + ROUND) - ROUND;
    let r = n * -LN2_LO + (n * -LN2_HI + xc);
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let er = p * r * r + r + 1.0;
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    let y = er * scale;
    if x < -87.3 {
        0.0
    } else if x > 88.0 {
        f32::INFINITY
    } else {
        y
    }
}

/// Natural logarithm with relative error < 2e-7 for positive finite x (subnormals included);
/// −inf at 0, NaN below. Cephes' `logf`: x = m·2^e with m ∈ [√½, √2), polynomial in m − 1.
#[inline(always)]
pub fn ln(x: f32) -> f32 {
    const SUBNORMAL_SCALE: f32 = 8_388_608.0; // 2^23
    let small = x < f32::MIN_POSITIVE;
    let xs = if small { x * SUBNORMAL_SCALE } else { x };
    let bits = xs.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 126 - if small { 23 } else { 0 };
    let mut m = f32::from_bits((bits & 0x807f_ffff) | 0x3f00_0000); // in [0.5, 1)
    if m < std::f32::consts::FRAC_1_SQRT_2 {
        e -= 1;
        m = m + m - 1.0;
    } else {
        m -= 1.0;
    }
    let ef = e as f32;
    let z = m * m;
    let mut p = 7.037_683_6e-2_f32;
    p = p * m - 1.151_461e-1;
    p = p * m + 1.167_699_9e-1;
    p = p * m - 1.242_014_1e-1;
    p = p * m + 1.424_932_3e-1;
    p = p * m - 1.666_805_8e-1;
    p = p * m + 2.000_071_4e-1;
    p = p * m - 2.499_999_4e-1;
    p = p * m + 3.333_333e-1;
    let y = p * m * z - 2.121_944_4e-4 * ef - 0.5 * z;
    let result = m + y + 0.693_359_4 * ef;
    if x > 0.0 && x < f32::INFINITY {
        result
    } else if x == 0.0 {
        f32::NEG_INFINITY
    } else if x == f32::INFINITY {
        x
    } else {
        f32::NAN
    }
}

/// softplus(x) and its derivative sigmoid(x) from one exponential.
#[inline(always)]
pub fn softplus_and_sigmoid(x: f32) -> (f32, f32) {
    let e = exp(-x.abs());
    let inv = 1.0 / (1.0 + e);
    let sigmoid = if x >= 0.0 { inv } else { e * inv };
    (x.max(0.0) + ln_1p_small(e), sigmoid)
}

/// ln(1 + e^x), stable for all x.
#[inline(always)]
pub fn softplus(x: f32) -> f32 {
    x.max(0.0) + ln_1p_small(exp(-x.abs()))
}

/// ln(1 + u) for u in [0, 1].
#[inline(always)]
fn ln_1p_small(u: f32) -> f32 {
    // ln(1+u) = 2 atanh(u / (2 + u)); s ∈ [0, 1/3], odd series to s^11 gives < 2e-7.
    let s = u / (2.0 + u);
    let s2 = s * s;
    let mut p = 1.0 / 11.0_f32;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    p = p * s2 + 1.0;
    2.0 * s * p
}

/// Logistic function 1 / (1 + e^−x).
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    let e = exp(-x.abs());
    let inv = 1.0 / (1.0 + e);
    if x >= 0.0 { inv } else { e * inv }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(lo: f32, hi: f32, n: usize) -> impl Iterator<Item = f32> {
        (0..=n).map(move |i| lo + (hi - lo) * i as f32 / n as f32)
    }

    #[test]
    fn tanh_is_accurate() {
        for x in grid(-12.0, 12.0, 100_000) {
            let err = (tanh(x) as f64 - (x as f64).tanh()).abs();
            assert!(err < 5e-7, "tanh({x}) error {err}");
        }
        assert_eq!(tanh(0.0), 0.0);
        assert!(tanh(f32::MAX) <= 1.0 && tanh(f32::MIN) >= -1.0);
    }

    #[test]
    fn exp_is_accurate() {
        for x in grid(-87.0, 88.0, 200_000) {
            let exact = (x as f64).exp();
            let rel = ((exp(x) as f64 - exact) / exact).abs();
            assert!(rel < 3e-7, "exp({x}) rel error {rel}");
        }
        assert_eq!(exp(-200.0), 0.0);
        assert_eq!(exp(200.0), f32::INFINITY);
    }

    #[test]
    fn ln_is_accurate() {
        for x in grid(-30.0, 30.0, 100_000).map(|t| (t as f64).exp() as f32) {
            let exact = (x as f64).ln();
            assert!(
                (ln(x) as f64 - exact).abs() <= 2e-7 * exact.abs().max(1.0),
                "ln({x})"
            );
        }
        let tiny = 1e-40f32; // subnormal
        assert!((ln(tiny) as f64 - (tiny as f64).ln()).abs() < 1e-4);
        assert_eq!(ln(0.0), f32::NEG_INFINITY);
        assert!(ln(-1.0).is_nan());
        assert_eq!(ln(f32::INFINITY), f32::INFINITY);
    }

    #[test]
    fn softplus_and_sigmoid_are_accurate() {
        for x in grid(-40.0, 40.0, 1000) {
            let (sp, sg) = softplus_and_sigmoid(x);
            assert_eq!((sp, sg), (softplus(x), sigmoid(x)));
        }
        for x in grid(-40.0, 40.0, 100_000) {
            let xd = x as f64;
            let sp = xd.max(0.0) + (-xd.abs()).exp().ln_1p();
            assert!(
                (softplus(x) as f64 - sp).abs() <= 3e-7 * sp.max(1.0),
                "softplus({x})"
            );
            let sg = 1.0 / (1.0 + (-xd).exp());
            assert!(
                (sigmoid(x) as f64 - sg).abs() < 3e-7 * sg.clamp(1e-30, 1.0) + 1e-37,
                "sigmoid({x})"
            );
        }
    }
}
