//! UI frame-time measurement (`DW_FRAME_STATS=path`): the wall time the UI thread spends in
//! each frame's `logic` + `ui`, summarised as median and 95th percentile on exit.

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
}

impl FrameStats {
    /// One frame that began at `started` and took `elapsed`.
    pub fn record(&mut self, started: Instant, elapsed: Duration, training: bool) {
        let ms = elapsed.as_secs_f64() * 1e3;
        self.all_ms.push(ms);
        if training {
            self.training_ms.push(ms);
            let first = self.training_span.map_or(started, |(first, _)| first);
            self.training_span = Some((first, started));
        }
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
        ] {
            let (median, p95, max) = percentiles(values);
            out.push_str(&format!(
                "{name}: {} frames, median {median:.2} ms, p95 {p95:.2} ms, max {max:.2} ms\n",
                values.len()
            ));
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
