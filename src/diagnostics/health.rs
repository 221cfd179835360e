//! Mixture health along one input: each component's weight π_k(x), location μ_k(x) and
//! scale σ_k(x) (original units), and warnings for components that are dead (weight ~0
//! everywhere), that have taken over (weight ~1 everywhere) or whose scale sits on the σ floor.

use serde::{Deserialize, Serialize};

use crate::nn::view::linspace;
use crate::nn::{Head, Model};

/// A component is dead when its weight stays below this at every x.
pub const DEAD_WEIGHT: f64 = 1e-3;
/// A component has collapsed the mixture onto itself when its weight stays above this.
pub const COLLAPSE_WEIGHT: f64 = 0.99;
/// A scale within this factor of the floor counts as sitting on it.
pub const FLOOR_FACTOR: f64 = 1.05;

/// Where to look: one input swept over a range, the others held at `base_inputs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlongX {
    pub x_column: usize,
    /// One value per model input; the swept one is overwritten.
    pub base_inputs: Vec<f64>,
    pub x_range: (f64, f64),
    pub points: usize,
}

/// One component's parameters at each x of [`MixtureHealth::xs`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComponentTrack {
    pub weight: Vec<f64>,
    pub loc: Vec<f64>,
    pub scale: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ComponentWarning {
    /// Weight below [`DEAD_WEIGHT`] at every x.
    Dead { component: usize, max_weight: f64 },
    /// Weight above [`COLLAPSE_WEIGHT`] at every x: the mixture is one Normal.
    Collapsed { component: usize, min_weight: f64 },
    /// Scale within [`FLOOR_FACTOR`] of the σ floor at every x (a spike on a few points).
    OnFloor {
        component: usize,
        max_scale: f64,
        floor: f64,
    },
}

impl std::fmt::Display for ComponentWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ComponentWarning::Dead {
                component,
                max_weight,
            } => write!(
                f,
                "component {component} is dead: its weight never exceeds {max_weight:.2e}"
            ),
            ComponentWarning::Collapsed {
                component,
                min_weight,
            } => write!(
                f,
                "the mixture collapsed onto component {component}: its weight is at least {min_weight:.4} everywhere"
            ),
            ComponentWarning::OnFloor {
                component,
                max_scale,
                floor,
            } => write!(
                f,
                "component {component} sits on the σ floor: its scale is at most {max_scale:.3e} (floor {floor:.3e})"
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixtureHealth {
    pub xs: Vec<f64>,
    pub components: Vec<ComponentTrack>,
    /// The σ floor in original units of y.
    pub floor: f64,
    pub warnings: Vec<ComponentWarning>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HealthError {
    #[error("mixture health needs a regression model; this one has a {0} head")]
    NotRegression(String),
    #[error("input column {column} does not exist (the model has {inputs} inputs)")]
    NoSuchInput { column: usize, inputs: usize },
    #[error("{given} base inputs given; the model has {inputs}")]
    BaseInputs { given: usize, inputs: usize },
}

impl MixtureHealth {
    /// π_k, μ_k, σ_k of `model` along `along` (one batched forward pass).
    pub fn compute(model: &Model, along: &AlongX) -> Result<MixtureHealth, HealthError> {
        let d = model.n_inputs();
        if model.head() == Head::Bernoulli {
            return Err(HealthError::NotRegression(model.head().label()));
        }
        if along.x_column >= d {
            return Err(HealthError::NoSuchInput {
                column: along.x_column,
                inputs: d,
            });
        }
        if along.base_inputs.len() != d {
            return Err(HealthError::BaseInputs {
                given: along.base_inputs.len(),
                inputs: d,
            });
        }
        let xs = linspace(along.x_range.0, along.x_range.1, along.points);
        // The other inputs at the base, the one along x at each point.
        let rows = ndarray::Array2::from_shape_fn((xs.len(), d), |(i, j)| {
            if j == along.x_column {
                xs[i]
            } else {
                along.base_inputs[j]
            }
        });
        let predictives = model.predict_rows(&rows);
        let k = match model.head() {
            Head::Mixture { components } => components,
            _ => 1,
        };
        let mut components = vec![ComponentTrack::default(); k];
        for m in predictives.iter().filter_map(|p| p.as_mixture()) {
            for (c, (w, mu, s)) in m.iter().enumerate() {
                components[c].weight.push(w);
                components[c].loc.push(mu);
                components[c].scale.push(s);
            }
        }
        let floor = model.spec.sigma_floor * model.spec.y_scaler.std;
        let warnings = warnings(&components, floor);
        Ok(MixtureHealth {
            xs,
            components,
            floor,
            warnings,
        })
    }
}

/// The warnings for tracks of equal length (no warnings for empty tracks).
pub fn warnings(components: &[ComponentTrack], floor: f64) -> Vec<ComponentWarning> {
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let mut out = Vec::new();
    for (component, track) in components.iter().enumerate() {
        if track.weight.is_empty() {
            continue;
        }
        let (max_weight, min_weight) = (max(&track.weight), min(&track.weight));
        if components.len() > 1 && max_weight < DEAD_WEIGHT {
            out.push(ComponentWarning::Dead {
                component,
                max_weight,
            });
        }
        if components.len() > 1 && min_weight > COLLAPSE_WEIGHT {
            out.push(ComponentWarning::Collapsed {
                component,
                min_weight,
            });
        }
        let max_scale = max(&track.scale);
        if floor > 0.0 && max_scale <= FLOOR_FACTOR * floor {
            out.push(ComponentWarning::OnFloor {
                component,
                max_scale,
                floor,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::mlp::LayerSpec;
    use crate::nn::{ModelSpec, Scaler};

    fn track(weight: f64, scale: f64) -> ComponentTrack {
        ComponentTrack {
            weight: vec![weight; 3],
            loc: vec![0.0; 3],
            scale: vec![scale; 3],
        }
    }

    #[test]
    fn dead_collapsed_and_floored_components_are_reported() {
        let tracks = [track(0.995, 1.0), track(1e-4, 1.0), track(0.0049, 0.0102)];
        let w = warnings(&tracks, 0.01);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(matches!(
            w[0],
            ComponentWarning::Collapsed { component: 0, .. }
        ));
        assert!(matches!(w[1], ComponentWarning::Dead { component: 1, .. }));
        assert!(matches!(
            w[2],
            ComponentWarning::OnFloor { component: 2, .. }
        ));
        assert!(w[2].to_string().contains("σ floor"));
        assert!(warnings(&[track(0.5, 1.0), track(0.5, 2.0)], 0.01).is_empty());
    }

    #[test]
    fn tracks_come_from_the_model_in_original_units() {
        // No hidden layer and zero weights: every output is its bias, so the parameters are
        // known in closed form.
        let spec = ModelSpec {
            x_names: vec!["x".into()],
            y_name: "y".into(),
            hidden: Vec::<LayerSpec>::new(),
            head: Head::Mixture { components: 2 },
            sigma_floor: 0.5,
            x_scalers: vec![Scaler::default()],
            y_scaler: Scaler {
                mean: 10.0,
                std: 2.0,
            },
        };
        let mut model = Model::new(spec, 0);
        model.mlp.params.iter_mut().for_each(|p| *p = 0.0);
        // logits 0 and −20 (component 1 dead), locs 1 and −1, raw scales −40 (on the floor)
        // and 0.
        model
            .mlp
            .output_bias_mut()
            .copy_from_slice(&[0.0, -20.0, 1.0, -40.0, -1.0, 0.0]);
        let along = AlongX {
            x_column: 0,
            base_inputs: vec![0.0],
            x_range: (-1.0, 1.0),
            points: 5,
        };
        let health = MixtureHealth::compute(&model, &along).expect("health");
        assert_eq!(health.xs.len(), 5);
        assert!((health.components[0].loc[2] - 12.0).abs() < 1e-6);
        assert!(
            (health.components[0].scale[0] - 1.0).abs() < 1e-6,
            "floor 0.5 · σ_y 2"
        );
        assert!((health.floor - 1.0).abs() < 1e-12);
        let kinds: Vec<String> = health.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(health.warnings.len(), 3, "{kinds:?}");
    }
}
