"""AlertManager: verdicts in, alerts out, with acknowledgement and snooze.

One alert per fingerprint (strategy + rule). A rule at WARNING or CRITICAL fires
(or escalates) its alert; back at OK or insufficient data, the alert resolves.
Listeners hear about every change, in order, on the caller's thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum

from perfdesk.domain.alerts import Alert, AlertState
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult, Verdict

_ALERTING = (Status.WARNING, Status.CRITICAL)


class AlertChange(StrEnum):
    FIRED = "fired"
    ESCALATED = "escalated"
    DEESCALATED = "deescalated"
    RESOLVED = "resolved"
    ACKED = "acked"
    SNOOZED = "snoozed"


Listener = Callable[[Alert, AlertChange], None]


class AlertManager:
    def __init__(self) -> None:
        self._alerts: dict[str, Alert] = {}
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def process(self, verdicts: Iterable[Verdict], now: datetime) -> None:
        for verdict in verdicts:
            for result in verdict.rules:
                self._apply(verdict.strategy_id, result, now)

    def active(self) -> list[Alert]:
        """Firing alerts, most severe first, then newest first."""
        firing = [a for a in self._alerts.values() if a.is_active]
        firing.sort(key=lambda a: a.started_at.timestamp(), reverse=True)
        firing.sort(key=lambda a: a.severity.severity, reverse=True)
        return firing

    def get(self, fingerprint: str) -> Alert | None:
        return self._alerts.get(fingerprint)

    def ack(self, fingerprint: str, who: str, comment: str, now: datetime) -> None:
        alert = self._require(fingerprint)
        update = {"acked_by": who, "acked_at": now, "ack_comment": comment, "updated_at": now}
        self._set(alert.model_copy(update=update), AlertChange.ACKED)

    def snooze(self, fingerprint: str, until: datetime, now: datetime) -> None:
        alert = self._require(fingerprint)
        update = {"snoozed_until": until, "updated_at": now}
        self._set(alert.model_copy(update=update), AlertChange.SNOOZED)

    def _apply(self, strategy_id: str, result: RuleResult, now: datetime) -> None:
        fp = Alert.fingerprint_of(strategy_id, result.rule)
        old = self._alerts.get(fp)
        if result.status in _ALERTING:
            self._breach(fp, strategy_id, result, old, now)
        elif old is not None and old.is_active:
            update = {"state": AlertState.RESOLVED, "updated_at": now, "message": result.message}
            self._set(old.model_copy(update=update), AlertChange.RESOLVED)

    def _breach(
        self, fp: str, sid: str, result: RuleResult, old: Alert | None, now: datetime
    ) -> None:
        if old is None or not old.is_active:
            alert = Alert(
                fingerprint=fp,
                strategy_id=sid,
                rule=result.rule,
                severity=result.status,
                state=AlertState.FIRING,
                message=result.message,
                started_at=now,
                updated_at=now,
            )
            self._set(alert, AlertChange.FIRED)
        elif result.status != old.severity:
            change = (
                AlertChange.ESCALATED
                if result.status.severity > old.severity.severity
                else AlertChange.DEESCALATED
            )
            update = {"severity": result.status, "message": result.message, "updated_at": now}
            self._set(old.model_copy(update=update), change)
        elif result.message != old.message:
            # Same severity, fresher evidence: keep the text current without notifying.
            self._alerts[fp] = old.model_copy(update={"message": result.message})

    def _set(self, alert: Alert, change: AlertChange) -> None:
        self._alerts[alert.fingerprint] = alert
        for listener in self._listeners:
            listener(alert, change)

    def _require(self, fingerprint: str) -> Alert:
        alert = self._alerts.get(fingerprint)
        if alert is None:
            raise KeyError(f"no alert with fingerprint {fingerprint!r}")
        return alert
