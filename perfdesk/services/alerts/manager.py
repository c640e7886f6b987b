"""AlertManager: verdicts in, alerts out — a pure state machine with an injected clock.

Lifecycle per fingerprint (strategy + rule):
PENDING (breach must hold `for`) -> FIRING -> RECOVERING (clear must hold
`keep_firing_s`, a breach returns to FIRING silently) -> RESOLVED; a breach after
resolution starts a new episode of the same alert. Severity changes update the alert in
place; escalation clears an acknowledgement. A breaching "stale" rule inhibits the
strategy's other alerts (no data is not bad performance). Silences mute by
strategy and/or rule until they expire.

Every change goes to the listeners as an AlertEvent (or SilenceEvent), in order, on
the caller's thread (the backend loop); events with `notify=True` also go to the
notice feed that the GUI polls from its own thread (`notices_after`). No I/O here:
persistence is AlertStore's job, outbound messages the channels'.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from perfdesk.domain.alerts import (
    STALE_RULE,
    Alert,
    AlertChange,
    AlertEvent,
    AlertPeak,
    AlertSettings,
    AlertState,
    Silence,
    SilenceEvent,
)
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict

__all__ = ["AlertChange", "AlertManager", "Change", "Listener", "Notice"]
log = logging.getLogger(__name__)

Change = AlertEvent | SilenceEvent
Listener = Callable[[Change], None]
NOTICE_BACKLOG = 512
"""How many recent notices the GUI feed keeps (it polls many times a second)."""


class Signal(Enum):
    """A rule result as the state machine sees it."""

    BREACH = "breach"
    CLEAR = "clear"
    HOLD = "hold"  # insufficient data, or OK but inside the recovery margin


@dataclass(frozen=True, slots=True)
class Notice:
    """A notification decided by the manager; `seq` increases by one per notice."""

    seq: int
    event: AlertEvent


def utcnow() -> datetime:
    return datetime.now(UTC)


class AlertManager:
    """One per process; not thread-safe: call it from the backend loop only.

    Other threads may read `published` (every alert), `published_silences` and
    `notices_after()`: immutable tuples replaced atomically.
    """

    def __init__(
        self, settings: AlertSettings | None = None, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.settings = settings or AlertSettings()
        self._clock = clock
        self._alerts: dict[str, Alert] = {}
        self._silences: dict[str, Silence] = {}
        self._listeners: list[Listener] = []
        self._notices: tuple[Notice, ...] = ()
        self._notice_seq = 0
        self.published: tuple[Alert, ...] = ()
        self.published_silences: tuple[Silence, ...] = ()
        """The silences in force (immutable; safe to read from another thread)."""
        self.applying: RuleResult | None = None
        """The rule result being applied while listeners hear of its changes (its value,
        limit and evidence for the channels); None outside `process`."""

    # --- setup -------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def load(self, alerts: Iterable[Alert], silences: Iterable[Silence] = ()) -> None:
        """Restore persisted state (after a restart) without emitting anything."""
        self._alerts = {a.fingerprint: a for a in alerts}
        self._silences = {s.id: s for s in silences}
        self._publish()

    def apply_settings(self, settings: AlertSettings) -> None:
        """Use new settings from now on (live: no restart, no alert is reset).

        Each timer is compared with the setting in force when it is next checked: a
        pending alert fires on the next breach once it has held the new `for` duration,
        a recovering one resolves on the next clear once clear for the new
        `keep_firing_s`; the recovery margin and the quiet period apply to the next
        verdict and the next notification.
        """
        if not isinstance(settings, AlertSettings):
            raise TypeError(f"expected AlertSettings, got {type(settings).__name__}")
        if settings != self.settings:
            log.info("alert settings changed: %s", settings.model_dump())
        self.settings = settings

    # --- reads -------------------------------------------------------------------------

    def get(self, fingerprint: str) -> Alert | None:
        return self._alerts.get(fingerprint)

    def alerts(self) -> list[Alert]:
        """Every alert the manager knows (one per fingerprint), in no particular order."""
        return list(self._alerts.values())

    def active(self) -> list[Alert]:
        """Firing/recovering alerts for the banner, most severe first, then newest first.

        Silenced, inhibited and snoozed-until-recovery alerts are left out (they are in
        `alerts()` and the log); acknowledged and time-snoozed ones are included: the
        banner decides how to show them.
        """
        shown = [
            a
            for a in self._alerts.values()
            if a.is_active and not a.is_muted() and not a.snooze_until_recovery
        ]
        shown.sort(key=lambda a: a.started_at.timestamp(), reverse=True)
        shown.sort(key=lambda a: a.severity.severity, reverse=True)
        return shown

    def silences(self) -> list[Silence]:
        return sorted(self._silences.values(), key=lambda s: s.expires_at)

    def notices_after(self, seq: int) -> list[Notice]:
        """Notices with a sequence number above `seq` (thread-safe read)."""
        return [n for n in self._notices if n.seq > seq]

    @property
    def last_notice_seq(self) -> int:
        return self._notice_seq

    # --- inputs ------------------------------------------------------------------------

    def process(self, verdicts: Iterable[Verdict], now: datetime | None = None) -> None:
        """Apply one validation cycle's verdicts, then the time-based expiries."""
        now = now or self._clock()
        for verdict in verdicts:
            inhibitor = _inhibitor(verdict)
            for result in verdict.rules:
                self.applying = result
                self._apply(verdict.strategy_id, result, inhibitor, now)
        self.applying = None
        self._expire(now)
        self._publish()

    def tick(self, now: datetime | None = None) -> None:
        """Apply time-based changes only (snooze and silence expiry)."""
        self._expire(now or self._clock())
        self._publish()

    def ack(self, fingerprint: str, who: str, comment: str, now: datetime | None = None) -> Alert:
        """Acknowledge with a comment: quiet until the alert escalates or a new episode."""
        now = now or self._clock()
        update = {"acked_by": who, "acked_at": now, "ack_comment": comment, "updated_at": now}
        alert = self._require(fingerprint).model_copy(update=update)
        self._commit(alert, AlertChange.ACKED, now, actor=who, comment=comment)
        self._publish()
        return alert

    def snooze(
        self,
        fingerprint: str,
        until: datetime | None,
        now: datetime | None = None,
        *,
        who: str | None = None,
        until_recovery: bool = False,
        comment: str | None = None,
    ) -> Alert:
        """Quiet until `until`, or (until_recovery) until this episode resolves."""
        if until is None and not until_recovery:
            raise ValueError("snooze needs a time (until) or until_recovery=True")
        now = now or self._clock()
        update = {"snoozed_until": until, "snooze_until_recovery": until_recovery}
        alert = self._require(fingerprint).model_copy(update={**update, "updated_at": now})
        text = comment or ("until recovery" if until_recovery else f"until {until:%Y-%m-%d %H:%M}")
        self._commit(alert, AlertChange.SNOOZED, now, actor=who, comment=text)
        self._publish()
        return alert

    def unsnooze(self, fingerprint: str, who: str | None, now: datetime | None = None) -> Alert:
        now = now or self._clock()
        update = {"snoozed_until": None, "snooze_until_recovery": False, "updated_at": now}
        alert = self._require(fingerprint).model_copy(update=update)
        self._commit(alert, AlertChange.UNSNOOZED, now, actor=who)
        self._publish()
        return alert

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
        """Mute matching alerts (present and future) until `until`."""
        now = now or self._clock()
        silence = Silence(
            id=uuid.uuid4().hex,
            strategy_id=strategy_id,
            rule=rule,
            created_by=who,
            comment=comment,
            created_at=now,
            expires_at=until,
        )
        self._silences[silence.id] = silence
        self._emit(SilenceEvent(silence=silence))
        self._resilence(now, actor=who)
        self._publish()
        return silence

    def adopt_silence(self, silence: Silence, now: datetime | None = None) -> bool:
        """Apply a silence created elsewhere (a desktop, through the shared database).

        Returns False when it is already known or no longer in force. A silence stamped
        a little in the future by another machine's clock counts from now.
        """
        now = now or self._clock()
        if silence.id in self._silences or silence.expires_at <= now:
            return False
        if silence.created_at > now:
            silence = silence.model_copy(update={"created_at": now})
        self._silences[silence.id] = silence
        self._emit(SilenceEvent(silence=silence))
        self._resilence(now, actor=silence.created_by)
        self._publish()
        return True

    def resilence(self, now: datetime | None = None) -> None:
        """Re-match every unresolved alert against the silences in force.

        After `load`: a silence made (or ended) elsewhere while this manager was not
        running changes the loaded alerts here; nothing changes if none was.
        """
        self._resilence(now or self._clock())
        self._publish()

    def end_silence(self, silence_id: str, who: str, now: datetime | None = None) -> None:
        """End a silence before its expiry."""
        now = now or self._clock()
        silence = self._silences.pop(silence_id, None)
        if silence is None:
            raise KeyError(f"no active silence with id {silence_id!r}")
        self._emit(SilenceEvent(silence=silence, ended_at=now, ended_by=who))
        self._resilence(now, actor=who)
        self._publish()

    # --- the state machine ---------------------------------------------------------------

    def _apply(self, sid: str, result: RuleResult, inhibitor: str | None, now: datetime) -> None:
        fp = Alert.fingerprint_of(sid, result.rule)
        inhibited_by = None if result.rule == STALE_RULE else inhibitor
        signal = classify(result, self.settings.recovery_margin)
        old = self._alerts.get(fp)
        if old is None:
            if signal is Signal.BREACH:
                self._open(self._new(fp, sid, result, inhibited_by, now), result, now)
            return
        old = self._reinhibit(old, inhibited_by, now)
        if old.state is AlertState.RESOLVED:
            if signal is Signal.BREACH:
                self._open(self._next_episode(old, result, inhibited_by, now), result, now)
        elif old.state is AlertState.PENDING:
            self._pending(old, signal, result, now)
        elif old.state is AlertState.FIRING:
            self._firing(old, signal, result, now)
        else:
            self._recovering(old, signal, result, now)

    def _new(
        self, fp: str, sid: str, result: RuleResult, inhibited_by: str | None, now: datetime
    ) -> Alert:
        return Alert(
            fingerprint=fp,
            strategy_id=sid,
            rule=result.rule,
            severity=result.status,
            state=AlertState.PENDING,
            message=result.message,
            started_at=now,
            updated_at=now,
            pending_since=now,
            inhibited_by=inhibited_by,
            worst=_peak(result),
            silenced_by=self._silence_for(sid, result.rule, now),
        )

    def _next_episode(
        self, old: Alert, result: RuleResult, inhibited_by: str | None, now: datetime
    ) -> Alert:
        """A new breach of a resolved alert: same row, fresh episode (acks reset)."""
        update: dict[str, Any] = {
            "severity": result.status,
            "state": AlertState.PENDING,
            "message": result.message,
            "started_at": now,
            "updated_at": now,
            "pending_since": now,
            "clear_since": None,
            "fired_at": None,
            "acked_by": None,
            "acked_at": None,
            "ack_comment": None,
            "snooze_until_recovery": False,
            "inhibited_by": inhibited_by,
            "episode": old.episode + 1,
            "worst": _peak(result),
        }
        return old.model_copy(update=update)

    def _open(self, pending: Alert, result: RuleResult, now: datetime) -> None:
        """Start an episode: fire at once when `for` is 0, else wait as PENDING."""
        if self.settings.for_s(result.status) <= 0:
            self._fire(pending, AlertChange.FIRED, now)
        else:
            self._commit(pending, AlertChange.PENDING, now)

    def _pending(self, old: Alert, signal: Signal, result: RuleResult, now: datetime) -> None:
        if signal is not Signal.BREACH:
            resolved = old.model_copy(update=_resolved(result, now))
            self._commit(resolved, AlertChange.RESOLVED, now, comment="cleared before firing")
            return
        alert = old.model_copy(update={"severity": result.status, **_evidence(old, result)})
        held = (now - (old.pending_since or now)).total_seconds()
        if held >= self.settings.for_s(result.status):
            self._fire(alert, AlertChange.FIRED, now)
        else:
            self._alerts[old.fingerprint] = alert  # fresher evidence; nothing to announce

    def _fire(self, alert: Alert, change: AlertChange, now: datetime) -> None:
        """PENDING -> FIRING. A recent notification of this fingerprint still counts."""
        update: dict[str, Any] = {"state": AlertState.FIRING, "fired_at": now, "updated_at": now}
        if not self._recently_notified(alert, now):
            update["notified_severity"] = None
        self._commit(alert.model_copy(update=update), change, now)

    def _firing(self, old: Alert, signal: Signal, result: RuleResult, now: datetime) -> None:
        if signal is Signal.BREACH:
            self._severity(old, result, now)
        elif signal is Signal.CLEAR:
            if self.settings.keep_firing_s <= 0:
                self._commit(
                    old.model_copy(update=_resolved(result, now)), AlertChange.RESOLVED, now
                )
            else:
                update = {"state": AlertState.RECOVERING, "clear_since": now, "updated_at": now}
                update["message"] = result.message
                self._commit(old.model_copy(update=update), AlertChange.RECOVERING, now)

    def _severity(self, old: Alert, result: RuleResult, now: datetime) -> None:
        """A breach while firing: escalate, de-escalate, or just refresh the message."""
        new, was = result.status.severity, old.severity.severity
        if new == was:
            self._alerts[old.fingerprint] = old.model_copy(update=_evidence(old, result))
            return
        update: dict[str, Any] = {"severity": result.status, **_evidence(old, result)}
        update["updated_at"] = now
        if new > was:
            update.update(acked_by=None, acked_at=None, ack_comment=None)
        change = AlertChange.ESCALATED if new > was else AlertChange.DEESCALATED
        self._commit(old.model_copy(update=update), change, now)

    def _recovering(self, old: Alert, signal: Signal, result: RuleResult, now: datetime) -> None:
        if signal is Signal.BREACH:
            update: dict[str, Any] = {"state": AlertState.FIRING, "clear_since": None}
            update.update(severity=result.status, updated_at=now, **_evidence(old, result))
            if result.status.severity > old.severity.severity:
                update.update(acked_by=None, acked_at=None, ack_comment=None)
            self._commit(old.model_copy(update=update), AlertChange.REFIRED, now)
        elif signal is Signal.HOLD:
            self._alerts[old.fingerprint] = old.model_copy(update={"clear_since": now})
        else:
            clear = (now - (old.clear_since or now)).total_seconds()
            if clear >= self.settings.keep_firing_s:
                self._commit(
                    old.model_copy(update=_resolved(result, now)), AlertChange.RESOLVED, now
                )

    # --- mutes: inhibition, silences, snooze expiry ----------------------------------------

    def _reinhibit(self, alert: Alert, inhibited_by: str | None, now: datetime) -> Alert:
        if alert.inhibited_by == inhibited_by or alert.state is AlertState.RESOLVED:
            return alert
        updated = alert.model_copy(update={"inhibited_by": inhibited_by, "updated_at": now})
        change = AlertChange.INHIBITED if inhibited_by else AlertChange.UNINHIBITED
        self._commit(updated, change, now, comment=inhibited_by)
        return updated

    def _silence_for(self, sid: str, rule: str, now: datetime) -> str | None:
        for silence in self._silences.values():
            in_scope = silence.strategy_id in (None, sid) and silence.rule in (None, rule)
            if in_scope and silence.is_active(now):
                return silence.id
        return None

    def _resilence(self, now: datetime, actor: str | None = None) -> None:
        """Re-match every unresolved alert against the silences in force."""
        for alert in list(self._alerts.values()):
            if alert.state is AlertState.RESOLVED:
                continue
            silenced_by = self._silence_for(alert.strategy_id, alert.rule, now)
            if silenced_by != alert.silenced_by:
                updated = alert.model_copy(update={"silenced_by": silenced_by, "updated_at": now})
                change = AlertChange.SILENCED if silenced_by else AlertChange.UNSILENCED
                self._commit(updated, change, now, actor=actor, comment=silenced_by)

    def _expire(self, now: datetime) -> None:
        expired = [s for s in self._silences.values() if not s.is_active(now)]
        for silence in expired:
            del self._silences[silence.id]
            self._emit(SilenceEvent(silence=silence, ended_at=silence.expires_at))
        if expired:
            self._resilence(now)
        for alert in list(self._alerts.values()):
            if alert.snoozed_until is not None and alert.snoozed_until <= now:
                update = {"snoozed_until": None, "updated_at": now}
                self._commit(alert.model_copy(update=update), AlertChange.UNSNOOZED, now)

    # --- notification and emission -------------------------------------------------------

    def _recently_notified(self, alert: Alert, now: datetime) -> bool:
        if alert.notified_at is None:
            return False
        return now - alert.notified_at < timedelta(seconds=self.settings.renotify_after_s)

    def _should_notify(self, alert: Alert, now: datetime) -> bool:
        """Firing, nothing holding it back, and more severe than anything already notified."""
        if alert.state is not AlertState.FIRING or alert.acked_at is not None:
            return False
        if alert.is_snoozed(now) or alert.is_muted():
            return False
        notified = alert.notified_severity
        return notified is None or alert.severity.severity > notified.severity

    def _commit(
        self,
        alert: Alert,
        change: AlertChange,
        now: datetime,
        *,
        actor: str | None = None,
        comment: str | None = None,
    ) -> None:
        notify = self._should_notify(alert, now)
        if notify:
            alert = alert.model_copy(
                update={"notified_severity": alert.severity, "notified_at": now}
            )
        self._alerts[alert.fingerprint] = alert
        event = AlertEvent(
            alert=alert, change=change, ts=now, notify=notify, actor=actor, comment=comment
        )
        if notify:
            self._notice_seq += 1
            notices = (*self._notices, Notice(self._notice_seq, event))
            self._notices = notices[-NOTICE_BACKLOG:]
        self._emit(event)

    def _emit(self, change: Change) -> None:
        """Tell every listener; one that fails is logged and does not stop the others."""
        for listener in self._listeners:
            try:
                listener(change)
            except Exception:
                log.exception("alert listener %r failed on %r", listener, change)

    def _publish(self) -> None:
        self.published = tuple(self._alerts.values())
        self.published_silences = tuple(self._silences.values())

    def _require(self, fingerprint: str) -> Alert:
        alert = self._alerts.get(fingerprint)
        if alert is None:
            raise KeyError(f"no alert with fingerprint {fingerprint!r}")
        return alert


def classify(result: RuleResult, recovery_margin: float) -> Signal:
    """BREACH at warning/critical; HOLD on insufficient data or inside the recovery margin."""
    if result.status in (Status.WARNING, Status.CRITICAL):
        return Signal.BREACH
    if result.status is Status.INSUFFICIENT_DATA:
        return Signal.HOLD
    value, limit = result.value, result.limit
    if recovery_margin <= 0 or value is None or limit is None or limit == 0:
        return Signal.CLEAR
    near = abs(value - limit) < recovery_margin * abs(limit)
    return Signal.HOLD if near else Signal.CLEAR


def _inhibitor(verdict: Verdict) -> str | None:
    """The stale alert's fingerprint while the strategy's feed is stale."""
    stale = verdict.rule(STALE_RULE)
    if stale is not None and stale.status in (Status.WARNING, Status.CRITICAL):
        return Alert.fingerprint_of(verdict.strategy_id, STALE_RULE)
    return None


def _peak(result: RuleResult) -> AlertPeak | None:
    """A breaching result as a candidate for the episode's worst moment."""
    if result.status not in (Status.WARNING, Status.CRITICAL):
        return None
    if result.value is None:
        excess = 0.0
    else:
        excess = abs(result.value - result.limit) if result.limit is not None else abs(result.value)
    return AlertPeak(severity=result.status, message=result.message, excess=excess)


def _evidence(old: Alert, result: RuleResult) -> dict[str, Any]:
    """A breach's fresh message, and the episode's worst moment if this one is worse."""
    update: dict[str, Any] = {"message": result.message}
    peak = _peak(result)
    if peak is not None and peak.worse_than(old.worst):
        update["worst"] = peak
    return update


def _resolved(result: RuleResult, now: datetime) -> dict[str, Any]:
    return {
        "state": AlertState.RESOLVED,
        "message": result.message,
        "updated_at": now,
        "pending_since": None,
        "clear_since": None,
        "snooze_until_recovery": False,
    }
