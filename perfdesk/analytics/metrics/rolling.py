"""Rolling metrics over a trailing window.

Two shapes: `rolling_*` (QuantStats style) return one value per period, the first
`window − 1` NaN; `roll_*` (empyrical style) return one value per complete window,
n − window + 1 of them (none when the series is shorter than the window). NaNs inside a
window are dropped, as by the metric itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from perfdesk.analytics.metrics import updown as cp
from perfdesk.analytics.metrics._core import PERIODS_PER_YEAR, FloatArray
from perfdesk.analytics.metrics.benchmark import alpha_beta
from perfdesk.analytics.metrics.drawdowns import max_drawdown
from perfdesk.analytics.metrics.returns import annual_return
from perfdesk.analytics.metrics.risk import annual_volatility, sharpe_ratio, sortino_ratio

ROLLING_WINDOW = 126  # QuantStats' default (six months of trading days)


def _windows(returns: npt.ArrayLike, window: int) -> tuple[FloatArray, FloatArray]:
    arr = np.asarray(returns, dtype=np.float64)
    out = np.full(arr.shape, np.nan)
    if window < 2 or arr.size < window:
        return out, np.empty((0, max(window, 1)))
    return out, sliding_window_view(arr, window)


def _nan_mean_std(win: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per-window mean and std (ddof=1) over the non-NaN values; NaN below two of them."""
    valid = ~np.isnan(win)
    count = valid.sum(axis=1)
    filled = np.where(valid, win, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = filled.sum(axis=1) / count
        dev = np.where(valid, win - mean[:, None], 0.0)
        sd = np.sqrt((dev**2).sum(axis=1) / (count - 1))
        constant = np.nanmax(win, axis=1) == np.nanmin(win, axis=1)
    sd = np.where(count < 2, np.nan, np.where(constant, 0.0, sd))
    return mean, sd


def rolling_volatility(
    returns: npt.ArrayLike, window: int = ROLLING_WINDOW, periods_per_year: float = PERIODS_PER_YEAR
) -> FloatArray:
    """Annualised std (ddof=1) of each trailing window."""
    out, win = _windows(returns, window)
    if win.size:
        out[window - 1 :] = _nan_mean_std(win)[1] * math.sqrt(periods_per_year)
    return out


def rolling_sharpe(
    returns: npt.ArrayLike, window: int = ROLLING_WINDOW, periods_per_year: float = PERIODS_PER_YEAR
) -> FloatArray:
    """Annualised Sharpe of each trailing window (NaNs in it dropped; a window without
    variance is ±inf by its mean's sign, NaN if that is 0 too, as `sharpe_ratio`)."""
    out, win = _windows(returns, window)
    if win.size:
        mean, sd = _nan_mean_std(win)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[window - 1 :] = mean / sd  # x/0 → ±inf, 0/0 and x/NaN → NaN
        out *= math.sqrt(periods_per_year)
    return out


def rolling_sortino(
    returns: npt.ArrayLike, window: int = ROLLING_WINDOW, periods_per_year: float = PERIODS_PER_YEAR
) -> FloatArray:
    """Annualised Sortino of each trailing window (downside RMS over the window's non-NaN
    returns; no losing period: +inf with a positive mean, as `sortino_ratio`)."""
    out, win = _windows(returns, window)
    if win.size:
        mean, _sd = _nan_mean_std(win)
        valid = ~np.isnan(win)
        below = np.where(valid, np.minimum(win, 0.0), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            down = np.sqrt((below**2).sum(axis=1) / valid.sum(axis=1))
            ratio = mean / down  # x/0 → ±inf, 0/0 → NaN
        out[window - 1 :] = np.where(valid.sum(axis=1) >= 2, ratio, np.nan)
        out *= math.sqrt(periods_per_year)
    return out


def roll(function: Callable[..., float], *series: npt.ArrayLike, window: int) -> FloatArray:
    """`function` over each complete trailing window of the aligned `series` (empyrical
    `roll`): n − window + 1 values, empty when the series is shorter than the window."""
    arrays = [np.asarray(s, dtype=np.float64) for s in series]
    n = arrays[0].size
    if any(a.shape != (n,) for a in arrays):
        raise ValueError("roll: every series must be 1-D and of the same length")
    if window < 1:
        raise ValueError(f"roll: window must be ≥ 1, got {window}")
    values = [function(*(a[i - window : i] for a in arrays)) for i in range(window, n + 1)]
    return np.asarray(values, dtype=np.float64)


def roll_max_drawdown(returns: npt.ArrayLike, window: int = 10) -> FloatArray:
    return roll(max_drawdown, returns, window=window)


def roll_sharpe_ratio(
    returns: npt.ArrayLike, window: int = 10, periods_per_year: float = PERIODS_PER_YEAR
) -> FloatArray:
    return roll(
        lambda r: sharpe_ratio(r, periods_per_year=periods_per_year), returns, window=window
    )


def roll_sortino_ratio(
    returns: npt.ArrayLike, window: int = 10, periods_per_year: float = PERIODS_PER_YEAR
) -> FloatArray:
    fn = lambda r: sortino_ratio(r, periods_per_year=periods_per_year)  # noqa: E731
    return roll(fn, returns, window=window)


def roll_annual_volatility(
    returns: npt.ArrayLike, window: int = 10, periods_per_year: float = PERIODS_PER_YEAR
) -> FloatArray:
    return roll(lambda r: annual_volatility(r, periods_per_year), returns, window=window)


def roll_cagr(
    returns: npt.ArrayLike, window: int = 10, periods_per_year: float = PERIODS_PER_YEAR
) -> FloatArray:
    return roll(lambda r: annual_return(r, periods_per_year), returns, window=window)


def roll_alpha_beta(
    returns: npt.ArrayLike, benchmark: npt.ArrayLike, window: int = 10
) -> npt.NDArray[np.float64]:
    """(alpha, beta) of each complete window, shape (n − window + 1, 2)."""
    r = np.asarray(returns, dtype=np.float64)
    b = np.asarray(benchmark, dtype=np.float64)
    pairs = [alpha_beta(r[i - window : i], b[i - window : i]) for i in range(window, r.size + 1)]
    return np.asarray(pairs, dtype=np.float64).reshape(-1, 2)


def roll_up_capture(
    returns: npt.ArrayLike, benchmark: npt.ArrayLike, window: int = 10
) -> FloatArray:
    return roll(cp.up_capture, returns, benchmark, window=window)


def roll_down_capture(
    returns: npt.ArrayLike, benchmark: npt.ArrayLike, window: int = 10
) -> FloatArray:
    return roll(cp.down_capture, returns, benchmark, window=window)


def roll_up_down_capture(
    returns: npt.ArrayLike, benchmark: npt.ArrayLike, window: int = 10
) -> FloatArray:
    return roll(cp.up_down_capture, returns, benchmark, window=window)
