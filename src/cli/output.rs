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

/// An error message made safe for a terminal: control bytes escaped and quoted pieces longer
/// than [`MAX_QUOTED_CHARS`] cut (a 1 MB cell is not echoed whole).
pub fn tidy_message(message: &str) -> String {
    let escaped: String = message
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    escaped
        .split('"')
        .enumerate()
        .map(|(i, piece)| {
            let chars = piece.chars().count();
            if i % 2 == 1 && chars > MAX_QUOTED_CHARS {
                let kept: String = piece.chars().take(MAX_QUOTED_CHARS).collect();
                format!("{kept}… ({chars} characters in all)")
            } else {
                piece.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\"")
}

/// Longest quoted piece (a cell, a name) an error message shows whole.
pub const MAX_QUOTED_CHARS: usize = 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_escape_control_bytes_and_cut_long_quotes() {
        assert_eq!(tidy_message("bad \"a\u{1b}[31m\""), "bad \"a\\u{1b}[31m\"");
        let long = format!("cell \"{}\" at line 2", "x".repeat(1000));
        let tidy = tidy_message(&long);
        assert!(tidy.len() < 200, "{tidy}");
        assert!(
            tidy.ends_with("(1000 characters in all)\" at line 2"),
            "{tidy}"
        );
        assert_eq!(tidy_message("plain"), "plain");
    }
}
