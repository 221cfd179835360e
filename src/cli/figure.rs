//! `figure`: the workbench's figures from a model file (and a data file or preset), as SVG or
//! PNG.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use super::DataArgs;
use super::output::{errln, outln};
use super::source;
use crate::data::{Dataset, Truth};
use crate::diagnostics::{
    AlongX, Diagnostics, DiagnosticsOptions, MixtureHealth, RegressionDiagnostics, diagnose,
    truth_rows,
};
use crate::export::figures::posterior::format_value;
use crate::export::figures::scenarios::{MAX_SCENARIOS, table as scenario_table};
use crate::export::figures::{
    ComponentsFigure, CoverageFigure, DataFigure, DataPlotOptions, Figure, LossFigure, PitFigure,
    PosteriorFigure, ReliabilityFigure, RenderOptions, Scenario, ScenariosFigure, save_figure,
    suggest_view,
};
use crate::export::load_model;
use crate::nn::{Model, PredictionView, Predictive};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FigureKind {
    /// Data points, mean/median/mode curves and 68 %/95 % bands (p(y=1|x) or a probability
    /// map for classifiers).
    Data,
    /// The density heat map p(y|x) with the curves.
    Density,
    /// p(y|x*) at one input (--x-star).
    Posterior,
    /// Train and held-out NLL per epoch, from the model file's training history.
    Loss,
    /// PIT histogram of --data with the 95 % band of a calibrated model (regression).
    Pit,
    /// Central-interval coverage against the nominal level on --data (regression; with the
    /// true density's curve for presets).
    Coverage,
    /// Reliability diagram with the rows per bin on --data (Bernoulli head).
    Reliability,
    /// Mixture weights, locations and scales along the x column over --data's range.
    Components,
    /// p(y|x*) and its CDF at each --x-star, overlaid, with a table of mean, median, mode,
    /// σ, central intervals and highest-density regions (also printed).
    Scenarios,
}

#[derive(Debug, Args)]
pub struct FigureArgs {
    /// The model file (from `train --out` or the workbench).
    #[arg(long)]
    pub model: PathBuf,
    /// A CSV/TSV path or preset:NAME with the model's columns (needed by data and density;
    /// gives the posterior its default x* and the true curves for presets).
    #[arg(long)]
    pub data: Option<String>,
    #[command(flatten)]
    pub data_args: DataArgs,
    #[arg(long, value_enum)]
    pub kind: FigureKind,
    /// Output file; .svg or .png.
    #[arg(long)]
    pub out: PathBuf,
    /// Input value for the posterior (default: the median of the x column in --data); for
    /// scenarios, one per scenario (repeat it, or separate values by commas). The other inputs
    /// are held at their medians in --data.
    #[arg(long, allow_hyphen_values = true, value_delimiter = ',')]
    pub x_star: Vec<f64>,
    /// Input column on the horizontal axis (default: the model's first input).
    #[arg(long)]
    pub x_column: Option<String>,
    #[arg(long, default_value_t = 1600)]
    pub width: u32,
    #[arg(long, default_value_t = 1000)]
    pub height: u32,
    /// Resolution: text is sized in points (default: height / 5 inches, at least 100).
    #[arg(long)]
    pub dpi: Option<f64>,
    /// A title above the plot (journals usually prefer none).
    #[arg(long)]
    pub title: Option<String>,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
}

struct DataSource {
    dataset: Dataset,
    truth: Option<Truth>,
}

fn load_data(args: &FigureArgs, model: &Model) -> Result<Option<DataSource>> {
    let Some(spec) = &args.data else {
        return Ok(None);
    };
    let options = args.data_args.options();
    if source::parse_preset(spec).is_some() {
        let loaded = source::load(
            spec,
            &source::options_for_model(&options, &model.spec.x_names),
        )?;
        if loaded.dataset.x_names() != model.spec.x_names {
            bail!(
                "{spec} has inputs {:?} but the model expects {:?}",
                loaded.dataset.x_names(),
                model.spec.x_names
            );
        }
        let truth = loaded.preset.and_then(|(p, params)| p.truth(&params));
        return Ok(Some(DataSource {
            dataset: loaded.dataset,
            truth,
        }));
    }
    let rows = source::load_for_model(spec, &model.spec.x_names, &model.spec.y_name, &options)?;
    // The data figure draws the target too.
    let dataset = rows.dataset(&model.spec.x_names, &model.spec.y_name)?;
    Ok(Some(DataSource {
        dataset,
        truth: None,
    }))
}

fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// The model's input row for a posterior: `x_star` in the x column, every other input at its
/// median in the data (0 without data).
fn input_row(
    model: &Model,
    data: Option<&DataSource>,
    x_column: usize,
    x_star: Option<f64>,
) -> Result<Vec<f64>> {
    let d = model.n_inputs();
    let column = |j: usize| -> Option<f64> { median(data?.dataset.x_column(j)?.iter().copied()) };
    let mut row: Vec<f64> = (0..d).map(|j| column(j).unwrap_or(0.0)).collect();
    if d > 0 {
        row[x_column] = match x_star {
            Some(v) => v,
            None => column(x_column).context(
                "--kind posterior needs --x-star or --data (its median is the default x*)",
            )?,
        };
    }
    Ok(row)
}

/// One scenario per value of --x-star (a regression model).
fn scenarios(
    model: &Model,
    data: Option<&DataSource>,
    x_column: usize,
    x_stars: &[f64],
) -> Result<Vec<Scenario>> {
    if model.n_inputs() == 0 {
        bail!("--kind scenarios: the model has no inputs (it is p(y)); use --kind posterior");
    }
    x_stars
        .iter()
        .map(|&x| {
            let row = input_row(model, data, x_column, Some(x))?;
            let label = model
                .spec
                .x_names
                .iter()
                .zip(&row)
                .map(|(n, v)| format!("{n} = {}", format_value(*v)))
                .collect::<Vec<_>>()
                .join(", ");
            match model.predict(&row) {
                Predictive::Mixture(m) => Ok(Scenario::new(label, m)),
                Predictive::Bernoulli { .. } => bail!(
                    "--kind scenarios compares densities; the model is a Bernoulli classifier (use --kind posterior or data)"
                ),
            }
        })
        .collect()
}

pub fn run(args: &FigureArgs) -> Result<()> {
    let options = RenderOptions {
        width_px: args.width,
        height_px: args.height,
        dpi: args.dpi,
    };
    options.validate()?;
    crate::export::figures::ImageFormat::from_path(&args.out)?;
    let mut inputs = vec![("--model", args.model.as_path())];
    inputs.extend(
        args.data
            .as_deref()
            .and_then(super::file_input)
            .map(|p| ("--data", p)),
    );
    super::output_paths::check(&[("--out", &args.out)], &inputs, args.force)?;
    for &x_star in &args.x_star {
        if !x_star.is_finite() {
            bail!("--x-star {x_star} is not a finite number");
        }
        if crate::limits::first_out_of_range([x_star]).is_some() {
            bail!(
                "--x-star {x_star:e}: beyond ±{:e}, the largest magnitude accepted",
                crate::limits::MAX_ABS_VALUE
            );
        }
    }
    match (args.kind, args.x_star.len()) {
        (FigureKind::Scenarios, 0) => {
            bail!("--kind scenarios needs the inputs to compare: --x-star A,B[,…]")
        }
        (FigureKind::Scenarios, n) if n > MAX_SCENARIOS => bail!(
            "--kind scenarios: {n} values of --x-star; at most {MAX_SCENARIOS} can be told apart by colour"
        ),
        (FigureKind::Scenarios, _) | (_, 0 | 1) => {}
        (kind, n) => bail!(
            "--x-star was given {n} times; only --kind scenarios compares several (this is --kind {})",
            kind.to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_string())
        ),
    }
    let (model, file) = load_model(&args.model)?;
    let x_column = match &args.x_column {
        None => 0,
        Some(name) => model
            .spec
            .x_names
            .iter()
            .position(|n| n == name)
            .with_context(|| {
                format!(
                    "--x-column: the model has no input \"{name}\" (inputs: {})",
                    model.spec.x_names.join(", ")
                )
            })?,
    };
    let data = load_data(args, &model)?;
    let along_x = matches!(
        args.kind,
        FigureKind::Data | FigureKind::Density | FigureKind::Components
    );
    if model.n_inputs() == 0 && along_x {
        bail!(
            "{}: the model has no inputs (it is p(y)), so there is no x axis; use --kind posterior, pit or coverage",
            args.model.display()
        );
    }
    let overwrite = super::overwrite(args.force);
    let title = args.title.clone();
    match args.kind {
        FigureKind::Data | FigureKind::Density => {
            let Some(data) = &data else {
                bail!("--kind data and density need --data (a file or preset:NAME)");
            };
            let spec = suggest_view(&model, &data.dataset, x_column);
            let view = PredictionView::compute(&model, &spec);
            let mut figure = DataFigure::for_model(&model, &view);
            figure.train = Some(&data.dataset);
            figure.truth = data.truth.as_ref();
            figure.title = title;
            figure.point_names.0 = "data".into();
            if args.kind == FigureKind::Density {
                figure.options = DataPlotOptions::density();
            }
            save_figure(&args.out, &Figure::Data(figure), &options, overwrite)?;
        }
        FigureKind::Posterior => {
            let row = input_row(
                &model,
                data.as_ref(),
                x_column,
                args.x_star.first().copied(),
            )?;
            let predictive = model.predict(&row);
            let mut figure = PosteriorFigure::for_model(&model, &predictive, row);
            figure.truth = data.as_ref().and_then(|d| d.truth.as_ref());
            figure.title = title;
            save_figure(&args.out, &Figure::Posterior(figure), &options, overwrite)?;
        }
        FigureKind::Scenarios => {
            let scenarios = scenarios(&model, data.as_ref(), x_column, &args.x_star)?;
            let figure = ScenariosFigure {
                scenarios: &scenarios,
                target: model.spec.y_name.clone(),
                title,
            };
            save_figure(&args.out, &Figure::Scenarios(figure), &options, overwrite)?;
            let (header, rows) = scenario_table(&scenarios);
            outln!("{}", header.join("\t"))?;
            for row in rows {
                outln!("{}", row.join("\t"))?;
            }
        }
        FigureKind::Loss => {
            let history = file
                .training
                .as_ref()
                .map(|t| t.history.as_slice())
                .filter(|h| !h.is_empty())
                .with_context(|| {
                    format!(
                        "{}: the model file has no training history to plot",
                        args.model.display()
                    )
                })?;
            let mut figure = LossFigure::new(history);
            figure.best_nll = data
                .as_ref()
                .and_then(|d| d.truth.as_ref().map(|t| t.mean_nll(&d.dataset)))
                .filter(|v| v.is_finite());
            figure.title = title;
            save_figure(&args.out, &Figure::Loss(figure), &options, overwrite)?;
        }
        FigureKind::Pit | FigureKind::Coverage | FigureKind::Reliability => {
            let Some(data) = &data else {
                bail!("--kind pit, coverage and reliability need --data (a file or preset:NAME)");
            };
            let options_d = DiagnosticsOptions::default();
            let diagnostics = diagnose(&model, &data.dataset, &options_d)?;
            match (args.kind, &diagnostics) {
                (FigureKind::Pit, Diagnostics::Regression(r)) => {
                    let mut figure = PitFigure::new(&r.pit_histogram);
                    figure.tests = Some(r.uniformity);
                    figure.title = title;
                    save_figure(&args.out, &Figure::Pit(figure), &options, overwrite)?;
                }
                (FigureKind::Coverage, Diagnostics::Regression(r)) => {
                    let truth = data
                        .truth
                        .as_ref()
                        .and_then(|t| truth_rows(t, &data.dataset))
                        .map(|rows| RegressionDiagnostics::from_rows(&rows, &options_d));
                    let mut figure = CoverageFigure::new(&r.coverage);
                    figure.truth = truth.as_ref().map(|t| &t.coverage);
                    figure.title = title;
                    save_figure(&args.out, &Figure::Coverage(figure), &options, overwrite)?;
                }
                (FigureKind::Reliability, Diagnostics::Classifier(c)) => {
                    let mut figure = ReliabilityFigure::new(c);
                    figure.title = title;
                    save_figure(&args.out, &Figure::Reliability(figure), &options, overwrite)?;
                }
                (FigureKind::Reliability, _) => bail!(
                    "--kind reliability needs a Bernoulli classifier; this model has a {} head (use pit or coverage)",
                    model.head().label()
                ),
                _ => bail!(
                    "--kind {} needs a regression model; this one is a Bernoulli classifier (use reliability)",
                    if args.kind == FigureKind::Pit {
                        "pit"
                    } else {
                        "coverage"
                    }
                ),
            }
        }
        FigureKind::Components => {
            let Some(data) = &data else {
                bail!("--kind components needs --data (its x range is the plotted one)");
            };
            let d = model.n_inputs();
            let column = |j: usize| data.dataset.x_column(j).into_iter().flatten().copied();
            let range = crate::export::figures::min_max_of(column(x_column))
                .context("--kind components: the data has no finite x values")?;
            let along = AlongX {
                x_column,
                base_inputs: (0..d).map(|j| median(column(j)).unwrap_or(0.0)).collect(),
                x_range: range,
                points: 300,
            };
            let health = MixtureHealth::compute(&model, &along)?;
            for warning in &health.warnings {
                errln!("warning: {warning}");
            }
            let figure = ComponentsFigure {
                health: &health,
                x_name: model.spec.x_names[x_column].clone(),
                y_name: model.spec.y_name.clone(),
                title,
            };
            save_figure(&args.out, &Figure::Components(figure), &options, overwrite)?;
        }
    }
    errln!("wrote {}", args.out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn figure_args(args: &[&str]) -> FigureArgs {
        let mut argv = vec!["density-workbench", "figure"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv).expect("parse").command {
            Some(Command::Figure(a)) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_kind_writes_a_file_of_the_requested_size() {
        let dir = tempfile::tempdir().expect("tempdir");
        let model_path = dir.path().join("m.json");
        let data = crate::data::Preset::Heteroscedastic
            .generate(&crate::data::PresetParams {
                n: 400,
                noise: 1.0,
                seed: 0,
            })
            .unwrap();
        let config = crate::nn::TrainConfig {
            hidden: crate::nn::TrainConfig::parse_hidden("8:tanh").expect("hidden"),
            head: crate::nn::Head::Mixture { components: 2 },
            epochs: 2,
            threads: 1,
            ..Default::default()
        };
        let valid = config.validate(&data, None).expect("valid");
        let mut trainer = crate::nn::Trainer::new(valid, &data, None);
        trainer.run(|_| {});
        let record = crate::run::RunSummary {
            label: "preset".into(),
            config,
            epochs_run: 2,
            steps: trainer.steps(),
            history: trainer.history().to_vec(),
            ..Default::default()
        };
        crate::export::save_model(
            &model_path,
            trainer.model(),
            Some(record),
            crate::export::Overwrite::Refuse,
        )
        .expect("save");
        let m = model_path.to_str().expect("utf-8");
        for (kind, ext) in [
            ("data", "png"),
            ("density", "svg"),
            ("posterior", "png"),
            ("loss", "svg"),
        ] {
            let out = dir.path().join(format!("{kind}.{ext}"));
            let o = out.to_str().expect("utf-8");
            let args = figure_args(&[
                "--model",
                m,
                "--data",
                "preset:heteroscedastic",
                "--n",
                "400",
                "--kind",
                kind,
                "--out",
                o,
                "--width",
                "700",
                "--height",
                "450",
            ]);
            run(&args).expect(kind);
            let bytes = std::fs::read(&out).expect("read");
            if ext == "png" {
                assert_eq!(
                    crate::export::figures::test_support::png_size(&bytes),
                    (700, 450)
                );
            } else {
                assert!(String::from_utf8_lossy(&bytes).contains("viewBox=\"0 0 700 450\""));
            }
            let err = run(&args).unwrap_err();
            assert!(err.to_string().contains("--force"), "{err}");
        }
        let args = figure_args(&[
            "--model",
            m,
            "--kind",
            "posterior",
            "--x-star",
            "-0.5",
            "--out",
            dir.path().join("p.svg").to_str().expect("utf-8"),
        ]);
        run(&args).expect("posterior without data");
        let args = figure_args(&[
            "--model",
            m,
            "--kind",
            "posterior",
            "--out",
            dir.path().join("q.svg").to_str().expect("utf-8"),
        ]);
        assert!(run(&args).unwrap_err().to_string().contains("--x-star"));
        let scenarios_out = dir.path().join("s.svg");
        let args = figure_args(&[
            "--model",
            m,
            "--data",
            "preset:heteroscedastic",
            "--kind",
            "scenarios",
            "--x-star",
            "-1,0.5",
            "--x-star",
            "2",
            "--out",
            scenarios_out.to_str().expect("utf-8"),
        ]);
        run(&args).expect("scenarios");
        let svg = std::fs::read_to_string(&scenarios_out).expect("read");
        for label in ["x = −1", "x = 0.5", "x = 2", "95 % HDR"] {
            assert!(svg.contains(label), "the scenarios figure lacks {label:?}");
        }
        let args = figure_args(&[
            "--model",
            m,
            "--kind",
            "posterior",
            "--x-star",
            "1,2",
            "--out",
            dir.path().join("r.svg").to_str().expect("utf-8"),
        ]);
        let err = run(&args).unwrap_err().to_string();
        assert!(err.contains("only --kind scenarios"), "{err}");
        let args = figure_args(&[
            "--model",
            m,
            "--kind",
            "scenarios",
            "--out",
            dir.path().join("t.svg").to_str().expect("utf-8"),
        ]);
        let err = run(&args).unwrap_err().to_string();
        assert!(err.contains("--x-star A,B"), "{err}");
    }
}
