"""StoreWriter against a real PostgreSQL: batching, backpressure, flush, bad data."""

from __future__ import annotations

import asyncio
import random

from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.events import EquityEvent
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
