"""The benchmark's numpy-built rollups equal the storage layer's own back-fill (0002), and
its imported desk holds what its bulk loader would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import numpy as np

from perfdesk.bench import _history_data as data
from perfdesk.bench import _history_rollups as rollup
from perfdesk.services.history import queries as history_queries
from perfdesk.services.store import compaction
from perfdesk.services.store.store import Store

START = datetime(2026, 5, 30, 23, 0, tzinfo=UTC)  # crosses midnight and a month end
ARGS = {"n": 4_000, "step_s": 25.0, "spec": data.PathSpec(), "fill_every_s": 70.0, "seed": 5}


async def _table(conn: asyncpg.Connection, table: str) -> dict[str, np.ndarray]:
    rows = await conn.fetch(
        f"SELECT extract(epoch FROM bucket)::float8 AS bucket, {', '.join(rollup.ROLLUP_COLS[2:])}"
        f" FROM {table} ORDER BY bucket"
    )
    return {k: np.array([float(r[k]) for r in rows]) for k in ("bucket", *rollup.ROLLUP_COLS[2:])}


def _assert_same(db: dict[str, np.ndarray], bars: rollup.Bars) -> None:
    np.testing.assert_array_equal(db["bucket"], bars.bucket)
    for name, values in bars.cols.items():
        np.testing.assert_allclose(db[name], values, rtol=1e-9, atol=1e-9, err_msg=name)


async def test_numpy_rollups_equal_the_migration_backfill(db_dsn: str) -> None:
    conn = await asyncpg.connect(db_dsn)
    try:
        await data.prepare_schema(conn, rollups=False)
        await data.load_strategy(conn, "bulk", START, rollups=False, **ARGS)  # type: ignore[arg-type]
        await data.build_rollups(conn)  # migration 0002 back-fills from the raw rows
        t, equity, sides = data.strategy_arrays(START, **ARGS)  # type: ignore[arg-type]
        minutes = data.minute_bars_of(t, equity, sides)
        _assert_same(await _table(conn, "rollup_1m"), minutes)
        _assert_same(await _table(conn, "rollup_1d"), rollup.day_bars(minutes))
    finally:
        await conn.close()


async def test_loader_with_numpy_rollups_gives_the_same_tables(db_dsn: str) -> None:
    conn = await asyncpg.connect(db_dsn)
    try:
        await data.prepare_schema(conn)
        await data.load_strategy(conn, "bulk", START, **ARGS)  # type: ignore[arg-type]
        t, equity, sides = data.strategy_arrays(START, **ARGS)  # type: ignore[arg-type]
        minutes = data.minute_bars_of(t, equity, sides)
        _assert_same(await _table(conn, "rollup_1m"), minutes)
        assert await conn.fetchval("SELECT count(*) FROM rollup_1d") == 3  # May 30, 31, Jun 1
    finally:
        await conn.close()


async def test_imported_strategy_reads_as_the_loaded_one(db_dsn: str) -> None:
    """`bench history`'s desk (imported through the back-fill: raw mode, then compacted)
    holds the same samples, fills and daily bars as the bulk loader's, and History reads
    the same 1-minute series from it."""
    args = ARGS | {"step_s": 60.0, "n": 3 * 1_440 + 17}
    conn = await asyncpg.connect(db_dsn)
    try:
        await data.prepare_schema(conn)
        await data.load_strategy(conn, "loaded", START, **args)  # type: ignore[arg-type]
    finally:
        await conn.close()
    store = await Store.open(db_dsn)
    try:
        arrays = data.strategy_arrays(START, **args)  # type: ignore[arg-type]
        await data.import_strategy(store, "imported", arrays)
        later = START + timedelta(days=10)
        assert (await compaction.compact(store.pool, now=later)).rows > 0
        raw = "SELECT NOT minute_bars FROM ingest_state WHERE strategy_id = 'imported'"
        assert await store.pool.fetchval(raw) is True  # no 1-minute bars of its own
        stored = "SELECT count(*) FROM rollup_1m WHERE strategy_id = 'imported'"
        assert await store.pool.fetchval(stored) == 0
        end = START + timedelta(days=5)
        closes = [
            await history_queries.bar_closes(store.pool, "1m", sid, START, end)
            for sid in ("loaded", "imported")
        ]
        assert closes[0][0].size == args["n"]
        assert closes[0][0].tobytes() == closes[1][0].tobytes()
        assert closes[0][1].tobytes() == closes[1][1].tobytes()
        days = [await store.rollups(sid, "1d") for sid in ("loaded", "imported")]
        assert days[0].bucket.tobytes() == days[1].bucket.tobytes()
        for name in ("open", "close", "fills", "fees", "notional"):
            np.testing.assert_allclose(days[0][name], days[1][name], rtol=1e-12, err_msg=name)
        fills = (
            "SELECT ts, side, qty, price, fee, expected_price FROM fills"
            " WHERE strategy_id = $1 ORDER BY ts"
        )
        loaded = [tuple(r) for r in await store.pool.fetch(fills, "loaded")]
        assert loaded and loaded == [tuple(r) for r in await store.pool.fetch(fills, "imported")]
    finally:
        await store.close()
