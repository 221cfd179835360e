//! `sweep`: a hyperparameter search recorded in an Optuna journal; optionally saves the best
//! trial's model or the ensemble of the best N.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

pub use super::sweep_args::{Backend, SweepArgs};
use super::{overwrite, source, sweep_slurm};
use crate::export::{save_ensemble, save_model};
use crate::nn::Model;
use crate::run::RunSummary;
use crate::sweep::study::decode_params;
use crate::sweep::{
    Space, Study, SweepData, SweepOptions, TrainedTrial, TrialEvent, TrialRecord, TrialState,
    retrain, run_sweep,
};

pub fn run(args: &SweepArgs) -> Result<()> {
    let space = Space::load(&args.space)?;
    if args.trials == 0 {
        bail!("--trials: must be at least 1");
    }
    if args.ensemble == Some(0) {
        bail!("--ensemble: must be at least 1");
    }
    if let Some(out) = &args.out
        && !args.force
        && out.exists()
    {
        bail!(
            "{}: already exists (pass --force to replace it)",
            out.display()
        );
    }
    let options = args.data_args.options();
    let loaded = source::load(&args.data, &options)?;
    let test = args
        .test
        .as_ref()
        .map(|path| source::load(path, &options))
        .transpose()?;
    let val_file = args
        .val
        .as_ref()
        .map(|path| source::load(path, &options).with_context(|| format!("--val {path}")))
        .transpose()?;
    let (train, val) = match &val_file {
        Some(v) => (loaded.dataset.clone(), v.dataset.clone()),
        None => loaded
            .dataset
            .split(args.val_fraction, args.seed)
            .with_context(|| format!("--val-fraction {}", args.val_fraction))?,
    };
    let corner = space.corner();
    let config = space
        .config(&corner, crate::sweep::runner::base_config(args.seed))
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.space.display()))?;
    config
        .validate(&train, test.as_ref().map(|t| &t.dataset).or(Some(&val)))
        .with_context(|| {
            format!(
                "{}: the space does not suit the data (checked at its first point)",
                args.space.display()
            )
        })?;
    let fingerprint_of = |l: &source::Loaded| {
        l.sha256
            .clone()
            .map_or(l.description.clone(), |h| format!("sha256:{h}"))
    };
    let mut data_fingerprint = json!({
        "source": fingerprint_of(&loaded),
        "x": loaded.dataset.x_names(),
        "y": loaded.dataset.y_name(),
        "rows": loaded.dataset.len(),
        "val_fraction": args.val_fraction,
        "split_seed": args.seed,
    });
    // Only set with --val, so the journals of split sweeps keep their fingerprint.
    if let Some(v) = &val_file {
        data_fingerprint["val_fraction"] = Value::Null;
        data_fingerprint["val"] = fingerprint_of(v).into();
        data_fingerprint["val_rows"] = v.dataset.len().into();
    }
    let study_name = args.study_name.clone().unwrap_or_else(|| {
        args.space
            .file_stem()
            .map_or("sweep".into(), |s| s.to_string_lossy().into_owned())
    });
    let submitter = args.backend == Backend::Slurm && !args.worker;
    if args.backend == Backend::Local
        && (args.wait || args.dry_run || args.workers != 1 || !args.sbatch_args.is_empty())
    {
        bail!("--workers, --sbatch-arg, --wait and --dry-run: only with --backend slurm");
    }
    if args.worker && !args.journal.exists() {
        bail!(
            "--worker: {} does not exist (a worker joins a study; start it with sweep --backend slurm, or without --worker)",
            args.journal.display()
        );
    }
    // Slurm workers take one core per trial by default, not all of the login node's.
    let parallel = args
        .parallel
        .unwrap_or_else(|| {
            if submitter {
                1
            } else {
                std::thread::available_parallelism().map_or(1, |n| n.get())
            }
        })
        .max(1);
    let job = submitter
        .then(|| sweep_slurm::job_spec(args, &study_name, parallel))
        .transpose()?;
    if let Some(job) = &job
        && args.dry_run
    {
        print!("{}", crate::sweep::slurm::job_script(job));
        return Ok(());
    }
    let worker_prefix = format!("{}-", crate::sweep::ids::uuid4());
    let open_study = || {
        Study::open(
            &args.journal,
            &study_name,
            &space,
            &data_fingerprint,
            &format!("{worker_prefix}main"),
        )
    };
    let mut study = open_study()?;
    let mut trials_wanted = args.trials;
    if let Some(job) = &job {
        if !sweep_slurm::submit(job, &args.journal, args.wait)? {
            return Ok(());
        }
        // The tasks trained the trials; reopening marks FAIL those a killed task left running.
        study = open_study()?;
        trials_wanted = 0;
    }
    let sweep = SweepOptions {
        space: space.clone(),
        sampler: args.sampler,
        seed: args.seed,
        parallel,
        pruner: args.prune,
        trials: trials_wanted,
    };
    let data = SweepData {
        train: &train,
        val: &val,
        test: test.as_ref().map(|t| &t.dataset),
    };
    let already = study.counted_trials();
    eprintln!(
        "sweep \"{study_name}\" in {}: {already} of {} trials there; {} sampler, pruning {}, {parallel} in parallel; {} training rows, {} validation rows{}",
        args.journal.display(),
        args.trials,
        json!(args.sampler).as_str().unwrap_or_default(),
        json!(args.prune).as_str().unwrap_or_default(),
        train.len(),
        val.len(),
        data.test
            .map(|t| format!(", {} test rows (reported only)", t.len()))
            .unwrap_or_default()
    );
    let json_out = args.json;
    let report = |event: &TrialEvent| report_trial(event, json_out);
    let stats = run_sweep(&mut study, &sweep, &data, &worker_prefix, &report)?;
    let trials: Vec<TrialRecord> = study.trials().into_iter().cloned().collect();
    let count = |state: TrialState| trials.iter().filter(|t| t.state == state).count();
    let mut ranked: Vec<&TrialRecord> = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete && t.value().is_some_and(f64::is_finite))
        .collect();
    ranked.sort_by(|a, b| {
        a.value()
            .unwrap_or(f64::INFINITY)
            .total_cmp(&b.value().unwrap_or(f64::INFINITY))
            .then(a.number.cmp(&b.number))
    });
    let best = ranked.first().copied();
    let params_json = |t: &TrialRecord| -> Value {
        decode_params(t, &space).map_or(Value::Null, |p| {
            p.iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
    };
    let mut summary = json!({
        "type": "summary",
        "study_name": study_name,
        "journal": args.journal.display().to_string(),
        "trials": trials.len(),
        "completed": count(TrialState::Complete),
        "pruned": count(TrialState::Pruned),
        "failed": count(TrialState::Fail),
        "running": count(TrialState::Running),
        "started_this_run": stats.started,
        "recovered_as_failed": study.recovered,
        "best_trial": best.map(|t| t.number),
        "best_value": best.and_then(TrialRecord::value),
        "best_test_nll": best.and_then(|t| t.user_attrs.get("test_nll").cloned()),
        "best_params": best.map_or(Value::Null, params_json),
        "wall_seconds": stats.wall_secs,
        "journal_seconds": study.journal.io_secs,
        "journal_lines_written": study.journal.lines_written,
        "sampler": args.sampler,
        "pruner": args.prune,
        "parallel": parallel,
        "seed": args.seed,
    });
    let wanted = args.ensemble.unwrap_or(1);
    if (args.out.is_some() || args.ensemble.is_some()) && !ranked.is_empty() {
        let chosen: Vec<&TrialRecord> = ranked.iter().take(wanted).copied().collect();
        if chosen.len() < wanted {
            eprintln!(
                "warning: --ensemble {wanted}: only {} completed trials; using them all",
                chosen.len()
            );
        }
        let members = chosen
            .iter()
            .map(|t| trained_trial(t, &space, &stats.models, args.seed, &data))
            .collect::<Result<Vec<_>>>()?;
        let model = Model::ensemble(members.iter().map(|m| m.model.clone()).collect())?;
        let val_nll = model.score(&val).nll;
        let test_nll = data.test.map(|t| model.score(t).nll);
        if args.ensemble.is_some() {
            summary["ensemble_size"] = chosen.len().into();
            summary["ensemble_trials"] = chosen.iter().map(|t| t.number).collect::<Vec<_>>().into();
            summary["ensemble_value"] = val_nll.into();
            summary["ensemble_test_nll"] = test_nll.into();
        }
        if let Some(out) = &args.out {
            // A trial trains on the data less the sweep's validation split: its rows are named
            // in words (the recipe type describes plain splits only).
            let record = |m: &TrainedTrial, t: &TrialRecord| RunSummary {
                label: format!(
                    "{}{} of sweep \"{study_name}\", trial {}{}",
                    loaded.description,
                    val_file.as_ref().map_or_else(
                        || format!(
                            " less the validation split ({:.0} %, seed {})",
                            args.val_fraction * 100.0,
                            args.seed
                        ),
                        |v| format!(", validated on {}", v.description)
                    ),
                    t.number,
                    test.as_ref()
                        .map(|t| format!("; tested on {}", t.description))
                        .unwrap_or_default()
                ),
                config: m.config.clone(),
                epochs_run: m.history.len(),
                steps: m.steps,
                train_seconds: m.train_secs,
                note: m.stop_reason.clone(),
                train_nll: m.history.last().map(|r| r.train_nll),
                test_nll: data.test.map(|d| m.model.score(d).nll),
                test_accuracy: data.test.and_then(|d| m.model.score(d).accuracy),
                history: m.history.clone(),
                ..RunSummary::default()
            };
            let records = members.iter().zip(&chosen).map(|(m, t)| Some(record(m, t)));
            if chosen.len() > 1 {
                let provenance = json!({
                    "study_name": study_name,
                    "journal": args.journal.display().to_string(),
                    "trials": chosen.iter().map(|t| t.number).collect::<Vec<_>>(),
                    "values": chosen.iter().map(|t| t.value()).collect::<Vec<_>>(),
                });
                save_ensemble(
                    out,
                    &model,
                    records.collect(),
                    Some(provenance),
                    overwrite(args.force),
                )?;
            } else {
                save_model(
                    out,
                    &model,
                    records.into_iter().next().flatten(),
                    overwrite(args.force),
                )?;
            }
            summary["out"] = out.display().to_string().into();
            eprintln!(
                "saved {} ({}) to {}",
                if chosen.len() > 1 {
                    "the ensemble"
                } else {
                    "the best trial's model"
                },
                chosen
                    .iter()
                    .map(|t| format!("trial {}", t.number))
                    .collect::<Vec<_>>()
                    .join(", "),
                out.display()
            );
        }
    }
    if json_out {
        println!("{summary}");
    } else {
        print_summary(&summary);
    }
    Ok(())
}

/// A completed trial's trained model: from this run, or trained again from its settings.
fn trained_trial(
    trial: &TrialRecord,
    space: &Space,
    models: &std::collections::BTreeMap<usize, TrainedTrial>,
    seed: u64,
    data: &SweepData<'_>,
) -> Result<TrainedTrial> {
    if let Some(m) = models.get(&trial.number) {
        return Ok(m.clone());
    }
    let params = decode_params(trial, space).with_context(|| {
        format!(
            "trial {}: its parameters do not fit the space, so it cannot be trained again",
            trial.number
        )
    })?;
    let seed = trial
        .user_attrs
        .get("seed")
        .and_then(Value::as_u64)
        .unwrap_or(seed);
    eprintln!("training trial {} again for its model", trial.number);
    retrain(space, &params, seed, data).map_err(|e| anyhow::anyhow!("trial {}: {e}", trial.number))
}

fn report_trial(event: &TrialEvent, json_out: bool) {
    let params: Vec<String> = event
        .params
        .iter()
        .map(|(k, v)| match v {
            crate::sweep::ParamValue::Float(x) => format!("{k}={x:.4e}"),
            other => format!("{k}={other}"),
        })
        .collect();
    let value = event.value.map_or("-".to_string(), |v| format!("{v:.4}"));
    let test = event
        .test_nll
        .map(|v| format!("  test {v:.4}"))
        .unwrap_or_default();
    eprintln!(
        "trial {:>3} {:<8} val NLL {value}{test}  {} epochs  {:.2} s  {}{}",
        event.number,
        event.state.name(),
        event.epochs,
        event.seconds,
        params.join(" "),
        event
            .fail_reason
            .as_ref()
            .map(|r| format!("  ({r})"))
            .unwrap_or_default()
    );
    if json_out {
        let params: serde_json::Map<String, Value> = event
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect();
        println!(
            "{}",
            json!({
                "type": "trial",
                "number": event.number,
                "state": event.state.name(),
                "value": event.value,
                "test_nll": event.test_nll,
                "epochs": event.epochs,
                "seconds": event.seconds,
                "params": params,
                "fail_reason": event.fail_reason,
            })
        );
    }
}

fn print_summary(summary: &Value) {
    println!(
        "{} trials: {} completed, {} pruned, {} failed ({} started in this run, {:.2} s, journal {:.3} s)",
        summary["trials"],
        summary["completed"],
        summary["pruned"],
        summary["failed"],
        summary["started_this_run"],
        summary["wall_seconds"].as_f64().unwrap_or(0.0),
        summary["journal_seconds"].as_f64().unwrap_or(0.0),
    );
    if let Some(best) = summary["best_trial"].as_u64() {
        println!(
            "best trial {best}: validation NLL {:.4}{}  {}",
            summary["best_value"].as_f64().unwrap_or(f64::NAN),
            summary["best_test_nll"]
                .as_f64()
                .map(|v| format!(", test NLL {v:.4}"))
                .unwrap_or_default(),
            summary["best_params"]
        );
    }
    if let Some(value) = summary["ensemble_value"].as_f64() {
        println!(
            "ensemble of {}: validation NLL {value:.4}{}",
            summary["ensemble_size"],
            summary["ensemble_test_nll"]
                .as_f64()
                .map(|v| format!(", test NLL {v:.4}"))
                .unwrap_or_default()
        );
    }
}
