"""VerdictWriter: verdict changes stored in order, kept while the database is away.

The validator only queues (it never waits on the database, so an outage cannot stall
judging); this writer's task stores the queue in order and retries with backoff while
writes fail. Bounded: past `max_pending` the oldest unsaved change is dropped and
counted (the live state and the alerts keep the truth; the table is the history).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass

from perfdesk.domain.verdict import Verdict
from perfdesk.services.store.store import Store

log = logging.getLogger(__name__)


@dataclass
class VerdictWriterStats:
    written: int = 0
    failures: int = 0
    dropped: int = 0
    pending: int = 0
    last_error: str | None = None


class VerdictWriter:
    def __init__(
        self,
        store: Store,
        *,
        max_pending: int = 100_000,
        retry_s: tuple[float, float] = (0.2, 5.0),
    ) -> None:
        self._store = store
        self._queue: deque[Verdict] = deque()
        self._wake = asyncio.Event()
        self._max = max_pending
        self._retry_s = retry_s
        self.stats = VerdictWriterStats()

    def put(self, verdict: Verdict) -> None:
        """Queue a verdict change (never blocks, never raises)."""
        if len(self._queue) >= self._max:
            self._queue.popleft()
            self.stats.dropped += 1
        self._queue.append(verdict)
        self.stats.pending = len(self._queue)
        self._wake.set()

    async def run(self) -> None:
        """Store what is queued, forever (supervised)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.drain()

    async def drain(self) -> None:
        """Store the queue in order; while writes fail, retry with backoff."""
        delay = self._retry_s[0]
        while self._queue:
            try:
                await self._store.save_verdict(self._queue[0])
            except Exception as exc:  # noqa: BLE001 - kept and retried: an outage loses nothing
                self._failed(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_s[1])
                continue
            delay = self._retry_s[0]
            self.stats.last_error = None
            self._queue.popleft()
            self.stats.written += 1
            self.stats.pending = len(self._queue)

    def _failed(self, exc: BaseException) -> None:
        first = self.stats.last_error is None
        self.stats.failures += 1
        self.stats.last_error = f"{type(exc).__name__}: {exc}"
        if first or self.stats.failures % 50 == 0:
            log.warning("verdicts: %d changes wait for the database (%s)", len(self._queue), exc)
