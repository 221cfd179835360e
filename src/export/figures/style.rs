//! The look shared by every figure (and meant to be reused by the GUI): the bundled font, text
//! sizes in points, the colour maps and the series colours.

use std::sync::OnceLock;

use plotters::style::{FontStyle, RGBColor, TextStyle};

use super::FigureError;

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

/// Viridis (perceptually uniform, colour-blind safe, prints well in grey): nine anchors of
/// matplotlib's map, linearly interpolated.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (0x44, 0x01, 0x54),
    (0x47, 0x2c, 0x7a),
    (0x3b, 0x51, 0x8b),
    (0x2c, 0x71, 0x8e),
    (0x21, 0x90, 0x8d),
    (0x27, 0xad, 0x81),
    (0x5c, 0xc8, 0x63),
    (0xaa, 0xdc, 0x32),
    (0xfd, 0xe7, 0x25),
];

/// Diverging blue – white – red for probabilities (white at p = 0.5), after ColorBrewer RdBu.
const PROBABILITY: [(u8, u8, u8); 5] = [
    (0x21, 0x66, 0xac),
    (0x92, 0xc5, 0xde),
    (0xf7, 0xf7, 0xf7),
    (0xf4, 0xa5, 0x82),
    (0xb2, 0x18, 0x2b),
];

fn interpolate(anchors: &[(u8, u8, u8)], t: f64) -> (u8, u8, u8) {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let last = anchors.len() - 1;
    let pos = t * last as f64;
    let i = (pos.floor() as usize).min(last.saturating_sub(1));
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (anchors[i], anchors[(i + 1).min(last)]);
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The density colour map (viridis) at `t` in [0, 1] (clamped; NaN reads as 0).
pub fn colormap(t: f64) -> (u8, u8, u8) {
    interpolate(&VIRIDIS, t)
}

/// The probability colour map for p(class 1): blue at 0, white at 0.5, red at 1.
pub fn probability_colormap(p: f64) -> (u8, u8, u8) {
    interpolate(&PROBABILITY, p)
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

/// Colours of the summary curves, the same on screen and on paper.
pub const MEAN_COLOR: RGBColor = colors::VERMILLION;
pub const MEDIAN_COLOR: RGBColor = colors::GREEN;
pub const MODE_COLOR: RGBColor = colors::PURPLE;
pub const BAND_COLOR: RGBColor = colors::BLUE;
pub const TRAIN_COLOR: RGBColor = colors::GREY;
pub const TEST_COLOR: RGBColor = colors::SKY_BLUE;
pub const CLASS0_COLOR: RGBColor = colors::BLUE;
pub const CLASS1_COLOR: RGBColor = colors::VERMILLION;

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
    fn colormaps_hit_their_anchors_and_clamp() {
        assert_eq!(colormap(0.0), VIRIDIS[0]);
        assert_eq!(colormap(1.0), VIRIDIS[8]);
        assert_eq!(colormap(0.5), VIRIDIS[4]);
        assert_eq!(colormap(-3.0), VIRIDIS[0]);
        assert_eq!(colormap(7.0), VIRIDIS[8]);
        assert_eq!(colormap(f64::NAN), VIRIDIS[0]);
        assert_eq!(probability_colormap(0.5), PROBABILITY[2]);
        // Viridis gets lighter monotonically (perceptual ordering).
        let lum =
            |(r, g, b): (u8, u8, u8)| 0.2126 * r as f64 + 0.7152 * g as f64 + 0.0722 * b as f64;
        let l: Vec<f64> = (0..=50).map(|i| lum(colormap(i as f64 / 50.0))).collect();
        assert!(l.windows(2).all(|w| w[1] >= w[0] - 0.5), "{l:?}");
    }

    #[test]
    fn the_bundled_font_registers() {
        ensure_font().expect("font");
        ensure_font().expect("second call is a no-op");
    }
}
