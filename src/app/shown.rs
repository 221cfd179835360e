//! What the plots may draw: the session's model only over the data it was trained on; else
//! a note that says whose prediction is hidden, with a way back to its data.

use std::sync::Arc;

use crate::nn::{Model, PredictionView};

use super::Command;
use super::state::{LoadedData, Session};

/// The model the plots draw, if it belongs on the loaded data.
pub struct Shown<'a> {
    pub model: Option<&'a Arc<Model>>,
    pub view: Option<&'a Arc<PredictionView>>,
    pub model_id: u64,
    pub view_id: u64,
    /// Draw as a classifier (the model's head, else the settings').
    pub classifier: bool,
    /// Why the session's model is not drawn: it was trained on other data.
    pub hidden: Option<String>,
}

impl<'a> Shown<'a> {
    pub fn new(session: &'a Session, data: &LoadedData, settings_classifier: bool) -> Self {
        let fits = session.fits(data);
        let hidden = (session.model.is_some() && !fits).then(|| {
            let trained_on = session
                .data
                .as_ref()
                .map_or_else(|| "other inputs".to_string(), |d| d.describe());
            format!(
                "The prediction of {} is hidden: it was trained on {trained_on}, not on the data shown.",
                session.run_name
            )
        });
        Shown {
            model: session.model.as_ref().filter(|_| fits),
            view: session.view.as_ref().filter(|_| fits),
            model_id: session.model_id,
            view_id: session.view_id,
            classifier: session
                .model
                .as_ref()
                .filter(|_| fits)
                .map_or(settings_classifier, |m| m.head().is_classifier()),
            hidden,
        }
    }
}

/// Pushes the command of a "back to its data" button.
pub fn hidden_model_ui(ui: &mut egui::Ui, reason: &str, commands: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        ui.label(egui::RichText::new(reason).color(ui.visuals().warn_fg_color));
        if ui
            .small_button("Load its data")
            .on_hover_text("Regenerate or reload the data this model was trained on")
            .clicked()
        {
            commands.push(Command::LoadSessionData);
        }
    });
}
