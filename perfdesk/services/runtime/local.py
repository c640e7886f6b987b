"""Runtime: the live pipeline without a UI — engine -> store + monitor -> verdicts -> alerts.

`perfdesk collect` runs it headless; the desktop app runs the same object on a
backend thread (see BackendHost) and its window reads only `published`, an immutable
LiveView replaced every `publish_every_s`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from perfdesk.domain.snapshot import LiveView, StorageState
from perfdesk.domain.status import FeedState, Status
from perfdesk.domain.verdict import Verdict
from perfdesk.services.alerts.channels import Delivery
from perfdesk.services.alerts.channels.dispatcher import ChannelDispatcher
from perfdesk.services.alerts.channels.service import dispatcher_from_environment
from perfdesk.services.alerts.manager import AlertManager
from perfdesk.services.alerts.store import AlertPersistence, LiveAlertSettings
from perfdesk.services.engine.cursor import PgCursorStore
from perfdesk.services.engine.source import EngineSource, SourceFactory
from perfdesk.services.engine.stats import refused_text
from perfdesk.services.live.monitor import LiveMonitor
from perfdesk.services.live.pipeline import Pipeline
from perfdesk.services.live.threshold_cache import ThresholdCache
from perfdesk.services.live.warmup import warm_up
from perfdesk.services.runtime.health import Vitals, stalled_after, system_verdict
from perfdesk.services.runtime.verdict_writer import VerdictWriter
from perfdesk.services.store.retention import Upkeep
from perfdesk.services.store.spool import Spool, merge_resume
from perfdesk.services.store.store import Store
from perfdesk.services.store.writer import PIPELINE_DEPTH, StoreWriter
from perfdesk.services.support.supervisor import Supervisor

log = logging.getLogger(__name__)


class Runtime:
    def __init__(
        self,
        store: Store,
        source: SourceFactory | None,
        *,
        subset: frozenset[str] | None = None,
        validate_every_s: float = 0.25,
        publish_every_s: float = 0.05,
        spool_dir: Path | None = None,
        upkeep: Upkeep | None = None,
    ) -> None:
        """`source` builds the engine link (engine/sources.py `open_source`); None runs
        without an engine (stored history, thresholds and reports still work). `subset`
        limits the warm-up from the store to the strategies this runtime watches (the
        source filters the live stream itself). `upkeep`: the storage task (retention
        and compaction of the stored data; None: another process does it)."""
        self.store = store
        self.thresholds = ThresholdCache(store.pool)
        """The saved threshold sets the validator applies (reloaded when one is saved)."""
        self.monitor = LiveMonitor(thresholds_for=self.thresholds.thresholds_for)
        self.alerts = AlertManager()
        self.alert_settings = LiveAlertSettings(store.pool, self.alerts)
        """Alert settings from the database, applied live; the settings form saves through it."""
        self.alert_persistence = AlertPersistence(store.pool)
        self.alert_channels = dispatcher_from_environment(self._record_delivery, pool=store.pool)
        self.upkeep = upkeep
        self.spool = Spool(spool_dir) if spool_dir is not None else None
        """Events wait here on disk while the database is unreachable (None: in memory)."""
        self.writer = StoreWriter(store, spool=self.spool)
        self.pipeline = Pipeline(self.monitor, self.writer, store)
        self.source: EngineSource | None = (
            None
            if source is None
            else source(self.pipeline, self._resume_points, cursors=PgCursorStore(store.pool))
        )
        """None when no engine is configured: stored history, thresholds and reports work."""
        self.subset = subset
        """The strategies this runtime watches (None: every one the engine sends)."""
        self._known_seqs: dict[str, int] = {}
        self._validate_every_s = validate_every_s
        self._publish_every_s = publish_every_s
        self.published = LiveView()
        self._saved_status: dict[str, Status] = {}
        self.verdicts = VerdictWriter(store)
        """Verdict changes on their way to the database (kept while it is away)."""
        self.supervisor = Supervisor()
        """Every long-running task below; a failed one is restarted and raises a system
        alert, as does a validator that stops completing cycles (the watchdog)."""
        self.last_cycle_at = time.monotonic()
        """monotonic() when the last validation cycle completed (start counts as one)."""
        self.stalled_after_s = stalled_after(validate_every_s)

    async def start(self) -> None:
        await self.thresholds.reload_all()
        # resume the live state before new events
        await warm_up(self.monitor, self.store, self.subset)
        await self.alert_settings.start()  # stored AlertSettings in force before the first cycle
        await self.alert_persistence.start(self.alerts)  # load alert state before validating
        self.alert_channels.start(self.alerts)
        await self._warm_writes()
        supervise = self.supervisor.supervise
        supervise("store-writer", self.writer.run)
        supervise("verdict-writer", self.verdicts.run)
        if self.source is not None:
            supervise("engine-source", self.source.run)
        else:
            self.monitor.set_feed(FeedState.DISCONNECTED)
        self.last_cycle_at = time.monotonic()
        supervise("validator", self._validate_forever)
        supervise("publisher", self._publish_forever)
        supervise("watchdog", self._watch_forever)
        if self.upkeep is not None:
            upkeep = self.upkeep
            supervise("storage-upkeep", lambda: upkeep.run(self.store.pool))

    async def _warm_writes(self) -> None:
        """The writer's connections plan the live path before the engine's replay comes
        (best effort: with the database away the writer spools, as it would anyway)."""
        try:
            await asyncio.wait_for(self.store.warm_writes(PIPELINE_DEPTH), timeout=5.0)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.info("store: write path not warmed up (%s)", exc or type(exc).__name__)

    async def stop(self) -> None:
        """Stop reading, flush what was read, then stop the rest."""
        self.supervisor.begin_stop()
        if self.source is not None:
            await self.source.stop()
        await self.writer.flush()
        await self.writer.aclose()
        await self.supervisor.stop()
        with contextlib.suppress(Exception):  # best effort: the database may be away
            await asyncio.wait_for(self.verdicts.drain(), timeout=2.0)
        await self.alert_channels.aclose()
        await self.alert_persistence.aclose()
        if self.spool is not None:
            self.spool.close()

    async def _resume_points(self) -> dict[str, int]:
        """Per strategy, the last seq stored or durably spooled: the engine replays the rest.

        While the database is away the last map read from it stands in (the engine
        source drops whatever it replays twice)."""
        try:
            self._known_seqs = await self.store.last_seqs()
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning(
                "resume points from the database unavailable (%s); using the last known", exc
            )
        spooled = self.spool.last_seqs() if self.spool is not None else {}
        return merge_resume(self._known_seqs, spooled)

    async def validate_once(self, now: datetime | None = None) -> list[Verdict]:
        """Judge every strategy, update the alerts, queue verdict changes for storage.
        Never waits on the database (an outage cannot stall judging)."""
        now = now or datetime.now(UTC)
        verdicts = self.monitor.validate(now)
        self.alerts.process(verdicts, now)
        for verdict in verdicts:
            if self._saved_status.get(verdict.strategy_id) != verdict.status:
                self._saved_status[verdict.strategy_id] = verdict.status
                self.verdicts.put(verdict)
        self.last_cycle_at = time.monotonic()
        return verdicts

    def vitals(self) -> Vitals:
        """What the watchdog judges perfdesk itself by (see runtime/health.py)."""
        guard = None if self.source is None else self.source.guard
        return Vitals(
            tasks=self.supervisor.health(),
            failing=self.supervisor.failing(),
            cycle_age_s=time.monotonic() - self.last_cycle_at,
            validate_every_s=self._validate_every_s,
            stalled_after_s=self.stalled_after_s,
            refused_strategies=len(guard.stats.refused_ids) if guard else 0,
            strategy_cap=guard.config.max_strategies if guard else 0,
        )

    def check_health(self, now: datetime | None = None) -> Verdict:
        """One watchdog cycle: the system verdict, applied to the alerts."""
        now = now or datetime.now(UTC)
        verdict = system_verdict(self.vitals(), now)
        self.alerts.process([verdict], now)
        return verdict

    @property
    def local_alerts(self) -> AlertManager:
        """This process's alert manager (DeskRuntime)."""
        return self.alerts

    @property
    def alert_dispatcher(self) -> ChannelDispatcher:
        """This process's alert channels (DeskRuntime)."""
        return self.alert_channels

    @property
    def expectation_sink(self) -> LiveMonitor:
        """Saved expectations apply to the live monitor at once (DeskRuntime)."""
        return self.monitor

    def publish(self) -> LiveView:
        """Replace `published` with the current state (snapshots are rebuilt only if changed)."""
        w = self.writer.stats
        storage = StorageState(w.db_available, w.spooled, w.pending, w.last_error)
        security = self.source.stats.security if self.source is not None else None
        view = LiveView(
            self.monitor.snapshots(), tuple(self.alerts.active()), time.time(), storage, security,
            refused_text(self.source.stats) if self.source is not None else None,
        )  # fmt: skip
        self.published = view
        return view

    async def _record_delivery(self, d: Delivery) -> None:
        await self.alert_persistence.store.record_delivery(
            d.channel, d.event, ok=d.ok, attempts=d.attempts, error=d.error
        )

    async def _publish_forever(self) -> None:
        while True:
            self.publish()
            await asyncio.sleep(self._publish_every_s)

    async def _validate_forever(self) -> None:
        while True:
            await self.validate_once()
            await asyncio.sleep(self._validate_every_s)

    async def _watch_forever(self) -> None:
        """Runs beside the validator, so a validator that died or hangs is still seen."""
        period = min(0.5, self._validate_every_s)
        while True:
            await asyncio.sleep(period)
            self.check_health()
