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
}
