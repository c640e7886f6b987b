"""Pipeline: the engine source's sink, fanning each event to the monitor and the writer.

The engine source delivers each (strategy_id, seq) at most once per process (it drops
replayed duplicates), and the store is idempotent on it across restarts. Every message's
fresh events arrive through `on_events` (the monitor gets the whole list in one
`on_events`, the writer in one `put_many`). A monitor that fails on an event never
costs its storage: the event is still queued for the database and the error is raised
afterwards (the source logs and counts it).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Sequence

from perfdesk.domain.events import DataEvent, StrategyInfo
from perfdesk.domain.status import FeedState
from perfdesk.services.live.monitor import LiveMonitor
from perfdesk.services.store.store import Store
from perfdesk.services.store.writer import StoreWriter

log = logging.getLogger(__name__)

GC_THRESHOLDS = (20_000, 20, 20)
"""Generation-0 threshold 20,000 allocations instead of 700: each validated event
allocates a few tracked objects (the event and the lists that carry it) that wait in the
writer's buffer long enough to be promoted, so with the default thresholds the
collector ran full passes over the whole heap every few ten thousand events (measured
3-5 us of CPU per event, a third of the ingest process). A generation-0 pass over
20,000 young objects takes about a millisecond."""


def tune_gc_for_ingest() -> None:
    """The garbage-collector policy for a process that ingests the live stream (the
    collector, the app, the benchmarks): freeze the start-up heap (later full passes do
    not walk it) and raise the thresholds to GC_THRESHOLDS. Call once after start-up."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class Pipeline:
    def __init__(self, monitor: LiveMonitor, writer: StoreWriter, store: Store) -> None:
        self._monitor = monitor
        self._writer = writer
        self._store = store

    async def on_strategy(self, info: StrategyInfo) -> None:
        self._monitor.on_strategy(info)
        await self._store.upsert_strategy(info)

    async def on_events(self, events: Sequence[DataEvent]) -> None:
        """One message's fresh events (seq order per strategy): monitor each, store all."""
        failed: Exception | None = None
        try:
            self._monitor.on_events(events)  # feeds every event even if one fails
        except Exception as exc:  # noqa: BLE001 (raised once the writer has the batch)
            failed = exc
        await self._writer.put_many(events)
        if failed is not None:
            raise failed

    async def on_dead_letter(self, raw: str | bytes, reason: str) -> None:
        log.warning("dead-lettered a frame: %s", reason)
        await self._store.add_dead_letter(raw, reason)

    def on_state(self, state: FeedState) -> None:
        self._monitor.set_feed(state)
