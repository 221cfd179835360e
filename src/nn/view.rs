//! Predictions of a model over a plotting grid: what the GUI draws and the figures export.
//! Computed off the UI thread (by the training worker for live snapshots, on its lanes).

use std::sync::{Mutex, PoisonError};

use ndarray::Array2;
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

/// The work for one part of a view, by part index ([`PredictionView::compute_in_parts`]).
pub type PartWork<'a> = dyn Fn(usize) + Sync + 'a;

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
        Self::compute_in_parts(model, spec, 1, &|work| work(0))
    }

    /// The view with its x columns split into `parts` contiguous chunks. `run` is asked to call
    /// the work it is given once per part index, on any threads (the training lanes, say); a
    /// part it leaves out is computed here. Each column is computed the same way whatever the
    /// split.
    pub fn compute_in_parts(
        model: &Model,
        spec: &ViewSpec,
        parts: usize,
        run: &dyn Fn(&PartWork<'_>),
    ) -> PredictionView {
        let xs = linspace(spec.x_range.0, spec.x_range.1, spec.nx);
        let ys = linspace(spec.y_range.0, spec.y_range.1, spec.ny);
        let chunk = xs.len().div_ceil(parts.max(1)).max(1);
        let chunks: Vec<&[f64]> = xs.chunks(chunk).collect();
        let done: Vec<Mutex<Option<Columns>>> = chunks.iter().map(|_| Mutex::new(None)).collect();
        run(&|part| {
            if let (Some(xs), Some(slot)) = (chunks.get(part), done.get(part)) {
                let columns = Columns::compute(model, spec, xs, &ys);
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(columns);
            }
        });

        let classifier = model.head().is_classifier();
        let has_grid = !classifier || spec.plane_column.is_some();
        let (nx, ny) = (xs.len(), ys.len());
        let mut grid = vec![0.0f32; if has_grid { nx * ny } else { 0 }];
        let mut curves = Curves::default();
        let mut first_column = 0;
        for (xs_part, slot) in chunks.iter().zip(done) {
            let part = slot
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .unwrap_or_else(|| Columns::compute(model, spec, xs_part, &ys));
            if has_grid {
                for (c, column) in part.grid.chunks_exact(ny.max(1)).enumerate() {
                    for (j, &value) in column.iter().enumerate() {
                        grid[j * nx + first_column + c] = value;
                    }
                }
            }
            curves.append(part.curves);
            first_column += xs_part.len();
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

/// The view over some of its x columns: the grid column by column (`ys.len()` values each),
/// and the curves' values at those columns.
struct Columns {
    grid: Vec<f32>,
    curves: Curves,
}

impl Columns {
    fn compute(model: &Model, spec: &ViewSpec, xs: &[f64], ys: &[f64]) -> Columns {
        let d = model.n_inputs();
        let last = d.saturating_sub(1);
        let x_column = spec.x_column.min(last);
        // Input j of a row at x (and at v on the plane's other input); the rest at the base.
        let input = |j: usize, x: f64, other: Option<(usize, f64)>| match other {
            Some((column, v)) if column == j => v,
            _ if j == x_column => x,
            _ => spec.base_inputs.get(j).copied().unwrap_or(0.0),
        };
        let mut curves = Curves::default();
        if let (Some(plane), true) = (spec.plane_column, model.head().is_classifier()) {
            // Row i is x = xs[i / ny] with the plane's input at ys[i % ny].
            let ny = ys.len().max(1);
            let rows = Array2::from_shape_fn((xs.len() * ys.len(), d), |(i, j)| {
                input(j, xs[i / ny], Some((plane.min(last), ys[i % ny])))
            });
            let grid = model
                .predict_rows(&rows)
                .iter()
                .map(|p| p.mean() as f32)
                .collect();
            return Columns { grid, curves };
        }
        let rows = Array2::from_shape_fn((xs.len(), d), |(i, j)| input(j, xs[i], None));
        let mut grid = Vec::new();
        for p in model.predict_rows(&rows) {
            match p {
                Predictive::Bernoulli { p } => curves.p1.push(p),
                Predictive::Mixture(m) => {
                    grid.extend(ys.iter().map(|&y| m.pdf(y) as f32));
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
        Columns { grid, curves }
    }
}

impl Curves {
    /// Appends the values of the columns that follow.
    fn append(&mut self, more: Curves) {
        let Curves {
            mean,
            std,
            median,
            mode,
            q025,
            q16,
            q84,
            q975,
            components,
            p1,
        } = more;
        self.mean.extend(mean);
        self.std.extend(std);
        self.median.extend(median);
        self.mode.extend(mode);
        self.q025.extend(q025);
        self.q16.extend(q16);
        self.q84.extend(q84);
        self.q975.extend(q975);
        self.components.extend(components);
        self.p1.extend(p1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Head, LayerSpec, ModelSpec, Scaler};

    fn model(head: Head, inputs: usize) -> Model {
        let spec = ModelSpec {
            x_names: (0..inputs).map(|i| format!("x{i}")).collect(),
            y_name: "y".into(),
            hidden: vec![LayerSpec::new(32, Activation::Tanh)],
            head,
            sigma_floor: 1e-3,
            x_scalers: vec![Scaler::IDENTITY; inputs],
            y_scaler: Scaler {
                mean: 1.0,
                std: 2.0,
            },
        };
        Model::new(spec, 5)
    }

    #[test]
    fn curves_and_density_agree_with_the_predictive_distribution() {
        let m = model(Head::Mixture { components: 16 }, 1);
        let spec = ViewSpec {
            x_column: 0,
            plane_column: None,
            base_inputs: vec![0.0],
            x_range: (-2.0, 2.0),
            y_range: (-6.0, 8.0),
            nx: 200,
            ny: 200,
        };
        let started = std::time::Instant::now();
        let view = PredictionView::compute(&m, &spec);
        eprintln!(
            "200×200 view of a 16-component mixture: {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
        assert_eq!(
            (view.xs.len(), view.ys.len(), view.grid.len()),
            (200, 200, 40_000)
        );
        for i in [0, 57, 199] {
            let p = m.predict(&[view.xs[i]]);
            let mix = p.as_mixture().expect("mixture");
            assert!((view.curves.mean[i] - mix.mean()).abs() < 1e-9);
            assert!((view.curves.median[i] - mix.median()).abs() < 1e-9);
            assert!((mix.cdf(view.curves.q975[i]) - 0.975).abs() < 1e-8);
            assert!((mix.cdf(view.curves.q16[i]) - 0.158_655_253_931_457_05).abs() < 1e-8);
            let j = 120;
            assert!((view.grid[j * 200 + i] as f64 - mix.pdf(view.ys[j])).abs() < 1e-6);
        }
    }

    #[test]
    fn two_input_classifier_gives_a_probability_plane() {
        let m = model(Head::Bernoulli, 2);
        let spec = ViewSpec {
            x_column: 0,
            plane_column: Some(1),
            base_inputs: vec![0.0, 0.0],
            x_range: (-1.0, 1.0),
            y_range: (-2.0, 2.0),
            nx: 30,
            ny: 20,
        };
        let view = PredictionView::compute(&m, &spec);
        assert_eq!(view.grid.len(), 600);
        let p = m.predict(&[view.xs[4], view.ys[7]]).mean();
        assert!((view.grid[7 * 30 + 4] as f64 - p).abs() < 1e-6);
        assert!(view.grid.iter().all(|&v| (0.0..=1.0).contains(&v)));
    }

    #[test]
    fn computing_in_parts_on_threads_gives_the_same_view() {
        let cases = [
            (Head::Mixture { components: 4 }, 1, None),
            (Head::Bernoulli, 1, None),
            (Head::Bernoulli, 2, Some(1)),
        ];
        for (head, inputs, plane_column) in cases {
            let m = model(head, inputs);
            let spec = ViewSpec {
                x_column: 0,
                plane_column,
                base_inputs: vec![0.0; inputs],
                x_range: (-1.0, 1.0),
                y_range: (-2.0, 2.0),
                nx: 23,
                ny: 11,
            };
            let whole = PredictionView::compute(&m, &spec);
            for parts in [2, 3, 7, 40] {
                let on_threads = PredictionView::compute_in_parts(&m, &spec, parts, &|work| {
                    std::thread::scope(|s| {
                        for part in 0..parts {
                            s.spawn(move || work(part));
                        }
                    });
                });
                assert_eq!(on_threads, whole, "{head:?} in {parts} parts");
            }
            // Parts the runner leaves out are computed anyway.
            let partial = PredictionView::compute_in_parts(&m, &spec, 4, &|work| work(1));
            assert_eq!(partial, whole, "{head:?} with parts left out");
        }
    }
}
