"""Raw equity reads by time without a ts index: seq ranges from the rollups, then the PK.

Every read is compared with what the old ts-indexed query returned (a plain
`WHERE ts >= start AND ts < end ORDER BY ts, seq` over the table), on a real server.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import numpy as np
import old_data
import pytest

from perfdesk.bench import _history_data as data
from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.events import DataEvent, EquityEvent
from perfdesk.services.history import queries as history_queries
from perfdesk.services.store import database, equity_reads
from perfdesk.services.store.store import Store

REFERENCE_SQL = (
    "SELECT extract(epoch FROM ts)::float8 AS t, equity FROM equity WHERE strategy_id = $1"
    " AND ($2::timestamptz IS NULL OR ts >= $2) AND ($3::timestamptz IS NULL OR ts < $3)"
    " ORDER BY ts, seq"
)
T0 = datetime(2026, 1, 4, 22, 58, 30, tzinfo=UTC)  # crosses two midnights below
US = timedelta(microseconds=1)


async def _assert_same_as_full_scan(
    store: Store, sid: str, start: datetime | None, end: datetime | None
) -> int:
    t, y = await store.equity_series(sid, start, end)
    rows = await store.pool.fetch(REFERENCE_SQL, sid, start, end)
    want_t = np.array([r["t"] for r in rows], dtype=np.float64)
    want_y = np.array([r["equity"] for r in rows], dtype=np.float64)
    assert t.tolist() == want_t.tolist(), (sid, start, end)
    assert y.tolist() == want_y.tolist(), (sid, start, end)
    return len(rows)


def _equity(sid: str, seq: int, ts: datetime, value: float) -> EquityEvent:
    return EquityEvent(
        strategy_id=sid, seq=seq, ts=ts, equity=value, realized_pnl=0.0,
        unrealized_pnl=0.0, position_value=0.0,
    )  # fmt: skip


async def test_ranges_at_minute_and_day_edges(store: Store) -> None:
    # 7.3 s apart over ~2.5 days, fills and statuses in between (fill-only buckets too);
    # a second strategy interleaved in the same tables and rollups.
    events: list[DataEvent] = []
    for sid in ("a", "b"):
        events += synthetic_events(sid, 30_000, start=T0, step_s=7.3, fill_every=9,
                                   status_every=500)  # fmt: skip
    for i in range(0, len(events), 4_000):
        await store.write_events(events[i : i + 4_000])
    # A sample exactly on a minute edge and one exactly on midnight (seq continues).
    minute_edge = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    midnight = datetime(2026, 1, 6, tzinfo=UTC)
    assert await store.write_events([
        _equity("a", 30_001, minute_edge, 1.0), _equity("a", 30_002, midnight, 2.0),
    ]) == 2  # fmt: skip
    last = T0 + timedelta(seconds=7.3 * 30_000)
    minute = datetime(2026, 1, 5, 12, 34, tzinfo=UTC)
    ranges: list[tuple[datetime | None, datetime | None]] = [
        (None, None),
        (T0, None),
        (None, midnight),
        (minute_edge, minute_edge + timedelta(minutes=1)),  # one bucket, start inclusive
        (minute_edge - US, minute_edge),  # end exclusive: not the sample at the edge
        (minute_edge + US, minute_edge + timedelta(seconds=30)),
        (minute, minute + timedelta(seconds=59.999999)),  # inside one minute
        (minute + timedelta(seconds=13), minute + timedelta(minutes=3, seconds=1)),
        (midnight - timedelta(minutes=1), midnight + timedelta(minutes=1)),
        (midnight, midnight + timedelta(days=1)),  # one whole day (daily bar only)
        (midnight - US, midnight + timedelta(days=1) + US),  # a day and both edges
        (T0 + timedelta(hours=1, seconds=7), last - timedelta(hours=2, seconds=3)),
        (datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 7, tzinfo=UTC)),  # 2 days
        (datetime(2026, 1, 5, 23, 30, tzinfo=UTC), datetime(2026, 1, 6, 0, 30, tzinfo=UTC)),
        (minute, minute),  # empty
        (minute + timedelta(hours=1), minute),  # reversed: empty
        (T0 - timedelta(days=3), T0 - timedelta(days=1)),  # before any data
        (last + timedelta(days=1), None),  # after all data
        (T0 - timedelta(days=3), T0 + timedelta(minutes=5)),  # reaches before go-live
    ]
    counts = [await _assert_same_as_full_scan(store, "a", s, e) for s, e in ranges]
    assert counts[0] == 30_000 - 30_000 // 9 - 30_000 // 500 + 2 + 6  # both 9 and 500
    assert counts[3] >= 1 and counts[4] == 0 and counts[9] > 10_000
    assert counts[14:18] == [0, 0, 0, 0]
    ts, _ = await store.equity_series("a", minute_edge, minute_edge + US)
    assert ts.tolist() == [minute_edge.timestamp()]
    assert (await store.equity_series("nobody"))[0].size == 0
    await _assert_same_as_full_scan(store, "b", midnight - timedelta(hours=5), None)


async def test_out_of_order_timestamps(store: Store) -> None:
    """An engine whose timestamps jump back and forth across minutes, midnights and
    equal times: every range still returns exactly the old query's rows, (ts, seq)."""
    rng = random.Random(5)
    base = datetime(2026, 3, 1, 23, 50, tzinfo=UTC)
    events: list[DataEvent] = []
    for seq in range(1, 6_001):
        jitter = rng.choice([0.0, 0.0, rng.uniform(-900, 900), rng.uniform(-90_000, 90_000)])
        ts = base + timedelta(seconds=round(seq * 2.0 + jitter))  # whole s: equal ts too
        events.append(_equity("z", seq, ts, float(seq)))
    cuts = [0, *sorted(rng.sample(range(1, len(events)), 15)), len(events)]
    batches = [events[a:b] for a, b in itertools.pairwise(cuts)]
    rng.shuffle(batches)
    for batch in batches:
        await store.write_events(batch)
    assert await store.count_events("z") == 6_000
    span_s = 6_000 * 2.0
    for _ in range(60):
        a = base + timedelta(seconds=rng.uniform(-100_000, span_s + 100_000))
        b = a + timedelta(seconds=rng.choice([1, 59, 60, 600, 3_600, 90_000, 300_000]))
        if rng.random() < 0.3:
            a = a.replace(second=0, microsecond=0)  # on a minute edge
        await _assert_same_as_full_scan(store, "z", a, b)
    assert await _assert_same_as_full_scan(store, "z", None, None) == 6_000
    t, y = await store.equity_series("z")
    assert bool((np.diff(t) >= 0).all())
    ties = np.diff(t) == 0
    assert ties.any() and bool((np.diff(y)[ties] > 0).all())  # equal ts: by seq


async def test_first_sample_ts(store: Store) -> None:
    assert await history_queries.first_sample_ts(store.pool, "f") is None
    go_live = datetime(2026, 2, 2, 9, 30, 41, 250_000, tzinfo=UTC)
    events = [
        _equity("f", 2, go_live + timedelta(seconds=10), 2.0),
        _equity("f", 3, go_live, 3.0),  # earliest ts, not the lowest seq
        _equity("f", 4, go_live + timedelta(minutes=5), 4.0),
    ]
    await store.write_events(events)
    assert await history_queries.first_sample_ts(store.pool, "f") == go_live


async def test_upgrade_drops_the_index_and_reads_old_data(db_dsn: str) -> None:
    before = max(m.version for m in database.load_migrations() if m.version < 400)
    conn = await asyncpg.connect(db_dsn)
    try:
        await database.migrate(conn, upto=before)
        events = list(synthetic_events("old", 5_000, start=T0, step_s=41.0, fill_every=7))
        await old_data.seed(conn, before, events)
        assert "equity_strategy_ts" in await _indexes(conn, "equity")
    finally:
        await conn.close()
    store = await Store.open(db_dsn)  # applies 0400
    try:
        async with store.pool.acquire() as conn:
            assert await _indexes(conn, "equity") == {"equity_pkey"}
            assert "fills_strategy_ts" in await _indexes(conn, "fills")
            assert "statuses_strategy_ts" in await _indexes(conn, "statuses")
        for start, end in [(None, None), (T0 + timedelta(hours=7), T0 + timedelta(days=1))]:
            assert await _assert_same_as_full_scan(store, "old", start, end) > 100
        assert await history_queries.first_sample_ts(store.pool, "old") == T0
    finally:
        await store.close()


async def _indexes(conn: asyncpg.Connection, table: str) -> set[str]:
    rows = await conn.fetch("SELECT indexname FROM pg_indexes WHERE tablename = $1", table)
    return {r["indexname"] for r in rows}


async def test_in_time_order_is_a_stable_sort_by_time() -> None:
    t = np.array([1.0, 3.0, 2.0, 3.0, 0.5])
    y = np.array([10.0, 11.0, 12.0, 13.0, 14.0])
    st, sy = equity_reads.in_time_order(t, y)
    assert st.tolist() == [0.5, 1.0, 2.0, 3.0, 3.0] and sy.tolist() == [14, 10, 12, 11, 13]
    same = np.array([1.0, 2.0, 2.0])
    assert equity_reads.in_time_order(same, same)[0] is same  # already ordered: no copy


@pytest.fixture
async def big_store(db_dsn: str) -> AsyncIterator[Store]:
    """Two strategies × 150,000 samples 10 s apart (17 days), bulk-loaded with their
    rollups (as the history bench does), then ANALYZEd."""
    conn = await asyncpg.connect(db_dsn)
    try:
        await data.prepare_schema(conn)
        for i, sid in enumerate(("big1", "big2")):
            await data.load_strategy(conn, sid, datetime(2026, 1, 1, tzinfo=UTC), n=150_000,
                                     step_s=10.0, spec=data.PathSpec(), seed=i)  # fmt: skip
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    store = await Store.open(db_dsn)
    try:
        yield store
    finally:
        await store.close()


async def test_reads_are_primary_key_range_scans(big_store: Store) -> None:
    """300,000 rows: every window (an hour, two days and their edges, open-ended, the
    whole strategy) is one range scan of equity's primary key, in seq order (no sort)."""
    day = datetime(2026, 1, 9, tzinfo=UTC)
    windows = [
        (day + timedelta(hours=10, seconds=5), day + timedelta(hours=11, seconds=5)),
        (day - timedelta(minutes=17), day + timedelta(days=2, minutes=3)),
        (day, None),
        (None, None),
    ]
    for start, end in windows:
        plan = await _explain(big_store, equity_reads.RANGE_SQL, "big1", start, end)
        # (equity_segments, empty here, may be read whole: compacted rows, migration 0603.)
        data_scan = [line for line in plan.splitlines() if "on equity e" in line]
        assert len(data_scan) == 1 and "Index Scan using equity_pkey on equity" in data_scan[0]
        assert "Seq Scan on equity e" not in plan and "Sort" not in plan, plan
        await _assert_same_as_full_scan(big_store, "big1", start, end)
    bounds_plan = await _explain(big_store, equity_reads.SEQ_BOUNDS_SQL, "big1", *windows[1])
    # (rollup_1d, 36 rows here, may be read whole; it has one row per strategy and day.)
    assert "Seq Scan on rollup_1m" not in bounds_plan, bounds_plan
    assert bounds_plan.count("Index Scan using rollup_1m_pkey") == 2, bounds_plan
    first_plan = await _explain(big_store, equity_reads.FIRST_SAMPLE_SQL, "big1", day)
    # (ingest_state and rollup_1d, one row per strategy / strategy and day, may be read
    # whole: bars_1m's raw-mode branch, migration 0600; equity_segments is empty here.)
    scans = [line for line in first_plan.splitlines() if "Seq Scan" in line]
    assert all(
        any(t in s for t in ("on ingest_state", "on rollup_1d", "on equity_segments"))
        for s in scans
    ), first_plan
    assert "equity_pkey" in first_plan, first_plan
    go_live = await history_queries.first_sample_ts(big_store.pool, "big2")
    assert go_live == datetime(2026, 1, 1, tzinfo=UTC)


async def _explain(store: Store, query: str, *args: object) -> str:
    rows = await store.pool.fetch("EXPLAIN " + query, *args)
    return "\n".join(r[0] for r in rows)
