//! Element-wise activations of the hidden layers.
//!
//! Every derivative is written in terms of the layer *output* y = f(z), so the backward pass
//! needs no copy of the pre-activations.

use num_traits::Float;

use super::fastmath::simd_fn;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Linear,
    #[default]
    Relu,
    Tanh,
    Sigmoid,
    Elu,
    Softplus,
}

impl Activation {
    pub const ALL: [Activation; 6] = [
        Activation::Linear,
        Activation::Relu,
        Activation::Tanh,
        Activation::Sigmoid,
        Activation::Elu,
        Activation::Softplus,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
            Activation::Sigmoid => "sigmoid",
            Activation::Elu => "elu",
            Activation::Softplus => "softplus",
        }
    }

    pub fn from_name(name: &str) -> Option<Activation> {
        Activation::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name.trim()))
    }

    /// y = f(z) for one value.
    #[inline(always)]
    pub fn apply<T: Float>(self, z: T) -> T {
        match self {
            Activation::Linear => z,
            Activation::Relu => z.max(T::zero()),
            Activation::Tanh => z.tanh(),
            Activation::Sigmoid => sigmoid(z),
            Activation::Elu => {
                if z > T::zero() {
                    z
                } else {
                    z.exp_m1()
                }
            }
            Activation::Softplus => softplus(z),
        }
    }

    /// f'(z) expressed through y = f(z).
    #[inline(always)]
    pub fn derivative_from_output<T: Float>(self, y: T) -> T {
        let one = T::one();
        match self {
            Activation::Linear => one,
            Activation::Relu => {
                if y > T::zero() {
                    one
                } else {
                    T::zero()
                }
            }
            Activation::Tanh => one - y * y,
            Activation::Sigmoid => y * (one - y),
            Activation::Elu => {
                if y > T::zero() {
                    one
                } else {
                    y + one
                }
            }
            // softplus'(z) = sigmoid(z) = 1 − e^{−y}
            Activation::Softplus => -(-y).exp_m1(),
        }
    }

    /// Applies f in place to a whole buffer (the training hot path).
    pub fn forward_in_place(self, values: &mut [f32]) {
        forward_slice(self, values);
    }

    /// grad ← grad ⊙ f'(z), given the outputs y.
    /// # Shapes
    /// `grad` and `outputs` have the same length.
    pub fn backward_in_place(self, grad: &mut [f32], outputs: &[f32]) {
        debug_assert_eq!(grad.len(), outputs.len(), "one gradient per output");
        backward_slice(self, grad, outputs);
    }
}

simd_fn! {
    fn forward_slice(activation: Activation, values: &mut [f32]) {
        match activation {
            Activation::Linear => {}
            Activation::Relu => values.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::Tanh => crate::nn::fastmath::tanh_in_place(values),
            _ => values.iter_mut().for_each(|v| *v = activation.apply(*v)),
        }
    }
}

simd_fn! {
    fn backward_slice(activation: Activation, grad: &mut [f32], outputs: &[f32]) {
        match activation {
            Activation::Linear => {}
            Activation::Relu => grad
                .iter_mut()
                .zip(outputs)
                .for_each(|(g, &y)| *g = if y > 0.0 { *g } else { 0.0 }),
            Activation::Tanh => grad
                .iter_mut()
                .zip(outputs)
                .for_each(|(g, &y)| *g *= 1.0 - y * y),
            _ => grad
                .iter_mut()
                .zip(outputs)
                .for_each(|(g, &y)| *g *= activation.derivative_from_output(y)),
        }
    }
}

/// Numerically stable logistic function.
pub fn sigmoid<T: Float>(z: T) -> T {
    let one = T::one();
    if z >= T::zero() {
        one / (one + (-z).exp())
    } else {
        let e = z.exp();
        e / (one + e)
    }
}

/// Numerically stable log(1 + e^z).
pub fn softplus<T: Float>(z: T) -> T {
    z.max(T::zero()) + (-z.abs()).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central finite differences of f against f'(from output), in f64.
    #[test]
    fn derivatives_match_finite_differences() {
        let h = 1e-6;
        for act in Activation::ALL {
            for &z in &[-3.1, -0.7, -0.05, 0.05, 0.3, 1.2, 4.0] {
                let numeric = (act.apply(z + h) - act.apply(z - h)) / (2.0 * h);
                let analytic = act.derivative_from_output(act.apply(z));
                assert!(
                    (numeric - analytic).abs() < 1e-7,
                    "{}: z={z} numeric={numeric} analytic={analytic}",
                    act.name()
                );
            }
        }
    }

    #[test]
    fn buffer_paths_agree_with_scalar_definitions() {
        let zs: Vec<f32> = (-40..=40).map(|i| i as f32 * 0.15).collect();
        for act in Activation::ALL {
            let mut ys = zs.clone();
            act.forward_in_place(&mut ys);
            let mut grad = vec![1.0f32; zs.len()];
            act.backward_in_place(&mut grad, &ys);
            for ((&z, &y), &g) in zs.iter().zip(&ys).zip(&grad) {
                let exact = act.apply(z as f64);
                assert!(
                    (y as f64 - exact).abs() < 2e-6,
                    "{} at {z}: {y} vs {exact}",
                    act.name()
                );
                let d = act.derivative_from_output(exact);
                assert!((g as f64 - d).abs() < 1e-5, "{} grad at {z}", act.name());
            }
        }
    }

    #[test]
    fn stable_helpers_do_not_overflow() {
        assert_eq!(softplus(1000.0f64), 1000.0);
        assert!(softplus(-1000.0f64) >= 0.0);
        assert_eq!(sigmoid(-1000.0f64), 0.0);
        assert_eq!(sigmoid(1000.0f64), 1.0);
        assert!((softplus(0.0f64) - 2f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn names_round_trip() {
        for act in Activation::ALL {
            assert_eq!(Activation::from_name(act.name()), Some(act));
        }
        assert_eq!(Activation::from_name("ReLU"), Some(Activation::Relu));
        assert_eq!(Activation::from_name("swish"), None);
    }
}
