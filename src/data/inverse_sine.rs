//! Numerical p(y|x) for the inverse-sine preset.
//!
//! y ~ U(−10.5, 10.5) and x | y ~ N(g(y), σ²) with g(y) = 7 sin(0.75y) + 0.5y, so by Bayes
//! p(y|x) = q(y) / Z(x) on [−10.5, 10.5] with q(y) = exp(−(x − g(y))² / 2σ²) and
//! Z(x) = ∫ q(y) dy, computed by composite Simpson on a uniform grid fine enough to resolve
//! the narrowest peak (at least 4 000 intervals; more for small σ).

/// Support of y.
pub(crate) const Y_MIN: f64 = -10.5;
pub(crate) const Y_MAX: f64 = 10.5;

/// Largest |g'(y)| = 7·0.75 + 0.5: a peak in y is about σ / 5.75 wide.
const MAX_SLOPE: f64 = 5.75;

fn g(y: f64) -> f64 {
    7.0 * (0.75 * y).sin() + 0.5 * y
}

/// Unnormalised log density log q(y) for one x.
fn log_q(x: f64, y: f64, noise: f64) -> f64 {
    let r = (x - g(y)) / noise;
    -0.5 * r * r
}

/// Number of Simpson intervals (even): ≥ 8 points per narrowest peak width, 4 000 ≤ n ≤ 400 000.
fn intervals(noise: f64) -> usize {
    let needed = ((Y_MAX - Y_MIN) * MAX_SLOPE * 8.0 / noise).ceil();
    let n = if needed.is_finite() {
        needed.clamp(4_000.0, 400_000.0) as usize
    } else {
        400_000
    };
    n + n % 2
}

/// log q on the grid for one x, plus log Z.
pub(crate) struct InverseSineGrid {
    h: f64,
    log_q: Vec<f64>,
    log_z: f64,
}

impl InverseSineGrid {
    pub(crate) fn new(x: f64, noise: f64) -> Self {
        let n = intervals(noise);
        let h = (Y_MAX - Y_MIN) / n as f64;
        let log_q: Vec<f64> = (0..=n)
            .map(|i| log_q(x, Y_MIN + i as f64 * h, noise))
            .collect();
        let max = log_q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for (i, lq) in log_q.iter().enumerate() {
            sum += simpson_weight(i, n) * (lq - max).exp();
        }
        let log_z = max + (sum * h / 3.0).ln();
        Self { h, log_q, log_z }
    }

    pub(crate) fn log_z(&self) -> f64 {
        self.log_z
    }

    fn y_at(&self, i: usize) -> f64 {
        Y_MIN + i as f64 * self.h
    }

    fn pdf_at(&self, i: usize) -> f64 {
        (self.log_q[i] - self.log_z).exp()
    }

    /// ∫ y p(y|x) dy by Simpson on the grid.
    pub(crate) fn mean(&self) -> f64 {
        let n = self.log_q.len() - 1;
        let mut sum = 0.0;
        for i in 0..=n {
            sum += simpson_weight(i, n) * self.y_at(i) * self.pdf_at(i);
        }
        sum * self.h / 3.0
    }

    /// The y where the cdf (trapezoid rule on the grid) reaches 1/2, interpolated linearly.
    pub(crate) fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    /// The y where the cdf (trapezoid rule on the grid) reaches `p`, interpolated linearly.
    pub(crate) fn quantile(&self, p: f64) -> f64 {
        let n = self.log_q.len() - 1;
        let cells: Vec<f64> = (0..n)
            .map(|i| 0.5 * self.h * (self.pdf_at(i) + self.pdf_at(i + 1)))
            .collect();
        let total: f64 = cells.iter().sum();
        let target = p.clamp(0.0, 1.0) * total;
        let mut cdf = 0.0;
        for (i, &mass) in cells.iter().enumerate() {
            if cdf + mass >= target && mass > 0.0 {
                return self.y_at(i) + self.h * (target - cdf) / mass;
            }
            cdf += mass;
        }
        Y_MAX
    }

    /// Local maxima of the density with at least `min_ratio` × the highest density, ascending,
    /// refined by a parabola through log q at the three nearest grid points.
    pub(crate) fn modes(&self, min_ratio: f64) -> Vec<f64> {
        let lq = &self.log_q;
        let n = lq.len() - 1;
        let max = lq.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let threshold = max + min_ratio.ln();
        let mut modes = Vec::new();
        for i in 0..=n {
            let rises = i == 0 || lq[i] > lq[i - 1];
            let falls = i == n || lq[i] >= lq[i + 1];
            if !(rises && falls && lq[i] >= threshold) {
                continue;
            }
            let mut y = self.y_at(i);
            if i > 0 && i < n {
                let denom = lq[i - 1] - 2.0 * lq[i] + lq[i + 1];
                if denom < 0.0 {
                    let offset = 0.5 * (lq[i - 1] - lq[i + 1]) / denom;
                    y += offset.clamp(-0.5, 0.5) * self.h;
                }
            }
            modes.push(y);
        }
        modes
    }
}

/// log p(y|x) given log Z(x).
pub(crate) fn log_pdf_with(x: f64, y: f64, noise: f64, log_z: f64) -> f64 {
    if !(Y_MIN..=Y_MAX).contains(&y) {
        return f64::NEG_INFINITY;
    }
    log_q(x, y, noise) - log_z
}

/// Simpson's rule weight of grid point `i` of `0..=n` (n even): 1, 4, 2, 4, …, 4, 1.
fn simpson_weight(i: usize, n: usize) -> f64 {
    if i == 0 || i == n {
        1.0
    } else if i % 2 == 1 {
        4.0
    } else {
        2.0
    }
}
