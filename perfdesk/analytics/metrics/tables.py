"""Calendar aggregation: weekly/monthly/quarterly/yearly returns and the monthly table.
Dates are anything numpy turns into datetime64 (UTC calendar)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.metrics._core import FloatArray, clean_with_dates

Period = Literal["weekly", "monthly", "quarterly", "yearly"]
_UNIT = {"monthly": "M", "yearly": "Y"}
_THURSDAY_TO_MONDAY = 3  # 1970-01-01 was a Thursday; 1969-12-29 the Monday before


def _bucket(dates: npt.NDArray[np.datetime64], period: Period) -> npt.NDArray[np.int64]:
    if period == "quarterly":
        months = dates.astype("datetime64[M]").astype(np.int64)
        return months // 3
    if period == "weekly":  # Monday–Sunday (ISO) weeks, not numpy's Thursday-based [W]
        days = dates.astype("datetime64[D]").astype(np.int64)
        return (days + _THURSDAY_TO_MONDAY) // 7
    return dates.astype(f"datetime64[{_UNIT[period]}]").astype(np.int64)


def aggregate_returns(
    returns: npt.ArrayLike, dates: npt.ArrayLike, period: Period, compounded: bool = True
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Compounded returns per calendar bucket, with the bucket keys (in time order);
    `compounded=False` sums them instead (QuantStats' "Gain/Pain (1M)" resamples by sum).

    Keys are numpy datetime64 ordinals: months since 1970-01 for "monthly", years since
    1970 for "yearly", Monday–Sunday weeks since Monday 1969-12-29 for "weekly" (ISO
    weeks, as empyrical and QuantStats bucket them), quarters since 1970 for "quarterly".
    Dates must be sorted.
    """
    r, d = clean_with_dates(returns, dates)
    if r.size == 0:
        return np.empty(0), np.empty(0, dtype=np.int64)
    keys = _bucket(d, period)
    uniq, idx = np.unique(keys, return_inverse=True)
    total = np.zeros(uniq.size)
    np.add.at(total, idx, np.log1p(r) if compounded else r)
    return (np.expm1(total) if compounded else total), uniq


def monthly_returns_table(returns: npt.ArrayLike, dates: npt.ArrayLike) -> dict[int, list[float]]:
    """{year: [Jan … Dec, year total]} compounded; NaN for months without data."""
    monthly, keys = aggregate_returns(returns, dates, "monthly")
    table: dict[int, list[float]] = {}
    for ret, key in zip(monthly, keys, strict=True):
        year, month = 1970 + int(key) // 12, int(key) % 12
        table.setdefault(year, [math.nan] * 13)[month] = float(ret)
    for row in table.values():
        months = np.array(row[:12])
        row[12] = float(np.prod(1 + months[~np.isnan(months)]) - 1)
    return table


def yearly_returns(returns: npt.ArrayLike, dates: npt.ArrayLike) -> dict[int, float]:
    yearly, keys = aggregate_returns(returns, dates, "yearly")
    return {1970 + int(k): float(v) for k, v in zip(keys, yearly, strict=True)}
