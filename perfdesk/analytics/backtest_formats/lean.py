"""QuantConnect Lean's backtest result JSON: the `Strategy Equity` chart's `Equity`
series, points `[time, open, high, low, close]` (time in POSIX seconds; the close is
read) or, in older results, `{"x": time, "y": value}`."""

from __future__ import annotations

import json
from typing import Any

from perfdesk.analytics.backtest_formats._common import Extracted, refuse

READ = "charts['Strategy Equity'].series['Equity'].values [time, o, h, l, close]"


def parse(data: bytes, source: str, **_: object) -> Extracted:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise refuse(source, 1, "-", f"not JSON: {exc}") from None
    values = _points(doc, source)
    ex = Extracted("equity", READ)
    for i, point in enumerate(values):
        if isinstance(point, list) and len(point) >= 5:
            when, close = point[0], point[4]
        elif isinstance(point, list) and len(point) == 2:
            when, close = point
        elif isinstance(point, dict):
            when, close = point.get("x"), point.get("y")
        else:
            raise refuse(source, i + 1, "values", f"point {i}: {str(point)[:60]} is not a bar")
        if not _num(when) or not _num(close):
            raise refuse(source, i + 1, "values", f"point {i}: no time/close in {str(point)[:60]}")
        ex.add(float(when), float(close), i + 1)
    ex.notes.append("lines are point numbers in the Equity series")
    return ex


def _points(doc: Any, source: str) -> list[Any]:
    try:
        series = doc["charts"]["Strategy Equity"]["series"]
    except (KeyError, TypeError):
        try:
            series = doc["Charts"]["Strategy Equity"]["Series"]
        except (KeyError, TypeError):
            raise refuse(source, 1, "charts", "no 'Strategy Equity' chart") from None
    equity = series.get("Equity") if isinstance(series, dict) else None
    values = equity.get("values", equity.get("Values")) if isinstance(equity, dict) else None
    if not isinstance(values, list):
        raise refuse(source, 1, "Strategy Equity", "no 'Equity' series with values")
    return values


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)
