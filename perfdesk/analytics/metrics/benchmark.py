"""Benchmark-relative metrics: returns and benchmark are aligned 1-D arrays of the same
length; a period where either is NaN is dropped from both."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.metrics._core import NAN, PERIODS_PER_YEAR, FloatArray, safe_div, std


def paired(returns: npt.ArrayLike, benchmark: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """The periods where both are present; a number as `benchmark` is that every period."""
    r = np.asarray(returns, dtype=np.float64)
    b = np.asarray(benchmark, dtype=np.float64)
    if b.ndim == 0:
        b = np.full(r.shape, float(b))
    if r.shape != b.shape or r.ndim != 1:
        raise ValueError(f"returns {r.shape} and benchmark {b.shape} must be 1-D, same length")
    keep = ~(np.isnan(r) | np.isnan(b))
    return r[keep], b[keep]


def beta(returns: npt.ArrayLike, benchmark: npt.ArrayLike) -> float:
    """cov(r, b) / var(b) (empyrical); NaN below 2 pairs or with a constant benchmark."""
    r, b = paired(returns, benchmark)
    if r.size < 2:
        return NAN
    bres = b - b.mean()
    return safe_div(float(np.mean(bres * r)), float(np.mean(bres**2)))


def alpha(
    returns: npt.ArrayLike, benchmark: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR
) -> float:
    """Annualised Jensen's alpha, compounded: (1 + mean(r − β·b))^ppy − 1 (empyrical).

    QuantStats' `greeks` alpha is the simple mean(r) − β·mean(b) times ppy instead.
    """
    r, b = paired(returns, benchmark)
    bt = beta(r, b)
    if math.isnan(bt):
        return NAN
    return float((np.mean(r - bt * b) + 1.0) ** periods_per_year - 1.0)


def alpha_beta(
    returns: npt.ArrayLike, benchmark: npt.ArrayLike, periods_per_year: float = PERIODS_PER_YEAR
) -> tuple[float, float]:
    return alpha(returns, benchmark, periods_per_year), beta(returns, benchmark)


def correlation(returns: npt.ArrayLike, benchmark: npt.ArrayLike) -> float:
    """Pearson correlation of the paired returns; NaN if either is constant."""
    r, b = paired(returns, benchmark)
    if r.size < 2 or std(r) == 0 or std(b) == 0:
        return NAN
    return float(np.corrcoef(r, b)[0, 1])


def r_squared(returns: npt.ArrayLike, benchmark: npt.ArrayLike) -> float:
    """Squared correlation (R² of the single-factor regression)."""
    c = correlation(returns, benchmark)
    return c * c


def information_ratio(returns: npt.ArrayLike, benchmark: npt.ArrayLike) -> float:
    """mean(r − b) / std(r − b, ddof=1), per period, not annualised (empyrical
    `excess_sharpe`, QuantStats `information_ratio`)."""
    r, b = paired(returns, benchmark)
    active = r - b
    return safe_div(float(active.mean()) if active.size else NAN, std(active))


def treynor_ratio(returns: npt.ArrayLike, benchmark: npt.ArrayLike) -> float:
    """Total compounded return / beta (QuantStats `treynor_ratio`, rf 0); NaN if beta is 0."""
    r, b = paired(returns, benchmark)
    total = float(np.prod(1.0 + r) - 1.0) if r.size else NAN
    return safe_div(total, beta(r, b))
