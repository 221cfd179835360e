//! The scenario comparison and the HDRs of the posterior panel, and the mixture's components
//! in the Diagnostics tab, driven through the real window.

#![cfg(feature = "gui")]

mod common;

use std::time::Duration;

use common::{H, finished, harness, settle, small_settings, step_until};
use egui_kittest::kittest::Queryable;

fn train(h: &mut H) {
    h.get_by_label("Train").click();
    h.step();
    step_until(h, Duration::from_secs(60), "the run to finish", finished);
    settle(h);
}

#[test]
fn pinned_inputs_are_compared_with_their_hdrs_and_can_be_unpinned() {
    let mut h = harness(small_settings());
    train(&mut h);
    // The posterior panel lists the HDRs next to the central intervals.
    assert!(
        h.query_by_label("68 % HDR").is_some(),
        "the posterior's 68 % HDR"
    );
    assert!(h.query_by_label("95 % HDR").is_some());
    h.get_by_label("Pin x*").click();
    h.run_ok();
    assert_eq!(h.state().settings.view.pinned.len(), 1);
    let pinned_x = h.state().settings.view.pinned[0][0];
    h.state_mut().settings.view.x_star = pinned_x + 0.4;
    h.get_by_label("Scenarios").click();
    h.run_ok();
    settle(&mut h);
    let current = format!(
        "x = {} (x*)",
        density_workbench::export::figures::posterior::format_value(pinned_x + 0.4)
    );
    let pinned = format!(
        "x = {}",
        density_workbench::export::figures::posterior::format_value(pinned_x)
    );
    // In the table and in the plot's legend.
    assert_eq!(h.query_all_by_label(&current).count(), 2, "{current}");
    assert_eq!(h.query_all_by_label(&pinned).count(), 2, "{pinned}");
    // The posterior panel's row and the table's column.
    assert_eq!(
        h.query_all_by_label("95 % HDR").count(),
        2,
        "the table's HDR column"
    );
    assert!(h.query_by_label("68 % central").is_some());
    h.get_by_label("unpin").click();
    h.run_ok();
    settle(&mut h);
    assert!(h.state().settings.view.pinned.is_empty());
    assert_eq!(
        h.query_all_by_label(&pinned).count(),
        0,
        "the unpinned row is gone"
    );
}

#[test]
fn the_diagnostics_tab_follows_the_mixture_components_along_x() {
    let mut h = harness(small_settings());
    h.get_by_label("Diagnostics").click();
    h.run_ok();
    train(&mut h);
    // A tab narrower than three plots shows the components on request.
    if h.query_by_label("locations").is_none() {
        h.get_by_label("components").click();
        h.run_ok();
    }
    assert!(
        h.query_by_label("locations").is_some(),
        "the components plot's parameter choice"
    );
    let healthy = h
        .query_by_label("no dead, collapsed or floored components")
        .is_some();
    let warned = h.query_by_label_contains("⚠ ").is_some();
    assert!(
        healthy != warned,
        "either no warning or the warnings are listed"
    );
}

#[test]
fn a_classifier_has_no_scenarios_or_components() {
    let mut settings = small_settings();
    settings.data.preset = density_workbench::data::Preset::Moons;
    settings.config.head = density_workbench::nn::Head::Bernoulli;
    let mut h = harness(settings);
    train(&mut h);
    assert!(h.query_by_label("Pin x*").is_none(), "no pin for p(y=1|x*)");
    h.get_by_label("Scenarios").click();
    h.run_ok();
    settle(&mut h);
    assert!(
        h.query_by_label_contains("Scenarios compare densities")
            .is_some(),
        "the tab says why it is empty"
    );
}
