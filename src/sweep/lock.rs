//! Optuna's `JournalFileSymlinkLock`, so that this program, other copies of it (Slurm array
//! tasks) and Python Optuna workers can append to one journal file: the lock is a symbolic
//! link `JOURNAL.lock` → `JOURNAL`, created atomically; it is released by renaming it to a
//! unique name and deleting that. A lock whose target has not changed for the grace period
//! (30 s, Optuna's default) is taken to be left by a dead process and broken. Transient file
//! system errors (see [`super::retry`]) are retried with back-off, then reported.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::retry::{Backoff, is_transient};

/// Optuna's default `grace_period`.
pub const GRACE_PERIOD: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{path}: cannot take the journal lock: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// A held lock; dropping it releases it.
pub struct LockGuard {
    lock_path: PathBuf,
    backoff: Backoff,
}

pub fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Blocks until the lock is taken, backing off from 1 ms to 1 s like Optuna.
pub fn acquire(journal: &Path) -> Result<LockGuard, LockError> {
    acquire_with(journal, Backoff::default())
}

/// [`acquire`], retrying transient errors (the journal's directory briefly gone, EIO, …) for
/// as long as `backoff` allows.
pub fn acquire_with(journal: &Path, backoff: Backoff) -> Result<LockGuard, LockError> {
    let lock_path = lock_path(journal);
    let mut sleep = Duration::from_millis(1);
    let mut last_mtime: Option<SystemTime> = None;
    let mut unchanged_since = Instant::now();
    let mut failing: Option<(Instant, Duration)> = None;
    loop {
        match std::os::unix::fs::symlink(journal, &lock_path) {
            Ok(()) => return Ok(LockGuard { lock_path, backoff }),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                // Like Optuna's os.stat, this follows the link: the journal's own mtime.
                let Ok(mtime) = std::fs::metadata(&lock_path).and_then(|m| m.modified()) else {
                    continue;
                };
                if last_mtime != Some(mtime) {
                    last_mtime = Some(mtime);
                    unchanged_since = Instant::now();
                }
                if unchanged_since.elapsed() > GRACE_PERIOD {
                    eprintln!(
                        "warning: {} has not been released for {} s; breaking it",
                        lock_path.display(),
                        GRACE_PERIOD.as_secs()
                    );
                    if release_path(&lock_path).is_ok() {
                        sleep = Duration::from_millis(1);
                    }
                    continue;
                }
                std::thread::sleep(sleep);
                sleep = (sleep * 2).min(Duration::from_secs(1));
            }
            Err(error) if is_transient(&error) => {
                let (since, pause) = failing.get_or_insert((Instant::now(), backoff.first_pause));
                if since.elapsed() + *pause >= backoff.total {
                    return Err(LockError::Io {
                        error: std::io::Error::new(
                            error.kind(),
                            format!(
                                "{error} (still failing after {:.1} s)",
                                since.elapsed().as_secs_f64()
                            ),
                        ),
                        path: lock_path,
                    });
                }
                std::thread::sleep(*pause);
                *pause = (*pause * 2).min(backoff.max_pause);
            }
            Err(error) => {
                return Err(LockError::Io {
                    path: lock_path,
                    error,
                });
            }
        }
    }
}

/// Rename to a unique name, then delete: never deletes a lock someone else just took.
fn release_path(lock_path: &Path) -> std::io::Result<()> {
    release_with(lock_path, Backoff::NONE)
}

/// [`release_path`] with transient errors retried. A lock that is gone while its directory
/// is there was broken by another worker: nothing to release.
fn release_with(lock_path: &Path, backoff: Backoff) -> std::io::Result<()> {
    let mut renamed = lock_path.as_os_str().to_owned();
    renamed.push(format!("{}.rename", super::ids::uuid4()));
    let directory_present = || lock_path.parent().is_none_or(Path::exists);
    let moved = backoff.run(|| match std::fs::rename(lock_path, &renamed) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && directory_present() => {
            Ok(false)
        }
        Err(error) => Err(error),
    })?;
    if !moved {
        return Ok(());
    }
    backoff.run(|| std::fs::remove_file(&renamed))
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Err(error) = release_with(&self.lock_path, self.backoff) {
            eprintln!(
                "warning: could not release {}: {error}",
                self.lock_path.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn the_lock_is_a_symlink_to_the_journal_and_excludes_other_holders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = dir.path().join("j.log");
        std::fs::write(&journal, b"").expect("write");
        let guard = acquire(&journal).expect("lock");
        let link = std::fs::read_link(lock_path(&journal)).expect("a symlink");
        assert_eq!(link, journal);
        drop(guard);
        assert!(!lock_path(&journal).exists());

        let inside = Arc::new(AtomicUsize::new(0));
        std::thread::scope(|s| {
            for _ in 0..4 {
                let (inside, journal) = (inside.clone(), journal.clone());
                s.spawn(move || {
                    for _ in 0..20 {
                        let _guard = acquire(&journal).expect("lock");
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
    }
}
