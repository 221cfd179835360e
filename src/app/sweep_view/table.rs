//! The trial table: one row per trial (number, state, objective, last reported epoch value,
//! test NLL, the parameters), sorted by any column, best first by default. Pruned and failed
//! trials are greyed; clicking a trial selects it.

use egui::{Color32, RichText, Ui};

use super::trials::{StudyView, TrialRow, format_float};
use crate::sweep::TrialState;

/// A column the table sorts by.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SortKey {
    Number,
    State,
    /// The objective; trials without one go last.
    #[default]
    Value,
    TestNll,
    Param(String),
}

/// How the table is sorted: best (lowest objective) first by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableSort {
    pub key: SortKey,
    pub descending: bool,
}

impl TableSort {
    /// A click on a header: the same column flips its direction, another starts ascending.
    pub fn click(&mut self, key: SortKey) {
        if self.key == key {
            self.descending = !self.descending;
        } else {
            self.key = key;
            self.descending = false;
        }
    }

    /// Row indices in display order. Missing values sort last in either direction; ties
    /// go by trial number.
    pub fn order(&self, study: &StudyView) -> Vec<usize> {
        let key = |t: &TrialRow| -> Option<f64> {
            match &self.key {
                SortKey::Number => Some(t.number as f64),
                SortKey::State => Some(t.state as u8 as f64),
                SortKey::Value => t.value,
                SortKey::TestNll => t.test_nll,
                SortKey::Param(name) => t.params.get(name).copied(),
            }
            .filter(|v| !v.is_nan())
        };
        let mut order: Vec<usize> = (0..study.trials.len()).collect();
        order.sort_by(|&a, &b| {
            let (ta, tb) = (&study.trials[a], &study.trials[b]);
            let by_key = match (key(ta), key(tb)) {
                (Some(x), Some(y)) if self.descending => y.total_cmp(&x),
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            };
            by_key.then(ta.number.cmp(&tb.number))
        });
        order
    }
}

/// The colour of a state's name; pruned and failed trials are drawn weak.
fn state_color(ui: &Ui, state: TrialState) -> Color32 {
    match state {
        TrialState::Complete => ui.visuals().strong_text_color(),
        TrialState::Running | TrialState::Waiting => Color32::from_rgb(70, 140, 220),
        TrialState::Pruned => ui.visuals().weak_text_color(),
        TrialState::Fail => ui.visuals().error_fg_color.gamma_multiply(0.6),
    }
}

pub fn table_ui(
    ui: &mut Ui,
    study: &StudyView,
    sort: &mut TableSort,
    selected: &mut Option<usize>,
) {
    let order = sort.order(study);
    let row_height = ui.spacing().interact_size.y;
    egui::ScrollArea::both()
        .id_salt("sweep trials")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, order.len() + 1, |ui, rows| {
            egui::Grid::new("sweep trials grid")
                .striped(true)
                .min_row_height(row_height)
                .start_row(rows.start)
                .show(ui, |ui| {
                    if rows.start == 0 {
                        header(ui, sort, "trial", SortKey::Number);
                        header(ui, sort, "state", SortKey::State);
                        header(ui, sort, "val NLL", SortKey::Value);
                        header(ui, sort, "test NLL", SortKey::TestNll);
                        for (name, _) in &study.axes {
                            header(ui, sort, name, SortKey::Param(name.clone()));
                        }
                        ui.end_row();
                    }
                    let first = rows.start.saturating_sub(1);
                    let last = rows.end.saturating_sub(1).min(order.len());
                    for &i in &order[first..last] {
                        row_ui(ui, study, &study.trials[i], selected);
                        ui.end_row();
                    }
                });
        });
}

fn header(ui: &mut Ui, sort: &mut TableSort, title: &str, key: SortKey) {
    let mut text = title.to_string();
    if sort.key == key {
        text.push_str(if sort.descending { " ▼" } else { " ▲" });
    }
    if ui
        .add(egui::Button::new(RichText::new(text).small().strong()).frame(false))
        .on_hover_text(format!("Sort by {title}"))
        .clicked()
    {
        sort.click(key);
    }
}

fn row_ui(ui: &mut Ui, study: &StudyView, t: &TrialRow, selected: &mut Option<usize>) {
    let weak = matches!(t.state, TrialState::Pruned | TrialState::Fail);
    let text = |s: String| {
        let r = RichText::new(s);
        if weak { r.weak() } else { r }
    };
    let is_selected = *selected == Some(t.number);
    ui.push_id(("trial", t.number), |ui| {
        if ui
            .selectable_label(is_selected, text(format!("#{}", t.number)))
            .on_hover_text("Show this trial's validation NLL per epoch")
            .clicked()
        {
            *selected = if is_selected { None } else { Some(t.number) };
        }
    });
    let state = ui.label(
        RichText::new(t.state.name())
            .small()
            .color(state_color(ui, t.state)),
    );
    if let Some(reason) = &t.fail_reason {
        state.on_hover_text(reason);
    }
    let value = match (t.value, t.last_intermediate()) {
        (Some(v), _) => text(format!("{v:.4}")).strong(),
        (None, Some(v)) if t.state != TrialState::Fail => {
            text(format!("({v:.4} @{})", t.intermediate.len())).italics()
        }
        _ => text("–".into()),
    };
    ui.label(value);
    ui.label(text(t.test_nll.map_or("–".into(), |v| format!("{v:.4}"))));
    for (name, axis) in &study.axes {
        ui.label(text(
            t.params.get(name).map_or("–".into(), |&v| axis.label(v)),
        ));
    }
}

/// The best trial in a few words, for the status line.
pub fn best_label(study: &StudyView) -> String {
    study.best().map_or("no completed trial yet".into(), |b| {
        let params: Vec<String> = study
            .axes
            .iter()
            .filter_map(|(n, a)| b.params.get(n).map(|&v| format!("{n}={}", a.label(v))))
            .collect();
        format!(
            "best #{}: {} ({})",
            b.number,
            b.value.map_or("–".into(), format_float),
            params.join(", ")
        )
    })
}
