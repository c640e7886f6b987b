"""Strategy snapshots rebuilt from the shared database (client mode, no engine link).

Each strategy's equity, P&L, drawdown, Sharpe and chart come from the database, fed into
the same streaming statistics the live monitor uses: at start its history from the
rollups (daily closes, then 1-minute closes for the last two days, then the raw samples
of the last hour — as the collector's own warm-up does), afterwards every new equity row
by seq. Its verdict is the latest stored verdict.
Loop thread only; `snapshots()` returns immutable values the GUI may hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from perfdesk.analytics.streaming import EquityStats
from perfdesk.domain.snapshot import FloatArray, StrategySnapshot
from perfdesk.domain.status import FeedState, StrategyState
from perfdesk.domain.verdict import RuleResult, Verdict
from perfdesk.services.live.chart_buffer import ChartBuffer
from perfdesk.services.live.monitor import snapshot_of
from perfdesk.services.store.store import Store

_STRATEGIES = """
SELECT s.strategy_id, s.name, s.state, coalesce(i.events, 0) AS events, i.updated_at
FROM strategies s LEFT JOIN ingest_state i USING (strategy_id)
WHERE $1::text[] IS NULL OR s.strategy_id = ANY($1)"""
_LAST_SEQ = """
SELECT coalesce(greatest((SELECT max(seq) FROM equity WHERE strategy_id = $1),
                         (SELECT max(last_seq) FROM equity_segments WHERE strategy_id = $1)), 0)"""
"""Highest equity seq, raw or compacted (migration 0603)."""
DAY_S = 86_400.0
RAW_WINDOW_S = 3_600.0
_AFTER = """
SELECT e.strategy_id, e.seq, e.ts, e.equity
FROM unnest($1::text[], $2::bigint[]) AS c(sid, after)
CROSS JOIN LATERAL (SELECT c.sid AS strategy_id, r.* FROM equity_rows(c.sid, c.after + 1,
                    '9223372036854775807') r ORDER BY r.seq LIMIT $3) e
ORDER BY e.strategy_id, e.seq"""
_VERDICTS = """
SELECT DISTINCT ON (strategy_id) strategy_id, ts, rules FROM verdicts
WHERE $1::text[] IS NULL OR strategy_id = ANY($1) ORDER BY strategy_id, id DESC"""


@dataclass
class _Strategy:
    strategy_id: str
    name: str
    state: StrategyState = StrategyState.ACTIVE
    stats: EquityStats = field(default_factory=EquityStats)
    chart: ChartBuffer = field(default_factory=ChartBuffer)
    last_seq: int = -1
    """Highest equity seq fed (-1: nothing loaded yet)."""
    events: int = 0
    stored_at: float | None = None
    """When the collector last stored events of it (POSIX s): the feed's freshness."""
    verdict: Verdict | None = None
    version: int = 0


class ClientStrategies:
    """Every strategy of the database, as snapshots; refreshed by `load_*` calls."""

    def __init__(self, store: Store, *, batch_rows: int = 50_000) -> None:
        self._store = store
        self._pool = store.pool
        self._batch_rows = batch_rows
        self._live: dict[str, _Strategy] = {}
        self._cache: dict[str, StrategySnapshot] = {}
        self._feed: dict[str, FeedState] = {}

    def known(self, strategy_id: str) -> bool:
        return strategy_id in self._live

    async def load_strategies(self, ids: Iterable[str] | None = None) -> None:
        """Names, states and event counts (all strategies, or `ids`)."""
        rows = await self._pool.fetch(_STRATEGIES, None if ids is None else list(ids))
        for row in rows:
            s = self._live.get(row["strategy_id"])
            if s is None:
                s = self._live[row["strategy_id"]] = _Strategy(row["strategy_id"], row["name"])
            s.name, s.state, s.events = row["name"], StrategyState(row["state"]), row["events"]
            s.stored_at = row["updated_at"].timestamp() if row["updated_at"] else None
            s.version += 1

    async def load_equity(self, ids: Iterable[str] | None = None) -> int:
        """Feed new equity rows (seq above what was fed); returns rows fed."""
        targets = [self._live[i] for i in (self._live if ids is None else ids) if i in self._live]
        fed = 0
        for s in targets:
            if s.last_seq < 0:
                fed += await self._seed(s)
        known = [s for s in targets if s.last_seq >= 0]
        if known:
            ids_, after = [s.strategy_id for s in known], [s.last_seq for s in known]
            rows = await self._pool.fetch(_AFTER, ids_, after, self._batch_rows)
            for row in rows:
                self._feed_row(row)
            fed += len(rows)
        return fed

    async def _seed(self, s: _Strategy) -> int:
        """The strategy's history so far, from rollups and the last raw hour."""
        last_seq = int(await self._pool.fetchval(_LAST_SEQ, s.strategy_id))
        t, y = await history_series(self._store, s.strategy_id)
        for ts, value in zip(t.tolist(), y.tolist(), strict=True):
            s.stats.update(ts, value)
            s.chart.append(ts, value)
        s.last_seq = last_seq
        s.version += 1
        return len(t)

    async def load_verdicts(self, ids: Iterable[str] | None = None) -> None:
        rows = await self._pool.fetch(_VERDICTS, None if ids is None else list(ids))
        for row in rows:
            s = self._live.get(row["strategy_id"])
            if s is not None:
                s.verdict = _verdict(row)
                s.version += 1

    def set_feed(self, feed: dict[str, FeedState]) -> None:
        """Feed state per strategy (from the collectors' heartbeats); '*' = the default."""
        if feed != self._feed:
            self._feed = dict(feed)
            for s in self._live.values():
                s.version += 1

    def snapshots(self) -> dict[str, StrategySnapshot]:
        for sid, s in self._live.items():
            cached = self._cache.get(sid)
            if cached is None or cached.version != s.version:
                self._cache[sid] = self._snapshot(s)
        return dict(self._cache)

    def _feed_row(self, row: Any) -> None:
        s = self._live[row["strategy_id"]]
        ts = row["ts"].timestamp()
        if row["seq"] <= s.last_seq or (s.stats.n_samples and ts < s.stats.last_ts):
            s.last_seq = max(s.last_seq, row["seq"])
            return  # already fed (by seq, or by the seed read while it was written)
        s.stats.update(ts, row["equity"])
        s.chart.append(ts, row["equity"])
        s.last_seq = row["seq"]
        s.version += 1

    def _snapshot(self, s: _Strategy) -> StrategySnapshot:
        feed = self._feed.get(s.strategy_id) or self._feed.get("*", FeedState.DISCONNECTED)
        return snapshot_of(
            s.strategy_id,
            s.name,
            s.stats,
            s.chart,
            state=s.state,
            version=s.version,
            events=s.events,
            received_at=s.stored_at,
            feed=feed,
            verdict=s.verdict,
        )


def _verdict(row: Any) -> Verdict:
    rules = json.loads(row["rules"]) if isinstance(row["rules"], str) else row["rules"]
    return Verdict(
        strategy_id=row["strategy_id"],
        ts=row["ts"],
        rules=tuple(RuleResult.model_validate(r) for r in rules),
    )


async def history_series(store: Store, strategy_id: str) -> tuple[FloatArray, FloatArray]:
    """(t, equity) oldest first: daily closes, then the last two days' 1-minute closes,
    then the last hour's raw samples (t = POSIX s of each bar's close)."""
    daily = await store.rollups(strategy_id, "1d", fields=("close",))
    if not len(daily):
        return np.empty(0), np.empty(0)
    minute_from = daily.bucket[-2] if len(daily) > 1 else daily.bucket[-1]
    minutes = await store.rollups(strategy_id, "1m", start=_dt(minute_from), fields=("close",))
    raw_from = max(
        (minutes.bucket[-1] - RAW_WINDOW_S) if len(minutes) else minute_from, minute_from
    )
    raw_t, raw_y = await store.equity_series(strategy_id, start=_dt(raw_from))
    old = daily.bucket < minute_from
    mid = minutes.bucket + 60.0 <= raw_from
    t = np.concatenate([daily.bucket[old] + DAY_S - 1.0, minutes.bucket[mid] + 59.0, raw_t])
    y = np.concatenate([daily["close"][old], minutes["close"][mid], raw_y])
    keep = np.isfinite(y)
    return t[keep], y[keep]


def _dt(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(float(epoch_s), UTC)
