"""The benchmark's numpy-built rollups equal the storage layer's own back-fill (0002)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import numpy as np

from perfdesk.bench import _history_data as data
from perfdesk.bench import _history_rollups as rollup

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
