//! Keyboard shortcuts: Ctrl+S saves the model, Ctrl+O opens one, Space trains, pauses or
//! resumes. The menus show them; a text field with focus keeps its keys.

use egui::{Key, KeyboardShortcut, Modifiers};

use super::Command;
use super::file_state::{Dialog, FileAction};
use super::state::{RunStatus, Session};

pub const SAVE_MODEL: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);
pub const OPEN_MODEL: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
pub const TRAIN_OR_PAUSE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::Space);

/// The shortcut of a File menu entry, if it has one.
pub fn for_dialog(dialog: Dialog) -> Option<KeyboardShortcut> {
    match dialog {
        Dialog::SaveModel => Some(SAVE_MODEL),
        Dialog::OpenModel => Some(OPEN_MODEL),
        _ => None,
    }
}

/// Turns this frame's shortcut keys into commands.
pub fn shortcuts_ui(ctx: &egui::Context, session: &Session, commands: &mut Vec<Command>) {
    for dialog in [Dialog::SaveModel, Dialog::OpenModel] {
        if let Some(shortcut) = for_dialog(dialog)
            && ctx.input_mut(|i| i.consume_shortcut(&shortcut))
        {
            commands.push(Command::File(FileAction::Show(dialog)));
        }
    }
    if !ctx.egui_wants_keyboard_input() && ctx.input_mut(|i| i.consume_shortcut(&TRAIN_OR_PAUSE)) {
        commands.push(match session.status {
            RunStatus::Running => Command::Pause,
            RunStatus::Paused => Command::Resume,
            RunStatus::Stopping => return,
            RunStatus::Idle | RunStatus::Finished(_) => Command::Train,
        });
    }
}
