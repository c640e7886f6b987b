"""Compaction keeps exactly-once (migration 0603): a compacted seq is refused as a
duplicate on every write path, a gap inside a compacted day can still be filled, a
failure midway loses and duplicates nothing, and the collector's task runs it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import numpy as np
import pytest
import segment_data as data

from perfdesk.domain.events import DataEvent, EquityEvent
from perfdesk.services.store import compaction, retention
from perfdesk.services.store.store import Store


async def _compact(store: Store, **kw: object) -> compaction.CompactionResult:
    return await compaction.compact(store.pool, after_days=1, now=data.NOW, **kw)  # type: ignore[arg-type]


def _compacted_replay() -> list[DataEvent]:
    """A stretch of 6 January (compacted): equity samples, fills and statuses."""
    return [e for e in data.sec_events() if 15_000 <= e.seq < 16_000]


async def _gate() -> bool:
    return True


async def test_a_compacted_seq_is_refused_on_every_write_path(store: Store, db_dsn: str) -> None:
    await data.load(store)
    await _compact(store)
    count, seqs = await store.count_events(), await store.seqs("sec")
    series = await store.equity_series("sec")
    replay = _compacted_replay()
    assert await store.write_events(replay) == 0  # locked resume point: staged, probed
    assert await store.write_events(replay, gate=_gate) == 0  # the pipeline's path
    fresh = await Store.open(db_dsn)  # a restarted writer: nothing COPYed yet
    try:
        assert await fresh.write_events(replay, gate=_gate) == 0  # (fills clash at their COPY)
        samples = [e for e in replay if isinstance(e, EquityEvent)]
        assert await fresh.write_events(samples, gate=_gate) == 0  # COPY, the fold refuses
        last = (await fresh.last_seqs())["sec"]
        newer = [
            EquityEvent(strategy_id="sec", seq=last + i, ts=data.NOW, equity=1.0,
                        realized_pnl=0.0, unrealized_pnl=0.0, position_value=0.0)
            for i in (1, 2)
        ]  # fmt: skip
        assert await fresh.write_events([*replay[:50], *newer], gate=_gate) == 2
    finally:
        await fresh.close()
    assert await store.count_events() == count + 2
    assert await store.seqs("sec") == sorted([*seqs, last + 1, last + 2])
    assert await store.pool.fetchval(
        "SELECT count(*) FROM equity WHERE strategy_id = 'sec' AND seq BETWEEN 15000 AND 15999"
    ) == 0  # fmt: skip
    t, y = await store.equity_series("sec", None, data.NOW)
    assert t.tobytes() == series[0].tobytes() and y.tobytes() == series[1].tobytes()


async def test_a_gap_inside_a_compacted_day_can_still_be_filled(store: Store, db_dsn: str) -> None:
    events = await data.load(store, gap=True)
    await _compact(store)
    expected = await _expected_series([*events, data.gap_event()])
    fresh = await Store.open(db_dsn)
    try:  # the fast path's COPY passes, the fold sees a segment overlapping: staged
        assert await fresh.write_events([data.gap_event()], gate=_gate) == 1
        assert await fresh.write_events([data.gap_event()], gate=_gate) == 0
        assert await fresh.write_events([data.gap_event()]) == 0
    finally:
        await fresh.close()
    assert await store.pool.fetchval(
        "SELECT count(*) FROM equity WHERE strategy_id = 'sec' AND seq = $1", data.GAP_SEQ
    ) == 1  # fmt: skip
    t, y = await store.equity_series("sec")  # a raw row among segments: sorted by seq
    assert t.tobytes() == expected[0].tobytes() and y.tobytes() == expected[1].tobytes()


async def _expected_series(events: list[DataEvent]) -> tuple[np.ndarray, np.ndarray]:
    """(epoch s, equity) of `sec`'s samples in (ts, seq) order, as the store returns them."""
    rows = sorted((e.ts, e.seq, e.equity) for e in events
                  if isinstance(e, EquityEvent) and e.strategy_id == "sec")  # fmt: skip
    t = np.array([(ts - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() for ts, _, _ in rows])
    return t, np.array([v for _, _, v in rows])


async def test_a_failure_midway_loses_and_duplicates_nothing(store: Store, tmp_path: Path) -> None:
    await data.load(store)
    before = await data.every_read(store, tmp_path / "before")
    await store.pool.execute("""
        CREATE SEQUENCE boom_calls;
        CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF nextval('boom_calls') = 3 THEN RAISE EXCEPTION 'simulated crash'; END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER boom AFTER INSERT ON equity_segments
            FOR EACH STATEMENT EXECUTE FUNCTION boom();""")  # fmt: skip
    with contextlib.suppress(asyncpg.RaiseError):
        await _compact(store)
        raise AssertionError("the third strategy-day should have failed")
    marks = await store.pool.fetchval("SELECT count(*) FROM compaction_marks")
    assert marks == 2  # (the two strategies' first days; the third rolled back)
    assert await data.every_read(store, tmp_path / "midway") == before
    await store.pool.execute("DROP TRIGGER boom ON equity_segments")
    rest = await _compact(store)
    assert rest.strategy_days == 5 and rest.done
    assert await data.every_read(store, tmp_path / "after") == before


async def test_compaction_waits_for_the_maintenance_lock(store: Store) -> None:
    """Another session (retention, or another collector's compaction) holds it: no-op."""
    await data.load(store)
    async with store.pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", compaction.MAINTENANCE_LOCK_KEY)
        try:
            assert (await _compact(store)).strategy_days == 0
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", compaction.MAINTENANCE_LOCK_KEY)
    assert (await _compact(store)).strategy_days > 0


async def test_the_collectors_storage_task_compacts(store: Store) -> None:
    """retention.run_periodically (the collector's task) compacts after retention."""
    await data.load(store)  # (January 2026: older than a day whenever this runs)
    task = asyncio.create_task(retention.run_periodically(store.pool, 3600, compact_after_days=1))
    try:
        for _ in range(600):
            if await store.pool.fetchval("SELECT count(*) FROM compaction_marks") == 2:
                break
            await asyncio.sleep(0.05)
        assert await store.pool.fetchval("SELECT count(*) FROM compaction_marks") == 2
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_the_retention_command_compacts(
    store: Store, db_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from perfdesk import cli

    await data.load(store)
    count = await store.count_events()

    def run(*argv: str) -> int:
        return cli.main(["retention", *argv, "--dsn", db_dsn])

    assert await asyncio.to_thread(run, "--compact", "0") == 2  # a bad value, nothing done
    assert "after_days must be a whole number of days" in capsys.readouterr().err
    assert await asyncio.to_thread(run, "--compact", "2") == 0
    shown = json.loads(capsys.readouterr().out)["compacted"]
    assert shown["strategy_days"] == 9 and shown["rows"] > 0 and shown["done"]
    assert await store.pool.fetchval("SELECT count(*) FROM equity") == 0
    assert await store.count_events() == count
