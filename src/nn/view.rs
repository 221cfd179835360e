//! Predictions of a model over a plotting grid: what the GUI draws and the figures export.
//! Computed off the UI thread (by the training worker for live snapshots).

use serde::{Deserialize, Serialize};

use super::model::Model;
use super::predictive::Predictive;

/// Which slice of input space to predict over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewSpec {
    /// Input column shown on the horizontal axis.
    pub x_column: usize,
    /// For a two-input classifier map: the input on the vertical axis.
    pub plane_column: Option<usize>,
    /// Values of every input; the plotted ones are overwritten along the grid.
    pub base_inputs: Vec<f64>,
    pub x_range: (f64, f64),
    /// y range of the density heat map (or the range of `plane_column`).
    pub y_range: (f64, f64),
    pub nx: usize,
    pub ny: usize,
}

/// The model's answer over a [`ViewSpec`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionView {
    pub spec: ViewSpec,
    /// Grid x values (nx).
    pub xs: Vec<f64>,
    /// Grid y values (ny): targets for regression, `plane_column` values for a plane map.
    pub ys: Vec<f64>,
    /// Row-major ny × nx: p(y|x) for regression, p(class 1) for a plane map, empty otherwise.
    pub grid: Vec<f32>,
    pub curves: Curves,
}

/// Summary curves along the x axis (regression), or p(y=1|x) (classifier).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Curves {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
    pub median: Vec<f64>,
    pub mode: Vec<f64>,
    /// 2.5 %, 16 %, 84 %, 97.5 % quantiles (the 95 % and 68 % central intervals).
    pub q025: Vec<f64>,
    pub q16: Vec<f64>,
    pub q84: Vec<f64>,
    pub q975: Vec<f64>,
    /// Per x, per component: (weight, loc).
    pub components: Vec<Vec<(f64, f64)>>,
    /// p(y = 1 | x) for the Bernoulli head.
    pub p1: Vec<f64>,
}

pub fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![0.5 * (lo + hi)],
        _ => (0..n)
            .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
            .collect(),
    }
}

impl PredictionView {
    pub fn compute(model: &Model, spec: &ViewSpec) -> PredictionView {
        let d = model.n_inputs();
        let xs = linspace(spec.x_range.0, spec.x_range.1, spec.nx);
        let ys = linspace(spec.y_range.0, spec.y_range.1, spec.ny);
        let inputs_at = |x: f64, other: Option<f64>| {
            let mut row = spec.base_inputs.clone();
            row.resize(d, 0.0);
            row[spec.x_column.min(d - 1)] = x;
            if let (Some(col), Some(v)) = (spec.plane_column, other) {
                row[col.min(d - 1)] = v;
            }
            row
        };
        if let Some(_plane) = spec.plane_column.filter(|_| model.head().is_classifier()) {
            let rows: Vec<f64> = ys
                .iter()
                .flat_map(|&v| xs.iter().flat_map(move |&x| inputs_at(x, Some(v))))
                .collect();
            let grid = model
                .predict_rows(&rows)
                .iter()
                .map(|p| p.mean() as f32)
                .collect();
            return PredictionView {
                spec: spec.clone(),
                xs,
                ys,
                grid,
                curves: Curves::default(),
            };
        }
        let rows: Vec<f64> = xs.iter().flat_map(|&x| inputs_at(x, None)).collect();
        let predictions = model.predict_rows(&rows);
        let mut curves = Curves::default();
        let mut grid = vec![
            0.0f32;
            if model.head().is_classifier() {
                0
            } else {
                ys.len() * xs.len()
            }
        ];
        for (i, p) in predictions.iter().enumerate() {
            match p {
                Predictive::Bernoulli { p } => curves.p1.push(*p),
                Predictive::Mixture(m) => {
                    for (j, &y) in ys.iter().enumerate() {
                        grid[j * xs.len() + i] = m.pdf(y) as f32;
                    }
                    curves.mean.push(m.mean());
                    curves.std.push(m.std());
                    curves.median.push(m.median());
                    curves.mode.push(m.mode());
                    curves.q025.push(m.quantile(0.025));
                    curves.q16.push(m.quantile(0.158_655_253_931_457_05));
                    curves.q84.push(m.quantile(0.841_344_746_068_542_9));
                    curves.q975.push(m.quantile(0.975));
                    curves
                        .components
                        .push(m.iter().map(|(w, mu, _)| (w, mu)).collect());
                }
            }
        }
        PredictionView {
            spec: spec.clone(),
            xs,
            ys,
            grid,
            curves,
        }
    }
}
