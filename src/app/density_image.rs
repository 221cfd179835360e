//! Big data in the main plot: above [`BINNED_ABOVE_ROWS`] rows a set is drawn as a 2-D
//! histogram image (one texture, uploaded once per data change) instead of one circle per
//! point, so ten million rows cost a frame no more than ten thousand — and every row counts,
//! not a subsample. The binning runs as a background task ([`DensityImages`]): ten million
//! rows took 60–145 ms, a frame that long when the data came in.

use std::sync::Arc;

use egui::{Color32, ColorImage, TextureHandle, TextureOptions};

use super::colormap::{CLASS0, CLASS1, color};
use super::state::LoadedData;
use super::tasks::{Poll, Task};
use crate::data::Dataset;
use crate::palette;

/// A set with more rows than this is drawn as a density image.
pub const BINNED_ABOVE_ROWS: usize = 50_000;

/// A regression set's image over a model's heat map: half its opacity (premultiplied tint).
pub const UNDER_HEAT_TINT: Color32 = Color32::from_rgba_premultiplied(128, 128, 128, 128);

/// Bins across and up: about 3 screen pixels per bin on a laptop-sized plot.
pub const BINS_X: usize = 256;
pub const BINS_Y: usize = 192;

/// Counts of one set's points in a `nx × ny` grid over `x_range × y_range`; row 0 is the
/// bottom. For a 0/1 target, `ones` counts the points labelled 1 in each bin.
#[derive(Debug, Clone, PartialEq)]
pub struct BinnedPoints {
    pub nx: usize,
    pub ny: usize,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub counts: Vec<u32>,
    pub ones: Option<Vec<u32>>,
}

/// What goes on the plot's vertical axis: the target, or a second input (the classifier plane).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vertical {
    Target,
    Input(usize),
}

impl BinnedPoints {
    /// Bins every row of `data` (points outside the ranges are left out).
    ///
    /// # Shapes
    /// counts: [ny × nx], row-major from the bottom row.
    pub fn of(
        data: &Dataset,
        x_col: usize,
        vertical: Vertical,
        (x_range, y_range): ((f64, f64), (f64, f64)),
        (nx, ny): (usize, usize),
    ) -> BinnedPoints {
        let nx = nx.max(1);
        let ny = ny.max(1);
        let binary = data.is_binary_target();
        let mut counts = vec![0u32; nx * ny];
        let mut ones = binary.then(|| vec![0u32; nx * ny]);
        let bin = |v: f64, (lo, hi): (f64, f64), n: usize| -> Option<usize> {
            let t = (v - lo) / (hi - lo);
            // NaN and points outside fail this test.
            (0.0..=1.0)
                .contains(&t)
                .then(|| ((t * n as f64) as usize).min(n - 1))
        };
        // Row slices of the flat inputs: this loop sees every row of sets of millions.
        let (x_flat, d) = (data.x_flat(), data.n_inputs());
        for (i, &target) in data.y().iter().enumerate() {
            let row = &x_flat[i * d..(i + 1) * d];
            let Some(&x) = row.get(x_col) else { continue };
            let y = match vertical {
                Vertical::Target => target,
                Vertical::Input(j) => match row.get(j) {
                    Some(&v) => v,
                    None => continue,
                },
            };
            let (Some(bx), Some(by)) = (bin(x, x_range, nx), bin(y, y_range, ny)) else {
                continue;
            };
            let k = by * nx + bx;
            counts[k] = counts[k].saturating_add(1);
            if let Some(ones) = &mut ones
                && target == 1.0
            {
                ones[k] = ones[k].saturating_add(1);
            }
        }
        BinnedPoints {
            nx,
            ny,
            x_range,
            y_range,
            counts,
            ones,
        }
    }

    /// The image: empty bins transparent; occupied ones opaque by log count (the emptiest a
    /// third, the fullest `max_alpha`), coloured `color`, or for 0/1 targets mixed between the
    /// class colours by the share of ones. Row 0 of the image is the top.
    pub fn image(&self, color: Color32, classes: [Color32; 2], max_alpha: f32) -> ColorImage {
        let max = self.counts.iter().copied().max().unwrap_or(0).max(1);
        let log_max = (max as f32).ln_1p();
        let mut pixels = vec![Color32::TRANSPARENT; self.nx * self.ny];
        for (k, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let strength = (c as f32).ln_1p() / log_max;
            let alpha = max_alpha * (0.35 + 0.65 * strength);
            let rgb = match &self.ones {
                Some(ones) => mix(classes[0], classes[1], ones[k] as f32 / c as f32),
                None => color,
            };
            let (i, j) = (k % self.nx, k / self.nx);
            pixels[(self.ny - 1 - j) * self.nx + i] = Color32::from_rgba_unmultiplied(
                rgb.r(),
                rgb.g(),
                rgb.b(),
                (alpha.clamp(0.0, 1.0) * 255.0).round() as u8,
            );
        }
        ColorImage::new([self.nx, self.ny], pixels)
    }
}

/// The data, axes and plotted ranges an image shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ImageKey {
    generation: u64,
    x_col: usize,
    second: Option<usize>,
    /// The plotted ranges' bits: (x0, x1, y0, y1).
    bounds: [u64; 4],
}

impl ImageKey {
    fn same_axes(&self, other: &ImageKey) -> bool {
        (self.generation, self.x_col, self.second) == (other.generation, other.x_col, other.second)
    }
}

/// One set's density image on screen.
pub struct ShownImage {
    pub texture: TextureHandle,
    /// Rows the image counts (the set's size).
    pub rows: usize,
    /// The ranges it was binned over, where it is drawn (they may lag the plot's by a few
    /// frames while a new binning runs).
    pub ranges: ((f64, f64), (f64, f64)),
}

/// A set's image ready to upload: its pixels, rows and ranges.
type Binned = (ColorImage, usize, ((f64, f64), (f64, f64)));

/// The density images of the loaded data's big sets, binned in the background whenever the
/// data, the axes or the plotted ranges change. Until a binning is done the previous image of
/// the same data and axes stays (drawn over its own ranges); another data set's or axis's never
/// shows.
#[derive(Default)]
pub struct DensityImages {
    /// What the task in progress or the last one bins.
    wanted: Option<ImageKey>,
    job: Option<Task<[Option<Binned>; 2]>>,
    /// What `shown` shows.
    shown_key: Option<ImageKey>,
    /// [train, held-out].
    pub shown: [Option<ShownImage>; 2],
    /// How long the last finished binning took, until taken (frame statistics).
    finished_secs: Option<f64>,
}

impl DensityImages {
    /// Starts binning when its inputs changed; takes a finished binning's images. Cheap: the
    /// UI thread only uploads two textures of [`BINS_X`] × [`BINS_Y`] pixels once they are done.
    pub fn update(
        &mut self,
        ctx: &egui::Context,
        data: &LoadedData,
        x_col: usize,
        second: Option<usize>,
        ranges: ((f64, f64), (f64, f64)),
    ) {
        let ((x0, x1), (y0, y1)) = ranges;
        let key = ImageKey {
            generation: data.generation,
            x_col,
            second,
            bounds: [x0.to_bits(), x1.to_bits(), y0.to_bits(), y1.to_bits()],
        };
        if self.wanted != Some(key) {
            self.wanted = Some(key);
            self.job = None;
            if self.shown_key.is_some_and(|shown| !shown.same_axes(&key)) {
                self.shown = [None, None];
                self.shown_key = None;
            }
            let sets = [
                (Some(data.train.clone()), palette::TRAIN),
                (data.test.clone(), palette::TEST),
            ]
            .map(|(set, rgb)| {
                set.filter(|s| s.len() > BINNED_ABOVE_ROWS)
                    .map(|s| (s, rgb))
            });
            if sets.iter().any(Option::is_some) {
                let repaint = ctx.clone();
                let wake: crate::worker::WakeFn = Arc::new(move || repaint.request_repaint());
                let rows: usize = sets.iter().flatten().map(|(s, _)| s.len()).sum();
                let what = format!("binning {} rows", super::widgets::fmt_count(rows as u64));
                // A thread that cannot start leaves the plot without the image, nothing worse.
                self.job = Task::spawn(what, Some(wake), move |_| {
                    Ok(sets.map(|set| {
                        set.map(|(set, rgb)| bin_image(&set, rgb, x_col, second, ranges))
                    }))
                })
                .ok();
            } else {
                self.shown = [None, None];
                self.shown_key = Some(key);
            }
        }
        let Some(job) = &self.job else {
            return;
        };
        let secs = job.elapsed_secs();
        match job.poll() {
            Poll::Pending => return,
            Poll::Done(images) => {
                self.finished_secs = Some(secs);
                let names = ["train density", "held-out density"];
                for ((binned, slot), name) in images.into_iter().zip(&mut self.shown).zip(names) {
                    *slot = binned.map(|(image, rows, ranges)| {
                        let texture = match slot.take() {
                            Some(ShownImage { mut texture, .. }) => {
                                texture.set(image, TextureOptions::NEAREST);
                                texture
                            }
                            None => ctx.load_texture(name, image, TextureOptions::NEAREST),
                        };
                        ShownImage {
                            texture,
                            rows,
                            ranges,
                        }
                    });
                }
                self.shown_key = self.wanted;
            }
            Poll::Failed(_) => {
                self.shown = [None, None];
                self.shown_key = self.wanted;
            }
        }
        self.job = None;
    }

    /// How long the binning that finished since the last call took.
    pub fn take_finished_secs(&mut self) -> Option<f64> {
        self.finished_secs.take()
    }

    /// Is a binning in progress?
    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }
}

/// Bins `set` (train or held-out) and colours its image: the background part.
fn bin_image(
    set: &Dataset,
    rgb: [u8; 3],
    x_col: usize,
    second: Option<usize>,
    ranges: ((f64, f64), (f64, f64)),
) -> Binned {
    let vertical = second.map_or(Vertical::Target, Vertical::Input);
    let bins = BinnedPoints::of(set, x_col, vertical, ranges, (BINS_X, BINS_Y));
    // Labels are the picture on the plane. A regression set's image is at full strength here;
    // over a model's heat map it is drawn at half ([`UNDER_HEAT_TINT`]) to let that show through.
    let max_alpha = if bins.ones.is_some() { 0.9 } else { 1.0 };
    (
        bins.image(color(rgb), [CLASS0, CLASS1], max_alpha),
        set.len(),
        ranges,
    )
}

fn mix(a: Color32, b: Color32, t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    let m = |u: u8, v: u8| (u as f32 + (v as f32 - u as f32) * t).round() as u8;
    Color32::from_rgb(m(a.r(), b.r()), m(a.g(), b.g()), m(a.b(), b.b()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(x: Vec<f64>, y: Vec<f64>) -> Dataset {
        Dataset::new(vec!["x".into()], "y".into(), x, y).expect("dataset")
    }

    #[test]
    fn every_row_inside_the_ranges_is_counted_once() {
        let n = 10_000;
        let x: Vec<f64> = (0..n).map(|i| i as f64 / n as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
        let mut with_outside = x.clone();
        with_outside.push(5.0);
        let mut y_outside = y.clone();
        y_outside.push(0.0);
        let data = dataset(with_outside, y_outside);
        let bins = BinnedPoints::of(
            &data,
            0,
            Vertical::Target,
            ((0.0, 1.0), (0.0, 2.0)),
            (10, 5),
        );
        let total: u64 = bins.counts.iter().map(|&c| u64::from(c)).sum();
        assert_eq!(total, n as u64, "the point at x = 5 is outside");
        // y = 2x: every point lies on the diagonal bins.
        for j in 0..5 {
            for i in 0..10 {
                let c = bins.counts[j * 10 + i];
                assert_eq!(c > 0, i / 2 == j, "bin ({i}, {j}) holds {c}");
            }
        }
        assert!(bins.ones.is_none());
    }

    #[test]
    fn labels_colour_the_bins_and_empty_bins_stay_clear() {
        // Two points labelled 1 in the left bin, one labelled 0 in the right.
        let data = dataset(vec![0.1, 0.2, 0.9], vec![1.0, 1.0, 0.0]);
        let bins = BinnedPoints::of(
            &data,
            0,
            Vertical::Target,
            ((0.0, 1.0), (-0.5, 1.5)),
            (2, 2),
        );
        assert_eq!(bins.ones.as_ref().expect("binary"), &vec![0, 0, 2, 0]);
        let classes = [Color32::from_rgb(0, 0, 255), Color32::from_rgb(255, 0, 0)];
        let image = bins.image(Color32::GRAY, classes, 1.0);
        // Image row 0 is the top: the ones (y = 1) sit in the top-left bin.
        let top_left = image.pixels[0];
        assert_eq!((top_left.r(), top_left.b(), top_left.a()), (255, 0, 255));
        let bottom_right = image.pixels[3];
        assert_eq!(bottom_right.b(), bottom_right.a(), "label 0: pure blue");
        assert!(bottom_right.a() < 255, "one point is fainter than two");
        assert_eq!(image.pixels[1], Color32::TRANSPARENT, "empty bin");
    }
}
