//! Small helpers: a label and the widget it names (so screen readers and tests find the
//! widget by the label's text).

use egui::{Response, Ui, Widget};

/// One grid row: `label` then `widget`, the widget labelled by the label.
pub fn grid_row(ui: &mut Ui, label: &str, widget: impl Widget) -> Response {
    let label = ui.label(label);
    let response = ui.add(widget).labelled_by(label.id);
    ui.end_row();
    response
}

/// An x axis whose tick labels may sit closer together than egui_plot's default (60 px), so a
/// range like 0.1–1.5 gets labels at every 0.1 or 0.2 rather than only at 1.
pub fn x_axis(label: impl Into<egui::WidgetText>) -> Vec<egui_plot::AxisHints<'static>> {
    vec![
        egui_plot::AxisHints::new_x()
            .label(label)
            .label_spacing(28.0..=44.0),
    ]
}

/// Grid steps of 10^k and 5 × 10^k where egui_plot's default has powers of ten only. Each step
/// divides the next, so labels of two steps never crowd each other; a short axis gets a label
/// every 5 where powers of ten left one (the main plot's y axis at 1024×640: 0–15 over ~220
/// points, labelled only at 10).
pub fn fives_grid_spacer() -> impl Fn(egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    egui_plot::uniform_grid_spacer(|input| {
        let finest = next_one_or_five(input.base_step_size);
        let middle = next_one_or_five(finest * 1.5);
        [finest, middle, next_one_or_five(middle * 1.5)]
    })
}

/// A y axis for [`fives_grid_spacer`]: tick labels with the decimals their step needs (egui_plot's
/// default rounds the digits, so a step of 0.5 printed 0.5 as "0").
pub fn fives_y_axis(label: impl Into<egui::WidgetText>) -> Vec<egui_plot::AxisHints<'static>> {
    vec![
        egui_plot::AxisHints::new_y()
            .label(label)
            .formatter(|mark, _| tick_label(mark.value, mark.step_size)),
    ]
}

/// `value` with enough decimals to tell it from its neighbours `step` away.
fn tick_label(value: f64, step: f64) -> String {
    let decimals = if step > 0.0 && step.is_finite() {
        (-step.log10() - 1e-9).ceil().clamp(0.0, 12.0) as usize
    } else {
        0
    };
    egui::emath::format_with_decimals_in_range(value, decimals..=decimals)
}

/// The smallest 10^k or 5 × 10^k that is at least `x`.
fn next_one_or_five(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let decade = 10f64.powf(x.log10().floor());
    if x <= decade * (1.0 + 1e-9) {
        decade
    } else if x <= 5.0 * decade {
        5.0 * decade
    } else {
        10.0 * decade
    }
}

/// A plot that only shows: no zoom, drag, scroll or boxed zoom (the summary plots, whose
/// ranges are chosen for them; clicks still reach the response).
pub fn fixed_plot<'a>(id: &'static str) -> egui_plot::Plot<'a> {
    egui_plot::Plot::new(id)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
}

/// A compact legend.
pub fn legend(corner: egui_plot::Corner) -> egui_plot::Legend {
    egui_plot::Legend::default()
        .position(corner)
        .text_style(egui::TextStyle::Small)
        .background_alpha(0.6)
}

/// Red text for errors.
pub fn error_label(ui: &mut Ui, text: &str) {
    ui.colored_label(ui.visuals().error_fg_color, text);
}

/// A number with a sensible count of significant digits.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.3e}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// 12345 → "12 345".
pub fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

/// Seconds as "42 s", "3 min 5 s", "1 h 2 min".
pub fn fmt_secs(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "–".into();
    }
    let s = secs.round() as u64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(fmt_num(1.23456), "1.235");
        assert_eq!(fmt_num(1234.5), "1234.5");
        assert_eq!(fmt_num(1e-5), "1.000e-5");
        assert_eq!(fmt_count(1234567), "1\u{2009}234\u{2009}567");
        assert_eq!(fmt_secs(125.0), "2 min 5 s");
        assert_eq!(fmt_secs(f64::NAN), "–");
    }

    #[test]
    fn tick_labels_keep_the_digits_of_their_step() {
        assert_eq!(tick_label(0.5, 0.5), "0.5");
        assert_eq!(tick_label(-0.5, 0.5), "-0.5");
        assert_eq!(tick_label(10.0, 5.0), "10");
        assert_eq!(tick_label(1.05, 0.05), "1.05");
        assert_eq!(tick_label(0.3, 0.1), "0.3");
        assert_eq!(tick_label(2.0, 1.0), "2");
    }

    #[test]
    fn grid_steps_are_ones_and_fives_that_nest() {
        for (x, step) in [
            (0.54, 1.0),
            (1.0, 1.0),
            (1.5, 5.0),
            (7.5, 10.0),
            (0.03, 0.05),
        ] {
            let got = next_one_or_five(x);
            assert!((got - step).abs() < 1e-12, "{x}: {got}");
        }
        assert_eq!(next_one_or_five(0.0), 1.0);
        // From any finest step the next two are 5× then 2× (or 2× then 5×): each divides the next.
        for base in [0.002, 0.3, 0.7, 4.0, 60.0] {
            let finest = next_one_or_five(base);
            let middle = next_one_or_five(finest * 1.5);
            let coarsest = next_one_or_five(middle * 1.5);
            for (small, big) in [(finest, middle), (middle, coarsest)] {
                let ratio = big / small;
                assert!(
                    (ratio - ratio.round()).abs() < 1e-9 && ratio.round() >= 2.0,
                    "{base}: {small} → {big}"
                );
            }
        }
    }
}
