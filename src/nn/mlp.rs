//! A multi-layer perceptron with all parameters in one flat vector (so the optimizer, the
//! gradient reduction and the model file each see a single slice).
//!
//! Layer l computes a_{l+1} = f_l(a_l · W_l + b_l) with W_l stored row-major as
//! (n_in × n_out), Keras's kernel layout. The last layer is linear and feeds the head.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Uniform};
use serde::{Deserialize, Serialize};

use super::activation::Activation;
use super::gemm;

/// One hidden layer as the user specifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LayerSpec {
    pub width: usize,
    pub activation: Activation,
}

impl LayerSpec {
    pub fn new(width: usize, activation: Activation) -> Self {
        LayerSpec { width, activation }
    }
}

/// Shape and place in the flat parameter vector of one Dense layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DenseLayout {
    pub n_in: usize,
    pub n_out: usize,
    pub activation: Activation,
    pub weights_offset: usize,
    pub bias_offset: usize,
}

impl DenseLayout {
    pub fn weights_len(&self) -> usize {
        self.n_in * self.n_out
    }
}

/// Builds the layouts of `n_inputs → hidden… → n_outputs (linear)`.
pub fn layouts(n_inputs: usize, hidden: &[LayerSpec], n_outputs: usize) -> Vec<DenseLayout> {
    let mut layers = Vec::with_capacity(hidden.len() + 1);
    let mut n_in = n_inputs;
    let mut offset = 0;
    let specs = hidden.iter().copied().chain(std::iter::once(LayerSpec::new(
        n_outputs,
        Activation::Linear,
    )));
    for spec in specs {
        let weights_offset = offset;
        let bias_offset = offset + n_in * spec.width;
        offset = bias_offset + spec.width;
        layers.push(DenseLayout {
            n_in,
            n_out: spec.width,
            activation: spec.activation,
            weights_offset,
            bias_offset,
        });
        n_in = spec.width;
    }
    layers
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    layers: Vec<DenseLayout>,
    pub params: Vec<f32>,
}

impl Mlp {
    /// Glorot-uniform weights and zero biases, like Keras's Dense defaults.
    pub fn new(n_inputs: usize, hidden: &[LayerSpec], n_outputs: usize, seed: u64) -> Self {
        let layers = layouts(n_inputs, hidden, n_outputs);
        let n_params = layers.last().map_or(0, |l| l.bias_offset + l.n_out);
        let mut params = vec![0.0f32; n_params];
        let mut rng = StdRng::seed_from_u64(seed);
        for layer in &layers {
            let limit = (6.0 / (layer.n_in + layer.n_out) as f64).sqrt() as f32;
            // Uniform::new only fails for an empty or non-finite range; limit > 0 here.
            if let Ok(dist) = Uniform::new_inclusive(-limit, limit) {
                let w = &mut params[layer.weights_offset..layer.bias_offset];
                w.iter_mut().for_each(|v| *v = dist.sample(&mut rng));
            }
        }
        Mlp { layers, params }
    }

    /// Rebuilds a network from saved parameters; `None` if the count does not match.
    pub fn from_params(
        n_inputs: usize,
        hidden: &[LayerSpec],
        n_outputs: usize,
        params: Vec<f32>,
    ) -> Option<Self> {
        let layers = layouts(n_inputs, hidden, n_outputs);
        let n_params = layers.last().map_or(0, |l| l.bias_offset + l.n_out);
        (params.len() == n_params).then_some(Mlp { layers, params })
    }

    pub fn layers(&self) -> &[DenseLayout] {
        &self.layers
    }

    pub fn n_inputs(&self) -> usize {
        self.layers.first().map_or(0, |l| l.n_in)
    }

    pub fn n_outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.n_out)
    }

    /// Weights then bias of one layer.
    pub fn layer_params(&self, layer: usize) -> (&[f32], &[f32]) {
        let l = &self.layers[layer];
        (
            &self.params[l.weights_offset..l.bias_offset],
            &self.params[l.bias_offset..l.bias_offset + l.n_out],
        )
    }

    /// Mutable bias of the output layer (used to spread initial mixture locations).
    pub fn output_bias_mut(&mut self) -> &mut [f32] {
        let Some(l) = self.layers.last().copied() else {
            return &mut [];
        };
        &mut self.params[l.bias_offset..l.bias_offset + l.n_out]
    }

    /// Forward pass; returns the output rows.
    /// # Shapes
    /// `x`: rows × n_inputs → rows × n_outputs (inside `ws`).
    pub fn forward<'w>(&self, x: &[f32], rows: usize, ws: &'w mut Workspace) -> &'w mut [f32] {
        ws.ensure(self, rows);
        for (l, layer) in self.layers.iter().enumerate() {
            let (before, after) = ws.activations.split_at_mut(l);
            let input: &[f32] = if l == 0 { x } else { &before[l - 1] };
            let out = &mut after[0][..rows * layer.n_out];
            let (w, b) = self.layer_params(l);
            for row in out.chunks_exact_mut(layer.n_out) {
                row.copy_from_slice(b);
            }
            gemm::matmul(input, w, out, rows, layer.n_in, layer.n_out, 1.0);
            layer.activation.forward_in_place(out);
        }
        let last = self.layers.len() - 1;
        &mut ws.activations[last][..rows * self.n_outputs()]
    }

    /// Backward pass after `forward` on the same `x`; the caller has written ∂loss/∂outputs
    /// into `ws.output_grad_mut(rows)`. Overwrites `grads` (same layout as `params`).
    /// # Shapes
    /// `x`: rows × n_inputs, `grads`: n_params.
    pub fn backward(&self, x: &[f32], rows: usize, ws: &mut Workspace, grads: &mut [f32]) {
        let Workspace {
            activations,
            delta,
            delta_prev,
            transposed,
            ..
        } = ws;
        for (l, layer) in self.layers.iter().enumerate().rev() {
            let input: &[f32] = if l == 0 { x } else { &activations[l - 1] };
            let d = &delta[..rows * layer.n_out];
            let gw = &mut grads[layer.weights_offset..layer.bias_offset];
            gemm::matmul_at_b(input, d, gw, layer.n_in, rows, layer.n_out, 0.0);
            let gb = &mut grads[layer.bias_offset..layer.bias_offset + layer.n_out];
            gb.fill(0.0);
            for row in d.chunks_exact(layer.n_out) {
                gb.iter_mut().zip(row).for_each(|(g, v)| *g += v);
            }
            if l > 0 {
                let (w, _) = self.layer_params(l);
                let prev = &mut delta_prev[..rows * layer.n_in];
                gemm::matmul_a_bt(d, w, prev, (rows, layer.n_out, layer.n_in), transposed);
                let below = &self.layers[l - 1];
                below
                    .activation
                    .backward_in_place(prev, &activations[l - 1][..rows * layer.n_in]);
                std::mem::swap(delta, delta_prev);
            }
        }
    }
}

/// Buffers for one forward/backward pass, sized once for the largest batch and reused, so
/// the training step allocates nothing.
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    activations: Vec<Vec<f32>>,
    delta: Vec<f32>,
    delta_prev: Vec<f32>,
    /// Weights of one layer, transposed for the backward product.
    transposed: Vec<f32>,
    rows: usize,
}

impl Workspace {
    fn ensure(&mut self, mlp: &Mlp, rows: usize) {
        let layers = mlp.layers();
        let widest = layers.iter().map(|l| l.n_out.max(l.n_in)).max();
        let delta_len = rows * widest.unwrap_or(0);
        let largest_layer = layers.iter().map(|l| l.n_in * l.n_out).max();
        let transposed_len = largest_layer.unwrap_or(0);
        let fits = self.rows >= rows
            && self.activations.len() == layers.len()
            && self
                .activations
                .iter()
                .zip(layers)
                .all(|(a, l)| a.len() >= rows * l.n_out)
            && self.delta.len() >= delta_len
            && self.delta_prev.len() >= delta_len
            && self.transposed.len() >= transposed_len;
        if fits {
            return;
        }
        self.activations = layers.iter().map(|l| vec![0.0; rows * l.n_out]).collect();
        self.delta = vec![0.0; delta_len];
        self.delta_prev = vec![0.0; delta_len];
        self.transposed = vec![0.0; transposed_len];
        self.rows = rows;
    }

    /// Outputs of the last forward pass and the buffer for ∂loss/∂outputs, side by side.
    pub fn outputs_and_grad(&mut self, rows: usize, n_outputs: usize) -> (&[f32], &mut [f32]) {
        let outputs = self
            .activations
            .last()
            .map_or(&[][..], |a| &a[..rows * n_outputs]);
        (outputs, &mut self.delta[..rows * n_outputs])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::head::Head;

    fn loss(mlp: &Mlp, head: Head, x: &[f32], y: &[f32], ws: &mut Workspace) -> f64 {
        let out = mlp.forward(x, y.len(), ws).to_vec();
        let out64: Vec<f64> = out.iter().map(|&v| v as f64).collect();
        let y64: Vec<f64> = y.iter().map(|&v| v as f64).collect();
        head.nll_sum(&out64, &y64, 1e-3, None) / y.len() as f64
    }

    /// Backprop through every activation against central differences of the whole network.
    /// f32 network, so h = 1e-2 and a relative tolerance of 2 %: wrong backprop gives O(1) errors.
    #[test]
    fn network_gradient_matches_finite_differences() {
        for act in Activation::ALL {
            let hidden = [LayerSpec::new(6, act), LayerSpec::new(5, Activation::Tanh)];
            let head = Head::Mixture { components: 2 };
            let mut mlp = Mlp::new(2, &hidden, head.params_size(), 7);
            mlp.params
                .iter_mut()
                .enumerate()
                .for_each(|(i, p)| *p += 0.05 * (i as f32 * 0.7).sin());
            let rows = 4;
            let x = [0.1, -0.4, 0.9, 0.2, -1.1, 0.5, 0.3, 0.8f32];
            let y = [0.2, -0.5, 1.0, 0.1f32];
            let mut ws = Workspace::default();
            let out = mlp.forward(&x, rows, &mut ws).to_vec();
            let (_, g) = ws.outputs_and_grad(rows, head.params_size());
            head.nll_sum(&out, &y, 1e-3, Some((g, 1.0 / rows as f32)));
            let mut grads = vec![0.0; mlp.params.len()];
            mlp.backward(&x, rows, &mut ws, &mut grads);
            let h = 1e-2f32;
            #[expect(clippy::needless_range_loop)] // mutates mlp.params[i] in the loop
            for i in 0..mlp.params.len() {
                let orig = mlp.params[i];
                mlp.params[i] = orig + h;
                let plus = loss(&mlp, head, &x, &y, &mut ws);
                mlp.params[i] = orig - h;
                let minus = loss(&mlp, head, &x, &y, &mut ws);
                mlp.params[i] = orig;
                let numeric = (plus - minus) / (2.0 * h as f64);
                let analytic = grads[i] as f64;
                assert!(
                    (numeric - analytic).abs() < 0.02 * numeric.abs().max(analytic.abs()) + 2e-4,
                    "{}: param {i}: numeric {numeric} analytic {analytic}",
                    act.name()
                );
            }
        }
    }

    #[test]
    fn glorot_init_is_seeded_and_bounded() {
        let hidden = [
            LayerSpec::new(128, Activation::Relu),
            LayerSpec::new(128, Activation::Tanh),
        ];
        let a = Mlp::new(1, &hidden, 48, 3);
        let b = Mlp::new(1, &hidden, 48, 3);
        let c = Mlp::new(1, &hidden, 48, 4);
        assert_eq!(a, b);
        assert_ne!(a.params, c.params);
        assert_eq!(a.params.len(), 128 + 128 + 128 * 128 + 128 + 128 * 48 + 48);
        assert_eq!(a.params.len(), 22_960);
        let (w, bias) = a.layer_params(1);
        let limit = (6.0f32 / 256.0).sqrt();
        assert!(w.iter().all(|v| v.abs() <= limit));
        assert!(bias.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn no_hidden_layer_is_a_linear_model() {
        let mlp = Mlp::from_params(1, &[], 2, vec![2.0, -1.0, 0.5, 0.25]).expect("4 params");
        let mut ws = Workspace::default();
        let out = mlp.forward(&[3.0], 1, &mut ws);
        assert_eq!(out, &[6.5, -2.75]);
        assert!(Mlp::from_params(1, &[], 2, vec![0.0; 3]).is_none());
    }
}
