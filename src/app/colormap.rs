//! The core's colour maps (`crate::colormap`) and series colours (`crate::palette`) as egui
//! colours: the window and the exported figures take every colour from there.

use egui::Color32;

pub use crate::colormap::Colormap;
use crate::colormap::{self as core, probability_rgb};

/// A palette colour, opaque.
pub const fn color([r, g, b]: [u8; 3]) -> Color32 {
    Color32::from_rgb(r, g, b)
}

/// A palette colour with `alpha` (0 transparent to 255 opaque).
pub fn with_alpha([r, g, b]: [u8; 3], alpha: u8) -> Color32 {
    Color32::from_rgba_unmultiplied(r, g, b, alpha)
}

/// Class 0 colour of the classifier views.
pub const CLASS0: Color32 = color(core::CLASS0);
/// Class 1 colour of the classifier views.
pub const CLASS1: Color32 = color(core::CLASS1);

/// p(class 1) → a light blue (0) through near white (0.5) to a light orange (1).
pub fn diverging(p: f32) -> Color32 {
    color(probability_rgb(p))
}

/// A 256-entry lookup table of `map` (the heat map indexes it instead of evaluating the
/// polynomials per pixel).
pub fn lut(map: Colormap) -> Vec<Color32> {
    (0..256).map(|i| color(map.rgb(i as f32 / 255.0))).collect()
}
