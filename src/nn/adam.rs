//! Adam with Keras's update rule and defaults (β1 0.9, β2 0.999, ε 1e-7):
//! θ ← θ − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε),
//! and with a weight decay λ > 0, AdamW's decoupled decay (Loshchilov & Hutter 2019, in
//! PyTorch's form): θ ← θ·(1 − lr·λ) first, where lr is the step's (scheduled) rate.
//! The state is plain data, so pausing and resuming (or saving) a run is exact.

use serde::{Deserialize, Serialize};

use super::fastmath::simd_fn;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdamConfig {
    pub learning_rate: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub epsilon: f64,
    /// Decoupled weight decay λ (AdamW); 0 = plain Adam.
    #[serde(default)]
    pub weight_decay: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            weight_decay: 0.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adam {
    pub config: AdamConfig,
    pub step: u64,
    pub m: Vec<f32>,
    pub v: Vec<f32>,
}

impl Adam {
    pub fn new(config: AdamConfig, n_params: usize) -> Self {
        Adam {
            config,
            step: 0,
            m: vec![0.0; n_params],
            v: vec![0.0; n_params],
        }
    }

    /// One update of `params` with `grads` (same length).
    pub fn update(&mut self, params: &mut [f32], grads: &[f32]) {
        debug_assert_eq!(params.len(), grads.len(), "one gradient per parameter");
        let step = self.next_step();
        step.apply(params, grads, &mut self.m, &mut self.v);
    }

    /// Advances the step count and returns the update to apply at the configured rate.
    pub fn next_step(&mut self) -> AdamStep {
        self.next_step_at(self.config.learning_rate)
    }

    /// Advances the step count and returns the update to apply at `learning_rate` (a
    /// schedule's rate for this step), possibly to several disjoint parameter ranges in
    /// parallel (with the matching ranges of `m` and `v`).
    pub fn next_step_at(&mut self, learning_rate: f64) -> AdamStep {
        self.step += 1;
        let AdamConfig {
            beta1,
            beta2,
            epsilon,
            weight_decay,
            ..
        } = self.config;
        let t = self.step as f64;
        let lr_t = (learning_rate * (1.0 - beta2.powf(t)).sqrt() / (1.0 - beta1.powf(t))) as f32;
        // 1 − β is formed in f64: in f32, 1 − 0.999f32 is off by 5e-5 relative.
        AdamStep {
            coefficients: [
                beta1 as f32,
                beta2 as f32,
                (1.0 - beta1) as f32,
                (1.0 - beta2) as f32,
                lr_t,
                epsilon as f32,
            ],
            // Formed in f64 like 1 − β; without decay the plain Adam kernel runs unchanged.
            keep: (weight_decay > 0.0).then_some((1.0 - learning_rate * weight_decay) as f32),
        }
    }
}

/// The coefficients of one Adam step: β1, β2, 1 − β1, 1 − β2, bias-corrected rate, ε, and
/// with weight decay the factor 1 − lr·λ that every parameter is first multiplied by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamStep {
    coefficients: [f32; 6],
    keep: Option<f32>,
}

impl AdamStep {
    /// Updates a range of parameters with its gradients and moment estimates.
    pub fn apply(&self, params: &mut [f32], grads: &[f32], m: &mut [f32], v: &mut [f32]) {
        match self.keep {
            None => adam_update(params, grads, m, v, self.coefficients),
            Some(keep) => adamw_update(params, grads, m, v, self.coefficients, keep),
        }
    }
}

simd_fn! {
    /// coefficients: β1, β2, 1 − β1, 1 − β2, bias-corrected learning rate, ε.
    fn adam_update(params: &mut [f32], grads: &[f32], ms: &mut [f32], vs: &mut [f32], coefficients: [f32; 6]) {
        let [b1, b2, c1, c2, lr_t, eps] = coefficients;
        for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(ms.iter_mut()).zip(vs.iter_mut()) {
            *m = b1 * *m + c1 * g;
            *v = b2 * *v + c2 * g * g;
            *p -= lr_t * *m / (v.sqrt() + eps);
        }
    }
}

simd_fn! {
    /// [`adam_update`] after multiplying each parameter by `keep` = 1 − lr·λ.
    fn adamw_update(params: &mut [f32], grads: &[f32], ms: &mut [f32], vs: &mut [f32], coefficients: [f32; 6], keep: f32) {
        let [b1, b2, c1, c2, lr_t, eps] = coefficients;
        for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(ms.iter_mut()).zip(vs.iter_mut()) {
            *m = b1 * *m + c1 * g;
            *v = b2 * *v + c2 * g * g;
            *p = *p * keep - lr_t * *m / (v.sqrt() + eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_matches_hand_computation() {
        // t = 1: m = 0.1 g, v = 0.001 g², lr_t = lr·√0.001/0.1,
        // Δ = lr_t · 0.1g / (√0.001 |g| + ε) ≈ lr · sign(g).
        let mut adam = Adam::new(
            AdamConfig {
                learning_rate: 0.01,
                ..AdamConfig::default()
            },
            2,
        );
        let mut params = [1.0f32, -2.0];
        adam.update(&mut params, &[0.5, -4.0]);
        let expected = |p: f64, g: f64| {
            let m = 0.1 * g;
            let v = 0.001 * g * g;
            let lr_t = 0.01 * (0.001f64).sqrt() / 0.1;
            p - lr_t * m / (v.sqrt() + 1e-7)
        };
        assert!((params[0] as f64 - expected(1.0, 0.5)).abs() < 1e-6);
        assert!((params[1] as f64 - expected(-2.0, -4.0)).abs() < 1e-6);
        assert!((params[0] - 0.99).abs() < 1e-5 && (params[1] + 1.99).abs() < 1e-5);
        assert_eq!(adam.step, 1);
    }

    #[test]
    fn adamw_decays_the_weights_apart_from_the_gradient_step() {
        // t = 1, lr 0.1, λ 0.5: θ ← θ(1 − 0.05) − lr_t · m / (√v + ε).
        let mut adam = Adam::new(
            AdamConfig {
                learning_rate: 0.1,
                weight_decay: 0.5,
                ..AdamConfig::default()
            },
            2,
        );
        let mut params = [2.0f32, -1.0];
        adam.update(&mut params, &[0.5, 0.0]);
        let lr_t = 0.1 * 0.001f64.sqrt() / 0.1;
        let expected = [
            2.0 * 0.95 - lr_t * 0.05 / ((0.001f64 * 0.25).sqrt() + 1e-7),
            -0.95, // zero gradient: only the decay
        ];
        for (got, want) in params.iter().zip(expected) {
            assert!((f64::from(*got) - want).abs() < 1e-6, "{got} vs {want}");
        }
        assert!(
            (params[0] - 1.8).abs() < 1e-5,
            "≈ 2·0.95 − lr: {}",
            params[0]
        );
    }

    #[test]
    fn the_decay_follows_the_scheduled_rate() {
        let mut adam = Adam::new(
            AdamConfig {
                learning_rate: 1.0,
                weight_decay: 0.1,
                ..AdamConfig::default()
            },
            1,
        );
        let mut p = [1.0f32];
        let step = adam.next_step_at(0.5);
        step.apply(&mut p, &[0.0], &mut [0.0], &mut [0.0]);
        assert_eq!(p[0], 0.95, "1 − 0.5 · 0.1");
    }

    #[test]
    fn second_step_uses_bias_corrected_moments() {
        let mut adam = Adam::new(AdamConfig::default(), 1);
        let mut p = [0.0f32];
        adam.update(&mut p, &[1.0]);
        adam.update(&mut p, &[3.0]);
        let m = 0.9 * 0.1 + 0.1 * 3.0;
        let v = 0.999 * 0.001 + 0.001 * 9.0;
        let lr_t = 1e-3 * (1.0f64 - 0.999f64.powi(2)).sqrt() / (1.0 - 0.9f64.powi(2));
        let first = -1e-3 * 0.001f64.sqrt() / 0.1 * 0.1 / (0.001f64.sqrt() + 1e-7);
        let expected = first - lr_t * m / (f64::sqrt(v) + 1e-7);
        assert!(
            (p[0] as f64 - expected).abs() < 1e-8,
            "{} vs {expected}",
            p[0]
        );
    }
}
