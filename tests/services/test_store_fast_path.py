"""The live-stream fast path of Store.write_events (numpy binary COPY + bars from the batch)
against a real PostgreSQL: exact rows, exact rollups, and the fall-backs."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import asyncpg
import pytest
from rollup_check import assert_rollups_match_raw

from perfdesk.bench.storage import interleaved, synthetic_events
from perfdesk.domain.events import DATA_EVENT, DataEvent, EquityEvent, parse_frame, unchecked
from perfdesk.services.store import encode as store_encode
from perfdesk.services.store.event_writes import BatchBehind
from perfdesk.services.store.store import Store


def _count_fast_path(store: Store) -> dict[str, int]:
    """Count the calls and the fall-backs of the fast path on this store instance."""
    calls = {"fast": 0, "fell_back": 0}
    original = store._copy_fast

    async def spy(conn: Any, batch: Any) -> None:
        calls["fast"] += 1
        try:
            return await original(conn, batch)
        except asyncpg.UniqueViolationError:
            calls["fell_back"] += 1
            raise

    store._copy_fast = spy  # type: ignore[method-assign]
    return calls


async def test_live_batches_take_the_fast_path_and_rollups_equal_raw(store: Store) -> None:
    # ids of different byte lengths (one COPY row layout per length), fills and statuses
    starts = dict.fromkeys(["a", "bb2", "strategy-ccc"], 0)
    events = list(interleaved(starts, 3000, step_s=7.3, fill_every=3, status_every=41))
    calls = _count_fast_path(store)
    rng = random.Random(5)
    i = 0
    while i < len(events):  # in order, batch sizes that split minutes between batches
        n = rng.randint(1, 400)
        assert await store.write_events(events[i : i + n]) == len(events[i : i + n])
        i += n
    assert calls["fast"] > 10 and calls["fell_back"] == 0
    await assert_rollups_match_raw(store)
    assert await store.last_seqs() == dict.fromkeys(starts, 3000)
    counts = await store.pool.fetch("SELECT strategy_id, events FROM ingest_state")
    assert {r["strategy_id"]: r["events"] for r in counts} == dict.fromkeys(starts, 3000)
    for sid in starts:
        assert await store.seqs(sid) == list(range(1, 3001))


async def test_fast_path_stores_every_value_exactly(store: Store) -> None:
    # crosses 2000-01-01 (PostgreSQL's epoch: negative microseconds, minute floor)
    start = datetime(1999, 12, 31, 23, 58, 59, 999_999, tzinfo=UTC)
    events = list(synthetic_events("edge", 500, start=start, step_s=0.7000013, fill_every=7))
    events += list(synthetic_events("x" * 64, 50, step_s=86_400.123457, fill_every=0))
    calls = _count_fast_path(store)
    assert await store.write_events(events) == 550
    assert calls == {"fast": 1, "fell_back": 0}
    rows = await store.pool.fetch(
        "SELECT strategy_id, seq, ts, equity, realized_pnl, unrealized_pnl, position_value"
        " FROM equity ORDER BY strategy_id, seq"
    )
    want = sorted(
        (e for e in events if isinstance(e, EquityEvent)), key=lambda e: (e.strategy_id, e.seq)
    )
    assert [tuple(r) for r in rows] == [
        (e.strategy_id, e.seq, e.ts, e.equity, e.realized_pnl, e.unrealized_pnl,
         e.position_value)
        for e in want
    ]  # fmt: skip
    await assert_rollups_match_raw(store)


async def test_resume_point_behind_the_table_falls_back_without_doubling(store: Store) -> None:
    batch: list[DataEvent] = list(synthetic_events("s1", 300, fill_every=4, status_every=50))
    assert await store.write_events(batch) == 300
    await store.pool.execute("DELETE FROM ingest_state")  # as if the resume row were lost
    calls = _count_fast_path(store)
    assert await store.write_events(batch) == 0
    assert calls == {"fast": 1, "fell_back": 1}
    assert await store.seqs("s1") == list(range(1, 301))
    await assert_rollups_match_raw(store)


@pytest.mark.parametrize("case", ["repeats", "replay"])
async def test_batches_that_are_not_pure_live_stream_take_the_general_path(
    store: Store, case: str
) -> None:
    events = list(synthetic_events("s1", 400, step_s=13, fill_every=3))
    assert await store.write_events(events[:200]) == 200
    calls = _count_fast_path(store)
    tail = events[200:]
    batch = tail + tail[:50] if case == "repeats" else events[150:]
    assert await store.write_events(batch) == 200
    assert calls["fast"] == 0
    assert await store.seqs("s1") == list(range(1, 401))
    await assert_rollups_match_raw(store)


async def test_timestamps_of_every_tzinfo_are_stored_exactly(store: Store) -> None:
    wire = [parse_frame(DATA_EVENT.dump_json(e)) for e in synthetic_events("w", 30, step_s=0.37)]
    assert wire[0].ts.tzinfo is not UTC  # pydantic's TzInfo(0): the fields are read directly
    plus2 = timezone(timedelta(hours=2))  # not validated: the exact (slow) conversion
    other = [
        unchecked(EquityEvent, **{**dataclasses.asdict(e), "ts": e.ts.astimezone(plus2)})
        for e in synthetic_events("o", 30, step_s=0.37, fill_every=0)
    ]
    assert await store.write_events(wire + other) == 60
    rows = await store.pool.fetch("SELECT strategy_id, seq, ts FROM equity")
    stored = {(r["strategy_id"], r["seq"]): r["ts"] for r in rows}
    for e in wire + other:
        if isinstance(e, EquityEvent):
            assert stored[(e.strategy_id, e.seq)] == e.ts


async def test_gated_fast_path_copies_before_the_gate_and_commits_after_it(store: Store) -> None:
    events = list(synthetic_events("g", 600, fill_every=5, status_every=97))
    calls = _count_fast_path(store)
    seen_at_gate: list[int] = []

    async def gate() -> bool:  # the batch's rows are COPYed, not yet visible to others
        seen_at_gate.append(await store.count_events("g"))
        return True

    assert await store.write_events(events[:300], gate) == 300
    assert await store.write_events(events[300:], gate) == 300
    assert seen_at_gate == [0, 300] and calls == {"fast": 2, "fell_back": 0}
    assert await store.last_seqs() == {"g": 600}
    await assert_rollups_match_raw(store)


async def test_a_closed_gate_stores_nothing(store: Store) -> None:
    events = list(synthetic_events("g", 300, fill_every=5))
    assert await store.write_events(events[:100]) == 100

    async def closed() -> bool:
        return False

    with pytest.raises(BatchBehind):
        await store.write_events(events[100:], closed)
    with pytest.raises(BatchBehind):  # the general path (in-batch repeats) checks it first
        await store.write_events(events[100:] + events[100:110], closed)
    assert await store.seqs("g") == list(range(1, 101))
    assert await store.last_seqs() == {"g": 100}
    await assert_rollups_match_raw(store)


async def test_gated_fast_path_meeting_stored_rows_stages_the_batch(store: Store) -> None:
    events = list(synthetic_events("g", 300, fill_every=4))
    assert await store.write_events(events[:200]) == 200
    calls = _count_fast_path(store)
    opened = 0

    async def gate() -> bool:
        nonlocal opened
        opened += 1
        return True

    assert await store.write_events(events[150:], gate) == 100  # a replay, no resume check
    assert calls == {"fast": 1, "fell_back": 1} and opened == 1
    assert await store.seqs("g") == list(range(1, 301))
    await assert_rollups_match_raw(store)


async def test_a_gated_replay_passes_the_gate_before_its_copy(store: Store) -> None:
    events = list(synthetic_events("g", 400, fill_every=0))
    order: list[str] = []
    original = store._copy_fast

    async def copy(conn: Any, batch: Any) -> None:
        order.append("copy")
        await original(conn, batch)

    async def gate() -> bool:
        order.append("gate")
        return True

    store._copy_fast = copy  # type: ignore[method-assign]
    assert await store.write_events(events[:300], gate) == 300
    assert order == ["copy", "gate"]  # seqs above every batch before: COPY first
    order.clear()
    # seqs 201..300 may still be uncommitted in the batch before: wait for it first
    assert await store.write_events(events[200:], gate) == 100
    assert order[:2] == ["gate", "copy"]
    assert await store.seqs("g") == list(range(1, 401))
    await assert_rollups_match_raw(store)


def test_microseconds_since_2000_are_exact_in_any_order_of_zones() -> None:
    """Each zero-offset zone gets its own epoch; other zones are exact too."""
    wire = [DATA_EVENT.validate_json(DATA_EVENT.dump_json(e)).ts for e in synthetic_events("w", 9)]
    assert wire[0].tzinfo is not UTC  # pydantic's TzInfo(0); the fast batch path gives UTC
    fast = [t.replace(tzinfo=UTC) for t in wire]
    plus2 = timezone(timedelta(hours=2))
    early = datetime(1999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    for stamps in (
        [*wire, early.astimezone(plus2)],
        [early.astimezone(plus2), *wire],
        [*fast[:4], *wire, *fast[4:]],
        [*wire, *fast, early.astimezone(plus2)],
    ):
        expected = [(t - store_encode.PG_EPOCH) // timedelta(microseconds=1) for t in stamps]
        assert store_encode._pg_microseconds(stamps).tolist() == expected
    assert store_encode._pg_microseconds([early]).tolist() == [-1]


async def test_warming_the_write_path_stores_nothing_and_opens_the_connections(
    store: Store,
) -> None:
    """An empty batch's COPY and fold on each connection, rolled back: no rows, no
    rollups, no resume point; the pipeline's connections are open afterwards."""
    await store.warm_writes(2)
    assert store.pool.get_size() >= 2
    assert await store.count_events() == 0
    async with store.pool.acquire() as conn:
        for table in ("ingest_state", "rollup_1m", "rollup_1d"):
            assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    events = list(synthetic_events("w", 500, fill_every=9))
    assert await store.write_events(events) == 500
    await assert_rollups_match_raw(store)
