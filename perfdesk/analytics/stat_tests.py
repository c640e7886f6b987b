"""The statistical tests the rules use, from scipy.

- Kolmogorov-Smirnov: `scipy.stats.ks_2samp`, exact p-value when the two samples are
  small enough (n·m ≤ `KS_EXACT_MAX`: a live year against a 3-year backtest is 189,000),
  asymptotic beyond (where the two agree within ≈1–2 %). The rules compute it once per
  strategy per finished day (`DriftTracker.ks`), so at midnight UTC for every strategy
  in one cycle: for finite 1-D samples it calls scipy's function without its
  axis/NaN-policy decorator (`__wrapped__`, the same result ≈2.5× faster: 0.1–0.2 ms
  instead of 0.3–0.45 ms, which kept that cycle over 100 ms for 200 strategies).
- Binomial, Poisson and Student-t: the scipy.special kernels that `scipy.stats.binom`,
  `poisson` and `t` evaluate (`bdtr`, `pdtr`/`pdtrc`, `stdtr`), called directly because
  the rules evaluate them for every strategy every second and a `scipy.stats`
  distribution call costs ≈25 µs against ≈1 µs (tests/analytics/test_stat_tests.py
  checks them against `scipy.stats`; docs/validation.md has the timings).

scipy is imported on first use, not with this module: it is on the app's import path,
and importing scipy.stats costs seconds at start-up.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

KS_EXACT_MAX = 1_000_000
"""Largest n·m for which the KS p-value is exact (≈0.3 ms at 250 × 756, ≈1 ms at 1e6)."""


@cache
def _special() -> Any:  # the scipy.special module
    from scipy import special

    return special


@cache
def _stats() -> Any:  # the scipy.stats module
    from scipy import stats

    return stats


def ks_method(n: int, m: int) -> str:
    """scipy's p-value method for samples of sizes n and m: "exact" or "asymp"."""
    return "exact" if n * m <= KS_EXACT_MAX else "asymp"


def ks_2samp(x: npt.ArrayLike, y_sorted: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Two-sided two-sample Kolmogorov-Smirnov: (D, p) from `scipy.stats.ks_2samp`.

    `y_sorted` is the backtest sample (its order does not matter to scipy; the name
    stays for the callers that sort it once). NaN, NaN when either sample is empty.
    """
    xs = np.asarray(x, dtype=np.float64)
    n, m = xs.size, np.size(y_sorted)
    if n == 0 or m == 0:
        return math.nan, math.nan
    public = _stats().ks_2samp
    test = public
    if np.isfinite(xs).all() and np.isfinite(y_sorted).all():
        test = getattr(public, "__wrapped__", public)
    res = test(xs, y_sorted, method=ks_method(n, m))
    return float(res.statistic), float(res.pvalue)


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p) (= `scipy.stats.binom.cdf`)."""
    if k >= n:
        return 1.0
    if k < 0:
        return 0.0
    return float(_special().bdtr(k, n, p))


def poisson_two_sided(k: int, mu: float) -> float:
    """Two-sided p-value of observing k events with mean mu: 2·min(P(X≤k), P(X≥k)), ≤ 1
    (`scipy.stats.poisson.cdf(k)` and `.sf(k − 1)`)."""
    if mu <= 0:
        return 1.0 if k == 0 else 0.0
    special = _special()
    lower = float(special.pdtr(k, mu))
    upper = 1.0 if k == 0 else float(special.pdtrc(k - 1, mu))
    return min(1.0, 2.0 * min(lower, upper))


def t_cdf_unit(z: float, nu: float) -> float:
    """CDF of the unit-variance Student-t with nu > 2 degrees of freedom
    (`scipy.stats.t.cdf(z, nu, scale=√((nu − 2)/nu))`)."""
    return float(_special().stdtr(nu, z * math.sqrt(nu / (nu - 2.0))))


def log_norm_cdf(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """log Φ(z), accurate far into the left tail (`scipy.special.log_ndtr`)."""
    return np.asarray(_special().log_ndtr(z), dtype=np.float64)
