//! Standardisation with training-set statistics: z = (v − mean) / std per column.

use serde::{Deserialize, Serialize};

use super::dataset::Dataset;

/// Per-column affine scaling fitted on a training set and applied to any set.
///
/// Densities transform with the Jacobian: log p(y) = log p_z((y − y_mean) / y_std) −
/// ln(y_std), so an NLL computed in standardised units becomes one in original units by
/// adding [`Standardizer::log_y_std`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    pub x_mean: Vec<f64>,
    pub x_std: Vec<f64>,
    pub y_mean: f64,
    pub y_std: f64,
}

impl Standardizer {
    /// Fits means and population standard deviations on `data`. With `scale_y == false`
    /// (e.g. a 0/1 target for the Bernoulli head) y is left as is (mean 0, std 1). A column
    /// with zero spread gets std 1 (it is only centred); an empty dataset gives the identity.
    pub fn fit(data: &Dataset, scale_y: bool) -> Self {
        if data.is_empty() {
            return Self::identity(data.n_inputs());
        }
        let stats = data.column_stats();
        let spread = |s: f64| if s > 0.0 && s.is_finite() { s } else { 1.0 };
        let (x_stats, y_stats) = stats.split_at(data.n_inputs());
        let (y_mean, y_std) = match (scale_y, y_stats.first()) {
            (true, Some(y)) => (y.mean, spread(y.std)),
            _ => (0.0, 1.0),
        };
        Self {
            x_mean: x_stats.iter().map(|s| s.mean).collect(),
            x_std: x_stats.iter().map(|s| spread(s.std)).collect(),
            y_mean,
            y_std,
        }
    }

    /// No scaling at all.
    pub fn identity(n_inputs: usize) -> Self {
        Self {
            x_mean: vec![0.0; n_inputs],
            x_std: vec![1.0; n_inputs],
            y_mean: 0.0,
            y_std: 1.0,
        }
    }

    /// Standardises one input row in place.
    ///
    /// # Shapes
    /// `row`: `[n_inputs]` (extra values are left untouched).
    pub fn scale_x_row(&self, row: &mut [f64]) {
        for ((v, m), s) in row.iter_mut().zip(&self.x_mean).zip(&self.x_std) {
            *v = (*v - m) / s;
        }
    }

    /// Standardised target.
    pub fn scale_y(&self, y: f64) -> f64 {
        (y - self.y_mean) / self.y_std
    }

    /// Back to original units of y.
    pub fn unscale_y(&self, z: f64) -> f64 {
        z * self.y_std + self.y_mean
    }

    /// ln(y_std): add it to a per-sample NLL in standardised units to get original units.
    pub fn log_y_std(&self) -> f64 {
        self.y_std.ln()
    }

    /// A standardised copy of `data` (same names).
    pub fn apply(&self, data: &Dataset) -> Dataset {
        let mut out = data.clone();
        let d = data.n_inputs().max(1);
        for row in out.x.chunks_mut(d) {
            self.scale_x_row(row);
        }
        for y in &mut out.y {
            *y = self.scale_y(*y);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_apply_round_trip() {
        let d = Dataset::new(
            vec!["a".into(), "c".into()],
            "y".into(),
            vec![1.0, 5.0, 3.0, 5.0],
            vec![10.0, 20.0],
        )
        .unwrap();
        let s = Standardizer::fit(&d, true);
        assert_eq!(s.x_mean, vec![2.0, 5.0]);
        assert_eq!(s.x_std, vec![1.0, 1.0]); // constant column c: std replaced by 1
        assert_eq!((s.y_mean, s.y_std), (15.0, 5.0));
        let z = s.apply(&d);
        assert_eq!(z.x, vec![-1.0, 0.0, 1.0, 0.0]);
        assert_eq!(z.y, vec![-1.0, 1.0]);
        assert_eq!(s.unscale_y(z.y[1]), 20.0);
        assert!((s.log_y_std() - 5f64.ln()).abs() < 1e-15);
        let keep_y = Standardizer::fit(&d, false);
        assert_eq!((keep_y.y_mean, keep_y.y_std), (0.0, 1.0));
        assert_eq!(
            Standardizer::fit(&d.subset(&[]), true),
            Standardizer::identity(2)
        );
    }
}
