"""Warm the live monitor up from the database, so a restart resumes where it left off.

Without this a restarted app would judge each strategy from its first new event: a
strategy 20 % into a drawdown would look flat. Per strategy, oldest first:

- daily closes (rollup_1d) for all but the last two stored days — the backtest
  profile's drawdowns and returns are daily too, so nothing the rules need is lost;
- 1-minute closes (rollup_1m) from there up to the last hour;
- raw equity samples for the last stored hour;
- every fill (a few per day), so trade counts, win rate and slippage carry over;
- the saved expectations (Strategy setup), which the engine's announcements do not replace.

Warm-up samples do not count as received now: staleness stays about the live feed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import numpy as np

from perfdesk.services.live.monitor import LiveMonitor
from perfdesk.services.store.store import Store

log = logging.getLogger(__name__)

DAY_S = 86_400.0
RAW_WINDOW_S = 3_600.0

FILLS_QUERY = """
SELECT extract(epoch FROM ts)::float8 AS t, symbol, side, qty, price, fee, expected_price
FROM fills WHERE strategy_id = $1 ORDER BY ts, seq
"""


async def warm_up(monitor: LiveMonitor, store: Store, subset: frozenset[str] | None = None) -> int:
    """Feed every stored strategy's history (of `subset` only, if given) into `monitor`;
    returns the samples fed."""
    fed = 0
    for info in await store.strategies():
        if subset is not None and info.strategy_id not in subset:
            continue
        monitor.on_strategy(info)
        fed += await _warm_equity(monitor, store, info.strategy_id)
        await _warm_fills(monitor, store, info.strategy_id)
    for strategy_id, expectations in (await store.saved_expectations(subset)).items():
        monitor.set_expectations(strategy_id, expectations)  # what was signed off on wins
    if fed:
        log.info("warmed the live monitor up with %d stored samples", fed)
    return fed


async def _warm_equity(monitor: LiveMonitor, store: Store, strategy_id: str) -> int:
    daily = await store.rollups(strategy_id, "1d")
    if not len(daily):
        return 0
    minute_from = daily.bucket[-2] if len(daily) > 1 else daily.bucket[-1]
    minutes = await store.rollups(strategy_id, "1m", start=_dt(minute_from))
    raw_from = (minutes.bucket[-1] - RAW_WINDOW_S) if len(minutes) else minute_from
    raw_from = max(raw_from, minute_from)
    raw_t, raw_y = await store.equity_series(strategy_id, start=_dt(raw_from))
    old = daily.bucket < minute_from
    mid = minutes.bucket + 60.0 <= raw_from
    t = np.concatenate([daily.bucket[old] + DAY_S - 1.0, minutes.bucket[mid] + 59.0, raw_t])
    y = np.concatenate([daily["close"][old], minutes["close"][mid], raw_y])
    keep = np.isfinite(y)
    monitor.warm(strategy_id, t[keep], y[keep])
    return int(keep.sum())


async def _warm_fills(monitor: LiveMonitor, store: Store, strategy_id: str) -> None:
    async with store.pool.acquire() as conn:
        rows = await conn.fetch(FILLS_QUERY, strategy_id)
    for r in rows:
        monitor.warm_fill(
            strategy_id,
            r["t"],
            r["symbol"],
            r["side"],
            qty=r["qty"],
            price=r["price"],
            fee=r["fee"],
            expected_price=r["expected_price"],
        )


def _dt(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(float(epoch_s), UTC)
