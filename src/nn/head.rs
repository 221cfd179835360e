//! Distribution heads: how the last Dense layer's outputs parameterise p(y|x), and the
//! negative log-likelihood with its gradient. Layouts are TensorFlow Probability's:
//!
//! * Bernoulli: `[logit]`
//! * Normal: `[loc, raw_scale]`
//! * Mixture of K Normals: `[K logits, then K pairs (loc, raw_scale)]`
//!
//! with scale = softplus(raw) + σ_floor. All mixture arithmetic is in log space.

use serde::{Deserialize, Serialize};

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
    /// # Shapes
    /// `out`: rows × params_size (row-major), `y`: rows, `grad`: like `out`.
    pub fn nll_sum<T: Scalar>(
        self,
        out: &[T],
        y: &[T],
        sigma_floor: T,
        mut grad: Option<(&mut [T], T)>,
    ) -> f64 {
        let p = self.params_size();
        debug_assert_eq!(out.len(), y.len() * p);
        let mut total = 0.0;
        for (i, (o, &yi)) in out.chunks_exact(p).zip(y).enumerate() {
            let g = grad
                .as_mut()
                .map(|(g, scale)| (&mut g[i * p..(i + 1) * p], *scale));
            total += self.row_nll(o, yi, sigma_floor, g).to_f64();
        }
        total
    }

    /// NLL of one row, and optionally `scale · ∂NLL/∂o` written to `grad`.
    pub fn row_nll<T: Scalar>(
        self,
        o: &[T],
        y: T,
        sigma_floor: T,
        grad: Option<(&mut [T], T)>,
    ) -> T {
        match self {
            Head::Bernoulli => bernoulli_row(o[0], y, grad),
            Head::Normal => normal_row(o[0], o[1], y, sigma_floor, grad),
            Head::Mixture { components } => mixture_row(components, o, y, sigma_floor, grad),
        }
    }
}

/// BCE from the logit: softplus(l) − y·l; ∂/∂l = sigmoid(l) − y.
fn bernoulli_row<T: Scalar>(logit: T, y: T, grad: Option<(&mut [T], T)>) -> T {
    if let Some((g, scale)) = grad {
        g[0] = (logit.sigmoid() - y) * scale;
    }
    logit.softplus() - y * logit
}

/// Gaussian NLL ½z² + ln σ + ½ln 2π with σ = softplus(raw) + floor.
fn normal_row<T: Scalar>(loc: T, raw: T, y: T, floor: T, grad: Option<(&mut [T], T)>) -> T {
    let scale = raw.softplus() + floor;
    let z = (y - loc) / scale;
    if let Some((g, s)) = grad {
        g[0] = -z / scale * s;
        g[1] = (T::one() - z * z) / scale * raw.sigmoid() * s;
    }
    T::from_f64(0.5) * z * z + scale.ln() + T::from_f64(HALF_LN_2PI)
}

/// −logsumexp_k(log_softmax(logits)_k + log N(y; loc_k, σ_k)).
fn mixture_row<T: Scalar>(k: usize, o: &[T], y: T, floor: T, grad: Option<(&mut [T], T)>) -> T {
    let (logits, pairs) = o.split_at(k);
    let mut joint = [T::zero(); MAX_COMPONENTS]; // log w_k + log N_k
    let mut zs = [T::zero(); MAX_COMPONENTS];
    let mut scales = [T::zero(); MAX_COMPONENTS];
    let half = T::from_f64(0.5);
    let max_logit = logits.iter().fold(T::neg_infinity(), |m, &l| m.max(l));
    let mut logit_sum = T::zero();
    for c in 0..k {
        logit_sum = logit_sum + (logits[c] - max_logit).exp_fast();
        let scale = pairs[2 * c + 1].softplus() + floor;
        let z = (y - pairs[2 * c]) / scale;
        scales[c] = scale;
        zs[c] = z;
        joint[c] = logits[c] - half * z * z - scale.ln();
    }
    let log_norm = max_logit + logit_sum.ln() + T::from_f64(HALF_LN_2PI);
    let max_joint = joint[..k].iter().fold(T::neg_infinity(), |m, &a| m.max(a));
    let mut joint_sum = T::zero();
    for a in &mut joint[..k] {
        *a = (*a - max_joint).exp_fast();
        joint_sum = joint_sum + *a;
    }
    let nll = log_norm - max_joint - joint_sum.ln();
    if let Some((g, s)) = grad {
        let (g_logits, g_pairs) = g.split_at_mut(k);
        let inv_joint = T::one() / joint_sum;
        let inv_logit = T::one() / logit_sum;
        for c in 0..k {
            let responsibility = joint[c] * inv_joint;
            let weight = (logits[c] - max_logit).exp_fast() * inv_logit;
            let (z, scale) = (zs[c], scales[c]);
            g_logits[c] = (weight - responsibility) * s;
            g_pairs[2 * c] = -responsibility * z / scale * s;
            g_pairs[2 * c + 1] =
                responsibility * (T::one() - z * z) / scale * pairs[2 * c + 1].sigmoid() * s;
        }
    }
    nll
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
        let raw = (2f64.exp() - 1.0).ln();
        let n = Head::Normal.row_nll(&[0.5, raw], 1.5, 0.0, None);
        let expected = 0.5 * 0.25 + 2f64.ln() + HALF_LN_2PI; // 1.737085713764618
        assert!((n - expected).abs() < 1e-12);
        assert!((n - 1.737_085_713_764_618).abs() < 1e-12);
        // Two equal components at ±1 with σ = 1 (raw = ln(e − 1)), y = 0:
        // p = N(0; ±1, 1) = e^{−1/2}/√(2π) → NLL = ½ + ½ ln 2π
        let r1 = (1f64.exp() - 1.0).ln();
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
