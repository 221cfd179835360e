//! Publication-quality figures (SVG and PNG) drawn with plotters: the data with the predictive
//! overlay or density heat map, the posterior p(y|x*), loss curves and run comparisons.
//!
//! Every entry point is a pure function of plain data, so the GUI and the `figure` CLI share
//! them: build a [`Figure`], then [`render_figure`] (bytes) or [`save_figure`] (atomic file
//! write, format from the extension). Text sizes are in points and scale with the resolution
//! ([`RenderOptions::dpi`]), so a 3200×2000 figure at 400 dpi looks like a 1600×1000 one at
//! 200 dpi, only sharper.

mod common;
pub mod components;
pub mod coverage;
pub mod data_plot;
mod heatmap;
pub mod loss;
pub mod pit;
pub mod posterior;
pub mod reliability;
pub mod runs;
pub mod scenarios;
pub mod style;

use std::path::Path;

use plotters::prelude::*;

use super::atomic::{Overwrite, WriteError, write_atomic};
pub use common::LegendPosition;
pub use components::ComponentsFigure;
pub use coverage::CoverageFigure;
pub use data_plot::{DataFigure, DataPlotOptions, suggest_view};
pub use loss::LossFigure;
pub use pit::PitFigure;
pub use posterior::PosteriorFigure;
pub use reliability::ReliabilityFigure;
pub use runs::{RunCurve, RunsFigure};
pub use scenarios::{Scenario, ScenariosFigure};

/// Finite min and max of values (for choosing a plotted range).
pub fn min_max_of(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    common::min_max(values)
}

/// Points drawn per dataset before a deterministic, evenly strided subsample is taken.
pub const MAX_POINTS: usize = 20_000;

#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    #[error("{0}: unknown figure format (the file name must end in .svg or .png)")]
    UnknownFormat(String),
    #[error("figure size {width}×{height} px is not supported (each side 64 to 20000 px)")]
    Size { width: u32, height: u32 },
    #[error("resolution {0} dpi is not supported (use 10 to 2400)")]
    Dpi(f64),
    #[error("nothing to plot: {0}")]
    Empty(String),
    #[error("drawing the figure failed: {0}")]
    Draw(String),
    #[error("cannot encode the PNG: {0}")]
    Encode(String),
    #[error("the bundled font could not be loaded")]
    Font,
    #[error(transparent)]
    Write(#[from] WriteError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Svg,
    Png,
}

impl ImageFormat {
    /// From the file extension (`.svg` / `.png`, any case).
    pub fn from_path(path: &Path) -> Result<ImageFormat, FigureError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("svg") => Ok(ImageFormat::Svg),
            Some("png") => Ok(ImageFormat::Png),
            _ => Err(FigureError::UnknownFormat(path.display().to_string())),
        }
    }
}

/// Size and resolution of a figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderOptions {
    /// Exact width of the PNG / SVG viewport in pixels.
    pub width_px: u32,
    pub height_px: u32,
    /// Dots per inch: text sizes are in points, so this sets how large text is in pixels
    /// (and is stored in the PNG). `None`: the figure is taken as 5 inches tall (a journal
    /// column figure), e.g. 200 dpi for 1000 px.
    pub dpi: Option<f64>,
}

impl Default for RenderOptions {
    /// 1600×1000 px at 200 dpi (8 × 5 inches).
    fn default() -> Self {
        RenderOptions {
            width_px: 1600,
            height_px: 1000,
            dpi: None,
        }
    }
}

impl RenderOptions {
    pub fn new(width_px: u32, height_px: u32) -> RenderOptions {
        RenderOptions {
            width_px,
            height_px,
            dpi: None,
        }
    }

    /// The resolution used: the given one, or the height over 5 inches (at most the width
    /// over 6 inches, so text never crowds a narrow figure), and at least 100 dpi so that
    /// small figures stay readable on screen.
    pub fn effective_dpi(&self) -> f64 {
        self.dpi.unwrap_or_else(|| {
            (self.height_px as f64 / 5.0)
                .min(self.width_px as f64 / 6.0)
                .max(100.0)
        })
    }

    pub fn validate(&self) -> Result<(), FigureError> {
        let ok = |v: u32| (64..=20_000).contains(&v);
        if !ok(self.width_px) || !ok(self.height_px) {
            return Err(FigureError::Size {
                width: self.width_px,
                height: self.height_px,
            });
        }
        let dpi = self.effective_dpi();
        if !(10.0..=2400.0).contains(&dpi) {
            return Err(FigureError::Dpi(dpi));
        }
        Ok(())
    }
}

/// One figure and everything it shows.
#[derive(Debug, Clone)]
pub enum Figure<'a> {
    /// Data points with the predictive overlay or density heat map.
    Data(DataFigure<'a>),
    /// p(y|x*) at one input.
    Posterior(PosteriorFigure<'a>),
    /// Train and held-out NLL per epoch of one run.
    Loss(LossFigure<'a>),
    /// Held-out NLL of several runs.
    Runs(RunsFigure<'a>),
    /// PIT histogram with its calibration band.
    Pit(PitFigure<'a>),
    /// Central-interval coverage curve.
    Coverage(CoverageFigure<'a>),
    /// Reliability diagram of a classifier.
    Reliability(ReliabilityFigure<'a>),
    /// Mixture components along one input.
    Components(ComponentsFigure<'a>),
    /// Predictives at several pinned inputs, with their summary table.
    Scenarios(ScenariosFigure<'a>),
}

/// Draws `figure` and returns the file bytes (UTF-8 SVG text, or a PNG).
pub fn render_figure(
    figure: &Figure<'_>,
    format: ImageFormat,
    options: &RenderOptions,
) -> Result<Vec<u8>, FigureError> {
    options.validate()?;
    style::ensure_font()?;
    let style = style::Style::from_dpi(options.effective_dpi());
    let size = (options.width_px, options.height_px);
    match format {
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
                draw(&root, figure, &style)?;
                root.present().map_err(common::draw_error)?;
            }
            Ok(svg.into_bytes())
        }
        ImageFormat::Png => {
            let mut rgb = vec![255u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
                draw(&root, figure, &style)?;
                root.present().map_err(common::draw_error)?;
            }
            encode_png(&rgb, size, options.effective_dpi())
        }
    }
}

/// Renders and writes atomically; the format comes from the extension of `path`.
pub fn save_figure(
    path: &Path,
    figure: &Figure<'_>,
    options: &RenderOptions,
    overwrite: Overwrite,
) -> Result<(), FigureError> {
    let format = ImageFormat::from_path(path)?;
    let bytes = render_figure(figure, format, options)?;
    write_atomic(path, &bytes, overwrite)?;
    Ok(())
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    figure: &Figure<'_>,
    style: &style::Style,
) -> Result<(), FigureError> {
    root.fill(&WHITE).map_err(common::draw_error)?;
    match figure {
        Figure::Data(f) => data_plot::draw(root, f, style),
        Figure::Posterior(f) => posterior::draw(root, f, style),
        Figure::Loss(f) => loss::draw(root, f, style),
        Figure::Runs(f) => runs::draw(root, f, style),
        Figure::Pit(f) => pit::draw(root, f, style),
        Figure::Coverage(f) => coverage::draw(root, f, style),
        Figure::Reliability(f) => reliability::draw(root, f, style),
        Figure::Components(f) => components::draw(root, f, style),
        Figure::Scenarios(f) => scenarios::draw(root, f, style),
    }
}

fn encode_png(rgb: &[u8], (width, height): (u32, u32), dpi: f64) -> Result<Vec<u8>, FigureError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let per_metre = (dpi / 0.0254).round() as u32;
        encoder.set_pixel_dims(Some(png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: png::Unit::Meter,
        }));
        let mut writer = encoder
            .write_header()
            .map_err(|e| FigureError::Encode(e.to_string()))?;
        writer
            .write_image_data(rgb)
            .map_err(|e| FigureError::Encode(e.to_string()))?;
        writer
            .finish()
            .map_err(|e| FigureError::Encode(e.to_string()))?;
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Checks on rendered files shared by the figure tests.

    /// Width and height from a PNG's IHDR chunk (bytes 16..24).
    pub fn png_size(bytes: &[u8]) -> (u32, u32) {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        assert_eq!(&bytes[12..16], b"IHDR");
        let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        (be(&bytes[16..20]), be(&bytes[20..24]))
    }

    /// Decodes a PNG and counts its distinct colours.
    pub fn png_distinct_colors(bytes: &[u8]) -> usize {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("png header");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("png frame");
        let mut colors: Vec<&[u8]> = buf[..info.buffer_size()].chunks(3).collect();
        colors.sort_unstable();
        colors.dedup();
        colors.len()
    }

    /// Renders as SVG and PNG and checks both files; returns the SVG text.
    pub fn check_both(figure: &super::Figure<'_>, labels: &[&str]) -> String {
        use super::*;
        let options = RenderOptions::new(900, 560);
        let svg = render_figure(figure, ImageFormat::Svg, &options).expect("svg");
        let text = String::from_utf8(svg).expect("utf-8");
        assert!(text.starts_with("<svg"), "{}", &text[..80.min(text.len())]);
        assert!(text.contains("viewBox=\"0 0 900 560\""), "viewBox");
        assert!(text.trim_end().ends_with("</svg>"));
        for label in labels {
            assert!(
                text.contains(&escape(label)),
                "SVG lacks the label {label:?}"
            );
        }
        let png = render_figure(figure, ImageFormat::Png, &options).expect("png");
        assert_eq!(png_size(&png), (900, 560));
        assert!(png_distinct_colors(&png) > 50, "the PNG is nearly blank");
        text
    }

    /// A small trained model on a preset: (model, train, test, history, truth, params).
    pub struct Fixture {
        pub model: crate::nn::Model,
        pub train: crate::data::Dataset,
        pub test: crate::data::Dataset,
        pub history: Vec<crate::nn::EpochRecord>,
        pub truth: Option<crate::data::Truth>,
    }

    pub fn trained(preset: &str, head: crate::nn::Head, n: usize, epochs: usize) -> Fixture {
        use crate::data::{Preset, PresetParams};
        use crate::nn::{TrainConfig, Trainer};
        let preset = Preset::from_name(preset).expect("preset");
        let params = PresetParams {
            n,
            ..preset.default_params()
        };
        let data = preset.generate(&params).unwrap();
        let (train, test) = data.split(0.5, 1).expect("split");
        let config = TrainConfig {
            hidden: TrainConfig::parse_hidden("32:relu,32:tanh").expect("hidden"),
            head,
            epochs,
            batch_size: 64,
            learning_rate: 3e-3,
            threads: 1,
            ..TrainConfig::default()
        };
        let valid = config.validate(&train, Some(&test)).expect("valid");
        let mut trainer = Trainer::new(valid, &train, Some(&test));
        trainer.run(|_| {});
        Fixture {
            model: trainer.model().clone(),
            history: trainer.history().to_vec(),
            truth: preset.truth(&params),
            train,
            test,
        }
    }

    /// Writes the figure as PNG to `$FIGURE_SAMPLES/name.png` when that variable is set (for
    /// looking at the figures by eye).
    pub fn maybe_save_sample(figure: &super::Figure<'_>, name: &str) {
        use super::*;
        if let Ok(dir) = std::env::var("FIGURE_SAMPLES") {
            for (ext, options) in [
                ("png", RenderOptions::default()),
                ("svg", RenderOptions::default()),
            ] {
                let path = std::path::Path::new(&dir).join(format!("{name}.{ext}"));
                save_figure(&path, figure, &options, crate::export::Overwrite::Allow)
                    .expect("save sample");
            }
            let small = std::path::Path::new(&dir).join(format!("{name}_small.png"));
            save_figure(
                &small,
                figure,
                &RenderOptions::new(640, 400),
                crate::export::Overwrite::Allow,
            )
            .expect("save sample");
        }
    }

    fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_comes_from_the_extension() {
        assert_eq!(
            ImageFormat::from_path(Path::new("a/b.SVG")).expect("svg"),
            ImageFormat::Svg
        );
        assert_eq!(
            ImageFormat::from_path(Path::new("fig.png")).expect("png"),
            ImageFormat::Png
        );
        let err = ImageFormat::from_path(Path::new("fig.jpg")).unwrap_err();
        assert!(err.to_string().contains("fig.jpg"), "{err}");
    }

    #[test]
    fn sizes_and_dpi_are_checked() {
        assert!(RenderOptions::new(10, 500).validate().is_err());
        assert!(RenderOptions::new(800, 500).validate().is_ok());
        assert_eq!(RenderOptions::default().effective_dpi(), 200.0);
        let bad = RenderOptions {
            dpi: Some(0.0),
            ..RenderOptions::default()
        };
        assert!(matches!(bad.validate(), Err(FigureError::Dpi(_))));
    }
}
