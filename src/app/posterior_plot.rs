//! The posterior p(y|x*) of the drawn model: the mixture total and its weighted components,
//! mean / median / mode, the 68 % and 95 % central intervals (shaded and listed), and the
//! true density for presets that know it. For the Bernoulli head, p(y=1|x*).
//!
//! One forward pass and a few hundred pdf evaluations: cheap enough for the UI thread, and
//! cached by (model, x*) so it runs only when either changes.

use egui::{Color32, Ui};
use egui_plot::{Bar, BarChart, Corner, FilledArea, Line, LineStyle, PlotPoints, VLine};

use crate::diagnostics::PredictiveSummary;
use crate::nn::{NormalMixture, Predictive};

use super::colormap::{CLASS0, CLASS1, color, with_alpha};
use super::plot_curves::{MEAN_COLOR, MEDIAN_COLOR, MODE_COLOR};
use super::shown::Shown;
use super::state;
use crate::labels::{condition_text, format_interval, format_value};
use crate::palette;

/// Points of the pdf curve.
const GRID: usize = 400;
const TRUTH_COLOR: Color32 = Color32::from_rgb(250, 250, 250);

#[derive(Default)]
pub struct PosteriorCache {
    key: Option<(u64, u64, Vec<u64>)>,
    summary: Option<Posterior>,
}

pub enum Posterior {
    Density(Box<DensitySummary>),
    Bernoulli { p: f64, true_p: Option<f64> },
}

pub struct DensitySummary {
    pub pdf: Vec<[f64; 2]>,
    /// Weighted component densities w_k N(y; μ_k, σ_k), for components with weight ≥ 1 %.
    pub components: Vec<(f64, Vec<[f64; 2]>)>,
    pub mean: f64,
    pub std: f64,
    pub median: f64,
    pub mode: f64,
    pub i68: (f64, f64),
    pub i95: (f64, f64),
    pub truth: Option<TrueSummary>,
}

pub struct TrueSummary {
    pub pdf: Vec<[f64; 2]>,
    pub mean: f64,
    pub median: f64,
    pub modes: Vec<f64>,
    pub i68: Option<(f64, f64)>,
    pub i95: Option<(f64, f64)>,
}

/// The level of the "68 %" interval: the mass within one σ of a Normal's mean.
pub const LEVEL_68: f64 = 0.682_689_492_137_085_9;
pub const LEVEL_95: f64 = 0.95;

pub fn posterior_ui(
    ui: &mut Ui,
    data: &state::LoadedData,
    shown: &Shown<'_>,
    view: &mut state::ViewSettings,
    cache: &mut PosteriorCache,
    summary: Option<&PredictiveSummary>,
) {
    ui.horizontal(|ui| {
        ui.heading("Posterior p(y | x*)");
        if !shown.classifier && shown.model.is_some() {
            super::scenarios_view::pin_button(ui, data, view, shown.classifier);
        }
        ui.checkbox(&mut view.posterior_full_range, "full range")
            .on_hover_text(
                "Show the far tails too (by default the y axis covers the central 97 %)",
            );
    });
    let row = state::x_star_row(data, view, shown.classifier);
    let varied = state::x_star_columns(data, view, shown.classifier);
    ui.add(
        egui::Label::new(format!(
            "at {}",
            condition_text(data.train.x_names(), &row, &varied)
        ))
        .truncate(),
    );
    let model = shown.model;
    let mut key_row: Vec<u64> = row.iter().map(|v| v.to_bits()).collect();
    key_row.push(u64::from(view.show_truth));
    key_row.push(u64::from(view.posterior_full_range));
    let key = (
        shown.model_id * u64::from(model.is_some()),
        data.generation,
        key_row,
    );
    if cache.key.as_ref() != Some(&key) {
        let range = if view.posterior_full_range {
            FULL_RANGE
        } else {
            CENTRAL_RANGE
        };
        cache.summary = compute(model.map(|m| &**m), data, &row, view.show_truth, range);
        cache.key = Some(key);
    }
    match &cache.summary {
        None if shown.hidden.is_some() => {
            ui.label("The shown run's model was trained on other data: its posterior is hidden.");
        }
        None => {
            ui.label("Train a model (or load one) to see its posterior here.");
        }
        Some(Posterior::Bernoulli { p, true_p }) => bernoulli_ui(ui, *p, *true_p),
        Some(Posterior::Density(density)) => density_ui(ui, density, summary),
    }
}

/// Quantiles of the model's predictive that bound the plotted y range.
const CENTRAL_RANGE: (f64, f64) = (0.005, 0.975);
const FULL_RANGE: (f64, f64) = (0.0005, 0.9995);

/// The y range the panel plots for `m`: its central 97 % (or 99.9 % with `full_range`),
/// padded; `None` if the quantiles are not finite. Exported posterior figures use it too.
pub fn plotted_range(m: &NormalMixture, full_range: bool) -> Option<(f64, f64)> {
    y_range(
        m,
        if full_range {
            FULL_RANGE
        } else {
            CENTRAL_RANGE
        },
    )
}

fn y_range(m: &NormalMixture, (p_lo, p_hi): (f64, f64)) -> Option<(f64, f64)> {
    let (lo, hi) = (m.quantile(p_lo), m.quantile(p_hi));
    (lo.is_finite() && hi.is_finite()).then(|| state::pad_range(lo, hi, 0.08))
}

fn compute(
    model: Option<&crate::nn::Model>,
    data: &state::LoadedData,
    row: &[f64],
    with_truth: bool,
    range: (f64, f64),
) -> Option<Posterior> {
    let truth = data.truth.as_ref().filter(|_| with_truth);
    let prediction = model.map(|m| m.predict(row));
    match prediction {
        Some(Predictive::Bernoulli { p }) => {
            let true_p = truth
                .filter(|t| t.is_discrete())
                .map(|t| t.log_pdf(row, 1.0).exp());
            Some(Posterior::Bernoulli { p, true_p })
        }
        Some(Predictive::Mixture(m)) => Some(Posterior::Density(Box::new(density(
            &m, data, row, truth, range,
        )))),
        None => None,
    }
}

fn density(
    m: &NormalMixture,
    data: &state::LoadedData,
    row: &[f64],
    truth: Option<&crate::data::Truth>,
    range: (f64, f64),
) -> DensitySummary {
    let (lo, hi) = y_range(m, range).unwrap_or(data.y_view);
    let pdf = m
        .pdf_grid(lo, hi, GRID)
        .into_iter()
        .map(<[f64; 2]>::from)
        .collect();
    let ys = crate::nn::view::linspace(lo, hi, GRID);
    let components = (0..m.len())
        .filter(|&c| m.weights[c] >= 0.01 && m.len() > 1)
        .map(|c| {
            let w = m.weights[c];
            let pts = ys.iter().map(|&y| [y, m.component_pdf(c, y)]).collect();
            (w, pts)
        })
        .collect();
    let truth = truth.filter(|t| !t.is_discrete()).map(|t| TrueSummary {
        pdf: ys.iter().map(|&y| [y, t.log_pdf(row, y).exp()]).collect(),
        mean: t.mean(row),
        median: t.median(row),
        modes: t.modes(row),
        i68: t.interval(row, LEVEL_68),
        i95: t.interval(row, LEVEL_95),
    });
    DensitySummary {
        pdf,
        components,
        mean: m.mean(),
        std: m.std(),
        median: m.median(),
        mode: m.mode(),
        i68: m.interval(LEVEL_68),
        i95: m.interval(LEVEL_95),
        truth,
    }
}

fn bernoulli_ui(ui: &mut Ui, p: f64, true_p: Option<f64>) {
    ui.label(format!("p(y=1 | x*) = {}", format_value(p)));
    if let Some(t) = true_p {
        ui.label(format!("true p(y=1 | x*) = {}", format_value(t)));
    }
    super::widgets::fixed_plot("posterior bernoulli")
        .include_y(0.0)
        .include_y(1.0)
        .x_axis_label("y")
        .y_axis_label("probability")
        .show(ui, |plot_ui| {
            plot_ui.bar_chart(
                BarChart::new(
                    "p(y|x*)",
                    vec![
                        Bar::new(0.0, 1.0 - p).fill(CLASS0).name("y = 0"),
                        Bar::new(1.0, p).fill(CLASS1).name("y = 1"),
                    ],
                )
                .width(0.6),
            );
            if let Some(t) = true_p {
                plot_ui.line(
                    Line::new("truth", PlotPoints::new(vec![[0.7, t], [1.3, t]]))
                        .color(TRUTH_COLOR)
                        .style(LineStyle::Dashed { length: 6.0 }),
                );
            }
        });
}

/// `hdr`: the background-computed summary with the HDRs, when it is for this x*.
fn density_ui(ui: &mut Ui, s: &DensitySummary, hdr: Option<&PredictiveSummary>) {
    // The summary scrolls when the panel is short (a laptop-sized tab), so the density plot
    // below keeps at least 45 % of the height.
    egui::ScrollArea::vertical()
        .id_salt("posterior summary scroll")
        .max_height((ui.available_height() * 0.55).max(80.0))
        .auto_shrink([false, true])
        .show(ui, |ui| {
            egui::Grid::new("posterior summary")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    let row = |ui: &mut Ui, name: &str, value: String, color: Option<Color32>| {
                        match color {
                            Some(c) => ui.colored_label(c, name),
                            None => ui.label(name),
                        };
                        ui.label(value);
                        ui.end_row();
                    };
                    row(ui, "mean", format_value(s.mean), Some(MEAN_COLOR));
                    row(ui, "median", format_value(s.median), Some(MEDIAN_COLOR));
                    row(ui, "mode", format_value(s.mode), Some(MODE_COLOR));
                    row(ui, "std", format_value(s.std), None);
                    let interval_color = Some(color(palette::INTERVAL));
                    row(ui, "68 % interval", format_interval(s.i68), interval_color);
                    if let Some(i68) = s.truth.as_ref().and_then(|t| t.i68) {
                        // The true interval right under the model's, so the two read together.
                        row(ui, "true 68 %", format_interval(i68), Some(TRUTH_COLOR));
                    }
                    row(ui, "95 % interval", format_interval(s.i95), interval_color);
                    if let Some(i95) = s.truth.as_ref().and_then(|t| t.i95) {
                        row(ui, "true 95 %", format_interval(i95), Some(TRUTH_COLOR));
                    }
                    // Highest-density regions: a bimodal p(y|x*) splits them where its
                    // central interval spans the valley between the modes.
                    match hdr {
                        Some(summary) => {
                            for (name, value) in super::scenarios_view::hdr_rows(&summary.levels) {
                                // Wrapped: a multimodal HDR must not widen the panel.
                                ui.label(name);
                                ui.add(egui::Label::new(value).wrap());
                                ui.end_row();
                            }
                        }
                        None => row(ui, "HDRs", "…".into(), None),
                    }
                    if let Some(t) = &s.truth {
                        // One value per row, so the panel keeps its width (five true modes included).
                        row(ui, "true mean", format_value(t.mean), Some(TRUTH_COLOR));
                        row(ui, "true median", format_value(t.median), Some(TRUTH_COLOR));
                        let modes = t
                            .modes
                            .iter()
                            .map(|m| format_value(*m))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let label = if t.modes.len() > 1 {
                            "true modes"
                        } else {
                            "true mode"
                        };
                        ui.colored_label(TRUTH_COLOR, label);
                        ui.add(egui::Label::new(modes).wrap());
                        ui.end_row();
                    }
                });
        });
    let max_pdf = s.pdf.iter().map(|p| p[1]).fold(0.0, f64::max);
    super::widgets::fixed_plot("posterior")
        .legend(super::widgets::legend(Corner::RightTop))
        .include_y(0.0)
        .include_y(max_pdf * 1.05)
        .custom_x_axes(super::widgets::x_axis("y"))
        .y_axis_label("density")
        .show(ui, |plot_ui| {
            for (level, range, alpha) in [("95 %", s.i95, 40u8), ("68 %", s.i68, 70)] {
                let inside: Vec<&[f64; 2]> = s
                    .pdf
                    .iter()
                    .filter(|p| p[0] >= range.0 && p[0] <= range.1)
                    .collect();
                let xs: Vec<f64> = inside.iter().map(|p| p[0]).collect();
                let top: Vec<f64> = inside.iter().map(|p| p[1]).collect();
                let zeros = vec![0.0; xs.len()];
                if xs.len() >= 2 {
                    plot_ui.add(
                        FilledArea::new(format!("{level} shaded"), &xs, &zeros, &top)
                            .fill_color(with_alpha(palette::INTERVAL, alpha)),
                    );
                }
            }
            for (w, pts) in &s.components {
                let alpha = (40.0 + 200.0 * w.sqrt()).min(255.0) as u8;
                let pts: Vec<[f64; 2]> = pts.iter().map(|p| [p[0], p[1] * w]).collect();
                plot_ui.line(
                    Line::new("weighted components", PlotPoints::new(pts))
                        .color(with_alpha(palette::COMPONENT, alpha))
                        .width(1.0),
                );
            }
            plot_ui.line(
                Line::new("p(y|x*)", PlotPoints::new(s.pdf.clone()))
                    .color(color(palette::DENSITY))
                    .width(2.5),
            );
            if let Some(t) = &s.truth {
                plot_ui.line(
                    Line::new("true density", PlotPoints::new(t.pdf.clone()))
                        .color(TRUTH_COLOR)
                        .style(LineStyle::Dashed { length: 6.0 })
                        .width(1.5),
                );
            }
            for (name, value, color) in [
                ("mean", s.mean, MEAN_COLOR),
                ("median", s.median, MEDIAN_COLOR),
                ("mode", s.mode, MODE_COLOR),
            ] {
                plot_ui.vline(VLine::new(name, value).color(color).width(1.5));
            }
        });
}
