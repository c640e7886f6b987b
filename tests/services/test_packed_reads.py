"""Bars read as packed columns (a bytea per column, the bucket as a binary timestamptz)
equal the old server-side `extract(epoch FROM bucket)::float8` row reads, value for
value (real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from perfdesk.bench.storage import synthetic_events
from perfdesk.services.history import queries as history_queries
from perfdesk.services.store.packed_reads import (
    F8,
    PG_EPOCH_US,
    TS,
    packed_select,
    unpack,
    unpack_parts,
)
from perfdesk.services.store.store import BAR_FIELDS, Store

OLD_BARS_SQL = (
    "SELECT extract(epoch FROM bucket)::float8, {cols} FROM {table} WHERE strategy_id = $1"
    " ORDER BY bucket"
)


async def test_decoded_timestamps_equal_the_servers_epoch_seconds(store: Store) -> None:
    """Microseconds, before 2000 and before 1970, far future: the same doubles."""
    rng = np.random.default_rng(7)
    micros = rng.integers(-2_000_000_000_000_000, 4_000_000_000_000_000, 5_000).tolist()
    micros += [0, -1, 1, 946_684_800_000_000, 946_684_799_999_999, 1_780_000_000_123_457]
    async with store.pool.acquire() as conn:
        await conn.execute("CREATE TEMP TABLE tt (ts timestamptz, v float8)")
        await conn.executemany(
            "INSERT INTO tt VALUES (to_timestamp(0) + $1 * interval '1 microsecond', $2)",
            [(m, float(i)) for i, m in enumerate(micros)],
        )
        row = await conn.fetchrow(packed_select([("ts", TS), ("v", F8)], "tt", "v"))
        old = await conn.fetch("SELECT extract(epoch FROM ts)::float8, v FROM tt ORDER BY v")
    t, v = unpack(row, (TS, F8))
    assert t.tolist() == [r[0] for r in old]
    assert v.tolist() == [r[1] for r in old]


async def test_floats_round_trip_bit_for_bit_and_no_rows_are_empty(store: Store) -> None:
    values = [0.0, -0.0, 1e-300, -1e300, 5e-324, np.inf, -np.inf, np.nan, 1 / 3]
    async with store.pool.acquire() as conn:
        row = await conn.fetchrow(
            packed_select([("v", F8)], "unnest($1::float8[]) WITH ORDINALITY AS u(v, i)", "i"),
            values,
        )
        none = await conn.fetchrow(
            packed_select([("now()", TS), ("1.5", F8)], "generate_series(1, 0)", "1")
        )
    (got,) = unpack(row, (F8,))
    assert got.tobytes() == np.array(values, dtype=np.float64).tobytes()
    t, v = unpack(none, (TS, F8))
    assert t.size == v.size == 0 and t.dtype == v.dtype == np.float64


async def test_a_null_is_an_error_not_a_shifted_column(store: Store) -> None:
    async with store.pool.acquire() as conn:
        row = await conn.fetchrow(
            packed_select(
                [("now()", TS), ("v", F8)],
                "(VALUES (1, 1.0::float8), (2, NULL), (3, 3.0)) AS x(i, v)",
                "i",
            )
        )
    with pytest.raises(ValueError, match="unequal length"):
        unpack(row, (TS, F8))
    with pytest.raises(ValueError, match="not 8 per value"):
        unpack([b"\x00" * 12], (F8,))


def test_parts_concatenate_in_order() -> None:
    a = [np.array([1.0, 2.0]).astype(">i8").tobytes(), np.array([5.0, 6.0], ">f8").tobytes()]
    b = [np.array([3.0]).astype(">i8").tobytes(), np.array([7.0], ">f8").tobytes()]
    t, v = unpack_parts([a, None, b], (TS, F8))
    assert t.tolist() == [(m + PG_EPOCH_US) / 1e6 for m in (1, 2, 3)]
    assert v.tolist() == [5.0, 6.0, 7.0]


@pytest.mark.parametrize("step_s", [60.0, 7.0], ids=["raw mode", "stored bars"])
async def test_store_rollups_equal_the_old_query(store: Store, step_s: float) -> None:
    events = list(synthetic_events("b", int(3 * 86_400 / step_s), step_s=step_s, fill_every=5))
    for i in range(0, len(events), 5_000):
        await store.write_events(events[i : i + 5_000])
    cols = ", ".join(f"coalesce({c}::float8, 'NaN')" for c in BAR_FIELDS)
    for resolution, table in (("1m", "bars_1m($1::text, '-infinity', 'infinity')"),
                              ("1d", "rollup_1d")):  # fmt: skip
        old = await store.pool.fetch(OLD_BARS_SQL.format(cols=cols, table=table), "b")
        bars = await store.rollups("b", resolution)  # type: ignore[arg-type]
        assert len(bars) == len(old) > 2
        assert bars.bucket.tolist() == [r[0] for r in old]
        for i, name in enumerate(BAR_FIELDS):
            want = np.array([r[i + 1] for r in old])
            assert np.array_equal(bars[name], want, equal_nan=True), (resolution, name)


async def test_bar_closes_equal_the_old_query(store: Store) -> None:
    events = list(synthetic_events("c", 3 * 1440 * 6, step_s=10.0, fill_every=5))
    for i in range(0, len(events), 5_000):
        await store.write_events(events[i : i + 5_000])
    start = events[0].ts + timedelta(hours=5, seconds=13)
    end = datetime(2100, 1, 1, tzinfo=UTC)
    for resolution, table, width in (("1m", "rollup_1m", 60), ("1d", "rollup_1d", 86_400)):
        old = await store.pool.fetch(
            f"SELECT extract(epoch FROM bucket)::float8 + {width}, close FROM {table}"
            " WHERE strategy_id = $1 AND bucket >= $2 AND bucket < $3 AND close IS NOT NULL"
            " ORDER BY bucket",
            "c", start, end,
        )  # fmt: skip
        t, close = await history_queries.bar_closes(store.pool, resolution, "c", start, end)
        assert len(t) == len(old) > 0
        assert t.tolist() == [r[0] for r in old] and close.tolist() == [r[1] for r in old]
