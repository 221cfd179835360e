//! What a run reports: one record per epoch, where the step time went, why the run ended and
//! what a single step did. Plain serialisable data, shared by the CLI, the worker and the files.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based.
    pub epoch: usize,
    /// Optimizer steps so far (whole run).
    pub steps: u64,
    /// Mean of the batch losses during this epoch (original units).
    pub train_nll: f64,
    /// NLL over the whole held-out set after this epoch (original units).
    pub test_nll: Option<f64>,
    pub test_accuracy: Option<f64>,
    /// Steps skipped so far because the loss or gradient was not finite.
    pub skipped_steps: u64,
    /// Seconds spent in training steps so far (evaluation excluded).
    pub train_secs: f64,
}

/// Where the time of the training steps went, in seconds summed over the run; their total is
/// [`Trainer::train_secs`](super::Trainer::train_secs). The parallel phases (`gradient`, `reduce`, `update`)
/// include waiting for the slowest lane; `reduce` and `update` move each parameter's data
/// between the cores, so they are the ones that suffer when the cores are far apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StepPhases {
    /// Copying the mini-batch rows (one thread).
    pub gather: f64,
    /// Forward and backward pass of every lane.
    pub gradient: f64,
    /// Summing the lanes' gradients.
    pub reduce: f64,
    /// The Adam update.
    pub update: f64,
}

impl StepPhases {
    pub fn total(&self) -> f64 {
        self.gather + self.gradient + self.reduce + self.update
    }

    /// Throughput of `steps` steps that took this long; `None` before any time has passed.
    pub fn steps_per_sec(&self, steps: u64) -> Option<f64> {
        let secs = self.total();
        (secs > 0.0).then(|| steps as f64 / secs)
    }

    /// Mean microseconds per step of each phase, for reports.
    pub fn describe_per_step(&self, steps: u64) -> String {
        let us = |secs: f64| secs * 1e6 / steps.max(1) as f64;
        format!(
            "gather {:.1} µs, gradient {:.1} µs, reduce {:.1} µs, update {:.1} µs",
            us(self.gather),
            us(self.gradient),
            us(self.reduce),
            us(self.update)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum StopReason {
    Completed,
    EarlyStopped {
        best_epoch: usize,
        best_test_nll: f64,
    },
    Diverged {
        consecutive_skipped_steps: u64,
    },
    StoppedByUser,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Completed => write!(f, "all epochs done"),
            StopReason::EarlyStopped {
                best_epoch,
                best_test_nll,
            } => write!(
                f,
                "early stopping: held-out NLL stopped improving; kept the weights of epoch {best_epoch} ({best_test_nll:.4} nats)"
            ),
            StopReason::Diverged {
                consecutive_skipped_steps,
            } => write!(
                f,
                "diverged: {consecutive_skipped_steps} steps in a row had a non-finite loss or gradient; kept the last good weights (try a lower learning rate or a larger σ floor)"
            ),
            StopReason::StoppedByUser => write!(f, "stopped by the user"),
        }
    }
}

/// What one call of [`Trainer::step`](super::Trainer::step) did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepReport {
    /// Batch loss in original units; `None` when the step was skipped (non-finite).
    pub loss: Option<f64>,
    /// Set when this step completed an epoch.
    pub epoch: Option<EpochRecord>,
}
