"""Drawdown metrics. Wealth is anchored at 1.0 *before* the first return (empyrical and
QuantStats): a first-period loss is a drawdown. Drawdowns here are negative fractions
(-0.2 = 20 % below the peak), as empyrical returns them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from perfdesk.analytics.metrics._core import NAN, FloatArray, clean


def drawdown_series(returns: npt.ArrayLike) -> FloatArray:
    """Drawdown after each period: wealth / running peak − 1 (≤ 0), anchored at 1.0."""
    arr = clean(returns)
    wealth = np.concatenate(([1.0], np.cumprod(1.0 + arr)))
    peak = np.maximum.accumulate(wealth)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(peak > 0, wealth / peak - 1.0, 0.0)
    return np.asarray(dd[1:], dtype=np.float64)


def max_drawdown(returns: npt.ArrayLike) -> float:
    """Deepest drawdown (negative fraction, 0 if never below a peak); NaN if empty."""
    dd = drawdown_series(returns)
    return float(dd.min()) if dd.size else NAN


@dataclass(frozen=True, slots=True)
class Drawdown:
    """One drawdown episode. Indices are positions in the (NaN-free) returns array.

    `start` is the first period below the peak, `valley` the deepest, `end` the last
    period below the peak (the series' last period if `recovered` is False);
    `duration` = end − start + 1 periods; `days` = calendar days (end − start + 1) when
    dates were given, as QuantStats counts them.
    """

    start: int
    valley: int
    end: int
    depth: float
    duration: int
    recovered: bool
    start_date: np.datetime64 | None = None
    valley_date: np.datetime64 | None = None
    end_date: np.datetime64 | None = None
    days: int | None = None


def drawdown_periods(returns: npt.ArrayLike, dates: npt.ArrayLike | None = None) -> list[Drawdown]:
    """Every drawdown episode in time order."""
    dd = drawdown_series(returns)
    when = None if dates is None else np.asarray(dates, dtype="datetime64[ns]")
    below = dd < 0
    padded = np.concatenate(([False], below, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [
        _episode(dd, int(s), int(e) - 1, when)
        for s, e in zip(edges[0::2], edges[1::2], strict=True)
    ]


def _episode(
    dd: FloatArray, start: int, end: int, when: npt.NDArray[np.datetime64] | None
) -> Drawdown:
    valley = start + int(np.argmin(dd[start : end + 1]))
    base = Drawdown(start, valley, end, float(dd[valley]), end - start + 1, end < dd.size - 1)
    if when is None or when.size != dd.size:
        return base
    days = int((when[end] - when[start]) / np.timedelta64(1, "D")) + 1
    return Drawdown(
        start,
        valley,
        end,
        base.depth,
        base.duration,
        base.recovered,
        when[start],
        when[valley],
        when[end],
        days,
    )


def top_drawdowns(
    returns: npt.ArrayLike, top: int = 5, dates: npt.ArrayLike | None = None
) -> list[Drawdown]:
    """The `top` deepest drawdown episodes, deepest first (the "worst drawdowns" table)."""
    episodes = drawdown_periods(returns, dates)
    return sorted(episodes, key=lambda d: d.depth)[:top]


def max_drawdown_info(
    returns: npt.ArrayLike, dates: npt.ArrayLike | None = None
) -> Drawdown | None:
    """The deepest episode (dates and duration included); None if never in drawdown."""
    top = top_drawdowns(returns, 1, dates)
    return top[0] if top else None


def average_drawdown(returns: npt.ArrayLike) -> float:
    """Mean depth of all drawdown episodes (negative); 0 if none, NaN if empty."""
    episodes = drawdown_periods(returns)
    if not episodes:
        return 0.0 if clean(returns).size else NAN
    return float(np.mean([d.depth for d in episodes]))


def average_drawdown_days(returns: npt.ArrayLike, dates: npt.ArrayLike | None = None) -> float:
    """Mean episode length (calendar days with dates, periods without); NaN if none."""
    episodes = drawdown_periods(returns, dates)
    if not episodes:
        return NAN
    return float(np.mean([d.days if d.days is not None else d.duration for d in episodes]))


def longest_drawdown_days(returns: npt.ArrayLike, dates: npt.ArrayLike | None = None) -> float:
    """Longest episode (calendar days with dates, periods without); 0 if none."""
    episodes = drawdown_periods(returns, dates)
    return float(max((d.days if d.days is not None else d.duration for d in episodes), default=0))
