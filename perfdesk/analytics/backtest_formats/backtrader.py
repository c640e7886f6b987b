"""backtrader's PyFolio analyzer returns (`returns, *_ = pyfolio.get_pf_items()` then
`returns.to_csv(…)`: an `index` column and a `return` column of simple returns)."""

from __future__ import annotations

from perfdesk.analytics.backtest_formats._common import Extracted
from perfdesk.analytics.backtest_formats._table import Table


def parse(data: bytes, source: str, **_: object) -> Extracted:
    t = Table(data.decode("utf-8-sig"), source)
    col = t.need(("return", "returns"), "PyFolio 'return'")
    return t.extract(col, "return", f"{t.name(t.date_column())} + {t.name(col)} (PyFolio returns)")
