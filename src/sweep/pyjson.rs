//! JSON text exactly as Python's `json.dumps` writes it, since Optuna's journal is written by
//! it: floats in `repr` form (`1e-05`, `2.0`), non-ASCII escaped, and the separators chosen by
//! the caller (`(",", ":")` for journal lines, `(", ", ": ")` for distribution strings).
//! Object keys keep the order they are given in.

use serde_json::Value;

/// Separators of `json.dumps`: item and key separators.
#[derive(Debug, Clone, Copy)]
pub struct Separators {
    pub item: &'static str,
    pub key: &'static str,
}

/// `separators=(",", ":")`, as Optuna's journal file backend writes each line.
pub const COMPACT: Separators = Separators {
    item: ",",
    key: ":",
};
/// The default of `json.dumps`, used for distribution strings.
pub const DEFAULT: Separators = Separators {
    item: ", ",
    key: ": ",
};

/// An object whose keys keep their order.
pub fn object(fields: &[(&str, Value)], sep: Separators) -> String {
    let mut out = String::from("{");
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(sep.item);
        }
        write_string(&mut out, key);
        out.push_str(sep.key);
        write_value(&mut out, value, sep);
    }
    out.push('}');
    out
}

pub fn to_string(value: &Value, sep: Separators) -> String {
    let mut out = String::new();
    write_value(&mut out, value, sep);
    out
}

fn write_value(out: &mut String, value: &Value, sep: Separators) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_f64() {
                out.push_str(&float_repr(n.as_f64().unwrap_or(f64::NAN)));
            } else {
                out.push_str(&n.to_string());
            }
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep.item);
                }
                write_value(out, item, sep);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep.item);
                }
                write_string(out, key);
                out.push_str(sep.key);
                write_value(out, item, sep);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest digits that round-trip, positional for
/// 1e-4 ≤ |x| < 1e16 (with `.0` for whole numbers), else `d.ddde±XX`.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits, e.g. "1.5e-7".
    let sci = format!("{x:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..16).contains(&exponent) {
        let plain = format!("{x}");
        if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        }
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_are_written_like_python_repr() {
        for (x, text) in [
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (3e-2, "0.03"),
            (2.0, "2.0"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (123456.789, "123456.789"),
            (-0.5, "-0.5"),
            (0.1 + 0.2, "0.30000000000000004"),
        ] {
            assert_eq!(float_repr(x), text);
        }
    }

    #[test]
    fn objects_keep_key_order_and_separators() {
        let line = object(
            &[
                ("op_code", json!(4)),
                ("worker_id", json!("a-1")),
                ("x", json!([1.0, "é"])),
            ],
            COMPACT,
        );
        assert_eq!(
            line,
            r#"{"op_code":4,"worker_id":"a-1","x":[1.0,"\u00e9"]}"#
        );
        let spaced = to_string(&json!({"a": null, "b": true}), DEFAULT);
        assert_eq!(spaced, r#"{"a": null, "b": true}"#);
    }
}
