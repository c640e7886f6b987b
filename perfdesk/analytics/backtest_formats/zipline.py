"""zipline's perf frame (`run_algorithm(...)` result, `.to_csv(…)`): `portfolio_value`
(preferred, equity) or `returns` per session, the session close as the index."""

from __future__ import annotations

from perfdesk.analytics.backtest_formats._common import Extracted
from perfdesk.analytics.backtest_formats._table import Table


def parse(data: bytes, source: str, **_: object) -> Extracted:
    t = Table(data.decode("utf-8-sig"), source)
    date = t.name(t.date_column())
    col = t.find(("portfolio_value",))
    if col is not None:
        return t.extract(col, "equity", f"{date} + portfolio_value (equity)")
    col = t.need(("returns",), "'portfolio_value' or 'returns'")
    return t.extract(col, "return", f"{date} + returns (simple returns)")
