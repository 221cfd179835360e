//! Following a journal file live: a background thread looks at the file's size and
//! modification time about once a second and, when either changed, reads only the lines
//! appended since (the journal reader keeps its place), replays them and hands the window a
//! study as the tab shows it (built here, so a journal of thousands of trials costs the
//! window no frame time). The window never touches the file. Dropping the follower stops the
//! thread.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender};

use crate::sweep::journal::JournalFile;
use crate::sweep::replay::Replay;
use crate::sweep::retry::Backoff;
use crate::worker::WakeFn;

use super::trials::StudyView;

/// How often the file is looked at.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// A window that follows a journal waits this long for a file system that is briefly away
/// before it says so (and goes on looking).
const FOLLOW_BACKOFF: Backoff = Backoff {
    first_pause: Duration::from_millis(10),
    max_pause: Duration::from_millis(500),
    total: Duration::from_secs(3),
};

/// What the follower found.
pub enum FollowNews {
    /// The chosen study as the journal's complete lines so far describe it, after a change.
    Study {
        study: Option<StudyView>,
        /// Its parameters' importance, worked out here so the window's frame pays nothing.
        importance: Vec<crate::sweep::importance::Importance>,
        study_names: Vec<String>,
        lines: usize,
        cut_tail: bool,
    },
    /// A read failed; the follower keeps trying unless `fatal`.
    Error { message: String, fatal: bool },
}

pub struct Follower {
    pub path: PathBuf,
    pub news: Receiver<FollowNews>,
    stop: Arc<AtomicBool>,
    choice: Arc<Choice>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The study the tab shows (`None`: the journal's first), and whether it changed.
#[derive(Default)]
struct Choice {
    name: Mutex<Option<String>>,
    changed: AtomicBool,
}

impl Follower {
    /// Starts following `path`, which must exist (a follower never creates a journal).
    pub fn start(
        path: &Path,
        wake: Option<WakeFn>,
        interval: Duration,
    ) -> Result<Follower, String> {
        if !path.is_file() {
            return Err(format!("{}: no such journal file", path.display()));
        }
        let (tx, rx) = crossbeam_channel::unbounded();
        let stop = Arc::new(AtomicBool::new(false));
        let choice = Arc::new(Choice::default());
        let thread = {
            let (owned, stop, choice) = (path.to_path_buf(), stop.clone(), choice.clone());
            std::thread::Builder::new()
                .name("journal follow".into())
                .spawn(move || follow(&owned, &stop, &choice, &tx, wake.as_ref(), interval))
                .map_err(|e| format!("cannot start following {}: {e}", path.display()))?
        };
        Ok(Follower {
            path: path.to_path_buf(),
            news: rx,
            stop,
            choice,
            thread: Some(thread),
        })
    }

    /// Shows the study `name` of the journal from the next news on.
    pub fn choose_study(&self, name: String) {
        *self
            .choice
            .name
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(name);
        self.choice.changed.store(true, Ordering::Relaxed);
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn follow(
    path: &Path,
    stop: &AtomicBool,
    choice: &Choice,
    tx: &Sender<FollowNews>,
    wake: Option<&WakeFn>,
    interval: Duration,
) {
    let send = |news: FollowNews| {
        let _ = tx.send(news);
        if let Some(wake) = wake {
            wake();
        }
    };
    let mut journal = match JournalFile::open_with(path, FOLLOW_BACKOFF) {
        Ok(journal) => journal,
        Err(error) => {
            send(FollowNews::Error {
                message: error.to_string(),
                fatal: true,
            });
            return;
        }
    };
    let mut replay = Replay::default();
    let mut lines = 0usize;
    let mut seen: Option<(u64, SystemTime)> = None;
    let mut failing = false;
    while !stop.load(Ordering::Relaxed) {
        let now = std::fs::metadata(path).and_then(|m| Ok((m.len(), m.modified()?)));
        let changed = match &now {
            Ok(stamp) => seen != Some(*stamp),
            Err(_) => true,
        };
        let rechosen = choice.changed.swap(false, Ordering::Relaxed);
        if rechosen && !changed {
            send(study_news(&replay, choice, lines, journal.cut_tail));
        }
        if changed {
            match journal.read_new() {
                Ok(logs) => {
                    lines += logs.len();
                    for log in &logs {
                        replay.apply(log);
                    }
                    seen = now.ok();
                    failing = false;
                    send(study_news(&replay, choice, lines, journal.cut_tail));
                }
                Err(error) => {
                    let fatal =
                        matches!(error, crate::sweep::journal::JournalError::Malformed { .. });
                    if fatal || !failing {
                        send(FollowNews::Error {
                            message: error.to_string(),
                            fatal,
                        });
                    }
                    if fatal {
                        return;
                    }
                    failing = true;
                }
            }
        }
        let until = Instant::now() + interval;
        // (A new choice of study is answered at once, not after the interval.)
        while Instant::now() < until
            && !stop.load(Ordering::Relaxed)
            && !choice.changed.load(Ordering::Relaxed)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn study_news(replay: &Replay, choice: &Choice, lines: usize, cut_tail: bool) -> FollowNews {
    let name = choice
        .name
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let study = StudyView::from_replay(replay, name.as_deref());
    FollowNews::Study {
        importance: study
            .as_ref()
            .map(super::slices::importances)
            .unwrap_or_default(),
        study,
        study_names: replay.study_names(),
        lines,
        cut_tail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn trial_lines(trial_id: usize, epochs: usize) -> String {
        let lr = r#"{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": null, \"low\": 0.0001, \"high\": 0.1, \"log\": true}}"#;
        let mut text = format!(
            "{{\"op_code\": 4, \"worker_id\": \"w\", \"study_id\": 0, \"datetime_start\": \"x\"}}\n\
             {{\"op_code\": 5, \"worker_id\": \"w\", \"trial_id\": {trial_id}, \"param_name\": \"lr\", \"param_value_internal\": 0.001, \"distribution\": \"{lr}\"}}\n"
        );
        for step in 1..=epochs {
            text.push_str(&format!("{{\"op_code\": 7, \"worker_id\": \"w\", \"trial_id\": {trial_id}, \"step\": {step}, \"intermediate_value\": 1.25}}\n"));
        }
        text.push_str(&format!("{{\"op_code\": 6, \"worker_id\": \"w\", \"trial_id\": {trial_id}, \"state\": 1, \"values\": [1.0]}}\n"));
        text
    }

    #[test]
    fn the_follower_reads_a_journal_then_only_what_is_appended() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j.log");
        let mut text = String::from(
            "{\"op_code\": 0, \"worker_id\": \"w\", \"study_name\": \"s\", \"directions\": [1]}\n",
        );
        text.push_str(&trial_lines(0, 3));
        std::fs::write(&path, text).expect("write");
        let follower = Follower::start(&path, None, Duration::from_millis(20)).expect("start");
        let next = || match follower.news.recv_timeout(Duration::from_secs(10)) {
            Ok(FollowNews::Study { study, lines, .. }) => (study.expect("a study"), lines),
            Ok(FollowNews::Error { message, .. }) => panic!("{message}"),
            Err(e) => panic!("no news: {e}"),
        };
        let (study, lines) = next();
        assert_eq!((study.trials.len(), lines), (1, 7));
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(trial_lines(1, 2).as_bytes()))
            .expect("append");
        let (study, lines) = next();
        assert_eq!(
            (study.trials.len(), lines),
            (2, 12),
            "only the new lines were added"
        );
    }

    #[test]
    fn choosing_another_study_is_answered_without_a_change_to_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j.log");
        let mut text = String::new();
        for name in ["a", "b"] {
            text.push_str(&format!(
                "{{\"op_code\": 0, \"worker_id\": \"w\", \"study_name\": \"{name}\", \"directions\": [1]}}\n"
            ));
        }
        text.push_str(&trial_lines(0, 1).replace("\"study_id\": 0", "\"study_id\": 1"));
        std::fs::write(&path, text).expect("write");
        let follower = Follower::start(&path, None, Duration::from_secs(60)).expect("start");
        let next = || match follower.news.recv_timeout(Duration::from_secs(10)) {
            Ok(FollowNews::Study {
                study, study_names, ..
            }) => (study.expect("a study"), study_names),
            Ok(FollowNews::Error { message, .. }) => panic!("{message}"),
            Err(e) => panic!("no news: {e}"),
        };
        let (first, names) = next();
        assert_eq!((first.name.as_str(), first.trials.len()), ("a", 0));
        assert_eq!(names, ["a", "b"]);
        follower.choose_study("b".into());
        let (chosen, _) = next();
        assert_eq!((chosen.name.as_str(), chosen.trials.len()), ("b", 1));
    }

    /// Measures reading a large journal and following it (`--ignored --nocapture`).
    #[test]
    #[ignore = "a measurement, not a check"]
    fn measure_following_a_large_journal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.log");
        let (trials, epochs) = (5_000, 30);
        let mut text = String::from(
            "{\"op_code\": 0, \"worker_id\": \"w\", \"study_name\": \"s\", \"directions\": [1]}\n",
        );
        for t in 0..trials {
            text.push_str(&trial_lines(t, epochs));
        }
        std::fs::write(&path, &text).expect("write");
        let start = Instant::now();
        let mut journal = JournalFile::open(&path).expect("open");
        let mut replay = Replay::default();
        let logs = journal.read_new().expect("read");
        for log in &logs {
            replay.apply(log);
        }
        let read = start.elapsed();
        let start = Instant::now();
        let view = super::super::trials::StudyView::from_replay(&replay, None).expect("study");
        let build = start.elapsed();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(trial_lines(trials, epochs).as_bytes()))
            .expect("append");
        let start = Instant::now();
        for log in &journal.read_new().expect("read") {
            replay.apply(log);
        }
        let incremental = start.elapsed();
        println!(
            "{} lines ({:.1} MB), {} trials: first read + replay {:.0} ms, study view (on the follower's thread) {:.0} ms, one appended trial read {:.2} ms",
            logs.len(),
            text.len() as f64 / 1e6,
            view.trials.len(),
            read.as_secs_f64() * 1e3,
            build.as_secs_f64() * 1e3,
            incremental.as_secs_f64() * 1e3
        );
    }
}
