//! Perceptual colour maps for the heat maps: magma for densities (dark = no mass), and a
//! blue–white–orange diverging map for class probabilities (as TensorFlow Playground does).

use egui::Color32;

/// Degree-6 polynomial fits of matplotlib's magma and viridis (M. Zucker's fits; the maximum
/// error is far below one 8-bit step).
const MAGMA: [[f32; 3]; 7] = [
    [-0.002_136_485, -0.000_749_655, -0.005_386_128],
    [0.251_660_54, 0.677_523_24, 2.494_026_6],
    [8.353_717, -3.577_719_5, 0.314_467_9],
    [-27.668_733, 14.264_731, -13.649_213],
    [52.176_14, -27.943_606, 12.944_169],
    [-50.768_524, 29.046_583, 4.234_153],
    [18.655_705, -11.489_774, -5.601_961_5],
];

const VIRIDIS: [[f32; 3]; 7] = [
    [0.277_727_33, 0.005_407_344_5, 0.334_099_8],
    [0.105_093_04, 1.404_613_5, 1.384_590_1],
    [-0.330_861_83, 0.214_847_56, 0.095_095_16],
    [-4.634_230_4, -5.799_101, -19.332_441],
    [6.228_27, 14.179_933, 56.690_55],
    [4.776_385, -13.745_145, -65.353_03],
    [-5.435_456, 4.645_852_7, 26.312_435],
];

/// Which map a density heat map uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
pub enum Colormap {
    #[default]
    Magma,
    Viridis,
}

impl Colormap {
    pub const ALL: [Colormap; 2] = [Colormap::Magma, Colormap::Viridis];

    pub fn name(self) -> &'static str {
        match self {
            Colormap::Magma => "magma",
            Colormap::Viridis => "viridis",
        }
    }

    /// Colour of `t` in [0, 1] (clamped; NaN reads as 0).
    pub fn color(self, t: f32) -> Color32 {
        let coefficients = match self {
            Colormap::Magma => &MAGMA,
            Colormap::Viridis => &VIRIDIS,
        };
        polynomial(coefficients, t)
    }

    /// A 256-entry lookup table (the heat maps index it instead of evaluating polynomials).
    pub fn lut(self) -> Vec<Color32> {
        (0..256).map(|i| self.color(i as f32 / 255.0)).collect()
    }
}

fn polynomial(c: &[[f32; 3]; 7], t: f32) -> Color32 {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let channel = |k: usize| {
        let v = c
            .iter()
            .rev()
            .fold(0.0f32, |acc, coefficient| acc * t + coefficient[k]);
        (v.clamp(0.0, 1.0) * 255.0).round() as u8
    };
    Color32::from_rgb(channel(0), channel(1), channel(2))
}

/// Class 0 colour of the classifier views.
pub const CLASS0: Color32 = Color32::from_rgb(40, 110, 200);
/// Class 1 colour of the classifier views.
pub const CLASS1: Color32 = Color32::from_rgb(235, 140, 30);

/// p(class 1) → blue (0) through a light grey (0.5) to orange (1).
pub fn diverging(p: f32) -> Color32 {
    let p = if p.is_nan() { 0.5 } else { p.clamp(0.0, 1.0) };
    let mid = [225.0f32, 225.0, 225.0];
    let (end, s) = if p < 0.5 {
        (CLASS0, 1.0 - 2.0 * p)
    } else {
        (CLASS1, 2.0 * p - 1.0)
    };
    let end = [end.r() as f32, end.g() as f32, end.b() as f32];
    let mix = |k: usize| (mid[k] + (end[k] - mid[k]) * s).round() as u8;
    Color32::from_rgb(mix(0), mix(1), mix(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_points_match_matplotlib() {
        // matplotlib: magma(0) = #000004, magma(1) = #fcfdbf; viridis(0) = #440154, viridis(1) = #fde725.
        let close = |c: Color32, rgb: [u8; 3]| {
            (c.r() as i32 - rgb[0] as i32).abs() <= 3
                && (c.g() as i32 - rgb[1] as i32).abs() <= 3
                && (c.b() as i32 - rgb[2] as i32).abs() <= 3
        };
        assert!(close(Colormap::Magma.color(0.0), [0, 0, 4]));
        assert!(close(Colormap::Magma.color(1.0), [252, 253, 191]));
        assert!(close(Colormap::Viridis.color(0.0), [68, 1, 84]));
        assert!(close(Colormap::Viridis.color(1.0), [253, 231, 37]));
        assert_eq!(Colormap::Magma.lut().len(), 256);
    }

    #[test]
    fn diverging_is_symmetric_in_saturation() {
        assert_eq!(diverging(0.0), CLASS0);
        assert_eq!(diverging(1.0), CLASS1);
        assert_eq!(diverging(0.5), Color32::from_rgb(225, 225, 225));
        assert_eq!(diverging(f32::NAN), diverging(0.5));
    }
}
