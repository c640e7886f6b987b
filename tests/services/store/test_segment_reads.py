"""A raw-mode strategy's 1-minute closes decoded client-side (store/segment_reads.py) equal
`bars_1m()` read in SQL, value for value, in every form its rows can take: raw rows,
compacted segments, a late raw row among compacted days, and the bars retention keeps
after dropping the rows (real PostgreSQL, the real write path)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import numpy as np
import segment_data as data

from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.events import EquityEvent
from perfdesk.services.history import queries as history_queries
from perfdesk.services.store import compaction, retention
from perfdesk.services.store.segment_reads import raw_minute_closes
from perfdesk.services.store.store import Store

REFERENCE_SQL = """
SELECT extract(epoch FROM bucket)::float8 AS t, close FROM bars_1m($1::text, $2, $3)
WHERE close IS NOT NULL ORDER BY bucket"""

LATE_SEQ = 2_001
"""A `min` equity seq of 6 January held back until its day is compacted."""


def _windows() -> list[tuple[datetime, datetime]]:
    day = data.START + timedelta(days=1)
    return [
        (data.START - timedelta(days=30), data.START + timedelta(days=30)),
        (day + timedelta(hours=3, seconds=7), day + timedelta(hours=5, minutes=1, seconds=59)),
        (day - timedelta(minutes=3, microseconds=1), day + timedelta(days=2, minutes=17)),
        (data.START + timedelta(days=2, hours=23), data.START + timedelta(days=5)),
        (day + timedelta(seconds=59), day + timedelta(minutes=1)),  # inside one minute: none
        (data.START - timedelta(days=3), data.START),  # before any data
    ]


async def _assert_equal_to_sql(store: Store, sid: str, *, raw: bool = True) -> int:
    """bar_closes (and raw_minute_closes) == bars_1m in SQL in every window; total closes."""
    total = 0
    for start, end in _windows():
        want = await store.pool.fetch(REFERENCE_SQL, sid, start, end)
        t, close = await history_queries.bar_closes(store.pool, "1m", sid, start, end)
        assert t.tolist() == [r["t"] + 60 for r in want], (sid, start, end)
        assert close.tobytes() == np.array([r["close"] for r in want]).tobytes()
        if raw:
            starts, closes = await raw_minute_closes(store.pool, sid, start, end)
            assert (starts + 60).tobytes() == t.tobytes() and closes.tobytes() == close.tobytes()
        total += len(want)
    return total


async def _raw_mode(store: Store, sid: str) -> bool:
    sql = "SELECT NOT minute_bars FROM ingest_state WHERE strategy_id = $1"
    return bool(await store.pool.fetchval(sql, sid))


async def test_closes_equal_bars_1m_in_every_form(store: Store) -> None:
    events = data.sec_events() + [e for e in data.min_events() if e.seq != LATE_SEQ]
    for i in range(0, len(events), 5_000):
        await store.write_events(events[i : i + 5_000])
    assert await _raw_mode(store, "min")  # its rows are its bars

    counts = [await _assert_equal_to_sql(store, "min")]  # raw rows only
    done = await compaction.compact(store.pool, after_days=1, now=data.NOW)
    assert done.segments > 0
    counts.append(await _assert_equal_to_sql(store, "min"))  # segments + the last day raw

    setting = retention.Retention(raw_days=2, minute_bar_days=3)
    await retention.apply_retention(store.pool, setting, now=data.NOW)
    stored = await store.pool.fetchval("SELECT count(*) FROM rollup_1m WHERE strategy_id = 'min'")
    assert stored > 0 and await _raw_mode(store, "min")  # bars kept for the dropped rows
    counts.append(await _assert_equal_to_sql(store, "min"))
    assert counts[0] > 0 and counts[1] == counts[0]

    # a late sample (a replayed gap) switches the strategy to stored bars, built from
    # its rows in both forms; the closes are read from those bars now
    late = next(e for e in data.min_events() if e.seq == LATE_SEQ)
    assert await store.write_events([late]) == 1
    assert not await _raw_mode(store, "min")
    switched = await _assert_equal_to_sql(store, "min", raw=False)
    assert switched > counts[2]  # the late minute, in each window that holds it
    # a read that raced the switch (mode read as raw, then the new bars and the rows
    # they were built from): still one close per minute, the stored bar's
    assert await _assert_equal_to_sql(store, "min", raw=True) == switched
    assert await _assert_equal_to_sql(store, "sec", raw=False) > 0  # stored bars: packed read


async def test_no_data_and_unknown_strategy_read_empty(store: Store) -> None:
    t, close = await raw_minute_closes(store.pool, "nobody", data.START, data.NOW)
    assert t.size == close.size == 0
    t, close = await history_queries.bar_closes(store.pool, "1m", "nobody", data.START, data.NOW)
    assert t.size == close.size == 0


async def test_irregular_sampling_decodes_exactly(store: Store) -> None:
    """Samples at µs-jittered moments of their minute and a 3-hour hole: the segments'
    step and residuals (non-zero here) rebuild every timestamp, so every minute and
    close equals bars_1m's, across segment and day boundaries."""
    rng = np.random.default_rng(11)
    events = []
    for ev in synthetic_events("jit", 3 * 1_440, start=data.START, step_s=60.0, fill_every=0):
        assert isinstance(ev, EquityEvent)
        offset = timedelta(microseconds=int(rng.integers(0, 60_000_000)))
        hole = timedelta(hours=3) if ev.seq > 1_500 else timedelta(0)
        events.append(dataclasses.replace(ev, ts=ev.ts + offset + hole))
    for i in range(0, len(events), 1_000):
        await store.write_events(events[i : i + 1_000])
    assert await _raw_mode(store, "jit")
    done = await compaction.compact(store.pool, after_days=1, now=data.NOW, segment_rows=500)
    assert done.segments > 6  # several segments a day
    residuals = await store.pool.fetchval(
        "SELECT count(*) FILTER (WHERE r <> 0) FROM equity_segments, unnest(ts_res_us) r"
        " WHERE strategy_id = 'jit'"
    )
    assert residuals > 1_000
    assert await _assert_equal_to_sql(store, "jit") > 0
