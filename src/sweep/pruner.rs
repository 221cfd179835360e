//! Stopping poor trials early on their per-epoch validation NLL, with the defaults of Optuna's
//! `MedianPruner` and `SuccessiveHalvingPruner` (ASHA). Both compare against the trials they
//! are shown (finished ones), so a decision depends on the seed and the trial order only.

use std::collections::BTreeMap;

use super::replay::TrialState;
use super::sampler::Observed;

/// MedianPruner's `n_startup_trials`: no pruning before this many trials completed.
pub const MEDIAN_STARTUP_TRIALS: usize = 5;
/// SuccessiveHalvingPruner's `reduction_factor`.
pub const ASHA_REDUCTION_FACTOR: i64 = 4;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum PrunerKind {
    None,
    Median,
    Asha,
}

/// ASHA's rung key, as Optuna stores it in the trial's system attributes.
pub fn rung_key(rung: usize) -> String {
    format!("completed_rung_{rung}")
}

/// Whether the trial with these intermediate values (last one at `step`) should stop.
/// ASHA records the rungs the trial passes in `rungs` (to be written to the journal).
pub fn should_prune(
    kind: PrunerKind,
    step: i64,
    intermediate: &BTreeMap<i64, f64>,
    others: &[Observed],
    rungs: &mut BTreeMap<usize, f64>,
) -> bool {
    match kind {
        PrunerKind::None => false,
        PrunerKind::Median => median(step, intermediate, others),
        PrunerKind::Asha => asha(step, intermediate, others, rungs),
    }
}

/// `PercentilePruner(50)`: prune when the best value so far is worse than the median of the
/// completed trials' values at this step.
fn median(step: i64, intermediate: &BTreeMap<i64, f64>, others: &[Observed]) -> bool {
    let completed: Vec<&Observed> = others
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .collect();
    if completed.len() < MEDIAN_STARTUP_TRIALS {
        return false;
    }
    let best = intermediate
        .values()
        .copied()
        .filter(|v| !v.is_nan())
        .fold(f64::NAN, f64::min);
    if best.is_nan() {
        return true;
    }
    let mut at_step: Vec<f64> = completed
        .iter()
        .filter_map(|t| t.intermediate.get(&step).copied())
        .filter(|v| !v.is_nan())
        .collect();
    if at_step.is_empty() {
        return false;
    }
    best > percentile_50(&mut at_step)
}

/// numpy's default (linear) percentile at 50.
fn percentile_50(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let pos = 0.5 * (values.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
}

/// Asynchronous successive halving: min_resource from the longest completed trial / 100,
/// rungs at min_resource · 4^r; at each rung a trial goes on only if it is in the best
/// quarter of the values recorded at that rung.
fn asha(
    step: i64,
    intermediate: &BTreeMap<i64, f64>,
    others: &[Observed],
    rungs: &mut BTreeMap<usize, f64>,
) -> bool {
    let Some(&value) = intermediate.get(&step) else {
        return false;
    };
    let Some(last_step) = others
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .filter_map(|t| t.intermediate.keys().next_back().copied())
        .max()
    else {
        return false;
    };
    let min_resource = (last_step / 100).max(1);
    let mut rung = rungs.len();
    loop {
        let promotion_step = min_resource * ASHA_REDUCTION_FACTOR.pow(rung as u32);
        if step < promotion_step {
            return false;
        }
        if value.is_nan() {
            return true;
        }
        rungs.insert(rung, value);
        let mut competing: Vec<f64> = others
            .iter()
            .filter_map(|t| t.rungs.get(&rung).copied())
            .collect();
        competing.push(value);
        competing.sort_by(f64::total_cmp);
        let index = (competing.len() / ASHA_REDUCTION_FACTOR as usize).saturating_sub(1);
        if value > competing[index] {
            return true;
        }
        rung += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(number: usize, curve: &[f64], rungs: &[(usize, f64)]) -> Observed {
        Observed {
            number,
            state: TrialState::Complete,
            params: Default::default(),
            value: curve.last().copied(),
            intermediate: curve
                .iter()
                .enumerate()
                .map(|(i, &v)| (i as i64 + 1, v))
                .collect(),
            rungs: rungs.iter().copied().collect(),
        }
    }

    fn curve(values: &[f64]) -> BTreeMap<i64, f64> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| (i as i64 + 1, v))
            .collect()
    }

    #[test]
    fn median_prunes_worse_than_median_after_five_completed() {
        let others: Vec<Observed> = (0..5)
            .map(|i| trial(i, &[1.0 + i as f64 * 0.1, 0.9 + i as f64 * 0.1], &[]))
            .collect();
        let mut rungs = BTreeMap::new();
        // Median at step 2 is 1.1.
        assert!(should_prune(
            PrunerKind::Median,
            2,
            &curve(&[1.5, 1.2]),
            &others,
            &mut rungs
        ));
        assert!(!should_prune(
            PrunerKind::Median,
            2,
            &curve(&[1.5, 1.0]),
            &others,
            &mut rungs
        ));
        assert!(!should_prune(
            PrunerKind::Median,
            2,
            &curve(&[1.5, 1.2]),
            &others[..4],
            &mut rungs
        ));
        assert!(!should_prune(
            PrunerKind::None,
            2,
            &curve(&[9.0, 9.0]),
            &others,
            &mut rungs
        ));
    }

    #[test]
    fn asha_keeps_the_best_quarter_at_each_rung() {
        // Completed trials of 300 epochs: min_resource 3, rungs at 3, 12, 48, 192.
        let long: Vec<f64> = vec![1.0; 300];
        let others: Vec<Observed> = (0..4)
            .map(|i| trial(i, &long, &[(0, 1.0 + 0.1 * i as f64)]))
            .collect();
        let mut rungs = BTreeMap::new();
        assert!(!should_prune(
            PrunerKind::Asha,
            2,
            &curve(&[2.0, 2.0]),
            &others,
            &mut rungs
        ));
        assert!(rungs.is_empty());
        // At rung 0 five values compete: only the best (index 5/4 − 1 = 0) goes on.
        assert!(should_prune(
            PrunerKind::Asha,
            3,
            &curve(&[2.0, 2.0, 1.05]),
            &others,
            &mut rungs
        ));
        assert_eq!(rungs.get(&0), Some(&1.05));
        let mut rungs = BTreeMap::new();
        assert!(!should_prune(
            PrunerKind::Asha,
            3,
            &curve(&[2.0, 2.0, 0.5]),
            &others,
            &mut rungs
        ));
        assert_eq!(rungs.len(), 1);
        assert!(!should_prune(
            PrunerKind::Asha,
            4,
            &curve(&[2.0, 2.0, 0.5, 0.5]),
            &others,
            &mut rungs
        ));
    }
}
