"""StoreWriter against a real PostgreSQL: batching, backpressure, flush, bad data."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from typing import Any

from rollup_check import assert_rollups_match_raw

from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.events import DataEvent, EquityEvent
from perfdesk.services.store import Store
from perfdesk.services.store_writer import StoreWriter, _Buffer


async def test_everything_put_is_written_once(store: Store) -> None:
    writer = StoreWriter(store, batch_size=100, max_delay_s=0.01)
    writer.start()
    events = list(synthetic_events("w", 1000, fill_every=3))
    await writer.put_many(events)
    await writer.put_many(events[:300])  # a replay
    await writer.flush()
    stats = writer.stats
    assert (stats.written, stats.duplicates, stats.pending) == (1000, 300, 0)
    assert stats.batches >= 10
    await writer.aclose()
    assert await store.seqs("w") == list(range(1, 1001))


async def test_put_waits_when_the_queue_is_full(store: Store) -> None:
    writer = StoreWriter(store, max_pending=10, batch_size=5)
    events = list(synthetic_events("w", 11, fill_every=0))
    await writer.put_many(events[:10])
    blocked = asyncio.ensure_future(writer.put(events[10]))
    await asyncio.sleep(0.05)
    assert not blocked.done()  # backpressure: no writer task yet, the queue is full
    writer.start()
    await blocked
    await writer.flush()
    await writer.aclose()
    assert await store.count_events("w") == 11


async def test_aclose_writes_what_is_queued(store: Store) -> None:
    writer = StoreWriter(store, batch_size=50, max_delay_s=10.0)
    writer.start()
    await writer.put_many(list(synthetic_events("w", 120, fill_every=0)))
    await writer.aclose()
    assert await store.count_events("w") == 120


async def test_rejected_rows_are_dead_lettered_and_the_rest_written(store: Store) -> None:
    await store.pool.execute(
        "ALTER TABLE equity ADD CONSTRAINT small_equity CHECK (equity < 2000000)"
    )
    good = list(synthetic_events("w", 5, fill_every=0))
    bad = EquityEvent.model_validate(good[0].model_dump() | {"seq": 6, "equity": 5e6})
    writer = StoreWriter(store, batch_size=10, max_delay_s=0.01)
    writer.start()
    await writer.put_many([*good, bad])
    await writer.flush()
    await writer.aclose()
    assert (writer.stats.written, writer.stats.dead_lettered) == (5, 1)
    [letter] = await store.dead_letters()
    assert "small_equity" in letter.reason and b'"seq":6' in letter.raw


async def test_buffer_keeps_fifo_order_across_chunks_and_partial_takes() -> None:
    events = list(synthetic_events("b", 1000, fill_every=0))
    rng = random.Random(4)
    buffer = _Buffer(maxsize=10_000)
    i = 0
    while i < len(events):
        n = rng.randint(1, 40)
        await buffer.put_many(events[i : i + n])
        i += n
    taken: list[object] = []
    while len(buffer):
        before = len(buffer)
        batch = buffer.take(rng.randint(1, 60))
        assert len(buffer) == before - len(batch) and batch
        taken += batch
    assert taken == events


async def test_full_batches_are_prepared_when_put_and_written_in_order(store: Store) -> None:
    sizes: list[int] = []
    original = store.prepare

    def spy(events: Sequence[DataEvent]) -> Any:
        sizes.append(len(events))
        return original(events)

    store.prepare = spy  # type: ignore[method-assign]
    writer = StoreWriter(store, batch_size=100, max_delay_s=0.01)
    events = list(synthetic_events("w", 1050, fill_every=3, status_every=97))
    await writer.put_many(events[:520])
    await writer.put_many(events[520:])
    assert sizes == [100] * 10  # sealed by the producer, before any writer ran
    writer.start()
    await writer.flush()
    await writer.aclose()
    assert sizes == [100] * 10 + [50]  # the rest was cut by time, prepared in write_events
    assert writer.stats.written == 1050
    assert await store.seqs("w") == list(range(1, 1051))
    await assert_rollups_match_raw(store)


class _PrepareFails:
    """A store whose `prepare` raises: the batch must still be written, unprepared."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.prepared_writes = 0

    def prepare(self, events: Sequence[DataEvent]) -> Any:
        raise RuntimeError("encoder bug")

    async def write_events(self, events: Sequence[DataEvent], prepared: Any = None) -> int:
        self.prepared_writes += prepared is not None
        return await self.store.write_events(events, prepared)

    async def add_dead_letter(self, raw: str | bytes, reason: str) -> None:
        await self.store.add_dead_letter(raw, reason)


async def test_a_batch_whose_preparation_fails_is_written_unprepared(store: Store) -> None:
    failing = _PrepareFails(store)
    writer = StoreWriter(failing, batch_size=50, max_delay_s=0.01)
    writer.start()
    await writer.put_many(list(synthetic_events("w", 200, fill_every=4)))
    await writer.flush()
    await writer.aclose()
    assert failing.prepared_writes == 0
    assert await store.seqs("w") == list(range(1, 201))
