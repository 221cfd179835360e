//! Standard output with its write errors handled: a reader that goes away (`| head -1`) stops
//! the printing quietly, any other failure (`> /dev/full`) becomes one error line. `println!`
//! would panic in both cases, after training and before the files were saved.

use std::fmt::Display;
use std::io::{ErrorKind, Write};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The reader closed the pipe: not a failure of this program, so `main` exits quietly.
    #[error("standard output was closed by its reader")]
    Closed,
    #[error("cannot write to standard output: {0}")]
    Io(std::io::Error),
}

impl From<std::io::Error> for OutputError {
    fn from(error: std::io::Error) -> Self {
        if error.kind() == ErrorKind::BrokenPipe {
            OutputError::Closed
        } else {
            OutputError::Io(error)
        }
    }
}

/// Writes one line to stdout and flushes it, so an error surfaces here and not at exit.
pub fn line(text: impl Display) -> Result<(), OutputError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()?;
    Ok(())
}

/// Lines printed during long work (one per epoch): the first error is kept and later lines are
/// dropped, so training goes on and its files are still saved; the error is reported after.
#[derive(Debug, Default)]
pub struct Deferred {
    error: Option<OutputError>,
}

impl Deferred {
    pub fn line(&mut self, text: impl Display) {
        if self.error.is_none()
            && let Err(error) = line(text)
        {
            self.error = Some(error);
        }
    }

    /// The first write error, if any.
    pub fn finish(self) -> Result<(), OutputError> {
        self.error.map_or(Ok(()), Err)
    }
}

/// Progress on stderr: a closed or full stderr must not stop the work (`eprintln!` panics).
pub fn progress(text: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// `println!` that returns the write error instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::output::line(format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::output::progress(format_args!($($arg)*))
    };
}

pub(crate) use {errln, outln};
