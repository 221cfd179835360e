//! The look shared by every figure (and meant to be reused by the GUI): the bundled font, text
//! sizes in points, the colour maps and the series colours.

use std::sync::OnceLock;

use plotters::style::{FontStyle, RGBColor, TextStyle};

use super::FigureError;
use crate::palette;

/// Family name under which the bundled DejaVu Sans is registered with plotters.
pub const FONT_FAMILY: &str = "sans-serif";

static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static FONT_REGISTERED: OnceLock<bool> = OnceLock::new();

/// Registers the bundled font with plotters (once per process; there is no system font
/// lookup, so no text renders in a PNG before this ran).
pub fn ensure_font() -> Result<(), FigureError> {
    let ok = *FONT_REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok { Ok(()) } else { Err(FigureError::Font) }
}

/// Okabe–Ito colours (distinguishable with every common colour-vision deficiency).
pub mod colors {
    use plotters::style::RGBColor;
    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    pub const ORANGE: RGBColor = RGBColor(0xe6, 0x9f, 0x00);
    pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xb4, 0xe9);
    pub const GREEN: RGBColor = RGBColor(0x00, 0x9e, 0x73);
    pub const YELLOW: RGBColor = RGBColor(0xf0, 0xe4, 0x42);
    pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xb2);
    pub const VERMILLION: RGBColor = RGBColor(0xd5, 0x5e, 0x00);
    pub const PURPLE: RGBColor = RGBColor(0xcc, 0x79, 0xa7);
    pub const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
    pub const LIGHT_GREY: RGBColor = RGBColor(0xe4, 0xe4, 0xe4);
    pub const WHITE: RGBColor = RGBColor(0xff, 0xff, 0xff);
    /// Series colours in order, for run comparisons.
    pub const CYCLE: [RGBColor; 7] = [BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY_BLUE, BLACK];
}

const fn rgb([r, g, b]: [u8; 3]) -> RGBColor {
    RGBColor(r, g, b)
}

/// Series colours, from the one palette the window uses too (`crate::palette`).
pub const MEAN_COLOR: RGBColor = rgb(palette::MEAN);
pub const MEDIAN_COLOR: RGBColor = rgb(palette::MEDIAN);
pub const MODE_COLOR: RGBColor = rgb(palette::MODE);
/// Central intervals and bands.
pub const BAND_COLOR: RGBColor = rgb(palette::INTERVAL);
/// The posterior's predictive density curve.
pub const DENSITY_COLOR: RGBColor = rgb(palette::DENSITY);
pub const COMPONENT_COLOR: RGBColor = rgb(palette::COMPONENT);
pub const TRAIN_COLOR: RGBColor = rgb(palette::TRAIN);
pub const TEST_COLOR: RGBColor = rgb(palette::TEST);
pub const CLASS0_COLOR: RGBColor = rgb(palette::CLASS0);
pub const CLASS1_COLOR: RGBColor = rgb(palette::CLASS1);
pub const POINT_OUTLINE_COLOR: RGBColor = rgb(palette::POINT_OUTLINE);

/// Sizes in points, converted to pixels with the figure's resolution.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Pixels per typographic point (dpi / 72).
    pub px_per_pt: f64,
}

impl Style {
    pub fn from_dpi(dpi: f64) -> Style {
        Style {
            px_per_pt: dpi / 72.0,
        }
    }

    pub fn px(&self, pt: f64) -> f64 {
        pt * self.px_per_pt
    }

    /// Whole pixels, at least 1.
    pub fn px_u32(&self, pt: f64) -> u32 {
        self.px(pt).round().max(1.0) as u32
    }

    pub fn font(&self, pt: f64) -> TextStyle<'static> {
        TextStyle::from((FONT_FAMILY, self.px(pt)))
    }

    pub fn title_font(&self) -> TextStyle<'static> {
        self.font(11.0)
    }

    pub fn label_font(&self) -> TextStyle<'static> {
        self.font(10.0)
    }

    pub fn tick_font(&self) -> TextStyle<'static> {
        self.font(8.5)
    }

    pub fn legend_font(&self) -> TextStyle<'static> {
        self.font(8.5)
    }

    /// Width of the main curves.
    pub fn line_px(&self) -> u32 {
        self.px_u32(1.4)
    }

    pub fn thin_px(&self) -> u32 {
        self.px_u32(0.8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_registers() {
        ensure_font().expect("font");
        ensure_font().expect("second call is a no-op");
    }
}
