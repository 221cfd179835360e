//! Seeded synthetic datasets ("presets"), including the seed tutorial's lognormal data.
//!
//! Regression presets have columns `x`, `y`; classification presets have `x1`, `x2`, `label`
//! with `label` 0.0 or 1.0. The same [`PresetParams`] always give the same rows.

use std::f64::consts::PI;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::dataset::Dataset;
use super::error::DataError;
use super::truth::Truth;

/// A synthetic dataset generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    Lognormal,
    InverseSine,
    Heteroscedastic,
    Bimodal,
    Moons,
    Circles,
    Spiral,
    Xor,
}

/// How many rows, how much noise, which seed. The meaning of `noise` depends on the preset
/// (see [`Preset::description`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PresetParams {
    pub n: usize,
    pub noise: f64,
    pub seed: u64,
}

impl Preset {
    pub const ALL: [Preset; 8] = [
        Preset::Lognormal,
        Preset::InverseSine,
        Preset::Heteroscedastic,
        Preset::Bimodal,
        Preset::Moons,
        Preset::Circles,
        Preset::Spiral,
        Preset::Xor,
    ];

    /// Kebab-case name used on the command line (`preset:NAME`) and in files.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Lognormal => "lognormal",
            Preset::InverseSine => "inverse-sine",
            Preset::Heteroscedastic => "heteroscedastic",
            Preset::Bimodal => "bimodal",
            Preset::Moons => "moons",
            Preset::Circles => "circles",
            Preset::Spiral => "spiral",
            Preset::Xor => "xor",
        }
    }

    /// Parses a name (case-insensitive; `_` may replace `-`; `hetero` is accepted).
    pub fn from_name(s: &str) -> Option<Preset> {
        let key = s.trim().to_ascii_lowercase().replace('_', "-");
        if key == "hetero" {
            return Some(Preset::Heteroscedastic);
        }
        Preset::ALL.into_iter().find(|p| p.name() == key)
    }

    /// One line with the generating formula and the meaning of `noise`.
    pub fn description(self) -> &'static str {
        match self {
            Preset::Lognormal => {
                "x ~ U(0.1, 1.5), y = 2x + exp(noise·x·z), z ~ N(0,1): LogNormal(s = noise·x, loc = 2x, scale = 1) (noise 1 = the TFP tutorial)"
            }
            Preset::InverseSine => {
                "y ~ U(-10.5, 10.5), x = 7 sin(0.75y) + 0.5y + noise·N(0,1): multimodal p(y|x)"
            }
            Preset::Heteroscedastic => {
                "x ~ U(-1, 1), y = x + noise·(0.1 + 0.5|x|)·N(0,1): noise grows with |x|"
            }
            Preset::Bimodal => "x ~ U(-1, 1), y = ±x² (fair coin) + noise·N(0,1): two branches",
            Preset::Moons => {
                "two interleaving half circles (label 0: (cos t, sin t), label 1: (1 − cos t, 0.5 − sin t), t ~ U(0, π)) + noise·N(0, I)"
            }
            Preset::Circles => {
                "two concentric circles (label 0: radius 1, label 1: radius 0.5, angle ~ U(0, 2π)) + noise·N(0, I)"
            }
            Preset::Spiral => {
                "two interleaved spirals: t ~ U(0, 1), r = t, θ = 3πt + π·label + noise·N(0,1), (x1, x2) = r(cos θ, sin θ)"
            }
            Preset::Xor => {
                "(x1, x2) ~ U(-1, 1)², label = [x1·x2 > 0], flipped with probability noise"
            }
        }
    }

    /// True for the presets with a 0/1 label (Bernoulli head).
    pub fn is_classification(self) -> bool {
        matches!(
            self,
            Preset::Moons | Preset::Circles | Preset::Spiral | Preset::Xor
        )
    }

    /// Column names: inputs then target.
    pub fn column_names(self) -> (Vec<String>, String) {
        if self.is_classification() {
            (vec!["x1".into(), "x2".into()], "label".into())
        } else {
            (vec!["x".into()], "y".into())
        }
    }

    /// Default size and noise, seed 0. Lognormal has 200 000 rows (the tutorial's 100k/100k
    /// split with test fraction 0.5).
    pub fn default_params(self) -> PresetParams {
        let (n, noise) = match self {
            Preset::Lognormal => (200_000, 1.0),
            Preset::InverseSine => (4_000, 1.0),
            Preset::Heteroscedastic => (2_000, 1.0),
            Preset::Bimodal => (4_000, 0.1),
            Preset::Moons => (2_000, 0.2),
            Preset::Circles => (2_000, 0.1),
            Preset::Spiral => (2_000, 0.3),
            Preset::Xor => (2_000, 0.05),
        };
        PresetParams { n, noise, seed: 0 }
    }

    /// Largest `n` a preset generates (100 million rows, 1.6 GB for two inputs).
    pub const MAX_ROWS: usize = 100_000_000;

    /// Checks `params`: `2 <= n <= MAX_ROWS`, `noise` finite and `>= 0` (`<= 0.5` for xor, where it is a
    /// probability).
    pub fn validate(self, params: &PresetParams) -> Result<(), DataError> {
        let reason = if params.n < 2 || params.n > Self::MAX_ROWS {
            format!(
                "{}: n must be between 2 and {}, got {}",
                self.name(),
                Self::MAX_ROWS,
                params.n
            )
        } else if !(params.noise.is_finite() && params.noise >= 0.0) {
            format!(
                "{}: noise must be finite and >= 0, got {}",
                self.name(),
                params.noise
            )
        } else if self == Preset::Xor && params.noise > 0.5 {
            format!(
                "xor: noise is a label-flip probability and must be <= 0.5, got {}",
                params.noise
            )
        } else {
            return Ok(());
        };
        Err(DataError::InvalidPresetParams { reason })
    }

    /// [`Preset::validate`] then [`Preset::generate`].
    pub fn try_generate(self, params: &PresetParams) -> Result<Dataset, DataError> {
        self.validate(params)?;
        self.generate(params)
    }

    /// Generates `params.n` rows, deterministically for the same params.
    ///
    /// Out-of-range params are clamped (n to 1..=MAX_ROWS, noise to a finite value in the valid
    /// range); call [`Preset::validate`] or [`Preset::try_generate`] to reject them instead.
    /// The rows pass [`Dataset::new`]'s checks, so an enormous finite noise whose samples
    /// overflow (lognormal's e^(noise·x·z)) is [`DataError::NonFiniteInDataset`].
    pub fn generate(self, params: &PresetParams) -> Result<Dataset, DataError> {
        let n = params.n.clamp(1, Self::MAX_ROWS);
        let noise = clamp_noise(self, params.noise);
        let mut rng = StdRng::seed_from_u64(params.seed);
        let d = if self.is_classification() { 2 } else { 1 };
        let mut x = Vec::with_capacity(n * d);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let (row, target) = self.sample_row(noise, &mut rng);
            x.extend_from_slice(&row[..d]);
            y.push(target);
        }
        let (x_names, y_name) = self.column_names();
        Dataset::new(x_names, y_name, x, y)
    }

    /// The exact conditional density of the data, if known: every regression preset, and xor
    /// (a Bernoulli pmf). `None` for moons, circles and spiral, and when noise is 0 for a
    /// regression preset (no density exists).
    pub fn truth(self, params: &PresetParams) -> Option<Truth> {
        let noise = clamp_noise(self, params.noise);
        match self {
            Preset::Lognormal if noise > 0.0 => Some(Truth::lognormal(noise)),
            Preset::InverseSine if noise > 0.0 => Some(Truth::inverse_sine(noise)),
            Preset::Heteroscedastic if noise > 0.0 => Some(Truth::heteroscedastic(noise)),
            Preset::Bimodal if noise > 0.0 => Some(Truth::bimodal(noise)),
            Preset::Xor => Some(Truth::xor(noise)),
            _ => None,
        }
    }

    /// One row: up to two inputs (only the first is used for regression) and the target.
    fn sample_row(self, noise: f64, rng: &mut StdRng) -> ([f64; 2], f64) {
        match self {
            Preset::Lognormal => {
                let x = rng.random_range(0.1..1.5);
                let z = normal_of(rng);
                ([x, 0.0], 2.0 * x + (noise * x * z).exp())
            }
            Preset::InverseSine => {
                let y: f64 = rng.random_range(-10.5..10.5);
                let z = normal_of(rng);
                ([7.0 * (0.75 * y).sin() + 0.5 * y + noise * z, 0.0], y)
            }
            Preset::Heteroscedastic => {
                let x: f64 = rng.random_range(-1.0..1.0);
                let z = normal_of(rng);
                ([x, 0.0], x + noise * (0.1 + 0.5 * x.abs()) * z)
            }
            Preset::Bimodal => {
                let x: f64 = rng.random_range(-1.0..1.0);
                let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                let z = normal_of(rng);
                ([x, 0.0], sign * x * x + noise * z)
            }
            Preset::Moons => {
                let label = rng.random_bool(0.5);
                let t = rng.random_range(0.0..PI);
                let (a, b) = if label {
                    (1.0 - t.cos(), 0.5 - t.sin())
                } else {
                    (t.cos(), t.sin())
                };
                let (ea, eb) = (normal_of(rng), normal_of(rng));
                ([a + noise * ea, b + noise * eb], f64::from(u8::from(label)))
            }
            Preset::Circles => {
                let label = rng.random_bool(0.5);
                let angle = rng.random_range(0.0..2.0 * PI);
                let r = if label { 0.5 } else { 1.0 };
                let (ea, eb) = (normal_of(rng), normal_of(rng));
                (
                    [r * angle.cos() + noise * ea, r * angle.sin() + noise * eb],
                    f64::from(u8::from(label)),
                )
            }
            Preset::Spiral => {
                let label = rng.random_bool(0.5);
                let t: f64 = rng.random_range(0.0..1.0);
                let shift = if label { PI } else { 0.0 };
                let theta = 3.0 * PI * t + shift + noise * normal_of(rng);
                (
                    [t * theta.cos(), t * theta.sin()],
                    f64::from(u8::from(label)),
                )
            }
            Preset::Xor => {
                let a: f64 = rng.random_range(-1.0..1.0);
                let b: f64 = rng.random_range(-1.0..1.0);
                let flip = rng.random_bool(noise);
                let label = (a * b > 0.0) != flip;
                ([a, b], f64::from(u8::from(label)))
            }
        }
    }
}

fn normal_of(rng: &mut StdRng) -> f64 {
    rng.sample(StandardNormal)
}

fn clamp_noise(preset: Preset, noise: f64) -> f64 {
    let noise = if noise.is_finite() {
        noise.max(0.0)
    } else {
        0.0
    };
    if preset == Preset::Xor {
        noise.min(0.5)
    } else {
        noise
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(preset: Preset, n: usize, seed: u64) -> PresetParams {
        PresetParams {
            n,
            seed,
            ..preset.default_params()
        }
    }

    #[test]
    fn names_round_trip() {
        for p in Preset::ALL {
            assert_eq!(Preset::from_name(p.name()), Some(p));
            assert_eq!(p.to_string(), p.name());
            assert!(!p.description().is_empty());
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.name()));
        }
        assert_eq!(Preset::from_name("hetero"), Some(Preset::Heteroscedastic));
        assert_eq!(
            Preset::from_name(" Inverse_Sine "),
            Some(Preset::InverseSine)
        );
        assert_eq!(Preset::from_name("nope"), None);
    }

    #[test]
    fn defaults() {
        let p = Preset::Lognormal.default_params();
        assert_eq!((p.n, p.noise), (200_000, 1.0));
        for preset in Preset::ALL {
            let p = preset.default_params();
            assert!(preset.validate(&p).is_ok());
            assert!(p.n >= 2000);
        }
    }

    #[test]
    fn deterministic_per_seed_with_right_shape() {
        for preset in Preset::ALL {
            let a = preset.generate(&params(preset, 300, 5)).unwrap();
            let b = preset.generate(&params(preset, 300, 5)).unwrap();
            let c = preset.generate(&params(preset, 300, 6)).unwrap();
            assert_eq!(a, b, "{preset}");
            assert_ne!(a.y(), c.y(), "{preset}");
            assert_eq!(a.len(), 300);
            let (x_names, y_name) = preset.column_names();
            assert_eq!(a.x_names(), x_names);
            assert_eq!(a.y_name(), y_name);
            assert_eq!(a.x().len(), 300 * a.n_inputs());
            assert!(a.x().iter().chain(&a.y()).all(|v| v.is_finite()));
            assert_eq!(a.is_binary_target(), preset.is_classification(), "{preset}");
            // the checked constructor accepts it
            assert!(
                Dataset::new(
                    a.x_names().to_vec(),
                    a.y_name().to_string(),
                    a.x_flat().to_vec(),
                    a.y().to_vec()
                )
                .is_ok()
            );
        }
    }

    #[test]
    fn ranges() {
        let d = Preset::Lognormal
            .generate(&params(Preset::Lognormal, 2000, 1))
            .unwrap();
        for i in 0..d.len() {
            let x = d.x()[[i, 0]];
            assert!((0.1..1.5).contains(&x));
            assert!(d.y()[i] > 2.0 * x);
        }
        let d = Preset::InverseSine
            .generate(&params(Preset::InverseSine, 2000, 1))
            .unwrap();
        assert!(d.y().iter().all(|y| (-10.5..10.5).contains(y)));
        for preset in [Preset::Heteroscedastic, Preset::Bimodal] {
            let d = preset.generate(&params(preset, 2000, 1)).unwrap();
            assert!(d.x().iter().all(|x| (-1.0..1.0).contains(x)));
        }
        let d = Preset::Xor
            .generate(&PresetParams {
                n: 2000,
                noise: 0.0,
                seed: 1,
            })
            .unwrap();
        assert!(d.x().iter().all(|x| (-1.0..1.0).contains(x)));
        for i in 0..d.len() {
            let r = d.row(i);
            assert_eq!(d.y()[i] == 1.0, r[0] * r[1] > 0.0);
        }
        // noiseless circles lie on their circles, labels balanced-ish
        let d = Preset::Circles
            .generate(&PresetParams {
                n: 2000,
                noise: 0.0,
                seed: 1,
            })
            .unwrap();
        for i in 0..d.len() {
            let r = d.row(i);
            let radius = r[0].hypot(r[1]);
            let want = if d.y()[i] == 1.0 { 0.5 } else { 1.0 };
            assert!((radius - want).abs() < 1e-12);
        }
        let ones = d.y().iter().filter(|&&v| v == 1.0).count();
        assert!((900..1100).contains(&ones), "{ones}");
        let d = Preset::Moons
            .generate(&params(Preset::Moons, 2000, 1))
            .unwrap();
        assert!(d.x().iter().all(|v| v.abs() < 4.0));
        let d = Preset::Spiral
            .generate(&params(Preset::Spiral, 2000, 1))
            .unwrap();
        for i in 0..d.len() {
            assert!(d.row(i)[0].hypot(d.row(i)[1]) <= 1.0);
        }
    }

    #[test]
    fn validate_rejects_bad_params() {
        let bad = [
            (
                Preset::Moons,
                PresetParams {
                    n: 1,
                    noise: 0.1,
                    seed: 0,
                },
            ),
            (
                Preset::Moons,
                PresetParams {
                    n: 10,
                    noise: -0.1,
                    seed: 0,
                },
            ),
            (
                Preset::Bimodal,
                PresetParams {
                    n: 10,
                    noise: f64::NAN,
                    seed: 0,
                },
            ),
            (
                Preset::Xor,
                PresetParams {
                    n: 10,
                    noise: 0.6,
                    seed: 0,
                },
            ),
        ];
        for (preset, p) in bad {
            assert!(matches!(
                preset.try_generate(&p),
                Err(DataError::InvalidPresetParams { .. })
            ));
            // generate itself never panics (the huge n is not generated here)
            if p.n < 100 {
                assert!(!preset.generate(&p).unwrap().is_empty());
            }
        }
    }

    #[test]
    fn truth_availability() {
        for preset in Preset::ALL {
            let p = preset.default_params();
            let has = preset.truth(&p).is_some();
            let expected = !matches!(preset, Preset::Moons | Preset::Circles | Preset::Spiral);
            assert_eq!(has, expected, "{preset}");
        }
        let p = PresetParams {
            n: 10,
            noise: 0.0,
            seed: 0,
        };
        assert!(Preset::Bimodal.truth(&p).is_none());
    }
}
