//! The posterior p(y|x*) at one input: total density, weighted components, mean/median/mode,
//! shaded 68 % and 95 % central intervals, and the true density when known. For the Bernoulli
//! head: the two class probabilities as bars.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::FigureError;
use super::common::{
    self, LegendPosition, band_glyph, draw_error, draw_line, legend_entry, line_glyph,
};
use super::style::{self, Style, colors};
use crate::data::Truth;
use crate::labels::{self, condition_text, typographic_minus};
use crate::nn::{Model, NormalMixture, Predictive};

/// The levels of the shaded intervals, as the window's posterior panel computes them.
const LEVEL_68: f64 = 0.682_689_492_137_085_9;
const LEVEL_95: f64 = 0.95;

/// Inputs of the posterior figure.
#[derive(Debug, Clone)]
pub struct PosteriorFigure<'a> {
    pub predictive: &'a Predictive,
    /// The input row x* (original units), also used to evaluate the truth.
    pub x_row: Vec<f64>,
    pub x_names: Vec<String>,
    /// The inputs x* sets (the plot's axes in the window); the others are stated as held.
    /// Empty: every input is named without "held".
    pub varied: Vec<usize>,
    pub target: String,
    pub truth: Option<&'a Truth>,
    /// Horizontal range; `None`: the 0.1 %–99.9 % quantiles, padded.
    pub y_range: Option<(f64, f64)>,
    /// Draw each weighted component w_k N(y; μ_k, σ_k) (mixtures with K > 1).
    pub components: bool,
    pub title: Option<String>,
    pub legend: LegendPosition,
}

impl<'a> PosteriorFigure<'a> {
    pub fn for_model(model: &Model, predictive: &'a Predictive, x_row: Vec<f64>) -> Self {
        PosteriorFigure {
            predictive,
            x_row,
            x_names: model.spec.x_names.clone(),
            varied: Vec::new(),
            target: model.spec.y_name.clone(),
            truth: None,
            y_range: None,
            components: true,
            title: None,
            legend: LegendPosition::UpperRight,
        }
    }

    /// "x = 0.8", "x1 = 0.5, x2 = −1", or "x1 = 0.5; held: x2 = −1" when `varied` names x1:
    /// the window's wording and digits ([`crate::labels::condition_text`]).
    pub fn condition(&self) -> String {
        typographic_minus(&condition_text(&self.x_names, &self.x_row, &self.varied))
    }
}

/// The window's digits ([`crate::labels::format_value`]) with a typographic minus.
pub fn format_value(v: f64) -> String {
    typographic_minus(&labels::format_value(v))
}

fn format_interval(interval: (f64, f64)) -> String {
    typographic_minus(&labels::format_interval(interval))
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &PosteriorFigure<'_>,
    style: &Style,
) -> Result<(), FigureError> {
    // The title states where the posterior is taken, held inputs included.
    let at = format!("at {}", fig.condition());
    let title = match &fig.title {
        Some(t) => format!("{t} ({at})"),
        None => at,
    };
    let area = common::with_title(root, Some(&title), style)?;
    match fig.predictive {
        Predictive::Mixture(m) => draw_mixture(&area, fig, m, style),
        Predictive::Bernoulli { p } => draw_bernoulli(&area, fig, *p, style),
    }
}

fn draw_mixture<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &PosteriorFigure<'_>,
    m: &NormalMixture,
    style: &Style,
) -> Result<(), FigureError> {
    if m.is_empty() {
        return Err(FigureError::Empty("the mixture has no components".into()));
    }
    let (lo, hi) = fig.y_range.unwrap_or_else(|| {
        let r = common::padded(m.quantile(0.005), m.quantile(0.995), 0.1);
        (r.start, r.end)
    });
    let n = 801;
    let ys: Vec<f64> = (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect();
    let density: Vec<f64> = ys.iter().map(|&y| m.pdf(y)).collect();
    let truth: Option<Vec<f64>> = fig
        .truth
        .filter(|t| !t.is_discrete())
        .map(|t| ys.iter().map(|&y| t.log_pdf(&fig.x_row, y).exp()).collect());
    let peak = common::min_max(density.iter().chain(truth.iter().flatten()).copied())
        .map_or(1.0, |(_, hi)| hi)
        .max(1e-12);
    let condition = fig.condition();
    let y_desc = if fig.x_names.len() == 1 {
        format!("p({} | {condition})", fig.target)
    } else {
        format!("p({} | x*)", fig.target)
    };
    let intervals = [(LEVEL_95, 0.16), (LEVEL_68, 0.30)];
    let mut chart = common::cartesian(area, style, lo..hi, 0.0..peak * 1.12, &fig.target, &y_desc)?;
    // Shaded central intervals under the density.
    for (level, alpha) in intervals {
        let (a, b) = m.interval(level);
        let mut poly: Vec<(f64, f64)> = vec![(a, 0.0), (a, m.pdf(a))];
        poly.extend(
            ys.iter()
                .zip(&density)
                .filter(|(y, _)| **y > a && **y < b)
                .map(|(&y, &p)| (y, p)),
        );
        poly.extend([(b, m.pdf(b)), (b, 0.0)]);
        chart
            .draw_series(std::iter::once(Polygon::new(
                poly,
                style::BAND_COLOR.mix(alpha).filled(),
            )))
            .map_err(draw_error)?;
    }
    let thin = style.thin_px();
    if fig.components && m.len() > 1 {
        let comp_color = style::COMPONENT_COLOR.mix(0.8);
        for c in 0..m.len() {
            if m.weights[c] < 1e-3 {
                continue;
            }
            let pts: Vec<(f64, f64)> = ys.iter().map(|&y| (y, m.component_pdf(c, y))).collect();
            draw_line(&mut chart, &pts, comp_color.stroke_width(thin), None)?;
        }
    }
    let width = style.line_px();
    if let Some(t) = &truth {
        let pts: Vec<(f64, f64)> = ys.iter().copied().zip(t.iter().copied()).collect();
        draw_line(
            &mut chart,
            &pts,
            colors::BLACK.stroke_width(width),
            Some((style.px(7.0), style.px(5.0))),
        )?;
    }
    let pts: Vec<(f64, f64)> = ys.iter().copied().zip(density.iter().copied()).collect();
    draw_line(
        &mut chart,
        &pts,
        style::DENSITY_COLOR.stroke_width(width),
        None,
    )?;
    let markers = [
        ("mean", m.mean(), style::MEAN_COLOR),
        ("median", m.median(), style::MEDIAN_COLOR),
        ("mode", m.mode(), style::MODE_COLOR),
    ];
    for (_, value, color) in &markers {
        if *value >= lo && *value <= hi {
            draw_line(
                &mut chart,
                &[(*value, 0.0), (*value, m.pdf(*value))],
                color.stroke_width(width),
                None,
            )?;
        }
    }
    legend_entry(
        &mut chart,
        "predictive density",
        line_glyph(style, style::DENSITY_COLOR, width),
    )?;
    if fig.components && m.len() > 1 {
        legend_entry(
            &mut chart,
            &format!(
                "{} weighted components",
                m.weights.iter().filter(|w| **w >= 1e-3).count()
            ),
            line_glyph(style, style::COMPONENT_COLOR, thin),
        )?;
    }
    for (name, value, color) in markers {
        legend_entry(
            &mut chart,
            &format!("{name} {}", format_value(value)),
            line_glyph(style, color, width),
        )?;
    }
    let true_interval = |level: f64| {
        fig.truth
            .filter(|t| !t.is_discrete())
            .and_then(|t| t.interval(&fig.x_row, level))
    };
    for (name, level, alpha) in [("68 %", LEVEL_68, 0.45), ("95 %", LEVEL_95, 0.16)] {
        legend_entry(
            &mut chart,
            &format!("{name} interval {}", format_interval(m.interval(level))),
            band_glyph(style, style::BAND_COLOR.mix(alpha)),
        )?;
        if let Some(t) = true_interval(level) {
            legend_entry(
                &mut chart,
                &format!("true {name} {}", format_interval(t)),
                band_glyph(style, colors::BLACK.mix(alpha)),
            )?;
        }
    }
    if truth.is_some() {
        let len = style.px(14.0) as i32;
        let stroke = colors::BLACK.stroke_width(width);
        legend_entry(&mut chart, "true density", move |(x, y)| {
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (len * 2 / 5, 0)], stroke)
                + PathElement::new(vec![(len * 3 / 5, 0), (len, 0)], stroke)
        })?;
    }
    common::legend(&mut chart, style, fig.legend)
}

fn draw_bernoulli<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &PosteriorFigure<'_>,
    p: f64,
    style: &Style,
) -> Result<(), FigureError> {
    let y_desc = format!("P({} | {})", fig.target, fig.condition());
    let mut chart = common::cartesian(area, style, -0.6..1.6, 0.0..1.1, &fig.target, &y_desc)?;
    let half = 0.3;
    chart
        .draw_series([(0.0, 1.0 - p), (1.0, p)].into_iter().map(|(c, q)| {
            Rectangle::new(
                [(c - half, 0.0), (c + half, q)],
                style::BAND_COLOR.mix(0.75).filled(),
            )
        }))
        .map_err(draw_error)?
        .label(format!(
            "model: P({} = 1) = {}",
            fig.target,
            format_value(p)
        ))
        .legend(band_glyph(style, style::BAND_COLOR.mix(0.75)));
    if let Some(t) = fig.truth.filter(|t| t.is_discrete()) {
        let q = t.log_pdf(&fig.x_row, 1.0).exp();
        let width = style.line_px();
        for (c, v) in [(0.0, 1.0 - q), (1.0, q)] {
            draw_line(
                &mut chart,
                &[(c - half, v), (c + half, v)],
                colors::BLACK.stroke_width(width),
                Some((style.px(4.0), style.px(2.5))),
            )?;
        }
        legend_entry(
            &mut chart,
            &format!("truth: P({} = 1) = {}", fig.target, format_value(q)),
            line_glyph(style, colors::BLACK, width),
        )?;
    }
    common::legend(&mut chart, style, fig.legend)
}

#[cfg(test)]
mod tests {
    use super::super::Figure;
    use super::super::test_support::{check_both, maybe_save_sample, trained};
    use super::*;
    use crate::nn::Head;

    #[test]
    fn mixture_posterior_renders_with_truth() {
        let f = trained("lognormal", Head::Mixture { components: 4 }, 4000, 6);
        let x_row = vec![1.2];
        let predictive = f.model.predict(&x_row);
        let mut fig = PosteriorFigure::for_model(&f.model, &predictive, x_row);
        fig.truth = f.truth.as_ref();
        let svg = check_both(
            &Figure::Posterior(fig.clone()),
            &[
                "p(y | x = 1.2)",
                "predictive density",
                "true density",
                "68 % interval",
                "mode",
            ],
        );
        assert!(svg.contains("weighted components"));
        maybe_save_sample(&Figure::Posterior(fig), "posterior");
    }

    #[test]
    fn bernoulli_posterior_renders() {
        let f = trained("xor", Head::Bernoulli, 600, 2);
        let x_row = vec![0.5, 0.5];
        let predictive = f.model.predict(&x_row);
        let mut fig = PosteriorFigure::for_model(&f.model, &predictive, x_row);
        fig.truth = f.truth.as_ref();
        check_both(
            &Figure::Posterior(fig.clone()),
            &[
                "label",
                "P(label | x1 = 0.5, x2 = 0.5)",
                "truth: P(label = 1) = 0.9",
            ],
        );
        maybe_save_sample(&Figure::Posterior(fig), "posterior_bernoulli");
    }

    #[test]
    fn values_are_formatted_briefly() {
        assert_eq!(format_value(1.2), "1.2");
        assert_eq!(format_value(0.123456), "0.1235");
        assert_eq!(format_value(-2.5), "−2.5");
        assert_eq!(format_value(1234.5678), "1235");
    }

    #[test]
    fn the_figure_states_x_star_the_held_inputs_and_the_windows_numbers() {
        let f = trained("lognormal", Head::Mixture { components: 3 }, 3000, 3);
        let x_row = vec![1.494];
        let predictive = f.model.predict(&x_row);
        let Predictive::Mixture(m) = &predictive else {
            panic!("a mixture head");
        };
        let mut fig = PosteriorFigure::for_model(&f.model, &predictive, x_row.clone());
        fig.truth = f.truth.as_ref();
        fig.varied = vec![0];
        // The window prints these strings in its posterior panel (labels::format_*).
        let truth = f.truth.as_ref().expect("lognormal has a truth");
        let expected = [
            "at x = 1.494".to_string(),
            format!("mean {}", labels::format_value(m.mean())),
            format!("mode {}", labels::format_value(m.mode())),
            format!(
                "68 % interval {}",
                labels::format_interval(m.interval(LEVEL_68))
            ),
            format!(
                "95 % interval {}",
                labels::format_interval(m.interval(LEVEL_95))
            ),
            format!(
                "true 95 % {}",
                labels::format_interval(truth.interval(&x_row, LEVEL_95).expect("closed form"))
            ),
        ];
        let svg = check_both(&Figure::Posterior(fig), &[]).replace('\u{2212}', "-");
        for text in &expected {
            assert!(svg.contains(text.as_str()), "the figure lacks {text:?}");
        }
    }

    #[test]
    fn held_inputs_are_named_in_the_title() {
        let f = trained("xor", Head::Bernoulli, 600, 2);
        let predictive = f.model.predict(&[0.5, -0.25]);
        let mut fig = PosteriorFigure::for_model(&f.model, &predictive, vec![0.5, -0.25]);
        fig.varied = vec![0];
        let svg = check_both(&Figure::Posterior(fig), &[]);
        assert!(
            svg.contains("at x1 = 0.5; held: x2 = \u{2212}0.25"),
            "{svg}"
        );
    }
}
