//! Property tests of the predictive numerics (issue 13): for any finite network output and any
//! finite y, for the Normal, mixture and Bernoulli heads, log_prob is finite or −∞ (never NaN),
//! the CDF (the PIT) lies in [0, 1] and rises with y, quantiles are finite and rise with the
//! level, and the CRPS is finite and ≥ 0. The scalers range over what a model file may hold.

use density_workbench::diagnostics::RowScores;
use density_workbench::limits::{MAX_ABS_VALUE, MIN_SCALE};
use density_workbench::nn::{Head, Model, ModelSpec, NormalMixture, Predictive, Scaler};
use proptest::prelude::*;

/// Any finite f32 a network could output: mostly moderate, sometimes at the ends of f32.
fn output() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => -30.0f32..30.0,
        1 => proptest::num::f32::NORMAL | proptest::num::f32::ZERO | proptest::num::f32::SUBNORMAL,
    ]
}

/// Any finite y, from the data range to the ends of f64.
fn any_y() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -100.0f64..100.0,
        1 => -MAX_ABS_VALUE..MAX_ABS_VALUE,
        1 => proptest::num::f64::NORMAL | proptest::num::f64::ZERO | proptest::num::f64::SUBNORMAL,
    ]
}

/// A target scaler a model file may hold: |mean| ≤ 1e30, std from 1e-30 to 1e30.
fn y_scaler() -> impl Strategy<Value = Scaler> {
    (
        prop_oneof![-10.0f64..10.0, -MAX_ABS_VALUE..MAX_ABS_VALUE],
        MIN_SCALE.log10()..MAX_ABS_VALUE.log10(),
    )
        .prop_map(|(mean, log_std)| Scaler {
            mean,
            std: 10f64.powf(log_std).clamp(MIN_SCALE, MAX_ABS_VALUE),
        })
}

fn model(head: Head, y_scaler: Scaler, sigma_floor: f64) -> Model {
    Model::new(
        ModelSpec {
            x_names: vec!["x".into()],
            y_name: "y".into(),
            hidden: Vec::new(),
            head,
            sigma_floor,
            x_scalers: vec![Scaler::default()],
            y_scaler,
        },
        1,
    )
}

fn head() -> impl Strategy<Value = Head> {
    prop_oneof![
        Just(Head::Normal),
        (1usize..6).prop_map(|components| Head::Mixture { components }),
    ]
}

/// A regression head, its scaler and floor, and one network output row of the right length.
fn regression() -> impl Strategy<Value = (Head, Scaler, f64, Vec<f32>)> {
    (
        head(),
        y_scaler(),
        prop_oneof![Just(1e-3), Just(0.0), 0.0f64..1.0],
    )
        .prop_flat_map(|(head, scaler, floor)| {
            let n = head.params_size();
            (
                Just(head),
                Just(scaler),
                Just(floor),
                proptest::collection::vec(output(), n),
            )
        })
}

fn mixture_of(head: Head, scaler: Scaler, floor: f64, o: &[f32]) -> NormalMixture {
    match model(head, scaler, floor).predictive_from_output(o) {
        Predictive::Mixture(m) => m,
        Predictive::Bernoulli { .. } => panic!("a regression head gives a mixture"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn log_prob_is_finite_or_minus_infinity((head, scaler, floor, o) in regression(), y in any_y()) {
        let m = mixture_of(head, scaler, floor, &o);
        let lp = m.log_prob(y);
        prop_assert!(!lp.is_nan() && lp != f64::INFINITY, "log_prob({y}) = {lp} for {m:?}");
    }

    #[test]
    fn the_cdf_lies_in_0_1_and_rises_with_y(
        (head, scaler, floor, o) in regression(),
        a in any_y(),
        b in any_y(),
    ) {
        let m = mixture_of(head, scaler, floor, &o);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let (f_lo, f_hi) = (m.cdf(lo), m.cdf(hi));
        prop_assert!((0.0..=1.0).contains(&f_lo) && (0.0..=1.0).contains(&f_hi), "{f_lo} {f_hi}");
        prop_assert!(f_lo <= f_hi, "cdf({lo}) = {f_lo} > cdf({hi}) = {f_hi} for {m:?}");
    }

    #[test]
    fn quantiles_are_finite_and_rise_with_the_level(
        (head, scaler, floor, o) in regression(),
        p in 1e-6f64..(1.0 - 1e-6),
        q in 1e-6f64..(1.0 - 1e-6),
    ) {
        let m = mixture_of(head, scaler, floor, &o);
        let (p, q) = if p <= q { (p, q) } else { (q, p) };
        let (y_p, y_q) = (m.quantile(p), m.quantile(q));
        prop_assert!(y_p.is_finite() && y_q.is_finite(), "{y_p} {y_q} for {m:?}");
        // The bisection stops within 1e-10 of the support's width.
        let (lo, hi) = m.support(12.0);
        prop_assert!(y_p <= y_q + 1e-9 * (hi - lo), "q({p}) = {y_p} > q({q}) = {y_q} for {m:?}");
    }

    #[test]
    fn the_diagnostics_row_has_a_pit_in_0_1_and_a_finite_non_negative_crps(
        (head, scaler, floor, o) in regression(),
        y in any_y(),
    ) {
        let m = mixture_of(head, scaler, floor, &o);
        let row = RowScores::of_mixture(&m, y);
        prop_assert!((0.0..=1.0).contains(&row.pit), "PIT {} for y {y}, {m:?}", row.pit);
        prop_assert!(row.crps.is_finite() && row.crps >= 0.0, "CRPS {} for y {y}, {m:?}", row.crps);
        prop_assert!(!row.log_prob.is_nan(), "log_prob {}", row.log_prob);
    }

    #[test]
    fn the_bernoulli_head_gives_a_probability_and_no_nan(o in output(), y in any_y()) {
        let predictive = model(Head::Bernoulli, Scaler::default(), 1e-3).predictive_from_output(&[o]);
        let Predictive::Bernoulli { p } = predictive else {
            panic!("the Bernoulli head gives a Bernoulli");
        };
        prop_assert!((0.0..=1.0).contains(&p), "p = {p} for logit {o}");
        for label in [0.0, 1.0, y] {
            let lp = predictive.log_prob(label);
            prop_assert!(!lp.is_nan() && lp <= 0.0, "log_prob({label}) = {lp} for p {p}");
        }
    }
}

#[test]
fn the_strategies_reach_the_ends_of_the_ranges() {
    // A guard against a vacuous suite: the extreme outputs are really generated.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let huge = (0..2000)
        .map(|_| output().new_tree(&mut runner).expect("tree").current())
        .filter(|v| v.abs() > 1e30)
        .count();
    assert!(huge > 0, "no output beyond 1e30 in 2000 draws");
}
