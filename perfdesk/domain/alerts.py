"""Alerts: a rule's breach with a lifecycle (pending -> firing -> recovering -> resolved).

Plain values shared by the alert manager (services), its store, the channels and the
views. All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from perfdesk.domain.status import Status

STALE_RULE = "stale"
"""The feed-staleness rule: while it breaches, that strategy's other alerts are inhibited."""


class AlertState(StrEnum):
    PENDING = "pending"
    FIRING = "firing"
    RECOVERING = "recovering"
    RESOLVED = "resolved"


class AlertPeak(BaseModel):
    """The worst moment of an alert's episode: its severity, its message, and how far past
    its limit the rule's value was (`excess`, in the rule's unit; 0 when unknown)."""

    model_config = ConfigDict(frozen=True)

    severity: Status
    message: str
    excess: float = 0.0

    def worse_than(self, other: AlertPeak | None) -> bool:
        if other is None:
            return True
        return (self.severity.severity, self.excess) > (other.severity.severity, other.excess)


class Alert(BaseModel):
    """One alert, identified by its fingerprint (strategy + rule).

    `severity` is WARNING or CRITICAL; escalation updates the same alert. One row per
    fingerprint: a breach after resolution starts a new `episode` of the same alert.
    Timers (`pending_since`, `clear_since`) and what was already notified
    (`notified_severity`, `notified_at`) are part of the value so that a restart resumes
    exactly where it stopped and does not notify twice.
    """

    model_config = ConfigDict(frozen=True)

    fingerprint: str
    strategy_id: str
    rule: str
    severity: Status
    state: AlertState
    message: str
    started_at: datetime
    updated_at: datetime
    acked_by: str | None = None
    acked_at: datetime | None = None
    ack_comment: str | None = None
    snoozed_until: datetime | None = None
    snooze_until_recovery: bool = False
    """Quiet until this episode resolves (cleared on resolution)."""
    silenced_by: str | None = None
    """Id of the silence that currently matches this alert, if any."""
    inhibited_by: str | None = None
    """Fingerprint of the alert that inhibits this one (the strategy's stale feed)."""
    pending_since: datetime | None = None
    """When the current breach started (the `for` timer)."""
    clear_since: datetime | None = None
    """When the condition last became clear while recovering (the keep-firing timer)."""
    fired_at: datetime | None = None
    """When this episode went to FIRING (None while pending)."""
    notified_severity: Status | None = None
    """The most severe level already notified (this episode, or a recent one)."""
    notified_at: datetime | None = None
    """When the last notification for this fingerprint was sent."""
    episode: int = 1
    """1 for the first breach of this fingerprint, +1 for each new breach after resolution."""
    worst: AlertPeak | None = None
    """The episode's worst moment so far (stored with the alert; reset by a new episode)."""

    @field_validator("worst", mode="before")
    @classmethod
    def _worst_from_json(cls, value: Any) -> Any:
        """The database hands the stored jsonb back as text."""
        return AlertPeak.model_validate_json(value) if isinstance(value, str) else value

    @staticmethod
    def fingerprint_of(strategy_id: str, rule: str) -> str:
        return f"{strategy_id}/{rule}"

    @property
    def is_active(self) -> bool:
        return self.state in (AlertState.FIRING, AlertState.RECOVERING)

    def is_snoozed(self, now: datetime) -> bool:
        return self.snooze_until_recovery or (
            self.snoozed_until is not None and self.snoozed_until > now
        )

    def is_muted(self) -> bool:
        """Deliberately hidden from the banner and popups (silence or inhibition)."""
        return self.silenced_by is not None or self.inhibited_by is not None

    def needs_attention(self, now: datetime) -> bool:
        """Active, not acknowledged, snoozed, silenced or inhibited: banner-worthy."""
        return (
            self.is_active
            and self.acked_at is None
            and not self.is_snoozed(now)
            and not self.is_muted()
        )


class AlertChange(StrEnum):
    """What happened to an alert (one row of its history)."""

    PENDING = "pending"
    FIRED = "fired"
    ESCALATED = "escalated"
    DEESCALATED = "deescalated"
    RECOVERING = "recovering"
    REFIRED = "refired"
    RESOLVED = "resolved"
    ACKED = "acked"
    SNOOZED = "snoozed"
    UNSNOOZED = "unsnoozed"
    SILENCED = "silenced"
    UNSILENCED = "unsilenced"
    INHIBITED = "inhibited"
    UNINHIBITED = "uninhibited"
    NOTIFIED = "notified"


class AlertEvent(BaseModel):
    """One entry of an alert's history: the alert after the change, and whether to notify.

    `notify` is True only for a new firing or an escalation that nothing holds back
    (ack, snooze, silence, inhibition, or a recent notification of the same level).
    """

    model_config = ConfigDict(frozen=True)

    alert: Alert
    change: AlertChange
    ts: datetime
    notify: bool = False
    actor: str | None = None
    comment: str | None = None


class Silence(BaseModel):
    """Mute alerts of a strategy and/or a rule until `expires_at` (None matches any)."""

    model_config = ConfigDict(frozen=True)

    id: str
    strategy_id: str | None = None
    rule: str | None = None
    created_by: str
    comment: str = ""
    created_at: datetime
    expires_at: datetime

    @model_validator(mode="after")
    def _scoped(self) -> Self:
        if self.strategy_id is None and self.rule is None:
            raise ValueError("a silence needs a strategy, a rule, or both (not everything)")
        if self.expires_at <= self.created_at:
            raise ValueError("a silence must expire after it is created")
        return self

    def matches(self, alert: Alert) -> bool:
        return (self.strategy_id is None or self.strategy_id == alert.strategy_id) and (
            self.rule is None or self.rule == alert.rule
        )

    def is_active(self, now: datetime) -> bool:
        return self.created_at <= now < self.expires_at


class SilenceEvent(BaseModel):
    """A silence was created, or ended at `ended_at` (its expiry, or earlier by hand)."""

    model_config = ConfigDict(frozen=True)

    silence: Silence
    ended_at: datetime | None = None
    ended_by: str | None = None
    """Who ended it early (None: it expired, or it has not ended)."""

    @property
    def ended(self) -> bool:
        return self.ended_at is not None


class AlertSettings(BaseModel):
    """How verdicts become alerts. Durations in seconds; forms are generated from the fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    for_warning_s: float = Field(
        5.0,
        title="Warning must hold for",
        description="Seconds a warning breach must last before its alert fires (pending "
        "until then).",
        ge=0.0,
        le=3600.0,
    )
    for_critical_s: float = Field(
        0.0,
        title="Critical must hold for",
        description="Seconds a critical breach must last before its alert fires; 0 fires at once.",
        ge=0.0,
        le=3600.0,
    )
    keep_firing_s: float = Field(
        60.0,
        title="Keep firing for",
        description="Seconds the condition must stay clear before a firing alert resolves; "
        "a breach in the meantime returns it to firing without a new notification.",
        ge=0.0,
        le=86400.0,
    )
    recovery_margin: float = Field(
        0.0,
        title="Recovery margin",
        description="Hysteresis: a rule counts as recovered only when its value is this "
        "fraction of its limit away from the limit (0.1 = 10 %); 0 = off.",
        ge=0.0,
        le=1.0,
    )
    renotify_after_s: float = Field(
        900.0,
        title="Quiet period after a notification",
        description="An alert that fires again within this many seconds of its last "
        "notification, at the same or a lower severity, is shown but not notified again.",
        ge=0.0,
        le=86400.0,
    )

    def for_s(self, severity: Status) -> float:
        """How long a breach at `severity` must hold before it fires."""
        return self.for_critical_s if severity is Status.CRITICAL else self.for_warning_s


class AlertHistoryEntry(BaseModel):
    """One stored row of an alert's history, as the alert log shows it."""

    model_config = ConfigDict(frozen=True)

    id: int
    fingerprint: str
    ts: datetime
    change: AlertChange | None
    """None for rows written before the lifecycle schema (state only)."""
    state: AlertState
    severity: Status
    message: str
    actor: str | None = None
    comment: str | None = None
    notified: bool = False
    episode: int | None = None
