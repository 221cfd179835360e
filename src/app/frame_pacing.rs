//! How often the window repaints while training runs, and how each frame shares the CPU with
//! the training threads.
//!
//! Two measures, both aimed at machines without a GPU, where every frame is rendered in
//! software on the cores that training needs:
//!
//! * **A core for each frame.** The training lanes move in lockstep, so when layout and the
//!   renderer take the core of one lane, the other waits too, and a frame cost training about
//!   twice its own CPU time. Each frame instead asks the trainer for a core ([`SpareCore`])
//!   when its layout begins; a paint callback drawn after everything else gives it back once
//!   the renderer has finished. The trainer's other lane goes on meanwhile, running the freed
//!   lane's share too. Without that callback (no OpenGL, as in tests) the request lapses after
//!   [`FRAME_ALLOWANCE`].
//! * **A budget for painting.** That callback also measures the frame's wall time, layout to
//!   finished pixels. The worker's news is shown at most every `frame time / PAINT_BUDGET`,
//!   and never more often than the base interval (4 frames/s). With a GPU a frame takes a few
//!   milliseconds and the base interval rules; in software it takes 20–30 ms, so the window
//!   refreshes about twice a second while training. User input still repaints at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use eframe::egui_glow;
use eframe::glow::HasContext as _;

use crate::nn::SpareCore;

/// Longest a frame may keep its core: far more than layout and painting take.
pub const FRAME_ALLOWANCE: Duration = Duration::from_millis(100);

/// Share of the wall time that repaints driven by training news may take.
pub const PAINT_BUDGET: f64 = 0.06;

#[derive(Clone)]
pub struct FramePacer {
    /// Shortest time between two repaints caused by the worker.
    base: Duration,
    /// Wall time of the last frame painted while training, in microseconds (0: none yet).
    frame_micros: Arc<AtomicU64>,
}

/// A frame being laid out while training runs.
pub struct TrainingFrame {
    started: Instant,
    spare: Arc<SpareCore>,
}

impl FramePacer {
    pub fn new(base: Duration) -> Self {
        FramePacer {
            base,
            frame_micros: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Time until the next repaint for news from the worker or a background job.
    pub fn interval(&self) -> Duration {
        let frame = Duration::from_micros(self.frame_micros.load(Ordering::Relaxed));
        self.base.max(frame.div_f64(PAINT_BUDGET))
    }

    /// Asks the trainer for a core for the frame about to be laid out.
    pub fn begin_frame(spare: Arc<SpareCore>) -> TrainingFrame {
        spare.request(FRAME_ALLOWANCE);
        TrainingFrame {
            started: Instant::now(),
            spare,
        }
    }

    /// Adds, above every other layer, the paint callback that waits for the renderer to
    /// finish the frame, records how long the frame took and gives the core back.
    pub fn end_frame(&self, ctx: &egui::Context, frame: TrainingFrame) {
        let frame_micros = self.frame_micros.clone();
        let callback = egui_glow::CallbackFn::new(move |_info, painter| {
            // SAFETY: glFinish takes no arguments; it returns once earlier commands are done.
            unsafe { painter.gl().finish() };
            let micros = u64::try_from(frame.started.elapsed().as_micros()).unwrap_or(u64::MAX);
            frame_micros.store(micros, Ordering::Relaxed);
            frame.spare.release();
        });
        let layer = egui::LayerId::new(egui::Order::Debug, egui::Id::unique("frame pacing"));
        ctx.layer_painter(layer).add(egui::PaintCallback {
            rect: egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1.0, 1.0)),
            callback: Arc::new(callback),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_frames_stretch_the_interval_fast_ones_keep_the_base() {
        let pacer = FramePacer::new(Duration::from_millis(250));
        assert_eq!(pacer.interval(), Duration::from_millis(250));
        pacer.frame_micros.store(3_000, Ordering::Relaxed); // a GPU frame
        assert_eq!(pacer.interval(), Duration::from_millis(250));
        pacer.frame_micros.store(30_000, Ordering::Relaxed); // a software-rendered frame
        assert_eq!(pacer.interval(), Duration::from_millis(500));
    }
}
