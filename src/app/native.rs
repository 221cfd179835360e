//! The native window: eframe's options, fonts, and the process settings that make it cheap to
//! paint without a GPU.

use super::{LaunchOptions, STORAGE_KEY, WorkbenchApp, state::Settings};

/// eframe's name for the window's storage folder (settings, runs' weights).
const APP_ID: &str = "Density Workbench";

/// Adds the bundled DejaVu Sans as a fallback font: egui's default fonts lack symbols the
/// window uses (→, ≥, π, θ, −, thin spaces).
pub fn install_fonts(ctx: &egui::Context) {
    use egui::epaint::text::{FontData, FontInsert, FontPriority, InsertFontFamily};
    ctx.add_font(FontInsert::new(
        "DejaVuSans",
        FontData::from_static(include_bytes!("../../assets/fonts/DejaVuSans.ttf")),
        [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
            .into_iter()
            .map(|family| InsertFontFamily {
                family,
                priority: FontPriority::Lowest,
            })
            .collect(),
    ));
}

/// Opens the window; returns when it is closed.
pub fn run() -> anyhow::Result<()> {
    tune_allocator();
    one_software_render_thread();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Density Workbench")
            .with_inner_size(window_size_from_env().unwrap_or([1280.0, 800.0]))
            .with_min_inner_size([800.0, 500.0]),
        // Heat maps come from a 256-colour table, so dithering hides no banding; without a
        // GPU it costs ~5 % of the renderer's time per frame (measured under Xvfb).
        dithering: false,
        ..Default::default()
    };
    let mut launch = LaunchOptions::from_env();
    if launch.run_store.is_none() {
        launch.run_store = eframe::storage_dir(APP_ID).map(|dir| dir.join("runs"));
    }
    eframe::run_native(
        APP_ID,
        options,
        Box::new(move |cc| {
            install_fonts(&cc.egui_ctx);
            cheap_panels(&cc.egui_ctx);
            let settings: Settings = cc
                .storage
                .and_then(|s| eframe::get_value(s, STORAGE_KEY))
                .unwrap_or_default();
            Ok(Box::new(WorkbenchApp::new(settings, launch)))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}

/// `DW_WINDOW_SIZE=1024x640`: the window's size in points (screenshots at laptop sizes).
fn window_size_from_env() -> Option<[f32; 2]> {
    let text = std::env::var("DW_WINDOW_SIZE").ok()?;
    let (w, h) = text.trim().split_once('x')?;
    let size = [w.trim().parse().ok()?, h.trim().parse().ok()?];
    size.iter()
        .all(|v: &f32| v.is_finite() && (100.0..=10_000.0).contains(v))
        .then_some(size)
}

/// Panels paint no background of their own: the clear colour is the same colour
/// ([`WorkbenchApp::clear_color`]). Each panel's opaque fill covered the window once more per
/// frame, which without a GPU was a quarter of the software renderer's time (under Xvfb: 27
/// → 20 ms of CPU per frame), time taken from training.
fn cheap_panels(ctx: &egui::Context) {
    ctx.all_styles_mut(|style| style.visuals.panel_fill = egui::Color32::TRANSPARENT);
}

/// Without a GPU, Mesa's software renderer (llvmpipe) rasterises with one thread per core. While
/// training runs, each frame is lent one core ([`frame_pacing`]); a second renderer thread would
/// take the other, still training, one. One thread renders this window in 10–25 ms.
fn one_software_render_thread() {
    const VAR: &str = "LP_NUM_THREADS";
    if std::env::var_os(VAR).is_none() {
        // SAFETY: called before the window (or any other thread of this process) exists, so
        // nothing reads the environment concurrently.
        unsafe { std::env::set_var(VAR, "1") };
    }
}

/// glibc allocator settings for the window's process (measured under Xvfb on a 2-core VM):
///
/// * Every frame builds vertex buffers of several megabytes (here and, without a GPU, in the
///   software renderer). glibc hands such blocks back to the system when they are freed and
///   faults fresh zeroed pages in for the next frame, which doubled the UI thread's CPU time
///   while training ran. Keeping freed memory in the process avoids it.
/// * One arena for all threads. By default the training thread allocates the trainer (its
///   parameters, Adam moments and gradients) from an arena of its own; with that, the Adam
///   update took 24–27 µs per step of the seed model against 15–16 µs in the main heap, as
///   for the headless `train` (12 alternating launches each: 3 430 against 3 610 steps/s,
///   medians). Why the arena matters is not established. Training steps do not allocate;
///   snapshots and frames do, a few times a second, and those figures include any waiting
///   for the shared arena that brings.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only changes allocator parameters; it is called before any other
    // thread exists. A rejected parameter leaves the default, which is merely slower.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}
