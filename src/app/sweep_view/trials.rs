//! A study's trials as the sweep view shows them, built from a journal's replay: each
//! parameter decoded with the distribution stored beside it (so journals written by Optuna
//! itself show too), the objective, the per-epoch validation NLL and the reported test NLL.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::sweep::TrialState;
use crate::sweep::journal::as_float;
use crate::sweep::replay::{Replay, TrialRecord};

/// How a parameter's axis is drawn: a numeric range (log-scaled or not) or named choices.
#[derive(Debug, Clone, PartialEq)]
pub enum Axis {
    Range {
        low: f64,
        high: f64,
        log: bool,
        int: bool,
    },
    Choice(Vec<String>),
}

impl Axis {
    /// Optuna's distribution JSON (`FloatDistribution`, `IntDistribution`,
    /// `CategoricalDistribution`); `None` for anything else.
    pub fn from_optuna_json(text: &str) -> Option<Axis> {
        let v: Value = serde_json::from_str(text).ok()?;
        let attrs = v.get("attributes")?;
        let num = |k: &str| attrs.get(k).and_then(Value::as_f64);
        let log = attrs.get("log").and_then(Value::as_bool).unwrap_or(false);
        match v.get("name")?.as_str()? {
            name @ ("FloatDistribution" | "IntDistribution") => Some(Axis::Range {
                low: num("low")?,
                high: num("high")?,
                log,
                int: name == "IntDistribution",
            }),
            "CategoricalDistribution" => Some(Axis::Choice(
                attrs
                    .get("choices")?
                    .as_array()?
                    .iter()
                    .map(|c| match c {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect(),
            )),
            _ => None,
        }
    }

    /// The stored (internal) value as shown: choices by name, whole numbers without a
    /// fraction, floats with four significant digits.
    pub fn label(&self, internal: f64) -> String {
        match self {
            Axis::Choice(names) => names
                .get(internal.max(0.0) as usize)
                .cloned()
                .unwrap_or_else(|| format!("#{internal}")),
            Axis::Range { int: true, .. } => format!("{}", internal.round() as i64),
            Axis::Range { .. } => format_float(internal),
        }
    }

    /// Where a value sits on the axis, 0 (bottom) to 1 (top): in log space for log axes,
    /// choices spread evenly.
    pub fn position(&self, internal: f64) -> f32 {
        let t = match self {
            Axis::Choice(names) if names.len() <= 1 => 0.5,
            Axis::Choice(names) => internal / (names.len() - 1) as f64,
            Axis::Range { low, high, log, .. } => {
                let (lo, hi, x) = if *log && *low > 0.0 && internal > 0.0 {
                    (low.log10(), high.log10(), internal.log10())
                } else {
                    (*low, *high, internal)
                };
                if hi > lo { (x - lo) / (hi - lo) } else { 0.5 }
            }
        };
        t.clamp(0.0, 1.0) as f32
    }

    pub fn is_log(&self) -> bool {
        matches!(self, Axis::Range { log: true, .. })
    }
}

/// `1.234e-3` for small or large numbers, `0.1234` otherwise.
pub fn format_float(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-2 || x.abs() >= 1e4) {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

/// One trial of the study, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialRow {
    pub number: usize,
    pub state: TrialState,
    /// The objective (validation NLL); finished, completed trials only.
    pub value: Option<f64>,
    /// Internal values by parameter name.
    pub params: BTreeMap<String, f64>,
    /// (epoch, validation NLL), in order.
    pub intermediate: Vec<(i64, f64)>,
    pub test_nll: Option<f64>,
    pub fail_reason: Option<String>,
}

impl TrialRow {
    fn from_record(t: &TrialRecord) -> TrialRow {
        TrialRow {
            number: t.number,
            state: t.state,
            value: t.value().filter(|_| t.state == TrialState::Complete),
            params: t
                .params
                .iter()
                .map(|(k, p)| (k.clone(), p.internal))
                .collect(),
            intermediate: t.intermediate.iter().map(|(&s, &v)| (s, v)).collect(),
            test_nll: t.user_attrs.get("test_nll").and_then(as_float),
            fail_reason: t
                .system_attrs
                .get("fail_reason")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }

    /// The last reported validation NLL (a running or pruned trial's progress).
    pub fn last_intermediate(&self) -> Option<f64> {
        self.intermediate.last().map(|&(_, v)| v)
    }
}

/// The trials of one study with the axes of their parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StudyView {
    pub name: String,
    pub trials: Vec<TrialRow>,
    /// Each searched parameter, in name order, with its axis (from the first trial that
    /// stored it).
    pub axes: Vec<(String, Axis)>,
}

impl StudyView {
    /// The study `name` of the replay, or its first study when there is no such study.
    pub fn from_replay(replay: &Replay, name: Option<&str>) -> Option<StudyView> {
        let names = replay.study_names();
        let name = name
            .filter(|n| names.iter().any(|m| m == n))
            .map(str::to_owned)
            .or_else(|| names.first().cloned())?;
        let study = replay.study_by_name(&name)?;
        let records = replay.trials_of(study.study_id);
        let mut axes: BTreeMap<String, Axis> = BTreeMap::new();
        for t in &records {
            for (k, p) in &t.params {
                if !axes.contains_key(k)
                    && let Some(axis) = Axis::from_optuna_json(&p.distribution)
                {
                    axes.insert(k.clone(), axis);
                }
            }
        }
        Some(StudyView {
            name,
            trials: records.iter().map(|t| TrialRow::from_record(t)).collect(),
            axes: axes.into_iter().collect(),
        })
    }

    /// The completed trial with the lowest objective.
    pub fn best(&self) -> Option<&TrialRow> {
        self.trials
            .iter()
            .filter(|t| t.value.is_some_and(f64::is_finite))
            .min_by(|a, b| {
                a.value
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.value.unwrap_or(f64::INFINITY))
            })
    }

    /// How many trials are in each state: (running, complete, pruned, failed).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let n = |s: TrialState| self.trials.iter().filter(|t| t.state == s).count();
        (
            n(TrialState::Running) + n(TrialState::Waiting),
            n(TrialState::Complete),
            n(TrialState::Pruned),
            n(TrialState::Fail),
        )
    }

    /// (trial number, lowest objective so far) after each completed trial.
    pub fn best_so_far(&self) -> Vec<[f64; 2]> {
        let mut best = f64::INFINITY;
        let mut points = Vec::new();
        for t in &self.trials {
            if let Some(v) = t.value.filter(|v| v.is_finite())
                && v < best
            {
                best = v;
            }
            if best.is_finite() {
                points.push([t.number as f64, best]);
            }
        }
        points
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn trials_decode_with_their_stored_distributions() {
        let mut replay = Replay::default();
        let choice =
            r#"{"name": "CategoricalDistribution", "attributes": {"choices": ["relu", "tanh"]}}"#;
        let lr = r#"{"name": "FloatDistribution", "attributes": {"step": null, "low": 0.0001, "high": 0.1, "log": true}}"#;
        for log in [
            json!({"op_code": 0, "worker_id": "a", "study_name": "s", "directions": [1]}),
            json!({"op_code": 4, "worker_id": "a", "study_id": 0, "datetime_start": "x"}),
            json!({"op_code": 5, "worker_id": "a", "trial_id": 0, "param_name": "activation", "param_value_internal": 1, "distribution": choice}),
            json!({"op_code": 5, "worker_id": "a", "trial_id": 0, "param_name": "lr", "param_value_internal": 0.001, "distribution": lr}),
            json!({"op_code": 7, "worker_id": "a", "trial_id": 0, "step": 1, "intermediate_value": 1.5}),
            json!({"op_code": 6, "worker_id": "a", "trial_id": 0, "state": 1, "values": [1.25]}),
            json!({"op_code": 4, "worker_id": "a", "study_id": 0, "datetime_start": "x"}),
            json!({"op_code": 6, "worker_id": "a", "trial_id": 1, "state": 1, "values": [1.0]}),
            json!({"op_code": 4, "worker_id": "a", "study_id": 0, "datetime_start": "x"}),
        ] {
            replay.apply(&log);
        }
        let view = StudyView::from_replay(&replay, None).expect("a study");
        assert_eq!(view.name, "s");
        assert_eq!(view.trials.len(), 3);
        let (name, axis) = &view.axes[0];
        assert_eq!(name, "activation");
        assert_eq!(axis.label(1.0), "tanh");
        assert!(view.axes[1].1.is_log());
        assert!(
            (view.axes[1].1.position(0.01) - 2.0 / 3.0).abs() < 1e-6,
            "log axis"
        );
        assert_eq!(view.best().map(|t| t.number), Some(1));
        assert_eq!(view.counts(), (1, 2, 0, 0));
        assert_eq!(
            view.best_so_far(),
            vec![[0.0, 1.25], [1.0, 1.0], [2.0, 1.0]]
        );
    }
}
