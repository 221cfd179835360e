//! `density-workbench`: the window without a sub-command, the headless CLI with one.

use clap::Parser;
use density_workbench::cli::{Cli, run};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(command) => run(command),
        None => open_window(),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
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
