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


def ratio(num: float, den: float) -> float:
    """num / den where a zero denominator gives ±inf by the numerator's sign (empyrical's
    convention for Sharpe and Sortino: no variance or no losing period with a positive mean
    is +inf, "no losing days"); 0 / 0 and NaN give NaN."""
    if math.isnan(num) or math.isnan(den):
        return NAN
    if den == 0:
        return NAN if num == 0 else math.copysign(math.inf, num)
    return num / den


def excess(returns: npt.ArrayLike, other: npt.ArrayLike | float) -> FloatArray:
    """returns − other without NaNs; `other` is a number or an aligned array of the same
    length (a period where either is NaN is dropped)."""
    arr = np.asarray(returns, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"returns must be 1-D, got shape {arr.shape}")
    sub = np.asarray(other, dtype=np.float64)
    if sub.ndim not in (0, 1) or (sub.ndim == 1 and sub.shape != arr.shape):
        raise ValueError(f"returns {arr.shape} and {sub.shape} must be aligned, same length")
    diff = arr - sub
    return np.asarray(diff[~np.isnan(diff)], dtype=np.float64)


def dispersion(arr: FloatArray, ddof: int = 1) -> float:
    """`std`, but exactly 0 when every value is equal (a float mean can differ from them
    in the last bit, which would turn an infinite ratio into a number near 1e15)."""
    if arr.size > ddof and float(arr.max()) == float(arr.min()):
        return 0.0
    return std(arr, ddof)
