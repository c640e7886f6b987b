"""ChangeFeed: PostgreSQL LISTEN/NOTIFY on one dedicated connection, coalesced, reconnecting.

The triggers of migration 0300 notify small payloads (a strategy id, an alert
fingerprint, a threshold scope, a collector id) on the channels below. A ChangeFeed
LISTENs on some of them and hands the handler one `Changes` batch at a time: every
payload that arrived while the previous batch was being handled, deduplicated, so a
burst of notifications costs one refresh, not one per row.

Notifications sent while the connection is down are lost (PostgreSQL does not queue
them for a listener that is gone), so after every (re)connect the first batch has
`resync=True`: the handler must re-read what it shows. Runs on one event loop (the
backend loop); the handler is awaited there, never concurrently with itself.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from perfdesk.services.store.dsn import password_kwargs

log = logging.getLogger(__name__)

VERDICT = "perfdesk_verdict"
"""payload: strategy_id (a verdict row was stored)."""
ALERT = "perfdesk_alert"
"""payload: alert fingerprint (the alert row changed: fired, acked, resolved, ...)."""
THRESHOLDS = "perfdesk_thresholds"
"""payload: threshold scope (strategy_id, or '*' for the global defaults)."""
HEARTBEAT = "perfdesk_heartbeat"
"""payload: collector_id (a heartbeat, start or clean stop)."""
ACTION = "perfdesk_action"
"""payload: strategy_id (a client asked for an ack/snooze on one of its alerts)."""
INGEST = "perfdesk_ingest"
"""payload: strategy_id (new events were stored)."""
ALERT_SETTINGS = "perfdesk_alert_settings"
"""payload: version (a new version of the alert settings was saved)."""
SILENCE = "perfdesk_silence"
"""payload: silence id (a silence was stored, ended early, or expired)."""
EXPECTATIONS = "perfdesk_expectations"
"""payload: strategy_id (a new expectations version was saved)."""
CHANNELS = (
    VERDICT,
    ALERT,
    THRESHOLDS,
    HEARTBEAT,
    ACTION,
    INGEST,
    ALERT_SETTINGS,
    SILENCE,
    EXPECTATIONS,
)


@dataclass
class Changes:
    """One coalesced batch: channel -> the distinct payloads received on it."""

    by_channel: dict[str, set[str]] = field(default_factory=dict)
    resync: bool = False
    """True for the first batch after a (re)connect: re-read everything."""

    def get(self, channel: str) -> set[str]:
        return self.by_channel.get(channel, set())

    def add(self, channel: str, payload: str) -> None:
        self.by_channel.setdefault(channel, set()).add(payload)

    def __bool__(self) -> bool:
        return self.resync or any(self.by_channel.values())


Handler = Callable[[Changes], Awaitable[None]]


@dataclass
class FeedStats:
    """Counters for tests and the metrics exporter (loop thread only)."""

    notifications: int = 0
    batches: int = 0
    connects: int = 0
    handler_errors: int = 0
    connected: bool = False
    last_error: str | None = None


class ChangeFeed:
    """LISTEN on `channels` over one connection of its own (never a pooled one).

    `start()` returns once the first connection listens (or raises if it cannot
    connect); afterwards connection loss is retried forever with backoff and jitter.
    `coalesce_s` is how long to wait after a notification for more of the same burst.
    """

    def __init__(
        self,
        dsn: str,
        channels: Iterable[str],
        handler: Handler,
        *,
        coalesce_s: float = 0.005,
        keepalive_s: float = 5.0,
        backoff_s: tuple[float, float] = (0.2, 5.0),
    ) -> None:
        self._dsn = dsn
        self._channels = tuple(channels)
        self._handler = handler
        self._coalesce_s = coalesce_s
        self._keepalive_s = keepalive_s
        self._backoff_s = backoff_s
        self._pending = Changes()
        self._wake = asyncio.Event()
        self._lost = asyncio.Event()
        self._conn: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self.stats = FeedStats()

    async def start(self) -> None:
        await self._connect()
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._deliver_forever(), name="notify-deliver"),
            loop.create_task(self._watch_forever(), name="notify-watch"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self._close()

    def request_resync(self) -> None:
        """Ask for a full re-read on the next batch (e.g. after a local error)."""
        self._pending.resync = True
        self._wake.set()

    # --- connection ------------------------------------------------------------------

    async def _connect(self) -> None:
        conn = await asyncpg.connect(
            self._dsn,
            server_settings={"application_name": "perfdesk-listen"},
            **password_kwargs(self._dsn),
        )
        try:
            for channel in self._channels:
                await conn.add_listener(channel, self._on_notify)
        except BaseException:
            await conn.close()
            raise
        conn.add_termination_listener(self._on_terminated)
        self._conn = conn
        self._lost.clear()
        self.stats.connects += 1
        self.stats.connected = True
        self.request_resync()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        self.stats.connected = False
        if conn is not None and not conn.is_closed():
            conn.remove_termination_listener(self._on_terminated)
            await conn.close(timeout=2.0)

    def _on_notify(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        self.stats.notifications += 1
        self._pending.add(channel, payload)
        self._wake.set()

    def _on_terminated(self, _conn: Any) -> None:
        self._lost.set()

    async def _watch_forever(self) -> None:
        """Notice a dead connection (termination or a failed keepalive) and reconnect."""
        while True:
            await self._wait_lost()
            self.stats.connected = False
            log.warning("notify: connection lost; reconnecting")
            await self._close_quietly()
            await self._reconnect()

    async def _wait_lost(self) -> None:
        while not self._lost.is_set():
            try:
                await asyncio.wait_for(self._lost.wait(), self._keepalive_s)
            except TimeoutError:
                await self._keepalive()

    async def _keepalive(self) -> None:
        try:
            await asyncio.wait_for(self._conn.execute("SELECT 1"), self._keepalive_s)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            self.stats.last_error = f"{type(exc).__name__}: {exc}"
            self._lost.set()

    async def _close_quietly(self) -> None:
        try:
            await self._close()
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.debug("notify: closing a dead connection: %s", exc)
            self._conn = None

    async def _reconnect(self) -> None:
        delay = self._backoff_s[0]
        while True:
            try:
                await self._connect()
                log.info("notify: listening again (connect #%d)", self.stats.connects)
                return
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("notify: reconnect failed (%s); retrying in %.1f s", exc, delay)
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self._backoff_s[1])

    # --- delivery --------------------------------------------------------------------

    async def _deliver_forever(self) -> None:
        while True:
            await self._wake.wait()
            if self._coalesce_s > 0:
                await asyncio.sleep(self._coalesce_s)
            self._wake.clear()
            batch, self._pending = self._pending, Changes()
            if batch:
                await self._deliver(batch)

    async def _deliver(self, batch: Changes) -> None:
        self.stats.batches += 1
        try:
            await self._handler(batch)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The handler's state may now be behind: re-read everything next time.
            self.stats.handler_errors += 1
            log.exception("notify: handling a change batch failed; will resync")
            await asyncio.sleep(self._backoff_s[0])
            self.request_resync()
