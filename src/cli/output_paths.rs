//! Every output path of a command checked before any work starts, so a bad path is refused in
//! a second, not after an hour of training, and no input or other output is ever replaced.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OutputPathError {
    #[error("{setting} {path}: already exists (pass --force to replace it)")]
    Exists { setting: String, path: PathBuf },
    #[error("{setting} {path}: is a directory, not a file")]
    Directory { setting: String, path: PathBuf },
    #[error(
        "{setting} {path}: is not a regular file (a device, pipe or socket); refusing to replace it"
    )]
    Special { setting: String, path: PathBuf },
    #[error("{setting} {path}: the directory {dir} does not exist")]
    NoDirectory {
        setting: String,
        path: PathBuf,
        dir: PathBuf,
    },
    #[error(
        "{setting} {path}: is the input of {input}; refusing to replace it (even with --force)"
    )]
    IsInput {
        setting: String,
        path: PathBuf,
        input: String,
    },
    #[error("{first} and {second} both name {path}; give each output its own file")]
    Twice {
        first: String,
        second: String,
        path: PathBuf,
    },
}

/// Checks `outputs` (setting name, path) against each other, against `inputs` (setting name,
/// path; presets are simply not listed) and against what is on disk.
pub fn check(
    outputs: &[(&str, &Path)],
    inputs: &[(&str, &Path)],
    force: bool,
) -> Result<(), OutputPathError> {
    let mut seen: Vec<(&str, PathBuf)> = Vec::new();
    for &(setting, path) in outputs {
        let identity = identity(setting, path)?;
        if let Some((first, _)) = seen.iter().find(|(_, other)| *other == identity) {
            return Err(OutputPathError::Twice {
                first: (*first).to_string(),
                second: setting.to_string(),
                path: path.to_path_buf(),
            });
        }
        if let Some((input, _)) = inputs
            .iter()
            .find(|(_, input)| std::fs::canonicalize(input).is_ok_and(|p| p == identity))
        {
            return Err(OutputPathError::IsInput {
                setting: setting.to_string(),
                path: path.to_path_buf(),
                input: (*input).to_string(),
            });
        }
        check_on_disk(setting, path, force)?;
        seen.push((setting, identity));
    }
    Ok(())
}

fn check_on_disk(setting: &str, path: &Path, force: bool) -> Result<(), OutputPathError> {
    let err = |make: fn(String, PathBuf) -> OutputPathError| make(setting.into(), path.into());
    // `metadata` follows links: a link to a directory or device is refused like its target.
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(err(|setting, path| OutputPathError::Directory {
            setting,
            path,
        })),
        Ok(meta) if !meta.is_file() => Err(err(|setting, path| OutputPathError::Special {
            setting,
            path,
        })),
        Ok(_) if !force => Err(err(|setting, path| OutputPathError::Exists {
            setting,
            path,
        })),
        _ => Ok(()),
    }
}

/// The absolute, link-free name of the file `path` will be (its directory must exist).
fn identity(setting: &str, path: &Path) -> Result<PathBuf, OutputPathError> {
    if let Ok(full) = std::fs::canonicalize(path) {
        return Ok(full);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let no_dir = || OutputPathError::NoDirectory {
        setting: setting.into(),
        path: path.into(),
        dir: dir.into(),
    };
    let full_dir = std::fs::canonicalize(dir).map_err(|_missing| no_dir())?;
    if !full_dir.is_dir() {
        return Err(no_dir());
    }
    match path.file_name() {
        Some(name) => Ok(full_dir.join(name)),
        // `out/..` and the like name a directory.
        None => Err(OutputPathError::Directory {
            setting: setting.into(),
            path: path.into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_each_bad_output() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data.csv");
        std::fs::write(&data, "x,y\n1,2\n").expect("write");
        let out = dir.path().join("m.json");
        let twice = check(&[("--out", &out), ("--experiment", &out)], &[], true);
        assert!(
            matches!(twice, Err(OutputPathError::Twice { .. })),
            "{twice:?}"
        );
        let input = check(&[("--out", &data)], &[("--data", &data)], true);
        assert!(
            matches!(input, Err(OutputPathError::IsInput { .. })),
            "{input:?}"
        );
        let is_dir = check(&[("--out", dir.path())], &[], true);
        assert!(
            matches!(is_dir, Err(OutputPathError::Directory { .. })),
            "{is_dir:?}"
        );
        let exists = check(&[("--out", &data)], &[], false);
        assert!(
            matches!(exists, Err(OutputPathError::Exists { .. })),
            "{exists:?}"
        );
        let missing = dir.path().join("nowhere/m.json");
        let no_dir = check(&[("--out", &missing)], &[], false);
        assert!(
            matches!(no_dir, Err(OutputPathError::NoDirectory { .. })),
            "{no_dir:?}"
        );
        #[cfg(unix)]
        {
            let device = check(&[("--out", Path::new("/dev/null"))], &[], true);
            assert!(
                matches!(device, Err(OutputPathError::Special { .. })),
                "{device:?}"
            );
        }
        check(&[("--out", &out)], &[("--data", &data)], false).expect("a new file is fine");
        check(&[("--out", &data)], &[], true).expect("--force replaces a plain file");
    }
}
