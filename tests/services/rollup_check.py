"""Rollups vs aggregates computed from the raw rows (a plain module the storage tests share)."""

from __future__ import annotations

import pytest

from perfdesk.services.store.store import Store

RAW = """
WITH eb AS (
    SELECT strategy_id, date_trunc('{unit}', ts, 'UTC') AS bucket,
           (array_agg(equity ORDER BY seq))[1] AS open, max(equity) AS high,
           min(equity) AS low, (array_agg(equity ORDER BY seq DESC))[1] AS close,
           count(*) AS samples,
           (array_agg(realized_pnl ORDER BY seq DESC))[1] AS realized_pnl,
           (array_agg(unrealized_pnl ORDER BY seq DESC))[1] AS unrealized_pnl
    FROM equity GROUP BY 1, 2
), fb AS (
    SELECT strategy_id, date_trunc('{unit}', ts, 'UTC') AS bucket, count(*) AS fills,
           sum(fee) AS fees, sum(qty * price) AS notional,
           sum(CASE WHEN side = 'buy' THEN 1 ELSE -1 END * (price - expected_price) * qty)
               AS slippage_cost,
           sum(expected_price * qty) AS slippage_notional
    FROM fills GROUP BY 1, 2
)
SELECT strategy_id, bucket, open, high, low, close, coalesce(samples, 0) AS samples,
       realized_pnl, unrealized_pnl, coalesce(fills, 0) AS fills, coalesce(fees, 0) AS fees,
       coalesce(notional, 0) AS notional, coalesce(slippage_cost, 0) AS slippage_cost,
       coalesce(slippage_notional, 0) AS slippage_notional
FROM eb FULL JOIN fb USING (strategy_id, bucket)
"""

RAW_1M = RAW.format(unit="minute")
RAW_1D = RAW.format(unit="day")

COMPARED = (
    "open", "high", "low", "close", "samples", "fills", "fees", "notional", "slippage_cost",
    "slippage_notional",
)  # fmt: skip


BARS_1M = """
SELECT b.* FROM (SELECT strategy_id FROM ingest_state UNION SELECT strategy_id FROM rollup_1m) s
CROSS JOIN LATERAL bars_1m(s.strategy_id, '-infinity', 'infinity') b"""
"""Every strategy's 1-minute bars as readers see them: stored, or its raw rows (raw mode)."""


async def assert_rollups_match_raw(store: Store) -> None:
    raw_mode_bars = await store.pool.fetchval(
        "SELECT count(*) FROM rollup_1m r JOIN ingest_state i USING (strategy_id)"
        " WHERE NOT i.minute_bars"
    )
    assert raw_mode_bars == 0, "a strategy in raw mode has stored 1-minute bars"
    for raw_sql, table, extra in (
        (RAW_1M, BARS_1M, ("realized_pnl",)),
        (RAW_1D, "SELECT * FROM rollup_1d", ("realized_pnl",)),
    ):
        raw = {(r["strategy_id"], r["bucket"]): r for r in await store.pool.fetch(raw_sql)}
        rolled = {(r["strategy_id"], r["bucket"]): r for r in await store.pool.fetch(table)}
        assert raw.keys() == rolled.keys(), table
        for key, want in raw.items():
            got = rolled[key]
            for col in COMPARED + extra:
                expected = None if want[col] is None else pytest.approx(want[col], rel=1e-9)
                assert got[col] == expected, (table, key, col)
