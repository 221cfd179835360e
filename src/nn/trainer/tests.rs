//! The training loop's tests: determinism, lanes, timing records, early stopping, divergence,
//! and the optimizer settings (schedules, AdamW, clipping) against the default path.

use std::sync::Arc;

use super::*;
use crate::nn::activation::Activation;
use crate::nn::mlp::LayerSpec;

/// Validates `config` for the data and builds the trainer.
#[expect(
    clippy::needless_pass_by_value,
    reason = "the tests build the settings in place"
)]
fn trainer(config: TrainConfig, train: &Dataset, test: Option<&Dataset>) -> Trainer {
    Trainer::new(config.validate(train, test).expect("valid"), train, test)
}

/// y = 3x + 1 + 0.5·noise, deterministic pseudo-noise.
fn line(n: usize, offset: usize) -> Dataset {
    let x: Vec<f64> = (0..n)
        .map(|i| ((i + offset) as f64 * 0.618_034).fract() * 2.0 - 1.0)
        .collect();
    let y = x
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            3.0 * v + 1.0 + 0.5 * (((i + offset) as f64 * 12.9898).sin() * 43758.5453).fract()
        })
        .collect();
    Dataset::new(vec!["x".into()], "y".into(), x, y).unwrap()
}

fn small_config() -> TrainConfig {
    TrainConfig {
        hidden: vec![LayerSpec::new(16, Activation::Tanh)],
        head: Head::Mixture { components: 3 },
        epochs: 5,
        batch_size: 32,
        learning_rate: 1e-2,
        seed: 11,
        threads: 1,
        ..TrainConfig::default()
    }
}

#[test]
fn scoring_on_the_lanes_gives_the_model_scores_exactly() {
    // 10 000 rows are three scoring chunks; two lanes share them out.
    let train = line(2_000, 0);
    let test = line(10_000, 7);
    let config = TrainConfig {
        epochs: 1,
        threads: 2,
        ..TrainConfig::default()
    };
    let mut trainer = trainer(config, &train, Some(&test));
    let record = trainer.run_epoch().expect("one epoch");
    assert_eq!(trainer.threads(), 2);
    let expected = trainer.model().score(&test);
    assert_eq!(trainer.score(&test), expected);
    assert_eq!(record.test_nll, Some(expected.nll));
}

#[test]
fn the_prediction_view_on_the_lanes_is_the_models_view() {
    let train = line(2_000, 0);
    let mut trainer = trainer(two_lanes(1), &train, None);
    trainer.run_epoch();
    assert_eq!(trainer.threads(), 2);
    let spec = ViewSpec {
        x_column: 0,
        plane_column: None,
        base_inputs: vec![0.0],
        x_range: (-1.0, 2.0),
        y_range: (-3.0, 5.0),
        nx: 101,
        ny: 40,
    };
    let view = trainer.prediction_view(&spec);
    assert_eq!(view, PredictionView::compute(trainer.model(), &spec));
    assert_eq!(view.curves.median.len(), 101);
}

/// What two runs must share to count as the same: per-epoch NLLs and the final weights.
type Outcome = (Vec<(f64, Option<f64>)>, Vec<f32>);

fn history_and_weights(t: &Trainer) -> Outcome {
    let history = t
        .history()
        .iter()
        .map(|r| (r.train_nll, r.test_nll))
        .collect();
    (history, t.model().mlp.params.clone())
}

/// The seed settings on two training threads.
fn two_lanes(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        threads: 2,
        ..TrainConfig::default()
    }
}

#[test]
fn step_phases_accumulate_and_the_epoch_records_report_their_total() {
    let (train, test) = (line(3_000, 0), line(500, 5_000));
    let mut t = trainer(two_lanes(2), &train, Some(&test));
    t.run_epoch();
    let first = t.step_phases();
    assert!(first.gradient > 0.0, "{first:?}");
    t.run_epoch();
    let both = t.step_phases();
    for (name, before, after) in [
        ("gather", first.gather, both.gather),
        ("gradient", first.gradient, both.gradient),
        ("reduce", first.reduce, both.reduce),
        ("update", first.update, both.update),
    ] {
        assert!(after >= before, "{name} went back: {first:?} → {both:?}");
    }
    assert!(both.gradient > first.gradient);
    let records: Vec<f64> = t.history().iter().map(|r| r.train_secs).collect();
    assert_eq!(records, vec![first.total(), both.total()]);
}

#[test]
fn elapsed_time_spans_the_steps_and_what_happens_between_them() {
    let train = line(3_000, 0);
    let mut t = trainer(small_config(), &train, None);
    assert_eq!(t.elapsed_secs(), 0.0, "no step yet");
    t.step();
    let pause = std::time::Duration::from_millis(30);
    std::thread::sleep(pause);
    t.run_epoch();
    assert!(
        t.elapsed_secs() >= pause.as_secs_f64(),
        "{}",
        t.elapsed_secs()
    );
    assert!(t.elapsed_secs() >= t.train_secs());
}

#[test]
fn lending_a_core_to_the_window_changes_no_result() {
    // Two lanes; while the spare core is requested, lane 1 runs on the calling thread.
    let (train, test) = (line(3_000, 0), line(500, 5_000));
    let config = two_lanes(2);
    let run = |spare: Option<Arc<SpareCore>>| {
        let mut t = trainer(config.clone(), &train, Some(&test));
        assert_eq!(t.threads(), 2);
        if let Some(spare) = spare {
            t.spare_core_on_request(spare);
        }
        t.run(|_| {});
        history_and_weights(&t)
    };
    let spare = Arc::new(SpareCore::default());
    spare.request(std::time::Duration::from_secs(3600));
    assert_eq!(run(Some(spare)), run(None));
}

#[test]
fn same_seed_gives_the_same_history_and_weights() {
    let (train, test) = (line(500, 0), line(100, 1000));
    let run = |config: TrainConfig| {
        let mut t = trainer(config, &train, Some(&test));
        t.run(|_| {});
        history_and_weights(&t)
    };
    let a = run(small_config());
    let b = run(small_config());
    assert_eq!(a, b);
    let c = run(TrainConfig {
        seed: 12,
        ..small_config()
    });
    assert_ne!(a.0, c.0);
}

#[test]
fn training_lowers_the_held_out_nll_and_counts_steps() {
    let (train, test) = (line(1000, 0), line(200, 5000));
    let mut t = trainer(
        TrainConfig {
            epochs: 30,
            ..small_config()
        },
        &train,
        Some(&test),
    );
    let before = t.score(&test).nll;
    let reason = t.run(|_| {}).clone();
    assert_eq!(reason, StopReason::Completed);
    let after = t
        .history()
        .last()
        .and_then(|r| r.test_nll)
        .expect("test nll");
    // The noise is uniform on (−0.5, 0.5): entropy 0 nats; a Normal of the same variance
    // scores 0.18, an untrained network far worse.
    assert!(after < before - 1.0, "before {before} after {after}");
    assert!(after < 0.3, "after {after}");
    assert_eq!(t.steps(), 30 * 32); // 1000 rows / 32 = 31.25 → 32 steps per epoch (last partial kept)
    assert_eq!(t.history().len(), 30);
}

#[test]
fn exploding_learning_rate_stops_as_diverged_with_finite_weights() {
    let train = line(300, 0);
    let config = TrainConfig {
        learning_rate: 1e30,
        epochs: 100,
        ..small_config()
    };
    let mut t = trainer(config, &train, None);
    let reason = t.run(|_| {}).clone();
    assert!(matches!(reason, StopReason::Diverged { .. }), "{reason:?}");
    assert!(t.model().mlp.params.iter().all(|p| p.is_finite()));
    assert!(reason.to_string().contains("non-finite"));
}

#[test]
fn early_stopping_keeps_the_best_epoch() {
    let (train, test) = (line(200, 0), line(50, 900));
    let config = TrainConfig {
        epochs: 400,
        learning_rate: 3e-2,
        hidden: vec![LayerSpec::new(64, Activation::Relu)],
        early_stopping: Some(crate::nn::EarlyStopping {
            patience: 3,
            min_delta: 0.0,
        }),
        ..small_config()
    };
    let mut t = trainer(config, &train, Some(&test));
    let reason = t.run(|_| {}).clone();
    let StopReason::EarlyStopped {
        best_epoch,
        best_test_nll,
    } = reason
    else {
        panic!("expected early stop, got {reason:?}");
    };
    assert!(t.epochs_done() == best_epoch + 3 && t.epochs_done() < 400);
    assert!((t.score(&test).nll - best_test_nll).abs() < 1e-9);
}

#[test]
fn two_threads_are_deterministic_and_close_to_one_thread() {
    let (train, test) = (line(2000, 0), line(200, 9000));
    let config = TrainConfig {
        hidden: vec![
            LayerSpec::new(128, Activation::Relu),
            LayerSpec::new(128, Activation::Tanh),
        ],
        head: Head::Mixture { components: 16 },
        epochs: 2,
        batch_size: 256,
        learning_rate: 1e-3,
        threads: 2,
        ..small_config()
    };
    let run = |c: TrainConfig| {
        let mut t = trainer(c, &train, Some(&test));
        t.run(|_| {});
        (
            t.threads(),
            t.history().last().and_then(|r| r.test_nll).expect("nll"),
        )
    };
    let (threads, a) = run(config.clone());
    assert_eq!(threads, 2);
    assert_eq!(run(config.clone()).1, a);
    let (one, b) = run(TrainConfig {
        threads: 1,
        ..config
    });
    assert_eq!(one, 1);
    assert!((a - b).abs() < 1e-3, "{a} vs {b}");
}

/// Per-epoch (train NLL, held-out NLL) as f64 bit patterns.
fn loss_bits(t: &Trainer) -> Vec<(u64, u64)> {
    t.history()
        .iter()
        .map(|r| (r.train_nll.to_bits(), r.test_nll.map_or(0, f64::to_bits)))
        .collect()
}

/// The default settings (constant rate, no weight decay, no clipping) give the losses the
/// trainer gave before schedules, AdamW and clipping existed, bit for bit: recorded with
/// commit e88884f on x86-64 (the kernels are bit-identical with and without AVX2).
#[cfg(target_arch = "x86_64")]
#[test]
fn the_default_optimizer_settings_reproduce_the_recorded_losses() {
    let (train, test) = (line(500, 0), line(100, 1000));
    let mut one_lane = trainer(small_config(), &train, Some(&test));
    one_lane.run(|_| {});
    assert_eq!(
        loss_bits(&one_lane),
        vec![
            (0x3ff3_d723_551c_2c90, 0x3fe9_3cc9_41da_23e4),
            (0x3fe2_463d_8cdc_302a, 0x3fd6_dd86_3295_8f6c),
            (0x3fd7_afd2_d90f_6a90, 0x3fdb_6375_af43_a3e8),
            (0x3fd7_a979_37d3_0012, 0x3fcb_5fae_d53f_99d0),
            (0x3fce_22c1_5368_8f80, 0x3fc2_8468_f672_cd08),
        ],
        "one lane"
    );
    let (train, test) = (line(3_000, 0), line(500, 5_000));
    let mut two = trainer(two_lanes(2), &train, Some(&test));
    two.run(|_| {});
    assert_eq!(two.threads(), 2, "the lanes are exercised");
    assert_eq!(
        loss_bits(&two),
        vec![
            (0x3ffc_73a9_3253_6efa, 0x3ff8_747b_894d_49fe),
            (0x3ff5_49da_22f1_cfe8, 0x3ff1_f8b9_34b9_d56a),
        ],
        "two lanes"
    );
}

#[test]
fn inactive_optimizer_settings_change_nothing() {
    // Step decay by 1, a clipping norm no gradient reaches: the other code paths, same run.
    let (train, test) = (line(500, 0), line(100, 1000));
    let run = |config: TrainConfig| {
        let mut t = trainer(config, &train, Some(&test));
        t.run(|_| {});
        history_and_weights(&t)
    };
    let inactive = TrainConfig {
        schedule: LrSchedule::Step {
            every_epochs: 1,
            gamma: 1.0,
        },
        clip_norm: Some(1e30),
        ..small_config()
    };
    assert_eq!(run(inactive), run(small_config()));
}

#[test]
fn each_optimizer_setting_changes_the_run_and_stays_deterministic() {
    let (train, test) = (line(500, 0), line(100, 1000));
    let run = |config: TrainConfig| {
        let mut t = trainer(config, &train, Some(&test));
        t.run(|_| {});
        assert_eq!(t.stop_reason(), Some(&StopReason::Completed));
        history_and_weights(&t)
    };
    let baseline = run(small_config());
    let variants = [
        TrainConfig {
            schedule: LrSchedule::parse("cosine:warmup=1").expect("syntax"),
            ..small_config()
        },
        TrainConfig {
            schedule: LrSchedule::parse("step:every=2,gamma=0.5").expect("syntax"),
            ..small_config()
        },
        TrainConfig {
            weight_decay: 0.1,
            ..small_config()
        },
        TrainConfig {
            clip_norm: Some(0.01),
            ..small_config()
        },
    ];
    for config in variants {
        let label = format!(
            "{:?} λ={} clip={:?}",
            config.schedule, config.weight_decay, config.clip_norm
        );
        let once = run(config.clone());
        assert_ne!(once, baseline, "{label} made no difference");
        assert_eq!(run(config), once, "{label} is not deterministic");
        assert!(once.1.iter().all(|p| p.is_finite()), "{label}");
    }
}

#[test]
fn the_trainer_follows_the_schedule_step_by_step() {
    let train = line(100, 0); // batch 32: 4 steps per epoch
    let config = TrainConfig {
        schedule: LrSchedule::Cosine {
            warmup_epochs: 1,
            min_factor: 0.0,
        },
        epochs: 2,
        learning_rate: 0.1,
        ..small_config()
    };
    let mut t = trainer(config, &train, None);
    assert_eq!(t.steps_per_epoch(), 4);
    let mut rates = Vec::new();
    while !t.is_finished() {
        rates.push(t.learning_rate());
        t.step();
    }
    let expected = [0.025, 0.05, 0.075, 0.1, 0.1, 0.085_355, 0.05, 0.014_645];
    assert_eq!(rates.len(), expected.len());
    for (step, (got, want)) in rates.iter().zip(expected).enumerate() {
        assert!((got - want).abs() < 1e-6, "step {step}: {got} vs {want}");
    }
}

#[test]
fn reduce_on_plateau_cuts_the_rate_when_the_held_out_nll_stalls() {
    // A rate far too high for this model: the held-out NLL stalls and the rate is cut.
    let (train, test) = (line(200, 0), line(50, 900));
    let config = TrainConfig {
        schedule: LrSchedule::Plateau {
            patience: 1,
            factor: 0.5,
            min_delta: 0.0,
        },
        epochs: 40,
        learning_rate: 0.3,
        ..small_config()
    };
    let mut t = trainer(config, &train, Some(&test));
    let mut best = f64::INFINITY;
    let mut stalls = 0;
    let mut rates = vec![t.learning_rate()];
    while let Some(record) = t.run_epoch() {
        let nll = record.test_nll.expect("held-out NLL");
        if nll < best {
            best = nll;
        } else {
            stalls += 1;
        }
        rates.push(t.learning_rate());
    }
    assert!(stalls > 0, "the NLL never stalled: {rates:?}");
    assert_eq!(
        rates.last().copied(),
        Some(0.3 * 0.5f64.powi(stalls)),
        "one halving per stalled epoch (patience 1)"
    );
}

#[test]
fn stopping_at_the_best_epoch_puts_its_weights_back() {
    let (train, test) = (line(200, 0), line(50, 900));
    let config = TrainConfig {
        epochs: 400,
        learning_rate: 3e-2,
        hidden: vec![LayerSpec::new(64, Activation::Relu)],
        ..small_config()
    };
    let mut t = trainer(config, &train, Some(&test));
    t.keep_best_epoch();
    // Train until an epoch is worse than the best so far: the interrupted case that matters.
    let mut best = f64::INFINITY;
    while let Some(record) = t.run_epoch() {
        let nll = record.test_nll.expect("held-out NLL");
        if nll > best {
            break;
        }
        best = nll;
    }
    let last = t.epochs_done();
    let (epoch, nll) = t.stop_at_best().expect("a best epoch");
    assert!(t.is_finished(), "the run has ended");
    let lowest = t
        .history()
        .iter()
        .min_by(|a, b| a.test_nll.partial_cmp(&b.test_nll).expect("finite"))
        .expect("history");
    assert_eq!((epoch, Some(nll)), (lowest.epoch, lowest.test_nll));
    assert!(
        epoch < last,
        "an earlier epoch than the last ({epoch} of {last})"
    );
    assert!(
        (t.score(&test).nll - nll).abs() < 1e-9,
        "the model scores as its best epoch did"
    );
}

#[test]
fn stopping_at_the_best_without_held_out_data_keeps_the_current_weights() {
    let train = line(200, 0);
    let mut t = trainer(small_config(), &train, None);
    t.keep_best_epoch();
    t.run_epoch();
    let before = t.model().mlp.params.clone();
    assert_eq!(t.stop_at_best(), None);
    assert_eq!(t.model().mlp.params, before);
}
