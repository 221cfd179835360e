//! Early stopping on the held-out NLL: the setting, and the tracker that keeps the best
//! epoch's weights and says when to stop.

use serde::{Deserialize, Serialize};

use super::records::StopReason;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EarlyStopping {
    /// Epochs without improvement of the held-out NLL before stopping.
    pub patience: usize,
    /// Improvement smaller than this (nats) does not count.
    pub min_delta: f64,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping {
            patience: 5,
            min_delta: 1e-4,
        }
    }
}

/// The best epoch so far and a copy of its weights.
#[derive(Debug, Clone, PartialEq)]
struct BestEpoch {
    epoch: usize,
    test_nll: f64,
    params: Vec<f32>,
}

/// Follows the held-out NLL epoch by epoch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EarlyStopper {
    setting: EarlyStopping,
    best: Option<BestEpoch>,
}

impl EarlyStopper {
    pub(crate) fn new(setting: EarlyStopping) -> Self {
        EarlyStopper {
            setting,
            best: None,
        }
    }

    /// Keeps the best epoch's weights but never stops the run (for an interrupted run that
    /// saves its best epoch without early stopping).
    pub(crate) fn tracking_only() -> Self {
        Self::new(EarlyStopping {
            patience: usize::MAX,
            min_delta: 0.0,
        })
    }

    /// The epoch with the lowest held-out NLL so far, that NLL and its weights.
    pub(crate) fn best(&self) -> Option<(usize, f64, &[f32])> {
        self.best
            .as_ref()
            .map(|b| (b.epoch, b.test_nll, b.params.as_slice()))
    }

    /// Records epoch `epoch`'s held-out NLL for the weights `params`. When the NLL has not
    /// improved for `patience` epochs, puts the best epoch's weights back into `params` and
    /// returns why the run stops.
    pub(crate) fn observe(
        &mut self,
        epoch: usize,
        test_nll: f64,
        params: &mut Vec<f32>,
    ) -> Option<StopReason> {
        let improved = self
            .best
            .as_ref()
            .is_none_or(|best| test_nll < best.test_nll - self.setting.min_delta);
        if improved {
            match &mut self.best {
                // Reuses the copy's buffer: no allocation after the first improvement.
                Some(best) => {
                    best.epoch = epoch;
                    best.test_nll = test_nll;
                    best.params.clone_from(params);
                }
                None => {
                    self.best = Some(BestEpoch {
                        epoch,
                        test_nll,
                        params: params.clone(),
                    });
                }
            }
            return None;
        }
        let best = self.best.as_ref()?;
        if epoch - best.epoch < self.setting.patience {
            return None;
        }
        params.clone_from(&best.params);
        Some(StopReason::EarlyStopped {
            best_epoch: best.epoch,
            best_test_nll: best.test_nll,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_after_patience_epochs_without_improvement_and_restores_the_best_weights() {
        let mut stopper = EarlyStopper::new(EarlyStopping {
            patience: 2,
            min_delta: 0.1,
        });
        let mut params = vec![1.0];
        assert_eq!(
            stopper.observe(1, 2.0, &mut params),
            None,
            "the first epoch"
        );
        params[0] = 2.0;
        assert_eq!(stopper.observe(2, 1.5, &mut params), None, "improved");
        params[0] = 3.0;
        assert_eq!(
            stopper.observe(3, 1.45, &mut params),
            None,
            "less than min_delta"
        );
        params[0] = 4.0;
        let reason = stopper.observe(4, 1.6, &mut params);
        assert_eq!(
            reason,
            Some(StopReason::EarlyStopped {
                best_epoch: 2,
                best_test_nll: 1.5
            })
        );
        assert_eq!(params, vec![2.0], "the best epoch's weights are back");
    }
}
