"""Pipeline: the engine client's handler, fanning each event to the monitor and the writer.

The engine client delivers each (strategy_id, seq) at most once per process (it drops
replayed duplicates), and the store is idempotent on it across restarts. Batch frames
arrive through `on_events` (the monitor sees each event, the writer gets the whole list
in one `put_many`). A monitor that fails on an event never costs its storage: the event
is still queued for the database and the error is raised afterwards (the client logs
and counts it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from perfdesk.domain.events import DataEvent, StrategyInfo
from perfdesk.domain.status import FeedState
from perfdesk.services.monitor import LiveMonitor
from perfdesk.services.store import Store
from perfdesk.services.store_writer import StoreWriter

log = logging.getLogger(__name__)


class Pipeline:
    def __init__(self, monitor: LiveMonitor, writer: StoreWriter, store: Store) -> None:
        self._monitor = monitor
        self._writer = writer
        self._store = store

    async def on_strategy(self, info: StrategyInfo) -> None:
        self._monitor.on_strategy(info)
        await self._store.upsert_strategy(info)

    async def on_event(self, event: DataEvent) -> None:
        try:
            self._monitor.on_event(event)
        finally:
            await self._writer.put(event)

    async def on_events(self, events: Sequence[DataEvent]) -> None:
        """A batch frame's fresh events (seq order per strategy): monitor each, store all."""
        cls = type(self)
        if cls.on_event is not Pipeline.on_event and cls.on_events is Pipeline.on_events:
            for event in events:  # a subclass that decides per event (e.g. a subset)
                await self.on_event(event)
            return
        failed: Exception | None = None
        on_event = self._monitor.on_event
        for event in events:
            try:
                on_event(event)
            except Exception as exc:  # noqa: BLE001 (raised once the writer has the batch)
                failed = failed or exc
        await self._writer.put_many(events)
        if failed is not None:
            raise failed

    async def on_dead_letter(self, raw: str | bytes, reason: str) -> None:
        log.warning("dead-lettered a frame: %s", reason)
        await self._store.add_dead_letter(raw, reason)

    def on_state(self, state: FeedState) -> None:
        self._monitor.set_feed(state)
