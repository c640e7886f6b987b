"""Client mode: a desktop on a shared database with no engine link of its own.

`ClientRuntime` stands where the Runtime stands in the desktop app: it publishes the
same immutable `LiveView` (`published`), and its `alerts` answers the same calls the
AlertManager answers, so the window code does not change. The state comes from the
database the collector writes: strategy snapshots from recent equity rows, the latest
verdicts, the alerts table, the collectors' heartbeats, the current thresholds. Changes
arrive through LISTEN/NOTIFY (one connection per desktop, coalesced; no polling): an
alert fired by the collector, an ack made on another desktop, a threshold saved
elsewhere, a silence or new alert settings saved on any desktop. When a collector's
heartbeat stops the desktop shows "collector offline"
(a critical banner alert and a disconnected feed on its strategies) and recovers by
itself when the collector beats again.

Runs on the backend loop thread (BackendHost); the GUI reads `published` only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from perfdesk.domain.alerts import Alert, AlertHistoryEntry
from perfdesk.domain.snapshot import LiveView
from perfdesk.domain.status import FeedState
from perfdesk.services.alerts.store import AlertStore, LiveAlertSettings
from perfdesk.services.client.alerts import ClientAlerts, offline_alert
from perfdesk.services.client.strategies import ClientStrategies
from perfdesk.services.collector.lock import ALL
from perfdesk.services.host.bootstrap import Backend, BackendError
from perfdesk.services.live.threshold_cache import ThresholdCache
from perfdesk.services.store import notify
from perfdesk.services.store.dsn import password_kwargs, redacted
from perfdesk.services.store.store import Store
from perfdesk.services.support.tasks import TaskSet

log = logging.getLogger(__name__)

_BEATS = """
SELECT collector_id, engine, strategies, feed_state, stats, stopped_at,
       extract(epoch FROM now() - beat_at)::float8 AS age
FROM collector_heartbeats
WHERE ($1::text[] IS NULL OR collector_id = ANY($1))
  AND (stopped_at IS NULL OR beat_at > now() - interval '1 day')"""


@dataclass(frozen=True)
class CollectorStatus:
    """What a desktop knows of one collector; `seen_at` is local time.monotonic()."""

    collector_id: str
    engine: str
    strategies: tuple[str, ...]
    feed_state: FeedState
    seen_at: float
    stopped: bool
    stats: dict[str, Any]

    def online(self, now: float, offline_after_s: float) -> bool:
        return not self.stopped and now - self.seen_at <= offline_after_s

    def not_judging(self) -> str | None:
        """Why a beating collector is not judging (stalled validator, failing tasks)."""
        failing = [str(t) for t in self.stats.get("failing_tasks") or []]
        if self.stats.get("validator_ok", True) and not failing:
            return None
        age = self.stats.get("validation_age_s")
        parts = (
            []
            if self.stats.get("validator_ok", True)
            else [f"no validation cycle for {age} s" if age is not None else "validator stalled"]
        )
        if failing:
            parts.append("failing: " + ", ".join(failing))
        return f"collector {self.collector_id} is not judging ({'; '.join(parts)})"


class _Persistence:
    """An alert's stored lifecycle, read from the shared database (no writer here)."""

    def __init__(self, pool: Any) -> None:
        self.store = AlertStore(pool)

    async def history(self, fingerprint: str) -> list[AlertHistoryEntry]:
        return await self.store.history(fingerprint)


class ClientRuntime:
    """Start with `await start()`, stop with `await stop()` (backend loop).

    `offline_after_s`: a collector whose last heartbeat is older is shown offline.
    """

    def __init__(
        self,
        store: Store,
        dsn: str,
        *,
        offline_after_s: float = 5.0,
        ingest_interval_s: float = 0.1,
        tick_s: float = 0.25,
    ) -> None:
        self.store = store
        self.strategies = ClientStrategies(store)
        self.alerts = ClientAlerts(store.pool)
        self.alerts.on_local_change = self.publish
        self.alert_persistence = _Persistence(store.pool)
        self.thresholds = ThresholdCache(store.pool)
        self.alert_settings = LiveAlertSettings(store.pool)
        """The shared alert settings: shown and saved here, applied by the collectors."""
        self.collectors: dict[str, CollectorStatus] = {}
        self.published = LiveView()
        self.offline_after_s = offline_after_s
        self.threshold_listeners: list[Callable[[list[str]], None]] = []
        """Called (loop thread) with the scopes whose thresholds another desktop changed."""
        self.feed = notify.ChangeFeed(dsn, notify.CHANNELS, self._on_changes)
        self._ingest_interval_s = ingest_interval_s
        self._tick_s = tick_s
        self._dirty_ingest: set[str] = set()
        self._ingest_wake = asyncio.Event()
        self._offline_since: dict[str, datetime] = {}
        self._tasks = TaskSet()

    async def start(self) -> None:
        await self._resync()
        await self.feed.start()
        self._tasks.spawn(self._ingest_forever(), "client-ingest")
        self._tasks.spawn(self._tick_forever(), "client-tick")

    async def stop(self) -> None:
        await self.feed.stop()
        await self._tasks.cancel_all()

    # --- what the window shows --------------------------------------------------------

    @property
    def local_alerts(self) -> None:
        """None: the collectors own the alerts (DeskRuntime)."""
        return None

    @property
    def alert_dispatcher(self) -> None:
        """None: the collectors send the alerts (DeskRuntime)."""
        return None

    @property
    def expectation_sink(self) -> None:
        """None: the collectors' validators read saved expectations (DeskRuntime)."""
        return None

    def collector_online(self) -> bool:
        """True when at least one collector beats and none is missing."""
        now = time.monotonic()
        live = [c.online(now, self.offline_after_s) for c in self.collectors.values()]
        return bool(live) and all(live)

    def status_text(self) -> str:
        if not self.collectors:
            return "collector offline: no collector has written to this database"
        down = self._offline()
        if down:
            return "collector offline: " + ", ".join(sorted(down))
        return "collector online: " + ", ".join(sorted(self.collectors))

    def publish(self) -> LiveView:
        self._update_liveness()
        view = LiveView(self.strategies.snapshots(), tuple(self.alerts.active()), time.time())
        self.published = view
        return view

    # --- changes ----------------------------------------------------------------------

    async def _on_changes(self, changes: notify.Changes) -> None:
        if changes.resync:
            await self._resync()
            return
        if ids := changes.get(notify.HEARTBEAT):
            await self._load_beats(ids)
        if scopes := changes.get(notify.THRESHOLDS):
            self._thresholds_changed(await self.thresholds.reload(scopes))
        if changes.get(notify.ALERT_SETTINGS):
            await self.alert_settings.reload()
        if ids := changes.get(notify.SILENCE):
            await self.alerts.load_silences(ids)
        if fps := changes.get(notify.ALERT):
            await self.alerts.load(fps)
        if ids := changes.get(notify.VERDICT):
            await self._ensure_known(ids)
            await self.strategies.load_verdicts(ids)
        if ids := changes.get(notify.INGEST):
            self._dirty_ingest |= ids
            self._ingest_wake.set()
        self.publish()

    async def _resync(self) -> None:
        """Re-read everything (at start and after the notify connection came back)."""
        await self._load_beats(None)
        self._thresholds_changed(await self.thresholds.reload_all())
        await self.alert_settings.reload()
        await self.alerts.load_silences()
        await self.alerts.load(quiet=not self.published.published_at)
        await self.strategies.load_strategies()
        await self.strategies.load_verdicts()
        await self.strategies.load_equity()
        self.publish()

    async def _ensure_known(self, ids: set[str]) -> None:
        unknown = [i for i in ids if not self.strategies.known(i)]
        if unknown:
            await self.strategies.load_strategies(unknown)

    async def _ingest_forever(self) -> None:
        """New equity rows, at most every `ingest_interval_s` (bursts are coalesced)."""
        while True:
            await self._ingest_wake.wait()
            self._ingest_wake.clear()
            ids, self._dirty_ingest = self._dirty_ingest, set()
            await self._ensure_known(ids)
            await self.strategies.load_strategies(ids)
            await self.strategies.load_equity(ids)
            self.publish()
            await asyncio.sleep(self._ingest_interval_s)

    async def _tick_forever(self) -> None:
        """Local clock only (no query): notices a heartbeat that stopped."""
        while True:
            await asyncio.sleep(self._tick_s)
            self.publish()

    def _thresholds_changed(self, scopes: list[str]) -> None:
        if scopes:
            for listener in self.threshold_listeners:
                listener(scopes)

    # --- collectors -------------------------------------------------------------------

    async def _load_beats(self, ids: set[str] | None) -> None:
        rows = await self.store.pool.fetch(_BEATS, None if ids is None else sorted(ids))
        now = time.monotonic()
        for row in rows:
            self.collectors[row["collector_id"]] = CollectorStatus(
                collector_id=row["collector_id"],
                engine=row["engine"],
                strategies=tuple(row["strategies"]),
                feed_state=FeedState(row["feed_state"]),
                seen_at=now - max(0.0, row["age"]),
                stopped=row["stopped_at"] is not None,
                stats=_json(row["stats"]),
            )

    def _offline(self) -> list[str]:
        now = time.monotonic()
        return [
            cid for cid, c in self.collectors.items() if not c.online(now, self.offline_after_s)
        ]

    def _update_liveness(self) -> None:
        """Feed state per strategy and the 'collector offline' alerts, from the beats."""
        now_wall, now = datetime.now(UTC), time.monotonic()
        feed: dict[str, FeedState] = {}
        extra: list[Alert] = []
        for cid, c in sorted(self.collectors.items()):
            online = c.online(now, self.offline_after_s)
            state = c.feed_state if online else FeedState.DISCONNECTED
            for sid in c.strategies:
                feed[sid] = state
            problem = c.not_judging() if online else None
            if online and problem is None:
                self._offline_since.pop(cid, None)
                continue
            if problem is not None:
                since = self._offline_since.setdefault(cid, now_wall)
                extra.append(offline_alert(cid, problem, since))
                continue
            since = self._offline_since.setdefault(cid, now_wall)
            extra.append(offline_alert(cid, self._offline_message(c, now), since))
        if not self.collectors:
            since = self._offline_since.setdefault("", now_wall)
            extra.append(offline_alert("none", "collector offline: no collector yet", since))
        feed.setdefault(ALL, FeedState.DISCONNECTED)
        self.strategies.set_feed(feed)
        if tuple(extra) != self.alerts.extra:
            self.alerts.extra = tuple(extra)
            self.alerts.publish()

    def _offline_message(self, c: CollectorStatus, now: float) -> str:
        if c.stopped:
            return f"collector offline: {c.collector_id} was stopped"
        last = datetime.now(UTC) - timedelta(seconds=now - c.seen_at)
        return f"collector offline: no heartbeat from {c.collector_id} since {last:%H:%M:%S} UTC"


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        loaded = json.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return dict(value or {})


async def start_client_backend(dsn: str | None, *, offline_after_s: float = 5.0) -> Backend:
    """The desktop's backend in client mode (call on the backend loop: `host.run(...)`)."""
    if not dsn:
        raise BackendError(
            "client mode reads a shared database: pass --dsn or set PERFDESK_DSN "
            "(the collector writes there with `perfdesk collect`)"
        )
    store = await Store.open(dsn, **password_kwargs(dsn))
    runtime = ClientRuntime(store, dsn, offline_after_s=offline_after_s)
    try:
        await runtime.start()
    except BaseException:
        await store.close()
        raise
    description = f"Client mode · shared database: {redacted(dsn)}"
    log.info("client backend up: %s", description)
    return Backend(runtime, store, description)
