//! Model: the head (Bernoulli, Normal, mixture of K), the hidden layers and the σ floor.

use egui::{DragValue, Slider, Ui};

use crate::nn::{Activation, Head, LayerSpec, TrainConfig};

use super::state::LoadedData;

/// Largest K the slider offers (the core accepts up to `MAX_COMPONENTS`).
pub const MAX_K_SLIDER: usize = 64;

pub fn model_ui(ui: &mut Ui, config: &mut TrainConfig, data: Option<&LoadedData>) {
    let mut k = match config.head {
        Head::Mixture { components } => components,
        _ => 16,
    };
    ui.label("Head");
    ui.horizontal_wrapped(|ui| {
        ui.radio_value(&mut config.head, Head::Bernoulli, "Bernoulli");
        ui.radio_value(&mut config.head, Head::Normal, "Normal");
        if ui
            .radio(matches!(config.head, Head::Mixture { .. }), "Mixture")
            .clicked()
        {
            config.head = Head::Mixture { components: k };
        }
    });
    if let Head::Mixture { .. } = config.head {
        ui.horizontal(|ui| {
            let label = ui.label("Components K");
            ui.add(Slider::new(&mut k, 1..=MAX_K_SLIDER))
                .labelled_by(label.id);
        });
        config.head = Head::Mixture { components: k };
    }
    if let Some(data) = data
        && config.head.is_classifier()
        && !data.is_binary
    {
        ui.label(
            egui::RichText::new("The target is not 0/1: choose Normal or Mixture.")
                .color(ui.visuals().warn_fg_color),
        );
    }

    if let Some(data) = data {
        overfit_warning_ui(ui, config, data);
    }

    ui.add_space(4.0);
    ui.label("Hidden layers");
    let mut remove = None;
    egui::Grid::new("layers").num_columns(4).show(ui, |ui| {
        for (i, layer) in config.hidden.iter_mut().enumerate() {
            let label = ui.label(format!("Layer {}", i + 1));
            ui.add(
                DragValue::new(&mut layer.width)
                    .range(1..=4096)
                    .speed(1.0)
                    .suffix(" units"),
            )
            .labelled_by(label.id);
            egui::ComboBox::from_id_salt(("activation", i))
                .selected_text(layer.activation.name())
                .width(80.0)
                .show_ui(ui, |ui| {
                    for a in Activation::ALL {
                        ui.selectable_value(&mut layer.activation, a, a.name());
                    }
                })
                .response
                .labelled_by(label.id);
            if ui
                .small_button("Remove")
                .on_hover_text(format!("Remove layer {}", i + 1))
                .clicked()
            {
                remove = Some(i);
            }
            ui.end_row();
        }
    });
    if let Some(i) = remove {
        config.hidden.remove(i);
    }
    if config.hidden.is_empty() {
        ui.label(
            egui::RichText::new("No hidden layer: a linear model of the head's parameters.").weak(),
        );
    }
    if ui.button("Add layer").clicked() {
        let last = config
            .hidden
            .last()
            .copied()
            .unwrap_or(LayerSpec::new(32, Activation::Tanh));
        config.hidden.push(last);
    }
    ui.horizontal(|ui| {
        let label = ui.label("σ floor");
        ui.add(
            DragValue::new(&mut config.sigma_floor)
                .range(0.0..=1.0)
                .speed(1e-4)
                .max_decimals(5),
        )
        .labelled_by(label.id)
        .on_hover_text("Added to every scale, in standardised units of y; keeps the NLL finite");
    });
    let d = data.map_or(1, |d| d.n_inputs());
    let params = parameter_count(d, config);
    ui.label(
        egui::RichText::new(format!(
            "{} → {} → {} outputs ({}), {} weights",
            d,
            if config.hidden.is_empty() {
                "–".to_string()
            } else {
                config.hidden_label()
            },
            config.head.params_size(),
            config.head.label(),
            params
        ))
        .small()
        .weak(),
    );
}

/// Number of trainable parameters of the MLP.
fn parameter_count(inputs: usize, config: &TrainConfig) -> usize {
    let mut total = 0;
    let mut n_in = inputs;
    for layer in &config.hidden {
        total += n_in * layer.width + layer.width;
        n_in = layer.width;
    }
    let out = config.head.params_size();
    total + n_in * out + out
}

/// Weights this many times the training rows or more draw a warning.
const WEIGHTS_PER_ROW_WARNING: usize = 10;

/// The network's weight count (kernels and biases of every Dense layer).
pub fn weight_count(config: &TrainConfig, n_inputs: usize) -> usize {
    let mut n_in = n_inputs;
    let mut total = 0usize;
    let widths = config
        .hidden
        .iter()
        .map(|l| l.width)
        .chain([config.head.params_size()]);
    for width in widths {
        total = total.saturating_add(n_in.saturating_mul(width).saturating_add(width));
        n_in = width;
    }
    total
}

fn overfit_warning_ui(ui: &mut Ui, config: &TrainConfig, data: &LoadedData) {
    let weights = weight_count(config, data.n_inputs());
    let rows = data.train.len().max(1);
    if weights >= WEIGHTS_PER_ROW_WARNING * rows {
        ui.add(
            egui::Label::new(
                egui::RichText::new(format!(
                    "{} weights for {} training rows ({}×): the network can memorise the data; early stopping or fewer units help.",
                    super::widgets::fmt_count(weights as u64),
                    super::widgets::fmt_count(rows as u64),
                    weights / rows
                ))
                .color(ui.visuals().warn_fg_color),
            )
            .wrap(),
        );
    }
}
