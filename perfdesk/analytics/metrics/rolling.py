"""Rolling metrics over a trailing window; the first `window − 1` values are NaN."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from perfdesk.analytics.metrics._core import PERIODS_PER_YEAR, FloatArray

ROLLING_WINDOW = 126  # QuantStats' default (six months of trading days)


def _windows(returns: npt.ArrayLike, window: int) -> tuple[FloatArray, FloatArray]:
    arr = np.asarray(returns, dtype=np.float64)
    out = np.full(arr.shape, np.nan)
    if window < 2 or arr.size < window:
        return out, np.empty((0, max(window, 1)))
    return out, sliding_window_view(arr, window)


def rolling_volatility(
    returns: npt.ArrayLike, window: int = ROLLING_WINDOW, periods_per_year: float = PERIODS_PER_YEAR
) -> FloatArray:
    """Annualised std (ddof=1) of each trailing window."""
    out, win = _windows(returns, window)
    if win.size:
        out[window - 1 :] = win.std(axis=1, ddof=1) * math.sqrt(periods_per_year)
    return out


def rolling_sharpe(
    returns: npt.ArrayLike, window: int = ROLLING_WINDOW, periods_per_year: float = PERIODS_PER_YEAR
) -> FloatArray:
    """Annualised Sharpe of each trailing window (NaN where the window has no variance)."""
    out, win = _windows(returns, window)
    if win.size:
        sd = win.std(axis=1, ddof=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[window - 1 :] = np.where(sd > 0, win.mean(axis=1) / sd, np.nan)
        out *= math.sqrt(periods_per_year)
    return out


def rolling_sortino(
    returns: npt.ArrayLike, window: int = ROLLING_WINDOW, periods_per_year: float = PERIODS_PER_YEAR
) -> FloatArray:
    """Annualised Sortino of each trailing window (downside RMS over the whole window)."""
    out, win = _windows(returns, window)
    if win.size:
        down = np.sqrt(np.mean(np.minimum(win, 0.0) ** 2, axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[window - 1 :] = np.where(down > 0, win.mean(axis=1) / down, np.nan)
        out *= math.sqrt(periods_per_year)
    return out
