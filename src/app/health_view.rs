//! Mixture health in the Diagnostics tab: each component's weight π_k(x), location μ_k(x) or
//! scale σ_k(x) along the plotted input (the others held where the posterior holds them), with
//! the warnings of `crate::diagnostics::MixtureHealth` (dead, collapsed, on the σ floor).

use egui::{Color32, Ui};
use egui_plot::{HLine, Line, LineStyle, PlotPoints};

use crate::diagnostics::{AlongX, MixtureHealth};
use crate::nn::{Head, Model};

use super::state::{self, ComponentParameter, LoadedData, ViewSettings};

/// Points along x at which the components are evaluated.
const POINTS: usize = 200;
pub const WARNING_COLOR: Color32 = Color32::from_rgb(255, 190, 80);

/// Where the components are followed for `model` on `data`: `None` when there is nothing to
/// follow (no inputs, not a mixture of several components).
pub fn along_x(model: &Model, data: &LoadedData, view: &ViewSettings) -> Option<AlongX> {
    let d = model.n_inputs();
    let several = matches!(model.head(), Head::Mixture { components } if components > 1);
    if d == 0 || !several || model.is_ensemble() || data.n_inputs() != d {
        return None;
    }
    let x_column = view.x_column.min(d - 1);
    Some(AlongX {
        x_column,
        base_inputs: state::x_star_row(data, view, false),
        x_range: data.x_range(x_column),
        points: POINTS,
    })
}

/// Component colours: distinguishable hues around the wheel.
fn component_color(k: usize, of: usize) -> Color32 {
    let hue = k as f32 / of.max(1) as f32;
    egui::ecolor::Hsva::new(hue, 0.6, 0.95, 1.0).into()
}

pub fn health_ui(
    ui: &mut Ui,
    health: &Result<MixtureHealth, String>,
    parameter: &mut ComponentParameter,
    x_name: &str,
) {
    let health = match health {
        Ok(h) => h,
        Err(e) => {
            super::widgets::error_label(ui, e);
            return;
        }
    };
    ui.horizontal(|ui| {
        for p in ComponentParameter::ALL {
            ui.selectable_value(parameter, p, p.short_label())
                .on_hover_text(p.label());
        }
    });
    if health.warnings.is_empty() {
        ui.label(
            egui::RichText::new("no dead, collapsed or floored components")
                .small()
                .weak(),
        );
    }
    for warning in &health.warnings {
        ui.colored_label(WARNING_COLOR, format!("⚠ {warning}"));
    }
    let k = health.components.len();
    super::widgets::fixed_plot("mixture components")
        .include_y(0.0)
        .x_axis_label(x_name.to_string())
        .y_axis_label(parameter.label())
        .show(ui, |plot_ui| {
            for (c, track) in health.components.iter().enumerate() {
                let values = match parameter {
                    ComponentParameter::Weight => &track.weight,
                    ComponentParameter::Location => &track.loc,
                    ComponentParameter::Scale => &track.scale,
                };
                let points: Vec<[f64; 2]> = health
                    .xs
                    .iter()
                    .zip(values)
                    .map(|(&x, &v)| [x, v])
                    .collect();
                plot_ui.line(
                    Line::new(format!("component {c}"), PlotPoints::new(points))
                        .color(component_color(c, k))
                        .width(1.5),
                );
            }
            if *parameter == ComponentParameter::Scale && health.floor > 0.0 {
                plot_ui.hline(
                    HLine::new("σ floor", health.floor)
                        .color(WARNING_COLOR)
                        .style(LineStyle::dashed_dense()),
                );
            }
        });
}
