"""Rollups kept in step with ingestion equal aggregates computed from the raw rows."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import numpy as np
import pytest
from rollup_check import assert_rollups_match_raw

from perfdesk.bench.storage import interleaved, synthetic_events
from perfdesk.services.store.store import Store


async def test_rollups_equal_raw_aggregates_after_shuffled_replayed_batches(
    store: Store,
) -> None:
    events = list(interleaved(dict.fromkeys(["r1", "r2"], 0), 4000, step_s=7.3, fill_every=3))
    rng = random.Random(11)
    batches = [events[i : i + rng.randint(1, 400)] for i in range(0, len(events), 200)]
    rng.shuffle(batches)  # out of order: later minutes first, gaps filled afterwards
    for batch in batches:
        await store.write_events(batch + rng.sample(events, 30))  # replays mixed in
    await assert_rollups_match_raw(store)


async def test_rollups_after_upgrade_backfill(db_dsn: str) -> None:
    import asyncpg

    from perfdesk.services.store import database

    conn = await asyncpg.connect(db_dsn)
    await database.migrate(conn, upto=1)
    for ev in synthetic_events("u", 300, step_s=13, fill_every=4):
        if ev.type == "equity":
            await conn.execute(
                "INSERT INTO equity VALUES ($1, $2, $3, $4, $5, $6, $7)",
                ev.strategy_id, ev.seq, ev.ts, ev.equity, ev.realized_pnl,
                ev.unrealized_pnl, ev.position_value,
            )  # fmt: skip
        else:
            await conn.execute(
                "INSERT INTO fills VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                ev.strategy_id, ev.seq, ev.ts, ev.order_id, ev.symbol, ev.side, ev.qty,
                ev.price, ev.fee, ev.expected_price,
            )  # fmt: skip
    await conn.close()
    store = await Store.open(db_dsn)  # applies 0002, which back-fills the rollups
    try:
        await store.write_events(list(synthetic_events("u", 400, step_s=13, fill_every=4)))
        await assert_rollups_match_raw(store)
    finally:
        await store.close()


async def test_read_rollups_and_raw_series(store: Store) -> None:
    await store.write_events(list(synthetic_events("h", 3 * 1440, step_s=60, fill_every=0)))
    days = await store.rollups("h", "1d")
    assert len(days) == 3 and days["samples"].tolist() == [1440.0] * 3
    minutes = await store.rollups("h", "1m", start=datetime(2026, 1, 6, tzinfo=UTC))
    assert len(minutes) == 2 * 1440
    assert minutes.bucket[0] == datetime(2026, 1, 6, tzinfo=UTC).timestamp()
    ts, equity = await store.equity_series("h")
    assert len(ts) == 3 * 1440 and np.all(np.diff(ts) == 60.0)
    assert equity[-1] == pytest.approx(days["close"][-1])
    assert days["open"][1] == pytest.approx(minutes["open"][0])
    closes = await store.rollups("h", "1d", fields=("close",))
    assert list(closes.columns) == ["close"] and closes["close"][-1] == days["close"][-1]
    with pytest.raises(ValueError, match="unknown bar fields"):
        await store.rollups("h", "1d", fields=("close; DROP TABLE equity",))
