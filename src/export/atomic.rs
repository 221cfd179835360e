//! Atomic file writes: the bytes go to a temporary file beside the target, are flushed to disk,
//! then renamed over it, so a crash or a full disk never leaves a half-written file, and an
//! existing file is replaced only when the caller says so.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The temporary files of the writes in progress, so that a process told to exit at once (a
/// second Ctrl-C) can remove them first ([`abandon_writes`]).
static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn in_flight() -> MutexGuard<'static, Vec<PathBuf>> {
    IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Held by a process about to exit: the temporary files of writes in progress are gone, and
/// no write renames a file into place while this is held.
pub struct WritesAbandoned(
    #[expect(dead_code, reason = "held, never read")] MutexGuard<'static, Vec<PathBuf>>,
);

/// Removes the temporary files of every write in progress and blocks any rename into place
/// until the returned guard is dropped (never, by a process that then exits): after it, each
/// target is either untouched or already complete.
pub fn abandon_writes() -> WritesAbandoned {
    let mut files = in_flight();
    for file in files.drain(..) {
        let _ = std::fs::remove_file(file);
    }
    WritesAbandoned(files)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Fail if the target exists (the CLI default; `--force` allows).
    Refuse,
    Allow,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: already exists (pass --force to replace it)")]
    AlreadyExists { path: PathBuf },
    #[error("{path}: cannot write: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: Overwrite) -> Result<(), WriteError> {
    let io = |error: std::io::Error| WriteError::Io {
        path: path.to_path_buf(),
        error: without_temporary_path(error),
    };
    if overwrite == Overwrite::Refuse && path.exists() {
        return Err(WriteError::AlreadyExists {
            path: path.to_path_buf(),
        });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Created and registered under the lock, so that `abandon_writes` sees every file.
    let mut tmp = {
        let mut files = in_flight();
        let tmp = tempfile::Builder::new()
            .prefix(".dw-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(io)?;
        files.push(tmp.path().to_path_buf());
        tmp
    };
    let tmp_path = tmp.path().to_path_buf();
    let written = fill(&mut tmp, path, bytes).map_err(io);
    // Off the list and renamed under the lock: `abandon_writes` either ran before (it removed
    // the file, the rename fails, nothing appears) or runs after (the target is complete).
    let mut files = in_flight();
    files.retain(|f| *f != tmp_path);
    if let Err(error) = written {
        drop(tmp); // removes the file while the lock is held
        return Err(error);
    }
    match overwrite {
        Overwrite::Allow => tmp.persist(path).map(|_| ()).map_err(|e| io(e.error)),
        Overwrite::Refuse => tmp.persist_noclobber(path).map(|_| ()).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                WriteError::AlreadyExists {
                    path: path.to_path_buf(),
                }
            } else {
                io(e.error)
            }
        }),
    }
}

/// Writes the bytes, sets the permissions and flushes the file to disk.
fn fill(tmp: &mut tempfile::NamedTempFile, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    tmp.write_all(bytes)?;
    // Temporary files are created private (0600); give the result the permissions of the
    // file it replaces, or the usual 0644 for a new one.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    tmp.as_file().sync_all()
}

/// The error without the temporary file's name, which `tempfile` adds and which means
/// nothing to the user (the message already names the target).
fn without_temporary_path(error: std::io::Error) -> std::io::Error {
    if error.raw_os_error().is_some() {
        return error;
    }
    let kind = error.kind();
    let os_error = error
        .get_ref()
        .and_then(|inner| inner.source())
        .and_then(|source| source.downcast_ref::<std::io::Error>())
        .and_then(std::io::Error::raw_os_error);
    match os_error {
        Some(code) => std::io::Error::from_raw_os_error(code),
        None if error.get_ref().is_some() => std::io::Error::from(kind),
        None => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_target_not_the_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("plain.txt");
        std::fs::write(&file, "x").expect("write");
        // The parent of the target is a file: the temporary file cannot be created.
        let target = file.join("model.json");
        let error = write_atomic(&target, b"{}", Overwrite::Refuse).unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with(&target.display().to_string()), "{text}");
        assert!(!text.contains(".dw-"), "no temporary name: {text}");
        assert!(
            text.to_lowercase().contains("not a directory"),
            "the reason stays: {text}"
        );
    }

    #[test]
    fn writes_refuses_and_replaces() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.txt");
        write_atomic(&path, b"one", Overwrite::Refuse).expect("first write");
        let err = write_atomic(&path, b"two", Overwrite::Refuse).unwrap_err();
        assert!(matches!(err, WriteError::AlreadyExists { .. }));
        assert!(err.to_string().contains("--force"));
        assert_eq!(std::fs::read(&path).expect("read"), b"one");
        write_atomic(&path, b"two", Overwrite::Allow).expect("replace");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o644);
        }
        // No temporary files are left behind.
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    }

    #[test]
    fn missing_directory_is_reported_with_the_path() {
        let err = write_atomic(
            Path::new("/nonexistent-dir/x.json"),
            b"{}",
            Overwrite::Allow,
        )
        .unwrap_err();
        assert!(err.to_string().contains("/nonexistent-dir/x.json"), "{err}");
    }
}
