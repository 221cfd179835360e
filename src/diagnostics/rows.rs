//! Per-row scores of a dataset under a model: one batched forward pass per thread over a
//! contiguous block of rows, then each row's predictive distribution scored on its target.
//! Each row is computed the same way whatever the thread count, so results do not depend
//! on it.

use super::crps::crps_mixture;
use super::normal;
use crate::data::Dataset;
use crate::nn::{Model, NormalMixture, Predictive};

/// Rows below which extra threads are not worth starting.
const MIN_ROWS_PER_THREAD: usize = 2048;

/// What the regression diagnostics need of one row, in original units of y.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RowScores {
    /// u = F(y|x).
    pub pit: f64,
    pub crps: f64,
    pub log_prob: f64,
    /// Widths of the central 50 % and 90 % intervals.
    pub width_50: f64,
    pub width_90: f64,
    /// Predictive standard deviation.
    pub std: f64,
}

impl RowScores {
    pub fn of_mixture(m: &NormalMixture, y: f64) -> RowScores {
        let (mean, std) = (m.mean(), m.std());
        // Newton from the moment-matched Normal's quantile: a few steps fewer than from the mean.
        let q = |p: f64| m.quantile_near(p, mean + std * normal::quantile(p));
        RowScores {
            pit: m.cdf(y),
            crps: crps_mixture(m, y),
            log_prob: m.log_prob(y),
            width_50: q(0.75) - q(0.25),
            width_90: q(0.95) - q(0.05),
            std,
        }
    }
}

/// The number of threads meaning "all cores" for 0.
pub fn resolve_threads(threads: usize) -> usize {
    match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// [`RowScores`] of every row (a regression model; the caller checked the head).
pub fn regression_rows(model: &Model, data: &Dataset, threads: usize) -> Vec<RowScores> {
    map_rows(model, data, threads, |output, y| {
        match model.predictive_from_output(output) {
            Predictive::Mixture(m) => RowScores::of_mixture(&m, y),
            Predictive::Bernoulli { .. } => RowScores::default(),
        }
    })
}

/// p(y = 1 | x) of every row (a Bernoulli model).
pub fn probabilities(model: &Model, data: &Dataset, threads: usize) -> Vec<f64> {
    map_rows(model, data, threads, |output, _| {
        model.predictive_from_output(output).mean()
    })
}

/// `f(network output row, target)` for every row, in row order.
fn map_rows<T: Send>(
    model: &Model,
    data: &Dataset,
    threads: usize,
    f: impl Fn(&[f32], f64) -> T + Sync,
) -> Vec<T> {
    let n = data.len();
    let d = model.n_inputs();
    let params = model.head().params_size();
    let parts = resolve_threads(threads)
        .min(n.div_ceil(MIN_ROWS_PER_THREAD))
        .max(1);
    let per_part = n.div_ceil(parts).max(1);
    let f = &f;
    let block = move |start: usize| {
        let start = start.min(n);
        let end = (start + per_part).min(n);
        let mut out = Vec::with_capacity(end - start);
        let mut row = start;
        model.for_each_output_chunk(&data.x[start * d..end * d], end - start, |outputs| {
            for o in outputs.chunks_exact(params) {
                out.push(f(o, data.y[row]));
                row += 1;
            }
        });
        out
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..parts)
            .map(|p| scope.spawn(move || block(p * per_part)))
            .collect();
        let mut all = Vec::with_capacity(n);
        for handle in handles {
            match handle.join() {
                Ok(part) => all.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    })
}
