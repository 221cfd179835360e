//! Gradient-norm clipping: when the whole gradient's L2 norm exceeds the limit, every component
//! is scaled by limit / norm, so the direction is kept and the length becomes the limit.

use super::fastmath::simd_fn;

/// The factor that brings a gradient of L2 norm `norm` down to `max_norm`; `None` when it is
/// within the limit already (the gradient is left exactly as it is).
pub(crate) fn clip_factor(norm: f64, max_norm: f64) -> Option<f32> {
    (norm > max_norm).then(|| (max_norm / norm) as f32)
}

simd_fn! {
    /// Multiplies every gradient component by `factor`.
    pub(crate) fn scale_in_place(grads: &mut [f32], factor: f32) {
        grads.iter_mut().for_each(|g| *g *= factor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(g: &[f32]) -> f64 {
        g.iter()
            .map(|&v| f64::from(v) * f64::from(v))
            .sum::<f64>()
            .sqrt()
    }

    #[test]
    fn a_long_gradient_is_scaled_to_the_limit_keeping_its_direction() {
        let mut grads = [3.0f32, -4.0, 0.0];
        let factor = clip_factor(norm(&grads), 1.0).expect("5 > 1");
        scale_in_place(&mut grads, factor);
        assert_eq!(grads, [0.6, -0.8, 0.0]);
        assert!((norm(&grads) - 1.0).abs() < 1e-7, "{}", norm(&grads));
    }

    #[test]
    fn a_short_gradient_is_left_alone() {
        assert_eq!(clip_factor(5.0, 5.0), None, "at the limit");
        assert_eq!(clip_factor(0.5, 5.0), None);
    }
}
