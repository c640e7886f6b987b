"""Pipeline (the engine client's handler) with a real LiveMonitor, StoreWriter and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from perfdesk.bench._harness import wait_until
from perfdesk.bench.storage import interleaved
from perfdesk.domain.events import DataEvent
from perfdesk.services.engine.backoff import Backoff
from perfdesk.services.engine.source import SubsetSink
from perfdesk.services.engine.ws_client import EngineClient
from perfdesk.services.live.monitor import LiveMonitor
from perfdesk.services.live.pipeline import Pipeline
from perfdesk.services.store.store import Store
from perfdesk.services.store.writer import StoreWriter
from perfdesk.sim import Simulator


class CountingPipeline(Pipeline):
    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.batches = 0
        self.batched_events = 0

    async def on_events(self, events: Sequence[DataEvent]) -> None:
        self.batches += 1
        self.batched_events += len(events)
        await super().on_events(events)


async def test_batch_frames_reach_monitor_and_database_through_on_events(store: Store) -> None:
    sim = Simulator(strategies=3, seed=21, rate=2000.0, speedup=1440.0 * 200)
    url = await sim.start()
    monitor = LiveMonitor()
    writer = StoreWriter(store)
    writer.start()
    pipeline = CountingPipeline(monitor, writer, store)
    client = EngineClient(url, pipeline, batch=256, backoff=Backoff(base_s=0.01, cap_s=0.05))
    task = asyncio.create_task(client.run())
    try:
        await sim.wait_produced(3000)
        sim.pause()
        await wait_until(lambda: client.stats.events >= sim.total_sent, 120, "every event")
        await writer.flush()
    finally:
        await client.stop()
        await task
        await writer.aclose()
        await sim.stop()
    assert pipeline.batches > 0 and pipeline.batched_events > 0
    snapshots = monitor.snapshots()
    for sid in sim.strategy_ids:
        assert await store.seqs(sid) == list(range(1, sim.last_seq(sid) + 1)), sid
        assert snapshots[sid].events == sim.events(sid), sid
    assert writer.stats.written == sim.total_sent


class FailingMonitor(LiveMonitor):
    """Fails on seq 5 after feeding the rest (as LiveMonitor does with a bad event)."""

    def on_events(self, events: Sequence[DataEvent]) -> None:
        super().on_events([e for e in events if e.seq != 5])
        if any(e.seq == 5 for e in events):
            raise RuntimeError("monitor bug")


async def test_a_failing_monitor_never_costs_storage(store: Store) -> None:
    events = list(interleaved(dict.fromkeys(["a", "b"], 0), 10, fill_every=3))
    monitor = FailingMonitor()
    writer = StoreWriter(store)
    writer.start()
    pipeline = Pipeline(monitor, writer, store)
    with pytest.raises(RuntimeError, match="monitor bug"):
        await pipeline.on_events(events)
    with pytest.raises(RuntimeError, match="monitor bug"):
        await pipeline.on_events([next(interleaved({"c": 4}, 5))])
    await writer.flush()
    await writer.aclose()
    assert await store.seqs("a") == await store.seqs("b") == list(range(1, 11))
    assert await store.seqs("c") == [5]
    assert monitor.snapshots()["a"].events == 9  # all but seq 5


async def test_a_subset_source_sends_one_batch_of_its_strategies(store: Store) -> None:
    """The strategy subset is filtered once, at the source: the pipeline still gets one
    `on_events` (one writer `put_many`) per message, of the subset's events only."""
    writer = CountingWriter(store)
    writer.start()
    sink = SubsetSink(Pipeline(LiveMonitor(), writer, store), frozenset({"a"}))
    await sink.on_events(list(interleaved(dict.fromkeys(["a", "b"], 0), 20)))
    await sink.on_events(list(interleaved({"b": 20}, 5)))  # nothing of ours: no call
    await writer.flush()
    await writer.aclose()
    assert writer.calls == {"put": 0, "put_many": 1}
    assert await store.seqs("a") == list(range(1, 21))
    assert await store.seqs("b") == []


class CountingWriter(StoreWriter):
    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.calls = {"put": 0, "put_many": 0}

    async def put(self, event: DataEvent) -> None:
        self.calls["put"] += 1
        await super().put(event)

    async def put_many(self, events: Sequence[DataEvent]) -> None:
        self.calls["put_many"] += 1
        await super().put_many(events)
