//! A sweep's search space (`sweep --space space.toml`), as the sweep reads it: parsed, its
//! corner checked as a training configuration, and a few trials sampled from it.
#![no_main]

use density_workbench::nn::TrainConfig;
use density_workbench::sweep::Space;
use density_workbench::sweep::sampler::{grid_points, sample_random, trial_rng};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(space) = Space::parse(text, "fuzz.toml") else {
        return;
    };
    let _ = space.fingerprint();
    let _ = space.config(&space.corner(), TrainConfig::default());
    for number in 0..4 {
        let params = sample_random(&space, &mut trial_rng(7, number));
        let _ = space.config(&params, TrainConfig::default());
    }
    let _ = grid_points(&space, 7).into_iter().take(4).count();
});
