"""AlertStore: alerts, their full history, silences and deliveries in PostgreSQL (asyncpg).

`AlertPersistence` ties it to an AlertManager: on start it loads the stored state into
the manager (so a restart resumes every alert where it was and does not notify twice),
then writes every change the manager emits, in order, from a background task on the
same event loop. The manager never waits for the database.

`LiveAlertSettings` keeps the manager's AlertSettings in the database (versions, like
thresholds) and applies a saved change live, here and — through NOTIFY — in every
collector.

Schema: tables `alerts` and `alert_events` (migration 0001) extended by the alerts
block (0100 lifecycle, 0101 settings, 0102 shared silences). SQL is always parameterised.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from perfdesk.domain.alerts import (
    Alert,
    AlertChange,
    AlertEvent,
    AlertHistoryEntry,
    AlertSettings,
    AlertState,
    Silence,
    SilenceEvent,
)
from perfdesk.domain.status import Status
from perfdesk.services.alerts.manager import AlertManager, Change
from perfdesk.services.store import database
from perfdesk.services.store.config_store import (
    DEFAULT_ALERT_SETTINGS,
    AlertSettingsError,
    AlertSettingsStore,
    SavedAlertSettings,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = 100
SCHEMA_NAME = "alert_lifecycle"
_SCHEMA_FILE = f"{SCHEMA_VERSION:04d}_{SCHEMA_NAME}.sql"

_ALERT_COLUMNS = (
    "fingerprint", "strategy_id", "rule", "severity", "state", "message", "started_at",
    "updated_at", "acked_by", "acked_at", "ack_comment", "snoozed_until",
    "snooze_until_recovery", "silenced_by", "inhibited_by", "pending_since", "clear_since",
    "fired_at", "notified_severity", "notified_at", "episode", "worst",
)  # fmt: skip
# Built once from the fixed column names above (no input ever reaches these strings).
_COLUMNS = ", ".join(_ALERT_COLUMNS)
_SELECT_ALERTS = f"SELECT {_COLUMNS} FROM alerts"  # noqa: S608
_UPSERT_ALERT = (
    f"INSERT INTO alerts ({_COLUMNS}) VALUES "  # noqa: S608
    f"({', '.join(f'${i}' for i in range(1, len(_ALERT_COLUMNS) + 1))}) "
    "ON CONFLICT (fingerprint) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _ALERT_COLUMNS[1:])
)
_INSERT_EVENT = (
    "INSERT INTO alert_events (fingerprint, ts, state, severity, message, actor, comment,"
    " change, episode, notified) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
)
_BAD_DATA = (asyncpg.IntegrityConstraintViolationError, asyncpg.DataError)
_UPSERT_SILENCE = (
    "INSERT INTO alert_silences (id, strategy_id, rule, created_by, comment, created_at,"
    " expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING"
)


def schema_sql() -> str:
    """The alerts block's SQL (migrations/0100_alert_lifecycle.sql)."""
    return (database.MIGRATIONS_DIR / _SCHEMA_FILE).read_text(encoding="utf-8")


async def ensure_schema(pool: Any) -> None:
    """Make sure the alerts block is in place on a pool `Store.open` did not migrate.

    `database.migrate` applies 0100 like any migration; this only covers a database
    migrated by an older perfdesk. The SQL is idempotent; the migrations advisory lock
    keeps it from racing `database.migrate`.
    """
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", database.MIGRATION_LOCK_KEY)
        try:
            applied = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)",
                SCHEMA_VERSION,
            )
            if not applied:
                async with conn.transaction():
                    await conn.execute(schema_sql())
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", database.MIGRATION_LOCK_KEY)


class AlertStore:
    """Reads and writes on the loop that opened `pool` (the backend loop)."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    async def load(self, now: datetime | None = None) -> tuple[list[Alert], list[Silence]]:
        """Every alert (one row per fingerprint) and the silences still in force at `now`."""
        now = now or datetime.now(UTC)
        rows = await self._pool.fetch(_SELECT_ALERTS)
        silences = await self._pool.fetch(
            "SELECT * FROM alert_silences WHERE ended_at IS NULL AND expires_at > $1", now
        )
        return [_alert(r) for r in rows], [_silence(r) for r in silences]

    async def write(self, changes: Sequence[Change]) -> None:
        """Persist changes in order, all or nothing (one transaction)."""
        async with self._pool.acquire() as conn, conn.transaction():
            for change in changes:
                if isinstance(change, AlertEvent):
                    await conn.execute(_UPSERT_ALERT, *_alert_args(change.alert))
                    await conn.execute(_INSERT_EVENT, *_event_args(change))
                else:
                    await _write_silence(conn, change)

    async def list_alerts(
        self,
        *,
        strategy_id: str | None = None,
        severity: Status | None = None,
        state: AlertState | None = None,
        limit: int = 1000,
    ) -> list[Alert]:
        """Alerts matching every given filter, most recently updated first."""
        rows = await self._pool.fetch(
            _SELECT_ALERTS + " WHERE ($1::text IS NULL OR strategy_id = $1)"
            " AND ($2::text IS NULL OR severity = $2) AND ($3::text IS NULL OR state = $3)"
            " ORDER BY updated_at DESC LIMIT $4",
            strategy_id,
            severity.value if severity else None,
            state.value if state else None,
            limit,
        )
        return [_alert(r) for r in rows]

    async def history(self, fingerprint: str, limit: int = 1000) -> list[AlertHistoryEntry]:
        """An alert's history, oldest first (the last `limit` rows)."""
        rows = await self._pool.fetch(
            "SELECT * FROM (SELECT * FROM alert_events WHERE fingerprint = $1"
            " ORDER BY ts DESC, id DESC LIMIT $2) h ORDER BY ts, id",
            fingerprint,
            limit,
        )
        return [_history(r) for r in rows]

    async def silences(self, *, include_ended: bool = False) -> list[Silence]:
        rows = await self._pool.fetch(
            "SELECT * FROM alert_silences WHERE $1 OR ended_at IS NULL ORDER BY created_at",
            include_ended,
        )
        return [_silence(r) for r in rows]

    async def silence_rows(self, ids: Sequence[str] | None = None) -> list[SilenceRow]:
        """Silences by id (None: those not ended yet), with how and when they ended."""
        rows = await self._pool.fetch(
            "SELECT * FROM alert_silences WHERE CASE WHEN $1::text[] IS NULL"
            " THEN ended_at IS NULL ELSE id = ANY($1) END ORDER BY created_at",
            None if ids is None else list(ids),
        )
        return [SilenceRow(_silence(r), r["ended_at"], r.get("ended_by")) for r in rows]

    async def add_silence(self, silence: Silence) -> None:
        """Store a silence made on a desktop in client mode (collectors apply it)."""
        s = silence
        await self._pool.execute(
            _UPSERT_SILENCE, s.id, s.strategy_id, s.rule, s.created_by, s.comment, s.created_at,
            s.expires_at,
        )  # fmt: skip

    async def end_silence(self, silence_id: str, who: str, at: datetime) -> bool:
        """End a silence early (client mode); False if it had already ended or is unknown."""
        status = await self._pool.execute(
            "UPDATE alert_silences SET ended_at = $2, ended_by = $3"
            " WHERE id = $1 AND ended_at IS NULL",
            silence_id, at, who,
        )  # fmt: skip
        return str(status).endswith(" 1")

    async def record_delivery(
        self, channel: str, event: AlertEvent, *, ok: bool, attempts: int, error: str | None
    ) -> None:
        await self._pool.execute(
            "INSERT INTO alert_deliveries (ts, channel, fingerprint, change, ok, attempts, error)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            datetime.now(UTC),
            channel,
            event.alert.fingerprint,
            event.change.value,
            ok,
            attempts,
            error,
        )

    async def deliveries(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = await self._pool.fetch(
            "SELECT * FROM alert_deliveries ORDER BY id DESC LIMIT $1", limit
        )
        return [dict(r) for r in rows]


@dataclass(frozen=True)
class SilenceRow:
    """A stored silence and how it ended (`ended_by` None: it expired)."""

    silence: Silence
    ended_at: datetime | None = None
    ended_by: str | None = None


@dataclass
class PersistenceStats:
    written: int = 0
    batches: int = 0
    failures: int = 0
    rejected: int = 0
    pending: int = 0
    last_error: str | None = None


class AlertPersistence:
    """Loads the manager's state, then writes its changes in order (batched, retried).

    A database outage delays writes (they stay queued, in order, and are retried with
    backoff); it never blocks or drops a change.
    """

    def __init__(self, pool: Any, *, retry_s: tuple[float, float] = (0.2, 5.0)) -> None:
        self.store = AlertStore(pool)
        self._pool = pool
        self._queue: deque[Change] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._retry_s = retry_s
        self._task: asyncio.Task[None] | None = None
        self.stats = PersistenceStats()

    async def start(self, manager: AlertManager, now: datetime | None = None) -> None:
        """Schema, load state into `manager`, listen to it, start the writer task."""
        await ensure_schema(self._pool)
        alerts, silences = await self.store.load(now)
        manager.load(alerts, silences)
        manager.add_listener(self)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="alert-store")
        # A silence stored (or ended) by a desktop while this manager was not running.
        manager.resilence(now)
        log.info("alerts loaded: %d alerts, %d silences in force", len(alerts), len(silences))

    def __call__(self, change: Change) -> None:
        """Manager listener (same loop): queue the change; the task writes it."""
        self._queue.append(change)
        self.stats.pending = len(self._queue)
        self._idle.clear()
        self._wake.set()

    async def flush(self) -> None:
        """Return when every change queued so far is stored."""
        await self._idle.wait()

    async def history(self, fingerprint: str) -> list[AlertHistoryEntry]:
        """An alert's stored history including every change emitted so far."""
        await self.flush()
        return await self.store.history(fingerprint)

    async def aclose(self) -> None:
        """Write what is queued (best effort while the database answers), stop the task."""
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self.flush(), timeout=10.0)
        except TimeoutError:
            log.error("alerts: %d changes not stored at shutdown", len(self._queue))
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._drain()
            self._idle.set()

    async def _drain(self) -> None:
        """Write until the queue is empty; keep retrying (with backoff) while writes fail."""
        delay = self._retry_s[0]
        while self._queue:
            batch = list(self._queue)
            try:
                await self._write_batch(batch)
            except Exception as exc:  # noqa: BLE001 - logged and retried; never lose a change
                self._failed(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_s[1])
                continue
            delay = self._retry_s[0]
            self._stored(len(batch))

    async def _write_batch(self, batch: list[Change]) -> None:
        try:
            await self.store.write(batch)
        except _BAD_DATA:
            await self._write_each(batch)

    async def _write_each(self, batch: list[Change]) -> None:
        """A batch the database refused as bad data: store the good changes, log the bad."""
        for change in batch:
            try:
                await self.store.write([change])
            except _BAD_DATA as exc:
                self.stats.rejected += 1
                log.error("alerts: the database refused %r: %s", change, exc)

    def _stored(self, count: int) -> None:
        for _ in range(count):
            self._queue.popleft()
        self.stats.written += count
        self.stats.batches += 1
        self.stats.pending = len(self._queue)

    def _failed(self, exc: BaseException) -> None:
        self.stats.failures += 1
        self.stats.last_error = f"{type(exc).__name__}: {exc}"
        log.error("alerts: writing %d changes failed (will retry)", len(self._queue), exc_info=exc)


SettingsListener = Callable[[SavedAlertSettings], None]


class LiveAlertSettings:
    """The alert settings in force: stored in PostgreSQL, applied live to a manager.

    The desktop's Runtime and the collector pass their AlertManager; a client-mode
    desktop passes none (its collector applies the settings) and only shows and saves
    them. `current` is an immutable value, safe to read from any thread; everything
    else runs on the backend loop (`BackendHost.run`).

    - `await start()`: load the current version and apply it (before alerts are processed).
    - `await save(values, who, comment=None)`: validate (AlertSettingsError with
      `.errors` per field), store a new version, apply it here at once; the database
      notifies `perfdesk_alert_settings` and every collector applies it too.
    - `await reload()`: re-read after a notification; applies a newer version.
    - `await history()`, `await revert(version, who)`; `listeners` are called (loop
      thread) with each new SavedAlertSettings in force.
    """

    def __init__(self, pool: Any, manager: AlertManager | None = None) -> None:
        self.store = AlertSettingsStore(pool)
        self._manager = manager
        self.current: SavedAlertSettings = (
            DEFAULT_ALERT_SETTINGS
            if manager is None
            else SavedAlertSettings(0, manager.settings)  # version 0: nothing stored yet
        )
        self.listeners: list[SettingsListener] = []
        self.load_error: str | None = None
        """Why the stored settings could not be used (the previous ones stay in force)."""

    @property
    def settings(self) -> AlertSettings:
        return self.current.settings

    async def start(self) -> SavedAlertSettings:
        await self.reload()
        return self.current

    async def reload(self) -> bool:
        """Re-read the current version; True if a newer one was applied."""
        try:
            saved = await self.store.load()
        except AlertSettingsError as exc:
            self.load_error = str(exc)
            log.error("stored alert settings are not valid here; keeping v%d: %s",
                      self.current.version, exc)  # fmt: skip
            return False
        self.load_error = None
        return self._use(saved)

    async def save(
        self, values: AlertSettings | Mapping[str, Any], who: str, comment: str | None = None
    ) -> SavedAlertSettings:
        saved = await self.store.save(values, who, comment)
        self._use(saved)
        return saved

    async def revert(self, version: int, who: str) -> SavedAlertSettings:
        saved = await self.store.revert(version, who)
        self._use(saved)
        return saved

    async def history(self, limit: int = 100) -> list[SavedAlertSettings]:
        return await self.store.history(limit)

    def _use(self, saved: SavedAlertSettings) -> bool:
        """Apply `saved` unless it is not newer than what is in force."""
        if saved.version <= self.current.version:
            return False  # nothing stored yet (the manager keeps its own), or not newer
        self.current = saved
        if self._manager is not None:
            self._manager.apply_settings(saved.settings)
        log.info("alert settings v%d in force (by %s)", saved.version, saved.who,
                 extra={"version": saved.version, "actor": saved.who,
                        "settings": saved.settings.model_dump()})  # fmt: skip
        for listener in list(self.listeners):
            try:
                listener(saved)
            except Exception:
                log.exception("alert settings listener %r failed", listener)
        return True


async def _write_silence(conn: Any, change: SilenceEvent) -> None:
    s = change.silence
    await conn.execute(
        _UPSERT_SILENCE, s.id, s.strategy_id, s.rule, s.created_by, s.comment, s.created_at,
        s.expires_at,
    )  # fmt: skip
    if change.ended_at is not None:
        await conn.execute(
            "UPDATE alert_silences SET ended_at = $2, ended_by = $3"
            " WHERE id = $1 AND ended_at IS NULL",
            s.id,
            change.ended_at,
            change.ended_by,
        )


def _alert_args(a: Alert) -> tuple[Any, ...]:
    return (
        a.fingerprint, a.strategy_id, a.rule, a.severity.value, a.state.value, a.message,
        a.started_at, a.updated_at, a.acked_by, a.acked_at, a.ack_comment, a.snoozed_until,
        a.snooze_until_recovery, a.silenced_by, a.inhibited_by, a.pending_since, a.clear_since,
        a.fired_at, a.notified_severity.value if a.notified_severity else None, a.notified_at,
        a.episode, a.worst.model_dump_json() if a.worst else None,
    )  # fmt: skip


def _event_args(e: AlertEvent) -> tuple[Any, ...]:
    a = e.alert
    return (
        a.fingerprint, e.ts, a.state.value, a.severity.value, a.message, e.actor, e.comment,
        e.change.value, a.episode, e.notify,
    )  # fmt: skip


def _alert(row: Any) -> Alert:
    data = dict(row)
    notified = data.pop("notified_severity")
    return Alert(**data, notified_severity=Status(notified) if notified else None)


def _silence(row: Any) -> Silence:
    data = dict(row)
    data.pop("ended_at", None)
    data.pop("ended_by", None)
    return Silence(**data)


def _history(row: Any) -> AlertHistoryEntry:
    return AlertHistoryEntry(
        id=row["id"],
        fingerprint=row["fingerprint"],
        ts=row["ts"],
        change=AlertChange(row["change"]) if row["change"] else None,
        state=AlertState(row["state"]),
        severity=Status(row["severity"]),
        message=row["message"],
        actor=row["actor"],
        comment=row["comment"],
        notified=row["notified"],
        episode=row["episode"],
    )
