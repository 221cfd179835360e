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
//! * **A budget for painting.** The worker's news is shown at most every
//!   `frame cost / PAINT_BUDGET`, and never more often than the base interval (≥ 4 frames/s).
//!   A frame's cost is the CPU time the window's own threads (the UI thread and the software
//!   rasterizer's, everything but training's) spend per frame, averaged over about a second
//!   from `/proc/self/task`, over the machine's cores: the budget is a share of the whole
//!   machine. On a loaded machine a frame's *wall* time is mostly waiting for a core, and
//!   budgeting by it slowed the live view to 0.7–1.4 frames/s although a frame cost ~25 ms of
//!   CPU (llvmpipe's fragment shaders ~70 % of it, layout and tessellation the rest). Where `/proc` is missing, the wall time (layout to
//!   finished pixels) stands in. User input still repaints at once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eframe::egui_glow;
use eframe::glow::HasContext as _;

use crate::nn::SpareCore;

/// Longest a frame may keep its core: far more than layout and painting take.
pub const FRAME_ALLOWANCE: Duration = Duration::from_millis(100);

/// Share of the machine's CPU (or, without a CPU reading, of the wall time) that repaints
/// driven by training news may take.
pub const PAINT_BUDGET: f64 = 0.07;

#[derive(Clone)]
pub struct FramePacer {
    /// Shortest time between two repaints caused by the worker.
    base: Duration,
    /// Cost of a frame painted while training, in microseconds (0: none yet): CPU time per
    /// frame over the machine's cores once measured, the last frame's wall time before that.
    frame_micros: Arc<AtomicU64>,
    meter: Arc<Mutex<CpuMeter>>,
}

/// Counts frames between two readings of the window's CPU time.
#[derive(Default)]
struct CpuMeter {
    /// (wall clock, window CPU seconds) at the last reading.
    last: Option<(Instant, f64)>,
    frames: u32,
    /// A CPU time per frame has been measured (else the wall time stands in).
    measured: bool,
}

/// How long frames are counted before their CPU time is read again.
const CPU_WINDOW: Duration = Duration::from_secs(1);

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
            meter: Arc::new(Mutex::new(CpuMeter::default())),
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
        let meter = self.meter.clone();
        let callback = egui_glow::CallbackFn::new(move |_info, painter| {
            // SAFETY: glFinish takes no arguments; it returns once earlier commands are done.
            unsafe { painter.gl().finish() };
            frame.spare.release();
            let wall = frame.started.elapsed();
            let (cost, measured) = match meter.lock() {
                Ok(mut meter) => (
                    meter.frame_done(Instant::now(), window_cpu_secs),
                    meter.measured,
                ),
                Err(_) => (None, false),
            };
            match cost {
                Some(cpu_per_frame) => {
                    let share = cpu_per_frame.div_f64(machine_cores());
                    frame_micros.store(micros(share), Ordering::Relaxed);
                }
                // Until the first CPU reading (or without /proc): the wall time.
                None if !measured => frame_micros.store(micros(wall), Ordering::Relaxed),
                None => {}
            }
        });
        let layer = egui::LayerId::new(egui::Order::Debug, egui::Id::unique("frame pacing"));
        ctx.layer_painter(layer).add(egui::PaintCallback {
            rect: egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1.0, 1.0)),
            callback: Arc::new(callback),
        });
    }
}

/// Cores the training and the window share.
fn machine_cores() -> f64 {
    std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl CpuMeter {
    /// Counts a finished frame; about once per [`CPU_WINDOW`] reads the window's CPU time
    /// and returns the CPU time per frame since the previous reading.
    fn frame_done(&mut self, now: Instant, cpu_secs: impl Fn() -> Option<f64>) -> Option<Duration> {
        self.frames += 1;
        match self.last {
            Some((since, _)) if now.duration_since(since) < CPU_WINDOW => None,
            last => {
                let cpu = cpu_secs()?;
                let frames = std::mem::take(&mut self.frames);
                self.last = Some((now, cpu));
                let (_, before) = last?;
                let per_frame = (cpu - before).max(0.0) / f64::from(frames.max(1));
                self.measured = true;
                Some(Duration::from_secs_f64(per_frame))
            }
        }
    }
}

/// CPU seconds used so far by this process's threads other than training's ("training",
/// "train-lane-N"): the UI thread, the software rasterizer's threads, background tasks.
/// Linux only (`/proc/self/task/*/stat`); `None` elsewhere.
fn window_cpu_secs() -> Option<f64> {
    // SAFETY: sysconf only reads a system constant.
    let ticks_per_sec = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks_per_sec <= 0 {
        return None;
    }
    let mut ticks = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        // A thread may end between the listing and the read: skip it.
        if let Ok(stat) = std::fs::read_to_string(task.path().join("stat"))
            && let Some((name, cpu)) = parse_task_stat(&stat)
            && !is_training_thread(name)
        {
            ticks += cpu;
        }
    }
    Some(ticks as f64 / ticks_per_sec as f64)
}

fn is_training_thread(name: &str) -> bool {
    name.starts_with("train")
}

/// (thread name, utime + stime in clock ticks) from a `/proc/<pid>/task/<tid>/stat` line:
/// `tid (name) state ppid …` with utime and stime the 14th and 15th fields. The name may
/// hold spaces and parentheses, so the fields are counted after the last ')'.
fn parse_task_stat(stat: &str) -> Option<(&str, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?;
    let mut fields = stat.get(close + 1..)?.split_whitespace();
    // After the name: state is field 3, so utime (14) is the 12th and stime (15) the 13th.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((name, utime + stime))
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
        assert_eq!(
            pacer.interval(),
            Duration::from_millis(30).div_f64(PAINT_BUDGET)
        );
        assert!(pacer.interval() > Duration::from_millis(250));
    }

    #[test]
    fn the_cost_of_a_frame_is_the_windows_cpu_time_per_frame() {
        let mut meter = CpuMeter::default();
        let start = Instant::now();
        let cpu = std::cell::Cell::new(10.0);
        let read = || Some(cpu.get());
        // The first frame takes the first reading: no cost yet.
        assert_eq!(meter.frame_done(start, read), None);
        // Three more frames within the second: counted, not read.
        for ms in [200, 400, 600] {
            assert_eq!(
                meter.frame_done(start + Duration::from_millis(ms), read),
                None
            );
        }
        // At 1 s, 4 frames have used 40 ms of CPU since the reading: 10 ms each, however long
        // they waited for a core.
        cpu.set(10.04);
        let cost = meter
            .frame_done(start + Duration::from_millis(1000), read)
            .expect("a reading");
        assert!((cost.as_secs_f64() - 0.010).abs() < 1e-9, "{cost:?}");
        // Without /proc there is no reading.
        assert_eq!(CpuMeter::default().frame_done(start, || None), None);
    }

    #[test]
    fn task_stat_lines_give_the_thread_and_its_ticks() {
        let line = "4242 (llvmpipe-0) S 4200 4200 1 0 -1 4194368 12 0 0 0 35 7 0 0 20 0 9 0";
        assert_eq!(parse_task_stat(line), Some(("llvmpipe-0", 42)));
        // A name with spaces and parentheses.
        let line = "7 (a (b) c) R 1 1 1 0 -1 0 0 0 0 0 100 1 0 0 20 0 1 0";
        assert_eq!(parse_task_stat(line), Some(("a (b) c", 101)));
        assert_eq!(parse_task_stat("garbage"), None);
        assert!(is_training_thread("train-lane-1") && is_training_thread("training"));
        assert!(!is_training_thread("llvmpipe-0"));
        #[cfg(target_os = "linux")]
        assert!(window_cpu_secs().is_some_and(|s| s >= 0.0));
    }
}
