//! A searched setting as Optuna sees it: the distribution JSON of
//! `optuna.distributions.distribution_to_json` and the internal representation of values
//! (floats as themselves, whole numbers as floats, choices as their index).

use serde_json::Value;

use super::pyjson::{self, DEFAULT};
use super::space::{Distribution, ParamValue};

impl Distribution {
    /// Exactly `distribution_to_json(dist)`: `json.dumps` with default separators and the
    /// attribute order of the distribution's `__dict__`.
    pub fn optuna_json(&self) -> String {
        let f = pyjson::float_repr;
        match self {
            Distribution::LogUniform { low, high } | Distribution::Uniform { low, high } => {
                let log = matches!(self, Distribution::LogUniform { .. });
                format!(
                    r#"{{"name": "FloatDistribution", "attributes": {{"step": null, "low": {}, "high": {}, "log": {log}}}}}"#,
                    f(*low),
                    f(*high)
                )
            }
            Distribution::Int { low, high } => format!(
                r#"{{"name": "IntDistribution", "attributes": {{"log": false, "step": 1, "low": {low}, "high": {high}}}}}"#
            ),
            Distribution::Choice(values) => {
                let choices: Vec<Value> = values.iter().map(ParamValue::to_json).collect();
                format!(
                    r#"{{"name": "CategoricalDistribution", "attributes": {{"choices": {}}}}}"#,
                    pyjson::to_string(&Value::Array(choices), DEFAULT)
                )
            }
        }
    }

    /// Whether a distribution string from a journal describes this distribution (key order
    /// and number formatting aside).
    pub fn matches_optuna_json(&self, text: &str) -> bool {
        let parse = |t: &str| serde_json::from_str::<Value>(t).ok();
        match (parse(text), parse(&self.optuna_json())) {
            (Some(theirs), Some(ours)) => same_json(&theirs, &ours),
            _ => false,
        }
    }

    /// Optuna's internal representation of `value`, as written in `param_value_internal`.
    pub fn to_internal(&self, value: &ParamValue) -> Value {
        match self {
            Distribution::Choice(values) => values
                .iter()
                .position(|v| v == value)
                .map_or(Value::Null, |i| Value::from(i as u64)),
            _ => value.as_f64().map_or(Value::Null, Value::from),
        }
    }

    /// The value an internal representation stands for; `None` when it lies outside.
    pub fn from_internal(&self, internal: f64) -> Option<ParamValue> {
        match self {
            Distribution::LogUniform { low, high } | Distribution::Uniform { low, high } => {
                (internal >= *low && internal <= *high).then_some(ParamValue::Float(internal))
            }
            Distribution::Int { low, high } => {
                let v = internal.round() as i64;
                (v >= *low && v <= *high).then_some(ParamValue::Int(v))
            }
            Distribution::Choice(values) => {
                if internal < 0.0 {
                    return None;
                }
                values.get(internal as usize).cloned()
            }
        }
    }
}

/// Equal JSON, with numbers compared as floats (Python writes `1` where we may write `1.0`).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribution_json_is_optunas() {
        assert_eq!(
            Distribution::LogUniform {
                low: 1e-4,
                high: 3e-2
            }
            .optuna_json(),
            r#"{"name": "FloatDistribution", "attributes": {"step": null, "low": 0.0001, "high": 0.03, "log": true}}"#
        );
        assert_eq!(
            Distribution::Int { low: 1, high: 8 }.optuna_json(),
            r#"{"name": "IntDistribution", "attributes": {"log": false, "step": 1, "low": 1, "high": 8}}"#
        );
        let choice = Distribution::Choice(vec![
            ParamValue::Str("relu".into()),
            ParamValue::Str("tanh".into()),
        ]);
        assert_eq!(
            choice.optuna_json(),
            r#"{"name": "CategoricalDistribution", "attributes": {"choices": ["relu", "tanh"]}}"#
        );
        assert!(choice.matches_optuna_json(
            r#"{"attributes":{"choices":["relu","tanh"]},"name":"CategoricalDistribution"}"#
        ));
        assert!(!choice.matches_optuna_json(
            r#"{"name": "CategoricalDistribution", "attributes": {"choices": ["tanh", "relu"]}}"#
        ));
    }

    #[test]
    fn internal_values_round_trip() {
        let choice = Distribution::Choice(vec![ParamValue::Int(8), ParamValue::Int(16)]);
        assert_eq!(choice.to_internal(&ParamValue::Int(16)), Value::from(1u64));
        assert_eq!(choice.from_internal(1.0), Some(ParamValue::Int(16)));
        assert_eq!(choice.from_internal(2.0), None);
        let int = Distribution::Int { low: 1, high: 2 };
        assert_eq!(int.to_internal(&ParamValue::Int(2)), Value::from(2.0));
        assert_eq!(int.from_internal(2.0), Some(ParamValue::Int(2)));
    }
}
