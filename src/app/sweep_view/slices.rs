//! Slice plots and the importance list: each parameter's share of the objective's variance
//! (`crate::sweep::importance`, bias-corrected ω² of a binned one-way ANOVA) as a bar list,
//! most important first; clicking a row shows that parameter's slice plot, the objective of
//! every completed trial against the parameter's value (log axis for log parameters, choices
//! by name), pruned trials greyed at their last reported validation NLL.

use egui::{Color32, RichText, Sense, Ui, vec2};
use egui_plot::{GridMark, Legend, Plot, Points, log_grid_spacer, uniform_grid_spacer};

use super::plots::ValueColors;
use super::trials::{Axis, StudyView, format_float};
use crate::sweep::TrialState;
use crate::sweep::importance::{Grouping, Importance, ParamColumn, rank};

/// Each parameter's share of the objective's variance over the completed trials, most
/// important first.
pub fn importances(study: &StudyView) -> Vec<Importance> {
    let completed: Vec<_> = study
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Complete && t.value.is_some_and(f64::is_finite))
        .collect();
    let objective: Vec<f64> = completed
        .iter()
        .map(|t| t.value.unwrap_or(f64::NAN))
        .collect();
    let params: Vec<ParamColumn> = study
        .axes
        .iter()
        .map(|(name, axis)| {
            let grouping = match axis {
                Axis::Choice(_) => Grouping::Categorical,
                Axis::Range { .. } => Grouping::Ordered,
            };
            ParamColumn {
                name: name.clone(),
                grouping,
                values: completed
                    .iter()
                    .map(|t| t.params.get(name).copied())
                    .collect(),
            }
        })
        .collect();
    rank(&params, &objective)
}

/// The importance list (a row per parameter: name and share, a bar) over the slice plot of
/// the chosen parameter (by default the most important).
pub fn slices_ui(
    ui: &mut Ui,
    study: &StudyView,
    importance: &[Importance],
    chosen: &mut Option<String>,
) {
    if study.axes.is_empty() {
        ui.label(RichText::new("no parameters yet").weak());
        return;
    }
    if chosen
        .as_ref()
        .is_none_or(|c| !study.axes.iter().any(|(n, _)| n == c))
    {
        *chosen = importance
            .first()
            .map(|i| i.name.clone())
            .or_else(|| study.axes.first().map(|(n, _)| n.clone()));
    }
    let Some(axis) = chosen
        .as_ref()
        .and_then(|c| study.axes.iter().find(|(n, _)| n == c))
        .cloned()
    else {
        return;
    };
    // Side by side where there is room, so the plot keeps its height; stacked otherwise.
    if ui.available_width() > 480.0 {
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(210.0);
                importance_ui(ui, study, importance, chosen);
            });
            ui.vertical(|ui| slice_ui(ui, study, &axis.0, &axis.1));
        });
    } else {
        importance_ui(ui, study, importance, chosen);
        slice_ui(ui, study, &axis.0, &axis.1);
    }
}

/// The bar list: a clickable row per parameter, most important first, then those without a
/// share yet.
fn importance_ui(
    ui: &mut Ui,
    study: &StudyView,
    importance: &[Importance],
    chosen: &mut Option<String>,
) {
    ui.label(RichText::new("Importance (ω², share of variance)").small().weak())
        .on_hover_text("Each parameter on its own: the completed trials grouped by its value (a group per choice, up to 10 equal-count bins otherwise); ω² = (SS_between − (k−1)·MS_within) / (SS_total + MS_within), the share of the validation NLL's variance the groups explain, less what chance explains. Interactions are not split out. Click a row for its slice plot.");
    // Parameters without a share yet (too few trials) are listed after, so each can be chosen.
    let unranked = study
        .axes
        .iter()
        .filter(|(n, _)| !importance.iter().any(|i| &i.name == n));
    egui::Grid::new("sweep importance")
        .num_columns(2)
        .show(ui, |ui| {
            for i in importance {
                let text = format!("{}: {:.0}%", i.name, 100.0 * i.omega_sq);
                let on = chosen.as_deref() == Some(i.name.as_str());
                if ui
                    .selectable_label(on, text)
                    .on_hover_text(format!(
                        "ω² {:.3}, η² {:.3}; {} groups, {} trials",
                        i.omega_sq, i.eta_sq, i.groups, i.trials
                    ))
                    .clicked()
                {
                    *chosen = Some(i.name.clone());
                }
                bar_ui(ui, i.omega_sq, on);
                ui.end_row();
            }
            for (name, _) in unranked {
                let on = chosen.as_deref() == Some(name.as_str());
                if ui
                    .selectable_label(on, format!("{name}: –"))
                    .on_hover_text("too few completed trials for a share")
                    .clicked()
                {
                    *chosen = Some(name.clone());
                }
                ui.end_row();
            }
        });
}

fn bar_ui(ui: &mut Ui, share: f64, chosen: bool) {
    let (rect, _) = ui.allocate_exact_size(vec2(120.0, 10.0), Sense::hover());
    let painter = ui.painter();
    painter.rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
    let mut filled = rect;
    filled.set_width(rect.width() * share.clamp(0.0, 1.0) as f32);
    let color = if chosen {
        Color32::from_rgb(230, 120, 40)
    } else {
        Color32::from_rgb(70, 140, 220)
    };
    painter.rect_filled(filled, 2.0, color);
}

/// Where a parameter's internal value sits on the slice plot's x axis: log10 of it on a log
/// axis (labelled back in the parameter's units), the choice's index for choices.
fn x_of(axis: &Axis, internal: f64) -> f64 {
    match axis {
        Axis::Range { log: true, low, .. } if *low > 0.0 && internal > 0.0 => internal.log10(),
        _ => internal,
    }
}

/// The objective against one parameter.
fn slice_ui(ui: &mut Ui, study: &StudyView, name: &str, axis: &Axis) {
    let log = axis.is_log();
    let title = if log {
        format!("validation NLL against {name} (log axis)")
    } else {
        format!("validation NLL against {name}")
    };
    ui.label(RichText::new(&title).strong());
    let colors = ValueColors::new(study);
    let point =
        |t: &super::trials::TrialRow, v: f64| t.params.get(name).map(|&p| [x_of(axis, p), v]);
    let pruned: Vec<[f64; 2]> = study
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Pruned)
        .filter_map(|t| point(t, t.last_intermediate().filter(|v| v.is_finite())?))
        .collect();
    let completed: Vec<([f64; 2], f64)> = study
        .trials
        .iter()
        .filter_map(|t| {
            let v = t.value.filter(|v| v.is_finite())?;
            Some((point(t, v)?, v))
        })
        .collect();
    let mut plot = Plot::new(("sweep slice", name))
        .legend(Legend::default())
        .x_axis_label(if log {
            format!("{name} (log)")
        } else {
            name.to_string()
        })
        .y_axis_label("validation NLL")
        .allow_scroll(false);
    match axis {
        Axis::Choice(names) => {
            let names = names.clone();
            plot = plot
                .x_grid_spacer(uniform_grid_spacer(|_| [1.0, 5.0, 10.0]))
                .x_axis_formatter(move |mark: GridMark, _| {
                    let i = mark.value.round();
                    if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                        names.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                });
        }
        Axis::Range { log: true, .. } => {
            plot = plot
                .x_grid_spacer(log_grid_spacer(10))
                .x_axis_formatter(|mark: GridMark, _| format_float(10f64.powf(mark.value)));
        }
        Axis::Range { .. } => {}
    }
    plot.show(ui, |plot_ui| {
        plot_ui.points(
            Points::new("pruned (last epoch)", pruned)
                .color(Color32::GRAY.gamma_multiply(0.6))
                .radius(2.5),
        );
        // One series per colour would flood the legend: completed trials share one name.
        for (xy, v) in completed {
            plot_ui.points(
                Points::new("completed", vec![xy])
                    .color(colors.color(v))
                    .radius(3.5),
            );
        }
    });
}
