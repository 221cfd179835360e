//! The main plot: the data (train and held-out distinguishable) with the live prediction over
//! it — a p(y|x) heat map, mean/median/mode curves, bands and component means for regression
//! heads; p(y=1|x) or a probability map over the input plane for the classifier — plus the
//! true curves of presets that know them. Clicking or dragging sets x*.
//!
//! A 0/1 target with two or more inputs is drawn on the input plane (before training too),
//! its points outlined on a light p(y=1|x) map with a colour bar; sets above
//! [`BINNED_ABOVE_ROWS`] rows are drawn as density images.

use std::sync::Arc;

use egui::{Color32, TextureHandle, TextureOptions, Ui};
use egui_plot::{
    Corner, LineStyle, MarkerShape, Plot, PlotBounds, PlotImage, PlotPoint, PlotPoints, Points,
    VLine,
};

use crate::data::Dataset;
use crate::nn::PredictionView;

use super::Command;
use super::colormap::{self, CLASS0, CLASS1, color, with_alpha};
use super::density_image::{BINNED_ABOVE_ROWS, DensityImages, UNDER_HEAT_TINT};
use super::plot_curves::{TruthCurves, draw_curves, draw_truth};
use super::shown::{Shown, hidden_model_ui};
use super::state::{self, HeatNorm, LoadedData, MAX_DRAWN_POINTS, ViewSettings};
use crate::palette;

/// Opacity of regression points (many overlap) and of the densest bin of a density image.
const POINT_ALPHA: u8 = 110;
const X_STAR_COLOR: Color32 = Color32::from_rgb(255, 255, 255);
/// The x* cross on the light probability map.
const PLANE_STAR_COLOR: Color32 = Color32::from_rgb(20, 20, 20);
/// Classifier points: fill radius and outline width, in screen points.
const CLASS_POINT_RADIUS: f32 = 2.4;
const OUTLINE_WIDTH: f32 = 1.0;

/// Drawn points, a heat-map texture and true curves, rebuilt only when their inputs change.
#[derive(Default)]
pub struct PlotCaches {
    points_key: Option<(u64, usize, Option<usize>)>,
    /// Subsampled (train, held-out) points, split by class for 0/1 targets: [class 0, class 1];
    /// empty for a set drawn as a density image.
    train: [Vec<PlotPoint>; 2],
    test: [Vec<PlotPoint>; 2],
    /// Density images of the big sets, binned in the background.
    pub(crate) bins: DensityImages,
    heat_key: Option<(u64, HeatNorm, super::colormap::Colormap)>,
    heat: Option<TextureHandle>,
    truth_key: Option<(u64, Vec<u64>)>,
    truth: Option<TruthCurves>,
}

pub fn main_plot_ui(
    ui: &mut Ui,
    data: &LoadedData,
    shown: &Shown<'_>,
    picked_rows: &[[f64; 2]],
    view_settings: &mut ViewSettings,
    caches: &mut PlotCaches,
    commands: &mut Vec<Command>,
) {
    let model = shown.model;
    let classifier = shown.classifier;
    let d = data.n_inputs();
    let plane = draws_plane(data, shown);
    toolbar_ui(ui, view_settings, data, classifier, plane);
    if let Some(reason) = &shown.hidden {
        hidden_model_ui(ui, reason, commands);
    }

    let spec = state::view_spec(data, view_settings, classifier || plane);
    let x_col = spec.x_column;
    let second = plane.then(|| state::plane_column(view_settings, d));
    let (x0, x1) = state::pad_range(spec.x_range.0, spec.x_range.1, 0.02);
    let (y0, y1) = if plane {
        state::pad_range(spec.y_range.0, spec.y_range.1, 0.02)
    } else {
        spec.y_range
    };
    caches.update_points(data, x_col, second);
    caches
        .bins
        .update(ui.ctx(), data, x_col, second, ((x0, x1), (y0, y1)));
    let view = shown.view.filter(|v| {
        model.is_some() && v.spec.x_column == x_col && v.spec.plane_column == spec.plane_column
    });
    if let Some(view) = view {
        caches.update_heat(ui.ctx(), view, shown.view_id, view_settings);
    }
    if view_settings.show_truth && !plane {
        caches.update_truth(data, &spec);
    }
    let caches = &*caches;
    let head = model.map(|m| m.head());

    let x_name = data.train.x_names().get(x_col).cloned().unwrap_or_default();
    let y_name = match second {
        Some(p) => data.train.x_names().get(p).cloned().unwrap_or_default(),
        None => data.train.y_name().to_string(),
    };
    let x_star = view_settings.x_star;
    let plane_star = view_settings.plane_star;
    let heat_shown = view.is_some_and(|v| !v.grid.is_empty())
        && caches.heat.is_some()
        && (view_settings.show_heatmap || plane);

    let mut plot = Plot::new("main plot");
    if plane && same_scale(spec.x_range, spec.y_range) {
        // Two inputs in the same units: distances look the same both ways.
        plot = plot.data_aspect(1.0);
    }
    let response = plot
        .legend(
            // An outlined point is two items of one name: the legend shows the fill's colour.
            super::widgets::legend(Corner::LeftTop)
                .color_conflict_handling(egui_plot::ColorConflictHandling::PickLast),
        )
        .custom_x_axes(super::widgets::x_axis(x_name))
        .custom_y_axes(super::widgets::fives_y_axis(y_name))
        .y_grid_spacer(super::widgets::fives_grid_spacer())
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_crosshair(false)
        .show(ui, |plot_ui| {
            plot_ui.set_plot_bounds(PlotBounds::from_min_max([x0, y0], [x1, y1]));
            if let (Some(view), Some(texture)) = (view, &caches.heat)
                && (view_settings.show_heatmap || plane)
                && !view.grid.is_empty()
            {
                plot_ui.image(heat_image(view, texture, plane));
            }
            let dim = heat_shown && !data.is_binary;
            draw_binned(plot_ui, &caches.bins, view_settings, dim);
            draw_points(plot_ui, caches, view_settings, data.is_binary);
            if !picked_rows.is_empty() {
                // The rows of the bin picked in the Diagnostics tab.
                plot_ui.points(
                    Points::new("rows of the picked bin", picked_rows.to_vec())
                        .color(super::diagnostics_view::HIGHLIGHT_COLOR)
                        .radius(2.5)
                        .allow_hover(false),
                );
            }
            if let (Some(view), Some(head)) = (view, head)
                && !plane
            {
                draw_curves(plot_ui, view, head, view_settings);
            }
            if let Some(truth) = caches
                .truth
                .as_ref()
                .filter(|_| view_settings.show_truth && !plane)
            {
                draw_truth(plot_ui, truth, view_settings);
            }
            if plane {
                plot_ui.points(
                    Points::new("x* marker", vec![[x_star, plane_star]])
                        .shape(MarkerShape::Cross)
                        .radius(8.0)
                        .color(if heat_shown {
                            PLANE_STAR_COLOR
                        } else {
                            X_STAR_COLOR
                        }),
                );
            } else {
                plot_ui.vline(
                    VLine::new("x* marker", x_star)
                        .color(X_STAR_COLOR)
                        .width(1.5)
                        .style(LineStyle::dashed_dense()),
                );
            }
        });
    let r = &response.response;
    if plane && heat_shown {
        probability_colorbar(ui, r.rect);
    }
    r.widget_info(|| {
        egui::WidgetInfo::labeled(
            egui::Role::Image,
            true,
            "Main plot: click or drag to set x*",
        )
    });
    if (r.clicked() || r.dragged())
        && let Some(pos) = r.interact_pointer_pos()
    {
        let value = response.transform.value_from_position(pos);
        let view = view_settings;
        view.x_star = value.x.clamp(spec.x_range.0, spec.x_range.1);
        if plane {
            view.plane_star = value.y.clamp(spec.y_range.0, spec.y_range.1);
        }
    }
}

fn toolbar_ui(
    ui: &mut Ui,
    view: &mut ViewSettings,
    data: &LoadedData,
    classifier: bool,
    plane: bool,
) {
    let d = data.n_inputs();
    ui.horizontal_wrapped(|ui| {
        if !plane {
            if !classifier {
                ui.checkbox(&mut view.show_heatmap, "Heat map");
                ui.checkbox(&mut view.show_mean, "Mean");
                ui.checkbox(&mut view.show_median, "Median");
                ui.checkbox(&mut view.show_mode, "Mode");
                ui.checkbox(&mut view.show_bands, "Bands");
                ui.checkbox(&mut view.show_components, "Components");
            }
            if data.truth.is_some() {
                ui.checkbox(&mut view.show_truth, "Truth");
            }
        }
        ui.checkbox(&mut view.show_train_points, "Train points");
        ui.checkbox(&mut view.show_test_points, "Held-out points");
        if !classifier && !plane {
            egui::ComboBox::from_label("scale")
                .selected_text(view.heat_norm.label())
                .show_ui(ui, |ui| {
                    for norm in [HeatNorm::PerColumn, HeatNorm::Global] {
                        ui.selectable_value(&mut view.heat_norm, norm, norm.label());
                    }
                })
                .response
                .on_hover_text("Heat map scale: per column shows the shape of p(y|x) at every x");
            egui::ComboBox::from_label("colours")
                .selected_text(view.colormap.name())
                .show_ui(ui, |ui| {
                    for map in super::colormap::Colormap::ALL {
                        ui.selectable_value(&mut view.colormap, map, map.name());
                    }
                });
        }
    });
    ui.horizontal_wrapped(|ui| {
        let x_col = view.x_column.min(d - 1);
        let (lo, hi) = data.x_range(x_col);
        let label = ui.label("x*");
        ui.add(
            egui::DragValue::new(&mut view.x_star)
                .range(lo..=hi)
                .speed((hi - lo) / 500.0)
                .max_decimals(4),
        )
        .labelled_by(label.id)
        .on_hover_text("The x where the posterior is shown (or click the plot)");
        if plane {
            let p = state::plane_column(view, d);
            let (lo, hi) = data.x_range(p);
            let label = ui.label(format!("{}*", data.train.x_names()[p]));
            ui.add(
                egui::DragValue::new(&mut view.plane_star)
                    .range(lo..=hi)
                    .speed((hi - lo) / 500.0)
                    .max_decimals(4),
            )
            .labelled_by(label.id);
        }
        if d > 1 {
            let names = &data.train.x_names();
            egui::ComboBox::from_label("x axis")
                .selected_text(names[x_col].as_str())
                .show_ui(ui, |ui| {
                    for (j, name) in names.iter().enumerate() {
                        ui.selectable_value(&mut view.x_column, j, name.as_str());
                    }
                });
            if plane {
                let p = state::plane_column(view, d);
                egui::ComboBox::from_label("y axis")
                    .selected_text(names[p].as_str())
                    .show_ui(ui, |ui| {
                        for (j, name) in names.iter().enumerate() {
                            if j != view.x_column {
                                ui.selectable_value(&mut view.plane_column, j, name.as_str());
                            }
                        }
                    });
            }
        }
    });
    // The inputs not on an axis are held at values set here (default: medians).
    let fixed: Vec<usize> = (0..d)
        .filter(|&j| j != view.x_column.min(d - 1) && !(plane && j == state::plane_column(view, d)))
        .collect();
    if !fixed.is_empty() {
        let mut base = state::base_inputs(data, view);
        let mut changed = false;
        egui::CollapsingHeader::new(format!("Other inputs held at ({})", fixed.len()))
            .default_open(fixed.len() <= 4)
            .show(ui, |ui| {
                for &j in &fixed {
                    let (lo, hi) = data.x_range(j);
                    ui.horizontal(|ui| {
                        let label = ui.label(&data.train.x_names()[j]);
                        changed |= ui
                            .add(egui::Slider::new(&mut base[j], lo..=hi))
                            .labelled_by(label.id)
                            .changed();
                        if ui.small_button("median").clicked() {
                            base[j] = data.x_median(j);
                            changed = true;
                        }
                    });
                }
            });
        if changed {
            view.base_inputs = base;
        }
    }
}

fn heat_image(view: &PredictionView, texture: &TextureHandle, plane: bool) -> PlotImage {
    let spec = &view.spec;
    let nx = spec.nx.max(2) as f64;
    let ny = spec.ny.max(2) as f64;
    // Grid values sit on cell centres: extend by half a cell on each side.
    let w = (spec.x_range.1 - spec.x_range.0) * nx / (nx - 1.0);
    let h = (spec.y_range.1 - spec.y_range.0) * ny / (ny - 1.0);
    let center = PlotPoint::new(
        0.5 * (spec.x_range.0 + spec.x_range.1),
        0.5 * (spec.y_range.0 + spec.y_range.1),
    );
    let name = if plane { "p(class 1)" } else { "p(y|x)" };
    PlotImage::new(name, texture.id(), center, [w as f32, h as f32]).allow_hover(false)
}

/// Draw on the input plane: a classifier (or, before any model is drawn, a 0/1 target) with
/// two or more inputs — so the scatter of the two inputs shows before training too.
fn draws_plane(data: &LoadedData, shown: &Shown<'_>) -> bool {
    data.n_inputs() >= 2 && (shown.classifier || (shown.model.is_none() && data.is_binary))
}

/// Two ranges of comparable width (within a factor of 2): the inputs share a scale.
fn same_scale(a: (f64, f64), b: (f64, f64)) -> bool {
    let (wa, wb) = (a.1 - a.0, b.1 - b.0);
    wa > 0.0 && wb > 0.0 && (0.5..=2.0).contains(&(wa / wb))
}

/// The density images of the big sets, each over the ranges it was binned for; `dim` over a
/// model's heat map.
fn draw_binned(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    images: &DensityImages,
    view: &ViewSettings,
    dim: bool,
) {
    let sets = [
        (view.show_train_points, "train"),
        (view.show_test_points, "held-out"),
    ];
    for ((show, name), image) in sets.into_iter().zip(&images.shown) {
        let Some(image) = image.as_ref().filter(|_| show) else {
            continue;
        };
        let ((x0, x1), (y0, y1)) = image.ranges;
        let center = PlotPoint::new(0.5 * (x0 + x1), 0.5 * (y0 + y1));
        let size = [(x1 - x0) as f32, (y1 - y0) as f32];
        let label = format!(
            "{name} ({} rows, binned)",
            super::widgets::fmt_count(image.rows as u64)
        );
        let mut item = PlotImage::new(label, image.texture.id(), center, size).allow_hover(false);
        if dim {
            item = item.tint(UNDER_HEAT_TINT);
        }
        plot_ui.image(item);
    }
}

fn draw_points<'a>(
    plot_ui: &mut egui_plot::PlotUi<'a>,
    caches: &'a PlotCaches,
    view: &ViewSettings,
    binary: bool,
) {
    let sets = [
        (
            view.show_train_points,
            &caches.train,
            "train",
            palette::TRAIN,
            MarkerShape::Circle,
        ),
        (
            view.show_test_points,
            &caches.test,
            "held-out",
            palette::TEST,
            MarkerShape::Diamond,
        ),
    ];
    for (show, points, name, rgb, shape) in sets {
        if !show {
            continue;
        }
        if binary {
            // Filled with the label's colour inside a dark outline, so points show on the
            // probability map where it has their own colour; held-out points are diamonds.
            let outline = color(palette::POINT_OUTLINE);
            for (class, class_color) in [(0, CLASS0), (1, CLASS1)] {
                if points[class].is_empty() {
                    continue;
                }
                // A dark disc under the fill makes the outline; both carry the entry's name,
                // so the legend hides and shows them together (showing the fill's colour).
                let label = format!("{name}, label {class}");
                plot_ui.points(
                    Points::new(label.clone(), PlotPoints::Borrowed(&points[class]))
                        .shape(shape)
                        .color(outline)
                        .radius(CLASS_POINT_RADIUS + OUTLINE_WIDTH)
                        .allow_hover(false),
                );
                plot_ui.points(
                    Points::new(label, PlotPoints::Borrowed(&points[class]))
                        .shape(shape)
                        .color(class_color)
                        .radius(CLASS_POINT_RADIUS)
                        .allow_hover(false),
                );
            }
        } else if !points[0].is_empty() {
            plot_ui.points(
                Points::new(name, PlotPoints::Borrowed(&points[0]))
                    .color(with_alpha(rgb, POINT_ALPHA))
                    .radius(1.2)
                    .allow_hover(false),
            );
        }
    }
}

/// A horizontal colour bar for p(y=1|x) in the plot's top-right corner.
fn probability_colorbar(ui: &Ui, plot_rect: egui::Rect) {
    let painter = ui.painter_at(plot_rect);
    let size = egui::vec2(120.0, 10.0);
    let margin = 8.0;
    let font = egui::TextStyle::Small.resolve(ui.style());
    let text_color = Color32::from_gray(30);
    let bar = egui::Rect::from_min_size(
        egui::pos2(
            plot_rect.right() - size.x - margin - 6.0,
            plot_rect.top() + margin + font.size + 4.0,
        ),
        size,
    );
    let backing = egui::Rect::from_min_max(
        egui::pos2(bar.left() - 6.0, plot_rect.top() + margin - 2.0),
        egui::pos2(bar.right() + 6.0, bar.bottom() + font.size + 6.0),
    );
    painter.rect_filled(backing, 3.0, Color32::from_white_alpha(220));
    let mut mesh = egui::Mesh::default();
    let steps = 32;
    for i in 0..=steps {
        let t = i as f32 / steps as f32;
        let x = bar.left() + t * bar.width();
        let c = colormap::diverging(t);
        mesh.colored_vertex(egui::pos2(x, bar.top()), c);
        mesh.colored_vertex(egui::pos2(x, bar.bottom()), c);
        if i > 0 {
            let k = 2 * i as u32;
            mesh.add_triangle(k - 2, k - 1, k);
            mesh.add_triangle(k - 1, k, k + 1);
        }
    }
    painter.add(mesh);
    painter.rect_stroke(
        bar,
        0.0,
        egui::Stroke::new(0.5, text_color),
        egui::StrokeKind::Outside,
    );
    painter.text(
        egui::pos2(bar.center().x, bar.top() - 2.0),
        egui::Align2::CENTER_BOTTOM,
        "p(y=1 | x)",
        font.clone(),
        text_color,
    );
    for (t, label, align) in [
        (0.0, "0", egui::Align2::LEFT_TOP),
        (0.5, "0.5", egui::Align2::CENTER_TOP),
        (1.0, "1", egui::Align2::RIGHT_TOP),
    ] {
        painter.text(
            egui::pos2(bar.left() + t * bar.width(), bar.bottom() + 1.0),
            align,
            label,
            font.clone(),
            text_color,
        );
    }
}

impl PlotCaches {
    fn update_points(&mut self, data: &LoadedData, x_col: usize, second: Option<usize>) {
        let key = (data.generation, x_col, second);
        if self.points_key == Some(key) {
            return;
        }
        self.points_key = Some(key);
        self.train = subsample(&data.train, x_col, second);
        self.test = data
            .test
            .as_ref()
            .map(|t| subsample(t, x_col, second))
            .unwrap_or_default();
    }

    /// `view_id` names the view: a new view can be allocated where a freed one was, so its
    /// address is no key (that left a previous run's heat map on screen).
    fn update_heat(
        &mut self,
        ctx: &egui::Context,
        view: &Arc<PredictionView>,
        view_id: u64,
        settings: &ViewSettings,
    ) {
        let key = (view_id, settings.heat_norm, settings.colormap);
        if self.heat_key == Some(key) && self.heat.is_some() {
            return;
        }
        self.heat_key = Some(key);
        let spec = &view.spec;
        let (nx, ny) = (spec.nx, spec.ny);
        if view.grid.len() != nx * ny || nx == 0 || ny == 0 {
            return;
        }
        let plane = spec.plane_column.is_some();
        let mut pixels = vec![Color32::BLACK; nx * ny];
        if plane {
            for (j, row) in view.grid.chunks_exact(nx).enumerate() {
                for (i, &p) in row.iter().enumerate() {
                    pixels[(ny - 1 - j) * nx + i] = colormap::diverging(p);
                }
            }
        } else {
            let lut = colormap::lut(settings.colormap);
            let (scaled, _) =
                crate::colormap::normalize_density(&view.grid, nx, settings.heat_norm);
            for (j, row) in scaled.chunks_exact(nx).enumerate() {
                for (i, &t) in row.iter().enumerate() {
                    let index = (t * 255.0).round() as usize;
                    pixels[(ny - 1 - j) * nx + i] = lut[index.min(255)];
                }
            }
        }
        let image = egui::ColorImage::new([nx, ny], pixels);
        match &mut self.heat {
            Some(handle) => handle.set(image, TextureOptions::LINEAR),
            None => self.heat = Some(ctx.load_texture("heat map", image, TextureOptions::LINEAR)),
        }
    }

    fn update_truth(&mut self, data: &LoadedData, spec: &crate::nn::ViewSpec) {
        let Some(truth) = &data.truth else {
            self.truth = None;
            return;
        };
        let mut key_parts = vec![
            spec.x_range.0.to_bits(),
            spec.x_range.1.to_bits(),
            spec.x_column as u64,
        ];
        key_parts.extend(spec.base_inputs.iter().map(|v| v.to_bits()));
        let key = (data.generation, key_parts);
        if self.truth_key.as_ref() == Some(&key) {
            return;
        }
        self.truth_key = Some(key);
        let xs = crate::nn::view::linspace(spec.x_range.0, spec.x_range.1, 150);
        let mut curves = TruthCurves {
            mean: Vec::new(),
            median: Vec::new(),
            modes: Vec::new(),
        };
        for &x in &xs {
            let mut row = spec.base_inputs.clone();
            if let Some(v) = row.get_mut(spec.x_column) {
                *v = x;
            }
            curves.mean.push([x, truth.mean(&row)]);
            curves.median.push([x, truth.median(&row)]);
            curves
                .modes
                .extend(truth.modes(&row).into_iter().map(|m| [x, m]));
        }
        self.truth = Some(curves);
    }
}

/// Up to [`MAX_DRAWN_POINTS`] points, evenly strided (rows are already in random order),
/// split by class for 0/1 targets (index 0 holds everything otherwise). None for a set drawn
/// as a density image.
fn subsample(data: &Dataset, x_col: usize, second: Option<usize>) -> [Vec<PlotPoint>; 2] {
    let n = data.len();
    if n > BINNED_ABOVE_ROWS {
        return Default::default();
    }
    let step = n.div_ceil(MAX_DRAWN_POINTS).max(1);
    let binary = data.is_binary_target();
    let mut out: [Vec<PlotPoint>; 2] = Default::default();
    let (xs, targets) = (data.x(), data.y());
    for i in (0..n).step_by(step) {
        let x = xs.get((i, x_col)).copied().unwrap_or(0.0);
        let y = match second {
            Some(p) => xs.get((i, p)).copied().unwrap_or(0.0),
            None => targets[i],
        };
        let class = usize::from(binary && targets[i] == 1.0);
        out[class].push(PlotPoint::new(x, y));
    }
    out
}
