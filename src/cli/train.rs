//! `train` and `reproduce`: a run from the command line, its model and experiment files
//! saved before anything is printed, and a saved run retrained on its own data.

use anyhow::{Context, Result};
use serde_json::json;

use super::output::{Deferred, errln, outln};
use super::{
    ReproduceArgs, TrainArgs, check_threads, file_input, interrupt, output_paths, overwrite, source,
};
use crate::data::{ColumnRoles, MissingPolicy};
use crate::export::experiment::{
    DataSourceSpec, Experiment, ExperimentRun, TestSourceSpec, load_experiment, save_experiment,
};
use crate::export::{ModelFile, save_model};
use crate::nn::{EarlyStopping, EpochRecord, TrainConfig, Trainer};
use crate::run::{RunData, RunSummary};

pub(super) fn train(args: &TrainArgs) -> Result<()> {
    check_threads(args.threads)?;
    if args.early_stopping == Some(0) {
        anyhow::bail!("--early-stopping 0: the patience must be at least 1 epoch");
    }
    let outputs: Vec<(&str, &std::path::Path)> =
        [("--out", &args.out), ("--experiment", &args.experiment)]
            .into_iter()
            .filter_map(|(name, path)| Some((name, path.as_deref()?)))
            .collect();
    let inputs: Vec<_> = [
        ("--data", Some(args.data.as_str())),
        ("--test", args.test.as_deref()),
    ]
    .into_iter()
    .filter_map(|(name, spec)| Some((name, file_input(spec?)?)))
    .collect();
    output_paths::check(&outputs, &inputs, args.force)?;
    let hidden =
        TrainConfig::parse_hidden(&args.hidden).map_err(|e| anyhow::anyhow!("--hidden: {e}"))?;
    let config = TrainConfig {
        hidden,
        head: args.head,
        sigma_floor: args.sigma_floor,
        epochs: args.epochs,
        batch_size: args.batch_size,
        learning_rate: args.lr,
        seed: args.seed,
        standardize: !args.no_standardize,
        early_stopping: args.early_stopping.map(|patience| EarlyStopping {
            patience,
            ..EarlyStopping::default()
        }),
        threads: args.threads,
        schedule: args.schedule,
        weight_decay: args.weight_decay,
        clip_norm: args.clip_norm,
        ..TrainConfig::default()
    };
    let options = args.data_args.options();
    let loaded = source::load(&args.data, &options)?;
    let missing = if options.drop_missing {
        MissingPolicy::DropRows
    } else {
        MissingPolicy::Error
    };
    // The recipe that rebuilds these rows; a table made by other means (a preset's columns
    // chosen with --x) has none, which only an experiment file needs.
    let data_spec = source_spec(&args.data, &loaded, missing);
    let (train, test, test_source, test_spec) = if let Some(path) = &args.test {
        let test = source::load(path, &options)?;
        let spec =
            source_spec(path, &test, missing).map(|source| TestSourceSpec::Separate { source });
        (loaded.dataset, test.dataset, test.description, spec)
    } else {
        let default_fraction = if loaded.preset.is_some() { 0.5 } else { 0.2 };
        let fraction = args.test_fraction.unwrap_or(default_fraction);
        let (train, test) = loaded.dataset.split(fraction, args.seed)?;
        let spec = Ok(TestSourceSpec::Split {
            fraction,
            seed: args.seed,
        });
        let description = format!(
            "{:.0} % of {} (split seed {})",
            fraction * 100.0,
            loaded.description,
            args.seed
        );
        (train, test, description, spec)
    };
    let run_data = match (data_spec, test_spec) {
        (Ok(source), Ok(held_out)) => Some(RunData { source, held_out }),
        (Err(error), _) | (_, Err(error)) if args.experiment.is_some() => return Err(error),
        _ => None,
    };
    // For presets with a known density: the NLL of the truth on the held-out rows.
    let best_test_nll = loaded
        .preset
        .and_then(|(preset, params)| preset.truth(&params))
        .filter(|truth| !truth.is_discrete())
        .map(|truth| truth.mean_nll(&test));
    let mut trainer = Trainer::new(config.validate(&train, Some(&test))?, &train, Some(&test));
    errln!(
        "training {} → {} on {} rows, held out {} rows ({test_source}); lr {} ({}), weight decay {}, clip norm {}",
        if config.hidden.is_empty() {
            "linear".to_string()
        } else {
            config.hidden_label()
        },
        config.head.label(),
        train.len(),
        test.len(),
        config.learning_rate,
        config.schedule,
        config.weight_decay,
        config
            .clip_norm
            .map_or_else(|| "none".to_owned(), |n| n.to_string()),
    );
    let json_out = args.json;
    let mut stdout = Deferred::default();
    interrupt::install();
    // An interrupted run saves its best epoch, by the held-out NLL (early stopping's rule).
    trainer.keep_best_epoch();
    let mut saved_epoch = None;
    while !trainer.is_finished() {
        if let Some(record) = trainer.run_epoch() {
            report_epoch(&record, config.epochs, json_out.then_some(&mut stdout));
        }
        if interrupt::requested() {
            saved_epoch = trainer.stop_at_best();
        }
    }
    let reason = trainer
        .stop_reason()
        .cloned()
        .unwrap_or(crate::nn::StopReason::Completed);
    let train_scores = trainer.score(&train);
    let test_scores = trainer.score(&test);
    errln!("{reason}");
    let steps_per_second = trainer
        .step_phases()
        .steps_per_sec(trainer.steps())
        .unwrap_or(0.0);
    let summary_json = json!({
        "type": "summary",
        "epochs": trainer.epochs_done(),
        "steps": trainer.steps(),
        "train_seconds": trainer.train_secs(),
        "steps_per_second": steps_per_second,
        "step_phase_seconds": trainer.step_phases(),
        "elapsed_seconds": trainer.elapsed_secs(),
        "threads": trainer.threads(),
        "train_nll": train_scores.nll,
        "test_nll": test_scores.nll,
        "train_accuracy": train_scores.accuracy,
        "test_accuracy": test_scores.accuracy,
        "stop_reason": reason,
        "n_train": train.len(),
        "n_test": test.len(),
        "best_test_nll": best_test_nll,
        "schedule": config.schedule.to_string(),
        "final_learning_rate": trainer.learning_rate(),
    });
    // Files first: a closed or full stdout must not lose the trained model.
    let summary = RunSummary {
        label: "cli".into(),
        data: run_data.clone(),
        config: trainer.config().clone(),
        history: trainer.history().to_vec(),
        epochs_run: trainer.epochs_done(),
        steps: trainer.steps(),
        train_seconds: trainer.train_secs(),
        train_nll: Some(train_scores.nll),
        test_nll: Some(test_scores.nll),
        test_accuracy: test_scores.accuracy,
        stop_reason: Some(reason),
        ..RunSummary::default()
    };
    if let Some(out) = &args.out {
        save_model(
            out,
            trainer.model(),
            Some(summary.clone()),
            overwrite(args.force),
        )?;
        errln!("saved {}", out.display());
    }
    if let (Some(path), Some(run_data)) = (&args.experiment, run_data) {
        let mut experiment =
            Experiment::new(run_data.source, run_data.held_out, trainer.config().clone());
        experiment.runs.push(ExperimentRun {
            summary: RunSummary { id: 1, ..summary },
            model: Some(ModelFile::from_model(trainer.model(), None)),
        });
        save_experiment(path, &experiment, overwrite(args.force))?;
        errln!("saved {}", path.display());
    }
    if interrupt::requested() {
        let saved: Vec<String> = outputs
            .iter()
            .map(|(_, p)| p.display().to_string())
            .collect();
        let which = match saved_epoch {
            Some((epoch, nll)) => {
                format!("the model of epoch {epoch} (the lowest held-out NLL, {nll:.4} nats)")
            }
            None => "the model as it was then".into(),
        };
        return Err(interrupt::Interrupted {
            epochs: trainer.epochs_done(),
            saved: if saved.is_empty() {
                "nothing to save (no --out)".into()
            } else {
                format!("saved {which} to {}", saved.join(" and "))
            },
        }
        .into());
    }
    stdout.finish()?;
    if json_out {
        outln!("{summary_json}")?;
    } else {
        outln!(
            "train NLL {:.4} nats, held-out NLL {:.4} nats{}",
            train_scores.nll,
            test_scores.nll,
            test_scores
                .accuracy
                .map(|a| format!(", held-out accuracy {a:.4}"))
                .unwrap_or_default()
        )?;
        if let Some(best) = best_test_nll {
            outln!("best achievable held-out NLL (true density): {best:.4} nats")?;
        }
        outln!(
            "{} epochs, {} steps, {:.2} s of training ({:.0} steps/s on {} threads)",
            trainer.epochs_done(),
            trainer.steps(),
            trainer.train_secs(),
            steps_per_second,
            trainer.threads()
        )?;
        outln!(
            "per step: {}",
            trainer.step_phases().describe_per_step(trainer.steps())
        )?;
        outln!(
            "wall clock: {:.2} s from the first step to the last, evaluation included ({:.0} steps/s)",
            trainer.elapsed_secs(),
            trainer.steps() as f64 / trainer.elapsed_secs().max(f64::MIN_POSITIVE)
        )?;
    }
    Ok(())
}

/// How an experiment file names a loaded data source.
fn source_spec(
    spec: &str,
    loaded: &source::Loaded,
    missing: MissingPolicy,
) -> Result<DataSourceSpec> {
    let roles = ColumnRoles {
        x: loaded.dataset.x_names().to_vec(),
        y: loaded.dataset.y_name().to_string(),
    };
    Ok(match (loaded.preset, &loaded.sha256) {
        (Some((preset, params)), _) => DataSourceSpec::Preset { preset, params },
        // The hash of the bytes that were parsed: no second read of the file.
        (None, Some(sha256)) => DataSourceSpec::File {
            path: spec.into(),
            sha256: sha256.clone(),
            roles,
            missing,
        },
        (None, None) => DataSourceSpec::file(spec, roles, missing)?,
    })
}

pub(super) fn reproduce(args: &ReproduceArgs) -> Result<()> {
    let experiment = load_experiment(&args.experiment)?;
    let name = args.experiment.display();
    let index = args.run.unwrap_or(experiment.runs.len());
    let run = index
        .checked_sub(1)
        .and_then(|i| experiment.runs.get(i))
        .with_context(|| {
            format!(
                "{name}: no run {index} (the file has {} runs)",
                experiment.runs.len()
            )
        })?;
    let run = &run.summary;
    // Every run names its own data (version 1 files: the file's data, filled in on load).
    let run_data = run.data.clone().unwrap_or_else(|| experiment.run_data());
    if let Some(problem) = run_data.check().first() {
        anyhow::bail!("{name}: run {index}: {problem}");
    }
    let (train, test) = run_data.datasets()?;
    errln!(
        "retraining run {index} ({}) on {}",
        run.label,
        run_data.describe()
    );
    let valid = run.config.validate(&train, test.as_ref())?;
    let mut trainer = Trainer::new(valid, &train, test.as_ref());
    trainer.run(|_| {});
    let mut identical = trainer.history().len() == run.history.len();
    outln!("epoch  saved train   now train   saved held-out  now held-out")?;
    for (saved, now) in run.history.iter().zip(trainer.history()) {
        let same = saved.train_nll == now.train_nll && saved.test_nll == now.test_nll;
        identical &= same;
        let fmt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.6}"));
        outln!(
            "{:>5}  {:>11.6}  {:>10.6}  {:>14}  {:>12}{}",
            saved.epoch,
            saved.train_nll,
            now.train_nll,
            fmt(saved.test_nll),
            fmt(now.test_nll),
            if same { "" } else { "  differs" }
        )?;
    }
    if !identical {
        anyhow::bail!(
            "{name}: run {index} did not reproduce (a different machine or thread count changes the arithmetic order)"
        );
    }
    outln!(
        "run {index} reproduced exactly ({} epochs)",
        run.history.len()
    )?;
    Ok(())
}

/// One epoch's line on stderr, and its JSON object on `json` when given.
fn report_epoch(record: &EpochRecord, epochs: usize, json: Option<&mut Deferred>) {
    let test = record
        .test_nll
        .map(|v| format!("{v:.4}"))
        .unwrap_or_else(|| "-".into());
    let accuracy = record
        .test_accuracy
        .map(|a| format!("  acc {a:.4}"))
        .unwrap_or_default();
    let skipped = if record.skipped_steps > 0 {
        format!("  ({} steps skipped)", record.skipped_steps)
    } else {
        String::new()
    };
    errln!(
        "epoch {:>3}/{epochs}  train {:.4}  held-out {test}{accuracy}  {:.2} s{skipped}",
        record.epoch,
        record.train_nll,
        record.train_secs
    );
    if let Some(json) = json {
        let mut value = serde_json::to_value(record).unwrap_or_default();
        value["type"] = "epoch".into();
        json.line(value);
    }
}
