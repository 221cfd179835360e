//! Getting results out: the model file, predictions CSV, figures, experiment files — every
//! write atomic.

pub mod atomic;
pub mod model_file;
pub mod predictions;

pub use atomic::{Overwrite, WriteError, write_atomic};
pub use model_file::{
    EnsembleFile, ModelFile, ModelFileError, ensemble_json, load_model, model_from_text,
    save_ensemble, save_model,
};
pub use predictions::{prediction_columns, prediction_values, predictions_csv};
pub mod experiment;
pub mod figures;
