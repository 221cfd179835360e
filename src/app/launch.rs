//! Options the binary reads from the environment (measurements, demos).

use std::time::Duration;

use super::data_panel::MAX_WINDOW_SAMPLES;
use super::state::{DataSettings, SourceKind};
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
    /// Generate this many rows of the preset (`DW_SAMPLES=2000000`; clamped to the window's
    /// maximum, as a typed count is).
    pub samples: Option<usize>,
    /// Start from this data file with its default columns (`DW_DATA=big.csv`).
    pub data_file: Option<std::path::PathBuf>,
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
            samples: std::env::var("DW_SAMPLES")
                .ok()
                .and_then(|v| v.trim().replace('_', "").parse::<usize>().ok()),
            data_file: std::env::var_os("DW_DATA").map(Into::into),
            run_store: std::env::var_os("DW_RUN_STORE").map(Into::into),
            sweep_journal: std::env::var_os("DW_SWEEP_JOURNAL").map(Into::into),
        }
    }
}

impl LaunchOptions {
    /// Puts the data asked for at launch (`DW_PRESET`, `DW_SAMPLES`, `DW_DATA`) into the data
    /// controls, as a person would set them.
    pub fn apply_data_choice(&self, data: &mut DataSettings) {
        if let Some(preset) = self.preset {
            data.source = SourceKind::Preset;
            data.preset = preset;
            data.params = preset.default_params();
        }
        if let Some(n) = self.samples {
            data.params.n = n.clamp(2, MAX_WINDOW_SAMPLES);
        }
        if let Some(path) = &self.data_file {
            data.source = SourceKind::File;
            data.csv_path = path.display().to_string();
            data.x_columns.clear();
            data.y_column.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_data_choices_reach_the_data_controls() {
        let mut data = DataSettings {
            x_columns: vec!["a".into()],
            y_column: "b".into(),
            ..DataSettings::default()
        };
        let options = LaunchOptions {
            preset: Some(Preset::Moons),
            samples: Some(25_000_000),
            ..LaunchOptions::default()
        };
        options.apply_data_choice(&mut data);
        assert_eq!(data.preset, Preset::Moons);
        assert_eq!(
            data.params.n, MAX_WINDOW_SAMPLES,
            "clamped as a typed count is"
        );
        assert_eq!(data.source, SourceKind::Preset);

        let file = LaunchOptions {
            data_file: Some("big.csv".into()),
            ..LaunchOptions::default()
        };
        file.apply_data_choice(&mut data);
        assert_eq!(
            (data.source, data.csv_path.as_str()),
            (SourceKind::File, "big.csv")
        );
        assert!(
            data.x_columns.is_empty() && data.y_column.is_empty(),
            "the file's default columns, not another file's"
        );
    }
}
