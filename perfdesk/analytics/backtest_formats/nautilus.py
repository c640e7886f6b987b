"""NautilusTrader: the account report (`engine.trader.generate_account_report(venue)
.to_csv(…)`: `total` per timestamp, one currency) or the portfolio analyzer's returns
(`analyzer.returns().to_csv(…)`). Calendar-day returns with zero-return weekends are
recognised (common code)."""

from __future__ import annotations

from perfdesk.analytics.backtest_formats._common import Extracted, refuse
from perfdesk.analytics.backtest_formats._table import Table


def parse(data: bytes, source: str, **_: object) -> Extracted:
    t = Table(data.decode("utf-8-sig"), source)
    date = t.name(t.date_column())
    col = t.find(("total",))
    if col is None:
        ret = t.need(("returns", "return", "0"), "'total' (account report) or returns")
        return t.extract(ret, "return", f"{date} + {t.name(ret)} (analyzer returns)")
    cur = t.find(("currency",))
    if cur is not None:
        seen = {r[cur].strip() for r in t.rows if len(r) > cur and r[cur].strip()}
        if len(seen) > 1:
            raise refuse(
                source, 1, "currency", f"the report mixes currencies {sorted(seen)}; export one"
            )
    return _last_per_timestamp(t.extract(col, "equity", f"{date} + total (account equity)"))


def _last_per_timestamp(ex: Extracted) -> Extracted:
    """An account report may hold several states at one timestamp: keep the last."""
    keep = [i for i in range(len(ex.ts)) if i + 1 == len(ex.ts) or ex.ts[i + 1] != ex.ts[i]]
    ex.ts = [ex.ts[i] for i in keep]
    ex.values = [ex.values[i] for i in keep]
    ex.lines = [ex.lines[i] for i in keep]
    return ex
