//! Distribution heads: how the last Dense layer's outputs parameterise p(y|x), and the
//! negative log-likelihood with its gradient. Layouts are TensorFlow Probability's:
//!
//! * Bernoulli: `[logit]`
//! * Normal: `[loc, raw_scale]`
//! * Mixture of K Normals: `[K logits, then K pairs (loc, raw_scale)]`
//!
//! with scale = softplus(raw) + σ_floor. All mixture arithmetic is in log space.

use serde::{Deserialize, Serialize};

use super::fastmath::simd_fn;
use super::scalar::Scalar;

/// The largest supported number of mixture components (per-row scratch lives on the stack).
pub const MAX_COMPONENTS: usize = 128;

const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Head {
    Bernoulli,
    Normal,
    Mixture { components: usize },
}

impl Default for Head {
    fn default() -> Self {
        Head::Mixture { components: 16 }
    }
}

impl Head {
    /// Number of outputs of the last Dense layer.
    pub fn params_size(self) -> usize {
        match self {
            Head::Bernoulli => 1,
            Head::Normal => 2,
            Head::Mixture { components } => 3 * components,
        }
    }

    pub fn is_classifier(self) -> bool {
        matches!(self, Head::Bernoulli)
    }

    /// `bernoulli`, `normal`, `mixture:K`.
    pub fn parse(text: &str) -> Option<Head> {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "bernoulli" => Some(Head::Bernoulli),
            "normal" => Some(Head::Normal),
            _ => {
                let k: usize = t.strip_prefix("mixture:")?.parse().ok()?;
                (1..=MAX_COMPONENTS)
                    .contains(&k)
                    .then_some(Head::Mixture { components: k })
            }
        }
    }

    pub fn label(self) -> String {
        match self {
            Head::Bernoulli => "bernoulli".into(),
            Head::Normal => "normal".into(),
            Head::Mixture { components } => format!("mixture:{components}"),
        }
    }

    /// Sum over rows of the NLL; writes `grad_scale · ∂NLL_i/∂out_i` into `grad` when given.
    /// Allocates its scratch; the training loop uses [`Head::batch_nll`] with a reused one.
    /// # Shapes
    /// `out`: rows × params_size (row-major), `y`: rows, `grad`: like `out`.
    pub fn nll_sum<T: Scalar>(
        self,
        out: &[T],
        y: &[T],
        sigma_floor: T,
        grad: Option<(&mut [T], T)>,
    ) -> f64 {
        self.batch_nll(out, y, sigma_floor, grad, &mut HeadScratch::default())
    }

    /// NLL of one row, and optionally `scale · ∂NLL/∂o` written to `grad`.
    pub fn row_nll<T: Scalar>(
        self,
        o: &[T],
        y: T,
        sigma_floor: T,
        grad: Option<(&mut [T], T)>,
    ) -> T {
        T::from_f64(self.nll_sum(o, &[y], sigma_floor, grad))
    }

    /// Like [`Head::nll_sum`], with caller-owned scratch so the training step allocates nothing.
    ///
    /// The rows are transposed into one column per output so that every loop below runs over
    /// contiguous rows without branches, which the compiler turns into SIMD code.
    pub fn batch_nll<T: Scalar>(
        self,
        out: &[T],
        y: &[T],
        sigma_floor: T,
        grad: Option<(&mut [T], T)>,
        scratch: &mut HeadScratch<T>,
    ) -> f64 {
        let p = self.params_size();
        let rows = y.len();
        debug_assert_eq!(out.len(), rows * p, "one row of parameters per target");
        scratch.prepare(rows, p, self);
        transpose(out, &mut scratch.columns, rows, p);
        let grad_scale = grad.as_ref().map(|(_, s)| *s);
        let total = match self {
            Head::Bernoulli => bernoulli_columns(y, scratch, grad_scale),
            Head::Normal => normal_columns(y, sigma_floor, scratch, grad_scale),
            Head::Mixture { components } => {
                mixture_columns(components, y, sigma_floor, scratch, grad_scale)
            }
        };
        if let Some((g, _)) = grad {
            transpose(&scratch.columns, g, p, rows);
        }
        total
    }
}

/// Reusable buffers of [`Head::batch_nll`], grown on demand.
#[derive(Debug, Clone, Default)]
pub struct HeadScratch<T> {
    /// params_size columns of `rows` values; overwritten by the gradient.
    columns: Vec<T>,
    /// Per-component work columns (3·K of them for the mixture).
    work: Vec<T>,
    /// Per-row accumulators (4 columns).
    per_row: Vec<T>,
    rows: usize,
}

impl<T: Scalar> HeadScratch<T> {
    fn prepare(&mut self, rows: usize, p: usize, head: Head) {
        let k = match head {
            Head::Mixture { components } => components,
            _ => 1,
        };
        self.rows = rows;
        for (buffer, len) in [
            (&mut self.columns, rows * p),
            (&mut self.work, 3 * k * rows),
            (&mut self.per_row, 4 * rows),
        ] {
            if buffer.len() < len {
                buffer.resize(len, T::zero());
            }
        }
    }
}

/// `dst` (cols × rows) = transpose of `src` (rows × cols).
fn transpose<T: Copy>(src: &[T], dst: &mut [T], rows: usize, cols: usize) {
    for (r, row) in src.chunks_exact(cols).take(rows).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            dst[c * rows + r] = v;
        }
    }
}

simd_fn! {
/// BCE from the logit: softplus(l) − y·l; ∂/∂l = sigmoid(l) − y.
fn bernoulli_columns<T: Scalar>(y: &[T], scratch: &mut HeadScratch<T>, grad_scale: Option<T>) -> f64 {
    let logits = &mut scratch.columns[..y.len()];
    let mut total = 0.0;
    for (l, &t) in logits.iter_mut().zip(y) {
        let (softplus, sigmoid) = l.softplus_and_sigmoid();
        total += (softplus - t * *l).to_f64();
        if let Some(s) = grad_scale {
            *l = (sigmoid - t) * s;
        }
    }
    total
}
}

simd_fn! {
/// Gaussian NLL ½z² + ln σ + ½ln 2π with σ = softplus(raw) + floor.
fn normal_columns<T: Scalar>(y: &[T], floor: T, scratch: &mut HeadScratch<T>, grad_scale: Option<T>) -> f64 {
    let rows = y.len();
    let (locs, raws) = scratch.columns[..2 * rows].split_at_mut(rows);
    let half = T::from_f64(0.5);
    let mut total = 0.0;
    for ((loc, raw), &t) in locs.iter_mut().zip(raws.iter_mut()).zip(y) {
        let (softplus, sigmoid) = raw.softplus_and_sigmoid();
        let scale = softplus + floor;
        let z = (t - *loc) / scale;
        total += (half * z * z + scale.ln_fast()).to_f64() + HALF_LN_2PI;
        if let Some(s) = grad_scale {
            *loc = -z / scale * s;
            *raw = (T::one() - z * z) / scale * sigmoid * s;
        }
    }
    total
}
}

simd_fn! {
/// −logsumexp_k(log_softmax(logits)_k + log N(y; loc_k, σ_k)), column-wise over the rows.
/// The row loops live in small functions taking each column as its own argument: arguments
/// cannot alias, so every loop vectorises without run-time overlap checks.
fn mixture_columns<T: Scalar>(k: usize, y: &[T], floor: T, scratch: &mut HeadScratch<T>, grad_scale: Option<T>) -> f64 {
    let rows = y.len();
    let HeadScratch { columns, work, per_row, .. } = scratch;
    let (logits, pairs) = columns[..3 * k * rows].split_at_mut(k * rows);
    let (z_cols, rest) = work[..3 * k * rows].split_at_mut(k * rows);
    let (scale_cols, joint_cols) = rest.split_at_mut(k * rows);
    let (max_logit, rest) = per_row[..4 * rows].split_at_mut(rows);
    let (logit_sum, rest) = rest.split_at_mut(rows);
    let (max_joint, joint_sum) = rest.split_at_mut(rows);
    max_logit.fill(T::neg_infinity());
    max_joint.fill(T::neg_infinity());
    logit_sum.fill(T::zero());
    joint_sum.fill(T::zero());
    for c in 0..k {
        let logit = &logits[c * rows..][..rows];
        let (loc, raw) = pairs[2 * c * rows..][..2 * rows].split_at_mut(rows);
        let z = &mut z_cols[c * rows..][..rows];
        let scale = &mut scale_cols[c * rows..][..rows];
        let joint = &mut joint_cols[c * rows..][..rows];
        component_log_joint(Column { y, loc, logit }, raw, z, scale, joint, floor);
        running_max(max_logit, logit);
        running_max(max_joint, joint);
    }
    for c in 0..k {
        // From here on the logit column holds the unnormalised weight e^{l − max}.
        exp_shifted_and_sum(&mut logits[c * rows..][..rows], max_logit, logit_sum);
        exp_shifted_and_sum(&mut joint_cols[c * rows..][..rows], max_joint, joint_sum);
    }
    let mut total = 0.0;
    for r in 0..rows {
        let nll = max_logit[r] + logit_sum[r].ln_fast() - max_joint[r] - joint_sum[r].ln_fast();
        total += nll.to_f64() + HALF_LN_2PI;
    }
    let Some(s) = grad_scale else {
        return total;
    };
    invert(logit_sum);
    invert(joint_sum);
    for c in 0..k {
        let weight = &mut logits[c * rows..][..rows];
        let responsibility = &mut joint_cols[c * rows..][..rows];
        scale_by(weight, logit_sum); // the mixture weight
        scale_by(responsibility, joint_sum);
        let (loc_g, raw_g) = pairs[2 * c * rows..][..2 * rows].split_at_mut(rows);
        let z = &z_cols[c * rows..][..rows];
        let scale = &scale_cols[c * rows..][..rows];
        let input = GradInput { z, scale, responsibility };
        component_grads(weight, loc_g, raw_g, input, s);
    }
    total
}
}

/// Three read-only columns of one mixture component.
#[derive(Clone, Copy)]
struct Column<'a, T> {
    y: &'a [T],
    loc: &'a [T],
    logit: &'a [T],
}

/// σ = softplus(raw) + floor, z = (y − loc)/σ, joint = logit − ½z² − ln σ (without ½ln 2π).
/// The raw column is replaced by sigmoid(raw) = ∂σ/∂raw, all that the gradient needs of it.
#[inline(always)]
fn component_log_joint<T: Scalar>(
    input: Column<'_, T>,
    raw: &mut [T],
    z: &mut [T],
    scale: &mut [T],
    joint: &mut [T],
    floor: T,
) {
    let half = T::from_f64(0.5);
    let Column { y, loc, logit } = input;
    for r in 0..y.len() {
        let (softplus, sigmoid) = raw[r].softplus_and_sigmoid();
        raw[r] = sigmoid;
        let s = softplus + floor;
        let zr = (y[r] - loc[r]) / s;
        z[r] = zr;
        scale[r] = s;
        joint[r] = logit[r] - half * zr * zr - s.ln_fast();
    }
}

#[inline(always)]
fn running_max<T: Scalar>(max: &mut [T], column: &[T]) {
    max.iter_mut().zip(column).for_each(|(m, &v)| *m = m.max(v));
}

/// column ← e^{column − max}; sum += column.
#[inline(always)]
fn exp_shifted_and_sum<T: Scalar>(column: &mut [T], max: &[T], sum: &mut [T]) {
    for ((v, &m), total) in column.iter_mut().zip(max).zip(sum.iter_mut()) {
        *v = (*v - m).exp_fast();
        *total = *total + *v;
    }
}

#[inline(always)]
fn invert<T: Scalar>(values: &mut [T]) {
    values.iter_mut().for_each(|v| *v = T::one() / *v);
}

#[inline(always)]
fn scale_by<T: Scalar>(values: &mut [T], factors: &[T]) {
    values
        .iter_mut()
        .zip(factors)
        .for_each(|(v, &f)| *v = *v * f);
}

/// What the gradient of one component reads besides the columns it overwrites.
#[derive(Clone, Copy)]
struct GradInput<'a, T> {
    z: &'a [T],
    scale: &'a [T],
    responsibility: &'a [T],
}

/// ∂NLL/∂(logit, loc, raw) of one component, times `s`, written over the weight, location and
/// sigmoid(raw) columns.
#[inline(always)]
fn component_grads<T: Scalar>(
    weight: &mut [T],
    loc_g: &mut [T],
    raw_g: &mut [T],
    input: GradInput<'_, T>,
    s: T,
) {
    let GradInput {
        z,
        scale,
        responsibility,
    } = input;
    for r in 0..weight.len() {
        let sigmoid = raw_g[r];
        weight[r] = (weight[r] - responsibility[r]) * s;
        loc_g[r] = -responsibility[r] * z[r] / scale[r] * s;
        raw_g[r] = responsibility[r] * (T::one() - z[r] * z[r]) / scale[r] * sigmoid * s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOOR: f64 = 1e-3;

    fn random_outputs(head: Head, seed: u64) -> Vec<f64> {
        // A small deterministic pseudo-random sequence, well inside the conditioning range.
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..head.params_size())
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 33) as f64 / (1u64 << 31) as f64) * 2.0 - 1.0
            })
            .collect()
    }

    fn check_gradient(head: Head, o: &[f64], y: f64) {
        let mut grad = vec![0.0; o.len()];
        head.row_nll(o, y, FLOOR, Some((&mut grad, 1.0)));
        let h = 1e-6;
        for i in 0..o.len() {
            let mut plus = o.to_vec();
            let mut minus = o.to_vec();
            plus[i] += h;
            minus[i] -= h;
            let numeric = (head.row_nll(&plus, y, FLOOR, None)
                - head.row_nll(&minus, y, FLOOR, None))
                / (2.0 * h);
            assert!(
                (numeric - grad[i]).abs() < 1e-7 * (1.0 + numeric.abs()),
                "{head:?} output {i}: numeric {numeric} analytic {}",
                grad[i]
            );
        }
    }

    #[test]
    fn gradients_match_finite_differences_for_every_head() {
        for head in [
            Head::Bernoulli,
            Head::Normal,
            Head::Mixture { components: 1 },
            Head::Mixture { components: 3 },
            Head::Mixture { components: 16 },
            Head::Mixture { components: 64 },
        ] {
            for seed in 0..4 {
                let o = random_outputs(head, seed);
                let y = if head.is_classifier() {
                    (seed % 2) as f64
                } else {
                    0.3 * seed as f64 - 0.5
                };
                check_gradient(head, &o, y);
            }
        }
    }

    #[test]
    fn literal_nll_values() {
        // Bernoulli: −log sigmoid(2) = ln(1 + e^−2)
        let b: f64 = Head::Bernoulli.row_nll(&[2.0], 1.0, 0.0, None);
        assert!((b - 0.126_928_011_042_972_6).abs() < 1e-12);
        let b0: f64 = Head::Bernoulli.row_nll(&[2.0], 0.0, 0.0, None);
        assert!((b0 - 2.126_928_011_042_972_6).abs() < 1e-12);
        // Normal with raw = softplus⁻¹(2) = ln(e² − 1), floor 0: σ = 2, y − loc = 1
        let raw = 2f64.exp_m1().ln();
        let n = Head::Normal.row_nll(&[0.5, raw], 1.5, 0.0, None);
        let expected = 0.5 * 0.25 + 2f64.ln() + HALF_LN_2PI; // 1.737085713764618
        assert!((n - expected).abs() < 1e-12);
        assert!((n - 1.737_085_713_764_618).abs() < 1e-12);
        // Two equal components at ±1 with σ = 1 (raw = ln(e − 1)), y = 0:
        // p = N(0; ±1, 1) = e^{−1/2}/√(2π) → NLL = ½ + ½ ln 2π
        let r1 = 1f64.exp_m1().ln();
        let m =
            Head::Mixture { components: 2 }.row_nll(&[0.3, 0.3, -1.0, r1, 1.0, r1], 0.0, 0.0, None);
        assert!((m - (0.5 + HALF_LN_2PI)).abs() < 1e-12);
        assert!((m - 1.418_938_533_204_672_7).abs() < 1e-12);
    }

    #[test]
    fn one_component_mixture_equals_normal_head() {
        for seed in 0..5 {
            let o = random_outputs(Head::Normal, seed);
            let y = 0.7 - 0.4 * seed as f64;
            // Mixture layout: [logit, loc, raw]; the logit is irrelevant for K = 1.
            let mix = [1.234, o[0], o[1]];
            let mut g_normal = [0.0; 2];
            let mut g_mix = [0.0; 3];
            let a = Head::Normal.row_nll(&o, y, FLOOR, Some((&mut g_normal, 1.0)));
            let b =
                Head::Mixture { components: 1 }.row_nll(&mix, y, FLOOR, Some((&mut g_mix, 1.0)));
            assert!((a - b).abs() < 1e-12);
            assert!(g_mix[0].abs() < 1e-12);
            assert!(
                (g_mix[1] - g_normal[0]).abs() < 1e-12 && (g_mix[2] - g_normal[1]).abs() < 1e-12
            );
        }
    }

    #[test]
    fn f32_fast_path_matches_f64() {
        let head = Head::Mixture { components: 16 };
        for seed in 0..10 {
            let o = random_outputs(head, seed);
            let o32: Vec<f32> = o.iter().map(|&v| v as f32 * 3.0).collect();
            let o64: Vec<f64> = o32.iter().map(|&v| v as f64).collect();
            let y = seed as f64 * 0.37 - 1.5;
            let a = head.row_nll(&o64, y, FLOOR, None);
            let b = head.row_nll(&o32, y as f32, FLOOR as f32, None) as f64;
            assert!((a - b).abs() < 1e-5 * (1.0 + a.abs()), "{a} vs {b}");
        }
    }

    #[test]
    fn extreme_outputs_stay_finite() {
        let head = Head::Mixture { components: 4 };
        let o = [
            500.0f32, -500.0, 0.0, 0.0, 1e3, -80.0, -1e3, 80.0, 0.0, -100.0, 3.0, 0.0,
        ];
        let mut g = [0.0f32; 12];
        let nll = head.row_nll(&o, 0.0, 1e-3, Some((&mut g, 1.0)));
        assert!(nll.is_finite());
        assert!(g.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn parse_heads() {
        assert_eq!(Head::parse("bernoulli"), Some(Head::Bernoulli));
        assert_eq!(Head::parse("Normal"), Some(Head::Normal));
        assert_eq!(
            Head::parse("mixture:16"),
            Some(Head::Mixture { components: 16 })
        );
        assert_eq!(Head::parse("mixture:0"), None);
        assert_eq!(Head::parse("mixture:x"), None);
        assert_eq!(Head::parse("poisson"), None);
        assert_eq!(
            Head::parse(&Head::Mixture { components: 64 }.label()),
            Some(Head::Mixture { components: 64 })
        );
    }
}
