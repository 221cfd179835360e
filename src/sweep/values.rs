//! The values a sweep's settings take and the distributions they are drawn from.

use serde::Serialize;

/// One value of a setting, fixed or sampled.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    Int(i64),
    Float(f64),
    Str(String),
}

impl ParamValue {
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            ParamValue::Int(v) => Some(v as f64),
            ParamValue::Float(v) => Some(v),
            ParamValue::Str(_) => None,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ParamValue::Int(v) => (*v).into(),
            ParamValue::Float(v) => (*v).into(),
            ParamValue::Str(s) => s.clone().into(),
        }
    }

    pub(super) fn type_name(&self) -> &'static str {
        match self {
            ParamValue::Int(_) | ParamValue::Float(_) => "number",
            ParamValue::Str(_) => "string",
        }
    }
}

impl std::fmt::Display for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Float(v) => write!(f, "{v}"),
            ParamValue::Str(s) => write!(f, "\"{s}\""),
        }
    }
}

/// How a searched setting is drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// Uniform in log space on [low, high], 0 < low < high.
    LogUniform {
        low: f64,
        high: f64,
    },
    Uniform {
        low: f64,
        high: f64,
    },
    /// Whole numbers low..=high.
    Int {
        low: i64,
        high: i64,
    },
    Choice(Vec<ParamValue>),
}
