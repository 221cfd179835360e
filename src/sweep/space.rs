//! The search space file (TOML): fixed settings at the top level, distributions under
//! `[search]`. Everything is checked when the file is read, so a mistake is reported with the
//! file, line and setting before any trial starts.
//!
//! ```toml
//! head = "mixture"
//! epochs = 300
//! [search]
//! lr = { log_uniform = [1e-4, 3e-2] }
//! width = { choice = [8, 16, 32, 64] }
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::settings::{Setting, SettingKind, TrialSettings};
pub use super::values::{Distribution, ParamValue};
use crate::nn::TrainConfig;

/// A searched setting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchParam {
    pub name: String,
    pub distribution: Distribution,
}

/// Sampled values by setting name.
pub type Params = BTreeMap<String, ParamValue>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Space {
    pub fixed: Params,
    pub search: Vec<SearchParam>,
}

#[derive(Debug, thiserror::Error)]
pub enum SpaceError {
    #[error("{file}: cannot read the space file: {error}")]
    Read { file: String, error: std::io::Error },
    #[error("{file}, line {line}: not valid TOML: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}, line {line}, setting `{setting}`: {message}")]
    Setting {
        file: String,
        line: usize,
        setting: String,
        message: String,
    },
    #[error("{file}: the space has no [search] table with at least one setting to search")]
    NothingToSearch { file: String },
}

impl Space {
    pub fn load(path: &Path) -> Result<Space, SpaceError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| SpaceError::Read {
            file: file.clone(),
            error,
        })?;
        Space::parse(&text, &file)
    }

    /// Parses and checks a space file's text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Space, SpaceError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let root = DeTable::parse(text).map_err(|e| SpaceError::Syntax {
            file: file.into(),
            line: e.span().map_or(1, |s| line_of(s.start)),
            message: e.message().trim().to_string(),
        })?;
        let err = |key: &Spanned<std::borrow::Cow<'_, str>>, message: String| SpaceError::Setting {
            file: file.into(),
            line: line_of(key.span().start),
            setting: key.get_ref().to_string(),
            message,
        };
        let mut space = Space {
            fixed: Params::new(),
            search: Vec::new(),
        };
        // Lines of every setting, for errors about combinations.
        let mut lines: BTreeMap<String, usize> = BTreeMap::new();
        let mut search_table = None;
        for (key, value) in root.get_ref() {
            if key.get_ref() == "search" {
                search_table = Some((key, value));
                continue;
            }
            let setting = known_setting(key.get_ref()).map_err(|m| err(key, m))?;
            let parsed = scalar(value.get_ref()).map_err(|m| err(key, m))?;
            setting.kind.check(&parsed).map_err(|m| err(key, m))?;
            lines.insert(setting.name.into(), line_of(key.span().start));
            space.fixed.insert(setting.name.into(), parsed);
        }
        let Some((search_key, search_value)) = search_table else {
            return Err(SpaceError::NothingToSearch { file: file.into() });
        };
        let DeValue::Table(table) = search_value.get_ref() else {
            return Err(err(search_key, "must be a table ([search])".into()));
        };
        for (key, value) in table {
            let setting = known_setting(key.get_ref()).map_err(|m| err(key, m))?;
            if space.fixed.contains_key(setting.name) {
                return Err(err(
                    key,
                    "is both fixed at the top level and searched; keep one".into(),
                ));
            }
            let distribution =
                distribution(value.get_ref(), setting.kind).map_err(|m| err(key, m))?;
            lines.insert(setting.name.into(), line_of(key.span().start));
            space.search.push(SearchParam {
                name: setting.name.into(),
                distribution,
            });
        }
        if space.search.is_empty() {
            return Err(SpaceError::NothingToSearch { file: file.into() });
        }
        if let Err((setting, message)) = TrialSettings::check_combination(
            |name| space.fixed.contains_key(name) || space.is_searched(name),
            match space.fixed.get("head") {
                Some(ParamValue::Str(head)) => Some(head.as_str()),
                _ => None,
            },
        ) {
            return Err(SpaceError::Setting {
                file: file.into(),
                line: lines.get(setting).copied().unwrap_or(1),
                setting: setting.into(),
                message,
            });
        }
        Ok(space)
    }

    pub fn is_searched(&self, name: &str) -> bool {
        self.search.iter().any(|p| p.name == name)
    }

    /// The training settings of one trial: the fixed values, then the sampled ones, on top of
    /// `base` (the program's defaults with the sweep's seed and one thread per trial).
    pub fn config(&self, params: &Params, base: TrainConfig) -> Result<TrainConfig, String> {
        let mut settings = TrialSettings::new(base);
        for (name, value) in self.fixed.iter().chain(params.iter()) {
            settings.set(name, value)?;
        }
        settings.build()
    }

    /// One representative point (each range's low end, each choice's first value), used to
    /// check the space against the data before any trial starts.
    pub fn corner(&self) -> Params {
        self.search
            .iter()
            .map(|p| {
                let value = match &p.distribution {
                    Distribution::LogUniform { low, .. } | Distribution::Uniform { low, .. } => {
                        ParamValue::Float(*low)
                    }
                    Distribution::Int { low, .. } => ParamValue::Int(*low),
                    Distribution::Choice(values) => values[0].clone(),
                };
                (p.name.clone(), value)
            })
            .collect()
    }

    /// A stable description of the space, stored in the journal so that a resumed sweep can
    /// tell a different space apart.
    pub fn fingerprint(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

fn known_setting(name: &str) -> Result<&'static Setting, String> {
    Setting::find(name).ok_or_else(|| {
        let names: Vec<_> = Setting::ALL.iter().map(|s| s.name).collect();
        format!("unknown setting (known: {})", names.join(", "))
    })
}

/// A fixed value or one element of a list.
fn scalar(value: &DeValue<'_>) -> Result<ParamValue, String> {
    match value {
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .map(ParamValue::Int)
            .map_err(|_overflow| format!("{} is out of range", i.as_str())),
        DeValue::Float(f) => {
            let v: f64 = f
                .as_str()
                .replace('_', "")
                .parse()
                .map_err(|_invalid| format!("{} is not a number", f.as_str()))?;
            if v.is_finite() {
                Ok(ParamValue::Float(v))
            } else {
                Err(format!("{} is not a finite number", f.as_str()))
            }
        }
        DeValue::String(s) => Ok(ParamValue::Str(s.to_string())),
        other => Err(format!(
            "expected a number or a string, found {}",
            other.type_str()
        )),
    }
}

/// `{ log_uniform = [a, b] }`, `{ uniform = [a, b] }`, `{ int = [a, b] }` or
/// `{ choice = [v, …] }`.
fn distribution(value: &DeValue<'_>, kind: SettingKind) -> Result<Distribution, String> {
    const FORMS: &str = "write one of { log_uniform = [a, b] }, { uniform = [a, b] }, { int = [a, b] }, { choice = [v, …] }";
    let DeValue::Table(table) = value else {
        return Err(format!("expected a distribution: {FORMS}"));
    };
    let mut entries = table.iter();
    let (Some((form, list)), None) = (entries.next(), entries.next()) else {
        return Err(format!("expected exactly one distribution: {FORMS}"));
    };
    let DeValue::Array(items) = list.get_ref() else {
        return Err(format!("`{}` needs a list in [ ]", form.get_ref()));
    };
    let values: Vec<ParamValue> = items
        .iter()
        .map(|v| scalar(v.get_ref()))
        .collect::<Result<_, _>>()?;
    let form = form.get_ref().as_ref();
    let pair = || -> Result<(f64, f64), String> {
        match values.as_slice() {
            [a, b] => match (a.as_f64(), b.as_f64()) {
                (Some(a), Some(b)) => Ok((a, b)),
                _ => Err(format!("`{form}` needs two numbers [low, high]")),
            },
            _ => Err(format!(
                "`{form}` needs two numbers [low, high], found {} values",
                values.len()
            )),
        }
    };
    let ordered = |low: f64, high: f64| -> Result<(), String> {
        if low == high {
            Err(format!(
                "the range [{low}, {high}] is empty; use a fixed value instead"
            ))
        } else if low > high {
            Err(format!(
                "the range [{low}, {high}] is reversed (low must be below high)"
            ))
        } else {
            Ok(())
        }
    };
    let distribution = match form {
        "log_uniform" | "uniform" => {
            let (low, high) = pair()?;
            ordered(low, high)?;
            if form == "log_uniform" && low <= 0.0 {
                return Err(format!(
                    "a log-uniform range must lie above 0, but [{low}, {high}] reaches 0 or below"
                ));
            }
            if form == "log_uniform" {
                Distribution::LogUniform { low, high }
            } else {
                Distribution::Uniform { low, high }
            }
        }
        "int" => {
            let [ParamValue::Int(low), ParamValue::Int(high)] = values.as_slice() else {
                return Err("`int` needs two whole numbers [low, high]".into());
            };
            let (low, high) = (*low, *high);
            ordered(low as f64, high as f64)?;
            Distribution::Int { low, high }
        }
        "choice" => {
            let Some(first) = values.first() else {
                return Err("`choice` needs at least one value".into());
            };
            if let Some(other) = values.iter().find(|v| v.type_name() != first.type_name()) {
                return Err(format!(
                    "a choice list must hold values of one type, but it mixes {} ({first}) and {} ({other})",
                    first.type_name(),
                    other.type_name()
                ));
            }
            for (i, v) in values.iter().enumerate() {
                if values[..i].contains(v) {
                    return Err(format!("the choice {v} is listed twice"));
                }
            }
            Distribution::Choice(values)
        }
        other => return Err(format!("unknown distribution `{other}`: {FORMS}")),
    };
    kind.check_distribution(&distribution)?;
    Ok(distribution)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUE_EXAMPLE: &str = r#"head = "mixture"
epochs = 300
batch_size = 32

[search]
lr = { log_uniform = [1e-4, 3e-2] }
width = { choice = [8, 16, 32, 64] }
depth = { int = [1, 2] }
components = { int = [1, 8] }
activation = { choice = ["relu", "tanh"] }
"#;

    fn error(text: &str) -> String {
        Space::parse(text, "space.toml").unwrap_err().to_string()
    }

    #[test]
    fn the_issue_example_parses_and_builds_configs() {
        let space = Space::parse(ISSUE_EXAMPLE, "space.toml").expect("valid");
        assert_eq!(space.fixed.len(), 3);
        assert_eq!(space.search.len(), 5);
        let params: Params = [
            ("lr".to_string(), ParamValue::Float(1e-3)),
            ("width".into(), ParamValue::Int(16)),
            ("depth".into(), ParamValue::Int(2)),
            ("components".into(), ParamValue::Int(3)),
            ("activation".into(), ParamValue::Str("tanh".into())),
        ]
        .into();
        let config = space
            .config(&params, TrainConfig::default())
            .expect("config");
        assert_eq!(config.epochs, 300);
        assert_eq!(config.batch_size, 32);
        assert_eq!(config.learning_rate, 1e-3);
        assert_eq!(config.hidden_label(), "16:tanh,16:tanh");
        assert_eq!(config.head, crate::nn::Head::Mixture { components: 3 });
    }

    #[test]
    fn weight_decay_and_schedule_can_be_searched() {
        let text = "epochs = 4\n[search]\nweight_decay = { log_uniform = [1e-5, 1e-2] }\nschedule = { choice = [\"constant\", \"cosine:warmup=1\"] }\n";
        let space = Space::parse(text, "space.toml").expect("valid");
        let params: Params = [
            ("weight_decay".to_string(), ParamValue::Float(1e-3)),
            ("schedule".into(), ParamValue::Str("cosine:warmup=1".into())),
        ]
        .into();
        let config = space
            .config(&params, TrainConfig::default())
            .expect("config");
        assert_eq!(config.weight_decay, 1e-3);
        assert_eq!(
            config.schedule,
            crate::nn::LrSchedule::parse("cosine:warmup=1").expect("schedule")
        );
        let e = error("[search]\nschedule = { choice = [\"constant\", \"linear\"] }\n");
        assert!(e.contains("line 2") && e.contains("linear"), "{e}");
    }

    #[test]
    fn malformed_spaces_name_the_line_and_setting() {
        let e = error("epochs = 3\n[search]\nlearning_rate = { uniform = [0.1, 1] }\n");
        assert!(
            e.contains("line 3") && e.contains("`learning_rate`") && e.contains("unknown setting"),
            "{e}"
        );
        let e = error("[search]\nlr = { uniform = [0.1, 0.01] }\n");
        assert!(e.contains("line 2") && e.contains("reversed"), "{e}");
        let e = error("[search]\n\ndepth = { int = [2, 2] }\n");
        assert!(e.contains("line 3") && e.contains("empty"), "{e}");
        let e = error("[search]\nlr = { log_uniform = [0, 0.1] }\n");
        assert!(e.contains("`lr`") && e.contains("above 0"), "{e}");
        let e = error("[search]\nlr = { log_uniform = [-1, 0.1] }\n");
        assert!(e.contains("above 0"), "{e}");
        let e = error("[search]\nwidth = { choice = [8, \"16\"] }\n");
        assert!(e.contains("`width`") && e.contains("one type"), "{e}");
        let e = error("[search]\nactivation = { choice = [\"relu\", \"swish\"] }\n");
        assert!(e.contains("swish"), "{e}");
        let e = error("[search]\nwidth = { log_uniform = [8, 64] }\n");
        assert!(e.contains("whole number"), "{e}");
        let e = error("epochs = 3\n");
        assert!(e.contains("no [search]"), "{e}");
        let e = error("lr = 0.1\n[search]\nlr = { uniform = [0.1, 1] }\n");
        assert!(e.contains("line 3") && e.contains("both"), "{e}");
        let e = error("[search]\nlr = [1, 2\n");
        assert!(e.contains("not valid TOML") && e.contains("line 2"), "{e}");
        let e = error("hidden = \"8:relu\"\n[search]\nwidth = { choice = [8, 16] }\n");
        assert!(e.contains("`width`") && e.contains("hidden"), "{e}");
        let e = error("head = \"normal\"\n[search]\ncomponents = { int = [1, 4] }\n");
        assert!(e.contains("`components`") && e.contains("mixture"), "{e}");
    }
}
