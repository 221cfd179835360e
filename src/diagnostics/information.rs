//! How much the inputs tell about y: NLL(p(y)) − NLL(p(y|x)) in nats per row, the held-out
//! estimate of the mutual information I(x; y) that the conditional model captures beyond
//! the unconditional (no-input) one.

use crate::data::Dataset;
use crate::nn::Model;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InformationError {
    #[error("the baseline model has {0} inputs; p(y) must have none")]
    BaselineHasInputs(usize),
    #[error("the baseline models \"{baseline}\" but the conditional model \"{conditional}\"")]
    Targets {
        baseline: String,
        conditional: String,
    },
    #[error("no rows to score")]
    NoRows,
}

/// NLL(p(y)) − NLL(p(y|x)) on `data` (the conditional model's columns), both in original
/// units of y. Positive: the inputs carry that many nats per row.
pub fn input_information(
    conditional: &Model,
    baseline: &Model,
    data: &Dataset,
) -> Result<f64, InformationError> {
    if baseline.n_inputs() != 0 {
        return Err(InformationError::BaselineHasInputs(baseline.n_inputs()));
    }
    if baseline.spec.y_name != conditional.spec.y_name {
        return Err(InformationError::Targets {
            baseline: baseline.spec.y_name.clone(),
            conditional: conditional.spec.y_name.clone(),
        });
    }
    if data.is_empty() {
        return Err(InformationError::NoRows);
    }
    let targets_only = data.without_inputs();
    Ok(baseline.score(&targets_only).nll - conditional.score(data).nll)
}
