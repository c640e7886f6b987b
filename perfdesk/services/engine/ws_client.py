"""EngineClient: the link to the execution engine (protocol v1 over websockets).

Connects (ws:// or wss:// with certificate verification), subscribes with the last seq
stored per strategy, validates every frame, drops duplicates and counts gaps by seq,
hands events to an `EngineHandler` (awaited: a slow consumer slows reading, memory stays
bounded), dead-letters what does not validate, reconnects forever with backoff + jitter
and reports its `FeedState` (connecting / live / stale / disconnected). Runs on the
asyncio (or qasync) loop; never blocks it; no Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl as ssl_lib
import time
from collections.abc import Awaitable, Sequence

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from perfdesk.domain import url_secrets
from perfdesk.domain.events import (
    DATA_EVENT,
    DataEvent,
    EngineError,
    Frame,
    FrameError,
    Hello,
    Subscribe,
    parse_frame,
    strategy_without_profile,
)
from perfdesk.domain.fast_batch import equity_batch
from perfdesk.domain.status import FeedState
from perfdesk.services.engine import transport
from perfdesk.services.engine.backoff import Backoff
from perfdesk.services.engine.batch import split_batch
from perfdesk.services.engine.guard import EventGuard
from perfdesk.services.engine.source import EventSink, Resume
from perfdesk.services.engine.stats import FeedStats

log = logging.getLogger(__name__)
_ws_log = logging.getLogger("perfdesk.engine.wire")
_ws_log.setLevel(logging.INFO)  # websockets logs request headers (the token) at DEBUG
MAX_MESSAGE_BYTES = 1 << 20
"""Hard cap: a bigger message is refused by websockets (close 1009) and counted."""
_CLOSED = object()
PROTOCOL_ERROR_CLOSE = 1002
"""WebSocket close code sent to an engine whose `hello` is invalid."""
_YIELD_EVENTS = 256
"""Events delivered between two turns given to the loop's other tasks."""

EngineHandler = EventSink
"""What the client calls (see engine/source.py)."""


class EngineClient:
    """One engine link. `await run()` until `await stop()`; read `state` and `stats`.

    `resume()` returns the last *stored* seq per strategy (from the database); the
    client merges it with what it has delivered itself and sends the maximum, so a
    replay never re-delivers what the handler already has. `batch` > 1 asks the engine
    for batch frames (protocol extension; plain v1 engines ignore it).
    """

    def __init__(
        self,
        url: str,
        handler: EngineHandler,
        *,
        token: str | None = None,
        resume: Resume | None = None,
        strategies: Sequence[str] = ("*",),
        stale_after_s: float = 10.0,
        batch: int = 256,
        queue_size: int = 1024,
        ca_file: str | None = None,
        ssl_context: ssl_lib.SSLContext | None = None,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        backoff: Backoff | None = None,
        open_timeout_s: float = 10.0,
        guard: EventGuard | None = None,
        insecure: bool | None = None,
    ) -> None:
        self.url, self.handler, self.stale_after_s = url, handler, stale_after_s
        self._insecure = insecure
        self._token, self._resume, self._strategies = token, resume, list(strategies)
        self._batch, self._queue_size, self._max_bytes = batch, queue_size, max_message_bytes
        self._ssl = ssl_context or _ssl_for(url, ca_file)
        self._backoff = backoff or Backoff()
        self._open_timeout = open_timeout_s
        self.state = FeedState.DISCONNECTED
        self.stats = FeedStats()
        self.guard = guard or EventGuard()
        """Refuses valid-but-hostile events (far-future times, seq jumps, beyond the cap)."""
        self.engine_id: str | None = None
        self._last: dict[str, int] = {}
        self._stopping = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._hello_seen = False
        self._done = asyncio.Event()
        self._done.set()

    # -- public --------------------------------------------------------------------
    @property
    def shown_url(self) -> str:
        """The URL as logs and messages show it (passwords and tokens as ***)."""
        return url_secrets.redact(self.url)

    def transport_check(self) -> transport.TransportCheck:
        """May the credentials go to `url`? (`insecure` None: PERFDESK_INSECURE decides)"""
        allow = transport.insecure_allowed() if self._insecure is None else self._insecure
        return transport.check(self.url, has_token=bool(self._token), insecure=allow)

    def last_seq(self, strategy_id: str) -> int:
        """Highest seq delivered to the handler for the strategy (0 if none)."""
        return self._last.get(strategy_id, 0)

    @property
    def last_seqs(self) -> dict[str, int]:
        return dict(self._last)

    @property
    def last_error(self) -> str | None:
        """Why the link last failed (refused, lost, invalid hello); None once live again."""
        return self.stats.last_error

    async def run(self) -> None:
        """Connect, stream and reconnect forever until `stop()`.

        A token that must not travel unencrypted (see `transport`) means no connection at
        all: the state stays disconnected with `last_error` saying why, until `stop()`."""
        self._stopping.clear()
        self._done.clear()
        if self._refuse_insecure():
            await self._stopping.wait()
            self._done.set()
            return
        watchdog = asyncio.create_task(self._watch_stale(), name="engine-stale-watchdog")
        try:
            while not self._stopping.is_set():
                await self._connect_once()
                if self._stopping.is_set():
                    break
                self._set_state(FeedState.DISCONNECTED)
                self.stats.reconnects += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._backoff.next_delay())
        finally:
            watchdog.cancel()
            self._set_state(FeedState.DISCONNECTED)
            self._done.set()

    async def stop(self) -> None:
        """Close the connection and end `run()` (waits for it to finish)."""
        self._stopping.set()
        if self._ws is not None:
            await self._ws.close()
        await self._done.wait()

    # -- connection ------------------------------------------------------------------
    async def _connect_once(self) -> None:
        self._set_state(FeedState.CONNECTING)
        self._hello_seen = False
        try:
            async with connect(
                self.url,
                additional_headers=self._headers(),
                compression=None,
                max_size=self._max_bytes,
                ssl=self._ssl,
                open_timeout=self._open_timeout,
                logger=_ws_log,
                close_timeout=1.0,
            ) as ws:
                self._ws = ws
                if self._stopping.is_set():  # stop() came during the handshake: it found
                    return  # no socket to close, so this one must not start streaming
                self.stats.connected_at = time.monotonic()
                await self._stream(ws)
        except _ProtocolViolation as exc:
            log.error("engine at %s: %s; disconnected", self.shown_url, exc)
        except InvalidStatus as exc:
            self.stats.last_error = f"refused the connection: HTTP {exc.response.status_code}"
            log.error("engine at %s %s", self.shown_url, self.stats.last_error)
        except (OSError, TimeoutError, WebSocketException) as exc:
            why = url_secrets.scrub(str(exc) or type(exc).__name__, self.url)
            self.stats.last_error = f"link lost: {why}"
            log.warning("engine link to %s lost: %s", self.shown_url, why)
        except Exception as exc:  # a bug must not end the link for good: log it, reconnect
            self.stats.last_error = url_secrets.scrub(f"failed unexpectedly: {exc!r}", self.url)
            log.error(
                "engine link to %s failed unexpectedly; reconnecting: %s",
                self.shown_url,
                self.stats.last_error,
                exc_info=not url_secrets.has_secrets(self.url),
            )
        finally:
            self._ws = None

    def _refuse_insecure(self) -> bool:
        """True (and say why) when the credential must not go over this link."""
        check = self.transport_check()
        self.stats.insecure = check.insecure
        self.stats.security = check.refused or (
            "engine token sent unencrypted (ws://, --insecure)" if check.insecure else None
        )
        if check.refused:
            self.stats.last_error = check.refused
            self._set_state(FeedState.DISCONNECTED)
            log.error("engine at %s: %s", self.shown_url, check.refused)
            return True
        if check.insecure:
            log.warning(
                "engine at %s: sending the token unencrypted (ws:// to another host), "
                "as --insecure allows",
                self.shown_url,
            )
        return False

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    async def _subscribe(self, ws: ClientConnection) -> None:
        for sid, seq in (await self._stored_seqs()).items():
            self._last[sid] = max(self._last.get(sid, 0), seq)
            self.guard.admit(sid)
        wanted = set(self._strategies)
        resume = {s: q for s, q in self._last.items() if "*" in wanted or s in wanted}
        sub = Subscribe(strategies=self._strategies, resume=resume, batch=self._batch)
        await ws.send(sub.model_dump_json())

    async def _stored_seqs(self) -> dict[str, int]:
        """The resume callback's answer; if it fails (database down), what we delivered."""
        if self._resume is None:
            return {}
        try:
            return await self._resume()
        except Exception as exc:
            self.stats.handler_errors += 1
            log.error(
                "could not read the stored resume point (%s); resuming after the events "
                "this client already delivered",
                exc or type(exc).__name__,
                exc_info=True,
            )
            return {}

    async def _stream(self, ws: ClientConnection) -> None:
        """Subscribe, then read into a bounded queue while consuming from it."""
        await self._subscribe(ws)
        queue: asyncio.Queue[object] = asyncio.Queue(self._queue_size)
        reader = asyncio.create_task(self._read(ws, queue), name="engine-reader")
        try:
            next_yield = self.stats.events + _YIELD_EVENTS
            while (raw := await queue.get()) is not _CLOSED:
                await self._process(raw)  # type: ignore[arg-type]
                if self.stats.events >= next_yield:
                    # A queued frame is taken without suspending; without this the
                    # consumers' own tasks (the store writer's COPY) would wait until
                    # the queue ran dry or backpressure stopped this loop.
                    next_yield = self.stats.events + _YIELD_EVENTS
                    await asyncio.sleep(0)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        reader_exc = reader.exception() if not reader.cancelled() else None
        if reader_exc is not None:
            raise reader_exc

    async def _read(self, ws: ClientConnection, queue: asyncio.Queue[object]) -> None:
        """Socket -> queue. When the queue is full this waits, so TCP pushes back.

        Cancelled (only the consumer cancels it, from its `finally`), it ends without
        the _CLOSED marker: nobody reads the queue any more, and waiting to put into a
        full one would hang the consumer — and a shutdown that cancels them — for good."""
        cancelled = False
        try:
            async for raw in ws:
                self.stats.frames += 1
                self.stats.last_frame_at = time.monotonic()
                if self.state is FeedState.STALE:
                    self._set_state(FeedState.LIVE)
                await queue.put(raw)
        except ConnectionClosed as exc:
            await self._closed(exc)
            raise
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            if not cancelled:
                await queue.put(_CLOSED)

    async def _closed(self, exc: ConnectionClosed) -> None:
        if exc.sent is not None and exc.sent.code == 1009:  # message too big
            self.stats.oversized += 1
            reason = f"message larger than {self._max_bytes} bytes refused; connection reset"
            await self._dead_letter(b"", reason)

    # -- frames -------------------------------------------------------------------------
    async def _process(self, raw: str | bytes) -> None:
        if (equities := equity_batch(raw)) is not None:  # the stream's usual frame, fast
            await self._deliver_many(equities)
            return
        if (frame := await self._parse(raw)) is None:
            return
        match frame.type:
            case "equity" | "fill" | "status":
                await self._deliver(frame)
            case "batch":
                await self._deliver_many(frame.frames)
            case "strategy":
                if self.guard.admit(frame.strategy_id):
                    await self._call(self.handler.on_strategy(frame))
                else:
                    await self._dead_letter(
                        raw,
                        f"strategy {frame.strategy_id}: beyond the cap "
                        f"of {self.guard.config.max_strategies} per engine",
                    )
            case "hello":
                self._hello(frame)
            case "error":
                self._engine_error(frame)

    async def _parse(self, raw: str | bytes) -> Frame | None:
        """The frame, or None when it was refused and dead-lettered (an invalid `hello`
        raises: it ends the connection). A `strategy` frame whose only fault is its
        backtest profile is kept without it; the whole frame is dead-lettered with why."""
        try:
            return parse_frame(raw)
        except FrameError as exc:
            if not self._hello_seen and _is_hello(raw):
                await self._invalid_hello(raw, exc.reason)  # raises: ends this connection
            if (kept := strategy_without_profile(raw, exc.reason)) is not None:
                await self._dead_letter(raw, kept[1])
                return kept[0]
            await self._rejected(raw, exc.reason)
            return None

    async def _rejected(self, raw: str | bytes, reason: str) -> None:
        """A frame failed validation; a batch is re-checked item by item."""
        split = split_batch(raw)
        if split is None:
            await self._dead_letter(raw, reason)
            return
        for item in split:
            if isinstance(item, tuple):
                await self._dead_letter(*item)
            else:
                await self._deliver_many([item])

    def _accept(self, event: DataEvent) -> bool | str:
        """Seq bookkeeping: False for a duplicate, the reason for an event the guard
        refuses; counts gaps (the caller counts the accepted events). Loop thread only."""
        sid, seq = event.strategy_id, event.seq
        last = self._last.get(sid, 0)
        if seq <= last:
            self.stats.duplicates += 1
            return False
        refused = self.guard.refuse(event, last)
        if refused is not None:
            return refused
        if seq > last + 1:
            self.stats.gaps += 1
            self.stats.missing += seq - last - 1
            log.warning("%s: gap, seqs %d..%d never arrived", sid, last + 1, seq - 1)
        self._last[sid] = seq
        return True

    async def _deliver(self, event: DataEvent) -> None:
        verdict = self._accept(event)
        if verdict is True:
            self.stats.events += 1
            await self._call(self.handler.on_events((event,)))
        elif verdict:
            await self._dead_letter(DATA_EVENT.dump_json(event), str(verdict))

    async def _deliver_many(self, events: Sequence[DataEvent]) -> None:
        """A batch's fresh events, in one `on_events` call."""
        last = self._last
        fresh: list[DataEvent] = []
        refused: list[tuple[DataEvent, str]] = []
        latest, earliest = self.guard.window(events[0].ts.tzinfo if events else None)
        for event in events:  # the usual case inline: the next seq of a known strategy
            sid, seq = event.strategy_id, event.seq
            prev = last.get(sid)
            if prev is not None and seq == prev + 1 and earliest < event.ts <= latest:
                last[sid] = seq
                fresh.append(event)
                continue
            verdict = self._accept(event)  # duplicates, gaps and refusals
            if verdict is True:
                fresh.append(event)
            elif verdict:
                refused.append((event, verdict))
        for event, reason in refused:
            await self._dead_letter(DATA_EVENT.dump_json(event), reason)
        self.stats.events += len(fresh)
        if fresh:
            await self._call(self.handler.on_events(fresh))

    async def _dead_letter(self, raw: str | bytes, reason: str) -> None:
        self.stats.dead_letters += 1
        self.stats.last_dead_letter = reason
        await self._call(self.handler.on_dead_letter(raw, reason))

    async def _call(self, coro: Awaitable[None]) -> None:
        """Await a handler coroutine; a failing handler is logged and counted, not fatal."""
        try:
            await coro
        except Exception:
            self.stats.handler_errors += 1
            log.exception("engine handler failed")

    def _hello(self, hello: Hello) -> None:
        self.engine_id = hello.engine_id
        self._hello_seen = True
        self.stats.last_error = None
        self._backoff.reset()
        self._set_state(FeedState.LIVE)

    async def _invalid_hello(self, raw: str | bytes, reason: str) -> None:
        """The engine's greeting does not validate (wrong protocol version, no engine id,
        ...): keep the frame as a dead letter, close with 1002 and retry with backoff."""
        self.stats.protocol_errors += 1
        self.stats.last_error = f"invalid hello: {reason}"
        await self._dead_letter(raw, self.stats.last_error)
        if self._ws is not None:
            await self._ws.close(PROTOCOL_ERROR_CLOSE, "invalid hello")
        raise _ProtocolViolation(self.stats.last_error)

    def _engine_error(self, err: EngineError) -> None:
        self.stats.engine_errors += 1
        log.warning("engine error %s: %s", err.code, err.message)

    # -- state ----------------------------------------------------------------------------
    def _set_state(self, state: FeedState) -> None:
        if state is self.state:
            return
        self.state = state
        try:
            self.handler.on_state(state)
        except Exception:
            self.stats.handler_errors += 1
            log.exception("engine handler on_state failed")

    async def _watch_stale(self) -> None:
        """LIVE -> STALE when no frame arrived for `stale_after_s` (checked 4× as often)."""
        period = max(0.02, min(1.0, self.stale_after_s / 4.0))
        while True:
            await asyncio.sleep(period)
            last = self.stats.last_frame_at
            live = self.state is FeedState.LIVE and last is not None
            if live and time.monotonic() - last > self.stale_after_s:  # type: ignore[operator]
                self._set_state(FeedState.STALE)


class _ProtocolViolation(Exception):
    """Ends one connection: the engine broke the protocol (the reason is in stats)."""


def _is_hello(raw: str | bytes) -> bool:
    """Whether a frame that failed validation claims to be a `hello`."""
    try:
        doc = orjson.loads(raw)
    except (orjson.JSONDecodeError, RecursionError):
        return False
    return isinstance(doc, dict) and doc.get("type") == "hello"


def _ssl_for(url: str, ca_file: str | None) -> ssl_lib.SSLContext | None:
    """Verifying TLS context for wss:// (system CAs, or `ca_file` if given)."""
    if not url.startswith("wss://"):
        if ca_file:
            raise ValueError(f"a CA bundle was given but {url!r} is not a wss:// URL")
        return None
    return ssl_lib.create_default_context(cafile=ca_file)
