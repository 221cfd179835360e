#!/usr/bin/env python3
"""Reference values for the calibration diagnostics (src/diagnostics), computed once with
scipy.stats, properscoring, scoringrules and scikit-learn. The Rust tests in
tests/diagnostics_reference.rs compare against the literals this prints.

    python3 scripts/diagnostics_reference.py            # creates target/diagnostics-venv once

Re-run it only when a test case changes; paste its output into the Rust test file.
"""
import os
import subprocess
import sys
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.environ.get("DW_DIAG_VENV", os.path.join(HERE, "..", "target", "diagnostics-venv"))
PACKAGES = ["numpy", "scipy==1.17.1", "scikit-learn==1.9.1", "properscoring", "scoringrules==0.10.0"]


def ensure_venv():
    python = os.path.join(VENV, "bin", "python")
    if os.path.abspath(sys.executable) == os.path.abspath(python):
        return
    if not os.path.exists(python):
        venv.create(VENV, with_pip=True)
        subprocess.check_call([python, "-m", "pip", "install", "-q", *PACKAGES])
    os.execv(python, [python, *sys.argv])


ensure_venv()

import numpy as np  # noqa: E402
import properscoring as ps  # noqa: E402
import scoringrules as sr  # noqa: E402
from scipy import optimize, special, stats  # noqa: E402
from scipy.stats._hypotests import _cdf_cvm_inf  # noqa: E402
from sklearn.calibration import calibration_curve  # noqa: E402
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss  # noqa: E402


def rust(name, values):
    body = ", ".join(repr(float(v)) for v in np.ravel(values))
    print(f"const {name}: [f64; {np.size(values)}] = [{body}];")


# --- PIT values: a fixed, deliberately non-uniform sample (a dome: too wide predictions)
rng = np.random.default_rng(20261201)
u = np.sort(stats.norm.cdf(0.6 * rng.standard_normal(200)))
rust("PIT", u)
n = len(u)
ks = stats.kstest(u, "uniform")
rust("KS_STAT_EXACT_P", [ks.statistic, ks.pvalue])
stephens = (np.sqrt(n) + 0.12 + 0.11 / np.sqrt(n)) * ks.statistic
rust("KS_STEPHENS_P", [special.kolmogorov(stephens)])
cvm = stats.cramervonmises(u, "uniform")
rust("CVM_STAT_ASYMPTOTIC_P", [cvm.statistic, 1.0 - _cdf_cvm_inf(np.array([cvm.statistic]))[0]])
ad = stats.goodness_of_fit(stats.uniform, u, known_params={"loc": 0.0, "scale": 1.0},
                           statistic="ad", n_mc_samples=2000, rng=1)
rust("AD_STAT", [ad.statistic])
rust("KOLMOGOROV_SF_AT", [0.3, 0.7, 1.0, 1.5])
rust("KOLMOGOROV_SF", special.kolmogorov([0.3, 0.7, 1.0, 1.5]))
rust("CVM_CDF_AT", [0.02, 0.1, 0.461, 1.2])
rust("CVM_CDF", _cdf_cvm_inf(np.array([0.02, 0.1, 0.461, 1.2])))
# Coverage: observed fraction inside the central p-interval and the miscalibration area
# ∫|observed(p) − p| dp by a fine midpoint rule.
c = np.abs(2 * u - 1)
levels = np.array([0.5, 0.68, 0.9, 0.95])
rust("COVERAGE", [(c <= p).mean() for p in levels])
grid = (np.arange(2_000_000) + 0.5) / 2_000_000
observed = np.searchsorted(np.sort(c), grid, side="right") / n
rust("MISCALIBRATION_AREA", [np.abs(observed - grid).mean()])
rust("QQ_AT_10_50_90", np.quantile(u, [0.1, 0.5, 0.9]))

# --- CRPS: Normal (properscoring) and Normal mixtures (scoringrules)
ys = np.array([-3.0, -0.4, 0.0, 1.3, 5.0])
rust("CRPS_Y", ys)
rust("CRPS_NORMAL", ps.crps_gaussian(ys, mu=0.5, sig=1.7))
w = np.array([0.2, 0.5, 0.3])
m = np.array([-2.0, 0.5, 3.0])
s = np.array([0.4, 1.0, 0.7])
rust("CRPS_MIXTURE", [sr.crps_mixnorm(y, m, s, w) for y in ys])
w16 = rng.dirichlet(np.ones(16))
m16 = rng.normal(0, 2, 16)
s16 = rng.uniform(0.05, 1.5, 16)
rust("MIX16_W", w16)
rust("MIX16_M", m16)
rust("MIX16_S", s16)
rust("CRPS_MIX16", [sr.crps_mixnorm(y, m16, s16, w16) for y in ys])
# Log-normal (shifted): properscoring's numerical CRPS of the scipy distribution.
shape = 0.7
rust("CRPS_LOGNORMAL_W", [0.3, 1.0, 4.0])
rust("CRPS_LOGNORMAL", [ps.crps_quadrature(np.array([wv]), stats.lognorm(shape))[0]
                        for wv in [0.3, 1.0, 4.0]])

# --- Bernoulli: reliability, Brier, log loss, accuracy (scikit-learn)
p = np.clip(rng.beta(0.8, 0.8, 300), 1e-6, 1 - 1e-6)
y = (rng.uniform(size=300) < p ** 1.6).astype(float)  # over-confident at the top
rust("BERN_P", p)
rust("BERN_Y", y)
rust("BERN_BRIER_LOGLOSS_ACC", [brier_score_loss(y, p), log_loss(y, p), accuracy_score(y, p > 0.5)])
prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
rust("BERN_PROB_TRUE", prob_true)
rust("BERN_PROB_PRED", prob_pred)
bins = np.minimum((p * 10).astype(int), 9)
counts = np.bincount(bins, minlength=10)
gaps = [abs(y[bins == b].mean() - p[bins == b].mean()) for b in range(10) if counts[b]]
rust("BERN_COUNTS", counts)
rust("BERN_ECE_MCE", [sum(counts[counts > 0] / len(p) * np.array(gaps)), max(gaps)])

# --- HDR of 0.3 N(−2, 0.5²) + 0.7 N(3, 1²) at 90 %: solve for the density threshold t
weights, locs, scales = np.array([0.3, 0.7]), np.array([-2.0, 3.0]), np.array([0.5, 1.0])


def pdf(v):
    return np.sum(weights * stats.norm.pdf(v, locs, scales))


def cdf(v):
    return np.sum(weights * stats.norm.cdf(v, locs, scales))


valley = optimize.minimize_scalar(pdf, bounds=(-2.0, 3.0), method="bounded").x


def region(t):
    # one interval around each mode (the threshold lies above the valley's density)
    def root(a, b):
        return optimize.brentq(lambda v: pdf(v) - t, a, b, xtol=1e-14)
    return [(root(-12.0, -2.0), root(-2.0, valley)), (root(valley, 3.0), root(3.0, 13.0))]


t = optimize.brentq(lambda t: sum(cdf(b) - cdf(a) for a, b in region(t)) - 0.9,
                    0.01, 0.2, xtol=1e-15)
rust("HDR90", np.ravel(region(t)))
rust("HDR90_THRESHOLD", [t])
