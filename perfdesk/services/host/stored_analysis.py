"""Database mode of `perfdesk analyze`: a stored strategy instead of a live CSV.

    perfdesk analyze --strategy ID [--from 2026-01-01] [--to 2026-07-01] [--dsn DSN]
                     [--thresholds FILE] [--json] [--replay]

`analyze_db(...)` returns the same JSON-ready dict as `perfdesk.analytics.analysis.analyze`
(status, ts, rules, metrics {live, expected}, expectations, transitions with --replay)
plus `source` (strategy, range, resolution, days) and `gap`, so `commands/analyze.py`
can print it with its own text/JSON code. Live daily returns come from the 1-day rollup
through HistoryService; the expected side from the strategy's stored backtest profile.
Without a DSN it opens the embedded database in the user's data directory.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perfdesk.analytics import metrics
from perfdesk.analytics.analysis import finite, rule_json
from perfdesk.analytics.history_gap import decompose
from perfdesk.analytics.history_replay import without_fill_rules
from perfdesk.analytics.history_returns import daily_returns
from perfdesk.analytics.replay import replay, transitions
from perfdesk.domain.thresholds import Thresholds
from perfdesk.services.history.service import HistoryError, HistoryRequest, HistoryService


def parse_when(text: str, what: str) -> datetime:
    """ "2026-01-31" (00:00 UTC) or an RFC 3339 time; ValueError naming the option."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not a date (YYYY-MM-DD) or RFC 3339 time") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def add_db_arguments(parser: argparse.ArgumentParser) -> None:
    """--strategy / --from / --to (the --dsn option comes from commands._common)."""
    parser.add_argument("--strategy", metavar="ID", help="analyse a stored strategy (DB mode)")
    parser.add_argument("--from", dest="start", metavar="DATE", help="range start (inclusive)")
    parser.add_argument("--to", dest="end", metavar="DATE", help="range end (exclusive)")


async def analyze_db(
    store: Any,
    strategy_id: str,
    start: datetime | None,
    end: datetime | None,
    thresholds: Thresholds | None = None,
    *,
    with_transitions: bool = False,
) -> dict[str, Any]:
    """The analysis dict of one stored strategy over [start, end) (None = its whole span)."""
    request = HistoryRequest(strategy_id, preset=None, start=start, end=end, resolution="1d")
    data = await HistoryService(store).load(request)
    r = daily_returns(data.daily)
    dates = data.daily.dates[: r.size]
    exp = data.expectations
    ppy = exp.periods_per_year if exp else 252
    verdicts = await asyncio.to_thread(replay, r, without_fill_rules(exp), thresholds, dates)
    last = verdicts[-1] if verdicts else None
    backtest = exp.profile.daily_returns if exp and exp.profile else ()
    out: dict[str, Any] = {
        "status": last.status.value if last else "insufficient_data",
        "ts": last.ts.isoformat() if last else None,
        "rules": [rule_json(rule) for rule in last.rules] if last else [],
        "metrics": {
            "live": metrics.full_report(r, dates, periods_per_year=ppy) if r.size else {},
            "expected": metrics.full_report(backtest, periods_per_year=ppy) if backtest else {},
        },
        "expectations": exp.model_dump(exclude={"profile"}) if exp else None,
        "source": _source(data, r.size),
        "gap": (gap.as_dict() if (gap := decompose(data.daily, r, exp)) else None),
    }
    if with_transitions:
        out["transitions"] = [_transition(t) for t in transitions(verdicts)]
    result: dict[str, Any] = finite(out)
    return result


def _source(data: Any, days: int) -> dict[str, Any]:
    def iso(ts: float | None) -> str | None:
        return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()

    return {"strategy_id": data.strategy_id, "name": data.name, "from": iso(data.start_ts),
            "to": iso(data.end_ts), "resolution": data.resolution, "days": days}  # fmt: skip


def _transition(t: Any) -> dict[str, Any]:
    return {
        "ts": t.ts.isoformat(),
        "status": t.status.value,
        "previous": t.previous.value,
        "rules": [{"rule": n, "from": a.value, "to": b.value} for n, a, b in t.changed],
    }


async def analyze_with_dsn(
    dsn: str | None,
    strategy_id: str,
    start: datetime | None,
    end: datetime | None,
    thresholds: Thresholds | None = None,
    *,
    with_transitions: bool = False,
    data_dir: Path | None = None,
) -> dict[str, Any]:
    """Open the database (DSN, else the embedded one), analyse, close everything."""
    from perfdesk.services.host.bootstrap import APP_DATABASE, default_data_dir, ensure_database
    from perfdesk.services.store.dsn import password_kwargs
    from perfdesk.services.store.embedded_db import EmbeddedPostgres
    from perfdesk.services.store.store import Store

    embedded = None
    if dsn is None:
        embedded = EmbeddedPostgres((data_dir or default_data_dir()) / "db")
        dsn = await ensure_database(await asyncio.to_thread(embedded.start), APP_DATABASE)
    try:
        store = await Store.open(dsn, max_size=2, **({} if embedded else password_kwargs(dsn)))
        try:
            used = "--thresholds file" if thresholds is not None else "built-in defaults"
            if thresholds is None:  # judge as the live validator does: the saved set
                saved = await _saved_thresholds(store, strategy_id)
                if saved is not None:
                    thresholds = saved.thresholds
                    used = f"saved {saved.scope_label} v{saved.version} by {saved.who}"
            result = await analyze_db(store, strategy_id, start, end, thresholds,
                                      with_transitions=with_transitions)  # fmt: skip
            result["thresholds"] = used
            return result
        finally:
            await store.close()
    finally:
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)


@dataclass(frozen=True)
class _Saved:
    thresholds: Thresholds
    version: int
    who: str
    scope_label: str


async def _saved_thresholds(store: Any, strategy_id: str) -> _Saved | None:
    """The strategy's saved set, else the saved global defaults, else None."""
    from perfdesk.services.store.config_store import ConfigStore

    config = ConfigStore(store)
    for scope, label in ((strategy_id, f"for {strategy_id}"), (None, "defaults")):
        saved = await config.load(scope)
        if saved is not None:
            return _Saved(saved.thresholds, saved.version, saved.who, label)
    return None


def range_from_args(args: argparse.Namespace) -> tuple[datetime | None, datetime | None]:
    """(--from, --to) as aware UTC datetimes; a bare --to date is exclusive."""
    start = parse_when(args.start, "--from") if args.start else None
    end = parse_when(args.end, "--to") if args.end else None
    if start is not None and end is not None and end <= start:
        raise ValueError(f"--to {args.end} must be after --from {args.start}")
    return start, end


__all__ = [
    "HistoryError",
    "add_db_arguments",
    "analyze_db",
    "analyze_with_dsn",
    "parse_when",
    "range_from_args",
]
