//! What the CLI does with a model once it has loaded: predictions for `predict`, the numbers
//! of `eval`, and the posterior and loss figures of `figure` (where a hang was once found).

use density_workbench::export::ModelFile;
use density_workbench::export::figures::{
    Figure, ImageFormat, LossFigure, PosteriorFigure, RenderOptions, render_figure,
};
use density_workbench::export::predictions_csv;
use density_workbench::ndarray::{Axis, aview1};
use density_workbench::nn::{Model, Predictive};

/// Input rows the model is asked about: zeros, the edges of the accepted range, and values
/// taken from the fuzzer's bytes.
fn rows(model: &Model, seed: &[u8]) -> Vec<Vec<f64>> {
    let d = model.n_inputs();
    let mut rows = vec![vec![0.0; d], vec![1e30; d], vec![-1e30; d]];
    let from_bytes = seed
        .chunks(8)
        .take(4)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..c.len()].copy_from_slice(c);
            f64::from_le_bytes(b)
        })
        .filter(|v| v.is_finite())
        .map(|v| vec![v; d]);
    rows.extend(from_bytes);
    rows
}

fn ask(predictive: &Predictive) {
    let _ = predictive.mean();
    let _ = predictive.std();
    for y in [0.0, 1.0, -1e30, 1e30] {
        let _ = predictive.log_prob(y);
    }
    if let Some(mixture) = predictive.as_mixture() {
        let _ = mixture.cdf(0.0);
        let _ = mixture.quantile(0.5);
        let _ = mixture.interval(0.95);
        let _ = mixture.mode();
        let (lo, hi) = mixture.support(4.0);
        let _ = mixture.pdf_grid(lo, hi, 16);
    }
}

pub fn exercise(model: &Model, file: &ModelFile, seed: &[u8]) {
    let options = RenderOptions::new(320, 200);
    for row in rows(model, seed) {
        let predictive = model.predict(&row);
        ask(&predictive);
        let one_row = aview1(&row).insert_axis(Axis(0));
        let _ = predictions_csv(model, &one_row, None);
        let figure = PosteriorFigure::for_model(model, &predictive, row);
        let _ = render_figure(&Figure::Posterior(figure), ImageFormat::Svg, &options);
    }
    if let Some(history) = file.training.as_ref().map(|t| t.history.as_slice())
        && !history.is_empty()
    {
        let figure = LossFigure::new(history);
        let _ = render_figure(&Figure::Loss(figure), ImageFormat::Svg, &options);
    }
}
