//! Options the binary reads from the environment (measurements, demos).

use std::time::Duration;

use crate::data::Preset;

/// Options that the binary reads from the environment (measurements, demos).
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// Start the seed experiment on launch (`DW_AUTOTRAIN=1`), once start-up has settled.
    pub autotrain: bool,
    /// Close the window when that run finishes (`DW_EXIT_AFTER_TRAINING=1`).
    pub exit_after_training: bool,
    /// Write frame-time statistics here on exit (`DW_FRAME_STATS=path`).
    pub frame_stats: Option<std::path::PathBuf>,
    /// Ignore stored settings (`DW_FRESH=1`).
    pub fresh: bool,
    /// Start from this preset with its default parameters (`DW_PRESET=moons`).
    pub preset: Option<Preset>,
    /// Shortest time between two repaints caused by the worker (`DW_REFRESH_MS`, default 250).
    pub refresh: Option<Duration>,
    /// Where runs' weights are kept between launches (`DW_RUN_STORE`; the window uses its
    /// storage folder's `runs/`; none: weights live only while the window is open).
    pub run_store: Option<std::path::PathBuf>,
    /// Follow this sweep journal in the Sweep tab from the start (`DW_SWEEP_JOURNAL=path`).
    pub sweep_journal: Option<std::path::PathBuf>,
}

impl LaunchOptions {
    pub fn from_env() -> Self {
        let flag = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0");
        LaunchOptions {
            autotrain: flag("DW_AUTOTRAIN"),
            exit_after_training: flag("DW_EXIT_AFTER_TRAINING"),
            frame_stats: std::env::var_os("DW_FRAME_STATS").map(Into::into),
            fresh: flag("DW_FRESH"),
            refresh: std::env::var("DW_REFRESH_MS")
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_millis),
            preset: std::env::var("DW_PRESET")
                .ok()
                .and_then(|name| Preset::from_name(&name)),
            run_store: std::env::var_os("DW_RUN_STORE").map(Into::into),
            sweep_journal: std::env::var_os("DW_SWEEP_JOURNAL").map(Into::into),
        }
    }
}
