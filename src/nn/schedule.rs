//! Learning-rate schedules: the setting, its text form (`--schedule cosine:warmup=2`), and the
//! rate each step uses. Constant, cosine decay with linear warmup, step decay, and
//! reduce-on-plateau on the held-out NLL, whose state is plain serialisable data.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How the learning rate changes over a run, as a factor on the configured rate.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LrSchedule {
    /// The configured rate at every step (the default).
    #[default]
    Constant,
    /// Linear warmup from rate/W to the rate over the first `warmup_epochs` (W steps), then
    /// half a cosine down to `min_factor` × the rate at the last step.
    Cosine {
        warmup_epochs: usize,
        min_factor: f64,
    },
    /// The rate times `gamma` every `every_epochs` epochs (PyTorch's `StepLR`).
    Step { every_epochs: usize, gamma: f64 },
    /// The rate times `factor` whenever the held-out NLL has not improved by `min_delta` for
    /// `patience` epochs (like early stopping; PyTorch's `ReduceLROnPlateau` waits one epoch
    /// more).
    Plateau {
        patience: usize,
        factor: f64,
        min_delta: f64,
    },
}

/// Where a step sits in the run, which is all a schedule needs besides the plateau state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepPosition {
    /// 0-based index of the step about to be taken (skipped steps count).
    pub step: u64,
    /// 0-based index of the epoch it belongs to.
    pub epoch: usize,
    pub steps_per_epoch: usize,
    /// Epochs in the run.
    pub epochs: usize,
}

impl LrSchedule {
    pub const NAMES: [&'static str; 4] = ["constant", "cosine", "step", "plateau"];

    pub fn name(&self) -> &'static str {
        match self {
            LrSchedule::Constant => "constant",
            LrSchedule::Cosine { .. } => "cosine",
            LrSchedule::Step { .. } => "step",
            LrSchedule::Plateau { .. } => "plateau",
        }
    }

    /// The schedule `name` with its default parameters.
    pub fn from_name(name: &str) -> Option<LrSchedule> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "constant" => LrSchedule::Constant,
            "cosine" => LrSchedule::Cosine {
                warmup_epochs: 0,
                min_factor: 0.0,
            },
            "step" => LrSchedule::Step {
                every_epochs: 10,
                gamma: 0.1,
            },
            "plateau" => LrSchedule::Plateau {
                patience: 10,
                factor: 0.1,
                min_delta: 1e-4,
            },
            _ => return None,
        })
    }

    /// The factor on the configured rate at `at`, before any plateau reduction.
    pub fn factor(&self, at: StepPosition) -> f64 {
        match *self {
            LrSchedule::Constant | LrSchedule::Plateau { .. } => 1.0,
            LrSchedule::Cosine {
                warmup_epochs,
                min_factor,
            } => {
                let warmup = (warmup_epochs * at.steps_per_epoch) as u64;
                let total = (at.epochs * at.steps_per_epoch) as u64;
                if at.step < warmup {
                    (at.step + 1) as f64 / warmup as f64
                } else {
                    let progress =
                        (at.step - warmup) as f64 / total.saturating_sub(warmup).max(1) as f64;
                    let cosine = 0.5 * (1.0 + (std::f64::consts::PI * progress.min(1.0)).cos());
                    min_factor + (1.0 - min_factor) * cosine
                }
            }
            LrSchedule::Step {
                every_epochs,
                gamma,
            } => {
                let cuts = at.epoch / every_epochs.max(1);
                gamma.powi(i32::try_from(cuts).unwrap_or(i32::MAX))
            }
        }
    }

    /// Parses `constant`, `cosine[:warmup=N,min=F]`, `step[:every=N,gamma=F]` or
    /// `plateau[:patience=N,factor=F,min_delta=F]`; missing keys take their defaults.
    pub fn parse(text: &str) -> Result<LrSchedule, ScheduleSyntaxError> {
        let (name, params) = text.split_once(':').unwrap_or((text, ""));
        let mut schedule = LrSchedule::from_name(name)
            .ok_or_else(|| ScheduleSyntaxError::UnknownSchedule(name.trim().to_owned()))?;
        for pair in params.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| ScheduleSyntaxError::MissingValue(pair.to_owned()))?;
            schedule.set(key.trim(), value.trim())?;
        }
        Ok(schedule)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), ScheduleSyntaxError> {
        let bad = || ScheduleSyntaxError::BadValue {
            key: key.to_owned(),
            value: value.to_owned(),
        };
        let whole = || value.parse::<usize>().ok().ok_or_else(bad);
        let real = || value.parse::<f64>().ok().ok_or_else(bad);
        match (self, key) {
            (LrSchedule::Cosine { warmup_epochs, .. }, "warmup") => *warmup_epochs = whole()?,
            (LrSchedule::Cosine { min_factor, .. }, "min") => *min_factor = real()?,
            (LrSchedule::Step { every_epochs, .. }, "every") => *every_epochs = whole()?,
            (LrSchedule::Step { gamma, .. }, "gamma") => *gamma = real()?,
            (LrSchedule::Plateau { patience, .. }, "patience") => *patience = whole()?,
            (LrSchedule::Plateau { factor, .. }, "factor") => *factor = real()?,
            (LrSchedule::Plateau { min_delta, .. }, "min_delta") => *min_delta = real()?,
            (schedule, _) => {
                return Err(ScheduleSyntaxError::UnknownKey {
                    schedule: schedule.name(),
                    key: key.to_owned(),
                    keys: schedule.keys(),
                });
            }
        }
        Ok(())
    }

    fn keys(&self) -> &'static str {
        match self {
            LrSchedule::Constant => "none",
            LrSchedule::Cosine { .. } => "warmup, min",
            LrSchedule::Step { .. } => "every, gamma",
            LrSchedule::Plateau { .. } => "patience, factor, min_delta",
        }
    }
}

/// The text form that [`LrSchedule::parse`] reads back.
impl fmt::Display for LrSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LrSchedule::Constant => write!(f, "constant"),
            LrSchedule::Cosine {
                warmup_epochs,
                min_factor,
            } => write!(f, "cosine:warmup={warmup_epochs},min={min_factor}"),
            LrSchedule::Step {
                every_epochs,
                gamma,
            } => write!(f, "step:every={every_epochs},gamma={gamma}"),
            LrSchedule::Plateau {
                patience,
                factor,
                min_delta,
            } => write!(
                f,
                "plateau:patience={patience},factor={factor},min_delta={min_delta}"
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleSyntaxError {
    #[error("unknown schedule \"{0}\" (one of constant, cosine, step, plateau)")]
    UnknownSchedule(String),
    #[error("\"{0}\" is not KEY=VALUE")]
    MissingValue(String),
    #[error("{schedule} has no setting \"{key}\" (its settings: {keys})")]
    UnknownKey {
        schedule: &'static str,
        key: String,
        keys: &'static str,
    },
    #[error("{key}={value}: \"{value}\" is not a valid number here")]
    BadValue { key: String, value: String },
}

/// The state of reduce-on-plateau, updated at each epoch end: plain data, so a paused or
/// saved run resumes exactly.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlateauState {
    /// Product of all reductions so far (1 = none).
    pub factor: f64,
    pub best_test_nll: Option<f64>,
    pub epochs_without_improvement: usize,
}

impl Default for PlateauState {
    fn default() -> Self {
        PlateauState {
            factor: 1.0,
            best_test_nll: None,
            epochs_without_improvement: 0,
        }
    }
}

impl PlateauState {
    /// Takes an epoch's held-out NLL; cuts the rate when `schedule` is reduce-on-plateau
    /// and the NLL has not improved for its patience. Other schedules leave the state alone.
    pub fn observe(&mut self, schedule: &LrSchedule, test_nll: f64) {
        let LrSchedule::Plateau {
            patience,
            factor,
            min_delta,
        } = *schedule
        else {
            return;
        };
        if self
            .best_test_nll
            .is_none_or(|best| test_nll < best - min_delta)
        {
            self.best_test_nll = Some(test_nll);
            self.epochs_without_improvement = 0;
            return;
        }
        self.epochs_without_improvement += 1;
        if self.epochs_without_improvement >= patience {
            self.factor *= factor;
            self.epochs_without_improvement = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(step: u64, steps_per_epoch: usize, epochs: usize) -> StepPosition {
        StepPosition {
            step,
            epoch: step as usize / steps_per_epoch,
            steps_per_epoch,
            epochs,
        }
    }

    #[test]
    fn constant_is_one_everywhere() {
        for step in [0, 7, 1000] {
            assert_eq!(LrSchedule::Constant.factor(at(step, 4, 300)), 1.0, "{step}");
        }
    }

    #[test]
    fn cosine_warms_up_linearly_then_decays_to_the_minimum() {
        // 2 epochs of 4 steps, 1 of them warmup: warmup steps 0–3, decay over steps 4–7.
        let cosine = LrSchedule::Cosine {
            warmup_epochs: 1,
            min_factor: 0.0,
        };
        let factors: Vec<f64> = (0..8).map(|s| cosine.factor(at(s, 4, 2))).collect();
        let half_sqrt2 = std::f64::consts::FRAC_1_SQRT_2 / 2.0;
        let expected = [
            0.25,
            0.5,
            0.75,
            1.0,
            1.0,
            0.5 + half_sqrt2, // cos(π/4)
            0.5,
            0.5 - half_sqrt2, // cos(3π/4)
        ];
        for (step, (got, want)) in factors.iter().zip(expected).enumerate() {
            assert!((got - want).abs() < 1e-12, "step {step}: {got} vs {want}");
        }
        let floor = LrSchedule::Cosine {
            warmup_epochs: 0,
            min_factor: 0.1,
        };
        assert_eq!(
            floor.factor(at(0, 4, 2)),
            1.0,
            "no warmup: starts at the rate"
        );
        let middle = floor.factor(at(4, 4, 2));
        assert!((middle - 0.55).abs() < 1e-12, "0.1 + 0.9 · ½: {middle}");
    }

    #[test]
    fn step_decay_multiplies_by_gamma_every_n_epochs() {
        let step = LrSchedule::Step {
            every_epochs: 5,
            gamma: 0.5,
        };
        let by_epoch: Vec<f64> = [0, 4, 5, 9, 10, 15]
            .iter()
            .map(|&e| step.factor(at(e * 3, 3, 20)))
            .collect();
        assert_eq!(by_epoch, vec![1.0, 1.0, 0.5, 0.5, 0.25, 0.125]);
    }

    #[test]
    fn plateau_cuts_the_rate_after_patience_epochs_without_improvement() {
        let plateau = LrSchedule::Plateau {
            patience: 2,
            factor: 0.5,
            min_delta: 0.01,
        };
        let mut state = PlateauState::default();
        let mut factors = Vec::new();
        for nll in [1.0, 0.9, 0.895, 0.95, 0.8, 0.81, 0.82, 0.83, 0.84] {
            state.observe(&plateau, nll);
            factors.push(state.factor);
        }
        // 0.895 is no improvement on 0.9 (min_delta 0.01); 0.8 is, and resets the count.
        assert_eq!(
            factors,
            vec![1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.125]
        );
        let mut untouched = PlateauState::default();
        untouched.observe(&LrSchedule::Constant, 1.0);
        assert_eq!(
            untouched,
            PlateauState::default(),
            "other schedules ignore it"
        );
    }

    #[test]
    fn the_text_form_parses_and_round_trips() {
        assert_eq!(
            LrSchedule::parse("cosine:warmup=2"),
            Ok(LrSchedule::Cosine {
                warmup_epochs: 2,
                min_factor: 0.0
            })
        );
        assert_eq!(
            LrSchedule::parse("step:every=5,gamma=0.5"),
            Ok(LrSchedule::Step {
                every_epochs: 5,
                gamma: 0.5
            })
        );
        assert_eq!(
            LrSchedule::parse("Plateau: patience=3, factor=0.5"),
            Ok(LrSchedule::Plateau {
                patience: 3,
                factor: 0.5,
                min_delta: 1e-4
            })
        );
        for name in LrSchedule::NAMES {
            let schedule = LrSchedule::from_name(name).expect("a known name");
            assert_eq!(LrSchedule::parse(&schedule.to_string()), Ok(schedule));
        }
    }

    #[test]
    fn bad_text_names_the_problem() {
        let message = |text: &str| LrSchedule::parse(text).expect_err("refused").to_string();
        assert!(message("linear").contains("unknown schedule \"linear\""));
        assert!(message("cosine:warmup").contains("\"warmup\" is not KEY=VALUE"));
        let unknown = message("step:every=5,warmup=2");
        assert!(
            unknown.contains("step has no setting \"warmup\"") && unknown.contains("every, gamma"),
            "{unknown}"
        );
        assert!(message("cosine:warmup=two").contains("warmup=two"));
    }
}
