"""StoreWriter against a real PostgreSQL: batching, backpressure, flush, bad data."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from rollup_check import assert_rollups_match_raw

from perfdesk.bench.storage import synthetic_events
from perfdesk.domain.events import DataEvent
from perfdesk.services.store.event_writes import Gate
from perfdesk.services.store.spool import Spool
from perfdesk.services.store.store import Store
from perfdesk.services.store.writer import PIPELINE_DEPTH, StoreWriter, _Buffer


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


async def test_flush_cuts_a_partial_batch_instead_of_waiting_for_more(store: Store) -> None:
    writer = StoreWriter(store, batch_size=1000, max_delay_s=60.0)
    writer.start()
    await writer.put_many(list(synthetic_events("w", 10, fill_every=0)))
    await asyncio.sleep(0.05)  # the writer is now gathering a batch (for up to a minute)
    await asyncio.wait_for(writer.flush(), 10)
    assert await store.count_events("w") == 10
    await writer.put_many(list(synthetic_events("w", 15, fill_every=0))[10:])
    await asyncio.wait_for(writer.flush(), 10)  # a second flush: the flag was reset
    assert (writer.stats.written, writer.stats.batches) == (15, 2)
    await writer.aclose()


async def test_rejected_rows_are_dead_lettered_and_the_rest_written(store: Store) -> None:
    await store.pool.execute(
        "ALTER TABLE equity ADD CONSTRAINT small_equity CHECK (equity < 2000000)"
    )
    good = list(synthetic_events("w", 5, fill_every=0))
    bad = dataclasses.replace(good[0], seq=6, equity=5e6)
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


class _Watching:
    """The real Store, noting how many writes are in flight and the order they commit."""

    def __init__(self, store: Store, *, fail_first: int = 0, fail_first_s: float = 0.3) -> None:
        """`fail_first`: how many attempts at the first batch fail, each after
        `fail_first_s` (long enough for the next batch to reach its gate)."""
        self.store, self.fail_first, self.fail_first_s = store, fail_first, fail_first_s
        self.active = self.most = 0
        self.committed: list[int] = []  # first seq of each batch, in commit order
        self.errors: list[str] = []

    async def write_events(self, events: Sequence[DataEvent], gate: Gate | None = None) -> int:
        self.active += 1
        self.most = max(self.most, self.active)
        try:
            if self.fail_first and events[0].seq == 1:
                self.fail_first -= 1
                await asyncio.sleep(self.fail_first_s)
                raise ConnectionResetError("connection lost")
            inserted = await self.store.write_events(events, gate)
        except Exception as exc:
            self.errors.append(type(exc).__name__)
            raise
        finally:
            self.active -= 1
        self.committed.append(events[0].seq)
        return inserted

    async def add_dead_letter(self, raw: str | bytes, reason: str) -> None:
        await self.store.add_dead_letter(raw, reason)


async def test_two_batches_are_in_the_database_at_once_and_commit_in_order(store: Store) -> None:
    watching = _Watching(store)
    writer = StoreWriter(watching, batch_size=250, max_delay_s=0.01)
    await writer.put_many(list(synthetic_events("p", 5000, fill_every=7)))
    writer.start()
    await writer.flush()
    await writer.aclose()
    assert watching.most == PIPELINE_DEPTH == 2
    assert watching.committed == list(range(1, 5001, 250)) and not watching.errors
    assert await store.seqs("p") == list(range(1, 5001))
    assert await store.last_seqs() == {"p": 5000}
    await assert_rollups_match_raw(store)


async def test_a_batch_after_a_failed_one_never_commits_before_it(store: Store) -> None:
    watching = _Watching(store, fail_first=1)
    writer = StoreWriter(watching, batch_size=250, max_delay_s=0.01, retry_initial_s=0.01)
    await writer.put_many(list(synthetic_events("p", 1000, fill_every=0)))
    writer.start()
    # The first batch is failing; the second waits at its gate meanwhile.
    await _until(lambda: watching.errors and watching.active == 2, "both batches in flight")
    assert await store.count_events("p") == 0
    await writer.flush()
    await writer.aclose()
    # no spool: the first batch was retried and stored, then the second passed its gate
    assert watching.errors == ["ConnectionResetError"]
    assert watching.committed == [1, 251, 501, 751]
    assert await store.seqs("p") == list(range(1, 1001))
    assert writer.stats.written == 1000 and writer.stats.db_available
    await assert_rollups_match_raw(store)


async def test_behind_a_spooled_batch_the_next_one_is_spooled_after_it(
    store: Store, tmp_path: Path
) -> None:
    watching = _Watching(store, fail_first=2)  # the pipelined attempt and the retry
    spool = Spool(tmp_path / "spool")
    writer = StoreWriter(watching, spool=spool, batch_size=250, max_delay_s=0.01,
                         retry_initial_s=0.01)  # fmt: skip
    await writer.put_many(list(synthetic_events("p", 1000, fill_every=0)))
    writer.start()
    await writer.flush()
    await writer.aclose()
    spool.close()
    # the first batch failed and was spooled; the second, already COPYed and waiting at
    # its gate, was rolled back and spooled behind it; the spool drained in order
    assert watching.errors == ["ConnectionResetError", "ConnectionResetError", "BatchBehind"]
    assert watching.committed == [1, 251, 501, 751]
    assert await store.seqs("p") == list(range(1, 1001))
    assert writer.stats.written == 1000 and writer.stats.spooled == 0
    await assert_rollups_match_raw(store)


async def test_replays_in_flight_behind_their_originals_are_stored_once(store: Store) -> None:
    events = list(synthetic_events("p", 3000, fill_every=9))
    writer = StoreWriter(store, batch_size=1000, max_delay_s=0.01)
    await writer.put_many(events[:2000])
    await writer.put_many(events[1000:])  # an app restart resuming from the stored seq
    writer.start()
    async with asyncio.timeout(60):
        await writer.flush()
    await writer.aclose()
    assert (writer.stats.written, writer.stats.duplicates) == (3000, 1000)
    assert await store.seqs("p") == list(range(1, 3001))
    await assert_rollups_match_raw(store)


async def _until(condition: Callable[[], object], what: str, limit_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)
