"""ClientAlerts: the alerts of a shared database, shaped like the AlertManager for the views.

In client mode the collector owns every alert's state. This object mirrors the
`alerts` table (re-read row by row on `perfdesk_alert` notifications), publishes the
same immutable values the AlertManager publishes (`published`, `active()`,
`notices_after()`), and turns the user's ack/snooze into `client_actions` rows for the
collector, and silences into `alert_silences` rows that every collector applies. An
ack or a silence is shown at once on this desktop (an optimistic overlay) and on every
other desktop as soon as the collector has applied it.

A new popup (notice) is raised when the collector records a notification
(`notified_at` moves forward), so every desktop pops up exactly what the collector
decided to notify, and nothing is replayed at start. Synthetic alerts (e.g. "collector
offline") come from `extra` and are acked locally only. Loop thread only, except the
immutable reads.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, datetime
from typing import Any

from perfdesk.domain.alerts import Alert, AlertChange, AlertEvent, AlertState, Silence
from perfdesk.domain.status import Status
from perfdesk.services.alerts.manager import NOTICE_BACKLOG, Notice
from perfdesk.services.alerts.store import AlertStore
from perfdesk.services.collector.actions import request_action

log = logging.getLogger(__name__)

OVERLAY_S = 30.0
"""How long an optimistic local ack is shown before the database must confirm it."""
_FIELDS = tuple(Alert.model_fields)
_SELECT = "SELECT * FROM alerts WHERE $1::text[] IS NULL OR fingerprint = ANY($1)"


class ClientAlerts:
    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self._rows: dict[str, Alert] = {}
        self._local_acks: dict[str, tuple[str, datetime, str]] = {}
        self._silences: dict[str, Silence] = {}
        self._ended: dict[str, datetime] = {}
        """Silences ended here, until the database says so (id -> when)."""
        self._notices: tuple[Notice, ...] = ()
        self._notice_seq = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self.extra: tuple[Alert, ...] = ()
        """Synthetic alerts of this client (collector offline), set by the client runtime."""
        self.published: tuple[Alert, ...] = ()
        self.published_silences: tuple[Silence, ...] = ()
        self.failures = 0
        self.on_local_change: Callable[[], object] = lambda: None
        """Called after a local action changed `published` (the runtime republishes)."""

    # --- reads (immutable, any thread) ------------------------------------------------

    def notices_after(self, seq: int) -> list[Notice]:
        return [n for n in self._notices if n.seq > seq]

    @property
    def last_notice_seq(self) -> int:
        return self._notice_seq

    def get(self, fingerprint: str) -> Alert | None:
        return next((a for a in self.published if a.fingerprint == fingerprint), None)

    def alerts(self) -> list[Alert]:
        return list(self.published)

    def active(self) -> list[Alert]:
        """Firing/recovering, not muted: most severe first, then newest (as the manager)."""
        shown = [a for a in self.published if a.is_active and not a.is_muted()]
        shown.sort(key=lambda a: a.started_at.timestamp(), reverse=True)
        shown.sort(key=lambda a: a.severity.severity, reverse=True)
        return shown

    # --- loading (loop thread) --------------------------------------------------------

    async def load(self, fingerprints: Iterable[str] | None = None, *, quiet: bool = False) -> None:
        """Re-read all alerts or the given ones; `quiet` raises no notices (first load)."""
        wanted = None if fingerprints is None else sorted(set(fingerprints))
        rows = await self._pool.fetch(_SELECT, wanted)
        for row in rows:
            data = dict(row)
            alert = Alert.model_validate({k: data[k] for k in _FIELDS if k in data})
            old = self._rows.get(alert.fingerprint)
            self._rows[alert.fingerprint] = alert
            if not quiet:
                self._maybe_notice(old, alert)
        self.publish()

    def publish(self) -> None:
        now = datetime.now(UTC)
        self._local_acks = {
            fp: ack for fp, ack in self._local_acks.items()
            if (now - ack[1]).total_seconds() < OVERLAY_S
            and (fp not in self._rows or self._rows[fp].acked_at is None)
        }  # fmt: skip
        merged = [self._overlay(a) for a in self._rows.values()]
        self.published = (*merged, *(self._overlay(a) for a in self.extra))
        self.published_silences = tuple(self._silences.values())

    def _overlay(self, alert: Alert) -> Alert:
        alert = self._silence_overlay(alert)
        ack = self._local_acks.get(alert.fingerprint)
        if ack is None or alert.acked_at is not None:
            return alert
        who, at, comment = ack
        return alert.model_copy(update={"acked_by": who, "acked_at": at, "ack_comment": comment})

    def _silence_overlay(self, alert: Alert) -> Alert:
        """A silence in force shows its alerts silenced before the collector has marked them
        (and one ended here shows them un-muted); the collector's row wins once written."""
        if alert.state is AlertState.RESOLVED:
            return alert
        now = datetime.now(UTC)
        if alert.silenced_by is not None:
            silence = self._silences.get(alert.silenced_by)
            if silence is None or silence.expires_at <= now:  # ended or expired
                return alert.model_copy(update={"silenced_by": None})
            return alert
        for silence in self._silences.values():
            if silence.matches(alert) and silence.expires_at > now:
                return alert.model_copy(update={"silenced_by": silence.id})
        return alert

    def _maybe_notice(self, old: Alert | None, new: Alert) -> None:
        if new.notified_at is None or (old is not None and old.notified_at == new.notified_at):
            return
        if not new.needs_attention(datetime.now(UTC)):
            return
        escalated = (
            old is not None
            and old.episode == new.episode
            and old.notified_severity is not None
            and new.severity.severity > old.notified_severity.severity
        )
        change = AlertChange.ESCALATED if escalated else AlertChange.FIRED
        event = AlertEvent(alert=new, change=change, ts=new.notified_at, notify=True)
        self._notice_seq += 1
        self._notices = (*self._notices[-(NOTICE_BACKLOG - 1) :], Notice(self._notice_seq, event))

    # --- actions (called on the loop thread, e.g. through BackendHost.call) -----------

    def ack(self, fingerprint: str, who: str, comment: str, now: datetime | None = None) -> None:
        """Acknowledge: shown here at once, applied by the collector for everyone."""
        now = now or datetime.now(UTC)
        self._local_acks[fingerprint] = (who, now, comment)
        self.publish()
        self.on_local_change()
        if fingerprint in self._rows:
            self._request(who, "ack", fingerprint, comment=comment)

    def snooze(
        self,
        fingerprint: str,
        until: datetime | None,
        now: datetime | None = None,
        *,
        who: str | None = None,
        until_recovery: bool = False,
        comment: str | None = None,
    ) -> None:
        """Snooze until a time, or until this episode recovers (applied by the collector)."""
        if until is None and not until_recovery:
            raise ValueError("snooze needs a time (until) or until_recovery=True")
        text = comment or ("until recovery" if until is None else f"until {until:%Y-%m-%d %H:%M}")
        self._request(who or "perfdesk", "snooze", fingerprint, until=until,
                      until_recovery=until_recovery, comment=text)  # fmt: skip

    def unsnooze(self, fingerprint: str, who: str | None, now: datetime | None = None) -> None:
        self._request(who or "perfdesk", "unsnooze", fingerprint)

    def silences(self) -> list[Silence]:
        """Silences in force (shared: made on any desktop), soonest expiry first (any thread)."""
        now = datetime.now(UTC)
        return sorted(
            (s for s in self.published_silences if s.expires_at > now), key=lambda s: s.expires_at
        )

    def add_silence(
        self,
        *,
        strategy_id: str | None,
        rule: str | None,
        until: datetime,
        who: str,
        comment: str = "",
        now: datetime | None = None,
    ) -> Silence:
        """Mute matching alerts until `until`, on every desktop (the collectors apply it).

        Shown here at once; stored in `alert_silences`, which notifies the collectors.
        Raises ValueError (like the manager) for a silence of everything or one that
        would already have expired.
        """
        now = now or datetime.now(UTC)
        silence = Silence(
            id=uuid.uuid4().hex, strategy_id=strategy_id, rule=rule, created_by=who,
            comment=comment, created_at=now, expires_at=until,
        )  # fmt: skip
        self._silences[silence.id] = silence
        self.publish()
        self.on_local_change()
        self._spawn(AlertStore(self._pool).add_silence(silence), "client-silence")
        return silence

    def end_silence(self, silence_id: str, who: str, now: datetime | None = None) -> None:
        """End a silence early, on every desktop (the collectors un-mute its alerts)."""
        now = now or datetime.now(UTC)
        if self._silences.pop(silence_id, None) is None:
            raise KeyError(f"no active silence with id {silence_id!r}")
        self._ended[silence_id] = now
        self.publish()
        self.on_local_change()
        self._spawn(AlertStore(self._pool).end_silence(silence_id, who, now), "client-unsilence")

    async def load_silences(self, ids: Iterable[str] | None = None) -> None:
        """Re-read the given silences (a notification), or every one in force."""
        rows = await AlertStore(self._pool).silence_rows(None if ids is None else sorted(set(ids)))
        if ids is None:
            self._silences = {}
        for row in rows:
            sid = row.silence.id
            if row.ended_at is None and sid not in self._ended:
                self._silences[sid] = row.silence
            else:
                self._silences.pop(sid, None)
                self._ended.pop(sid, None)
        self.publish()

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _request(self, who: str, action: str, fingerprint: str, **kw: Any) -> None:
        alert = self._rows.get(fingerprint)
        if alert is None:
            log.warning("%s: no shared alert %r (a local one?)", action, fingerprint)
            return
        coro = request_action(
            self._pool, actor=who, action=action, fingerprint=fingerprint,
            strategy_id=alert.strategy_id, **kw,
        )  # fmt: skip
        self._spawn(coro, f"client-{action}")

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.failures += 1
            log.error("could not send an alert action", exc_info=task.exception())


def offline_alert(collector_id: str, message: str, since: datetime) -> Alert:
    """A synthetic critical alert shown while a collector's heartbeat is missing."""
    return Alert(
        fingerprint=f"collector:{collector_id}/heartbeat",
        strategy_id=f"collector:{collector_id}",
        rule="collector",
        severity=Status.CRITICAL,
        state=AlertState.FIRING,
        message=message,
        started_at=since,
        updated_at=since,
    )
