//! Datasets: named columns with roles, CSV import, generator presets, train/test split.
