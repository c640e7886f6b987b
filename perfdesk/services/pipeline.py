"""Pipeline: the engine client's handler, fanning each event to the monitor and the writer.

The engine client delivers each (strategy_id, seq) at most once per process (it drops
replayed duplicates), and the store is idempotent on it across restarts.
"""

from __future__ import annotations

import logging

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
        self._monitor.on_event(event)
        await self._writer.put(event)

    async def on_dead_letter(self, raw: str | bytes, reason: str) -> None:
        log.warning("dead-lettered a frame: %s", reason)
        await self._store.add_dead_letter(raw, reason)

    def on_state(self, state: FeedState) -> None:
        self._monitor.set_feed(state)
