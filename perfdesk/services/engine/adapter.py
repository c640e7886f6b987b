"""What every adapter source (an engine without protocol v1) shares: the run/stop loop
with backoff, the feed state, counters, seq bookkeeping and calls to the sink that a
failing sink cannot end. A subclass implements `_session()`: one connection to the
engine, returning (or raising) when it ends."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Sequence

from pydantic import ValidationError

from perfdesk.domain.events import DATA_EVENT, DataEvent, StrategyInfo, describe_validation_error
from perfdesk.domain.status import FeedState
from perfdesk.services.engine.backoff import Backoff
from perfdesk.services.engine.cursor import CursorStore
from perfdesk.services.engine.guard import EventGuard
from perfdesk.services.engine.source import EventSink, Resume
from perfdesk.services.engine.stats import FeedStats

log = logging.getLogger(__name__)


class AdapterSource:
    """Base of the adapter sources (EngineSource). `key` names the engine in the cursor
    store (a URL without credentials)."""

    def __init__(
        self,
        key: str,
        sink: EventSink,
        resume: Resume,
        cursors: CursorStore,
        *,
        backoff: Backoff | None = None,
        guard: EventGuard | None = None,
    ) -> None:
        self.key, self.sink, self._resume, self.cursors = key, sink, resume, cursors
        self.state = FeedState.DISCONNECTED
        self.stats = FeedStats()
        self.guard = guard or EventGuard()
        """Refuses valid-but-hostile events (far-future times, beyond the strategy cap)."""
        self._backoff = backoff or Backoff()
        self._last: dict[str, int] = {}
        self._stopping = asyncio.Event()
        self._done = asyncio.Event()
        self._done.set()

    # -- EngineSource ----------------------------------------------------------------
    @property
    def last_seqs(self) -> dict[str, int]:
        return dict(self._last)

    def last_seq(self, strategy_id: str) -> int:
        return self._last.get(strategy_id, 0)

    @property
    def last_error(self) -> str | None:
        return self.stats.last_error

    async def run(self) -> None:
        self._stopping.clear()
        self._done.clear()
        try:
            while not self._stopping.is_set():
                self.set_state(FeedState.CONNECTING)
                await self._guarded_session()
                if self._stopping.is_set():
                    break
                self.set_state(FeedState.DISCONNECTED)
                self.stats.reconnects += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._backoff.next_delay())
        finally:
            self.set_state(FeedState.DISCONNECTED)
            self._done.set()

    async def stop(self) -> None:
        self._stopping.set()
        await self._done.wait()

    # -- for subclasses --------------------------------------------------------------------
    async def _session(self) -> None:
        raise NotImplementedError

    async def _guarded_session(self) -> None:
        """One session until it ends or `stop()`; an error is recorded, never raised."""
        session = asyncio.ensure_future(self._session())
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({session, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not session.done():
                session.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await session
        except Exception as exc:  # the engine's or a bug's: log it, reconnect
            self.stats.last_error = redact(f"link lost: {exc or type(exc).__name__}")
            link = isinstance(exc, OSError | TimeoutError | LookupError | ValueError)
            link = link or type(exc).__module__.split(".")[0] in ("aiohttp", "redis")
            # a link failure is one line; anything else (a bug) gets its traceback
            log.warning("%s: %s", self.key, self.stats.last_error, exc_info=not link)
        finally:
            stopping.cancel()

    def connected(self) -> None:
        """The engine answered: live, backoff reset, last error cleared."""
        self.stats.connected_at = time.monotonic()
        self.stats.last_error = None
        self._backoff.reset()
        self.set_state(FeedState.LIVE)

    def frame_seen(self) -> None:
        self.stats.frames += 1
        self.stats.last_frame_at = time.monotonic()

    async def stored_seqs(self, *, required: bool = False) -> dict[str, int]:
        """The resume callback's answer (the database's last seqs). If it fails: {} —
        or, when `required` (a ledger is being restored from it), the session ends and
        is retried, since seqs handed out without it could differ from stored ones."""
        try:
            return await self._resume()
        except Exception as exc:
            self.stats.handler_errors += 1
            log.error(
                "%s: could not read the stored resume point (%s)", self.key, exc, exc_info=True
            )
            if required:
                raise ConnectionError(f"the stored resume point is unavailable: {exc}") from None
            return {}

    async def announce(self, info: StrategyInfo) -> None:
        if self.guard.admit(info.strategy_id):
            await self._call(self.sink.on_strategy(info))
        else:
            reason = f"strategy {info.strategy_id}: beyond the cap of "
            await self.dead_letter(info.model_dump_json(), reason + "strategies per engine")

    async def deliver(self, events: Sequence[DataEvent]) -> None:
        """Events with seqs this source assigned: above the last delivered, or dropped;
        what the guard refuses is dead-lettered (its seq is never delivered)."""
        fresh = []
        for e in events:
            last = self._last.get(e.strategy_id, 0)
            if e.seq <= last:
                self.stats.duplicates += 1
                continue
            refused = self.guard.refuse(e, last)
            if refused is not None:
                await self.dead_letter(DATA_EVENT.dump_json(e), refused)
                continue
            self._last[e.strategy_id] = e.seq
            fresh.append(e)
        self.stats.events += len(fresh)
        if fresh:
            await self._call(self.sink.on_events(fresh))

    async def dead_letter(self, raw: str | bytes, reason: str) -> None:
        self.stats.dead_letters += 1
        self.stats.last_dead_letter = reason
        log.warning("%s: dead-lettered: %s", self.key, reason)
        await self._call(self.sink.on_dead_letter(raw, reason))

    async def _call(self, coro: Awaitable[None]) -> None:
        try:
            await coro
        except Exception:
            self.stats.handler_errors += 1
            log.exception("%s: the sink failed", self.key)

    def set_state(self, state: FeedState) -> None:
        if state is self.state:
            return
        self.state = state
        try:
            self.sink.on_state(state)
        except Exception:
            self.stats.handler_errors += 1
            log.exception("%s: sink on_state failed", self.key)


_SECRET_PARAMS = re.compile(r"((?:token|password)=)[^&\s'\"]+", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` without the values of token=/password= URL parameters."""
    return _SECRET_PARAMS.sub(r"\1***", text)


def reason_of(exc: Exception) -> str:
    """A one-line reason for a mapping or validation failure."""
    if isinstance(exc, ValidationError):
        return describe_validation_error(exc)
    return str(exc)
