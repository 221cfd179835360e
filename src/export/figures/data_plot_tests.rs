//! Tests of the data figure.

use super::super::test_support::{check_both, maybe_save_sample, trained};
use super::super::{Figure, ImageFormat, MAX_POINTS, RenderOptions, render_figure};
use super::*;
use crate::nn::Head;

#[test]
fn regression_bands_and_heatmap_render() {
    let f = trained("lognormal", Head::Mixture { components: 4 }, 4000, 6);
    let spec = suggest_view(&f.model, &f.train, 0);
    let view = PredictionView::compute(&f.model, &spec);
    let mut fig = DataFigure::for_model(&f.model, &view);
    fig.train = Some(&f.train);
    fig.test = Some(&f.test);
    fig.truth = f.truth.as_ref();
    let svg = check_both(
        &Figure::Data(fig.clone()),
        &[
            "x",
            "y",
            "mean",
            "median",
            "mode",
            "95 % interval",
            "true curves (dashed)",
            "held-out data",
        ],
    );
    assert!(svg.contains("<polygon"), "bands are drawn");
    maybe_save_sample(&Figure::Data(fig.clone()), "data_bands");
    fig.options = DataPlotOptions::density();
    let svg = check_both(&Figure::Data(fig.clone()), &["p(y | x)", "mean"]);
    assert!(svg.matches("<rect").count() > 500, "heat map cells");
    maybe_save_sample(&Figure::Data(fig), "data_density");
}

#[test]
fn classifiers_render_curve_and_map() {
    let f = trained("xor", Head::Bernoulli, 1000, 8);
    let spec = suggest_view(&f.model, &f.train, 0);
    assert_eq!(spec.plane_column, Some(1));
    let view = PredictionView::compute(&f.model, &spec);
    let mut fig = DataFigure::for_model(&f.model, &view);
    fig.train = Some(&f.train);
    fig.test = Some(&f.test);
    check_both(
        &Figure::Data(fig.clone()),
        &[
            "x1",
            "x2",
            "p(label = 1 | inputs)",
            "training data, label = 0",
        ],
    );
    maybe_save_sample(&Figure::Data(fig), "data_plane");

    // One input only: the p(y=1|x) curve.
    let mut one = spec.clone();
    one.plane_column = None;
    one.y_range = (-0.1, 1.1);
    let view = PredictionView::compute(&f.model, &one);
    assert!(!view.curves.p1.is_empty());
    let mut fig = DataFigure::for_model(&f.model, &view);
    fig.y_label = "label".into();
    fig.train = Some(&f.train);
    check_both(&Figure::Data(fig.clone()), &["x1", "p(label = 1 | x1)"]);
    maybe_save_sample(&Figure::Data(fig), "data_bernoulli");
}

#[test]
fn large_datasets_are_subsampled() {
    let f = trained("heteroscedastic", Head::Normal, 600, 1);
    let big = crate::data::Preset::Heteroscedastic
        .generate(&crate::data::PresetParams {
            n: 50_000,
            noise: 1.0,
            seed: 3,
        })
        .unwrap();
    let spec = suggest_view(&f.model, &big, 0);
    let view = PredictionView::compute(&f.model, &spec);
    let mut fig = DataFigure::for_model(&f.model, &view);
    fig.train = Some(&big);
    fig.options.bands = false;
    let svg = render_figure(
        &Figure::Data(fig),
        ImageFormat::Svg,
        &RenderOptions::new(800, 500),
    )
    .expect("svg");
    let circles = String::from_utf8(svg)
        .expect("utf8")
        .matches("<circle")
        .count();
    assert!(
        circles <= MAX_POINTS + 50 && circles > 15_000,
        "{circles} circles"
    );
}
