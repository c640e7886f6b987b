"""Small, fast statistical tests used by the rules (scipy special functions, no scipy.stats
objects on the hot path: the validator runs them for every strategy every second).

scipy.special is imported on first use (`_special()`), not with this module: it is on the
app's import path, and importing scipy costs seconds at start-up."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt


@cache
def _special() -> Any:  # the scipy.special module
    from scipy import special

    return special


def ks_2samp(x: npt.ArrayLike, y_sorted: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Two-sided two-sample Kolmogorov-Smirnov: (D, asymptotic p-value).

    `y_sorted` must be sorted (the backtest sample, sorted once). The p-value uses
    Stephens' small-sample correction of the Kolmogorov distribution.
    """
    xs = np.sort(np.asarray(x, dtype=np.float64))
    n, m = xs.size, y_sorted.size
    if n == 0 or m == 0:
        return math.nan, math.nan
    grid = np.concatenate((xs, y_sorted))
    cdf_x = np.searchsorted(xs, grid, side="right") / n
    cdf_y = np.searchsorted(y_sorted, grid, side="right") / m
    d = float(np.max(np.abs(cdf_x - cdf_y)))
    special = _special()
    en = math.sqrt(n * m / (n + m))
    return d, float(min(1.0, special.kolmogorov((en + 0.12 + 0.11 / en) * d)))


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p)."""
    special = _special()
    if k >= n:
        return 1.0
    if k < 0:
        return 0.0
    return float(special.bdtr(k, n, p))


def poisson_two_sided(k: int, mu: float) -> float:
    """Two-sided p-value of observing k events with mean mu: 2·min(P(X≤k), P(X≥k)), ≤ 1."""
    if mu <= 0:
        return 1.0 if k == 0 else 0.0
    special = _special()
    lower = float(special.pdtr(k, mu))
    upper = 1.0 if k == 0 else float(special.pdtrc(k - 1, mu))
    return min(1.0, 2.0 * min(lower, upper))


def t_cdf_unit(z: float, nu: float) -> float:
    """CDF of the unit-variance Student-t with nu > 2 degrees of freedom."""
    special = _special()
    return float(special.stdtr(nu, z * math.sqrt(nu / (nu - 2.0))))
