//! The colour maps shared by the window and the exported figures, so a figure looks like the
//! screen: magma or viridis for densities (dark = no mass), and a blue–grey–orange diverging map
//! for class probabilities (as TensorFlow Playground does). GUI-free: colours are `[u8; 3]`.

use serde::{Deserialize, Serialize};

/// Degree-6 polynomial fits of matplotlib's magma and viridis (M. Zucker's fits; within a few
/// 8-bit steps of the tables, slightly more at the very ends).
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
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
    pub fn rgb(self, t: f32) -> [u8; 3] {
        let coefficients = match self {
            Colormap::Magma => &MAGMA,
            Colormap::Viridis => &VIRIDIS,
        };
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let channel = |k: usize| {
            let v = coefficients
                .iter()
                .rev()
                .fold(0.0f32, |acc, c| acc * t + c[k]);
            (v.clamp(0.0, 1.0) * 255.0).round() as u8
        };
        [channel(0), channel(1), channel(2)]
    }
}

/// How a density heat map is scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum HeatNorm {
    /// Each x column scaled by its own maximum: shows the shape of p(y|x) at every x.
    #[default]
    PerColumn,
    /// One scale for the whole map: shows where the density is high overall.
    Global,
}

impl HeatNorm {
    pub fn label(self) -> &'static str {
        match self {
            HeatNorm::PerColumn => "per column",
            HeatNorm::Global => "global",
        }
    }
}

/// `grid` (ny rows of nx densities) scaled to [0, 1] as `norm` says. Returns the scaled grid
/// and the density that maps to 1 under the global scale (for a colour bar).
pub fn normalize_density(grid: &[f32], nx: usize, norm: HeatNorm) -> (Vec<f32>, f32) {
    let global = grid
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0f32, f32::max);
    let column_max: Vec<f32> = (0..nx)
        .map(|i| {
            grid.iter()
                .skip(i)
                .step_by(nx.max(1))
                .copied()
                .filter(|v| v.is_finite())
                .fold(0.0f32, f32::max)
        })
        .collect();
    let scaled = grid
        .iter()
        .enumerate()
        .map(|(k, &v)| {
            let scale = match norm {
                HeatNorm::PerColumn => column_max[k % nx.max(1)],
                HeatNorm::Global => global,
            };
            if scale > 0.0 && v.is_finite() {
                (v / scale).clamp(0.0, 1.0)
            } else {
                0.0
            }
        })
        .collect();
    (scaled, global)
}

/// Class 0 colour of the classifier views.
pub const CLASS0: [u8; 3] = crate::palette::CLASS0;
/// Class 1 colour of the classifier views.
pub const CLASS1: [u8; 3] = crate::palette::CLASS1;

/// Near-white middle of the probability map (p = 0.5: no opinion).
pub const PROBABILITY_MID: [u8; 3] = [246, 246, 246];
/// How far towards white the map's ends are taken from the class colours, so points drawn in
/// the full class colours still stand out where the model is sure.
const PROBABILITY_END_LIGHTNESS: f32 = 0.45;

/// p(class 1) as a light background: near white at 0.5, a light tint of the class colour
/// towards 0 (blue) and 1 (orange), by confidence |2p − 1|.
pub fn probability_rgb(p: f32) -> [u8; 3] {
    let p = if p.is_nan() { 0.5 } else { p.clamp(0.0, 1.0) };
    let (class, s) = if p < 0.5 {
        (CLASS0, 1.0 - 2.0 * p)
    } else {
        (CLASS1, 2.0 * p - 1.0)
    };
    let end = |k: usize| class[k] as f32 + (255.0 - class[k] as f32) * PROBABILITY_END_LIGHTNESS;
    let mid = |k: usize| PROBABILITY_MID[k] as f32;
    let mix = |k: usize| (mid(k) + (end(k) - mid(k)) * s).round() as u8;
    [mix(0), mix(1), mix(2)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_points_match_matplotlib() {
        // matplotlib: magma(0) = #000004, magma(1) = #fcfdbf; viridis(0) = #440154, viridis(1) = #fde725.
        let close =
            |c: [u8; 3], rgb: [u8; 3]| (0..3).all(|k| (c[k] as i32 - rgb[k] as i32).abs() <= 6);
        assert!(close(Colormap::Magma.rgb(0.0), [0, 0, 4]));
        assert!(close(Colormap::Magma.rgb(1.0), [252, 253, 191]));
        assert!(close(Colormap::Viridis.rgb(0.0), [68, 1, 84]));
        assert!(close(Colormap::Viridis.rgb(1.0), [253, 231, 37]));
        assert_eq!(Colormap::Magma.rgb(f32::NAN), Colormap::Magma.rgb(0.0));
    }

    #[test]
    fn density_maps_get_brighter_with_density() {
        let luminance =
            |c: [u8; 3]| 0.2126 * c[0] as f32 + 0.7152 * c[1] as f32 + 0.0722 * c[2] as f32;
        for map in Colormap::ALL {
            let l: Vec<f32> = (0..=20)
                .map(|i| luminance(map.rgb(i as f32 / 20.0)))
                .collect();
            assert!(
                l.windows(2).all(|w| w[1] >= w[0] - 1.0),
                "{}: {l:?}",
                map.name()
            );
        }
    }

    #[test]
    fn normalization_per_column_and_global() {
        // 2 columns × 2 rows: column 0 has max 2, column 1 max 8.
        let grid = [1.0, 4.0, 2.0, 8.0];
        let (per_column, global) = normalize_density(&grid, 2, HeatNorm::PerColumn);
        assert_eq!(per_column, vec![0.5, 0.5, 1.0, 1.0]);
        assert_eq!(global, 8.0);
        let (whole, _) = normalize_density(&grid, 2, HeatNorm::Global);
        assert_eq!(whole, vec![0.125, 0.5, 0.25, 1.0]);
    }

    #[test]
    fn probability_map_is_pale_where_unsure_and_light_where_sure() {
        assert_eq!(probability_rgb(0.5), PROBABILITY_MID);
        assert_eq!(probability_rgb(f32::NAN), probability_rgb(0.5));
        let luminance =
            |c: [u8; 3]| 0.2126 * c[0] as f32 + 0.7152 * c[1] as f32 + 0.0722 * c[2] as f32;
        for (p, class) in [(0.0, CLASS0), (1.0, CLASS1)] {
            let end = probability_rgb(p);
            // Lighter than the points' colour, so a point of its own class shows on it…
            assert!(luminance(end) > luminance(class) + 30.0, "{p}: {end:?}");
            // …but still tinted towards it (the hue is the class's).
            let toward =
                |k: usize| (end[k] as i32 - 246).signum() == (class[k] as i32 - 246).signum();
            assert!((0..3).all(toward), "{p}: {end:?} vs {class:?}");
        }
        // Confidence darkens the tint steadily.
        let l: Vec<f32> = (0..=10)
            .map(|i| luminance(probability_rgb(0.05 * i as f32)))
            .collect();
        assert!(l.windows(2).all(|w| w[1] >= w[0]), "{l:?}");
    }
}
