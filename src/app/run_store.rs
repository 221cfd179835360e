//! The runs' weights on disk, so a run restores its model in a later launch: one model file
//! per run (`run-<id>.json`, its training record being the run's record) in the window's
//! storage folder. Writes are atomic and happen in the background; a missing or unreadable
//! file only means the run must be retrained.

use std::path::PathBuf;
use std::sync::Arc;

use crate::export::{ModelFile, Overwrite, load_model, write_atomic};
use crate::nn::Model;
use crate::run::RunSummary;

#[derive(Debug, Clone)]
pub struct RunStore {
    dir: PathBuf,
}

impl RunStore {
    pub fn new(dir: impl Into<PathBuf>) -> RunStore {
        RunStore { dir: dir.into() }
    }

    fn path(&self, id: u64) -> PathBuf {
        self.dir.join(format!("run-{id}.json"))
    }

    /// Writes the run's model file on a background thread (errors go to stderr: the run
    /// itself stays in the table either way).
    pub fn save(&self, summary: &RunSummary, model: &Arc<Model>) {
        let path = self.path(summary.id);
        let dir = self.dir.clone();
        let file = ModelFile::from_model(model, Some(summary.clone()));
        let spawned = std::thread::Builder::new()
            .name("save run".into())
            .spawn(move || {
                let written = std::fs::create_dir_all(&dir)
                    .map_err(|e| e.to_string())
                    .and_then(|()| {
                        write_atomic(&path, file.to_json().as_bytes(), Overwrite::Allow)
                            .map_err(|e| e.to_string())
                    });
                if let Err(error) = written {
                    eprintln!(
                        "cannot keep the run's weights in {}: {error}",
                        path.display()
                    );
                }
            });
        if let Err(error) = spawned {
            eprintln!("cannot start saving the run's weights: {error}");
        }
    }

    /// The stored model of run `id`, if it is there and is that run's.
    pub fn load(&self, id: u64) -> Result<Model, String> {
        let path = self.path(id);
        let (model, file) = load_model(&path).map_err(|e| e.to_string())?;
        match file.training {
            Some(summary) if summary.id == id => Ok(model),
            _ => Err(format!("{}: not the model of run {id}", path.display())),
        }
    }

    /// Forgets runs' files (deleted runs, runs pushed out of the table).
    pub fn remove(&self, ids: impl IntoIterator<Item = u64>) {
        for id in ids {
            let path = self.path(id);
            if let Err(error) = std::fs::remove_file(&path)
                && error.kind() != std::io::ErrorKind::NotFound
            {
                eprintln!("cannot remove {}: {error}", path.display());
            }
        }
    }
}
