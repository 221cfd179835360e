//! A trained density network: MLP + head + σ floor + the scalers that map original units to
//! the standardised units the network works in.

use ndarray::{ArrayRef1, ArrayRef2, ArrayView1, Axis, s};
use serde::{Deserialize, Serialize};

use super::head::Head;
use super::mlp::{LayerSpec, Mlp, Workspace};
use super::predictive::{NormalMixture, Predictive};
use super::scalar::Scalar as _;
use super::scaler::Scaler;
use crate::data::Dataset;

/// Rows evaluated per forward pass when predicting or scoring a whole dataset.
const EVAL_CHUNK_ROWS: usize = 4096;

/// Everything about a model except its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    pub x_names: Vec<String>,
    pub y_name: String,
    pub hidden: Vec<LayerSpec>,
    pub head: Head,
    /// Added to softplus(raw) for every scale, in standardised units of y.
    pub sigma_floor: f64,
    pub x_scalers: Vec<Scaler>,
    pub y_scaler: Scaler,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub spec: ModelSpec,
    pub mlp: Mlp,
    /// Empty for one network. Otherwise this is a deep ensemble (Lakshminarayanan et al.
    /// 2017): `spec` and `mlp` are its first member, these the others, and every prediction
    /// and score is that of the uniform mixture of the members' predictive distributions.
    pub other_members: Vec<Model>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnsembleError {
    #[error("an ensemble needs at least one member")]
    Empty,
    #[error(
        "ensemble member {member} models {found} but member 1 models {expected}; members must share inputs and target"
    )]
    Columns {
        member: usize,
        expected: String,
        found: String,
    },
    #[error("ensemble member {member} mixes a classifier with regression models")]
    MixedHeads { member: usize },
    #[error("ensemble member {member} is itself an ensemble")]
    Nested { member: usize },
}

/// Scores of a model on a dataset, NLL in nats per row in the original units of y.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub nll: f64,
    pub accuracy: Option<f64>,
}

impl Model {
    pub fn new(spec: ModelSpec, seed: u64) -> Model {
        let mlp = Mlp::new(
            spec.x_names.len(),
            &spec.hidden,
            spec.head.params_size(),
            seed,
        );
        Model {
            spec,
            mlp,
            other_members: Vec::new(),
        }
    }

    /// The uniform mixture of `members` (each one network, all on the same columns).
    pub fn ensemble(members: Vec<Model>) -> Result<Model, EnsembleError> {
        let mut members = members.into_iter();
        let mut first = members.next().ok_or(EnsembleError::Empty)?;
        let columns = |m: &Model| format!("{:?} → \"{}\"", m.spec.x_names, m.spec.y_name);
        for (i, m) in std::iter::once(&first)
            .chain(members.as_slice())
            .enumerate()
        {
            if !m.other_members.is_empty() {
                return Err(EnsembleError::Nested { member: i + 1 });
            }
        }
        for (i, m) in members.as_slice().iter().enumerate() {
            if m.spec.x_names != first.spec.x_names || m.spec.y_name != first.spec.y_name {
                return Err(EnsembleError::Columns {
                    member: i + 2,
                    expected: columns(&first),
                    found: columns(m),
                });
            }
            if m.head().is_classifier() != first.head().is_classifier() {
                return Err(EnsembleError::MixedHeads { member: i + 2 });
            }
        }
        first.other_members = members.collect();
        Ok(first)
    }

    pub fn is_ensemble(&self) -> bool {
        !self.other_members.is_empty()
    }

    /// Every member as a single network (one model for a single network).
    pub fn members(&self) -> Vec<Model> {
        let first = Model {
            spec: self.spec.clone(),
            mlp: self.mlp.clone(),
            other_members: Vec::new(),
        };
        std::iter::once(first)
            .chain(self.other_members.iter().cloned())
            .collect()
    }

    pub fn n_inputs(&self) -> usize {
        self.spec.x_names.len()
    }

    pub fn head(&self) -> Head {
        self.spec.head
    }

    /// Writes the standardised f32 inputs of the rows of `x` into `out`, row-major
    /// (`x.nrows() × n_inputs()`). A row of another width is cut or padded with zeros.
    ///
    /// # Shapes
    /// `x`: `[rows, n_inputs]` → `out`: `[rows * n_inputs]`.
    pub fn standardize_inputs(&self, x: &ArrayRef2<f64>, out: &mut Vec<f32>) {
        let d = self.n_inputs();
        let scalers = &self.spec.x_scalers;
        out.clear();
        match x.as_slice() {
            // Row-major rows of the right width (every Dataset, every chunk of one): one pass
            // over the flat values.
            Some(flat) if x.ncols() == d => out.extend(
                flat.iter()
                    .enumerate()
                    .map(|(i, &v)| scalers[i % d].forward(v) as f32),
            ),
            _ => {
                for row in x.rows() {
                    out.extend(scalers.iter().enumerate().map(|(j, scaler)| {
                        scaler.forward(row.get(j).copied().unwrap_or(0.0)) as f32
                    }));
                }
            }
        }
    }

    /// Standardised f32 targets (Bernoulli targets stay 0/1).
    pub fn standardize_targets(&self, y: &ArrayRef1<f64>) -> Vec<f32> {
        y.iter()
            .map(|&v| self.spec.y_scaler.forward(v) as f32)
            .collect()
    }

    /// Log-Jacobian that turns an NLL in standardised units into original units.
    pub fn nll_offset(&self) -> f64 {
        if self.spec.head.is_classifier() {
            0.0
        } else {
            self.spec.y_scaler.std.ln()
        }
    }

    /// The predictive distribution of one network output row, in original units.
    pub fn predictive_from_output(&self, o: &[f32]) -> Predictive {
        let floor = self.spec.sigma_floor;
        let ys = self.spec.y_scaler;
        // Never 0 (a floor of 0 and a very negative raw output underflow to it), which would
        // make log_prob NaN: the smallest normal f64 instead.
        let scale_of =
            |raw: f32| (((raw as f64).softplus() + floor) * ys.std).max(f64::MIN_POSITIVE);
        match self.spec.head {
            Head::Bernoulli => Predictive::Bernoulli {
                p: (o[0] as f64).sigmoid(),
            },
            Head::Normal => Predictive::Mixture(NormalMixture {
                weights: vec![1.0],
                locs: vec![ys.inverse(o[0] as f64)],
                scales: vec![scale_of(o[1])],
            }),
            Head::Mixture { components: k } => {
                let logits: Vec<f64> = o[..k].iter().map(|&v| v as f64).collect();
                let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let exps: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
                let total: f64 = exps.iter().sum();
                let pairs = &o[k..];
                Predictive::Mixture(NormalMixture {
                    weights: exps.iter().map(|e| e / total).collect(),
                    locs: (0..k).map(|c| ys.inverse(pairs[2 * c] as f64)).collect(),
                    scales: (0..k).map(|c| scale_of(pairs[2 * c + 1])).collect(),
                })
            }
        }
    }

    /// p(y|x) at one input row (original units): a view such as `Dataset::row(i)`, or a
    /// slice. A row of the wrong length is cut or padded with zeros (the callers build rows
    /// from the model's own input list).
    pub fn predict<'a>(&self, x: impl Into<ArrayView1<'a, f64>>) -> Predictive {
        let x = x.into();
        let first = self.network_predict(&x);
        if self.other_members.is_empty() {
            return first;
        }
        let parts: Vec<Predictive> = std::iter::once(first)
            .chain(self.other_members.iter().map(|m| m.network_predict(&x)))
            .collect();
        uniform_mixture(&parts)
    }

    fn network_predict(&self, x: &ArrayRef1<f64>) -> Predictive {
        debug_assert_eq!(x.len(), self.n_inputs(), "one value per input");
        let output_len = self.spec.head.params_size();
        let mut ws = Workspace::default();
        let mut xs = Vec::with_capacity(self.n_inputs());
        self.standardize_inputs(&x.view().insert_axis(Axis(0)), &mut xs);
        let outputs = self.mlp.forward(&xs, 1, &mut ws);
        self.predictive_from_output(&outputs[..output_len])
    }

    /// p(y|x) for every row of `x` (rows × inputs; a model without inputs takes `rows × 0`).
    /// A row of another width than `n_inputs()` is cut or padded with zeros.
    ///
    /// # Shapes
    /// `x`: `[rows, n_inputs]` → `[rows]`.
    pub fn predict_rows(&self, x: &ArrayRef2<f64>) -> Vec<Predictive> {
        let first = self.network_predict_rows(x);
        if self.other_members.is_empty() {
            return first;
        }
        let others: Vec<Vec<Predictive>> = self
            .other_members
            .iter()
            .map(|m| m.network_predict_rows(x))
            .collect();
        first
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let parts: Vec<Predictive> = std::iter::once(p)
                    .chain(others.iter().filter_map(|o| o.get(i).cloned()))
                    .collect();
                uniform_mixture(&parts)
            })
            .collect()
    }

    fn network_predict_rows(&self, x: &ArrayRef2<f64>) -> Vec<Predictive> {
        let mut result = Vec::with_capacity(x.nrows());
        self.for_each_output_chunk(x, |outputs| {
            let p = self.spec.head.params_size();
            result.extend(
                outputs
                    .chunks_exact(p)
                    .map(|o| self.predictive_from_output(o)),
            );
        });
        result
    }

    /// Runs the network over the rows of `x` (rows × inputs, see [`Model::predict_rows`]) in
    /// chunks and hands each chunk's raw outputs to `f`.
    ///
    /// # Shapes
    /// `x`: `[rows, n_inputs]`; each call of `f`: `[chunk_rows * params_size]`.
    pub fn for_each_output_chunk(&self, x: &ArrayRef2<f64>, mut f: impl FnMut(&[f32])) {
        let rows = x.nrows();
        let mut ws = Workspace::default();
        let mut xs = Vec::new();
        for start in (0..rows).step_by(EVAL_CHUNK_ROWS) {
            let end = (start + EVAL_CHUNK_ROWS).min(rows);
            self.standardize_inputs(&x.slice(s![start..end, ..]), &mut xs);
            f(self.mlp.forward(&xs, end - start, &mut ws));
        }
    }

    /// Mean NLL (original units) and, for the classifier, accuracy at threshold 0.5.
    pub fn score(&self, data: &Dataset) -> Scores {
        if self.is_ensemble() {
            return self.ensemble_score(data);
        }
        let mut ws = Workspace::default();
        let mut xs = Vec::new();
        let chunks = (0..score_chunks(data)).map(|c| self.score_chunk(data, c, &mut ws, &mut xs));
        self.scores_from_chunks(data, chunks)
    }

    /// Summed NLL (standardised units) and correct classifications of chunk `c` of `data`
    /// (see [`score_chunks`]); `ws` and `xs` are reusable buffers.
    pub fn score_chunk(
        &self,
        data: &Dataset,
        c: usize,
        ws: &mut Workspace,
        xs: &mut Vec<f32>,
    ) -> ChunkScore {
        let head = self.spec.head;
        let rows = c * EVAL_CHUNK_ROWS..((c + 1) * EVAL_CHUNK_ROWS).min(data.len());
        self.standardize_inputs(&data.x().slice(s![rows.clone(), ..]), xs);
        let outputs = self.mlp.forward(xs, rows.len(), ws);
        let y = self.standardize_targets(&data.y().slice(s![rows]));
        let nll_sum = head.nll_sum(outputs, &y, self.spec.sigma_floor as f32, None);
        let correct = if head.is_classifier() {
            outputs
                .iter()
                .zip(&y)
                .filter(|&(&l, &t)| (l > 0.0) == (t > 0.5))
                .count()
        } else {
            0
        };
        ChunkScore { nll_sum, correct }
    }

    /// The scores of `data` from its chunks' scores, summed in chunk order so that the total
    /// does not depend on which thread scored which chunk.
    pub fn scores_from_chunks(
        &self,
        data: &Dataset,
        chunks: impl IntoIterator<Item = ChunkScore>,
    ) -> Scores {
        let (mut total, mut correct) = (0.0, 0);
        for chunk in chunks {
            total += chunk.nll_sum;
            correct += chunk.correct;
        }
        let n = data.len().max(1) as f64;
        Scores {
            nll: total / n + self.nll_offset(),
            accuracy: self.spec.head.is_classifier().then(|| correct as f64 / n),
        }
    }
}

impl Model {
    /// Scores of the mixture, from each row's predictive distribution (f64 throughout).
    fn ensemble_score(&self, data: &Dataset) -> Scores {
        let predictions = self.predict_rows(&data.x());
        let n = data.len().max(1) as f64;
        let nll = -predictions
            .iter()
            .zip(data.y())
            .map(|(p, &y)| p.log_prob(y))
            .sum::<f64>()
            / n;
        let accuracy = self.spec.head.is_classifier().then(|| {
            let correct = predictions
                .iter()
                .zip(data.y())
                .filter(|&(p, &y)| (p.mean() > 0.5) == (y > 0.5))
                .count();
            correct as f64 / n
        });
        Scores { nll, accuracy }
    }
}

/// The uniform mixture of predictive distributions: the mean probability for classifiers,
/// all components with their weights divided by the number of members otherwise.
fn uniform_mixture(parts: &[Predictive]) -> Predictive {
    let n = parts.len().max(1) as f64;
    if parts
        .iter()
        .all(|p| matches!(p, Predictive::Bernoulli { .. }))
    {
        return Predictive::Bernoulli {
            p: parts.iter().map(Predictive::mean).sum::<f64>() / n,
        };
    }
    let mut mixture = NormalMixture {
        weights: Vec::new(),
        locs: Vec::new(),
        scales: Vec::new(),
    };
    for part in parts {
        if let Some(m) = part.as_mixture() {
            mixture.weights.extend(m.weights.iter().map(|w| w / n));
            mixture.locs.extend_from_slice(&m.locs);
            mixture.scales.extend_from_slice(&m.scales);
        }
    }
    Predictive::Mixture(mixture)
}

/// Number of chunks [`Model::score_chunk`] splits `data` into.
pub fn score_chunks(data: &Dataset) -> usize {
    data.len().div_ceil(EVAL_CHUNK_ROWS)
}

/// One chunk's part of [`Scores`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ChunkScore {
    pub nll_sum: f64,
    pub correct: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::activation::Activation;

    fn spec(head: Head) -> ModelSpec {
        ModelSpec {
            x_names: vec!["x".into()],
            y_name: "y".into(),
            hidden: vec![LayerSpec::new(8, Activation::Tanh)],
            head,
            sigma_floor: 1e-3,
            x_scalers: vec![Scaler {
                mean: 0.5,
                std: 2.0,
            }],
            y_scaler: Scaler {
                mean: 10.0,
                std: 3.0,
            },
        }
    }

    #[test]
    fn a_zero_floor_and_a_very_negative_raw_scale_give_no_nan() {
        // Found by tests/properties.rs: softplus(−3e38) + 0 is 0, and log_prob at a scale of 0
        // was −∞ + ∞ = NaN.
        let mut spec = spec(Head::Normal);
        spec.sigma_floor = 0.0;
        let model = Model::new(spec, 1);
        let Predictive::Mixture(m) = model.predictive_from_output(&[0.0, -3e38]) else {
            panic!("a Normal head gives a mixture");
        };
        assert!(m.scales[0] > 0.0, "scale {}", m.scales[0]);
        for y in [10.0, 11.0] {
            assert!(!m.log_prob(y).is_nan(), "log_prob({y})");
        }
    }

    #[test]
    fn score_is_in_original_units_and_agrees_with_predictive() {
        let model = Model::new(spec(Head::Mixture { components: 3 }), 1);
        let data = Dataset::new(
            vec!["x".into()],
            "y".into(),
            vec![0.0, 1.0, -2.0],
            vec![9.0, 11.0, 14.0],
        )
        .unwrap();
        let from_predictive: f64 = (0..3)
            .map(|i| -model.predict(data.row(i)).log_prob(data.y()[i]))
            .sum::<f64>()
            / 3.0;
        let scores = model.score(&data);
        assert!(
            (scores.nll - from_predictive).abs() < 1e-4,
            "{} vs {from_predictive}",
            scores.nll
        );
        assert!(scores.accuracy.is_none());
    }

    #[test]
    fn scaling_y_shifts_the_nll_by_log_std() {
        let mut a = Model::new(spec(Head::Normal), 2);
        a.spec.y_scaler = Scaler {
            mean: 0.0,
            std: 1.0,
        };
        let mut b = a.clone();
        b.spec.y_scaler = Scaler {
            mean: 0.0,
            std: 10.0,
        };
        let data_a = Dataset::new(vec!["x".into()], "y".into(), vec![0.3], vec![0.2]).unwrap();
        let data_b = Dataset::new(vec!["x".into()], "y".into(), vec![0.3], vec![2.0]).unwrap();
        let diff = b.score(&data_b).nll - a.score(&data_a).nll;
        assert!((diff - 10f64.ln()).abs() < 1e-5);
    }

    fn data() -> Dataset {
        Dataset::new(
            vec!["x".into()],
            "y".into(),
            vec![0.0, 1.0, -2.0, 0.5],
            vec![9.0, 11.0, 14.0, 10.0],
        )
        .unwrap()
    }

    #[test]
    fn predict_rows_reads_any_layout_and_pads_like_predict() {
        let mut two = spec(Head::Mixture { components: 2 });
        two.x_names.push("z".into());
        two.x_scalers.push(Scaler::IDENTITY);
        let model = Model::new(two, 6);
        let rows = ndarray::array![[0.5, -1.0], [2.0, 0.25], [-0.5, 3.0]];
        let expected: Vec<Predictive> = rows.rows().into_iter().map(|r| model.predict(r)).collect();
        assert_eq!(model.predict_rows(&rows), expected);
        // The same rows stored column-major.
        use ndarray::ShapeBuilder as _;
        let mut fortran = ndarray::Array2::zeros(rows.raw_dim().f());
        fortran.assign(&rows);
        assert!(!fortran.is_standard_layout());
        assert_eq!(model.predict_rows(&fortran), expected);
        // One column short: the missing input reads as 0, as in predict.
        let short = ndarray::array![[0.5], [2.0]];
        assert_eq!(
            model.predict_rows(&short),
            vec![model.predict(&[0.5, 0.0]), model.predict(&[2.0, 0.0])]
        );
    }

    #[test]
    fn an_ensemble_of_one_is_its_member() {
        let member = Model::new(spec(Head::Mixture { components: 3 }), 4);
        let ensemble = Model::ensemble(vec![member.clone()]).expect("ensemble");
        assert!(!ensemble.is_ensemble());
        assert_eq!(ensemble.predict(&[0.7]), member.predict(&[0.7]));
        assert_eq!(ensemble.score(&data()), member.score(&data()));
    }

    #[test]
    fn an_ensemble_is_the_uniform_mixture_of_its_members() {
        let a = Model::new(spec(Head::Mixture { components: 3 }), 4);
        let b = Model::new(spec(Head::Normal), 5);
        let ensemble = Model::ensemble(vec![a.clone(), b.clone()]).expect("ensemble");
        assert_eq!(ensemble.members(), vec![a.clone(), b.clone()]);
        let data = data();
        for i in 0..data.len() {
            let (x, y) = (data.row(i), data.y()[i]);
            let mixed = 0.5 * a.predict(x).log_prob(y).exp() + 0.5 * b.predict(x).log_prob(y).exp();
            let p = ensemble.predict(x);
            assert!((p.log_prob(y) - mixed.ln()).abs() < 1e-9);
            // The pdf integrates to 1 (trapezoid rule far into both tails).
            let m = p.as_mixture().expect("mixture");
            assert_eq!(m.len(), 4);
            let (lo, hi) = m.support(12.0);
            let grid = m.pdf_grid(lo, hi, 20_001);
            let area: f64 = grid
                .windows(2)
                .map(|w| 0.5 * (w[0].1 + w[1].1) * (w[1].0 - w[0].0))
                .sum();
            assert!((area - 1.0).abs() < 1e-6, "area {area}");
        }
        let rows = ensemble.predict_rows(&data.x());
        assert_eq!(rows[2], ensemble.predict(data.row(2)));
        let scores = ensemble.score(&data);
        let expected = -(0..data.len())
            .map(|i| ensemble.predict(data.row(i)).log_prob(data.y()[i]))
            .sum::<f64>()
            / data.len() as f64;
        assert!(scores.nll.is_finite());
        assert!((scores.nll - expected).abs() < 1e-12);
    }

    #[test]
    fn members_must_share_columns_and_kind() {
        let a = Model::new(spec(Head::Normal), 1);
        let mut other = spec(Head::Normal);
        other.y_name = "z".into();
        let err = Model::ensemble(vec![a.clone(), Model::new(other, 2)]).unwrap_err();
        assert!(err.to_string().contains("member 2"), "{err}");
        let classifier = Model::new(spec(Head::Bernoulli), 3);
        assert_eq!(
            Model::ensemble(vec![a, classifier]),
            Err(EnsembleError::MixedHeads { member: 2 })
        );
        assert_eq!(Model::ensemble(vec![]), Err(EnsembleError::Empty));
    }
}
