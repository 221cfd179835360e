//! The sweep's plots: the objective against the trial number with the running best, the
//! selected trial's validation NLL per epoch, and parallel coordinates of the parameters
//! coloured by the objective (drawn with the painter: one vertical axis per parameter, log
//! scaled where the parameter is searched on a log scale, the objective last). The slice
//! plots and the importance list are in `slices.rs`.

use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Ui, pos2, vec2};
use egui_plot::{Corner, Legend, Line, Plot, PlotPoints, Points};

use super::trials::{Axis, StudyView, format_float};
use crate::colormap::Colormap;
use crate::sweep::TrialState;

/// Which plot the right half of the sweep tab shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum SweepPlot {
    #[default]
    Parallel,
    History,
    Epochs,
    /// The importance list over the chosen parameter's slice plot.
    Slices,
}

impl SweepPlot {
    pub const ALL: [SweepPlot; 4] = [
        SweepPlot::Parallel,
        SweepPlot::Slices,
        SweepPlot::History,
        SweepPlot::Epochs,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SweepPlot::Parallel => "Parallel coordinates",
            SweepPlot::History => "History",
            SweepPlot::Epochs => "Trial epochs",
            SweepPlot::Slices => "Slices & importance",
        }
    }
}

/// Objective → colour: the best (lowest) value bright, the worst dark.
pub(super) struct ValueColors {
    low: f64,
    high: f64,
}

impl ValueColors {
    pub(super) fn new(study: &StudyView) -> ValueColors {
        let values = study
            .trials
            .iter()
            .filter_map(|t| t.value.filter(|v| v.is_finite()));
        let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        ValueColors { low, high }
    }

    pub(super) fn color(&self, value: f64) -> Color32 {
        let t = if self.high > self.low {
            (self.high - value) / (self.high - self.low)
        } else {
            1.0
        };
        let [r, g, b] = Colormap::Viridis.rgb((0.1 + 0.9 * t.clamp(0.0, 1.0)) as f32);
        Color32::from_rgb(r, g, b)
    }
}

/// The objective of each completed trial, the running best, and (faint) the last reported
/// value of pruned trials.
pub fn history_ui(ui: &mut Ui, study: &StudyView) {
    let done: Vec<[f64; 2]> = study
        .trials
        .iter()
        .filter_map(|t| {
            t.value
                .filter(|v| v.is_finite())
                .map(|v| [t.number as f64, v])
        })
        .collect();
    let pruned: Vec<[f64; 2]> = study
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Pruned)
        .filter_map(|t| {
            t.last_intermediate()
                .filter(|v| v.is_finite())
                .map(|v| [t.number as f64, v])
        })
        .collect();
    let best = study.best_so_far();
    Plot::new("sweep history")
        .legend(Legend::default().position(Corner::RightTop))
        .x_axis_label("trial")
        .y_axis_label("validation NLL")
        .allow_scroll(false)
        .show(ui, |plot_ui| {
            plot_ui.points(
                Points::new("pruned (last epoch)", pruned)
                    .color(Color32::GRAY.gamma_multiply(0.6))
                    .radius(2.5),
            );
            plot_ui.points(
                Points::new("completed", done)
                    .color(Color32::from_rgb(70, 140, 220))
                    .radius(3.5),
            );
            plot_ui.line(
                Line::new("best so far", PlotPoints::new(best))
                    .color(Color32::from_rgb(230, 120, 40))
                    .width(2.0),
            );
        });
}

/// The selected trial's validation NLL per epoch, over every other trial's in grey.
pub fn epochs_ui(ui: &mut Ui, study: &StudyView, selected: Option<usize>) {
    let chosen = selected
        .and_then(|n| study.trials.iter().find(|t| t.number == n))
        .or_else(|| study.best());
    Plot::new("sweep trial epochs")
        .legend(Legend::default().position(Corner::RightTop))
        .x_axis_label("epoch")
        .y_axis_label("validation NLL")
        .allow_scroll(false)
        .show(ui, |plot_ui| {
            for t in &study.trials {
                if Some(t.number) == chosen.map(|c| c.number) {
                    continue;
                }
                let points: Vec<[f64; 2]> =
                    t.intermediate.iter().map(|&(s, v)| [s as f64, v]).collect();
                plot_ui.line(
                    Line::new("other trials", PlotPoints::new(points))
                        .color(Color32::GRAY.gamma_multiply(0.35))
                        .width(1.0),
                );
            }
            if let Some(t) = chosen {
                let points: Vec<[f64; 2]> =
                    t.intermediate.iter().map(|&(s, v)| [s as f64, v]).collect();
                plot_ui.line(
                    Line::new(
                        format!("trial #{} ({})", t.number, t.state.name()),
                        PlotPoints::new(points),
                    )
                    .color(Color32::from_rgb(230, 120, 40))
                    .width(2.5),
                );
            }
        });
}

/// Parallel coordinates; a click near a line selects its trial.
pub fn parallel_ui(ui: &mut Ui, study: &StudyView, selected: &mut Option<usize>) {
    let (response, painter) = ui.allocate_painter(ui.available_size(), Sense::click());
    let rect = response.rect;
    if study.axes.is_empty() {
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            "no parameters yet",
            FontId::proportional(13.0),
            ui.visuals().weak_text_color(),
        );
        return;
    }
    let colors = ValueColors::new(study);
    let text_color = ui.visuals().text_color();
    let font = FontId::proportional(11.0);
    // Room for the names above and the tick labels below the axes.
    let plot = Rect::from_min_max(rect.min + vec2(40.0, 30.0), rect.max - vec2(40.0, 22.0));
    let n_axes = study.axes.len() + 1;
    let x_of = |i: usize| plot.left() + plot.width() * i as f32 / (n_axes - 1).max(1) as f32;
    let y_of = |t: f32| plot.bottom() - plot.height() * t;
    let objective = Axis::Range {
        low: colors.low.min(colors.high),
        high: colors.high.max(colors.low),
        log: false,
        int: false,
    };
    let line_of = |t: &super::trials::TrialRow| -> Option<Vec<Pos2>> {
        let mut points: Vec<Pos2> = study
            .axes
            .iter()
            .enumerate()
            .map(|(i, (name, axis))| {
                t.params
                    .get(name)
                    .map(|&v| pos2(x_of(i), y_of(axis.position(v))))
            })
            .collect::<Option<_>>()?;
        if let Some(v) = t.value.filter(|v| v.is_finite()) {
            points.push(pos2(x_of(n_axes - 1), y_of(objective.position(v))));
        }
        Some(points)
    };
    // Greyed first (pruned, failed, running), then completed worst to best, so the best
    // lines are drawn on top.
    let mut order: Vec<&super::trials::TrialRow> = study.trials.iter().collect();
    let key = |t: &super::trials::TrialRow| t.value.unwrap_or(f64::INFINITY);
    order.sort_by(|a, b| key(b).total_cmp(&key(a)));
    let mut nearest: Option<(f32, usize)> = None;
    let click = response
        .clicked()
        .then(|| response.interact_pointer_pos())
        .flatten();
    for t in order {
        let Some(points) = line_of(t) else {
            continue;
        };
        let is_selected = *selected == Some(t.number);
        let stroke = match t.value.filter(|v| v.is_finite()) {
            Some(v) => Stroke::new(if is_selected { 3.0 } else { 1.5 }, colors.color(v)),
            None => Stroke::new(1.0, Color32::GRAY.gamma_multiply(0.35)),
        };
        painter.add(egui::Shape::line(points.clone(), stroke));
        if let Some(p) = click {
            for pair in points.windows(2) {
                let d = distance_to_segment(p, pair[0], pair[1]);
                if nearest.is_none_or(|(best, _)| d < best) {
                    nearest = Some((d, t.number));
                }
            }
        }
    }
    if let Some((d, number)) = nearest
        && d < 6.0
    {
        *selected = Some(number);
    }
    if let Some(t) = selected.and_then(|n| study.trials.iter().find(|t| t.number == n))
        && let Some(points) = line_of(t)
    {
        painter.add(egui::Shape::line(
            points,
            Stroke::new(3.0, Color32::from_rgb(230, 120, 40)),
        ));
    }
    let axis_stroke = Stroke::new(1.0, ui.visuals().widgets.noninteractive.fg_stroke.color);
    let names = study
        .axes
        .iter()
        .map(|(n, a)| (n.as_str(), a))
        .chain([("val NLL", &objective)]);
    for (i, (name, axis)) in names.enumerate() {
        let x = x_of(i);
        painter.line_segment([pos2(x, plot.top()), pos2(x, plot.bottom())], axis_stroke);
        let title = if axis.is_log() {
            format!("{name} (log)")
        } else {
            name.to_string()
        };
        painter.text(
            pos2(x, rect.top() + 4.0),
            Align2::CENTER_TOP,
            title,
            font.clone(),
            text_color,
        );
        for (label, t) in axis_ticks(axis) {
            painter.text(
                pos2(x + 3.0, y_of(t)),
                Align2::LEFT_CENTER,
                label,
                font.clone(),
                text_color.gamma_multiply(0.8),
            );
        }
    }
}

/// Labels at the ends of a range (its middle too on log axes) or at each choice.
fn axis_ticks(axis: &Axis) -> Vec<(String, f32)> {
    match axis {
        Axis::Choice(names) => names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), axis.position(i as f64)))
            .collect(),
        Axis::Range {
            low,
            high,
            log,
            int,
        } => {
            let fmt = |v: f64| {
                if *int {
                    format!("{}", v.round() as i64)
                } else {
                    format_float(v)
                }
            };
            let mut ticks = vec![(fmt(*low), 0.0), (fmt(*high), 1.0)];
            if *log && *low > 0.0 {
                let mid = (low.log10() + high.log10()) / 2.0;
                let v = 10f64.powf(mid);
                ticks.push((fmt(v), axis.position(v)));
            }
            if !low.is_finite() || !high.is_finite() {
                ticks.clear();
            }
            ticks
        }
    }
}

fn distance_to_segment(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let t = ((p - a).dot(ab) / ab.length_sq().max(1e-6)).clamp(0.0, 1.0);
    (a + ab * t - p).length()
}
