//! UI frame-time measurement (`DW_FRAME_STATS=path`): the wall time the UI thread spends in
//! each frame's `logic` + `ui`, summarised as median, 95th percentile and maximum on exit, with
//! the slowest frames and when they came (to find what made them slow); and eframe's own time
//! for the whole frame (layout, tessellation and painting; the buffer swap excluded).

use std::time::{Duration, Instant};

use crate::nn::StepPhases;

#[derive(Debug, Default)]
pub struct FrameStats {
    all_ms: Vec<f64>,
    training_ms: Vec<f64>,
    /// Start of the first and the last frame drawn while training.
    training_span: Option<(Instant, Instant)>,
    /// The finished run: its steps and where their time went.
    run: Option<(u64, StepPhases, f64)>,
    /// eframe's time for each whole frame (`Frame::info().cpu_usage`).
    whole_ms: Vec<f64>,
    /// The first frame's start, for the slowest frames' times.
    first: Option<Instant>,
    /// The slowest frames: (seconds since the first frame, ms), slowest first.
    slowest: Vec<(f64, f64)>,
    /// What happened when, in words ("data in: …"), in order.
    events: Vec<String>,
}

/// How many of the slowest frames the summary lists.
const SLOWEST_LISTED: usize = 8;

impl FrameStats {
    /// One frame that began at `started` and took `elapsed`.
    pub fn record(&mut self, started: Instant, elapsed: Duration, training: bool) {
        let ms = elapsed.as_secs_f64() * 1e3;
        self.all_ms.push(ms);
        let first = *self.first.get_or_insert(started);
        let at_secs = started.saturating_duration_since(first).as_secs_f64();
        let place = self.slowest.partition_point(|&(_, slower)| slower >= ms);
        if place < SLOWEST_LISTED {
            self.slowest.insert(place, (at_secs, ms));
            self.slowest.truncate(SLOWEST_LISTED);
        }
        if training {
            self.training_ms.push(ms);
            let first = self.training_span.map_or(started, |(first, _)| first);
            self.training_span = Some((first, started));
        }
    }

    /// Notes an event, with its time since the first frame.
    pub fn note(&mut self, what: &str) {
        let at = self
            .first
            .map_or(0.0, |first| first.elapsed().as_secs_f64());
        self.events.push(format!("{what} (at {at:.2} s)"));
    }

    /// eframe's time for the previous whole frame, in seconds.
    pub fn record_whole(&mut self, secs: f32) {
        self.whole_ms.push(f64::from(secs) * 1e3);
    }

    /// The finished run, for its throughput: steps per second of training steps, and per
    /// second of the run's wall time (pauses excluded).
    pub fn set_run(&mut self, steps: u64, phases: StepPhases, active_secs: f64) {
        self.run = Some((steps, phases, active_secs));
    }

    pub fn summary(&self) -> String {
        let mut out = String::new();
        for (name, values) in [
            ("all frames", &self.all_ms),
            ("while training", &self.training_ms),
            (
                "whole frames (eframe: + tessellation, painting)",
                &self.whole_ms,
            ),
        ] {
            let (median, p95, max) = percentiles(values);
            out.push_str(&format!(
                "{name}: {} frames, median {median:.2} ms, p95 {p95:.2} ms, max {max:.2} ms\n",
                values.len()
            ));
        }
        if !self.slowest.is_empty() {
            let listed: Vec<String> = self
                .slowest
                .iter()
                .map(|(at, ms)| format!("{ms:.1} ms at {at:.2} s"))
                .collect();
            out.push_str(&format!("slowest frames: {}\n", listed.join(", ")));
        }
        for event in &self.events {
            out.push_str(&format!("{event}\n"));
        }
        if let Some((first, last)) = self.training_span {
            let secs = (last - first).as_secs_f64();
            if secs > 0.0 {
                let rate = (self.training_ms.len() - 1) as f64 / secs;
                out.push_str(&format!("frame rate while training: {rate:.1} frames/s\n"));
            }
        }
        if let Some((steps, phases, active)) = self.run
            && let Some(rate) = phases.steps_per_sec(steps)
        {
            out.push_str(&format!("training throughput: {rate:.1} steps/s\n"));
            out.push_str(&format!("per step: {}\n", phases.describe_per_step(steps)));
            if active > 0.0 {
                out.push_str(&format!(
                    "wall clock: {:.1} steps/s ({steps} steps in {active:.2} s)\n",
                    steps as f64 / active
                ));
            }
        }
        out
    }

    pub fn write(&self, path: &std::path::Path) -> std::io::Result<()> {
        std::fs::write(path, self.summary())
    }
}

fn percentiles(values: &[f64]) -> (f64, f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.95), at(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reports_median_and_p95() {
        let mut stats = FrameStats::default();
        let start = Instant::now();
        for ms in 1..=100 {
            // One frame every 100 ms.
            let started = start + Duration::from_millis(100 * ms);
            stats.record(started, Duration::from_millis(ms), ms > 50);
        }
        let text = stats.summary();
        assert!(text.contains("all frames: 100 frames, median 51.00 ms, p95 95.00 ms"));
        assert!(text.contains("while training: 50 frames"));
        assert!(
            text.contains("frame rate while training: 10.0 frames/s"),
            "{text}"
        );
        assert!(!text.contains("throughput"), "no run has finished: {text}");
        assert!(
            text.contains("slowest frames: 100.0 ms at 9.90 s, 99.0 ms at 9.80 s,"),
            "{text}"
        );
        assert_eq!(text.matches(" ms at ").count(), SLOWEST_LISTED, "{text}");
        stats.note("data in: 5 rows");
        assert!(stats.summary().contains("\ndata in: 5 rows (at "), "{text}");
    }

    #[test]
    fn whole_frames_are_summarised_apart() {
        let mut stats = FrameStats::default();
        for ms in [10.0, 20.0, 300.0] {
            stats.record_whole(ms / 1e3);
        }
        let text = stats.summary();
        assert!(
            text.contains("whole frames (eframe: + tessellation, painting): 3 frames, median 20.00 ms, p95 300.00 ms, max 300.00 ms"),
            "{text}"
        );
    }

    #[test]
    fn summary_reports_the_runs_throughput_and_step_phases() {
        let mut stats = FrameStats::default();
        // 2 s in all.
        let phases = StepPhases {
            gather: 0.01,
            gradient: 1.5,
            reduce: 0.09,
            update: 0.4,
        };
        stats.set_run(8000, phases, 2.5);
        let text = stats.summary();
        assert!(
            text.contains("training throughput: 4000.0 steps/s"),
            "{text}"
        );
        assert!(
            text.contains(
                "per step: gather 1.2 µs, gradient 187.5 µs, reduce 11.2 µs, update 50.0 µs"
            ),
            "{text}"
        );
        // Half a second went to evaluation and snapshots between the steps.
        assert!(
            text.contains("wall clock: 3200.0 steps/s (8000 steps in 2.50 s)"),
            "{text}"
        );
    }
}
