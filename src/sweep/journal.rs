//! The journal file, as Optuna's `JournalFileBackend` keeps it: one JSON object per line,
//! only ever appended to (under the lock of [`super::lock`], then flushed to disk), and read
//! from where the last read stopped. A last line without its newline is another writer's
//! line in progress or a write cut by a crash: it is left unread, as Optuna does. Transient
//! file system errors are retried with back-off ([`super::retry`]); a line is written once,
//! never twice: after a write that went through, only the flush to disk is retried.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use super::lock;
use super::pyjson::{self, COMPACT};
use super::retry::Backoff;

/// Optuna's `JournalOperation` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    CreateStudy = 0,
    DeleteStudy = 1,
    SetStudyUserAttr = 2,
    SetStudySystemAttr = 3,
    CreateTrial = 4,
    SetTrialParam = 5,
    SetTrialStateValues = 6,
    SetTrialIntermediateValue = 7,
    SetTrialUserAttr = 8,
    SetTrialSystemAttr = 9,
    DiscardTrials = 10,
}

/// One log line: its operation and fields (in Optuna's order), `worker_id` added on writing.
pub struct Log {
    pub op: Op,
    pub fields: Vec<(&'static str, Value)>,
}

impl Log {
    pub fn new(op: Op, fields: Vec<(&'static str, Value)>) -> Log {
        Log { op, fields }
    }

    fn line(&self, worker_id: &str) -> String {
        let mut fields = vec![
            ("op_code", Value::from(self.op as u8)),
            ("worker_id", Value::from(worker_id)),
        ];
        fields.extend(self.fields.iter().cloned());
        pyjson::object(&fields, COMPACT)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    Lock(#[from] lock::LockError),
    #[error("{path}, line {line}: not an Optuna journal line: {detail}")]
    Malformed {
        path: PathBuf,
        line: usize,
        detail: String,
    },
    #[error("{path}: {detail}")]
    Refused { path: PathBuf, detail: String },
}

/// The file, the read position and the time spent on it.
pub struct JournalFile {
    path: PathBuf,
    /// Bytes read and parsed so far (always at a line start).
    offset: u64,
    lines_read: usize,
    /// Set when the file ended in a line without its newline at the last read.
    pub cut_tail: bool,
    /// Line numbers of damaged complete lines that were skipped.
    pub skipped_lines: Vec<usize>,
    /// Seconds spent appending (lock, write, fsync) and reading.
    pub io_secs: f64,
    pub lines_written: usize,
    /// How transient file system errors are retried (30 s by default).
    pub backoff: Backoff,
}

impl JournalFile {
    /// Opens (creating an empty file if there is none; never truncating).
    pub fn open(path: &Path) -> Result<JournalFile, JournalError> {
        JournalFile::open_with(path, Backoff::default())
    }

    /// [`JournalFile::open`] with its own retry budget (a window following a journal must
    /// not wait 30 s for a file that was deleted).
    pub fn open_with(path: &Path, backoff: Backoff) -> Result<JournalFile, JournalError> {
        backoff
            .run(|| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
            })
            .map_err(|error| JournalError::Io {
                path: path.to_path_buf(),
                error,
            })?;
        Ok(JournalFile {
            path: path.to_path_buf(),
            offset: 0,
            lines_read: 0,
            cut_tail: false,
            skipped_lines: Vec::new(),
            io_secs: 0.0,
            lines_written: 0,
            backoff,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, error: std::io::Error) -> JournalError {
        JournalError::Io {
            path: self.path.clone(),
            error,
        }
    }

    /// The complete lines appended since the last call, parsed.
    pub fn read_new(&mut self) -> Result<Vec<Value>, JournalError> {
        let start = Instant::now();
        let bytes = self
            .backoff
            .run(|| {
                let mut file = std::fs::File::open(&self.path)?;
                file.seek(SeekFrom::Start(self.offset))?;
                let mut bytes = Vec::new();
                // Only the part after `offset`: `fs::read` would read the whole journal again.
                std::io::Read::read_to_end(&mut file, &mut bytes)?;
                Ok(bytes)
            })
            .map_err(|e| self.io(e))?;
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        self.cut_tail = complete < bytes.len();
        let mut logs = Vec::new();
        for raw in bytes[..complete].split_inclusive(|&b| b == b'\n') {
            self.lines_read += 1;
            let text = String::from_utf8_lossy(raw);
            let text = text.trim_end();
            if text.is_empty() {
                continue;
            }
            match parse_line(text) {
                Ok(value) => logs.push(value),
                // Not a journal at all: refuse it before anything is appended.
                Err(detail) if self.lines_read == 1 => {
                    return Err(JournalError::Malformed {
                        path: self.path.clone(),
                        line: 1,
                        detail,
                    });
                }
                // A line cut by a crash and ended by a later writer: skipped, as the cut
                // line was.
                Err(detail) => {
                    eprintln!(
                        "warning: {}, line {}: skipped a damaged line ({detail}); Python Optuna refuses journals with a damaged line before the last",
                        self.path.display(),
                        self.lines_read
                    );
                    self.skipped_lines.push(self.lines_read);
                }
            }
        }
        self.offset += complete as u64;
        self.io_secs += start.elapsed().as_secs_f64();
        Ok(logs)
    }

    /// Appends the logs as one write under the lock, then flushes them to disk. A cut last
    /// line is first ended with a newline, so no new line is glued onto it.
    pub fn append(&mut self, logs: &[Log], worker_id: &str) -> Result<(), JournalError> {
        self.append_if(logs, worker_id, false).map(|_| ())
    }

    /// Appends only when no one has written since this file was last read (false otherwise),
    /// so a decision made on what was read (such as "the study is not full yet") still holds
    /// when it is written, across processes.
    pub fn append_if_unchanged(
        &mut self,
        logs: &[Log],
        worker_id: &str,
    ) -> Result<bool, JournalError> {
        self.append_if(logs, worker_id, true)
    }

    fn append_if(
        &mut self,
        logs: &[Log],
        worker_id: &str,
        only_if_unchanged: bool,
    ) -> Result<bool, JournalError> {
        if logs.is_empty() {
            return Ok(true);
        }
        let start = Instant::now();
        let _guard = lock::acquire_with(&self.path, self.backoff)?;
        // A cut last line keeps the length ahead of the read position; such a file is
        // appended to as before.
        if only_if_unchanged && !self.cut_tail {
            let len = self
                .backoff
                .run(|| std::fs::metadata(&self.path))
                .map_err(|e| self.io(e))?
                .len();
            if len != self.offset {
                self.io_secs += start.elapsed().as_secs_f64();
                return Ok(false);
            }
        }
        let mut lines = String::new();
        for log in logs {
            lines.push_str(&log.line(worker_id));
            lines.push('\n');
        }
        // A write that failed part-way left a cut line: the next try ends it with a newline
        // first, so the lines are whole once (the cut copy is skipped on reading).
        let file = self
            .backoff
            .run(|| {
                let mut file = std::fs::OpenOptions::new().append(true).open(&self.path)?;
                let text = if ends_without_newline(&self.path)? {
                    format!("\n{lines}")
                } else {
                    lines.clone()
                };
                file.write_all(text.as_bytes())?;
                Ok(file)
            })
            .map_err(|e| self.io(e))?;
        self.backoff
            .run(|| file.sync_data())
            .map_err(|e| self.io(e))?;
        self.lines_written += logs.len();
        self.io_secs += start.elapsed().as_secs_f64();
        Ok(true)
    }
}

fn ends_without_newline(path: &Path) -> std::io::Result<bool> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

/// One line as JSON; Python's `NaN`, `Infinity` and `-Infinity` (which `json.dumps` writes for
/// non-finite floats) are read as such. Lines without an `op_code` are refused.
pub fn parse_line(text: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(v) if v.get("op_code").and_then(Value::as_u64).is_some() => Ok(v),
        Ok(_) => Err("no op_code".into()),
        Err(first) => {
            let replaced = replace_non_finite(text);
            if replaced == text {
                return Err(first.to_string());
            }
            serde_json::from_str(&replaced).map_err(|_second| first.to_string())
        }
    }
}

/// Replaces bare NaN / Infinity tokens outside strings by strings serde_json can carry; the
/// replay turns them back into floats.
fn replace_non_finite(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t));
        if let Some(token) = token {
            out.push_str(&format!("\"{token}\""));
            rest = &rest[token.len()..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// A float from a journal value, including Python's non-finite tokens.
pub fn as_float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    #[test]
    fn appends_lines_and_reads_only_complete_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j.log");
        let mut journal = JournalFile::open(&path).expect("open");
        let log = Log::new(
            Op::CreateStudy,
            vec![("study_name", json!("s")), ("directions", json!([1]))],
        );
        journal.append(&[log], "w-1").expect("append");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(
            text,
            "{\"op_code\":0,\"worker_id\":\"w-1\",\"study_name\":\"s\",\"directions\":[1]}\n"
        );
        // A crash mid-write leaves a cut line: it is not read, and the next append starts on
        // a line of its own.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(b"{\"op_code\":4,\"wor"))
            .expect("cut");
        assert_eq!(journal.read_new().expect("read").len(), 1);
        assert!(journal.cut_tail);
        let before = std::fs::read(&path).expect("bytes");
        journal
            .append(
                &[Log::new(Op::DeleteStudy, vec![("study_id", json!(0))])],
                "w-1",
            )
            .expect("append");
        let after = std::fs::read(&path).expect("bytes");
        assert_eq!(
            &after[..before.len()],
            &before[..],
            "appended, never rewritten"
        );
        assert_eq!(journal.read_new().expect("read").len(), 1);
        assert_eq!(journal.skipped_lines, vec![2]);
        std::fs::write(&path, "rownames,eruptions\n1,3.6\n").expect("write");
        let err = JournalFile::open(&path)
            .and_then(|mut j| j.read_new())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("line 1") && err.contains("not an Optuna journal"),
            "{err}"
        );
    }

    fn study_log(name: &str) -> Log {
        Log::new(
            Op::CreateStudy,
            vec![("study_name", json!(name)), ("directions", json!([1]))],
        )
    }

    #[test]
    fn appends_from_several_writers_survive_the_directory_going_away_and_coming_back() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("shared");
        let away = root.path().join("shared-unmounted");
        std::fs::create_dir(&dir).expect("mkdir");
        let path = dir.join("j.log");
        JournalFile::open(&path).expect("create");
        let (writers, lines_each) = (3, 40);
        let done = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for w in 0..writers {
                let (path, done) = (&path, &done);
                s.spawn(move || {
                    let mut journal = JournalFile::open(path).expect("open");
                    for i in 0..lines_each {
                        journal
                            .append(&[study_log(&format!("w{w}-{i}"))], "w")
                            .expect("append survives the outage");
                        if i % 8 == 0 {
                            journal.read_new().expect("read survives the outage");
                        }
                    }
                    done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                });
            }
            // The file system goes away (ENOENT for the journal and its lock) and comes back,
            // again and again, while the writers work.
            let mut outages = 0;
            while done.load(std::sync::atomic::Ordering::SeqCst) < writers {
                if std::fs::rename(&dir, &away).is_ok() {
                    outages += 1;
                    std::thread::sleep(Duration::from_millis(30));
                    std::fs::rename(&away, &dir).expect("back");
                }
                std::thread::sleep(Duration::from_millis(15));
            }
            assert!(outages > 0, "the directory went away at least once");
        });
        let mut reader = JournalFile::open(&path).expect("open");
        let mut names: Vec<String> = reader
            .read_new()
            .expect("read")
            .iter()
            .filter_map(|v| v["study_name"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(names.len(), writers * lines_each, "every line written once");
        names.sort();
        names.dedup();
        assert_eq!(names.len(), writers * lines_each, "and none twice");
        assert!(reader.skipped_lines.is_empty() && !reader.cut_tail);
    }

    #[test]
    fn an_outage_longer_than_the_budget_is_one_clear_error_naming_the_file() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("shared");
        std::fs::create_dir(&dir).expect("mkdir");
        let path = dir.join("j.log");
        let mut journal = JournalFile::open(&path).expect("create");
        journal.backoff = Backoff {
            first_pause: Duration::from_millis(1),
            max_pause: Duration::from_millis(20),
            total: Duration::from_millis(200),
        };
        std::fs::rename(&dir, root.path().join("gone")).expect("away");
        let started = Instant::now();
        let error = journal
            .append(&[study_log("s")], "w")
            .expect_err("the directory stays away")
            .to_string();
        assert!(started.elapsed() >= Duration::from_millis(150), "it waited");
        assert!(
            error.contains("j.log") && error.contains("still failing after"),
            "{error}"
        );
        let error = journal.read_new().expect_err("no file").to_string();
        assert!(
            error.contains("j.log") && error.contains("still failing"),
            "{error}"
        );
    }

    #[test]
    fn python_non_finite_floats_are_read() {
        let v = parse_line(r#"{"op_code":7,"worker_id":"a","trial_id":0,"step":1,"intermediate_value":NaN,"s":"NaN x"}"#)
            .expect("parse");
        assert!(as_float(&v["intermediate_value"]).expect("float").is_nan());
        assert_eq!(v["s"], json!("NaN x"));
    }
}
