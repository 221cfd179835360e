//! The core's colour maps (`crate::colormap`) as egui colours.

use egui::Color32;

pub use crate::colormap::Colormap;
use crate::colormap::{self as core, probability_rgb};

const fn color([r, g, b]: [u8; 3]) -> Color32 {
    Color32::from_rgb(r, g, b)
}

/// Class 0 colour of the classifier views.
pub const CLASS0: Color32 = color(core::CLASS0);
/// Class 1 colour of the classifier views.
pub const CLASS1: Color32 = color(core::CLASS1);

/// p(class 1) → blue (0) through a light grey (0.5) to orange (1).
pub fn diverging(p: f32) -> Color32 {
    color(probability_rgb(p))
}

/// A 256-entry lookup table of `map` (the heat map indexes it instead of evaluating the
/// polynomials per pixel).
pub fn lut(map: Colormap) -> Vec<Color32> {
    (0..256).map(|i| color(map.rgb(i as f32 / 255.0))).collect()
}
