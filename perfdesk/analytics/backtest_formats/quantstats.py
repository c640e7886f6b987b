"""A QuantStats-style returns CSV: a date index and one column of simple daily returns."""

from __future__ import annotations

from perfdesk.analytics.backtest_formats._common import Extracted
from perfdesk.analytics.backtest_formats._table import Table

RETURN_NAMES = ("returns", "return", "strategy", "daily_returns", "ret")


def parse(data: bytes, source: str, **_: object) -> Extracted:
    t = Table(data.decode("utf-8-sig"), source)
    col = t.find(RETURN_NAMES)
    if col is None and len(t.header) == 2:
        col = 1 - t.date_column()  # the one column that is not the date
    if col is None:
        col = t.need(RETURN_NAMES, "returns")
    return t.extract(col, "return", f"{t.name(t.date_column())} + {t.name(col)} (simple returns)")
