//! `density-workbench`: the window without a sub-command, the headless CLI with one.

use clap::Parser;
use std::io::Write;

use density_workbench::cli::interrupt::{INTERRUPTED_EXIT_CODE, Interrupted};
use density_workbench::cli::output::{OutputError, tidy_message};
use density_workbench::cli::{Cli, run};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(command) => run(command),
        None => open_window(),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // `| head -1` closed the pipe: what was asked for is done and saved; stop quietly.
        Err(error) if matches!(error.downcast_ref(), Some(OutputError::Closed)) => {
            std::process::ExitCode::SUCCESS
        }
        Err(error) if error.downcast_ref::<Interrupted>().is_some() => {
            let _ = writeln!(std::io::stderr(), "{error}");
            std::process::ExitCode::from(INTERRUPTED_EXIT_CODE)
        }
        Err(error) => {
            let message = tidy_message(&format!("{error:#}"));
            let _ = writeln!(std::io::stderr(), "error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "gui")]
fn open_window() -> anyhow::Result<()> {
    density_workbench::app::run()
}

#[cfg(not(feature = "gui"))]
fn open_window() -> anyhow::Result<()> {
    anyhow::bail!(
        "this build has no GUI (built without the `gui` feature); use a sub-command, see --help"
    )
}
