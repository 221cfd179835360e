//! Defining a sweep by pointing and clicking: tick the settings to search and give their
//! ranges or choices; the other settings stay as the window's training settings have them.
//! The form becomes a space file's text (the CLI's format, so it is checked by the same
//! code and can be saved beside the journal and rerun from the command line).

use serde::{Deserialize, Serialize};

use crate::nn::{Head, TrainConfig};
use crate::sweep::{PrunerKind, SamplerKind, Space};

/// How a setting is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormKind {
    /// A float range, log-uniform when `log`.
    Float,
    /// Whole numbers from low to high.
    Int,
    /// A comma-separated list of values.
    Choices,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormParam {
    pub name: String,
    pub searched: bool,
    pub kind: FormKind,
    pub low: f64,
    pub high: f64,
    pub log: bool,
    pub choices: String,
}

impl FormParam {
    fn range(name: &str, low: f64, high: f64, log: bool) -> FormParam {
        FormParam {
            name: name.into(),
            searched: false,
            kind: FormKind::Float,
            low,
            high,
            log,
            choices: String::new(),
        }
    }

    fn int(name: &str, low: i64, high: i64) -> FormParam {
        FormParam {
            kind: FormKind::Int,
            ..FormParam::range(name, low as f64, high as f64, false)
        }
    }

    fn choices(name: &str, choices: &str) -> FormParam {
        FormParam {
            kind: FormKind::Choices,
            choices: choices.into(),
            ..FormParam::range(name, 0.0, 0.0, false)
        }
    }

    /// The `[search]` entry: `lr = { log_uniform = [0.0001, 0.03] }`.
    fn toml(&self) -> String {
        let name = &self.name;
        match self.kind {
            FormKind::Float => {
                let kind = if self.log { "log_uniform" } else { "uniform" };
                format!("{name} = {{ {kind} = [{:?}, {:?}] }}", self.low, self.high)
            }
            FormKind::Int => format!(
                "{name} = {{ int = [{}, {}] }}",
                self.low.round() as i64,
                self.high.round() as i64
            ),
            FormKind::Choices => {
                let items: Vec<String> = self
                    .choices
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(|c| {
                        if c.parse::<i64>().is_ok() || c.parse::<f64>().is_ok() {
                            c.to_string()
                        } else {
                            format!("{c:?}")
                        }
                    })
                    .collect();
                format!("{name} = {{ choice = [{}] }}", items.join(", "))
            }
        }
    }
}

/// The sweep form, persisted with the window's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SweepForm {
    pub params: Vec<FormParam>,
    pub sampler: SamplerKind,
    pub pruner: PrunerKind,
    pub trials: usize,
    /// Trials trained at once (threads; on Slurm, array tasks).
    pub workers: usize,
    pub seed: u64,
    /// The validation split of the training rows the objective is computed on.
    pub val_fraction: f64,
    /// Empty: a new file under the run store's folder.
    pub journal_path: String,
    pub study_name: String,
}

impl Default for SweepForm {
    fn default() -> Self {
        let mut params = vec![
            FormParam::range("lr", 1e-4, 3e-2, true),
            FormParam::choices("batch_size", "32, 64, 128, 256"),
            FormParam::int("epochs", 5, 30),
            FormParam::choices("width", "16, 32, 64"),
            FormParam::int("depth", 1, 2),
            FormParam::choices("activation", "relu, tanh"),
            FormParam::int("components", 1, 8),
            FormParam::range("sigma_floor", 1e-4, 1e-2, true),
            FormParam::range("weight_decay", 1e-6, 1e-2, true),
            FormParam::choices("schedule", "constant, cosine, cosine:warmup=1"),
        ];
        params[0].searched = true;
        params[3].searched = true;
        SweepForm {
            params,
            sampler: SamplerKind::Tpe,
            pruner: PrunerKind::Median,
            trials: 12,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            seed: 0,
            val_fraction: 0.2,
            journal_path: String::new(),
            study_name: "window-sweep".into(),
        }
    }
}

impl SweepForm {
    fn searched(&self, name: &str) -> bool {
        self.params.iter().any(|p| p.searched && p.name == name)
    }

    /// The space file's text: the window's settings fixed where not searched.
    pub fn space_text(&self, base: &TrainConfig) -> String {
        let mut fixed = Vec::new();
        let mut fix = |name: &str, value: String| {
            if !self.searched(name) {
                fixed.push(format!("{name} = {value}"));
            }
        };
        fix("lr", format!("{:?}", base.learning_rate));
        fix("batch_size", base.batch_size.to_string());
        fix("epochs", base.epochs.to_string());
        fix("sigma_floor", format!("{:?}", base.sigma_floor));
        fix("weight_decay", format!("{:?}", base.weight_decay));
        fix("schedule", format!("{:?}", base.schedule.to_string()));
        let layers = ["width", "depth", "activation"];
        if layers.iter().any(|n| self.searched(n)) {
            let first = base.hidden.first();
            fix("width", first.map_or(32, |l| l.width).to_string());
            fix("depth", base.hidden.len().max(1).to_string());
            fix(
                "activation",
                format!("{:?}", first.map_or("relu", |l| l.activation.name())),
            );
        } else {
            fix("hidden", format!("{:?}", base.hidden_label()));
        }
        let head = match base.head {
            Head::Mixture { components } => {
                fix("components", components.to_string());
                "mixture".to_string()
            }
            other => other.label(),
        };
        fixed.insert(0, format!("head = {head:?}"));
        let search: Vec<String> = self
            .params
            .iter()
            .filter(|p| p.searched)
            .map(FormParam::toml)
            .collect();
        format!("{}\n\n[search]\n{}\n", fixed.join("\n"), search.join("\n"))
    }

    /// The checked space, or what is wrong with the form.
    pub fn space(&self, base: &TrainConfig) -> Result<Space, String> {
        if !self.params.iter().any(|p| p.searched) {
            return Err("tick at least one setting to search".into());
        }
        if self.trials == 0 {
            return Err("trials: at least 1".into());
        }
        if !(self.val_fraction > 0.0 && self.val_fraction < 1.0) {
            return Err(format!(
                "validation fraction {}: must lie between 0 and 1",
                self.val_fraction
            ));
        }
        Space::parse(&self.space_text(base), "the sweep form").map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, LayerSpec};

    #[test]
    fn the_form_becomes_a_space_on_top_of_the_windows_settings() {
        let base = TrainConfig {
            hidden: vec![LayerSpec::new(16, Activation::Tanh); 2],
            head: Head::Mixture { components: 3 },
            epochs: 7,
            ..TrainConfig::default()
        };
        let form = SweepForm::default();
        let space = form.space(&base).expect("the default form is valid");
        let names: Vec<&str> = space.search.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["lr", "width"]);
        let config = space.config(&space.corner(), base.clone()).expect("config");
        assert_eq!(config.epochs, 7, "not searched: the window's value");
        assert_eq!(config.hidden_label(), "16:tanh,16:tanh");
        assert_eq!(config.head, Head::Mixture { components: 3 });
        assert_eq!(config.learning_rate, 1e-4, "searched: the range's low end");

        let mut bad = form.clone();
        bad.params[0].low = 0.0;
        let error = bad.space(&base).expect_err("log range through 0");
        assert!(error.contains("`lr`"), "{error}");
        let mut none = form;
        none.params.iter_mut().for_each(|p| p.searched = false);
        assert!(none.space(&base).is_err());
    }
}
