//! Per-row scores of a dataset under a model: one batched forward pass per thread over a
//! contiguous block of rows, then each row's predictive distribution scored on its target.
//! Each row is computed the same way whatever the thread count, so results do not depend
//! on it.

use ndarray::s;

#[cfg(test)]
use super::crps::crps_mixture;
use super::crps::crps_mixture_inline;
use super::fast_normal;
use crate::data::Dataset;
use crate::nn::fastmath::simd_fn;
use crate::nn::{Model, NormalMixture, Predictive};

/// Rows below which extra threads are not worth starting.
const MIN_ROWS_PER_THREAD: usize = 2048;

/// What the regression diagnostics need of one row, in original units of y.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RowScores {
    /// u = F(y|x).
    pub pit: f64,
    pub crps: f64,
    pub log_prob: f64,
    /// Widths of the central 50 % and 90 % intervals.
    pub width_50: f64,
    pub width_90: f64,
    /// Predictive standard deviation.
    pub std: f64,
}

/// Components lighter than this are left out of a row's CRPS (their share of it is below
/// ~1e-12 of the scale of y) ...
const NEGLIGIBLE_FOR_CRPS: f64 = 1e-12;
/// ... and of its interval widths (they move a quantile by ~1e-9 of the predictive σ).
/// Trained mixtures often carry several such components.
const NEGLIGIBLE_FOR_QUANTILES: f64 = 1e-9;

simd_fn! {
    /// The scores of one row whose predictive is `m` and target `y`.
    fn score_mixture(m: &NormalMixture, y: f64) -> RowScores {
        score_mixture_inline(m, y)
    }
}

impl RowScores {
    pub fn of_mixture(m: &NormalMixture, y: f64) -> RowScores {
        score_mixture(m, y)
    }
}

/// Φ⁻¹(0.75) and Φ⁻¹(0.95): the moment-matched Normal's quartile and 90 % interval ends,
/// the quantile search's start points (a test checks them against `normal::quantile`).
const Z_75: f64 = 0.674_489_750_196_081_7;
const Z_95: f64 = 1.644_853_626_951_472_2;

#[inline(always)]
fn score_mixture_inline(m: &NormalMixture, y: f64) -> RowScores {
    let (mean, std) = (m.mean(), m.std());
    let for_crps = without_lighter_than(m, NEGLIGIBLE_FOR_CRPS);
    let for_quantiles =
        without_lighter_than(for_crps.as_ref().unwrap_or(m), NEGLIGIBLE_FOR_QUANTILES);
    let mq = for_quantiles.as_ref().or(for_crps.as_ref()).unwrap_or(m);
    let q = |p: f64, z: f64| quantile(mq, p, mean + std * z, std);
    RowScores {
        pit: m.cdf(y),
        crps: crps_mixture_inline(for_crps.as_ref().unwrap_or(m), y),
        log_prob: m.log_prob(y),
        width_50: q(0.75, Z_75) - q(0.25, -Z_75),
        width_90: q(0.95, Z_95) - q(0.05, -Z_95),
        std,
    }
}

/// `m` without the components lighter than `weight`, or `None` when it has none.
fn without_lighter_than(m: &NormalMixture, weight: f64) -> Option<NormalMixture> {
    if m.weights.iter().all(|&w| w >= weight) {
        return None;
    }
    let kept: Vec<(f64, f64, f64)> = m.iter().filter(|c| c.0 >= weight).collect();
    Some(NormalMixture {
        weights: kept.iter().map(|c| c.0).collect(),
        locs: kept.iter().map(|c| c.1).collect(),
        scales: kept.iter().map(|c| c.2).collect(),
    })
}

/// Components handed to the vectorised Φ/φ at a time.
const CHUNK: usize = 32;

/// (cdf, density, slope of the density) of `m` at y, in one pass over the components: the
/// Φ/φ evaluations run over a fixed-size buffer so that they vectorise; the sums stay in order.
#[inline(always)]
fn cdf_density_slope(m: &NormalMixture, y: f64) -> (f64, f64, f64) {
    let (mut cdf, mut density, mut slope) = (0.0, 0.0, 0.0);
    let n = m.len();
    let (mut cdfs, mut densities, mut slopes) = ([0.0; CHUNK], [0.0; CHUNK], [0.0; CHUNK]);
    for start in (0..n).step_by(CHUNK) {
        let end = (start + CHUNK).min(n);
        let components = m.locs[start..end].iter().zip(&m.scales[start..end]);
        for (((c, d), sl), (mu, s)) in cdfs
            .iter_mut()
            .zip(&mut densities)
            .zip(&mut slopes)
            .zip(components)
        {
            let z = (y - mu) / s;
            let (cdf_z, pdf_z) = fast_normal::cdf_pdf(z);
            *c = cdf_z;
            *d = pdf_z / s;
            *sl = *d * z / s;
        }
        for (i, w) in m.weights[start..end].iter().enumerate() {
            cdf += w * cdfs[i];
            density += w * densities[i];
            slope -= w * slopes[i];
        }
    }
    (cdf, density, slope)
}

/// The p-quantile by Halley's method from `guess` (the moment-matched Normal's quantile),
/// safeguarded by Newton and bisection inside a bracket, to 1e-10 of the predictive σ. cdf, density and
/// its slope come from one pass over the components per step; Halley converges cubically, so
/// two or three steps usually suffice.
///
/// Halley's error after a step is about C e³ for an error e before it, with C ≲ 1/s² for the
/// narrowest component's scale s; so a Halley step shorter than 1e-4 s leaves an error below
/// 1e-12 s, within the tolerance, and the step that would confirm it is skipped.
#[inline(always)]
fn quantile(m: &NormalMixture, p: f64, guess: f64, std: f64) -> f64 {
    let (mut lo, mut hi) = m.support(12.0);
    let tolerance = 1e-10 * std.max(1e-300);
    let narrowest = m.scales.iter().copied().fold(f64::INFINITY, f64::min);
    let settled = (1e-4 * narrowest).max(tolerance);
    let mut y = if guess.is_finite() {
        // max/min, not clamp: a NaN or reversed bracket must not panic.
        guess.max(lo).min(hi)
    } else {
        0.5 * (lo + hi)
    };
    for _ in 0..100 {
        let (cdf, density, slope) = cdf_density_slope(m, y);
        let f = cdf - p;
        if f < 0.0 {
            lo = y;
        } else {
            hi = y;
        }
        // Halley; where its step leaves the bracket (far from the root, in a skewed tail),
        // Newton; bisection only when both do, since halving the wide bracket is slow.
        let halley = y - 2.0 * f * density / (2.0 * density * density - f * slope);
        let newton = y - f / density;
        let inside = |v: f64| density > 0.0 && v > lo && v < hi;
        let (next, limit) = if inside(halley) {
            (halley, settled)
        } else if inside(newton) {
            (newton, tolerance)
        } else {
            (0.5 * (lo + hi), tolerance)
        };
        if (next - y).abs() <= limit || hi - lo <= tolerance {
            return next;
        }
        y = next;
    }
    y
}

/// The number of threads meaning "all cores" for 0.
pub fn resolve_threads(threads: usize) -> usize {
    match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// [`RowScores`] of every row (a regression model; the caller checked the head).
pub fn regression_rows(model: &Model, data: &Dataset, threads: usize) -> Vec<RowScores> {
    map_rows(model, data, threads, |predictive, y| match predictive {
        Predictive::Mixture(m) => RowScores::of_mixture(&m, y),
        Predictive::Bernoulli { .. } => RowScores::default(),
    })
}

/// p(y = 1 | x) of every row (a Bernoulli model).
pub fn probabilities(model: &Model, data: &Dataset, threads: usize) -> Vec<f64> {
    map_rows(model, data, threads, |predictive, _| predictive.mean())
}

/// `f(p(y|x) of the row, target)` for every row, in row order. An ensemble's predictive is
/// the mixture of its members' (one forward pass per member and row); a single network's
/// comes from one batched forward pass.
fn map_rows<T: Send>(
    model: &Model,
    data: &Dataset,
    threads: usize,
    f: impl Fn(Predictive, f64) -> T + Sync,
) -> Vec<T> {
    let n = data.len();
    let params = model.head().params_size();
    let (x, y) = (data.x(), data.y());
    let parts = resolve_threads(threads)
        .min(n.div_ceil(MIN_ROWS_PER_THREAD))
        .max(1);
    let per_part = n.div_ceil(parts).max(1);
    let f = &f;
    let block = move |start: usize| {
        let start = start.min(n);
        let end = (start + per_part).min(n);
        let mut out = Vec::with_capacity(end - start);
        if model.is_ensemble() {
            out.extend((start..end).map(|row| f(model.predict(x.row(row)), y[row])));
            return out;
        }
        let mut targets = y.slice(s![start..end]).into_iter();
        model.for_each_output_chunk(&x.slice(s![start..end, ..]), |outputs| {
            for (o, &target) in outputs.chunks_exact(params).zip(&mut targets) {
                out.push(f(model.predictive_from_output(o), target));
            }
        });
        out
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..parts)
            .map(|p| scope.spawn(move || block(p * per_part)))
            .collect();
        let mut all = Vec::with_capacity(n);
        for handle in handles {
            match handle.join() {
                Ok(part) => all.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    })
}

#[cfg(test)]
mod tests {
    use super::super::normal;
    use super::*;

    #[test]
    fn quantiles_agree_with_bisection_on_awkward_mixtures() {
        // Deterministic pseudo-random mixtures: 16 components, scales over five decades.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..200 {
            let raw: Vec<f64> = (0..16).map(|_| uniform().powi(3) + 1e-6).collect();
            let total: f64 = raw.iter().sum();
            let m = NormalMixture {
                weights: raw.iter().map(|w| w / total).collect(),
                locs: (0..16).map(|_| 6.0 * uniform() - 3.0).collect(),
                scales: (0..16).map(|_| (11.0 * uniform() - 9.0).exp()).collect(),
            };
            let std = m.std();
            for (p, z) in [(0.05, -Z_95), (0.25, -Z_75), (0.75, Z_75), (0.95, Z_95)] {
                let fast = quantile(&m, p, m.mean() + std * z, std);
                let exact = m.quantile(p);
                assert!(
                    (fast - exact).abs() <= 1e-8 * std,
                    "p = {p}: {fast} vs {exact} ({m:?})"
                );
            }
        }
    }

    #[test]
    fn start_points_are_the_normal_quantiles() {
        assert!((Z_75 - normal::quantile(0.75)).abs() < 1e-15);
        assert!((Z_95 - normal::quantile(0.95)).abs() < 1e-15);
    }

    #[test]
    fn pruned_quantiles_and_crps_agree_with_the_full_mixture() {
        let m = NormalMixture {
            weights: vec![0.6, 0.4 - 2e-13, 1e-13, 1e-13],
            locs: vec![0.0, 3.0, 50.0, -50.0],
            scales: vec![1.0, 0.5, 0.01, 0.01],
        };
        let row = RowScores::of_mixture(&m, 0.7);
        let (a, b) = (m.quantile(0.05), m.quantile(0.95));
        assert!(
            (row.width_90 - (b - a)).abs() < 1e-8,
            "{} vs {}",
            row.width_90,
            b - a
        );
        let (a, b) = (m.quantile(0.25), m.quantile(0.75));
        assert!((row.width_50 - (b - a)).abs() < 1e-8);
        assert!((row.crps - crps_mixture(&m, 0.7)).abs() < 1e-8);
        assert_eq!(row.pit, m.cdf(0.7));
    }
}
