//! Mixture health along one input: weights π_k(x), locations μ_k(x) and scales σ_k(x) of
//! every component in three stacked panels, with the warnings (dead, collapsed, on the σ
//! floor) in the legend.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::FigureError;
use super::common::{self, LegendPosition, draw_line, legend_entry, line_glyph};
use super::style::{Style, colors};
use crate::diagnostics::MixtureHealth;

#[derive(Debug, Clone)]
pub struct ComponentsFigure<'a> {
    pub health: &'a MixtureHealth,
    pub x_name: String,
    pub y_name: String,
    pub title: Option<String>,
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &ComponentsFigure<'_>,
    style: &Style,
) -> Result<(), FigureError> {
    let h = fig.health;
    if h.xs.len() < 2 || h.components.is_empty() {
        return Err(FigureError::Empty("no components along x".into()));
    }
    let area = common::with_title(root, fig.title.as_deref(), style)?;
    let panels = area.split_evenly((3, 1));
    let x_range = h.xs[0]..h.xs[h.xs.len() - 1];
    let names = ["weight π_k", "location μ_k", "scale σ_k"];
    for (p, (panel, name)) in panels.iter().zip(names.iter()).enumerate() {
        let values_of = |k: usize| -> &[f64] {
            let c = &h.components[k];
            match p {
                0 => &c.weight,
                1 => &c.loc,
                _ => &c.scale,
            }
        };
        let all = (0..h.components.len()).flat_map(|k| values_of(k).iter().copied());
        let (lo, hi) = common::min_max(all).unwrap_or((0.0, 1.0));
        let y_range = if *name == "weight π_k" {
            0.0..(hi * 1.15).clamp(0.05, 1.02)
        } else {
            common::padded(
                lo.min(if *name == "scale σ_k" { 0.0 } else { lo }),
                hi,
                0.05,
            )
        };
        let y_desc = match *name {
            "weight π_k" => name.to_string(),
            _ => format!("{name} ({})", fig.y_name),
        };
        let x_desc = if *name == "scale σ_k" {
            fig.x_name.as_str()
        } else {
            ""
        };
        let mut chart = common::cartesian(panel, style, x_range.clone(), y_range, x_desc, &y_desc)?;
        for k in 0..h.components.len() {
            let weights = &h.components[k].weight;
            let alive = weights.iter().copied().fold(0.0, f64::max) >= 0.01;
            let color = if alive {
                colors::CYCLE[k % colors::CYCLE.len()]
            } else {
                colors::LIGHT_GREY
            };
            let points: Vec<(f64, f64)> =
                h.xs.iter()
                    .copied()
                    .zip(values_of(k).iter().copied())
                    .collect();
            draw_line(
                &mut chart,
                &points,
                color.stroke_width(style.line_px()),
                None,
            )?;
        }
        if *name == "scale σ_k" && h.floor > 0.0 {
            draw_line(
                &mut chart,
                &[(x_range.start, h.floor), (x_range.end, h.floor)],
                colors::BLACK.stroke_width(style.thin_px()),
                Some((style.px(4.0), style.px(2.5))),
            )?;
            legend_entry(
                &mut chart,
                &format!("σ floor {:.3e}", h.floor),
                line_glyph(style, colors::BLACK, style.thin_px()),
            )?;
        }
        if *name == "weight π_k" {
            let alive = h
                .components
                .iter()
                .filter(|c| c.weight.iter().copied().fold(0.0, f64::max) >= 0.01)
                .count();
            legend_entry(
                &mut chart,
                &format!(
                    "{} components, {alive} with weight ≥ 0.01 somewhere (others grey)",
                    h.components.len()
                ),
                line_glyph(style, colors::BLUE, style.line_px()),
            )?;
            for warning in h.warnings.iter().take(4) {
                legend_entry(
                    &mut chart,
                    &warning.to_string(),
                    line_glyph(style, colors::VERMILLION, 1),
                )?;
            }
            if h.warnings.len() > 4 {
                legend_entry(
                    &mut chart,
                    &format!("… and {} more warnings", h.warnings.len() - 4),
                    line_glyph(style, colors::VERMILLION, 1),
                )?;
            }
        }
        if *name != "location μ_k" {
            common::legend(&mut chart, style, LegendPosition::UpperRight)?;
        }
    }
    Ok(())
}
