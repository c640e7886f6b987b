"""StoreWriter: the bounded, batching path from validated events to the Store.

Runs on the event loop as one task (`start()` or `await run()`). `put` awaits while
`max_pending` events are queued (backpressure reaches the socket reader instead of
memory). Batches are cut by size or by `max_delay_s` and written with
`Store.write_events` (COPY, idempotent on (strategy_id, seq)).

Two batches are in the database at once (`PIPELINE_DEPTH`): while one folds its
rollups and commits, the next one's rows are already being COPYed on a second
connection, so the server's work on one batch overlaps the client's and the server's
work on the other instead of following it. Commits stay in batch order (each write
waits at the store's gate for the one before it) and a batch whose predecessor was not
stored is written only after it, through the same path as without the pipeline.

When the database is unreachable and a `Spool` is given, batches go to the disk spool
(fsync'd) and are drained in order when it comes back; without a spool the writer keeps
the batch and retries with backoff (backpressure then stops the reader). A batch that
the database rejects as bad data is written event by event and the rejected events are
dead-lettered with the reason — nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import asyncpg

from perfdesk.domain.events import DATA_EVENT, DataEvent

log = logging.getLogger(__name__)

_DATA_ERROR_CLASSES = ("22", "23", "42")
"""SQLSTATE classes that mean "this batch is bad" (data, constraint, statement), not
"the database is down"; retrying those would never succeed."""


PIPELINE_DEPTH = 2
"""Batches in the database at once (each on its own pool connection)."""

BATCH_SIZE = 20_000
"""Most events per batch (a batch is cut earlier by `max_delay_s`, so this only binds
at high rates). Every batch pays fixed costs on both sides — a transaction, the fold of
its bars into the rollups, a few round trips, numpy set-up — that 5,000-event batches
paid for every 5,000 events: at 20,000 the same stream cost the server ≈2.2 instead of
≈2.9 µs and the client ≈1.0 instead of ≈1.3 µs per event (docs/benchmarks.md, issue 21).
"""


class EventStore(Protocol):
    """What the writer needs from `Store` (kept small so a Store can be swapped).

    `write_events(events, gate)` awaits `gate()` before it commits and raises (storing
    nothing) when that returns False — `Store.write_events` documents the contract."""

    async def write_events(
        self, events: Sequence[DataEvent], gate: Callable[[], Awaitable[bool]] | None = None
    ) -> int: ...

    async def add_dead_letter(self, raw: str | bytes, reason: str) -> None: ...


class EventSpool(Protocol):
    """What the writer needs from `perfdesk.services.store.spool.Spool`."""

    @property
    def pending_events(self) -> int: ...

    async def append(self, events: Sequence[DataEvent]) -> None: ...

    async def peek(self) -> list[DataEvent] | None: ...

    async def pop(self) -> None: ...


@dataclass(frozen=True)
class WriterStats:
    """Counters for the UI and metrics. `pending` = queued + in flight (not spooled)."""

    written: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    pending: int = 0
    spooled: int = 0
    batches: int = 0
    db_available: bool = True
    last_error: str | None = None


def is_data_error(exc: BaseException) -> bool:
    """True when the server rejected the batch's content (retrying will not help)."""
    state = getattr(exc, "sqlstate", None) or ""
    return isinstance(exc, asyncpg.PostgresError) and state[:2] in _DATA_ERROR_CLASSES


OUTAGE_ERRORS: tuple[type[BaseException], ...] = (Exception,)
"""Anything but a data error counts as "the database is unavailable": besides OSError,
TimeoutError, PostgresError and InterfaceError, asyncpg raises InternalClientError when
a connection dies mid-protocol. The writer must outlive every one of them; each is
logged and shown in `stats.last_error`."""


class _Buffer:
    """Bounded FIFO of events for one producer side and one consumer task.

    Cheaper than asyncio.Queue per event (a deque and two Events): `put_many` moves a
    whole frame batch in one step (kept as one chunk, a copy of the caller's slice),
    waiting only while the buffer is full; `take` joins whole chunks.
    """

    def __init__(self, maxsize: int) -> None:
        self._chunks: deque[list[DataEvent]] = deque()
        self._head = 0  # events of _chunks[0] already taken
        self._len = 0
        self._max = maxsize
        self._not_empty = asyncio.Event()
        self._not_full = asyncio.Event()
        self._not_full.set()
        self.stopping = False

    def __len__(self) -> int:
        return self._len

    async def put_many(self, events: Sequence[DataEvent]) -> None:
        i = 0
        while i < len(events):
            while self._len >= self._max:
                self._not_full.clear()
                await self._not_full.wait()
            part = list(events[i : i + self._max - self._len])
            self._chunks.append(part)
            self._len += len(part)
            i += len(part)
            self._not_empty.set()

    def stop(self) -> None:
        self.stopping = True
        self._not_empty.set()

    def nudge(self) -> None:
        """Wake a waiting `wait` with nothing new (the writer has spooled work to retry)."""
        self._not_empty.set()

    async def wait(self, limit_s: float | None) -> bool:
        """Wait until there is something to take (or stop); False on timeout."""
        if self._len or self.stopping:
            return True
        self._not_empty.clear()
        try:
            await asyncio.wait_for(self._not_empty.wait(), limit_s)
        except TimeoutError:
            return False
        return True

    def take(self, n: int) -> list[DataEvent]:
        """Up to n events, oldest first."""
        batch: list[DataEvent] = []
        chunks = self._chunks
        while len(batch) < n and chunks:
            chunk, head = chunks[0], self._head
            want = n - len(batch)
            if len(chunk) - head <= want:
                batch.extend(chunk[head:] if head else chunk)
                chunks.popleft()
                self._head = 0
            else:
                batch.extend(chunk[head : head + want])
                self._head = head + want
        self._len -= len(batch)
        if self._len < self._max:
            self._not_full.set()
        return batch


class StoreWriter:
    """Batches events into the store; see the module docstring for the guarantees."""

    def __init__(
        self,
        store: EventStore,
        *,
        max_pending: int = 50_000,
        batch_size: int = BATCH_SIZE,
        max_delay_s: float = 0.05,
        spool: EventSpool | None = None,
        retry_initial_s: float = 0.05,
        retry_max_s: float = 2.0,
    ) -> None:
        self._store = store
        self._spool = spool
        self._buffer = _Buffer(max_pending)
        self._batch_size = batch_size
        self._max_delay_s = max_delay_s
        self._retry = (retry_initial_s, retry_max_s)
        self._delay = retry_initial_s
        self._next_attempt = 0.0
        self._stats = WriterStats()
        self._accepted = 0
        self._done = 0
        self._progress = asyncio.Event()
        self._flushes = 0  # flush() calls waiting: a partial batch is cut at once
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def stats(self) -> WriterStats:
        """A snapshot of the counters (cheap; safe to read on every repaint)."""
        spooled = self._spool.pending_events if self._spool is not None else 0
        return replace(
            self._stats, pending=max(0, self._accepted - self._done - spooled), spooled=spooled
        )

    async def put(self, event: DataEvent) -> None:
        """Queue one event; waits while the queue is full (backpressure)."""
        if self._closed:
            raise RuntimeError("StoreWriter is closed")
        self._accepted += 1
        await self._buffer.put_many((event,))

    async def put_many(self, events: Sequence[DataEvent]) -> None:
        """Queue several events at once (cheaper per event); waits while full."""
        if self._closed:
            raise RuntimeError("StoreWriter is closed")
        self._accepted += len(events)
        await self._buffer.put_many(events)

    def start(self) -> asyncio.Task[None]:
        """Run the writer as a task on the current loop (or `await run()` yourself)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run(), name="store-writer")
        return self._task

    async def run(self) -> None:
        """The writer loop: cut batches, write them, until `aclose()`."""
        self._task = self._task or asyncio.current_task()
        inflight: deque[asyncio.Task[bool]] = deque()
        try:
            while True:
                batch, stop = await self._next_batch()
                while inflight and inflight[0].done():
                    inflight.popleft().result()  # a write that raised ends the writer
                if batch:
                    while len(inflight) >= PIPELINE_DEPTH:
                        await _finish(inflight.popleft())
                    if self._serial():  # spooling, outage: one batch at a time
                        await _settle(inflight)
                        await self._deliver(batch)
                    else:
                        prev = inflight[-1] if inflight else None
                        inflight.append(asyncio.create_task(self._pipelined(batch, prev)))
                elif self._spooling():
                    await _settle(inflight)
                    await self._try_drain()
                if stop:
                    await _settle(inflight)
                    return
        finally:
            for task in inflight:
                task.cancel()

    def _serial(self) -> bool:
        """True while batches must go one by one: to the spool, or behind it."""
        return self._spool is not None and (self._spooling() or not self._stats.db_available)

    async def flush(self) -> None:
        """Return once every event put so far is stored (written, duplicate or dead-lettered).

        While the database is down this waits for it (spooled events are not stored yet).
        A batch being gathered is cut at once instead of waiting out `max_delay_s` for
        events that may not come.
        """
        target = self._accepted
        if self._done >= target:
            return
        self._flushes += 1
        self._buffer.nudge()
        try:
            while self._done < target:
                self._progress.clear()
                await self._progress.wait()
        finally:
            self._flushes -= 1

    async def aclose(self) -> None:
        """Stop accepting; write what is queued (or spool it if the database is down)."""
        if self._closed:
            return
        self._closed = True
        self._buffer.stop()
        if self._task is not None and self._task is not asyncio.current_task():
            await self._task

    # -- batching ---------------------------------------------------------------

    async def _next_batch(self) -> tuple[list[DataEvent], bool]:
        """Up to batch_size events, waiting at most max_delay_s after the first one.

        While spooled events wait for the database, returns an empty batch when the
        next reconnection attempt is due. The flag is True once closing and drained.
        """
        loop = asyncio.get_running_loop()
        wait = max(0.0, self._next_attempt - loop.time()) if self._spooling() else None
        if not await self._buffer.wait(wait):
            return [], False
        deadline = loop.time() + self._max_delay_s
        batch = self._buffer.take(self._batch_size)
        while len(batch) < self._batch_size and not (self._buffer.stopping or self._flushes):
            remaining = deadline - loop.time()
            if remaining <= 0 or not await self._buffer.wait(remaining):
                break
            batch += self._buffer.take(self._batch_size - len(batch))
        return batch, self._buffer.stopping and not len(self._buffer)

    def _spooling(self) -> bool:
        return self._spool is not None and self._spool.pending_events > 0

    # -- writing ------------------------------------------------------------------

    async def _pipelined(self, batch: list[DataEvent], prev: asyncio.Task[bool] | None) -> bool:
        """Write a batch while `prev` may still be in the database; True once stored.

        Anything but success (an outage, bad data, `prev` not stored) waits until `prev`
        is settled and then takes the one-at-a-time path, so order is kept."""

        async def gate() -> bool:
            if prev is None:
                return True
            await asyncio.wait([prev])  # (one that raised ends the writer: see run)
            return not prev.cancelled() and prev.exception() is None and prev.result()

        try:
            inserted = await self._store.write_events(batch, gate)
        except OUTAGE_ERRORS:  # an outage, bad data, or `prev` was not stored
            if prev is not None:
                await asyncio.wait([prev])
            return await self._deliver(batch)
        self._account(len(batch), inserted)
        return True

    async def _deliver(self, batch: list[DataEvent]) -> bool:
        """Write a batch; behind older spooled events (order) or in an outage, spool it.
        True if it is in the database (or dead-lettered), False if spooled."""
        if self._serial():
            assert self._spool is not None
            await self._spool.append(batch)
            await self._try_drain()
            self._buffer.nudge()  # the run loop may be waiting for new events only
            return False
        stored = await self._write_with_retry(batch)
        if not stored:
            self._buffer.nudge()
        return stored

    async def _write_with_retry(self, batch: list[DataEvent]) -> bool:
        while True:
            try:
                await self._write(batch)
                return True
            except OUTAGE_ERRORS as exc:  # data errors were handled in _write
                self._note_outage(exc)
                if self._spool is not None:
                    await self._spool.append(batch)
                    return False
                await asyncio.sleep(self._delay)
                self._backoff()

    async def _try_drain(self) -> None:
        """Write spooled batches oldest first, if a (re)connection attempt is due."""
        spool = self._spool
        assert spool is not None
        if asyncio.get_running_loop().time() < self._next_attempt:
            return
        while spool.pending_events:
            batch = await spool.peek()
            if batch is None:
                return
            try:
                await self._write(batch)
            except OUTAGE_ERRORS as exc:  # still down: try again after the backoff delay
                self._note_outage(exc)
                self._next_attempt = asyncio.get_running_loop().time() + self._delay
                self._backoff()
                return
            await spool.pop()
        self._stats = replace(self._stats, db_available=True)

    async def _write(self, batch: Sequence[DataEvent]) -> None:
        """One attempt; bad data is split out and dead-lettered, outages propagate."""
        try:
            inserted = await self._store.write_events(batch)
        except asyncpg.PostgresError as exc:
            if not is_data_error(exc):
                raise
            await self._write_one_by_one(batch, exc)
            return
        self._account(len(batch), inserted)

    async def _write_one_by_one(self, batch: Sequence[DataEvent], first: Exception) -> None:
        log.warning("batch of %d rejected (%s); writing events one by one", len(batch), first)
        for event in batch:
            try:
                inserted = await self._store.write_events([event])
            except asyncpg.PostgresError as exc:
                if not is_data_error(exc):
                    raise
                reason = f"rejected by the database: {exc.__class__.__name__}: {exc}"
                await self._store.add_dead_letter(DATA_EVENT.dump_json(event), reason)
                self._stats = replace(self._stats, dead_lettered=self._stats.dead_lettered + 1)
                self._account(1, 0, duplicate=False)
                continue
            self._account(1, inserted)

    def _account(self, events: int, inserted: int, *, duplicate: bool = True) -> None:
        s = self._stats
        self._stats = replace(
            s,
            written=s.written + inserted,
            duplicates=s.duplicates + (events - inserted if duplicate else 0),
            batches=s.batches + 1,
            db_available=True if self._spool is None else s.db_available,
        )
        self._done += events
        self._delay = self._retry[0]
        self._progress.set()

    def _backoff(self) -> None:
        self._delay = min(self._delay * 2, self._retry[1])

    def _note_outage(self, exc: BaseException) -> None:
        if self._stats.db_available:
            log.warning("database unavailable, spooling/retrying: %r", exc)
        self._stats = replace(self._stats, db_available=False, last_error=f"{exc}")


async def _settle(tasks: deque[asyncio.Task[bool]]) -> None:
    """Wait for every in-flight write, oldest first."""
    while tasks:
        await _finish(tasks.popleft())


async def _finish(task: asyncio.Task[bool]) -> None:
    """Wait for a write; one that raised (a spool that cannot be written) re-raises
    here and ends the writer, as a failed serial write does."""
    await asyncio.wait([task])
    task.result()
