//! The headless command line: `train`, `eval`, `predict`, `generate`, `presets`, `sweep`, ….
//! Results go to stdout (JSON with `--json`), progress to stderr; every error is one line.

mod figure;
pub mod interrupt;
pub mod output;
mod output_paths;
mod source;
mod sweep;
mod sweep_args;
mod sweep_slurm;
mod train;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use serde_json::json;

use crate::data::Preset;
use crate::diagnostics::{
    DiagnosticsOptions, RegressionDiagnostics, diagnose, input_information, truth_rows,
};
use crate::export::{Overwrite, load_model, predictions_csv, write_atomic};
use crate::nn::{Head, LrSchedule};
pub use figure::{FigureArgs, FigureKind};
use output::{errln, outln};
pub use source::{SourceOptions, load as load_source};
pub use sweep::SweepArgs;

#[derive(Debug, Parser)]
#[command(
    name = "density-workbench",
    version,
    about = "Train and inspect density networks p(y|x). Without a sub-command, opens the workbench window."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model and optionally save it.
    Train(TrainArgs),
    /// Score a saved model on a dataset (mean NLL in nats, accuracy for classifiers).
    Eval(EvalArgs),
    /// Write per-row predictions (mean, std, median, mode, quantiles or p(y=1|x), log_prob).
    Predict(PredictArgs),
    /// Write a preset dataset to CSV.
    Generate(GenerateArgs),
    /// List the generator presets.
    Presets,
    /// Row count and per-column min, max, mean, std and missing count of a data file.
    Describe(DescribeArgs),
    /// Draw a figure (data, density, posterior or loss) from a model file as SVG or PNG.
    Figure(figure::FigureArgs),
    /// Retrain a run of an experiment file and check that it reproduces the saved losses.
    Reproduce(ReproduceArgs),
    /// Time the reference training workloads (steps/s, GFLOP/s, fraction of matmul peak).
    Bench(BenchArgs),
    /// Search training settings (TPE, random or grid) into an Optuna journal; save the best
    /// model or an ensemble of the best.
    Sweep(sweep::SweepArgs),
}

#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// The experiment file (written by `train --experiment` or the GUI).
    pub experiment: PathBuf,
    /// Which run (1-based; default: the last).
    #[arg(long)]
    pub run: Option<usize>,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Directory with the reference CSVs (shared/reference/make_data.py); default $DW_REFDATA,
    /// else the same tasks on generated preset data.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Tasks to run (mdn100k, mdn10k, hetero, moons); default all.
    #[arg(long, value_delimiter = ',')]
    pub tasks: Option<Vec<String>>,
    /// Threads per training step (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Runs per task (seeds seed, seed+1, …); the median time is reported.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// One JSON object per task on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DataArgs {
    /// Input columns, comma-separated (default: every column but the target); "" for none,
    /// which fits the unconditional density p(y).
    #[arg(long, value_delimiter = ',')]
    pub x: Option<Vec<String>>,
    /// Target column (default: the last column).
    #[arg(long)]
    pub y: Option<String>,
    /// Drop rows with a missing value in a used column (and report how many).
    #[arg(long)]
    pub drop_missing: bool,
    /// Rows to generate for a preset (default: the preset's own).
    #[arg(long)]
    pub n: Option<usize>,
    /// Noise level of a preset (default: the preset's own).
    #[arg(long)]
    pub noise: Option<f64>,
    /// Seed of a preset's generator.
    #[arg(long, default_value_t = 0)]
    pub data_seed: u64,
}

impl DataArgs {
    fn options(&self) -> SourceOptions {
        SourceOptions {
            // `--x ""` (no inputs: p(y)) arrives as one empty name.
            x: self
                .x
                .as_ref()
                .map(|x| x.iter().filter(|n| !n.trim().is_empty()).cloned().collect()),
            y: self.y.clone(),
            drop_missing: self.drop_missing,
            n: self.n,
            noise: self.noise,
            data_seed: self.data_seed,
        }
    }
}

#[derive(Debug, Args)]
// `--lr -1` reaches the validation and its message, not clap's "unexpected argument".
#[command(allow_negative_numbers = true)]
pub struct TrainArgs {
    /// Training data: a CSV/TSV path or preset:NAME.
    #[arg(long)]
    pub data: String,
    /// Held-out data file (default: a seeded split of --data).
    #[arg(long)]
    pub test: Option<String>,
    /// Fraction held out when no --test is given (default: 0.5 for presets, 0.2 for files).
    #[arg(long)]
    pub test_fraction: Option<f64>,
    #[command(flatten)]
    pub data_args: DataArgs,
    /// bernoulli | normal | mixture:K
    #[arg(long, default_value = "mixture:16", value_parser = parse_head)]
    pub head: Head,
    /// Hidden layers as WIDTH:ACTIVATION,… ("" for none).
    #[arg(long, default_value = "128:relu,128:tanh")]
    pub hidden: String,
    #[arg(long, default_value_t = 20)]
    pub epochs: usize,
    #[arg(long, default_value_t = 256)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Floor added to every scale, in standardised units of y.
    #[arg(long, default_value_t = 1e-3)]
    pub sigma_floor: f64,
    /// Train on raw values instead of standardised ones.
    #[arg(long)]
    pub no_standardize: bool,
    /// Stop after this many epochs without held-out improvement (keeps the best weights).
    #[arg(long)]
    pub early_stopping: Option<usize>,
    /// Threads per training step (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Learning-rate schedule: constant, cosine[:warmup=EPOCHS,min=FRACTION],
    /// step[:every=EPOCHS,gamma=FACTOR] or plateau[:patience=EPOCHS,factor=F,min_delta=NATS].
    #[arg(long, default_value = "constant", value_parser = LrSchedule::parse)]
    pub schedule: LrSchedule,
    /// Decoupled weight decay λ (AdamW): each step multiplies the weights by 1 − lr·λ.
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f64,
    /// Scale the gradient down to this global L2 norm when it is longer (default: no clipping).
    #[arg(long)]
    pub clip_norm: Option<f64>,
    /// Save the trained model here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also save an experiment file (data source with its hash, settings, this run's history).
    #[arg(long)]
    pub experiment: Option<PathBuf>,
    /// Replace --out / --experiment if they exist.
    #[arg(long)]
    pub force: bool,
    /// One JSON object per epoch and a final summary on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
// `--lr -1` reaches the validation and its message, not clap's "unexpected argument".
#[command(allow_negative_numbers = true)]
pub struct EvalArgs {
    #[arg(long)]
    pub model: PathBuf,
    /// A model of p(y) without inputs (`train --x ""`) for the same target: also report its
    /// NLL and the information the inputs carry, NLL(p(y)) − NLL(p(y|x)), in nats.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// A CSV/TSV path or preset:NAME with the model's columns.
    #[arg(long)]
    pub data: String,
    #[command(flatten)]
    pub data_args: DataArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
// `--lr -1` reaches the validation and its message, not clap's "unexpected argument".
#[command(allow_negative_numbers = true)]
pub struct PredictArgs {
    #[arg(long)]
    pub model: PathBuf,
    #[arg(long)]
    pub data: String,
    #[command(flatten)]
    pub data_args: DataArgs,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// A CSV/TSV or FITS file.
    #[arg(long)]
    pub data: PathBuf,
    /// One JSON object on stdout: {"rows": N, "columns": [{"name", "min", "max", "mean", "std", "missing"}]}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
// `--lr -1` reaches the validation and its message, not clap's "unexpected argument".
#[command(allow_negative_numbers = true)]
pub struct GenerateArgs {
    #[arg(long)]
    pub preset: String,
    #[arg(long)]
    pub n: Option<usize>,
    #[arg(long)]
    pub noise: Option<f64>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long)]
    pub force: bool,
}

fn parse_head(text: &str) -> Result<Head, String> {
    Head::parse(text).ok_or_else(|| {
        format!(
            "\"{text}\" is not a head: use bernoulli, normal or mixture:K with K from 1 to {}",
            crate::nn::head::MAX_COMPONENTS
        )
    })
}

/// Refuses more threads than the machine has cores (they would only be clamped silently).
fn check_threads(threads: usize) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads > cores {
        anyhow::bail!("--threads {threads}: this machine has {cores} cores (0 uses them all)");
    }
    Ok(())
}

/// A data argument as an input path (`preset:NAME` reads no file).
fn file_input(spec: &str) -> Option<&std::path::Path> {
    (!spec.starts_with("preset:")).then(|| std::path::Path::new(spec))
}

fn overwrite(force: bool) -> Overwrite {
    if force {
        Overwrite::Allow
    } else {
        Overwrite::Refuse
    }
}

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Train(args) => train::train(&args),
        Command::Eval(args) => eval(&args),
        Command::Predict(args) => predict(&args),
        Command::Generate(args) => generate(&args),
        Command::Describe(args) => describe(&args),
        Command::Bench(args) => bench(&args),
        Command::Reproduce(args) => train::reproduce(&args),
        Command::Figure(args) => figure::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Presets => {
            for preset in Preset::ALL {
                let p = preset.default_params();
                outln!(
                    "{:<16} n={:<7} noise={:<5} {}",
                    preset.name(),
                    p.n,
                    p.noise,
                    preset.description()
                )?;
            }
            Ok(())
        }
    }
}

fn eval(args: &EvalArgs) -> Result<()> {
    let (model, _) = load_model(&args.model)?;
    let (data, truth) = model_dataset(&args.data, &model, &args.data_args.options())?;
    let scores = model.score(&data);
    let started = std::time::Instant::now();
    let diagnostics = diagnose(&model, &data, &DiagnosticsOptions::default())
        .with_context(|| format!("{}: cannot compute the diagnostics", args.data))?;
    let diagnostics_seconds = started.elapsed().as_secs_f64();
    let information = match &args.baseline {
        Some(path) => {
            let (baseline, _) = load_model(path)?;
            let nats = input_information(&model, &baseline, &data)
                .with_context(|| format!("--baseline {}", path.display()))?;
            Some((scores.nll + nats, nats))
        }
        None => None,
    };
    let truth_diagnostics = truth
        .as_ref()
        .filter(|_| !model.head().is_classifier())
        .and_then(|t| truth_rows(t, &data))
        .map(|rows| RegressionDiagnostics::from_rows(&rows, &DiagnosticsOptions::default()));
    if args.json {
        let mut value =
            json!({ "rows": data.len(), "nll": scores.nll, "accuracy": scores.accuracy });
        for (name, v) in diagnostics.contract_fields() {
            value[name] = v.into();
        }
        value["diagnostics_seconds"] = diagnostics_seconds.into();
        if let Some((baseline_nll, nats)) = information {
            value["baseline_nll"] = baseline_nll.into();
            value["information_nats"] = nats.into();
        }
        if let Some(t) = &truth_diagnostics {
            let mut truth_value = json!({ "nll": t.nll });
            for (name, v) in t.contract_fields() {
                truth_value[name] = v.into();
            }
            value["truth"] = truth_value;
        }
        outln!("{value}")?;
    } else {
        outln!(
            "{} rows: NLL {:.4} nats{}",
            data.len(),
            scores.nll,
            scores
                .accuracy
                .map(|a| format!(", accuracy {a:.4}"))
                .unwrap_or_default()
        )?;
        print_diagnostics("model", &diagnostics.contract_fields())?;
        if let Some((baseline_nll, nats)) = information {
            outln!(
                "p(y) baseline NLL {baseline_nll:.4} nats: the inputs carry {nats:.4} nats per row"
            )?;
        }
        if let Some(t) = &truth_diagnostics {
            outln!("true density on the same rows: NLL {:.4} nats", t.nll)?;
            print_diagnostics("truth", &t.contract_fields())?;
        }
        errln!("diagnostics computed in {diagnostics_seconds:.3} s");
    }
    Ok(())
}

fn print_diagnostics(label: &str, fields: &[(&str, f64)]) -> Result<(), output::OutputError> {
    let text: Vec<String> = fields.iter().map(|(n, v)| format!("{n} {v:.4}")).collect();
    outln!("{label}: {}", text.join(", "))
}

/// The rows of `spec` with the model's columns (and the target), plus the true density when
/// `spec` is a preset that knows it.
pub(crate) fn model_dataset(
    spec: &str,
    model: &crate::nn::Model,
    options: &SourceOptions,
) -> Result<(crate::data::Dataset, Option<crate::data::Truth>)> {
    let (x_names, y_name) = (&model.spec.x_names, &model.spec.y_name);
    if source::parse_preset(spec).is_some() {
        let loaded = source::load(spec, &source::options_for_model(options, x_names))?;
        if loaded.dataset.x_names() != x_names.as_slice() {
            anyhow::bail!(
                "{spec} has inputs {:?} but the model expects {:?}",
                loaded.dataset.x_names(),
                x_names
            );
        }
        if model.head().is_classifier() {
            source::check_binary(spec, &loaded.dataset.y(), y_name)?;
        }
        let truth = loaded.preset.and_then(|(p, params)| p.truth(&params));
        return Ok((loaded.dataset, truth));
    }
    let rows = source::load_for_model(spec, x_names, y_name, options)?;
    if let (true, Some(y)) = (model.head().is_classifier(), rows.y.as_deref()) {
        source::check_binary(spec, y, y_name)?;
    }
    // Without the model's target there is nothing to score.
    let data = rows.dataset(x_names, y_name)?;
    Ok((data, None))
}

fn predict(args: &PredictArgs) -> Result<()> {
    let mut inputs = vec![("--model", args.model.as_path())];
    inputs.extend(file_input(&args.data).map(|path| ("--data", path)));
    output_paths::check(&[("--out", &args.out)], &inputs, args.force)?;
    let (model, _) = load_model(&args.model)?;
    let (x_names, y_name) = (&model.spec.x_names, &model.spec.y_name);
    let rows = source::load_for_model(&args.data, x_names, y_name, &args.data_args.options())?;
    if let (true, Some(y)) = (model.head().is_classifier(), rows.y.as_deref()) {
        source::check_binary(&args.data, y, y_name)?;
    }
    let bytes = predictions_csv(&model, &rows.x, rows.y.as_deref())
        .with_context(|| format!("{}: cannot format predictions", args.out.display()))?;
    write_atomic(&args.out, &bytes, overwrite(args.force))?;
    errln!("wrote {} predictions to {}", rows.len(), args.out.display());
    Ok(())
}

fn describe(args: &DescribeArgs) -> Result<()> {
    let table = crate::data::load_table(&args.data)?;
    let summary = table.describe();
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
        return Ok(());
    }
    let number = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.6}"));
    println!("{}: {} rows", args.data.display(), summary.rows);
    println!(
        "{:<24} {:>14} {:>14} {:>14} {:>14} {:>9}",
        "column", "min", "max", "mean", "std", "missing"
    );
    for c in &summary.columns {
        println!(
            "{:<24} {:>14} {:>14} {:>14} {:>14} {:>9}",
            c.name,
            number(c.min),
            number(c.max),
            number(c.mean),
            number(c.std),
            c.missing
        );
    }
    Ok(())
}

fn generate(args: &GenerateArgs) -> Result<()> {
    output_paths::check(&[("--out", &args.out)], &[], args.force)?;
    let spec = if args.preset.starts_with("preset:") {
        args.preset.clone()
    } else {
        format!("preset:{}", args.preset)
    };
    let options = SourceOptions {
        n: args.n,
        noise: args.noise,
        data_seed: args.seed,
        ..SourceOptions::default()
    };
    let loaded = source::load(&spec, &options)?;
    let mut bytes = Vec::new();
    let name = args.out.display().to_string();
    loaded.dataset.write_csv(&mut bytes, &name)?;
    write_atomic(&args.out, &bytes, overwrite(args.force))?;
    errln!(
        "wrote {} rows of {} to {name}",
        loaded.dataset.len(),
        loaded.description
    );
    Ok(())
}

fn bench(args: &BenchArgs) -> Result<()> {
    check_threads(args.threads)?;
    use crate::bench::{default_data_dir, matmul_peak_gflops, run_workload, workloads};
    let threads = match args.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let peak = matmul_peak_gflops(threads);
    errln!("f32 matmul peak (1024³, {threads} threads): {peak:.1} GFLOP/s");
    let data_dir = args.data_dir.clone().or_else(default_data_dir);
    let chosen: Vec<_> = workloads()
        .into_iter()
        .filter(|w| {
            args.tasks
                .as_ref()
                .is_none_or(|t| t.iter().any(|n| n == w.name))
        })
        .collect();
    if chosen.is_empty() {
        anyhow::bail!(
            "--tasks: none of {:?} is a task (mdn100k, mdn10k, hetero, moons)",
            args.tasks.clone().unwrap_or_default()
        );
    }
    for workload in &chosen {
        let result = run_workload(
            workload,
            data_dir.as_deref(),
            args.threads,
            args.seed,
            args.repeats,
            peak,
        )?;
        if args.json {
            let mut value = serde_json::to_value(&result)?;
            value["matmul_peak_gflops"] = peak.into();
            outln!("{value}")?;
        } else {
            outln!(
                "{:<8} {:>6} steps  {:>7.3} s  {:>8.0} steps/s  {:>6.1} GFLOP/s  {:>5.1} % of peak  test NLL {:.4} (seeds: {}){}",
                result.task,
                result.steps,
                result.train_seconds,
                result.steps_per_second,
                result.gflops,
                100.0 * result.peak_fraction,
                result.test_nll,
                result
                    .test_nll_per_seed
                    .iter()
                    .map(|v| format!("{v:.4}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                result
                    .test_accuracy
                    .map(|a| format!("  acc {a:.4}"))
                    .unwrap_or_default()
            )?;
        }
    }
    Ok(())
}
