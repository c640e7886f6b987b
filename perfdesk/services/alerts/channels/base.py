"""What every alert channel shares: the notification it sends, its filter, its outcome.

A channel is a small object with a `name`, a `filter` and `async send(note, http)`;
`http` is the dispatcher's one shared `httpx.AsyncClient`. `send` raises ChannelError
(its message says why, without secrets) or OSError; the dispatcher retries.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Protocol

import httpx

from perfdesk.domain.alerts import Alert, AlertChange, AlertEvent, AlertState
from perfdesk.domain.status import Status
from perfdesk.domain.verdict import RuleResult


class ChannelError(RuntimeError):
    """One delivery attempt failed (the message says why, without secrets)."""


class Kind(StrEnum):
    FIRING = "firing"
    """A new firing or an escalation the manager decided to notify."""
    RESOLVED = "resolved"
    """An alert this channel was told about has resolved."""
    TEST = "test"
    """"Send a test message now" from Settings › Notifications."""


@dataclass(frozen=True, slots=True)
class Notification:
    """One message for the channels: the alert event, and the rule result behind it."""

    event: AlertEvent
    kind: Kind
    result: RuleResult | None = None
    """The rule's value, limit and evidence at the breach (None: not known here)."""
    resend: bool = False
    """A periodic re-send of a firing alert (Alertmanager expects them)."""
    ack_url: str | None = None
    """A signed link that acknowledges this alert episode (when ack links are set up)."""

    @property
    def alert(self) -> Alert:
        return self.event.alert

    @property
    def severity(self) -> Status:
        return self.event.alert.severity

    @staticmethod
    def test(now: datetime, desk: str) -> Notification:
        """A harmless message that exercises the channel end to end."""
        alert = Alert(
            fingerprint="perfdesk-test/test",
            strategy_id="perfdesk-test",
            rule="test",
            severity=Status.WARNING,
            state=AlertState.FIRING,
            message=f"test message from perfdesk ({desk}); nothing to do",
            started_at=now,
            updated_at=now,
            fired_at=now,
        )
        event = AlertEvent(alert=alert, change=AlertChange.FIRED, ts=now, notify=True)
        return Notification(event, Kind.TEST)


@dataclass(frozen=True)
class ChannelFilter:
    """Which alerts a channel gets: at least `min_severity`, of matching strategies."""

    min_severity: Status = Status.WARNING
    strategies: tuple[str, ...] = ()
    """Strategy ids or shell patterns (`eu_*`); empty: every strategy."""

    def accepts(self, alert: Alert) -> bool:
        if alert.severity.severity < self.min_severity.severity:
            return False
        return not self.strategies or any(
            fnmatch.fnmatchcase(alert.strategy_id, p) for p in self.strategies
        )


class AlertChannel(Protocol):
    """Somewhere notifications go."""

    name: str
    filter: ChannelFilter
    timeout_s: float
    send_resolved: bool
    resend_every_s: float | None

    async def send(self, note: Notification, http: httpx.AsyncClient) -> None: ...


class ChannelBase:
    """Defaults shared by the channels (each sets `kind` and implements `send`)."""

    kind: ClassVar[str] = ""
    resend_every_s: float | None = None

    def __init__(
        self,
        *,
        name: str,
        filter: ChannelFilter | None = None,
        timeout_s: float = 5.0,
        send_resolved: bool = True,
    ) -> None:
        if not timeout_s > 0:
            raise ValueError(f"{name}: timeout must be above 0 s, got {timeout_s}")
        self.name = name
        self.filter = filter or ChannelFilter()
        self.timeout_s = timeout_s
        self.send_resolved = send_resolved


@dataclass(frozen=True)
class Delivery:
    """The outcome of one notification on one channel (after all its attempts)."""

    channel: str
    event: AlertEvent
    ok: bool
    attempts: int
    error: str | None = None
    kind: Kind = Kind.FIRING


@dataclass
class ChannelStats:
    """Counters of one channel since start (the database keeps the full log)."""

    sent: int = 0
    failed: int = 0
    dropped: int = 0
    """Messages dropped because the queue was full (the oldest goes first)."""
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_success_at: datetime | None = None
    drop_reasons: dict[str, int] = field(default_factory=dict)
