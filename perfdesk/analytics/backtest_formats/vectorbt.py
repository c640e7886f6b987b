"""vectorbt's portfolio value (`pf.value().to_csv(…)`): a date index and the value."""

from __future__ import annotations

from perfdesk.analytics.backtest_formats._common import Extracted
from perfdesk.analytics.backtest_formats._table import Table

VALUE_NAMES = ("value", "portfolio value", "portfolio_value", "equity")


def parse(data: bytes, source: str, **_: object) -> Extracted:
    t = Table(data.decode("utf-8-sig"), source)
    col = t.find(VALUE_NAMES)
    if col is None and len(t.header) == 2:
        col = 1 - t.date_column()
    if col is None:
        col = t.need(VALUE_NAMES, "portfolio value")
    return t.extract(col, "equity", f"{t.name(t.date_column())} + {t.name(col)} (portfolio value)")
