//! Where the next trial's settings come from: a seeded random draw, the next unvisited point
//! of a grid, or TPE ([`super::tpe`]). Each trial's draw depends only on the seed, its number
//! and the trials it is shown, so the same seed gives the same trials.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};

use super::replay::TrialState;
use super::space::{Distribution, ParamValue, Params, Space};

/// Points per `uniform` / `log_uniform` range in a grid.
pub const GRID_POINTS_PER_RANGE: usize = 5;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum SamplerKind {
    Tpe,
    Random,
    Grid,
}

/// A finished trial as the samplers and pruners see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub number: usize,
    pub state: TrialState,
    pub params: Params,
    pub value: Option<f64>,
    pub intermediate: BTreeMap<i64, f64>,
    /// ASHA's `completed_rung_{i}` values.
    pub rungs: BTreeMap<usize, f64>,
}

/// A generator for trial `number` of a sweep seeded with `seed`.
pub fn trial_rng(seed: u64, number: usize) -> StdRng {
    StdRng::seed_from_u64(splitmix(seed ^ splitmix(number as u64 + 1)))
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One value drawn uniformly (log-uniformly for `log_uniform`).
pub fn sample_uniform(distribution: &Distribution, rng: &mut StdRng) -> ParamValue {
    match distribution {
        Distribution::LogUniform { low, high } => ParamValue::Float(
            rng.random_range(low.ln()..high.ln())
                .exp()
                .clamp(*low, *high),
        ),
        Distribution::Uniform { low, high } => ParamValue::Float(rng.random_range(*low..*high)),
        Distribution::Int { low, high } => ParamValue::Int(rng.random_range(*low..=*high)),
        Distribution::Choice(values) => values[rng.random_range(0..values.len())].clone(),
    }
}

pub fn sample_random(space: &Space, rng: &mut StdRng) -> Params {
    space
        .search
        .iter()
        .map(|p| (p.name.clone(), sample_uniform(&p.distribution, rng)))
        .collect()
}

/// Every point of the grid, in an order shuffled by the seed (as Optuna's GridSampler).
pub fn grid_points(space: &Space, seed: u64) -> Vec<Params> {
    let mut points = vec![Params::new()];
    for p in &space.search {
        let values = grid_values(&p.distribution);
        points = points
            .iter()
            .flat_map(|point| {
                values.iter().map(move |v| {
                    let mut next = point.clone();
                    next.insert(p.name.clone(), v.clone());
                    next
                })
            })
            .collect();
    }
    points.shuffle(&mut StdRng::seed_from_u64(seed));
    points
}

fn grid_values(distribution: &Distribution) -> Vec<ParamValue> {
    let n = GRID_POINTS_PER_RANGE;
    let spaced = |low: f64, high: f64| -> Vec<f64> {
        (0..n)
            .map(|i| low + (high - low) * i as f64 / (n - 1) as f64)
            .collect()
    };
    match distribution {
        // The ends exactly as written, the points between evenly spaced in log space.
        Distribution::LogUniform { low, high } => spaced(low.ln(), high.ln())
            .into_iter()
            .enumerate()
            .map(|(i, v)| match i {
                0 => ParamValue::Float(*low),
                i if i == n - 1 => ParamValue::Float(*high),
                _ => ParamValue::Float(v.exp()),
            })
            .collect(),
        Distribution::Uniform { low, high } => spaced(*low, *high)
            .into_iter()
            .map(ParamValue::Float)
            .collect(),
        Distribution::Int { low, high } => (*low..=*high).map(ParamValue::Int).collect(),
        Distribution::Choice(values) => values.clone(),
    }
}

/// The first grid point no trial has taken; `None` when the grid is exhausted.
pub fn next_grid_point(grid: &[Params], taken: &[Params]) -> Option<Params> {
    grid.iter().find(|p| !taken.contains(p)).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> Space {
        Space::parse(
            "[search]\nlr = { log_uniform = [1e-4, 1e-2] }\ndepth = { int = [1, 3] }\nactivation = { choice = [\"relu\", \"tanh\"] }\n",
            "s.toml",
        )
        .expect("space")
    }

    #[test]
    fn random_draws_are_seeded_and_in_range() {
        let s = space();
        let a = sample_random(&s, &mut trial_rng(7, 3));
        assert_eq!(a, sample_random(&s, &mut trial_rng(7, 3)));
        assert_ne!(a, sample_random(&s, &mut trial_rng(7, 4)));
        for n in 0..200 {
            let p = sample_random(&s, &mut trial_rng(1, n));
            let lr = p["lr"].as_f64().expect("lr");
            assert!((1e-4..=1e-2).contains(&lr));
            assert!(matches!(p["depth"], ParamValue::Int(1..=3)));
        }
    }

    #[test]
    fn the_grid_covers_every_combination_once() {
        let grid = grid_points(&space(), 0);
        assert_eq!(grid.len(), GRID_POINTS_PER_RANGE * 3 * 2);
        let mut taken = Vec::new();
        while let Some(p) = next_grid_point(&grid, &taken) {
            assert!(!taken.contains(&p));
            taken.push(p);
        }
        assert_eq!(taken.len(), grid.len());
        assert_eq!(grid, grid_points(&space(), 0));
        assert_ne!(grid, grid_points(&space(), 1));
        let lrs: Vec<f64> = grid.iter().filter_map(|p| p["lr"].as_f64()).collect();
        assert!(lrs.contains(&1e-4) && lrs.contains(&1e-2));
    }
}
