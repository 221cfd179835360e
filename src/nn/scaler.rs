//! Standardisation with training-set statistics: z = (v − mean) / std.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    pub mean: f64,
    pub std: f64,
}

impl Default for Scaler {
    fn default() -> Self {
        Scaler::IDENTITY
    }
}

impl Scaler {
    pub const IDENTITY: Scaler = Scaler {
        mean: 0.0,
        std: 1.0,
    };

    /// Mean and population standard deviation (f64 accumulation); a constant column keeps
    /// std 1 so it is only centred.
    pub fn fit(values: impl Iterator<Item = f64> + Clone) -> Scaler {
        let (n, sum) = values
            .clone()
            .fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
        if n == 0 {
            return Scaler::IDENTITY;
        }
        let mean = sum / n as f64;
        let var = values.map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        let std = var.sqrt();
        Scaler {
            mean,
            std: if std > 1e-12 && std.is_finite() {
                std
            } else {
                1.0
            },
        }
    }

    pub fn forward(&self, v: f64) -> f64 {
        (v - self.mean) / self.std
    }

    pub fn inverse(&self, z: f64) -> f64 {
        z * self.std + self.mean
    }

    pub fn is_valid(&self) -> bool {
        self.mean.is_finite() && self.std.is_finite() && self.std > 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_and_round_trip() {
        let data = [1.0, 2.0, 3.0, 4.0];
        let s = Scaler::fit(data.iter().copied());
        assert!((s.mean - 2.5).abs() < 1e-15);
        assert!((s.std - 1.25f64.sqrt()).abs() < 1e-15);
        assert!((s.inverse(s.forward(3.7)) - 3.7).abs() < 1e-12);
        assert_eq!(Scaler::fit([5.0, 5.0].iter().copied()).std, 1.0);
    }
}
