"""Input handling shared by the metric functions.

Every metric takes a 1-D array-like of simple periodic returns (0.01 = +1 %). NaNs are
dropped first (empyrical's nan-aware convention); an empty result gives NaN.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
DateArray = npt.NDArray[np.datetime64]

PERIODS_PER_YEAR = 252
NAN = math.nan


def clean(returns: npt.ArrayLike) -> FloatArray:
    """1-D float64 copy of `returns` without NaNs. Raises ValueError if not 1-D."""
    arr = np.asarray(returns, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"returns must be 1-D, got shape {arr.shape}")
    return arr[~np.isnan(arr)]


def clean_with_dates(returns: npt.ArrayLike, dates: npt.ArrayLike) -> tuple[FloatArray, DateArray]:
    """Returns and their dates (datetime64[ns]) with NaN returns dropped from both."""
    arr = np.asarray(returns, dtype=np.float64)
    when = np.asarray(dates, dtype="datetime64[ns]")
    if arr.shape != when.shape or arr.ndim != 1:
        raise ValueError(f"returns {arr.shape} and dates {when.shape} must be 1-D, same length")
    keep = ~np.isnan(arr)
    return arr[keep], when[keep]


def safe_div(num: float, den: float) -> float:
    """num / den, NaN when den is 0 or either is NaN (undefined ratios are NaN, not inf)."""
    if den == 0 or math.isnan(den) or math.isnan(num):
        return NAN
    return num / den


def std(arr: FloatArray, ddof: int = 1) -> float:
    """Standard deviation, NaN with fewer than ddof + 1 values."""
    return float(np.std(arr, ddof=ddof)) if arr.size > ddof else NAN
