//! One study in a journal file: found or created, checked against the space and data of this
//! sweep, its abandoned trials marked FAIL, and the operations a trial needs written in
//! Optuna's form. Every write is followed by a read, so the in-memory replay is always the
//! file's content (other processes' lines included).

use serde_json::{Value, json};

use super::ids;
use super::journal::{JournalError, JournalFile, Log, Op};
use super::replay::{Replay, StudyRecord, TrialRecord, TrialState};
use super::sampler::Observed;
use super::space::{Params, Space};

/// Study user attributes with this sweep's space and data.
pub const SPACE_ATTR: &str = "dw:space";
pub const DATA_ATTR: &str = "dw:data";
/// Trial system attributes naming the process that runs it and when it last wrote.
pub const OWNER_ATTR: &str = "dw:owner";
pub const HEARTBEAT_ATTR: &str = "dw:heartbeat";
/// A running trial whose owner has not written for this long is taken as abandoned.
pub const STALE_SECS: f64 = 600.0;
/// Optuna's `StudyDirection.MINIMIZE`.
const MINIMIZE: u64 = 1;

pub struct Study {
    pub journal: JournalFile,
    pub replay: Replay,
    pub study_id: usize,
    pub name: String,
    host: String,
    pid: u32,
    /// Trials this run marked FAIL when it opened the study.
    pub recovered: Vec<usize>,
}

impl Study {
    /// Opens the study `name` of the journal at `path`, creating it if the journal has no
    /// study yet. Refuses a journal whose study belongs to another space or other data, or
    /// that holds only other studies.
    pub fn open(
        path: &std::path::Path,
        name: &str,
        space: &Space,
        data: &Value,
        worker_id: &str,
    ) -> Result<Study, JournalError> {
        let mut journal = JournalFile::open(path)?;
        let mut replay = Replay::default();
        for log in journal.read_new()? {
            replay.apply(&log);
        }
        if journal.cut_tail {
            eprintln!(
                "warning: {}: the last line is cut (a crash mid-write?); it is skipped, as Optuna does",
                path.display()
            );
        }
        let refuse = |detail: String| JournalError::Refused {
            path: path.to_path_buf(),
            detail,
        };
        let study_id = match replay.study_by_name(name) {
            Some(study) => {
                check_study(study, &replay, space, data).map_err(refuse)?;
                study.study_id
            }
            None if !replay.study_names().is_empty() => {
                return Err(refuse(format!(
                    "holds the stud{} {} but not \"{name}\"; pass --study-name to resume one of them, or use a new journal file",
                    if replay.study_names().len() == 1 {
                        "y"
                    } else {
                        "ies"
                    },
                    replay
                        .study_names()
                        .iter()
                        .map(|n| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            None => {
                journal.append(
                    &[Log::new(
                        Op::CreateStudy,
                        vec![
                            ("study_name", json!(name)),
                            ("directions", json!([MINIMIZE])),
                        ],
                    )],
                    worker_id,
                )?;
                for log in journal.read_new()? {
                    replay.apply(&log);
                }
                let id = replay
                    .study_by_name(name)
                    .map(|s| s.study_id)
                    .ok_or_else(|| refuse(format!("the study \"{name}\" could not be created")))?;
                let attrs = [(SPACE_ATTR, space.fingerprint()), (DATA_ATTR, data.clone())]
                    .into_iter()
                    .map(|(key, value)| {
                        Log::new(
                            Op::SetStudyUserAttr,
                            vec![
                                ("study_id", json!(id)),
                                ("user_attr", one_entry(key, value)),
                            ],
                        )
                    })
                    .collect::<Vec<_>>();
                journal.append(&attrs, worker_id)?;
                id
            }
        };
        let mut study = Study {
            journal,
            replay,
            study_id,
            name: name.into(),
            host: ids::hostname(),
            pid: std::process::id(),
            recovered: Vec::new(),
        };
        study.sync()?;
        study.fail_abandoned(worker_id)?;
        Ok(study)
    }

    /// Reads what was appended since the last read (by anyone).
    pub fn sync(&mut self) -> Result<(), JournalError> {
        for log in self.journal.read_new()? {
            self.replay.apply(&log);
        }
        Ok(())
    }

    pub fn study(&self) -> Option<&StudyRecord> {
        self.replay.study_by_name(&self.name)
    }

    pub fn trials(&self) -> Vec<&TrialRecord> {
        self.replay.trials_of(self.study_id)
    }

    /// Trials that count towards `--trials`: all but the failed ones.
    pub fn counted_trials(&self) -> usize {
        self.trials()
            .iter()
            .filter(|t| t.state != TrialState::Fail)
            .count()
    }

    /// Appends and reads back.
    pub fn write(&mut self, logs: &[Log], worker_id: &str) -> Result<(), JournalError> {
        self.journal.append(logs, worker_id)?;
        self.sync()
    }

    /// Creates a RUNNING trial; returns its (trial id, number).
    pub fn create_trial(&mut self, worker_id: &str) -> Result<(usize, usize), JournalError> {
        self.write(&[self.create_log()], worker_id)?;
        self.created_by(worker_id)
    }

    /// Creates a RUNNING trial unless the study already counts `total` trials, deciding and
    /// writing as one step under the journal's lock, so workers in several processes (Slurm
    /// tasks) never start more than the total between them.
    pub fn create_trial_within(
        &mut self,
        worker_id: &str,
        total: usize,
    ) -> Result<Option<(usize, usize)>, JournalError> {
        loop {
            self.sync()?;
            if self.counted_trials() >= total {
                return Ok(None);
            }
            if self
                .journal
                .append_if_unchanged(&[self.create_log()], worker_id)?
            {
                self.sync()?;
                return self.created_by(worker_id).map(Some);
            }
        }
    }

    fn create_log(&self) -> Log {
        Log::new(
            Op::CreateTrial,
            vec![
                ("study_id", json!(self.study_id)),
                ("datetime_start", json!(ids::now_iso())),
            ],
        )
    }

    fn created_by(&self, worker_id: &str) -> Result<(usize, usize), JournalError> {
        self.replay
            .last_trial_created_by(worker_id)
            .and_then(|id| self.replay.trial(id))
            .map(|t| (t.trial_id, t.number))
            .ok_or_else(|| JournalError::Refused {
                path: self.journal.path().to_path_buf(),
                detail: "a trial this process created is missing from the journal".into(),
            })
    }

    /// The owner attribute and the parameters of a new trial.
    pub fn start_logs(&self, trial_id: usize, space: &Space, params: &Params) -> Vec<Log> {
        let mut logs = vec![
            system_attr(
                trial_id,
                OWNER_ATTR,
                json!({"host": self.host, "pid": self.pid}),
            ),
            system_attr(trial_id, HEARTBEAT_ATTR, json!(ids::unix_secs())),
        ];
        for p in &space.search {
            let Some(value) = params.get(&p.name) else {
                continue;
            };
            logs.push(Log::new(
                Op::SetTrialParam,
                vec![
                    ("trial_id", json!(trial_id)),
                    ("param_name", json!(p.name)),
                    ("param_value_internal", p.distribution.to_internal(value)),
                    ("distribution", json!(p.distribution.optuna_json())),
                ],
            ));
        }
        logs
    }

    /// Marks FAIL the RUNNING trials of this study whose owner process is gone (same machine)
    /// or silent for [`STALE_SECS`]. Trials written by other programs are left alone.
    fn fail_abandoned(&mut self, worker_id: &str) -> Result<(), JournalError> {
        let now = ids::unix_secs();
        let abandoned: Vec<(usize, usize, String)> = self
            .trials()
            .iter()
            .filter(|t| t.state == TrialState::Running)
            .filter_map(|t| {
                let owner = t.system_attrs.get(OWNER_ATTR)?;
                let host = owner.get("host")?.as_str()?;
                let pid = owner.get("pid")?.as_u64()? as u32;
                let heartbeat = t
                    .system_attrs
                    .get(HEARTBEAT_ATTR)
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0);
                let reason = if host == self.host && !ids::process_alive(pid) {
                    format!("its process ({host}, pid {pid}) ended while it was running")
                } else if now - heartbeat > STALE_SECS {
                    format!(
                        "its process ({host}, pid {pid}) has not written for {:.0} s",
                        now - heartbeat
                    )
                } else {
                    return None;
                };
                Some((t.trial_id, t.number, reason))
            })
            .collect();
        for (trial_id, number, reason) in abandoned {
            eprintln!("trial {number}: marked FAIL: {reason}");
            let logs = finish_logs(trial_id, TrialState::Fail, None, Some(&reason));
            self.write(&logs, worker_id)?;
            self.recovered.push(number);
        }
        Ok(())
    }

    /// A trial of this study as the samplers see it; `None` when its parameters do not
    /// decode in this space.
    pub fn observed(&self, trial: &TrialRecord, space: &Space) -> Option<Observed> {
        Some(Observed {
            number: trial.number,
            state: trial.state,
            params: decode_params(trial, space)?,
            value: trial.value(),
            intermediate: trial.intermediate.clone(),
            rungs: trial
                .system_attrs
                .iter()
                .filter_map(|(k, v)| {
                    let rung = k.strip_prefix("completed_rung_")?.parse().ok()?;
                    Some((rung, super::journal::as_float(v)?))
                })
                .collect(),
        })
    }
}

/// The parameters of a trial in this space's terms.
pub fn decode_params(trial: &TrialRecord, space: &Space) -> Option<Params> {
    space
        .search
        .iter()
        .map(|p| {
            let stored = trial.params.get(&p.name)?;
            Some((
                p.name.clone(),
                p.distribution.from_internal(stored.internal)?,
            ))
        })
        .collect()
}

/// `{key: value}`.
fn one_entry(key: &str, value: Value) -> Value {
    let mut map = serde_json::Map::new();
    map.insert(key.to_owned(), value);
    Value::Object(map)
}

pub fn system_attr(trial_id: usize, key: &str, value: Value) -> Log {
    Log::new(
        Op::SetTrialSystemAttr,
        vec![
            ("trial_id", json!(trial_id)),
            ("system_attr", one_entry(key, value)),
        ],
    )
}

pub fn user_attr(trial_id: usize, key: &str, value: Value) -> Log {
    Log::new(
        Op::SetTrialUserAttr,
        vec![
            ("trial_id", json!(trial_id)),
            ("user_attr", one_entry(key, value)),
        ],
    )
}

pub fn intermediate(trial_id: usize, step: i64, value: f64) -> Log {
    Log::new(
        Op::SetTrialIntermediateValue,
        vec![
            ("trial_id", json!(trial_id)),
            ("step", json!(step)),
            ("intermediate_value", json!(value)),
        ],
    )
}

/// The end of a trial, as Optuna's `tell` writes it: for FAIL the reason first (a system
/// attribute `fail_reason`), then the state with its values and completion time.
pub fn finish_logs(
    trial_id: usize,
    state: TrialState,
    value: Option<f64>,
    fail_reason: Option<&str>,
) -> Vec<Log> {
    let mut logs = Vec::new();
    if let Some(reason) = fail_reason {
        logs.push(system_attr(trial_id, "fail_reason", json!(reason)));
    }
    logs.push(Log::new(
        Op::SetTrialStateValues,
        vec![
            ("trial_id", json!(trial_id)),
            ("state", json!(state as u8)),
            ("values", value.map_or(Value::Null, |v| json!([v]))),
            ("datetime_complete", json!(ids::now_iso())),
        ],
    ));
    logs
}

/// Why a study in the journal is not this sweep's: another space or other data.
fn check_study(
    study: &StudyRecord,
    replay: &Replay,
    space: &Space,
    data: &Value,
) -> Result<(), String> {
    let name = &study.name;
    if study.directions != [MINIMIZE] {
        return Err(format!(
            "the study \"{name}\" does not minimise one objective (directions {:?})",
            study.directions
        ));
    }
    match study.user_attrs.get(SPACE_ATTR) {
        Some(stored) if *stored != space.fingerprint() => {
            return Err(format!(
                "the study \"{name}\" was run with another search space ({stored}); use the same space file, or a new journal or --study-name"
            ));
        }
        Some(_) => {}
        // Written by another program (Optuna itself): every stored parameter must be one
        // of this space's, with the same distribution.
        None => {
            for trial in replay.trials_of(study.study_id) {
                for (param, stored) in &trial.params {
                    let ours = space.search.iter().find(|p| &p.name == param);
                    match ours {
                        Some(p) if p.distribution.matches_optuna_json(&stored.distribution) => {}
                        Some(p) => {
                            return Err(format!(
                                "trial {} of the study \"{name}\" searched `{param}` with {} but this space has {}; use the same space, or a new journal or --study-name",
                                trial.number,
                                stored.distribution,
                                p.distribution.optuna_json()
                            ));
                        }
                        None => {
                            return Err(format!(
                                "trial {} of the study \"{name}\" searched `{param}`, which this space does not; use the same space, or a new journal or --study-name",
                                trial.number
                            ));
                        }
                    }
                }
            }
        }
    }
    if let Some(stored) = study.user_attrs.get(DATA_ATTR)
        && stored != data
    {
        return Err(format!(
            "the study \"{name}\" was run on other data or another validation split ({stored}, now {data}); use the same data, or a new journal or --study-name"
        ));
    }
    Ok(())
}
