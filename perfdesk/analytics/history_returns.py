"""Daily returns from stored daily bars (pure numpy): what History and the threshold
replay both analyse."""

from __future__ import annotations

import numpy as np

from perfdesk.analytics.history_types import DailyBars, FloatArray


def daily_returns(daily: DailyBars) -> FloatArray:
    """Close-to-close returns per day; the first day from its open (its first sample).

    Days with fills but no equity sample carry the previous close (a 0 return)."""
    close = _carry_forward(daily.close)
    if close.size == 0:
        return np.empty(0)
    prev = np.concatenate(([_first_open(daily, close)], close[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(prev > 0, close / prev - 1.0, np.nan)
    return np.asarray(r, dtype=np.float64)


def _carry_forward(values: FloatArray) -> FloatArray:
    ok = np.isfinite(values)
    if not ok.any():
        return np.empty(0)
    idx = np.where(ok, np.arange(values.size), 0)
    np.maximum.accumulate(idx, out=idx)
    out = values[idx]
    first = int(np.argmax(ok))
    out[:first] = values[first]
    return np.asarray(out, dtype=np.float64)


def _first_open(daily: DailyBars, close: FloatArray) -> float:
    opens = daily.open[np.isfinite(daily.open)]
    return float(opens[0]) if opens.size else float(close[0])
