//! Numbers and captions printed by both the window and the exported figures, so a value read
//! on screen is the value printed on paper (same significant digits, same wording).
//! GUI-free.

/// Significant digits of every summary value (mean, median, mode, interval ends, x*).
pub const SIGNIFICANT_DIGITS: i32 = 4;

/// `v` with [`SIGNIFICANT_DIGITS`] significant digits, no trailing zeros, an ASCII minus
/// ("16.14", "0.1235", "-2.5", "1235"; "1.235e-5" below 1e-3 and "1.235e6" from 1e6).
/// Figures swap the minus for a typographic one ([`typographic_minus`]).
pub fn format_value(v: f64) -> String {
    format_significant(v, SIGNIFICANT_DIGITS)
}

/// `v` with `digits` significant digits (at least 1), no trailing zeros.
pub fn format_significant(v: f64, digits: i32) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return format!("{v}");
    }
    let digits = digits.max(1);
    let exponent = v.abs().log10().floor() as i32;
    if !(-3..6).contains(&exponent) {
        let mantissa = (digits - 1) as usize;
        let s = format!("{v:.mantissa$e}");
        // "1.2350e-5" → "1.235e-5".
        return match s.split_once('e') {
            Some((m, e)) => format!("{}e{e}", trim_zeros(m)),
            None => s,
        };
    }
    let decimals = (digits - 1 - exponent).max(0) as usize;
    let s = format!("{v:.decimals$}");
    // Rounding can carry into a new digit (9.9996 → "10.000"): trimming handles the zeros.
    let s = trim_zeros(&s);
    if s == "-0" { "0".into() } else { s }
}

/// A value that failed a 0/1 check, rounded to 6 significant digits for the message, unless
/// rounding would make it read as 0 or 1 (then in full): "0.37454", "0.9999999".
pub fn format_non_binary(v: f64) -> String {
    let short = format_significant(v, 6);
    if short == "0" || short == "1" {
        format!("{v}")
    } else {
        short
    }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// A central interval as printed: "[16.14, 34.29]".
pub fn format_interval((lo, hi): (f64, f64)) -> String {
    format!("[{}, {}]", format_value(lo), format_value(hi))
}

/// The figure's typographic minus (U+2212) in place of ASCII hyphen-minus.
pub fn typographic_minus(s: &str) -> String {
    s.replace('-', "\u{2212}")
}

/// Where a posterior is taken: "x = 1.494", or with several inputs
/// "x1 = 0.5, x2 = -1; held: x3 = 2, x4 = 0" — the inputs set by x* first, then the ones
/// held where the "Other inputs" sliders (or their medians) put them.
pub fn condition_text(names: &[String], row: &[f64], varied: &[usize]) -> String {
    let pair = |j: usize| {
        let name = names.get(j).map_or("?", String::as_str);
        let value = row.get(j).copied().unwrap_or(f64::NAN);
        format!("{name} = {}", format_value(value))
    };
    let set: Vec<String> = varied
        .iter()
        .copied()
        .filter(|&j| j < row.len())
        .map(pair)
        .collect();
    let held: Vec<String> = (0..row.len())
        .filter(|j| !varied.contains(j))
        .map(pair)
        .collect();
    match (set.is_empty(), held.is_empty()) {
        (_, true) => set.join(", "),
        (true, false) => held.join(", "),
        (false, false) => format!("{}; held: {}", set.join(", "), held.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_significant_digits_without_trailing_zeros() {
        assert_eq!(format_value(16.139_2), "16.14");
        assert_eq!(format_value(34.286), "34.29");
        assert_eq!(format_value(1.2), "1.2");
        assert_eq!(format_value(0.123_456), "0.1235");
        assert_eq!(format_value(-2.5), "-2.5");
        assert_eq!(format_value(1234.5678), "1235");
        assert_eq!(format_value(9.999_96), "10");
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(-0.000_01), "-1e-5");
        assert_eq!(format_value(1.234_56e-5), "1.235e-5");
        assert_eq!(format_value(2.5e7), "2.5e7");
        assert_eq!(format_value(f64::NAN), "NaN");
    }

    #[test]
    fn six_digits_for_messages() {
        assert_eq!(format_significant(0.374_540_118_847_362_5, 6), "0.37454");
        assert_eq!(format_significant(2.0, 6), "2");
        assert_eq!(format_non_binary(0.374_540_118_847_362_5), "0.37454");
        assert_eq!(format_non_binary(0.999_999_9), "0.9999999");
        assert_eq!(format_non_binary(-1.0), "-1");
    }

    #[test]
    fn conditions_name_the_held_inputs() {
        let names: Vec<String> = ["x1", "x2", "x3"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            condition_text(&names, &[0.5, -1.0, 2.0], &[0]),
            "x1 = 0.5; held: x2 = -1, x3 = 2"
        );
        assert_eq!(
            condition_text(&names, &[0.5, -1.0, 2.0], &[0, 1]),
            "x1 = 0.5, x2 = -1; held: x3 = 2"
        );
        assert_eq!(condition_text(&names[..1], &[1.494], &[0]), "x1 = 1.494");
        assert_eq!(
            typographic_minus(&format_interval((-1.5, 2.0))),
            "[\u{2212}1.5, 2]"
        );
    }
}
