#!/usr/bin/env python3
"""Chebyshev coefficients of g(x) = (1 + 2x) e^{x²} erfc(x) on 0 ≤ x ≤ 9/√2, in the variable
u ∈ [−1, 1] with t = (x − K)/(x + K) = −1 + (u + 1)(t_max + 1)/2 (Shepherd & Laframboise 1981's
map, restricted to the range src/diagnostics/fast_normal.rs needs). Computed with mpmath at 40
digits; prints the Rust constants that file holds.

    python3 -m pip install mpmath && python3 scripts/erfcx_chebyshev.py
"""
import mpmath as mp

mp.mp.dps = 40
K = mp.mpf(3)
X_MAX = mp.mpf(9) / mp.sqrt(2)
T_MAX = (X_MAX - K) / (X_MAX + K)
N = 64
TERMS = 20


def g(u):
    t = -1 + (u + 1) * (T_MAX + 1) / 2
    x = K * (1 + t) / (1 - t)
    return (1 + 2 * x) * mp.exp(x * x) * mp.erfc(x)


nodes = [mp.cos(mp.pi * (j + mp.mpf(1) / 2) / N) for j in range(N)]
values = [g(u) for u in nodes]
coeffs = [2 * sum(values[j] * mp.cos(mp.pi * n * (j + mp.mpf(1) / 2) / N) for j in range(N)) / N
          for n in range(N)]
coeffs[0] /= 2
print(f"// largest coefficient left out: {mp.nstr(max(abs(c) for c in coeffs[TERMS:]), 3)}")
print(f"const T_MAX: f64 = {mp.nstr(T_MAX, 17)};")
print(f"const CHEBYSHEV: [f64; {TERMS}] = [")
for c in coeffs[:TERMS]:
    print(f"    {mp.nstr(c, 17, min_fixed=-5, max_fixed=5)},")
print("];")
