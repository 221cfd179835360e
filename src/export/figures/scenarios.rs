//! Scenario comparison: the predictive p(y|x*) at several pinned inputs, overlaid as densities
//! (left) and CDFs (right), above a table of each one's mean, median, mode, σ, central
//! intervals and highest-density regions (as R's distreg.vis shows them).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::FigureError;
use super::common::{self, LegendPosition, draw_error, draw_line, legend_entry, line_glyph};
use super::posterior::format_value;
use super::style::{Style, colors};
use crate::diagnostics::{PredictiveSummary, format_intervals, level_label};
use crate::nn::NormalMixture;

/// Scenarios one figure can tell apart by colour.
pub const MAX_SCENARIOS: usize = colors::CYCLE.len();

/// One pinned input and its predictive.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// How the input is named in the legend and the table ("x = 0.8").
    pub label: String,
    pub mixture: NormalMixture,
    pub summary: PredictiveSummary,
}

impl Scenario {
    pub fn new(label: String, mixture: NormalMixture) -> Scenario {
        let summary = PredictiveSummary::of(&mixture);
        Scenario {
            label,
            mixture,
            summary,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScenariosFigure<'a> {
    pub scenarios: &'a [Scenario],
    pub target: String,
    pub title: Option<String>,
}

/// The table's header and one row of text cells per scenario.
pub fn table(scenarios: &[Scenario]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header: Vec<String> = ["scenario", "mean", "median", "mode", "σ"]
        .iter()
        .map(ToString::to_string)
        .collect();
    if let Some(first) = scenarios.first() {
        for l in &first.summary.levels {
            header.push(format!("{} central", level_label(l.level)));
            header.push(format!("{} HDR", level_label(l.level)));
        }
    }
    let rows = scenarios
        .iter()
        .map(|s| {
            let m = &s.summary;
            let mut row = vec![
                s.label.clone(),
                format_value(m.mean),
                format_value(m.median),
                format_value(m.mode),
                format_value(m.std),
            ];
            for l in &m.levels {
                row.push(format_intervals(&[l.central], format_value));
                row.push(format_intervals(&l.hdr.intervals, format_value));
            }
            row
        })
        .collect();
    (header, rows)
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &ScenariosFigure<'_>,
    style: &Style,
) -> Result<(), FigureError> {
    if fig.scenarios.is_empty() {
        return Err(FigureError::Empty("no scenarios to compare".into()));
    }
    if fig.scenarios.len() > MAX_SCENARIOS {
        return Err(FigureError::Empty(format!(
            "{} scenarios; at most {MAX_SCENARIOS} can be told apart by colour",
            fig.scenarios.len()
        )));
    }
    let area = common::with_title(root, fig.title.as_deref(), style)?;
    let (_, height) = area.dim_in_pixel();
    let line_height = style.px(13.0);
    let table_height = (line_height * (fig.scenarios.len() as f64 + 1.6)) as u32;
    let (plots, table_area) = area.split_vertically(height.saturating_sub(table_height));
    let panels = plots.split_evenly((1, 2));
    let (lo, hi) = y_range(fig.scenarios);
    let n = 601;
    let ys: Vec<f64> = (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect();
    let peak = fig
        .scenarios
        .iter()
        .flat_map(|s| ys.iter().map(|&y| s.mixture.pdf(y)))
        .fold(1e-12, f64::max);
    let width = style.line_px();
    let mut density = common::cartesian(
        &panels[0],
        style,
        lo..hi,
        0.0..peak * 1.12,
        &fig.target,
        &format!("p({} | x*)", fig.target),
    )?;
    for (s, color) in fig.scenarios.iter().zip(colors::CYCLE) {
        let pts: Vec<(f64, f64)> = ys.iter().map(|&y| (y, s.mixture.pdf(y))).collect();
        draw_line(&mut density, &pts, color.stroke_width(width), None)?;
        legend_entry(&mut density, &s.label, line_glyph(style, color, width))?;
    }
    common::legend(&mut density, style, LegendPosition::UpperRight)?;
    let mut cdf = common::cartesian(
        &panels[1],
        style,
        lo..hi,
        0.0..1.0,
        &fig.target,
        &format!("F({} | x*)", fig.target),
    )?;
    for (s, color) in fig.scenarios.iter().zip(colors::CYCLE) {
        let pts: Vec<(f64, f64)> = ys.iter().map(|&y| (y, s.mixture.cdf(y))).collect();
        draw_line(&mut cdf, &pts, color.stroke_width(width), None)?;
    }
    draw_table(&table_area, fig.scenarios, style)
}

/// From the lowest 0.5 % quantile to the highest 99.5 % one over the scenarios, padded (the
/// figure's and the window's range).
pub fn y_range(scenarios: &[Scenario]) -> (f64, f64) {
    let lo = scenarios
        .iter()
        .map(|s| s.mixture.quantile(0.005))
        .fold(f64::INFINITY, f64::min);
    let hi = scenarios
        .iter()
        .map(|s| s.mixture.quantile(0.995))
        .fold(f64::NEG_INFINITY, f64::max);
    let r = common::padded(lo, hi, 0.06);
    (r.start, r.end)
}

fn draw_table<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scenarios: &[Scenario],
    style: &Style,
) -> Result<(), FigureError> {
    let (header, rows) = table(scenarios);
    let font = style.legend_font();
    let char_px = style.px(8.5) * 0.58;
    let gap = style.px(10.0);
    // Each column as wide as its longest cell.
    let widths: Vec<f64> = (0..header.len())
        .map(|c| {
            std::iter::once(&header[c])
                .chain(rows.iter().map(|r| &r[c]))
                .map(|s| s.chars().count() as f64 * char_px)
                .fold(0.0, f64::max)
        })
        .collect();
    let line = style.px(13.0);
    let left = style.px(12.0);
    let draw_row = |cells: &[String], row: usize, color: RGBColor| {
        let mut x = left;
        for (cell, w) in cells.iter().zip(&widths) {
            area.draw_text(
                cell,
                &font.color(&color),
                (x as i32, (style.px(4.0) + line * row as f64) as i32),
            )
            .map_err(draw_error)?;
            x += w + gap;
        }
        Ok::<(), FigureError>(())
    };
    draw_row(&header, 0, colors::GREY)?;
    for (i, (row, color)) in rows.iter().zip(colors::CYCLE).enumerate() {
        draw_row(row, i + 1, color)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::check_both;
    use super::super::{Figure, ScenariosFigure};
    use super::*;

    fn scenarios() -> Vec<Scenario> {
        vec![
            Scenario::new(
                "waiting = 55".into(),
                NormalMixture {
                    weights: vec![1.0],
                    locs: vec![2.1],
                    scales: vec![0.3],
                },
            ),
            Scenario::new(
                "waiting = 76".into(),
                NormalMixture {
                    weights: vec![0.35, 0.65],
                    locs: vec![2.0, 4.4],
                    scales: vec![0.25, 0.35],
                },
            ),
        ]
    }

    #[test]
    fn the_table_lists_every_scenario_with_its_hdrs() {
        let s = scenarios();
        let (header, rows) = table(&s);
        assert_eq!(header.len(), rows[0].len());
        assert_eq!(header[5], "68 % central");
        assert_eq!(header[6], "68 % HDR");
        assert_eq!(rows[0][0], "waiting = 55");
        // The bimodal scenario's 68 % HDR is two intervals; the unimodal one's is one.
        assert!(rows[1][6].contains(" ∪ "), "{:?}", rows[1]);
        assert!(!rows[0][6].contains(" ∪ "), "{:?}", rows[0]);
        assert_eq!(rows[0][1], format_value(2.1));
    }

    #[test]
    fn renders_both_panels_and_the_table() {
        let s = scenarios();
        let figure = Figure::Scenarios(ScenariosFigure {
            scenarios: &s,
            target: "eruptions".into(),
            title: None,
        });
        let svg = check_both(&figure, &["waiting = 76", "68 % HDR", "F(eruptions | x*)"]);
        assert!(svg.contains("p(eruptions | x*)"));
    }

    #[test]
    fn too_many_scenarios_are_refused() {
        let one = scenarios().remove(0);
        let many = vec![one; MAX_SCENARIOS + 1];
        let figure = Figure::Scenarios(ScenariosFigure {
            scenarios: &many,
            target: "y".into(),
            title: None,
        });
        let err = super::super::render_figure(
            &figure,
            super::super::ImageFormat::Svg,
            &super::super::RenderOptions::new(800, 500),
        )
        .unwrap_err();
        assert!(err.to_string().contains("at most 7"), "{err}");
    }
}
