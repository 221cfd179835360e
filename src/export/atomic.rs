//! Atomic file writes: the bytes go to a temporary file beside the target, are flushed to disk,
//! then renamed over it, so a crash or a full disk never leaves a half-written file, and an
//! existing file is replaced only when the caller says so.

use std::io::Write;
use std::path::{Path, PathBuf};

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
    let mut tmp = tempfile::Builder::new()
        .prefix(".dw-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    // Temporary files are created private (0600); give the result the permissions of the
    // file it replaces, or the usual 0644 for a new one.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io)?;
    }
    tmp.as_file().sync_all().map_err(io)?;
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
