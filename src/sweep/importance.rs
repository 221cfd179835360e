//! How much of the objective's spread each parameter explains: a binned one-way analysis of
//! variance on the completed trials, one parameter at a time.
//!
//! For a parameter, the trials that set it are put into groups: one per choice for a
//! categorical parameter; for a numeric one, `B = clamp(round(√n), 2, 10)` bins of (nearly)
//! equal counts by the parameter's rank, so a log-scaled parameter bins the same as on its log
//! axis. With group sizes n_g, group means ȳ_g, grand mean ȳ and k groups:
//!
//! ```text
//! SS_between = Σ_g n_g (ȳ_g − ȳ)²        SS_total = Σ_i (y_i − ȳ)²
//! MS_within  = (SS_total − SS_between) / (n − k)
//! ω²         = (SS_between − (k − 1) MS_within) / (SS_total + MS_within), clamped to ≥ 0
//! ```
//!
//! ω² (Hays) is η² = SS_between / SS_total with its bias removed: with k groups a parameter
//! that does nothing still "explains" about (k − 1)/(n − 1) of the variance by chance, which ω²
//! subtracts. Each parameter's share is marginal (interactions are not split out, as fANOVA
//! would), so the shares need not sum to 1.

/// How a parameter's values are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One group per distinct value (choices, stored as their index).
    Categorical,
    /// Equal-count bins by rank (ints and floats, log-scaled or not).
    Ordered,
}

/// One parameter's share of the objective's variance.
#[derive(Debug, Clone, PartialEq)]
pub struct Importance {
    pub name: String,
    /// Bias-corrected share of variance explained, 0 to 1 (the ranking key).
    pub omega_sq: f64,
    /// The raw share, SS_between / SS_total.
    pub eta_sq: f64,
    pub groups: usize,
    pub trials: usize,
}

/// One parameter's values over the completed trials (`None` where a trial did not set it).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamColumn {
    pub name: String,
    pub grouping: Grouping,
    pub values: Vec<Option<f64>>,
}

/// The fewest trials a share is computed from: below this a parameter is left out.
pub const MIN_TRIALS: usize = 4;

/// ω² and η² of one parameter from its values and the trials' objectives (same order);
/// `None` with fewer than [`MIN_TRIALS`] finite pairs, one group only, or no spread in the
/// objective.
pub fn one_way(values: &[f64], objective: &[f64], grouping: Grouping) -> Option<(f64, f64, usize)> {
    let pairs: Vec<(f64, f64)> = values
        .iter()
        .zip(objective)
        .map(|(&x, &y)| (x, y))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let n = pairs.len();
    if n < MIN_TRIALS {
        return None;
    }
    let groups = group_of(&pairs, grouping);
    let k = groups.iter().copied().max().map_or(0, |g| g + 1);
    let mean = pairs.iter().map(|p| p.1).sum::<f64>() / n as f64;
    let ss_total: f64 = pairs.iter().map(|p| (p.1 - mean).powi(2)).sum();
    let mut sums = vec![(0.0_f64, 0_usize); k];
    for (&g, p) in groups.iter().zip(&pairs) {
        sums[g].0 += p.1;
        sums[g].1 += 1;
    }
    let used = sums.iter().filter(|s| s.1 > 0).count();
    if used < 2 || used >= n || ss_total <= 0.0 {
        return None;
    }
    let ss_between: f64 = sums
        .iter()
        .filter(|s| s.1 > 0)
        .map(|&(sum, count)| count as f64 * (sum / count as f64 - mean).powi(2))
        .sum();
    let ms_within = (ss_total - ss_between).max(0.0) / (n - used) as f64;
    let eta_sq = (ss_between / ss_total).clamp(0.0, 1.0);
    let omega_sq =
        ((ss_between - (used - 1) as f64 * ms_within) / (ss_total + ms_within)).clamp(0.0, 1.0);
    Some((omega_sq, eta_sq, used))
}

/// Each pair's group index.
fn group_of(pairs: &[(f64, f64)], grouping: Grouping) -> Vec<usize> {
    let n = pairs.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| pairs[a].0.total_cmp(&pairs[b].0));
    let mut groups = vec![0; n];
    match grouping {
        Grouping::Categorical => {
            let mut g = 0;
            for (i, w) in order.iter().enumerate() {
                if i > 0 && pairs[*w].0 != pairs[order[i - 1]].0 {
                    g += 1;
                }
                groups[*w] = g;
            }
        }
        Grouping::Ordered => {
            let bins = ((n as f64).sqrt().round() as usize).clamp(2, 10);
            // Ties share a bin: a value's bin is that of its first rank.
            let mut bin = 0;
            for (rank, w) in order.iter().enumerate() {
                let tied = rank > 0 && pairs[*w].0 == pairs[order[rank - 1]].0;
                if !tied {
                    bin = rank * bins / n;
                }
                groups[*w] = bin;
            }
        }
    }
    groups
}

/// The shares of every parameter, most important first; `objective[i]` is the objective of
/// the trial whose values are each column's `values[i]`.
pub fn rank(params: &[ParamColumn], objective: &[f64]) -> Vec<Importance> {
    let mut out: Vec<Importance> = params
        .iter()
        .filter_map(|column| {
            let (xs, ys): (Vec<f64>, Vec<f64>) = column
                .values
                .iter()
                .zip(objective)
                .filter_map(|(x, &y)| x.map(|x| (x, y)))
                .unzip();
            let (omega_sq, eta_sq, groups) = one_way(&xs, &ys, column.grouping)?;
            Some(Importance {
                name: column.name.clone(),
                omega_sq,
                eta_sq,
                groups,
                trials: xs.len(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.omega_sq
            .total_cmp(&a.omega_sq)
            .then(b.eta_sq.total_cmp(&a.eta_sq))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// A study where the objective is (log10 lr + 2.5)² plus a little noise: lr drives it,
    /// width (a choice) and depth (an int) do nothing.
    fn synthetic(n: usize, seed: u64) -> (Vec<ParamColumn>, Vec<f64>) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut lr = Vec::new();
        let mut width = Vec::new();
        let mut depth = Vec::new();
        let mut objective = Vec::new();
        for _ in 0..n {
            let log_lr: f64 = rng.random_range(-4.0..-1.0);
            lr.push(Some(10f64.powf(log_lr)));
            width.push(Some(rng.random_range(0..4) as f64));
            depth.push(Some(rng.random_range(1..=3) as f64));
            objective.push(1.0 + (log_lr + 2.5).powi(2) + 0.05 * rng.random_range(-1.0..1.0));
        }
        let column = |name: &str, grouping, values| ParamColumn {
            name: name.to_string(),
            grouping,
            values,
        };
        let params = vec![
            column("depth", Grouping::Ordered, depth),
            column("lr", Grouping::Ordered, lr),
            column("width", Grouping::Categorical, width),
        ];
        (params, objective)
    }

    #[test]
    fn the_parameter_that_drives_the_objective_ranks_first_and_noise_near_zero() {
        for seed in 0..5 {
            let (params, objective) = synthetic(60, seed);
            let ranked = rank(&params, &objective);
            assert_eq!(ranked.len(), 3);
            assert_eq!(ranked[0].name, "lr", "seed {seed}: {ranked:?}");
            assert!(ranked[0].omega_sq > 0.7, "seed {seed}: {ranked:?}");
            // By chance a noise parameter explains a little of 60 trials; far less than lr.
            for noise in &ranked[1..] {
                assert!(noise.omega_sq < 0.2, "seed {seed}: {noise:?}");
            }
        }
    }

    #[test]
    fn a_perfect_categorical_split_explains_everything_and_eta_matches_by_hand() {
        // Two groups {1, 1} and {3, 3}: every bit of the variance is between groups.
        let (omega, eta, k) = one_way(
            &[0.0, 0.0, 1.0, 1.0],
            &[1.0, 1.0, 3.0, 3.0],
            Grouping::Categorical,
        )
        .expect("a share");
        assert_eq!(k, 2);
        assert!((eta - 1.0).abs() < 1e-12 && (omega - 1.0).abs() < 1e-12);
        // Groups {0, 2} and {1, 3}: means 1 and 2, grand mean 1.5, SS_b = 4·0.25 = 1,
        // SS_t = 2.25 + 0.25 + 0.25 + 2.25 = 5, MS_w = 4/2 = 2, ω² = (1 − 2)/(5 + 2) < 0 → 0.
        let (omega, eta, _) = one_way(
            &[0.0, 0.0, 1.0, 1.0],
            &[0.0, 2.0, 1.0, 3.0],
            Grouping::Categorical,
        )
        .expect("a share");
        assert!((eta - 0.2).abs() < 1e-12, "{eta}");
        assert_eq!(omega, 0.0);
    }

    #[test]
    fn too_few_trials_one_value_or_a_flat_objective_give_no_share() {
        assert!(one_way(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], Grouping::Ordered).is_none());
        assert!(
            one_way(
                &[1.0; 6],
                &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                Grouping::Ordered
            )
            .is_none()
        );
        assert!(one_way(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0; 5], Grouping::Ordered).is_none());
    }

    #[test]
    fn trials_without_the_parameter_are_left_out_of_its_share() {
        let values = vec![Some(0.0), Some(0.0), None, Some(1.0), Some(1.0), None];
        let objective = [1.0, 1.0, 50.0, 3.0, 3.0, -50.0];
        let ranked = rank(
            &[ParamColumn {
                name: "act".to_string(),
                grouping: Grouping::Categorical,
                values,
            }],
            &objective,
        );
        assert_eq!(ranked[0].trials, 4);
        assert!((ranked[0].eta_sq - 1.0).abs() < 1e-12);
    }
}
