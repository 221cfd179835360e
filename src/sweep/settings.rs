//! The training settings a space may fix or search, what values each accepts, and how a set
//! of values becomes a [`TrainConfig`]. A new setting is one row in [`Setting::ALL`] and one
//! arm in [`TrialSettings::set`].

use super::values::{Distribution, ParamValue};
use crate::nn::head::MAX_COMPONENTS;
use crate::nn::{Activation, Head, LayerSpec, LrSchedule, TrainConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// A number > 0.
    PositiveFloat,
    /// A number ≥ 0.
    NonNegativeFloat,
    /// A whole number ≥ the bound.
    Int { min: i64 },
    /// An activation name.
    Activation,
    /// Hidden layers as `WIDTH:ACTIVATION,…` (`""` for none).
    Hidden,
    /// `bernoulli`, `normal`, `mixture` or `mixture:K`.
    Head,
    /// A learning-rate schedule as `train --schedule` takes it (`cosine:warmup=2`).
    Schedule,
}

pub struct Setting {
    pub name: &'static str,
    pub kind: SettingKind,
}

impl Setting {
    pub const ALL: &'static [Setting] = &[
        Setting {
            name: "lr",
            kind: SettingKind::PositiveFloat,
        },
        Setting {
            name: "batch_size",
            kind: SettingKind::Int { min: 1 },
        },
        Setting {
            name: "epochs",
            kind: SettingKind::Int { min: 1 },
        },
        Setting {
            name: "width",
            kind: SettingKind::Int { min: 1 },
        },
        Setting {
            name: "depth",
            kind: SettingKind::Int { min: 0 },
        },
        Setting {
            name: "activation",
            kind: SettingKind::Activation,
        },
        Setting {
            name: "hidden",
            kind: SettingKind::Hidden,
        },
        Setting {
            name: "head",
            kind: SettingKind::Head,
        },
        Setting {
            name: "components",
            kind: SettingKind::Int { min: 1 },
        },
        Setting {
            name: "sigma_floor",
            kind: SettingKind::NonNegativeFloat,
        },
        Setting {
            name: "seed",
            kind: SettingKind::Int { min: 0 },
        },
        Setting {
            name: "weight_decay",
            kind: SettingKind::NonNegativeFloat,
        },
        Setting {
            name: "schedule",
            kind: SettingKind::Schedule,
        },
    ];

    pub fn find(name: &str) -> Option<&'static Setting> {
        Setting::ALL.iter().find(|s| s.name == name)
    }
}

impl SettingKind {
    /// Whether one value suits this setting.
    pub fn check(self, value: &ParamValue) -> Result<(), String> {
        match (self, value) {
            (SettingKind::PositiveFloat, v) => match v.as_f64() {
                Some(x) if x > 0.0 => Ok(()),
                _ => Err(format!("needs a number above 0, not {v}")),
            },
            (SettingKind::NonNegativeFloat, v) => match v.as_f64() {
                Some(x) if x >= 0.0 => Ok(()),
                _ => Err(format!("needs a number ≥ 0, not {v}")),
            },
            (SettingKind::Int { min }, ParamValue::Int(i)) if *i >= min => Ok(()),
            (SettingKind::Int { min }, v) => Err(format!("needs a whole number ≥ {min}, not {v}")),
            (SettingKind::Activation, ParamValue::Str(s)) => parse_activation(s).map(|_| ()),
            (SettingKind::Hidden, ParamValue::Str(s)) => TrainConfig::parse_hidden(s).map(|_| ()),
            (SettingKind::Head, ParamValue::Str(s)) => parse_head(s).map(|_| ()),
            (SettingKind::Schedule, ParamValue::Str(s)) => LrSchedule::parse(s)
                .map(|_| ())
                .map_err(|e| format!("schedule \"{s}\": {e}")),
            (
                SettingKind::Activation
                | SettingKind::Hidden
                | SettingKind::Head
                | SettingKind::Schedule,
                v,
            ) => Err(format!("needs a string, not {v}")),
        }
    }

    /// Whether a distribution suits this setting (its range or each of its choices).
    pub fn check_distribution(self, distribution: &Distribution) -> Result<(), String> {
        let integer = matches!(self, SettingKind::Int { .. });
        let numeric = integer
            || matches!(
                self,
                SettingKind::PositiveFloat | SettingKind::NonNegativeFloat
            );
        match distribution {
            Distribution::LogUniform { low, high } | Distribution::Uniform { low, high } => {
                if integer {
                    return Err(
                        "is a whole number: search it with { int = [a, b] } or { choice = [...] }"
                            .into(),
                    );
                }
                if !numeric {
                    return Err("takes names: search it with { choice = [...] }".into());
                }
                self.check(&ParamValue::Float(*low))?;
                self.check(&ParamValue::Float(*high))
            }
            Distribution::Int { low, high } => {
                if !numeric {
                    return Err("takes names: search it with { choice = [...] }".into());
                }
                self.check(&ParamValue::Int(*low))?;
                self.check(&ParamValue::Int(*high))
            }
            Distribution::Choice(values) => values.iter().try_for_each(|v| self.check(v)),
        }
    }
}

fn parse_activation(name: &str) -> Result<Activation, String> {
    Activation::from_name(name).ok_or_else(|| {
        let names: Vec<_> = Activation::ALL.iter().map(|a| a.name()).collect();
        format!(
            "unknown activation \"{name}\" (one of {})",
            names.join(", ")
        )
    })
}

/// The head's kind; `mixture` takes its K from `components` (or `mixture:K`).
fn parse_head(name: &str) -> Result<Head, String> {
    if name.eq_ignore_ascii_case("mixture") {
        return Ok(Head::Mixture { components: 0 });
    }
    Head::parse(name).ok_or_else(|| {
        format!(
            "unknown head \"{name}\" (bernoulli, normal, mixture or mixture:K with K from 1 to {MAX_COMPONENTS})"
        )
    })
}

/// The values of one trial, collected, then combined into a [`TrainConfig`].
pub struct TrialSettings {
    config: TrainConfig,
    width: Option<usize>,
    depth: Option<usize>,
    activation: Option<Activation>,
    hidden: Option<Vec<LayerSpec>>,
    head: Option<Head>,
    components: Option<usize>,
}

impl TrialSettings {
    pub fn new(base: TrainConfig) -> TrialSettings {
        TrialSettings {
            config: base,
            width: None,
            depth: None,
            activation: None,
            hidden: None,
            head: None,
            components: None,
        }
    }

    pub fn set(&mut self, name: &str, value: &ParamValue) -> Result<(), String> {
        let setting = Setting::find(name).ok_or_else(|| format!("unknown setting `{name}`"))?;
        setting
            .kind
            .check(value)
            .map_err(|m| format!("`{name}` {m}"))?;
        let int = || match value {
            ParamValue::Int(i) => usize::try_from(*i).unwrap_or(0),
            _ => 0,
        };
        let float = || value.as_f64().unwrap_or(0.0);
        let text = || match value {
            ParamValue::Str(s) => s.as_str(),
            _ => "",
        };
        match name {
            "lr" => self.config.learning_rate = float(),
            "batch_size" => self.config.batch_size = int(),
            "epochs" => self.config.epochs = int(),
            "width" => self.width = Some(int()),
            "depth" => self.depth = Some(int()),
            "activation" => self.activation = Some(parse_activation(text())?),
            "hidden" => self.hidden = Some(TrainConfig::parse_hidden(text())?),
            "head" => self.head = Some(parse_head(text())?),
            "components" => self.components = Some(int()),
            "sigma_floor" => self.config.sigma_floor = float(),
            "seed" => self.config.seed = int() as u64,
            "weight_decay" => self.config.weight_decay = float(),
            "schedule" => {
                self.config.schedule = LrSchedule::parse(text()).map_err(|e| e.to_string())?;
            }
            _ => return Err(format!("setting `{name}` has no effect yet")),
        }
        Ok(())
    }

    pub fn build(mut self) -> Result<TrainConfig, String> {
        if let Some(hidden) = self.hidden {
            self.config.hidden = hidden;
        } else if self.width.is_some() || self.depth.is_some() || self.activation.is_some() {
            let default = self.config.hidden.first().copied();
            let width = self.width.or(default.map(|l| l.width)).unwrap_or(32);
            let activation = self
                .activation
                .or(default.map(|l| l.activation))
                .unwrap_or(Activation::Relu);
            let depth = self.depth.unwrap_or(self.config.hidden.len().max(1));
            self.config.hidden = vec![LayerSpec::new(width, activation); depth];
        }
        let head = self.head.unwrap_or(match self.config.head {
            Head::Mixture { .. } => Head::Mixture { components: 0 },
            other => other,
        });
        self.config.head = match head {
            Head::Mixture { components: 0 } => Head::Mixture {
                components: self.components.unwrap_or(match self.config.head {
                    Head::Mixture { components } => components,
                    _ => 1,
                }),
            },
            other => other,
        };
        Ok(self.config)
    }

    /// Settings that cannot go together, found from the space alone: `(setting, why)`.
    /// `present`: is the setting fixed or searched in the space? `fixed_head`: the head when
    /// the space fixes it.
    pub fn check_combination(
        present: impl Fn(&str) -> bool,
        fixed_head: Option<&str>,
    ) -> Result<(), (&'static str, String)> {
        if present("hidden") {
            for name in ["width", "depth", "activation"] {
                if present(name) {
                    return Err((
                        Setting::find(name).map_or("hidden", |s| s.name),
                        "cannot be combined with `hidden`: give the layers either as `hidden` specs or as width × depth × activation".into(),
                    ));
                }
            }
        }
        if present("components")
            && let Some(head) = fixed_head
            && !matches!(parse_head(head), Ok(Head::Mixture { components: 0 }))
        {
            return Err((
                "components",
                format!("only applies to head = \"mixture\", but the head is fixed to \"{head}\""),
            ));
        }
        Ok(())
    }
}
