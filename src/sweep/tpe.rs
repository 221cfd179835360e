//! The Tree-structured Parzen Estimator with the defaults of Optuna's `TPESampler`
//! (univariate): the first `n_startup_trials = 10` trials are random; after that the finished
//! trials split into the best `γ(n) = min(⌈0.1 n⌉, 25)` ("below") and the rest ("above"), each
//! side becomes a Parzen estimator (one truncated Normal kernel per trial plus a prior kernel
//! of weight 1 over the whole range, Optuna's bandwidth rule and magic clip; categorical
//! kernels put 1 on their choice plus prior_weight / n_kernels on every choice), 24 candidates are
//! drawn from "below", and the one with the largest log l(x) − log g(x) wins.

use rand::RngExt;
use rand::rngs::StdRng;

use super::replay::TrialState;
use super::sampler::{Observed, sample_uniform};
use super::space::{Distribution, ParamValue, Params, Space};

pub const N_STARTUP_TRIALS: usize = 10;
pub const N_EI_CANDIDATES: usize = 24;
const PRIOR_WEIGHT: f64 = 1.0;

/// Optuna's `default_gamma`.
pub fn gamma(n: usize) -> usize {
    (n.div_ceil(10)).min(25)
}

/// Optuna's `default_weights`: flat for the 25 most recent trials, a ramp before them.
pub fn default_weights(n: usize) -> Vec<f64> {
    if n < 25 {
        return vec![1.0; n];
    }
    let ramp = n - 25;
    let mut w: Vec<f64> = (0..ramp)
        .map(|i| {
            if ramp == 1 {
                1.0 / n as f64
            } else {
                1.0 / n as f64 + (1.0 - 1.0 / n as f64) * i as f64 / (ramp - 1) as f64
            }
        })
        .collect();
    w.extend(std::iter::repeat_n(1.0, 25));
    w
}

/// Settings for the next trial from the finished ones (`history`, in any order).
pub fn sample(space: &Space, history: &[Observed], rng: &mut StdRng) -> Params {
    let finished: Vec<&Observed> = history
        .iter()
        .filter(|t| matches!(t.state, TrialState::Complete | TrialState::Pruned))
        .filter(|t| t.state != TrialState::Complete || t.value.is_some_and(f64::is_finite))
        .collect();
    if finished.len() < N_STARTUP_TRIALS {
        return super::sampler::sample_random(space, rng);
    }
    let (below, above) = split(&finished);
    space
        .search
        .iter()
        .map(|p| {
            let values = |side: &[&Observed]| -> Vec<ParamValue> {
                side.iter()
                    .filter_map(|t| t.params.get(&p.name).cloned())
                    .collect()
            };
            let value = sample_one(&p.distribution, &values(&below), &values(&above), rng);
            (p.name.clone(), value)
        })
        .collect()
}

/// Best γ(n) trials (complete by value, then pruned by how far they got), each side in trial
/// order so that the weights favour recent trials.
fn split<'a>(finished: &[&'a Observed]) -> (Vec<&'a Observed>, Vec<&'a Observed>) {
    let mut ranked: Vec<&Observed> = finished.to_vec();
    let key = |t: &Observed| {
        if t.state == TrialState::Complete {
            (0, 0i64, t.value.unwrap_or(f64::INFINITY))
        } else {
            let (step, value) = t
                .intermediate
                .iter()
                .next_back()
                .map_or((i64::MIN, f64::INFINITY), |(&s, &v)| (s, v));
            (1, -step, if value.is_nan() { f64::INFINITY } else { value })
        }
    };
    ranked.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0)
            .then(ka.1.cmp(&kb.1))
            .then(ka.2.total_cmp(&kb.2))
            .then(a.number.cmp(&b.number))
    });
    let n_below = gamma(ranked.len());
    let mut below = ranked[..n_below].to_vec();
    let mut above = ranked[n_below..].to_vec();
    below.sort_by_key(|t| t.number);
    above.sort_by_key(|t| t.number);
    (below, above)
}

fn sample_one(
    distribution: &Distribution,
    below: &[ParamValue],
    above: &[ParamValue],
    rng: &mut StdRng,
) -> ParamValue {
    if let Distribution::Choice(choices) = distribution {
        let index = |v: &ParamValue| choices.iter().position(|c| c == v);
        let l = Categorical::new(choices.len(), below.iter().filter_map(index).collect());
        let g = Categorical::new(choices.len(), above.iter().filter_map(index).collect());
        let best = (0..N_EI_CANDIDATES)
            .map(|_| l.sample(rng))
            .max_by(|&a, &b| {
                (l.log_pdf(a) - g.log_pdf(a)).total_cmp(&(l.log_pdf(b) - g.log_pdf(b)))
            })
            .unwrap_or(0);
        choices[best].clone()
    } else {
        let numeric = Numeric::of(distribution);
        let to_x = |v: &ParamValue| v.as_f64().map(|x| numeric.transform(x));
        let l = numeric.parzen(&below.iter().filter_map(to_x).collect::<Vec<_>>());
        let g = numeric.parzen(&above.iter().filter_map(to_x).collect::<Vec<_>>());
        let mut best: Option<(f64, f64)> = None;
        for _ in 0..N_EI_CANDIDATES {
            let x = l.sample(&numeric, rng);
            let score = l.log_pdf(&numeric, x) - g.log_pdf(&numeric, x);
            // Ties go to the first candidate, as numpy's argmax.
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((x, score));
            }
        }
        match best {
            Some((x, _)) => numeric.value(x),
            None => sample_uniform(distribution, rng),
        }
    }
}

/// A numeric setting in the space TPE works in: log for `log_uniform`, integers spread over
/// [k − ½, k + ½].
struct Numeric {
    low: f64,
    high: f64,
    log: bool,
    /// 1 for whole numbers, 0 for continuous.
    step: f64,
}

impl Numeric {
    fn of(distribution: &Distribution) -> Numeric {
        match *distribution {
            Distribution::LogUniform { low, high } => Numeric {
                low: low.ln(),
                high: high.ln(),
                log: true,
                step: 0.0,
            },
            Distribution::Uniform { low, high } => Numeric {
                low,
                high,
                log: false,
                step: 0.0,
            },
            Distribution::Int { low, high } => Numeric {
                low: low as f64,
                high: high as f64,
                log: false,
                step: 1.0,
            },
            Distribution::Choice(_) => Numeric {
                low: 0.0,
                high: 1.0,
                log: false,
                step: 0.0,
            },
        }
    }

    fn transform(&self, x: f64) -> f64 {
        if self.log { x.ln() } else { x }
    }

    fn value(&self, x: f64) -> ParamValue {
        if self.step > 0.0 {
            ParamValue::Int(x.round().clamp(self.low, self.high) as i64)
        } else if self.log {
            ParamValue::Float(x.exp().clamp(self.low.exp(), self.high.exp()))
        } else {
            ParamValue::Float(x.clamp(self.low, self.high))
        }
    }

    /// Optuna's `_calculate_numerical_distributions` (univariate, magic clip on, endpoints
    /// not considered): bandwidths from the observations' gaps, then the prior kernel.
    fn parzen(&self, mus: &[f64]) -> Parzen {
        let (low, high) = (self.low - self.step / 2.0, self.high + self.step / 2.0);
        let n = mus.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| mus[a].total_cmp(&mus[b]));
        let mut ends = vec![low];
        ends.extend(order.iter().map(|&i| mus[i]));
        ends.push(high);
        let mut sorted_sigmas: Vec<f64> = (1..=n)
            .map(|i| (ends[i] - ends[i - 1]).max(ends[i + 1] - ends[i]))
            .collect();
        if ends.len() >= 4 {
            sorted_sigmas[0] = ends[2] - ends[1];
            sorted_sigmas[n - 1] = ends[n] - ends[n - 1];
        }
        let mut sigmas = vec![0.0; n];
        for (rank, &i) in order.iter().enumerate() {
            sigmas[i] = sorted_sigmas[rank];
        }
        let range = high - low;
        let n_kernels = n as f64 + 1.0;
        let (min_sigma, max_sigma) = (range / 100f64.min(1.0 + n_kernels), range);
        let mut kernels: Vec<(f64, f64)> = mus
            .iter()
            .zip(&sigmas)
            .map(|(&mu, &s)| (mu, s.clamp(min_sigma, max_sigma)))
            .collect();
        kernels.push((0.5 * (low + high), range));
        let mut weights = default_weights(n);
        weights.push(PRIOR_WEIGHT);
        let total: f64 = weights.iter().sum();
        Parzen {
            kernels,
            weights: weights.iter().map(|w| w / total).collect(),
        }
    }
}

/// A weighted mixture of truncated Normal kernels (μ, σ).
struct Parzen {
    kernels: Vec<(f64, f64)>,
    weights: Vec<f64>,
}

impl Parzen {
    fn sample(&self, numeric: &Numeric, rng: &mut StdRng) -> f64 {
        let k = pick(&self.weights, rng);
        let (mu, sigma) = self.kernels[k];
        let (a, b) = (
            numeric.low - numeric.step / 2.0,
            numeric.high + numeric.step / 2.0,
        );
        let x = truncated_normal(mu, sigma, a, b, rng);
        if numeric.step > 0.0 {
            x.round().clamp(numeric.low, numeric.high)
        } else {
            x
        }
    }

    fn log_pdf(&self, numeric: &Numeric, x: f64) -> f64 {
        let (a, b) = (
            numeric.low - numeric.step / 2.0,
            numeric.high + numeric.step / 2.0,
        );
        let terms = self
            .kernels
            .iter()
            .zip(&self.weights)
            .map(|(&(mu, s), &w)| {
                let mass = normal_cdf((b - mu) / s) - normal_cdf((a - mu) / s);
                let density = if numeric.step > 0.0 {
                    normal_cdf((x + 0.5 - mu) / s) - normal_cdf((x - 0.5 - mu) / s)
                } else {
                    let z = (x - mu) / s;
                    (-0.5 * z * z).exp() / (s * (2.0 * std::f64::consts::PI).sqrt())
                };
                w.ln() + density.max(f64::MIN_POSITIVE).ln() - mass.max(f64::MIN_POSITIVE).ln()
            });
        crate::nn::predictive::log_sum_exp(terms.collect::<Vec<_>>().into_iter())
    }
}

/// Kernels over the choices: each puts 1 on its observation plus the prior weight spread
/// evenly; the prior kernel is uniform.
struct Categorical {
    n: usize,
    observations: Vec<usize>,
    weights: Vec<f64>,
}

impl Categorical {
    fn new(n: usize, observations: Vec<usize>) -> Categorical {
        let mut weights = default_weights(observations.len());
        weights.push(PRIOR_WEIGHT);
        let total: f64 = weights.iter().sum();
        Categorical {
            n,
            observations,
            weights: weights.iter().map(|w| w / total).collect(),
        }
    }

    /// Optuna fills every kernel's row with prior_weight / n_kernels, adds 1 at the
    /// observation and normalises the row.
    fn kernel_prob(&self, kernel: usize, choice: usize) -> f64 {
        let fill = PRIOR_WEIGHT / (self.observations.len() + 1) as f64;
        match self.observations.get(kernel) {
            Some(&obs) => {
                (fill + if obs == choice { 1.0 } else { 0.0 }) / (fill * self.n as f64 + 1.0)
            }
            None => 1.0 / self.n as f64,
        }
    }

    fn log_pdf(&self, choice: usize) -> f64 {
        let p: f64 = self
            .weights
            .iter()
            .enumerate()
            .map(|(k, w)| w * self.kernel_prob(k, choice))
            .sum();
        p.ln()
    }

    fn sample(&self, rng: &mut StdRng) -> usize {
        let k = pick(&self.weights, rng);
        let probs: Vec<f64> = (0..self.n).map(|c| self.kernel_prob(k, c)).collect();
        pick(&probs, rng)
    }
}

fn pick(weights: &[f64], rng: &mut StdRng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.random_range(0.0..total);
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len().saturating_sub(1)
}

fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// Rejection from the Normal; after many misses (a kernel far outside the range, which the
/// bandwidth rule prevents) the nearest end.
fn truncated_normal(mu: f64, sigma: f64, a: f64, b: f64, rng: &mut StdRng) -> f64 {
    use rand_distr::Distribution as _;
    for _ in 0..1000 {
        let z: f64 = rand_distr::StandardNormal.sample(rng);
        let x = mu + sigma * z;
        if x >= a && x <= b {
            return x;
        }
    }
    mu.clamp(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::sampler::trial_rng;

    #[test]
    fn gamma_and_weights_are_optunas_defaults() {
        assert_eq!((gamma(10), gamma(11), gamma(300)), (1, 2, 25));
        assert_eq!(default_weights(3), vec![1.0; 3]);
        let w = default_weights(30);
        assert_eq!(w.len(), 30);
        assert!((w[0] - 1.0 / 30.0).abs() < 1e-12 && w[4] == 1.0 && w[29] == 1.0);
    }

    /// On f(x) = (log10 lr + 2.5)², TPE must concentrate near lr = 10^-2.5 once it has
    /// history, which random draws do not.
    #[test]
    fn tpe_concentrates_on_the_good_region() {
        let space = Space::parse(
            "[search]\nlr = { log_uniform = [1e-5, 1] }\nactivation = { choice = [\"relu\", \"tanh\", \"elu\"] }\n",
            "s.toml",
        )
        .expect("space");
        let objective = |p: &Params| {
            let lr = p["lr"].as_f64().unwrap_or(1.0);
            let act = if p["activation"] == ParamValue::Str("tanh".into()) {
                0.0
            } else {
                1.0
            };
            (lr.log10() + 2.5).powi(2) + act
        };
        let mut history: Vec<Observed> = Vec::new();
        for n in 0..60 {
            let params = sample(&space, &history, &mut trial_rng(3, n));
            let value = objective(&params);
            history.push(Observed {
                number: n,
                state: TrialState::Complete,
                params,
                value: Some(value),
                intermediate: Default::default(),
                rungs: Default::default(),
            });
        }
        let late: Vec<f64> = history[40..].iter().filter_map(|t| t.value).collect();
        let early: Vec<f64> = history[..10].iter().filter_map(|t| t.value).collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!(
            mean(&late) < 0.5 * mean(&early),
            "late {} early {}",
            mean(&late),
            mean(&early)
        );
        let tanh = history[40..]
            .iter()
            .filter(|t| t.params["activation"] == ParamValue::Str("tanh".into()))
            .count();
        assert!(tanh >= 12, "{tanh} of 20 late trials chose tanh");
        // Same seed, same history: same trial.
        assert_eq!(
            sample(&space, &history, &mut trial_rng(3, 60)),
            sample(&space, &history, &mut trial_rng(3, 60))
        );
    }
}
