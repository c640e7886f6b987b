"""Freqtrade backtest results: `backtest-result-<ts>.zip` (its JSON, and the
`<stem>_<strategy>_wallet.feather` mark-to-market wallet when present) or the older
plain `.json`. From the JSON: `strategy.<name>.daily_profit` ([date, profit_abs] per
calendar day, by close date) on top of `starting_balance`.

The wallet needs pyarrow to read; without it the realized daily profit is used and a
note says so.
"""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from typing import Any

from perfdesk.analytics.backtest_formats._common import Extracted, parse_when, refuse


def parse(data: bytes, source: str, *, strategy: str | None = None, **_: object) -> Extracted:
    wallet: dict[str, bytes] = {}
    if data[:2] == b"PK":
        doc, wallet = _from_zip(data, source)
    else:
        doc = _json(data, source)
    name, stats = _strategy(doc, source, strategy)
    feather = next((b for n, b in wallet.items() if n.endswith(f"_{name}_wallet.feather")), None)
    if feather is not None:
        ex = _wallet(feather, name, source)
        if ex is not None:
            return ex
    return _daily_profit(stats, name, source, wallet_seen=feather is not None)


def _json(data: bytes, source: str) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise refuse(source, 1, "-", f"not a freqtrade result JSON: {exc}") from None


def _from_zip(data: bytes, source: str) -> tuple[Any, dict[str, bytes]]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise refuse(source, 1, "-", f"not a zip file: {exc}") from None
    with zf:
        names = zf.namelist()
        jsons = sorted((n for n in names if n.endswith(".json")), key=len)
        stem = jsons[0][: -len(".json")] if jsons else ""
        if not jsons or not all(n.startswith(stem) for n in names):
            raise refuse(source, 1, "-", f"no backtest-result JSON in the zip: {names}")
        main = jsons[:1]
        wallets = {n: zf.read(n) for n in names if n.endswith("_wallet.feather")}
        return _json(zf.read(main[0]), f"{source}:{main[0]}"), wallets


def _strategy(doc: Any, source: str, wanted: str | None) -> tuple[str, dict[str, Any]]:
    strategies = doc.get("strategy") if isinstance(doc, dict) else None
    if not isinstance(strategies, dict) or not strategies:
        raise refuse(source, 1, "strategy", "no 'strategy' results in the JSON")
    if wanted is None and len(strategies) == 1:
        wanted = next(iter(strategies))
    if wanted is None or wanted not in strategies:
        raise refuse(
            source, 1, "strategy", f"name one strategy of {sorted(strategies)} (--strategy)"
        )
    return wanted, strategies[wanted]


def _daily_profit(stats: Any, name: str, source: str, *, wallet_seen: bool) -> Extracted:
    start = stats.get("starting_balance") if isinstance(stats, dict) else None
    daily = stats.get("daily_profit") if isinstance(stats, dict) else None
    if not isinstance(start, int | float) or start <= 0:
        raise refuse(source, 1, f"strategy.{name}.starting_balance", f"got {start!r}")
    if not isinstance(daily, list):
        raise refuse(source, 1, f"strategy.{name}.daily_profit", "missing (freqtrade < 2021?)")
    ex = Extracted("equity", f"strategy.{name}.daily_profit + starting_balance")
    equity = float(start)
    for i, item in enumerate(daily):
        day, profit = item if isinstance(item, list | tuple) and len(item) == 2 else (None, None)
        when = parse_when(str(day)) if day is not None else None
        if when is None or not isinstance(profit, int | float):
            raise refuse(
                source,
                i + 1,
                f"strategy.{name}.daily_profit",
                f"entry {i}: {str(item)[:60]} is not [date, profit]",
            )
        if i == 0:
            ex.add(when - 86_400.0, equity, i + 1)  # the balance before the first day
        equity += float(profit)
        ex.add(when, equity, i + 1)
    ex.notes.append(
        "equity = starting balance + realized profit by close date (lines are daily_profit entries)"
    )
    if wallet_seen:
        ex.notes.append(
            "the zip's wallet (mark-to-market) needs pyarrow; it was skipped "
            "(pip install pyarrow to use it)"
        )
    return ex


def _wallet(feather: bytes, name: str, source: str) -> Extracted | None:
    """The wallet's value per capture time, if pyarrow is installed: freqtrade writes one
    row per currency and time (`date, currency, rate, balance`); the equity is the sum of
    rate × balance at each date."""
    if importlib.util.find_spec("pyarrow") is None:
        return None
    from pyarrow import feather as pa_feather  # type: ignore[import-not-found]  # optional

    table = pa_feather.read_table(io.BytesIO(feather)).to_pydict()
    if not {"date", "rate", "balance"} <= set(table):
        raise refuse(
            source,
            1,
            f"{name}_wallet.feather",
            f"columns {sorted(table)}; expected date, currency, rate, balance",
        )
    totals: dict[float, float] = {}
    for i, (d, rate, bal) in enumerate(
        zip(table["date"], table["rate"], table["balance"], strict=True)
    ):
        if not isinstance(rate, int | float) or not isinstance(bal, int | float):
            raise refuse(source, i + 1, f"{name}_wallet.feather", f"row {i}: {rate!r}, {bal!r}")
        when = d.timestamp() if hasattr(d, "timestamp") else parse_when(str(d))
        if when is None:
            raise refuse(source, i + 1, f"{name}_wallet.feather", f"row {i}: date {d!r}")
        totals[float(when)] = totals.get(float(when), 0.0) + float(rate) * float(bal)
    ex = Extracted("equity", f"{name}_wallet.feather date + sum(rate × balance) (mark-to-market)")
    for i, (when, value) in enumerate(sorted(totals.items())):
        ex.add(when, value, i + 1)
    ex.notes.append("lines are wallet capture times")
    return ex
