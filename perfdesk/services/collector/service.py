"""Collector: the headless, always-on pipeline of `perfdesk collect`, for a shared database.

On top of the Runtime (engine link, writer, validator, alert manager) and the report
scheduler (`reports=True`) it adds what a server process on a shared PostgreSQL/TimescaleDB needs:
- an advisory lock per engine (or per strategy of a subset), so a second collector of the
  same strategies refuses to start with a message naming the first;
- a strategy subset (`strategies`), so several collectors can split one engine;
- the desktop clients' acks and snoozes applied from `client_actions`, their silences
  from `alert_silences`; thresholds and alert settings re-read when any desktop saves
  them (LISTEN/NOTIFY);
- a heartbeat row (`collector_heartbeats`) that clients watch to show "collector offline";
- an optional Prometheus endpoint on loopback.
`stop()` flushes everything it read before it closes (SIGTERM in `perfdesk collect`).
Runs on one event loop; no Qt.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg

from perfdesk.domain.verdict import Verdict
from perfdesk.services.collector.actions import ActionApplier, SilenceSync
from perfdesk.services.collector.lock import ALL, EngineLock
from perfdesk.services.collector.metrics_exporter import MetricsExporter, MetricsSnapshot
from perfdesk.services.engine.source import EngineSource, SourceConfig
from perfdesk.services.engine.sources import open_source
from perfdesk.services.live.threshold_cache import ThresholdCache
from perfdesk.services.reports.render import headless_renderers
from perfdesk.services.reports.scheduler import ReportScheduler, start_report_scheduler
from perfdesk.services.runtime.local import Runtime
from perfdesk.services.store import notify, retention
from perfdesk.services.store.dsn import password_kwargs
from perfdesk.services.store.store import Store
from perfdesk.services.support.tasks import TaskSet

log = logging.getLogger(__name__)

_BEAT = """
INSERT INTO collector_heartbeats AS h (collector_id, engine, strategies, host, pid, db_pid,
    started_at, beat_at, stopped_at, feed_state, stats)
VALUES ($1, $2, $3, $4, $5, $6, $7, now(), NULL, $8, $9::jsonb)
ON CONFLICT (collector_id) DO UPDATE SET engine = EXCLUDED.engine,
    strategies = EXCLUDED.strategies, host = EXCLUDED.host, pid = EXCLUDED.pid,
    db_pid = EXCLUDED.db_pid, started_at = EXCLUDED.started_at, beat_at = now(),
    stopped_at = NULL, feed_state = EXCLUDED.feed_state, stats = EXCLUDED.stats"""
_STOPPED = (
    "UPDATE collector_heartbeats SET stopped_at = now(), beat_at = now() WHERE collector_id = $1"
)


@dataclass(frozen=True)
class CollectorConfig:
    """What one collector process does. Durations in seconds."""

    dsn: str
    engine_url: str
    token: str | None = None
    strategies: tuple[str, ...] = (ALL,)
    name: str | None = None
    """collector_id shown to clients; default '<host>[<strategies>]' (stable across restarts)."""
    heartbeat_s: float = 1.0
    validate_every_s: float = 0.25
    metrics_port: int | None = None
    """Prometheus port on `metrics_host` (0 = any free port; None = no exporter)."""
    metrics_host: str = "127.0.0.1"
    reports: bool = True
    """Run the report schedules (safe with several collectors: a run is claimed once)."""
    spool_dir: Path | None = None
    """Disk spool for events while the database is away (None: kept in memory only)."""
    ca_file: str | None = None
    """CA bundle for a wss:// engine with a private certificate authority."""
    retention_every_s: float | None = 3600.0
    """Apply the stored retention setting this often (store/retention.py; None = never)."""
    compact_after_days: int | None = 2
    """On the same schedule, compact raw equity days older than this (store/compaction.py;
    None = never; a no-op on TimescaleDB, whose native compression does it)."""

    @property
    def collector_id(self) -> str:
        return self.name or f"{socket.gethostname()}[{','.join(self.strategies)}]"


@dataclass
class CycleStats:
    """Validation cycle timings for the metrics exporter (seconds)."""

    count: int = 0
    total_s: float = 0.0
    last_s: float = 0.0
    recent: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.count += 1
        self.total_s += seconds
        self.last_s = seconds
        self.recent = [*self.recent[-199:], seconds]


CLIENT_CHANGES = (
    notify.ACTION,
    notify.THRESHOLDS,
    notify.ALERT_SETTINGS,
    notify.SILENCE,
    notify.EXPECTATIONS,
)
"""What desktops change that a collector applies at once."""


class CollectorRuntime(Runtime):
    """The Runtime with the collector's options: the engine source of its strategy
    subset (filtered at the source), a disk spool and timed validation cycles."""

    def __init__(self, store: Store, config: CollectorConfig) -> None:
        source = SourceConfig(
            config.engine_url,
            token=config.token,
            ca_file=config.ca_file,
            strategies=config.strategies,
        )
        super().__init__(
            store,
            open_source(source),
            subset=source.subset,
            validate_every_s=config.validate_every_s,
            spool_dir=config.spool_dir,
            upkeep=(
                None
                if config.retention_every_s is None
                else retention.Upkeep(config.retention_every_s, config.compact_after_days)
            ),
        )
        self.cycles = CycleStats()

    @property
    def engine(self) -> EngineSource:
        """The collector's engine source (a collector always has one)."""
        if self.source is None:
            raise RuntimeError("a collector runs with an engine source")
        return self.source

    async def validate_once(self, now: datetime | None = None) -> list[Verdict]:
        started = time.perf_counter()
        verdicts = await super().validate_once(now)
        self.cycles.add(time.perf_counter() - started)
        return verdicts


class Collector:
    """Start with `await Collector.start(config)`; stop with `await collector.stop()`.

    `start` raises CollectorLockError when another collector holds the strategies.
    """

    def __init__(self, config: CollectorConfig, store: Store, lock: EngineLock) -> None:
        self.config = config
        self.store = store
        self.lock = lock
        self.runtime = CollectorRuntime(store, config)
        self.thresholds: ThresholdCache = self.runtime.thresholds
        self.actions = ActionApplier(
            store.pool, self.runtime.alerts, config.collector_id, config.strategies
        )
        self.silences = SilenceSync(store.pool, self.runtime.alerts)
        self.feed = notify.ChangeFeed(
            config.dsn,
            CLIENT_CHANGES,
            self._on_changes,
        )
        self.exporter: MetricsExporter | None = None
        self.reports: ReportScheduler | None = None
        self.started_at = datetime.now().astimezone()
        self.stopped = asyncio.Event()
        self._stopping = False
        self._stop_task: asyncio.Task[None] | None = None
        self.events_per_s = 0.0
        """Events received per second over the last heartbeat interval."""
        self._rate_mark = (time.monotonic(), 0)
        self._tasks = TaskSet()

    @classmethod
    async def start(cls, config: CollectorConfig) -> Collector:
        store = await Store.open(config.dsn, **password_kwargs(config.dsn))
        lock = EngineLock(config.dsn, config.engine_url, config.strategies)
        try:
            await lock.acquire()
        except BaseException:
            await store.close()
            raise
        collector = cls(config, store, lock)
        try:
            await collector._start()
        except BaseException:
            await collector._close_resources()
            raise
        return collector

    async def _start(self) -> None:
        # Thresholds, warm-up, alert settings and state, then the pipeline; the feed below
        # re-reads thresholds, alert settings and silences whenever a desktop changes them.
        await self.runtime.start()
        await self.feed.start()
        if self.config.reports:
            await self._start_reports()
        await self._beat()
        self._tasks.spawn(self._beat_forever(), "collector-heartbeat")
        self._tasks.spawn(self._watch_lock(), "collector-lock-watch")
        if self.config.metrics_port is not None:
            self.exporter = MetricsExporter(self.metrics_snapshot)
            self.exporter.start(self.config.metrics_port, self.config.metrics_host)
        log.info("collector started", extra=self._identity())

    async def _start_reports(self) -> None:
        renderers = headless_renderers(self.config.dsn)
        try:
            self.reports = await start_report_scheduler(self.store, self.runtime.alerts, renderers)
        except (OSError, ValueError, LookupError, asyncpg.PostgresError) as exc:
            # Collecting matters more than reports: go on, loudly.
            log.error("report scheduler not started: %s", exc, exc_info=True)

    async def stop(self) -> None:
        """Stop reading, flush events and alert changes, mark stopped, release the lock.

        Safe to call twice (SIGTERM while a lost lock is already stopping it)."""
        if self._stopping:
            await self.stopped.wait()
            return
        self._stopping = True
        log.info("collector stopping: flushing and closing", extra=self._identity())
        await self._tasks.cancel_all()
        try:
            if self.reports is not None:
                await self.reports.stop()
            await self.runtime.stop()  # engine link, writer flush, alert persistence flush
            await self.store.pool.execute(_STOPPED, self.config.collector_id)
        finally:
            await self._close_resources()
        counts = {
            "events_received": self.runtime.engine.stats.events,
            "events_written": self.runtime.writer.stats.written,
            "events_spooled": self.runtime.writer.stats.spooled,
        }
        log.info("collector stopped", extra={**self._identity(), **counts})
        self.stopped.set()

    async def _close_resources(self) -> None:
        if self.exporter is not None:
            self.exporter.stop()
        await self.feed.stop()
        await self.lock.release()
        await self.store.close()

    # --- heartbeat -------------------------------------------------------------------

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_s)
            self._update_rate()
            try:
                await self._beat()
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("heartbeat failed (database away?): %s: %s", type(exc).__name__, exc)

    async def _beat(self) -> None:
        c = self.config
        await self.store.pool.execute(
            _BEAT, c.collector_id, self.lock.engine, list(c.strategies), socket.gethostname(),
            os.getpid(), self.lock.db_pid, self.started_at, str(self.runtime.engine.state),
            json.dumps(self.status()),
        )  # fmt: skip

    def _update_rate(self) -> None:
        now, events = time.monotonic(), self.runtime.engine.stats.events
        then, before = self._rate_mark
        if now > then:
            self.events_per_s = (events - before) / (now - then)
        self._rate_mark = (now, events)

    def status(self) -> dict[str, Any]:
        """Counters published in the heartbeat row (and the final log line)."""
        feed = self.runtime.engine.stats
        writer = self.runtime.writer.stats
        return {
            "events": feed.events,
            "events_per_s": round(self.events_per_s, 1),
            "reconnects": feed.reconnects,
            "dead_letters": feed.dead_letters,
            "written": writer.written,
            "pending": writer.pending,
            "spooled": writer.spooled,
            "db_available": writer.db_available,
            "actions_applied": self.actions.stats.applied,
            # A collector whose validator stopped is not healthy, however well it beats.
            "validation_age_s": round(time.monotonic() - self.runtime.last_cycle_at, 3),
            "validator_ok": time.monotonic() - self.runtime.last_cycle_at
            <= self.runtime.stalled_after_s,
            "failing_tasks": [h.name for h in self.runtime.supervisor.failing()],
        }

    async def _watch_lock(self) -> None:
        """Losing the lock connection means another collector may start: stop."""
        await self.lock.lost.wait()
        log.error(
            "the engine lock's database connection was lost; stopping so that no two "
            "collectors write the same strategies",
            extra=self._identity(),
        )
        self._stop_task = asyncio.get_running_loop().create_task(self.stop(), name="stop")

    # --- changes from clients --------------------------------------------------------

    async def _on_changes(self, changes: notify.Changes) -> None:
        if changes.resync:
            await self.thresholds.reload_all()
        elif scopes := changes.get(notify.THRESHOLDS):
            changed = await self.thresholds.reload(scopes)
            log.info("thresholds changed", extra={"scopes": changed})
        if changes.resync or changes.get(notify.ALERT_SETTINGS):
            await self.runtime.alert_settings.reload()
        if changes.resync:
            await self.silences.sync()
        elif ids := changes.get(notify.SILENCE):
            await self.silences.sync(ids)
        if changes.resync or changes.get(notify.ACTION):
            await self.actions.apply_pending()
        if changes.resync or (ids := changes.get(notify.EXPECTATIONS)):
            await self._apply_expectations(None if changes.resync else ids)

    async def _apply_expectations(self, strategy_ids: set[str] | None) -> None:
        """Expectations a desktop saved judge from the next cycle (of this subset only)."""
        subset = self.runtime.subset
        wanted = strategy_ids if subset is None else (strategy_ids or subset) & subset
        saved = await self.store.saved_expectations(wanted)
        for strategy_id, expectations in saved.items():
            self.runtime.monitor.set_expectations(strategy_id, expectations)
        if saved:
            log.info("expectations changed", extra={"strategies": sorted(saved)})

    def _identity(self) -> dict[str, Any]:
        return {
            "collector_id": self.config.collector_id,
            "engine": self.lock.engine,
            "strategies": list(self.config.strategies),
        }

    def metrics_snapshot(self) -> MetricsSnapshot:
        """This collector's stats for the exporter (called on the exporter's thread)."""
        runtime = self.runtime
        feed, writer, cycles = runtime.engine.stats, runtime.writer.stats, runtime.cycles
        alerts = Counter((a.state.value, a.severity.value) for a in runtime.alerts.published)
        age = None if feed.last_frame_at is None else time.monotonic() - feed.last_frame_at
        return MetricsSnapshot(
            events=feed.events, frames=feed.frames, written=writer.written,
            events_per_s=self.events_per_s, reconnects=feed.reconnects,
            dead_letters=feed.dead_letters, gaps=feed.gaps, duplicates=feed.duplicates,
            last_frame_age_s=age, pending=writer.pending, spooled=writer.spooled,
            db_available=writer.db_available, feed_state=str(runtime.engine.state),
            cycles=cycles.count, cycle_total_s=cycles.total_s, cycle_last_s=cycles.last_s,
            alerts=dict(alerts), actions_applied=self.actions.stats.applied,
            alert_settings_version=runtime.alert_settings.current.version,
            silences=len(runtime.alerts.published_silences),
        )  # fmt: skip
