"""vn.py's daily results (`engine.calculate_result().to_csv(…)`): `date` and `balance`
(preferred, equity); without it the `return` column, which vn.py computes as a LOG
return (log(balance / previous balance)), converted to simple returns."""

from __future__ import annotations

from perfdesk.analytics.backtest_formats._common import Extracted
from perfdesk.analytics.backtest_formats._table import Table


def parse(data: bytes, source: str, **_: object) -> Extracted:
    t = Table(data.decode("utf-8-sig"), source)
    date = t.name(t.date_column())
    col = t.find(("balance",))
    if col is not None:
        return t.extract(col, "equity", f"{date} + balance (equity)")
    col = t.need(("return",), "'balance' or 'return'")
    ex = t.extract(col, "return", f"{date} + return (log returns -> simple)", log=True)
    ex.notes.append("vn.py's return column is a log return: converted with exp(r) - 1")
    return ex
