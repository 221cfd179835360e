//! p(y) with no inputs: a mixture fitted to the target alone (the galaxy-velocity problem),
//! trained, scored, saved and loaded like any other model.
#![expect(
    clippy::expect_used,
    reason = "helpers outside #[test] functions fail the test on bad fixtures"
)]

use density_workbench::data::Dataset;
use density_workbench::diagnostics::{
    Diagnostics, DiagnosticsOptions, diagnose, input_information,
};
use density_workbench::nn::{Head, TrainConfig, Trainer};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};

/// Galaxy-like velocities: two well separated clumps, 30 % at 10 and 70 % at 21 (σ 1).
fn bimodal(n: usize, seed: u64) -> Dataset {
    let mut rng = StdRng::seed_from_u64(seed);
    let (a, b) = (
        Normal::new(10.0, 1.0).expect("normal"),
        Normal::new(21.0, 1.0).expect("normal"),
    );
    let y = (0..n)
        .map(|i| {
            if i % 10 < 3 {
                a.sample(&mut rng)
            } else {
                b.sample(&mut rng)
            }
        })
        .collect();
    Dataset::new(Vec::new(), "velocity".into(), Vec::new(), y).expect("targets")
}

fn train_unconditional(data: &Dataset) -> Trainer {
    let config = TrainConfig {
        hidden: Vec::new(),
        head: Head::Mixture { components: 2 },
        epochs: 100,
        batch_size: 64,
        learning_rate: 0.01,
        threads: 1,
        ..TrainConfig::default()
    };
    let valid = config
        .validate(data, None)
        .expect("a model without inputs is valid");
    let mut trainer = Trainer::new(valid, data, None);
    trainer.run(|_| {});
    trainer
}

#[test]
fn a_mixture_fits_y_alone() {
    let train = bimodal(2000, 1);
    let test = bimodal(2000, 2);
    let trainer = train_unconditional(&train);
    let model = trainer.model();
    assert_eq!(model.n_inputs(), 0);
    // The entropy of the true mixture: −0.3 ln 0.3 − 0.7 ln 0.7 + ½ ln(2πe) = 2.0300 nats.
    let entropy = -(0.3f64 * 0.3f64.ln() + 0.7 * 0.7f64.ln())
        + 0.5 * (2.0 * std::f64::consts::PI * std::f64::consts::E).ln();
    let nll = model.score(&test).nll;
    assert!(
        (nll - entropy).abs() < 0.06,
        "held-out NLL {nll} vs entropy {entropy}"
    );
    let p = model.predict(&[]);
    let m = p.as_mixture().expect("mixture");
    let mut weights: Vec<(f64, f64)> = m.iter().map(|(w, mu, _)| (mu, w)).collect();
    weights.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(
        (weights[0].0 - 10.0).abs() < 0.3 && (weights[1].0 - 21.0).abs() < 0.3,
        "{m:?}"
    );
    assert!((weights[0].1 - 0.3).abs() < 0.05, "{m:?}");
    match diagnose(model, &test, &DiagnosticsOptions::default()) {
        Ok(Diagnostics::Regression(r)) => {
            let c = r.coverage.at(0.9).unwrap_or(0.0);
            assert!((c - 0.9).abs() < 0.03, "{:?} {m:?}", r.coverage.at_levels);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_inputs_information_is_the_nll_gap() {
    // y = 10 or 21 decided by x: the conditional model knows the clump, p(y) does not, so the
    // inputs carry about the entropy of the clump label (0.611 nats).
    let with_clump = |d: Dataset| {
        let clump = d
            .y()
            .iter()
            .map(|&y| if y > 15.5 { 1.0 } else { 0.0 })
            .collect();
        let (_, y_name, _, y) = d.into_parts();
        Dataset::new(vec!["clump".into()], y_name, clump, y.to_vec()).unwrap()
    };
    let train = with_clump(bimodal(2000, 3));
    let test = with_clump(bimodal(2000, 4));
    let conditional = {
        let config = TrainConfig {
            hidden: TrainConfig::parse_hidden("8:tanh").expect("hidden"),
            head: Head::Normal,
            epochs: 60,
            batch_size: 64,
            learning_rate: 0.02,
            threads: 1,
            ..TrainConfig::default()
        };
        let valid = config.validate(&train, None).expect("valid");
        let mut t = Trainer::new(valid, &train, None);
        t.run(|_| {});
        t.model().clone()
    };
    let targets = train.without_inputs();
    let baseline = train_unconditional(&targets).model().clone();
    let info = input_information(&conditional, &baseline, &test).expect("information");
    let label_entropy = -(0.3f64 * 0.3f64.ln() + 0.7 * 0.7f64.ln());
    assert!(
        (info - label_entropy).abs() < 0.08,
        "{info} vs {label_entropy}"
    );
    assert!(input_information(&baseline, &conditional, &test).is_err());
}

/// The final train NLL that `train --json` reports for the shipped galaxy velocities.
fn galaxies_train_nll(head: &str) -> f64 {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/galaxies.csv");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_density-workbench"))
        .args(["train", "--data"])
        .arg(&data)
        .args([
            "--x",
            "",
            "--y",
            "dat",
            "--head",
            head,
            "--hidden",
            "",
            "--epochs",
            "400",
            "--batch-size",
            "16",
            "--lr",
            "0.02",
            "--json",
        ])
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: serde_json::Value = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["type"] == "summary")
        .expect("a summary line");
    summary["train_nll"].as_f64().expect("train_nll")
}

#[test]
fn the_galaxy_velocities_need_more_than_one_normal() {
    // Postman et al.'s velocities cluster in three to six groups: a mixture of four describes
    // them far better than a single Normal (same data, same training).
    let normal = galaxies_train_nll("normal");
    let mixture = galaxies_train_nll("mixture:4");
    assert!(
        mixture < normal - 0.3,
        "mixture {mixture} vs one Normal {normal} nats per galaxy"
    );
}
