"""Compaction (migration 0603): every read answers the same before and after, bit for bit;
the segments hold what the rows held, in far fewer bytes; retention drops them by day."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import numpy as np
import segment_data as data

from perfdesk.domain.events import EquityEvent
from perfdesk.services.store import backfill, compaction, retention
from perfdesk.services.store.store import Store


async def _compact(store: Store, **kw: object) -> compaction.CompactionResult:
    return await compaction.compact(store.pool, after_days=1, now=data.NOW, **kw)  # type: ignore[arg-type]


async def test_every_read_is_the_same_after_compaction(store: Store, tmp_path: Path) -> None:
    await data.load(store)
    before = await data.every_read(store, tmp_path / "before")
    raw_before = await store.pool.fetchval("SELECT count(*) FROM equity")

    first = await _compact(store, segment_rows=1_000)

    # every strategy-day before 8 January (sec's first sample is jittered into the 4th),
    # in segments of at most 1,000 rows
    due = await store.pool.fetchval(
        "SELECT count(*) FROM rollup_1d WHERE bucket < $1", data.START + timedelta(days=3)
    )
    assert first.strategy_days == due == 7 and first.done
    raw_after = await store.pool.fetchval("SELECT count(*) FROM equity")
    assert first.rows == raw_before - raw_after > 0
    sizes = await store.pool.fetch("SELECT strategy_id, n, min_ts, max_ts FROM equity_segments")
    assert first.segments == len(sizes) and max(r["n"] for r in sizes) == 1_000
    assert sum(r["n"] for r in sizes) == first.rows
    assert all(r["max_ts"] < data.START + timedelta(days=3) for r in sizes)
    after = await data.every_read(store, tmp_path / "after")
    assert after.keys() == before.keys()
    for key in before:
        assert after[key] == before[key], key
    # rerunning is a no-op
    again = await _compact(store, segment_rows=1_000)
    assert (again.rows, again.segments, again.strategy_days) == (0, 0, 0)
    assert await data.every_read(store, tmp_path / "again") == before


async def test_segments_round_trip_every_value_exactly(store: Store) -> None:
    await data.load(store)
    columns = "seq, ts, equity, realized_pnl, unrealized_pnl, position_value"
    rows_sql = f"SELECT {columns} FROM equity WHERE strategy_id = 'sec' ORDER BY seq"
    rows = [tuple(r) for r in await store.pool.fetch(rows_sql)]
    await _compact(store)
    decoded = await store.pool.fetch(
        f"SELECT {columns} FROM equity_rows('sec', 0, 1e9::bigint) ORDER BY seq"
    )
    assert [tuple(r) for r in decoded] == rows
    as_bits = await store.pool.fetch(
        "SELECT float8send(equity) || float8send(unrealized_pnl) AS b"
        " FROM equity_rows('sec', 0, 1e9::bigint) ORDER BY seq"
    )
    raw_bits = np.array([(r[2], r[4]) for r in rows], dtype=">f8").tobytes()
    assert b"".join(r["b"] for r in as_bits) == raw_bits


async def test_segments_take_far_fewer_bytes_than_rows(store: Store) -> None:
    """The table sizes: compacted rows cost well under the 80 bytes issue 21 asks for."""
    await data.load(store)
    await store.pool.execute("VACUUM equity")
    rows = await store.pool.fetchval("SELECT count(*) FROM equity")
    raw = await store.pool.fetchval("SELECT pg_total_relation_size('equity')")
    await _compact(store)
    moved = rows - await store.pool.fetchval("SELECT count(*) FROM equity")
    segments = await store.pool.fetchval("SELECT pg_total_relation_size('equity_segments')")
    assert raw / rows > 100  # heap tuple + primary key
    assert segments / moved < 45, segments / moved  # 4 float8 + a compressed seq/ts share


async def test_retention_drops_whole_segments_by_day(store: Store, tmp_path: Path) -> None:
    await data.load(store)
    cut = data.START + timedelta(days=2)
    before = {sid: await store.equity_series(sid, cut) for sid in ("sec", "min")}
    old_day = (data.START + timedelta(days=1), cut)
    minute_bars = await store.rollups("min", "1m", *old_day)  # raw mode: its rows
    await _compact(store)
    setting = retention.Retention(raw_days=2, minute_bar_days=3)
    result = await retention.apply_retention(store.pool, setting, now=data.NOW)
    # 5 and 6 January are gone (7 January is kept, compacted): segments whole, raw rows
    # (fills, statuses) by day
    assert result.raw_rows > 0
    left = await store.pool.fetchval("SELECT min(min_ts) FROM equity_segments")
    assert left >= cut
    for sid, (t, y) in before.items():
        t2, y2 = await store.equity_series(sid)
        assert t2.tobytes() == t.tobytes() and y2.tobytes() == y.tobytes()
    t_old, _ = await store.equity_series("sec", None, cut)
    assert len(t_old) == 0
    # the raw-mode strategy's bars of 6 January outlive its segments (minute_bar_days 3)
    kept = await store.rollups("min", "1m", *old_day)
    assert len(kept) == len(minute_bars) == 1_440
    for name in ("open", "close", "samples", "fills", "fees"):
        assert kept[name].tobytes() == minute_bars[name].tobytes(), name


async def test_a_raw_mode_strategy_switching_to_bars_counts_its_compacted_rows(
    store: Store,
) -> None:
    """A once-a-minute strategy keeps no minute bars (migration 0600); when a minute gets
    two samples its bars are built from all its raw rows — the compacted ones too."""
    await data.load(store)
    bars_before = await store.rollups("min", "1m")
    await _compact(store)
    last = (await store.last_seqs())["min"]
    newest = [e for e in data.min_events() if isinstance(e, EquityEvent)][-1]
    extra = dataclasses.replace(newest, seq=last + 1, ts=newest.ts + timedelta(seconds=30))
    assert await store.write_events([extra]) == 1
    raw_mode = await store.pool.fetchval(
        "SELECT NOT minute_bars FROM ingest_state WHERE strategy_id = 'min'"
    )
    assert raw_mode is False
    stored = await store.pool.fetchval("SELECT count(*) FROM rollup_1m WHERE strategy_id = 'min'")
    assert stored == len(bars_before)  # every minute, compacted days included
    bars_after = await store.rollups("min", "1m")
    n = len(bars_before) - 2  # (the last equity minute now holds the extra sample)
    assert bars_after.bucket[:n].tobytes() == bars_before.bucket[:n].tobytes()
    for field in ("open", "close", "samples", "fills", "fees"):
        assert bars_after[field][:n].tobytes() == bars_before[field][:n].tobytes(), field


async def test_history_imported_before_compacted_days_is_compacted_too(store: Store) -> None:
    """`perfdesk import` puts history before the stored data (seqs below): compaction,
    already past those days, goes back for them."""
    await data.load(store)
    await _compact(store)
    day_us = 86_400 * 10**6
    first_us = int((data.START - timedelta(days=3)).timestamp()) * 10**6
    ts_us = first_us + np.arange(0, 2 * day_us, 60 * 10**6, dtype=np.int64)
    values = 1e6 + np.arange(len(ts_us), dtype=np.float64)
    history = backfill.History(ts_us, values, values * 0, values * 0, values * 0)
    imported = await backfill.import_history(store, "sec", history)
    assert imported.equity_rows == 2_880
    count = await store.count_events("sec")
    again = await _compact(store)
    assert (again.rows, again.segments) == (2_880, 2)  # (the compacted days: revisited, empty)
    assert await store.count_events("sec") == count
    t, y = await store.equity_series("sec", None, data.START - timedelta(days=1))
    assert t.tobytes() == (ts_us / 1e6).tobytes() and y.tobytes() == values.tobytes()
