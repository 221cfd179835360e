//! The eframe/egui workbench window (feature `gui`).

/// Opens the window; returns when it is closed.
pub fn run() -> anyhow::Result<()> {
    anyhow::bail!("the GUI is not built yet")
}
