//! The studies and trials a journal describes, rebuilt by replaying its lines in order with
//! the rules of Optuna's `JournalStorageReplayResult` (study and trial ids by order of
//! creation, finished trials never updated again, a second study of the same name ignored).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::journal::{Op, as_float};

/// Optuna's `TrialState` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialState {
    Running = 0,
    Complete = 1,
    Pruned = 2,
    Fail = 3,
    Waiting = 4,
}

impl TrialState {
    fn from_code(code: u64) -> Option<TrialState> {
        Some(match code {
            0 => TrialState::Running,
            1 => TrialState::Complete,
            2 => TrialState::Pruned,
            3 => TrialState::Fail,
            4 => TrialState::Waiting,
            _ => return None,
        })
    }

    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TrialState::Complete | TrialState::Pruned | TrialState::Fail
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            TrialState::Running => "RUNNING",
            TrialState::Complete => "COMPLETE",
            TrialState::Pruned => "PRUNED",
            TrialState::Fail => "FAIL",
            TrialState::Waiting => "WAITING",
        }
    }
}

/// A parameter as stored: internal value and distribution JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredParam {
    pub internal: f64,
    pub distribution: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrialRecord {
    /// Index over all studies of the file.
    pub trial_id: usize,
    /// Index within its study.
    pub number: usize,
    pub study_id: usize,
    pub state: TrialState,
    pub params: BTreeMap<String, StoredParam>,
    pub values: Option<Vec<f64>>,
    pub intermediate: BTreeMap<i64, f64>,
    pub user_attrs: Map<String, Value>,
    pub system_attrs: Map<String, Value>,
    /// Worker id of the process thread that created the trial.
    pub creator: String,
}

impl TrialRecord {
    pub fn value(&self) -> Option<f64> {
        self.values.as_ref().and_then(|v| v.first().copied())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyRecord {
    pub study_id: usize,
    pub name: String,
    pub directions: Vec<u64>,
    pub user_attrs: Map<String, Value>,
    pub system_attrs: Map<String, Value>,
    pub trial_ids: Vec<usize>,
}

#[derive(Debug, Default, Clone)]
pub struct Replay {
    studies: BTreeMap<usize, StudyRecord>,
    next_study_id: usize,
    trials: Vec<TrialRecord>,
}

impl Replay {
    pub fn study_by_name(&self, name: &str) -> Option<&StudyRecord> {
        self.studies.values().find(|s| s.name == name)
    }

    pub fn study_names(&self) -> Vec<String> {
        self.studies.values().map(|s| s.name.clone()).collect()
    }

    pub fn trial(&self, trial_id: usize) -> Option<&TrialRecord> {
        self.trials.get(trial_id)
    }

    /// The trials of a study in number order.
    pub fn trials_of(&self, study_id: usize) -> Vec<&TrialRecord> {
        self.studies
            .get(&study_id)
            .map(|s| {
                s.trial_ids
                    .iter()
                    .filter_map(|&t| self.trials.get(t))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The id of the last trial created by `worker_id`.
    pub fn last_trial_created_by(&self, worker_id: &str) -> Option<usize> {
        self.trials
            .iter()
            .rev()
            .find(|t| t.creator == worker_id)
            .map(|t| t.trial_id)
    }

    /// Applies one journal line; lines that do not fit (unknown study or trial, updates of a
    /// finished trial) are ignored, as Optuna ignores them for other workers.
    pub fn apply(&mut self, log: &Value) {
        let Some(op) = log.get("op_code").and_then(Value::as_u64) else {
            return;
        };
        let worker = log
            .get("worker_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let uint = |key: &str| log.get(key).and_then(Value::as_u64).map(|v| v as usize);
        let attr = |key: &str| -> Option<(String, Value)> {
            let map = log.get(key)?.as_object()?;
            map.iter().next().map(|(k, v)| (k.clone(), v.clone()))
        };
        match op {
            x if x == Op::CreateStudy as u64 => {
                let Some(name) = log.get("study_name").and_then(Value::as_str) else {
                    return;
                };
                if self.study_by_name(name).is_some() {
                    return;
                }
                let id = self.next_study_id;
                self.next_study_id += 1;
                let directions = log
                    .get("directions")
                    .and_then(Value::as_array)
                    .map(|d| d.iter().filter_map(Value::as_u64).collect())
                    .unwrap_or_default();
                self.studies.insert(
                    id,
                    StudyRecord {
                        study_id: id,
                        name: name.into(),
                        directions,
                        user_attrs: Map::new(),
                        system_attrs: Map::new(),
                        trial_ids: Vec::new(),
                    },
                );
            }
            x if x == Op::DeleteStudy as u64 => {
                if let Some(id) = uint("study_id") {
                    self.studies.remove(&id);
                }
            }
            x if x == Op::SetStudyUserAttr as u64 || x == Op::SetStudySystemAttr as u64 => {
                let user = x == Op::SetStudyUserAttr as u64;
                let (Some(id), Some((k, v))) = (
                    uint("study_id"),
                    attr(if user { "user_attr" } else { "system_attr" }),
                ) else {
                    return;
                };
                if let Some(study) = self.studies.get_mut(&id) {
                    let map = if user {
                        &mut study.user_attrs
                    } else {
                        &mut study.system_attrs
                    };
                    map.insert(k, v);
                }
            }
            x if x == Op::CreateTrial as u64 => self.create_trial(log, worker),
            _ => self.update_trial(op, log),
        }
    }

    fn create_trial(&mut self, log: &Value, worker: &str) {
        let Some(study_id) = log.get("study_id").and_then(Value::as_u64) else {
            return;
        };
        let study_id = study_id as usize;
        let Some(study) = self.studies.get_mut(&study_id) else {
            return;
        };
        let trial_id = self.trials.len();
        let state = log
            .get("state")
            .and_then(Value::as_u64)
            .and_then(TrialState::from_code)
            .unwrap_or(TrialState::Running);
        let object = |key: &str| {
            log.get(key)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let distributions = object("distributions");
        let params = object("params")
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    k.clone(),
                    StoredParam {
                        internal: as_float(v)?,
                        distribution: distributions.get(k)?.as_str()?.to_string(),
                    },
                ))
            })
            .collect();
        let intermediate = object("intermediate_values")
            .iter()
            .filter_map(|(k, v)| Some((k.parse().ok()?, as_float(v)?)))
            .collect();
        let values = match (log.get("values"), log.get("value")) {
            (Some(Value::Array(v)), _) => Some(v.iter().filter_map(as_float).collect()),
            (_, Some(v)) => as_float(v).map(|v| vec![v]),
            _ => None,
        };
        self.trials.push(TrialRecord {
            trial_id,
            number: study.trial_ids.len(),
            study_id,
            state,
            params,
            values,
            intermediate,
            user_attrs: object("user_attrs"),
            system_attrs: object("system_attrs"),
            creator: worker.into(),
        });
        study.trial_ids.push(trial_id);
    }

    fn update_trial(&mut self, op: u64, log: &Value) {
        let Some(trial) = log
            .get("trial_id")
            .and_then(Value::as_u64)
            .and_then(|id| self.trials.get_mut(id as usize))
        else {
            return;
        };
        if trial.state.is_finished() {
            return;
        }
        let attr = |key: &str| -> Option<(String, Value)> {
            let map = log.get(key)?.as_object()?;
            map.iter().next().map(|(k, v)| (k.clone(), v.clone()))
        };
        match op {
            x if x == Op::SetTrialParam as u64 => {
                let (Some(name), Some(internal), Some(distribution)) = (
                    log.get("param_name").and_then(Value::as_str),
                    log.get("param_value_internal").and_then(as_float),
                    log.get("distribution").and_then(Value::as_str),
                ) else {
                    return;
                };
                trial.params.insert(
                    name.into(),
                    StoredParam {
                        internal,
                        distribution: distribution.into(),
                    },
                );
            }
            x if x == Op::SetTrialStateValues as u64 => {
                let Some(state) = log
                    .get("state")
                    .and_then(Value::as_u64)
                    .and_then(TrialState::from_code)
                else {
                    return;
                };
                if state == TrialState::Running && trial.state == TrialState::Running {
                    return;
                }
                trial.state = state;
                if let Some(Value::Array(values)) = log.get("values") {
                    trial.values = Some(values.iter().filter_map(as_float).collect());
                }
            }
            x if x == Op::SetTrialIntermediateValue as u64 => {
                if let (Some(step), Some(value)) = (
                    log.get("step").and_then(Value::as_i64),
                    log.get("intermediate_value").and_then(as_float),
                ) {
                    trial.intermediate.insert(step, value);
                }
            }
            x if x == Op::SetTrialUserAttr as u64 => {
                if let Some((k, v)) = attr("user_attr") {
                    trial.user_attrs.insert(k, v);
                }
            }
            x if x == Op::SetTrialSystemAttr as u64 => {
                if let Some((k, v)) = attr("system_attr") {
                    trial.system_attrs.insert(k, v);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replay_follows_optunas_rules() {
        let mut r = Replay::default();
        let logs = [
            json!({"op_code": 0, "worker_id": "a", "study_name": "s", "directions": [1]}),
            json!({"op_code": 0, "worker_id": "b", "study_name": "s", "directions": [1]}),
            json!({"op_code": 4, "worker_id": "a", "study_id": 0, "datetime_start": "x"}),
            json!({"op_code": 5, "worker_id": "a", "trial_id": 0, "param_name": "lr", "param_value_internal": 0.01,
                   "distribution": "{\"name\": \"FloatDistribution\"}"}),
            json!({"op_code": 7, "worker_id": "a", "trial_id": 0, "step": 1, "intermediate_value": 1.5}),
            json!({"op_code": 6, "worker_id": "a", "trial_id": 0, "state": 1, "values": [1.25], "datetime_complete": "y"}),
            // Finished trials are never updated again.
            json!({"op_code": 6, "worker_id": "a", "trial_id": 0, "state": 3, "values": null}),
            json!({"op_code": 4, "worker_id": "b", "study_id": 0, "datetime_start": "x"}),
        ];
        for log in &logs {
            r.apply(log);
        }
        assert_eq!(r.study_names(), vec!["s".to_string()]);
        let trials = r.trials_of(0);
        assert_eq!(trials.len(), 2);
        assert_eq!(trials[0].state, TrialState::Complete);
        assert_eq!(trials[0].value(), Some(1.25));
        assert_eq!(trials[0].intermediate.get(&1), Some(&1.5));
        assert_eq!(trials[0].params["lr"].internal, 0.01);
        assert_eq!(trials[1].number, 1);
        assert_eq!(trials[1].state, TrialState::Running);
        assert_eq!(r.last_trial_created_by("b"), Some(1));
    }
}
